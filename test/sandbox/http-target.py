#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# http-target.py ADDRESS PORT ROOT: the web server behind tsproxy's HTTP forward proxy in
# test-http-clients.sh (run in sim-inet on the fake tailnet peer's address, reached
# through the instance's tailscale0), HTTP/1.1 with keep-alive. Standard library only.
#
#   GET/HEAD /FILE      files under ROOT (the page, a git repository for the dumb HTTP
#                       protocol, a flat apt repository)
#   GET /hello          "hello from the tailnet" (text/plain)
#   GET /chunked        a chunked response of three chunks
#   GET /client         "you are IP:PORT" (where the proxy connected from)
#   POST/PUT /echo      "got N bytes sha256 HEX" of the request body, Content-Length or
#                       chunked (decoded here), and "via VIA" when a Via: came
#   GET /headers        the request head as received, one field per line
#   GET /bye            "bye", then the connection is closed without a "Connection: close"
#                       (as a server closing a kept connection it thinks idle)
#
# Prints "listening" once bound.

import hashlib
import http.server
import os
import socketserver
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_text(self, text, status=200, head=False):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def special(self, head):
        if self.path == "/hello":
            self.send_text("hello from the tailnet\n", head=head)
        elif self.path == "/client":
            self.send_text("you are %s:%d\n" % self.client_address, head=head)
        elif self.path == "/bye":
            self.send_text("bye\n", head=head)
            self.close_connection = True
        elif self.path == "/headers":
            self.send_text("".join("%s: %s\n" % kv for kv in self.headers.items()), head=head)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not head:
                for part in (b"one ", b"two ", b"three\n"):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
        else:
            return False
        return True

    def do_GET(self):
        if not self.special(False):
            super().do_GET()

    def do_HEAD(self):
        if not self.special(True):
            super().do_HEAD()

    def do_POST(self):
        body = self.read_body()
        text = "got %d bytes sha256 %s\n" % (len(body), hashlib.sha256(body).hexdigest())
        if self.headers.get("Via"):
            text += "via %s\n" % self.headers["Via"]
        self.send_text(text)

    do_PUT = do_POST


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    address, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.chdir(root)
    server = Server((address, port), Handler)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
