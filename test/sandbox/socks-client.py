#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# socks-client.py: the raw SOCKS5 client of test-socks.sh, for what curl cannot do:
# send requests curl never sends (BIND, an unknown address type) and print the reply
# code, drive a UDP ASSOCIATE, half-close a relayed connection either way, stall a
# handshake, hold connections open. Standard library only; runs inside the sandbox.
#
# Every subcommand prints what it saw, one fact a line, for the test to match; the exit
# status is 0 when the exchange ran to its end (whatever the proxy answered), 1 on an
# unexpected failure (with a message on stderr). Subcommands:
#
#   request PROXY TARGET [--cmd N] [--atyp N]
#       greeting (no auth), then a request (default CONNECT, ATYP from TARGET): prints
#       "reply N" (the REP byte) or "closed" (EOF/reset without a reply)
#   probe PROXY
#       connect and send a SOCKS5 greeting: prints "method XX" (the proxy chose one),
#       or "closed after S s" (EOF or reset within 3 s, without any reply), or "timeout"
#   udp PROXY DNS_SERVER NAME
#       UDP ASSOCIATE, an A query for NAME to DNS_SERVER:53 through the association:
#       prints "answer A.B.C.D" (or "no answer"); then closes the control connection
#       and queries again: prints "after close: no answer" or "after close: answer ..."
#   udp-guard PROXY TARGET OTHER  UDP ASSOCIATE's guards: forged senders (another address,
#                                 another port) are not relayed, the client is; an answer
#                                 from a port the client never sent to is dropped
#   udp-many PROXY DNS_SERVER NAME N
#       N clients at once (threads released together): each makes a UDP ASSOCIATE and
#       asks NAME through it; prints "answered K of N" (K: the associations that answered)
#   halfclose-client PROXY TARGET BYTES
#       CONNECT, send BYTES bytes, shutdown(SHUT_WR), read to EOF: prints "read: ..."
#       (what came back) and "eof"
#   halfclose-server PROXY TARGET BYTES
#       CONNECT, read until the server's EOF (prints "read: ..." and "eof"), then send
#       BYTES bytes, shutdown(SHUT_WR), read to EOF: prints "sent BYTES" and "eof"
#   stall PROXY
#       connect, send one byte of a greeting, wait for the close: "closed after S s"
#       (or "timeout" after 15 s)
#   hold PROXY TARGET N
#       N connections CONNECTed to an echo server at TARGET, each checked ("held N");
#       then one more connection: "extra: closed after S s", "extra: method XX" or
#       "extra: timeout"; then each held one echoes again: "echo K ok" / "echo K failed"
#
# PROXY and TARGET are HOST:PORT (IPv4 literal, or a name for TARGET: ATYP 3).
# With --user U --password P (before the subcommand) SOCKS5 username/password
# authentication is offered instead of "no authentication".

import argparse
import ipaddress
import random
import socket
import struct
import sys
import threading
import time

AUTH = None  # (user, password) or None


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def encode_address(host, atyp=None):
    try:
        a = ipaddress.ip_address(host)
    except ValueError:
        a = None
    if atyp is None:
        atyp = 1 if a and a.version == 4 else 4 if a else 3
    if atyp == 1:
        return bytes([1]) + a.packed
    if atyp == 4:
        return bytes([4]) + a.packed
    if atyp == 3:
        b = host.encode()
        return bytes([3, len(b)]) + b
    # Any other type: four bytes of something, the proxy must refuse the type itself.
    return bytes([atyp]) + b"\x01\x02\x03\x04"


def read_address(sock):
    atyp = recv_exact(sock, 1)[0]
    if atyp == 1:
        addr = socket.inet_ntop(socket.AF_INET, recv_exact(sock, 4))
    elif atyp == 4:
        addr = socket.inet_ntop(socket.AF_INET6, recv_exact(sock, 16))
    elif atyp == 3:
        addr = recv_exact(sock, recv_exact(sock, 1)[0]).decode()
    else:
        raise ValueError("reply with address type %d" % atyp)
    (port,) = struct.unpack("!H", recv_exact(sock, 2))
    return addr, port


