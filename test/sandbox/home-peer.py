#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# home-peer.py: the peer of the HOST's own tailnet in the sandbox's isolation test
# (test-isolation.sh runs it in the namespace sim-home, behind the host's tailscale0).
# Its tailnet address is the instances' peer address too (every tailnet uses 100.64.0.0/10,
# so addresses of different tailnets overlap): whatever reaches it from an instance has
# leaked into the wrong tailnet, and it says so in every answer:
#   tcp 80, 8080   "home-tailnet" and the client's address, then close
#   udp 9053       "home-tailnet" to every datagram
# Test scaffolding, bounded: it exits after 600 s whatever happens.
import signal
import socket
import sys
import threading

signal.alarm(600)
MARK = b"home-tailnet"


def tcp(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    while True:
        c, peer = s.accept()
        try:
            c.sendall(MARK + b" " + peer[0].encode() + b"\n")
        except OSError:
            pass
        c.close()


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        _, peer = s.recvfrom(2048)
        s.sendto(MARK, peer)


threads = [threading.Thread(target=tcp, args=(p,), daemon=True) for p in (80, 8080)]
threads.append(threading.Thread(target=udp, args=(9053,), daemon=True))
for t in threads:
    t.start()
print("listening", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT, signal.SIGALRM])
sys.exit(0)
