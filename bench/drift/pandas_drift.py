"""pandas_drift.py REF CUR: the reference a user would otherwise run:
pandas.read_csv both files, then per column the same tests as the drift
probe picks for them (over 1,000 rows: normed Wasserstein for numeric,
Jensen-Shannon base 2 on value shares for categorical)."""
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
drifted = 0
for c in ref.columns:
    r, u = ref[c].dropna(), cur[c].dropna()
    if pd.api.types.is_numeric_dtype(r):
        score = stats.wasserstein_distance(r, u) / max(np.std(r), 0.001)
    else:
        keys = sorted(set(r.unique()) | set(u.unique()))
        rc, uc = r.value_counts(), u.value_counts()
        p = np.array([rc.get(k, 0) for k in keys]) / len(r)
        q = np.array([uc.get(k, 0) for k in keys]) / len(u)
        score = distance.jensenshannon(p, q, 2)
    drifted += score >= 0.1
print(f"pandas+scipy: {drifted} of {len(ref.columns)} columns drifted")