def greet(sock):
    """Greeting (and RFC 1929 authentication); raises on refusal."""
    if AUTH:
        sock.sendall(b"\x05\x01\x02")
    else:
        sock.sendall(b"\x05\x01\x00")
    ver, method = recv_exact(sock, 2)
    if ver != 5 or method == 0xFF:
        raise ConnectionError("greeting refused (method %02x)" % method)
    if method == 2:
        if not AUTH:
            raise ConnectionError("the proxy wants a password")
        u, p = (x.encode() for x in AUTH)
        sock.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
        ver, status = recv_exact(sock, 2)
        if status != 0:
            raise ConnectionError("authentication failed (status %d)" % status)


def send_request(sock, cmd, host, port, atyp=None):
    """Request; returns (rep, bound address, bound port)."""
    sock.sendall(bytes([5, cmd, 0]) + encode_address(host, atyp) + struct.pack("!H", port))
    ver, rep, _ = recv_exact(sock, 3)
    addr, bport = read_address(sock)
    return rep, addr, bport


def connect_proxy(proxy, timeout=5):
    return socket.create_connection(hostport(proxy), timeout=timeout)


def open_tunnel(proxy, target, timeout=5):
    sock = connect_proxy(proxy, timeout)
    greet(sock)
    host, port = hostport(target)
    rep, _, _ = send_request(sock, 1, host, port)
    if rep != 0:
        raise ConnectionError("CONNECT to %s: reply %d" % (target, rep))
    return sock


def read_to_eof(sock):
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk


