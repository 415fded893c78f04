#!/usr/bin/env python3
"""slowloris.py: holds many slow connections to an HTTP server and checks
that it still answers /healthz and cuts the slow ones off.

usage: slowloris.py PORT COUNT SOURCE_IP HEADER_TIMEOUT_S

Opens COUNT connections from SOURCE_IP (another loopback address, so
/healthz from 127.0.0.1 is a different client), sends a partial request
header on each and then one more header byte every 0.5 s, so an idle
timeout never fires. While they are held, GET /healthz from 127.0.0.1
must answer within 2 s; HEADER_TIMEOUT_S + 2 s after they opened, every
one must have been closed by the server. Exit 0 when both hold."""
import socket
import sys
import time
import urllib.request

port, count, src, hto = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
socks = []
t0 = time.monotonic()
for _ in range(count):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.setblocking(False)
        socks.append(s)
    except OSError:
        s.close()
opened = time.monotonic() - t0
print("opened %d of %d in %.2fs" % (len(socks), count, opened))

def drop_closed(live):
    keep = []
    for s in live:
        try:
            try:
                if s.recv(4096) == b"":
                    raise OSError("closed")
            except BlockingIOError:
                pass  # nothing from the server: still open
            s.send(b"x")
            keep.append(s)
        except OSError:
            s.close()
    return keep

health_s, held, ok = None, 0, True
deadline = t0 + opened + hto + 2
while time.monotonic() < deadline:
    socks = drop_closed(socks)
    if health_s is None and time.monotonic() - t0 > opened + 0.5:
        held = len(socks)
        h0 = time.monotonic()
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
                r.read()
                health_s = time.monotonic() - h0 if r.status == 200 else 99
        except OSError as e:
            print("healthz failed while held: %s" % e)
            health_s = 99
    time.sleep(0.5)
socks = drop_closed(socks)
print("held %d after 0.5s; healthz answered in %.2fs; still open after %.1fs: %d"
      % (held, health_s if health_s is not None else -1, hto + 2, len(socks)))
if health_s is None or health_s > 2:
    print("FAIL: /healthz did not answer within 2s")
    ok = False
if held == 0:
    print("FAIL: the server held none of the slow connections (nothing tested)")
    ok = False
if socks:
    print("FAIL: %d slow connection(s) still open after the header timeout" % len(socks))
    ok = False
sys.exit(0 if ok else 1)
