#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# relay-client.py COMMAND ...: the client side of test-relay.sh's checks that need more
# than curl or dig, each printing lines the test matches. Standard library only.
#
#   halfclose-client HOST:PORT N   send N bytes, half-close, print the answer
#                                  ("read: got N" from tailnet-targets.py's 9002)
#   halfclose-server HOST:PORT N   read to EOF ("read: hello"), then send N bytes and
#                                  close ("sent N"); the target half-closed first (9003)
#   refused HOST:PORT              connect, send a line, and wait for the end: "eof after
#                                  S s" for a clean close, "reset after S s" for a RST
#   udp-source HOST:PORT [N]       N datagrams from one socket, print each answer
#   udp-table HOST:PORT MAX        MAX+1 clients, one datagram each, then the first and
#                                  the last again: "first: kept|new", "last: kept|new"
#   udp-idle HOST:PORT SEC         a datagram, SEC seconds of silence, another: "kept|new"

import socket
import sys
import time


def endpoint(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def tcp(addr):
    c = socket.create_connection(endpoint(addr), timeout=10)
    return c


def read_all(c):
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return data
        data += chunk


def udp_ask(u, addr):
    u.sendto(b"hello", endpoint(addr))
    data, _ = u.recvfrom(2048)
    return data.decode()


def udp_socket(addr):
    family = socket.AF_INET6 if ":" in endpoint(addr)[0] else socket.AF_INET
    u = socket.socket(family, socket.SOCK_DGRAM)
    u.settimeout(3)
    return u


def main():
    cmd, addr = sys.argv[1], sys.argv[2]
    if cmd == "halfclose-client":
        n = int(sys.argv[3])
        c = tcp(addr)
        c.sendall(b"x" * n)
        c.shutdown(socket.SHUT_WR)
        print("read: %s" % read_all(c).decode().strip())
    elif cmd == "halfclose-server":
        n = int(sys.argv[3])
        c = tcp(addr)
        print("read: %s" % read_all(c).decode().strip(), flush=True)
        c.sendall(b"y" * n)
        print("sent %d" % n)
        c.close()
    elif cmd == "refused":
        start = time.monotonic()
        c = tcp(addr)
        try:
            c.sendall(b"anyone there?\n")
            data = read_all(c)
            print("eof after %.2f s (%d bytes)" % (time.monotonic() - start, len(data)))
        except ConnectionResetError:
            print("reset after %.2f s" % (time.monotonic() - start))
    elif cmd == "udp-source":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        u = udp_socket(addr)
        for _ in range(n):
            print(udp_ask(u, addr))
    elif cmd == "udp-table":
        limit = int(sys.argv[3])
        clients = [udp_socket(addr) for _ in range(limit + 1)]
        seen = [udp_ask(u, addr) for u in clients]
        print("first: %s" % ("kept" if udp_ask(clients[0], addr) == seen[0] else "new"))
        print("last: %s" % ("kept" if udp_ask(clients[-1], addr) == seen[-1] else "new"))
    elif cmd == "udp-idle":
        u = udp_socket(addr)
        before = udp_ask(u, addr)
        time.sleep(float(sys.argv[3]))
        print("kept" if udp_ask(u, addr) == before else "new")
    else:
        sys.exit("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
