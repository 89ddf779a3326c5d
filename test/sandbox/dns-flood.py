#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Test only (test-dns.sh): DNS clients that dig cannot play, all against HOST:PORT and
# bounded in count and time.
#   rcode HOST PORT NAME TYPE tcp|udp   print the rcode's name of one query (e.g. NOTIMP)
#   trickle HOST PORT N SECONDS         N TCP clients, each sending one byte of a query
#                                       every 5 s; after SECONDS print how many were
#                                       closed by the server
#   hold HOST PORT N SECONDS            N TCP connections held open SECONDS, then closed
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPES = {"A": 1, "SOA": 6, "AXFR": 252, "IXFR": 251}


def query(name, qtype):
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        if label:
            q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", TYPES[qtype], 1)


def rcode(host, port, name, qtype, proto):
    q = query(name, qtype)
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(q, (host, port))
        r = s.recv(65535)
    else:
        s = socket.create_connection((host, port), timeout=3)
        s.sendall(struct.pack(">H", len(q)) + q)
        n = struct.unpack(">H", s.recv(2))[0]
        r = b""
        while len(r) < n:
            r += s.recv(n - len(r))
    print(RCODES.get(r[3] & 15, str(r[3] & 15)))


def trickle(host, port, n, seconds):
    q = query("peer.t1", "A")
    msg = struct.pack(">H", len(q)) + q
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=3)
        s.setblocking(False)
        socks.append([s, 0, False])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for c in socks:
            if c[2]:
                continue
            try:
                if c[0].recv(1, socket.MSG_PEEK) == b"":
                    c[2] = True
                    continue
            except BlockingIOError:
                pass
            except OSError:
                c[2] = True
                continue
            try:
                if c[1] < len(msg) - 1:
                    c[0].send(msg[c[1]:c[1] + 1])
                    c[1] += 1
            except OSError:
                c[2] = True
        time.sleep(min(5, max(0, end - time.monotonic())))
    for c in socks:
        if not c[2]:
            try:
                if c[0].recv(1, socket.MSG_PEEK) == b"":
                    c[2] = True
            except BlockingIOError:
                pass
            except OSError:
                c[2] = True
    print(sum(1 for c in socks if c[2]))


def hold(host, port, n, seconds):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection((host, port), timeout=1))
        except OSError:
            pass
    time.sleep(seconds)
    print(len(socks))


if __name__ == "__main__":
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "rcode":
        rcode(host, port, sys.argv[4], sys.argv[5], sys.argv[6])
    elif cmd == "trickle":
        trickle(host, port, int(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "hold":
        hold(host, port, int(sys.argv[4]), float(sys.argv[5]))