def wait_closed(sock, limit):
    """Seconds until EOF or reset with nothing received, None on timeout; raises on data."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        data = sock.recv(512)
    except (ConnectionResetError, BrokenPipeError):
        data = b""
    except socket.timeout:
        return None, b""
    return time.monotonic() - start, data


def cmd_request(a):
    sock = connect_proxy(a.proxy)
    try:
        greet(sock)
        host, port = hostport(a.target)
        rep, _, _ = send_request(sock, a.cmd, host, port, a.atyp)
        print("reply %d" % rep)
    except (EOFError, ConnectionResetError):
        print("closed")
    return 0


def cmd_probe(a):
    sock = connect_proxy(a.proxy)
    try:
        sock.sendall(b"\x05\x01\x00")
    except (ConnectionResetError, BrokenPipeError):
        pass
    elapsed, data = wait_closed(sock, 3)
    if elapsed is None:
        print("timeout")
    elif data:
        print("method %s" % data.hex())
    else:
        print("closed after %.2f s" % elapsed)
    return 0


def dns_query(name, qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def dns_answer(msg, qid):
    """The first A record of a response with this id, or None."""
    if len(msg) < 12:
        return None
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    if rid != qid or not flags & 0x8000:
        return None
    pos = 12

    def skip_name(pos):
        while True:
            n = msg[pos]
            if n >= 0xC0:
                return pos + 2
            pos += 1 + n
            if n == 0:
                return pos

    for _ in range(qd):
        pos = skip_name(pos) + 4
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos : pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            return socket.inet_ntoa(msg[pos : pos + 4])
        pos += rdlen
    return None


def udp_exchange(udp, relay, server, name, tries, wait):
    """Send the query through the relay up to `tries` times; the answer or None."""
    for _ in range(tries):
        qid = random.randrange(1, 65536)
        header = b"\x00\x00\x00" + encode_address(server) + struct.pack("!H", 53)
        udp.sendto(header + dns_query(name, qid), relay)
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            udp.settimeout(left)
            try:
                msg, frm = udp.recvfrom(65536)
            except socket.timeout:
                break
            if frm != relay or len(msg) < 10 or msg[2] != 0:
                continue
            # RSV RSV FRAG ATYP(1) ADDR(4) PORT(2): the reply of an IPv4 source.
            if msg[3] != 1:
                continue
            ans = dns_answer(msg[10:], qid)
            if ans:
                return ans
    return None


def cmd_udp(a):
    proxy_host, _ = hostport(a.proxy)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((proxy_host if proxy_host.startswith("127.") else "0.0.0.0", 0))
    ctl = connect_proxy(a.proxy)
    greet(ctl)
    # DST: where we will send from (our UDP port; address 0.0.0.0: the control's).
    rep, baddr, bport = send_request(ctl, 3, "0.0.0.0", udp.getsockname()[1])
    print("associate reply %d bound %s:%d" % (rep, baddr, bport))
    if rep != 0:
        return 0
    if baddr in ("0.0.0.0", "::"):
        baddr = proxy_host
    relay = (baddr, bport)
    ans = udp_exchange(udp, relay, a.server, a.name, 3, 1.0)
    print("answer %s" % ans if ans else "no answer")
    ctl.close()
    time.sleep(0.5)
    ans = udp_exchange(udp, relay, a.server, a.name, 2, 1.0)
    print("after close: %s" % ("answer " + ans if ans else "no answer"))
    return 0


def udp_associate_once(proxy, server, name, start):
    """One client of udp-many: the answer through a fresh association, or None."""
    proxy_host, _ = hostport(proxy)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        udp.bind((proxy_host if proxy_host.startswith("127.") else "0.0.0.0", 0))
        start.wait()
        with connect_proxy(proxy) as ctl:
            greet(ctl)
            rep, baddr, bport = send_request(ctl, 3, "0.0.0.0", udp.getsockname()[1])
            if rep != 0:
                return None
            if baddr in ("0.0.0.0", "::"):
                baddr = proxy_host
            return udp_exchange(udp, (baddr, bport), server, name, 3, 1.0)
    except (OSError, EOFError, ValueError, threading.BrokenBarrierError):
        return None
    finally:
        udp.close()


def udp_raw(udp, relay, host, port, payload, wait):
    """One SOCKS UDP datagram to host:port through relay; the payload of the first
    datagram the relay sends back within `wait` seconds, or None."""
    udp.sendto(b"\x00\x00\x00" + encode_address(host) + struct.pack("!H", port) + payload, relay)
    udp.settimeout(wait)
    try:
        while True:
            msg, frm = udp.recvfrom(65536)
            if frm == relay and len(msg) > 10 and msg[3] == 1:
                return msg[10:].decode(errors="replace")
    except socket.timeout:
        return None


def cmd_udp_guard(a):
    """UDP ASSOCIATE's two guards (RFC 1928): only the client's datagrams are relayed,
    and only answers of targets the client sent to come back. The client declares its
    UDP address and port; a forger on another address (127.0.0.2) and on the client's
    address with another port sends first, then the client. TARGET is a whoami
    (answers 'from IP:PORT'), OTHER a target that answers from another port."""
    proxy_host, _ = hostport(a.proxy)
    thost, tport = hostport(a.target)
    ohost, oport = hostport(a.other)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    forger_addr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    forger_addr.bind(("127.0.0.2", 0))
    forger_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    forger_port.bind(("127.0.0.1", 0))
    ctl = connect_proxy(a.proxy)
    greet(ctl)
    rep, baddr, bport = send_request(ctl, 3, "127.0.0.1", udp.getsockname()[1])
    print("associate reply %d" % rep)
    if rep != 0:
        return 0
    if baddr in ("0.0.0.0", "::"):
        baddr = proxy_host
    relay = (baddr, bport)
    for name, f in (("another address", forger_addr), ("another port", forger_port)):
        ans = udp_raw(f, relay, thost, tport, b"forged", 1.5)
        print("forged from %s: %s" % (name, "answer " + ans if ans else "no answer"))
    ans = udp_raw(udp, relay, thost, tport, b"real", 2.0)
    print("client: %s" % ("answer " + ans if ans else "no answer"))
    ans = udp_raw(udp, relay, ohost, oport, b"other", 1.5)
    print("answer from a port not sent to: %s" % ("relayed " + ans if ans else "dropped"))
    ctl.close()
    return 0


def cmd_udp_many(a):
    start = threading.Barrier(a.n)
    answers = [None] * a.n

    def run(i):
        answers[i] = udp_associate_once(a.proxy, a.server, a.name, start)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(a.n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("answered %d of %d" % (sum(1 for x in answers if x), a.n))
    return 0


def cmd_halfclose_client(a):
    sock = open_tunnel(a.proxy, a.target)
    sock.settimeout(10)
    sock.sendall(b"x" * a.bytes)
    sock.shutdown(socket.SHUT_WR)
    data = read_to_eof(sock)
    print("read: %s" % data.decode(errors="replace").strip())
    print("eof")
    return 0


def cmd_halfclose_server(a):
    sock = open_tunnel(a.proxy, a.target)
    sock.settimeout(10)
    data = read_to_eof(sock)
    print("read: %s" % data.decode(errors="replace").strip())
    print("eof")
    # The server's side is closed, ours is still open: send, then close ours.
    sock.sendall(b"y" * a.bytes)
    print("sent %d" % a.bytes)
    sock.shutdown(socket.SHUT_WR)
    rest = read_to_eof(sock)
    print("eof" if not rest else "unexpected: %r" % rest[:64])
    return 0


def cmd_stall(a):
    sock = connect_proxy(a.proxy)
    sock.sendall(b"\x05")
    elapsed, data = wait_closed(sock, 15)
    if elapsed is None:
        print("timeout")
    elif data:
        print("unexpected reply %s" % data.hex())
    else:
        print("closed after %.2f s" % elapsed)
    return 0


def echo_ok(sock, k):
    msg = b"ping %d\n" % k
    try:
        sock.sendall(msg)
        return recv_exact(sock, len(msg)) == msg
    except (OSError, EOFError):
        return False


def cmd_hold(a):
    held = []
    for k in range(a.n):
        s = open_tunnel(a.proxy, a.target)
        if not echo_ok(s, k):
            print("echo %d failed" % k)
            return 1
        held.append(s)
    print("held %d" % len(held))
    extra = connect_proxy(a.proxy)
    try:
        extra.sendall(b"\x05\x01\x00")
    except (ConnectionResetError, BrokenPipeError):
        pass
    elapsed, data = wait_closed(extra, 3)
    if elapsed is None:
        print("extra: timeout")
    elif data:
        print("extra: method %s" % data.hex())
    else:
        print("extra: closed after %.2f s" % elapsed)
    extra.close()
    for k, s in enumerate(held):
        print("echo %d %s" % (k, "ok" if echo_ok(s, k) else "failed"))
    return 0


def cmd_idle(a):
    """A tunnel to the echo port: with --keepalive, echo every 0.5 s for a.seconds (it must
    stay open); without, echo once and wait for the proxy's IdleTimeoutSec= to close it."""
    sock = open_tunnel(a.proxy, a.target)
    if not echo_ok(sock, 0):
        print("echo failed")
        return 1
    if a.keepalive:
        deadline = time.monotonic() + a.seconds
        k = 1
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not echo_ok(sock, k):
                print("closed while active after %d echoes" % k)
                return 0
            k += 1
        print("open after %d echoes" % k)
        return 0
    elapsed, data = wait_closed(sock, a.seconds)
    if elapsed is None:
        print("timeout")
    elif data:
        print("unexpected data %s" % data.hex())
    else:
        print("closed after %.2f s" % elapsed)
    return 0


