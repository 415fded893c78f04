#!/usr/bin/python3
"""pandas_ref.py DB: what a team would otherwise script: MTTA/MTTR median
and p90 per severity, SLA breaches, incidents per week and pages per
person per week from the store, with pandas. Prints the P2 MTTA median
(ms) so run.sh can check both agree."""
import sqlite3
import sys

import pandas as pd

NOW = 1795996800000
DAY = 86400000
SINCE = NOW - 84 * DAY
SLA = {1: 900000, 2: 3600000, 3: 14400000, 4: 86400000}
db = sqlite3.connect(sys.argv[1])
inc = pd.read_sql_query(
    "SELECT id, severity, created_at, acked_at, resolved_at FROM incidents"
    " WHERE drill = 0 AND created_at >= ? AND created_at < ?", db,
    params=(SINCE, NOW))
inc["tta"] = inc.acked_at - inc.created_at
inc["ttr"] = inc.resolved_at - inc.created_at
g = inc.groupby("severity")
stats = pd.DataFrame({"mtta50": g.tta.quantile(0.5), "mtta90": g.tta.quantile(0.9),
                      "mttr50": g.ttr.quantile(0.5), "mttr90": g.ttr.quantile(0.9)})
eff = inc.acked_at.fillna(inc.resolved_at).fillna(NOW) - inc.created_at
inc["breach"] = eff > inc.severity.map(SLA)
breaches = inc.groupby("severity").breach.sum()
inc["week"] = pd.to_datetime(inc.created_at, unit="ms").dt.to_period("W-SUN")
weeks = inc.groupby(["week", "severity"]).size().unstack(fill_value=0)
pages = pd.read_sql_query(
    "SELECT t.at, t.message FROM timeline t JOIN incidents i ON"
    " i.id = t.incident_id WHERE t.kind = 'page' AND i.drill = 0"
    " AND t.at >= ? AND t.at < ?", db, params=(SINCE, NOW))
pages["person"] = pages.message.str.extract(r"^paged (.+?) \(")
pages["week"] = pd.to_datetime(pages["at"], unit="ms").dt.to_period("W-SUN")
per = pages.groupby(["person", "week"]).size().unstack(fill_value=0)
print(int(round(stats.loc[2, "mtta50"])))
