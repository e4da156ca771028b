#!/usr/bin/env python3
"""A demo upstream for the first run: answers every request 200 with its name, or 500 while the file
<dir>/<name>.broken exists (touch it to break this upstream, remove it to heal it). Loopback only.
Usage: upstream.py PORT NAME DIR"""
import http.server
import os
import sys

port, name, state_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
broken_flag = os.path.join(state_dir, name + ".broken")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        broken = os.path.exists(broken_flag)
        body = ("%s %s\n" % (name, "broken" if broken else "ok")).encode()
        self.send_response(500 if broken else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
