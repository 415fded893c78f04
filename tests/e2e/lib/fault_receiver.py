"""fault_receiver.py PORTFILE LOG: a stand-in for irisd's /admin/fault in
drill tests. Appends "METHOD PATH BODY" lines to LOG and answers 200 with
{"ok": true}, except under /fail, which answers 500 (a fault that cannot
be injected)."""
import http.server
import os
import sys

portfile, log = sys.argv[1], sys.argv[2]


class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(n).decode()
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, body))
        bad = self.path.startswith("/fail")
        self.send_response(500 if bad else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error":"cannot"}' if bad else b'{"ok":true}')

    do_POST = do_PUT = do_GET = do_DELETE = answer

    def log_message(self, *a):
        pass


s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
