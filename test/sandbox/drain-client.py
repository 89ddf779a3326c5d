#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# drain-client.py: both ends of test-socks-drain.sh, which restarts tsproxy-socks while
# connections are in flight (its drain at SIGTERM, tsproxy-socks(8)). Standard library
# only; runs inside the sandbox.
#
#   target ADDRESS
#       in sim-inet on the fake tailnet peer: an HTTP/1.1 server on ADDRESS:9010 whose
#       GET /slow answers after 1.5 s with a 200000-byte body, and any other path at
#       once with "ok" (keep-alive); an echo server on ADDRESS:9011. Prints "listening".
#   restart PROXY HTTP_TARGET ECHO_TARGET WHOAMI_TARGET UNIT
#       through PROXY: a GET /slow over a SOCKS5 tunnel, an HTTP keep-alive client of the
#       forward proxy idle after one request, and a SOCKS5 tunnel to the echo server;
#       then `systemctl restart UNIT` and, 0.3 s into it, a new SOCKS5 client asking
#       WHOAMI_TARGET. Prints, times in seconds since the restart began:
#         slow: complete N bytes at T | slow: failed (...)
#         idle: closed at T | idle: open after 15 s
#         tunnel: echo ok; tunnel: closed at T | tunnel: open after 15 s
#         new: <the whoami line> at T | new: failed (...)
#         restart: rc R at T
#   hold PROXY ECHO_TARGET
#       a SOCKS5 tunnel to the echo server: prints "held", then "closed after S s" when
#       the proxy closes it (or "open after 15 s")

import socket
import struct
import subprocess
import sys
import threading
import time

BODY = 200000


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def http_client(c):
    while True:
        head, _ = read_head(c)
        if head is None:
            return
        if head.split(" ")[1].endswith("/slow"):
            time.sleep(1.5)
            body = b"x" * BODY
        else:
            body = b"ok"
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def echo_client(c):
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return
        c.sendall(chunk)


def serve(address, port, handler):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=lambda: guarded(c, handler), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def guarded(c, handler):
    with c:
        try:
            handler(c)
        except OSError:
            pass


def cmd_target(address):
    serve(address, 9010, http_client)
    serve(address, 9011, echo_client)
    print("listening", flush=True)
    threading.Event().wait()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def tunnel(proxy, target):
    s = socket.create_connection(hostport(proxy), timeout=15)
    s.sendall(b"\x05\x01\x00")
    if recv_exact(s, 2) != b"\x05\x00":
        raise ConnectionError("greeting refused")
    host, port = hostport(target)
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port))
    reply = recv_exact(s, 10)
    if reply[1] != 0:
        raise ConnectionError("reply %d" % reply[1])
    return s


def read_response(s):
    head, rest = read_head(s)
    if head is None:
        raise EOFError("closed before the response head")
    length = int([l.split(":")[1] for l in head.split("\r\n") if l.lower().startswith("content-length:")][0])
    return rest + recv_exact(s, length - len(rest))


def wait_closed(s, limit):
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return False
    except OSError:
        pass
    return True


def cmd_restart(proxy, http_target, echo_target, whoami_target, unit):
    out = {}
    t0 = [None]

    def since():
        return time.monotonic() - t0[0]

    slow = tunnel(proxy, http_target)
    slow.sendall(b"GET /slow HTTP/1.1\r\nHost: %s\r\n\r\n" % http_target.encode())
    idle = socket.create_connection(hostport(proxy), timeout=15)
    idle.sendall(b"GET http://%s/fast HTTP/1.1\r\nHost: %s\r\n\r\n" % ((http_target.encode(),) * 2))
    if read_response(idle) != b"ok":
        raise ConnectionError("the keep-alive request failed")
    echo = tunnel(proxy, echo_target)
    echo.sendall(b"ping")
    out["tunnel0"] = "tunnel: echo ok" if recv_exact(echo, 4) == b"ping" else "tunnel: echo wrong"

    def slow_done():
        try:
            body = read_response(slow)
            out["slow"] = "slow: complete %d bytes at %.2f" % (len(body), since())
        except (OSError, EOFError, ValueError, IndexError) as e:
            out["slow"] = "slow: failed (%s) at %.2f" % (e, since())
        slow.close()  # done: the old daemon waits for nothing more of it

    def closed(name, s):
        out[name] = ("%s: closed at %.2f" % (name, since())) if wait_closed(s, 15) else "%s: open after 15 s" % name

    def new():
        time.sleep(0.3)
        try:
            s = tunnel(proxy, whoami_target)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            line = s.makefile("rb").readline().decode().strip()
            out["new"] = "new: %s at %.2f" % (line, since())
        except (OSError, EOFError) as e:
            out["new"] = "new: failed (%s) at %.2f" % (e, since())

    t0[0] = time.monotonic()
    threads = [threading.Thread(target=f, args=a) for f, a in
               ((slow_done, ()), (closed, ("idle", idle)), (closed, ("tunnel", echo)), (new, ()))]
    for t in threads:
        t.start()
    rc = subprocess.run(["systemctl", "restart", unit]).returncode
    out["restart"] = "restart: rc %d at %.2f" % (rc, since())
    for t in threads:
        t.join()
    for k in ("slow", "idle", "tunnel0", "tunnel", "new", "restart"):
        print(out[k])


def cmd_hold(proxy, echo_target):
    s = tunnel(proxy, echo_target)
    start = time.monotonic()
    print("held", flush=True)
    if wait_closed(s, 15):
        print("closed after %.2f s" % (time.monotonic() - start))
    else:
        print("open after 15 s")


def main():
    if sys.argv[1] == "hold":
        cmd_hold(*sys.argv[2:4])
    elif sys.argv[1] == "target":
        cmd_target(sys.argv[2])
    elif sys.argv[1] == "restart":
        cmd_restart(*sys.argv[2:7])
    else:
        sys.exit("unknown subcommand")


if __name__ == "__main__":
    main()