def auth_attempt(proxy, user, password, source=None):
    """One RFC 1929 attempt (optionally from source): True when accepted."""
    with socket.create_connection(hostport(proxy), timeout=10,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(b"\x05\x01\x02")
        recv_exact(s, 2)
        u, p = user.encode(), password.encode()
        s.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
        return recv_exact(s, 2)[1] == 0


def cmd_auth_flood(a):
    """2 threads send wrong passwords for a.seconds, each attempt from another address
    of 127.0.1.0/24 (so the per-address throttle does not cut it short: this measures
    the hashing's cost, not the throttle)."""
    deadline = time.monotonic() + a.seconds
    counts = [0, 0]

    def run(k):
        i = k
        while time.monotonic() < deadline:
            try:
                auth_attempt(a.proxy, AUTH[0], "wrong", "127.0.1.%d" % (1 + i % 250))
                counts[k] += 1
            except (OSError, EOFError, ValueError):
                pass
            i += 2

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("attempts %d" % sum(counts))
    return 0


def cmd_connect_times(a):
    """a.n CONNECTs with the password: the median time from connect() to the reply."""
    times = []
    for _ in range(a.n):
        start = time.monotonic()
        with open_tunnel(a.proxy, a.target):
            times.append(time.monotonic() - start)
        time.sleep(0.05)
    times.sort()
    print("median %.2f ms" % (times[len(times) // 2] * 1000))
    return 0


def cmd_auth_throttle(a):
    """a.n wrong passwords from a.source, then the right one from there: refused?"""
    for _ in range(a.n):
        if auth_attempt(a.proxy, AUTH[0], "wrong", a.source):
            print("a wrong password was accepted")
            return 1
    start = time.monotonic()
    ok = auth_attempt(a.proxy, AUTH[0], AUTH[1], a.source)
    print("then: %s in %.1f ms" % ("accepted" if ok else "refused", (time.monotonic() - start) * 1000))
    return 0


def main():
    global AUTH
    p = argparse.ArgumentParser(description="raw SOCKS5 client for test-socks.sh")
    p.add_argument("--user")
    p.add_argument("--password")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("request")
    s.add_argument("proxy")
    s.add_argument("target")
    s.add_argument("--cmd", type=int, default=1)
    s.add_argument("--atyp", type=int)
    s = sub.add_parser("probe")
    s.add_argument("proxy")
    s = sub.add_parser("udp")
    s.add_argument("proxy")
    s.add_argument("server")
    s.add_argument("name")
    s = sub.add_parser("udp-guard")
    s.add_argument("proxy")
    s.add_argument("target")
    s.add_argument("other")
    s = sub.add_parser("udp-many")
    s.add_argument("proxy")
    s.add_argument("server")
    s.add_argument("name")
    s.add_argument("n", type=int)
    for name in ("halfclose-client", "halfclose-server"):
        s = sub.add_parser(name)
        s.add_argument("proxy")
        s.add_argument("target")
        s.add_argument("bytes", type=int)
    s = sub.add_parser("stall")
    s.add_argument("proxy")
    s = sub.add_parser("hold")
    s.add_argument("proxy")
    s.add_argument("target")
    s.add_argument("n", type=int)
    s = sub.add_parser("idle")
    s.add_argument("proxy")
    s.add_argument("target")
    s.add_argument("seconds", type=float)
    s.add_argument("--keepalive", action="store_true")
    s = sub.add_parser("auth-flood")
    s.add_argument("proxy")
    s.add_argument("seconds", type=float)
    s = sub.add_parser("connect-times")
    s.add_argument("proxy")
    s.add_argument("target")
    s.add_argument("n", type=int)
    s = sub.add_parser("auth-throttle")
    s.add_argument("proxy")
    s.add_argument("source")
    s.add_argument("n", type=int)
    a = p.parse_args()
    if a.user is not None:
        AUTH = (a.user, a.password or "")
    fn = {
        "request": cmd_request,
        "probe": cmd_probe,
        "udp": cmd_udp,
        "udp-many": cmd_udp_many,
        "udp-guard": cmd_udp_guard,
        "halfclose-client": cmd_halfclose_client,
        "halfclose-server": cmd_halfclose_server,
        "stall": cmd_stall,
        "hold": cmd_hold,
        "idle": cmd_idle,
        "auth-flood": cmd_auth_flood,
        "connect-times": cmd_connect_times,
        "auth-throttle": cmd_auth_throttle,
    }[a.command]
    try:
        return fn(a)
    except (OSError, EOFError, ValueError) as e:
        print("socks-client %s: %s" % (a.command, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
