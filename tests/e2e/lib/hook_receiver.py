"""hook_receiver.py PORTFILE LOG: an HTTP receiver for notification tests.
Answers 500 to the first POST on each path and 200 afterwards (so the
sender must retry), and appends "PATH BODY" lines to LOG."""
import http.server
import sys

portfile, log = sys.argv[1], sys.argv[2]
seen = set()


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        first = self.path not in seen
        seen.add(self.path)
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.path, 500 if first else 200,
                                    body.decode()))
        self.send_response(500 if first else 200)
        self.end_headers()

    def log_message(self, *a):
        pass


s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
