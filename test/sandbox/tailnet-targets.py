#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tailnet-targets.py ADDRESS: the targets of test-socks.sh and test-relay.sh, run in
# sim-inet on the fake tailnet peer's address (100.64.0.1), so that the proxy or the relay
# reaches them through the instance's tailscale0. Standard library only; one thread per
# TCP client.
#
#   tcp 9001  echo: every byte back, until the client closes
#   tcp 9002  reads to EOF, then answers "got N" (the byte count) and closes: the client
#             half-closed first and must still get the answer
#   tcp 9003  sends "hello", half-closes (SHUT_WR), then reads to EOF and prints
#             "server-first: received N" on stdout: the client must still be able to
#             send after the server's half-close
#   udp 9053  answers every datagram with "from IP:PORT", its source as seen here: one
#             source port per relay session
#   udp 9054  answers every datagram from port 9055 instead ("from another port"): a
#             reply the SOCKS relay must drop, since its client never sent to 9055
#
# Prints "listening" once everything is bound.

import socket
import sys
import threading


def read_to_eof(c):
    n = 0
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return n
        n += len(chunk)


def echo(c):
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return
        c.sendall(chunk)


def count_then_answer(c):
    n = read_to_eof(c)
    c.sendall(b"got %d\n" % n)


def server_first(c):
    c.sendall(b"hello\n")
    c.shutdown(socket.SHUT_WR)
    n = read_to_eof(c)
    print("server-first: received %d" % n, flush=True)


def serve_client(c, handler):
    with c:
        c.settimeout(60)
        try:
            handler(c)
        except OSError as e:
            print("%s: %s" % (handler.__name__, e), flush=True)


def serve(listener, handler):
    while True:
        c, _ = listener.accept()
        threading.Thread(target=serve_client, args=(c, handler), daemon=True).start()


def udp_whoami(u):
    while True:
        data, peer = u.recvfrom(2048)
        u.sendto(b"from %s:%d" % (peer[0].encode(), peer[1]), peer)


def udp_other_port(u, other):
    while True:
        _, peer = u.recvfrom(2048)
        other.sendto(b"from another port", peer)


def main():
    address = sys.argv[1]
    threads = []
    for port, handler in ((9001, echo), (9002, count_then_answer), (9003, server_first)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        s.listen(64)
        threads.append(threading.Thread(target=serve, args=(s, handler), daemon=True))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((address, 9053))
    threads.append(threading.Thread(target=udp_whoami, args=(u,), daemon=True))
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u2.bind((address, 9054))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((address, 9055))
    threads.append(threading.Thread(target=udp_other_port, args=(u2, other), daemon=True))
    for t in threads:
        t.start()
    print("listening", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
