#!/usr/bin/python3
"""report_numpy.py DB REPORT_JSON_CMD...: fills DB (made by mloncall, so
migrated) with 3,000 random incidents, runs the report command given on
the command line with MLONCALL_NOW fixed, and checks MTTA/MTTR medians
and p90 per severity, SLA breaches and weekly counts against numpy."""
import json
import random
import sqlite3
import subprocess
import sys

import numpy as np

NOW = 1795996800000          # 2026-11-30T00:00:00Z, a Monday
DAY = 86400000
SINCE = NOW - 28 * DAY
SLA = {1: 15 * 60000, 2: 3600000, 3: 4 * 3600000, 4: 24 * 3600000}

rng = random.Random(20261123)
db = sqlite3.connect(sys.argv[1])
rows = []
for i in range(1, 3001):
    sev = rng.choice([1, 2, 2, 3, 3, 3, 4])
    created = rng.randrange(SINCE - 3 * DAY, NOW)   # some before the window
    drill = 1 if rng.random() < 0.05 else 0
    kind = rng.random()
    acked = resolved = None
    auto = 0
    if kind < 0.7:          # acked then resolved
        acked = created + int(rng.expovariate(1 / (SLA[sev] / 2)))
        resolved = acked + int(rng.expovariate(1 / 3600000))
    elif kind < 0.85:       # auto-resolved, no ack
        resolved = created + rng.randrange(1000, 2 * SLA[sev])
        auto = 1
    elif kind < 0.95:       # acked, still open
        acked = created + rng.randrange(1000, 2 * SLA[sev])
    # else: open and never acked
    rows.append((i, sev, created, acked, resolved, auto, drill))
    db.execute(
        "INSERT INTO incidents (id, group_key, title, severity, status,"
        " drill, created_at, updated_at, acked_at, resolved_at,"
        " auto_resolved) VALUES (?, ?, 't', ?, ?, ?, ?, ?, ?, ?, ?)",
        (i, "g%d" % i, sev, "resolved" if resolved else
         "acknowledged" if acked else "triggered", drill, created, created,
         acked, resolved, auto))
db.commit()

out = subprocess.run(sys.argv[2:], check=True, capture_output=True,
                     env={"MLONCALL_NOW": str(NOW // 1000), "PATH": "/usr/bin:/bin"})
rep = json.loads(out.stdout)
bad = 0


def check(what, got, want, tol=1):
    global bad
    if want is None:
        ok = got is None
    else:
        ok = got is not None and abs(got - want) <= tol
    if not ok:
        print("MISMATCH %s: got %s, numpy %s" % (what, got, want))
        bad += 1


live = [r for r in rows if not r[6] and SINCE <= r[2] < NOW]
for sev in (1, 2, 3, 4, 0):
    sel = [r for r in live if sev == 0 or r[1] == sev]
    row = [x for x in rep["response"]
           if x["severity"] == ("all" if sev == 0 else "P%d" % sev)][0]
    name = row["severity"]
    check(name + " incidents", row["incidents"], len(sel), 0)
    tta = [r[3] - r[2] for r in sel if r[3] is not None]
    ttr = [r[4] - r[2] for r in sel if r[4] is not None]
    for key, vals, q in (("mtta_median_ms", tta, 50), ("mtta_p90_ms", tta, 90),
                         ("mttr_median_ms", ttr, 50), ("mttr_p90_ms", ttr, 90)):
        check(name + " " + key, row[key],
              float(np.percentile(vals, q)) if vals else None)
    breaches = 0
    for r in sel:
        eff = r[3] or r[4] or NOW
        breaches += eff - r[2] > SLA[r[1]]
    check(name + " sla_breaches", row["sla_breaches"], breaches, 0)
for w, wk in enumerate(rep["weeks"]):
    start = SINCE + w * 7 * DAY
    n = len([r for r in live if start <= r[2] < start + 7 * DAY])
    check("week %s" % wk["start_date"], wk["incidents"], n, 0)
check("weeks", len(rep["weeks"]), 4, 0)
print("%d incidents in the window; %d mismatches" % (len(live), bad))
sys.exit(1 if bad else 0)
