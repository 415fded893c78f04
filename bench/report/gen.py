#!/usr/bin/python3
"""gen.py DB N: fills a database that mloncall created with N random
incidents over 84 days before NOW (each with one alert row and a page
timeline entry), for bench/report/run.sh."""
import random
import sqlite3
import sys

NOW = 1795996800000
DAY = 86400000
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
rng = random.Random(7)
people = ["alice", "bob", "carol", "dave", "erin", "frank"]
inc, alerts, tl = [], [], []
for i in range(1, n + 1):
    sev = rng.choice([1, 2, 2, 3, 3, 3, 4])
    c = NOW - rng.randrange(0, 84 * DAY)
    a = c + rng.randrange(1000, 3600000) if rng.random() < 0.8 else None
    r = (a or c) + rng.randrange(1000, 7200000) if rng.random() < 0.95 else None
    auto = 1 if r and not a else 0
    name = "Alert%d" % rng.randrange(200)
    inc.append((i, "g%d" % i, name, sev, "resolved" if r else "triggered",
                None if rng.random() < 0.1 else "rb", c, c, a, r, auto))
    alerts.append((i, "fp%d" % i, "resolved", name, c, c, rng.randrange(1, 5)))
    tl.append((i, c + 1000, "page", "mloncall",
               "paged %s (primary, level 1) (no notification channel "
               "configured)" % rng.choice(people)))
db.executemany("INSERT INTO incidents (id, group_key, title, severity, status,"
               " runbook_id, created_at, updated_at, acked_at, resolved_at,"
               " auto_resolved) VALUES (?,?,?,?,?,?,?,?,?,?,?)", inc)
db.executemany("INSERT INTO alerts (incident_id, fingerprint, status,"
               " alertname, first_seen, last_seen, count) VALUES"
               " (?,?,?,?,?,?,?)", alerts)
db.executemany("INSERT INTO timeline (incident_id, at, kind, actor, message)"
               " VALUES (?,?,?,?,?)", tl)
db.commit()
