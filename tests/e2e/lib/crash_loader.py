"""crash_loader.py ML DB PORT TOKEN SECONDS: posts alerts from 8 threads
while killing `mloncall serve` with SIGKILL at random moments and starting
it again; then checks that every alert that got HTTP 200 is in the store
and that the database passes PRAGMA integrity_check. Prints a summary and
exits 1 on any lost alert."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ML, DB, PORT, TOKEN, SECONDS = sys.argv[1:6]
PORT, SECONDS = int(PORT), float(SECONDS)
URL = "http://127.0.0.1:%d/api/v1/alerts" % PORT
acked, lock, stop = [], threading.Lock(), threading.Event()
attempts = [0]


def start():
    log = open(DB + ".log", "ab")
    p = subprocess.Popen([ML, "serve", "--db", DB, "--listen",
                          "127.0.0.1:%d" % PORT], stdout=log, stderr=log)
    for _ in range(200):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % PORT,
                                   timeout=0.5).read()
            return p
        except Exception:
            time.sleep(0.02)
    raise SystemExit("serve did not come up")


def poster(tid):
    n = 0
    while not stop.is_set():
        n += 1
        fp = "t%d-%d" % (tid, n)
        body = json.dumps({"fingerprint": fp, "labels": {
            "alertname": "Crash%d" % (n % 7), "n": str(n)}}).encode()
        req = urllib.request.Request(URL, data=body, headers={
            "Authorization": "Bearer " + TOKEN,
            "Content-Type": "application/json"})
        with lock:
            attempts[0] += 1
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    with lock:
                        acked.append(fp)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.01)


proc = start()
threads = [threading.Thread(target=poster, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
kills = 0
end = time.time() + SECONDS
# on a loaded machine fewer posts get through per second: go on past
# SECONDS (up to 10x) until 50 are acknowledged, so the test judges
# durability, not the machine's speed
hard_end = time.time() + 10 * SECONDS
random.seed(7)
while time.time() < end or (len(acked) < 50 and time.time() < hard_end):
    time.sleep(random.uniform(0.1, 0.6))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kills += 1
    proc = start()
stop.set()
for t in threads:
    t.join()
proc.send_signal(signal.SIGTERM)
proc.wait()

db = sqlite3.connect(DB)
stored = {r[0] for r in db.execute("SELECT fingerprint FROM alerts")}
check = db.execute("PRAGMA integrity_check").fetchone()[0]
lost = [fp for fp in acked if fp not in stored]
print("crash test: %d kills, %d posts, %d acknowledged, %d stored, "
      "%d lost, integrity_check=%s" % (kills, attempts[0], len(acked),
                                       len(stored), len(lost), check))
if lost or check != "ok" or kills < 3 or len(acked) < 50:
    print("lost:", lost[:10])
    sys.exit(1)
