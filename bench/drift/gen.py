"""gen.py OUTDIR ROWS: writes ref.csv and cur.csv with 20 numeric and 5
categorical columns; the current file is shifted (a third of the numeric
columns moved, one categorical column reweighted)."""
import os
import sys

import numpy as np
import pandas as pd

out, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
cats = np.array(["alpha", "beta", "gamma", "delta", "eps", "zeta"])


def frame(shift):
    cols = {}
    for i in range(20):
        loc = (0.5 if shift and i % 3 == 0 else 0.0) + i
        cols[f"n{i}"] = rng.normal(loc, 1.0 + i / 10, rows)
    for i in range(5):
        p = np.full(len(cats), 1 / len(cats))
        if shift and i == 0:
            p = np.array([0.4, 0.2, 0.1, 0.1, 0.1, 0.1])
        cols[f"c{i}"] = rng.choice(cats, rows, p=p)
    return pd.DataFrame(cols)


for name, shift in (("ref.csv", False), ("cur.csv", True)):
    frame(shift).to_csv(os.path.join(out, name), index=False, float_format="%.6f")
