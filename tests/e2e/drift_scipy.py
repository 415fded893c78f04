"""drift_scipy.py MLONCALL: generates reference/current CSV pairs, computes
the expected drift statistics with scipy exactly as the drift probe documents
them (Evidently's choices), runs `mloncall check drift -o json` and compares
every statistic and p-value at 1e-9 relative."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats
from scipy.spatial import distance

ML = sys.argv[1]
RTOL = 1e-9
rng = np.random.default_rng(20261123)
failures = []
checked = 0


def close(a, b):
    """a: from JSON (None stands for a non-finite number), b: scipy."""
    if b is not None and not np.isfinite(b):
        return a is None
    if a is None or b is None:
        return a is None and b is None
    if np.isnan(a) or np.isnan(b):
        return np.isnan(a) and np.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) or max(abs(a), abs(b)) < 1e-300


def write_csv(path, cols):
    names = list(cols)
    n = len(cols[names[0]])
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for i in range(n):
            f.write(",".join(fmt(cols[c][i]) for c in names) + "\n")


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def binned(ref, cur, numeric, fill):
    """Evidently's get_binned_data."""
    if numeric and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref) | set(cur))
        rc = {k: 0 for k in keys}
        cc = {k: 0 for k in keys}
        for v in ref:
            rc[v] += 1
        for v in cur:
            cc[v] += 1
        rp = np.array([rc[k] / len(ref) for k in keys])
        cp = np.array([cc[k] / len(cur) for k in keys])
    if fill:
        for p in (rp, cp):
            m = min(p[p != 0])
            np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def expected(test, ref, cur, numeric):
    """(statistic, p_value or None, score)."""
    if test == "ks":
        r = stats.ks_2samp(ref, cur)
        return r.statistic, r.pvalue, r.pvalue
    if test == "wasserstein":
        wd = stats.wasserstein_distance(ref, cur)
        return wd, None, wd / max(np.std(ref), 0.001)
    if test in ("chisquare", "z"):
        keys = sorted(set(ref) | set(cur))
        rc = {k: 0 for k in keys}
        cc = {k: 0 for k in keys}
        for v in ref:
            rc[v] += 1
        for v in cur:
            cc[v] += 1
        if test == "chisquare":
            knorm = len(cur) / len(ref)
            r = stats.chisquare([cc[k] for k in keys], [rc[k] * knorm for k in keys])
            return r.statistic, r.pvalue, r.pvalue
        if len(set(ref)) == 1 and len(set(cur)) == 1 and set(ref) == set(cur):
            return 0.0, 1.0, 1.0
        k0 = keys[0]
        a = np.array([0 if x == k0 else 1 for x in ref])
        b = np.array([0 if x == k0 else 1 for x in cur])
        n1, n2 = len(a), len(b)
        p1, p2 = float(sum(a)) / n1, float(sum(b)) / n2
        P = float(p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
        p = 2 * (1 - stats.norm.cdf(np.abs(z)))
        return z, p, p
    if test == "jensenshannon":
        rp, cp = binned(ref, cur, numeric, False)
        js = distance.jensenshannon(rp, cp, 2)
        return js, None, js
    if test == "psi":
        rp, cp = binned(ref, cur, numeric, True)
        psi = 0
        for i in range(len(rp)):
            psi += (rp[i] - cp[i]) * np.log(rp[i] / cp[i])
        return psi, None, psi
    raise ValueError(test)


def case(name, ref_cols, cur_cols, args=(), want=None):
    """Runs one scenario; want maps column -> expected test name."""
    global checked
    with tempfile.TemporaryDirectory() as d:
        rp, cp = os.path.join(d, "ref.csv"), os.path.join(d, "cur.csv")
        write_csv(rp, ref_cols)
        write_csv(cp, cur_cols)
        out = subprocess.run([ML, "check", "drift", "--ref", rp, "--cur", cp,
                              "-o", "json", "-q", *args],
                             capture_output=True, text=True)
    if out.returncode not in (0, 1):
        failures.append(f"{name}: exit {out.returncode}: {out.stderr}")
        return
    facts = json.loads(out.stdout)
    for col in facts["columns"]:
        c = col["column"]
        ref, cur = ref_cols[c], cur_cols[c]
        numeric = not isinstance(ref[0], str)
        if numeric:
            ref, cur = np.asarray(ref, float), np.asarray(cur, float)
        else:
            ref, cur = list(ref), list(cur)
        if want and c in want and col["test"] != want[c]:
            failures.append(f"{name}/{c}: test {col['test']}, expected {want[c]}")
        st, p, score = expected(col["test"], ref, cur, numeric)
        for key, exp in (("statistic", st), ("p_value", p), ("score", score)):
            got = col[key]
            checked += 1
            if not close(got, None if exp is None else float(exp)):
                failures.append(f"{name}/{c} {col['test']} {key}: got {got!r}, "
                                f"scipy {exp!r}")
        if col["test"] == "ks":
            n1, n2 = len(ref), len(cur)
            branches.add(ks_branch(n1, n2, col["statistic"]))
            mode = "exact" if max(n1, n2) <= 10000 else "asymptotic"
            if col.get("ks_method") != mode:
                failures.append(f"{name}/{c}: ks_method {col.get('ks_method')}, expected {mode}")
    return facts


branches = set()


def ks_branch(n1, n2, d):
    """Which code path of scipy's ks_2samp / kstwo.sf gives the p-value."""
    if max(n1, n2) <= 10000:
        return "exact-square" if n1 == n2 else "exact-inside"
    m, n = max(n1, n2), min(n1, n2)
    n = int(np.round(m * n / (m + n)))
    t, x2 = n * d, n * d * d
    if t <= 1 or t >= n - 1 or d >= 0.5:
        return "closed-form"
    if n <= 140:
        return "dmtw" if x2 <= 0.754693 else "pomeranz" if x2 <= 4 else "smirnov"
    if x2 >= 370:
        return "zero"
    if x2 >= 2.2:
        return "smirnov"
    return "dmtw" if n <= 100000 and n * d ** 1.5 <= 1.4 else "pelzgood"


def norm(n, loc=0.0, scale=1.0):
    return rng.normal(loc, scale, n)


# 1. small numeric: KS exact (unequal and equal sizes), few-valued -> chi2/z
case("small", {
    "x": norm(300), "y": norm(300, 0, 2), "few": rng.integers(0, 4, 300),
    "bin": rng.integers(0, 2, 300), "ties": np.round(norm(300), 1)},
    {"x": norm(300, 0.1), "y": norm(300, 0.8, 2), "few": rng.integers(0, 4, 300),
     "bin": rng.integers(0, 2, 300), "ties": np.round(norm(300, 0.2), 1)},
    want={"x": "ks", "y": "ks", "few": "chisquare", "bin": "z", "ties": "ks"})
case("unequal", {"x": norm(700), "y": norm(997)[:700]},
     {"x": norm(433, 0.15), "y": norm(433, 0.0)}, want={"x": "ks", "y": "ks"})
case("tiny", {"x": norm(7)}, {"x": norm(5, 1.0)}, want={"x": "ks"})
# 2. categorical small: chi-square with a new category, Z, same single value
cats = np.array(["red", "green", "blue", "black"])
case("cat-small", {
    "c": list(rng.choice(cats[:3], 500)), "two": list(rng.choice(cats[:2], 500)),
    "one": ["a"] * 400 + ["b"] * 100},
    {"c": list(rng.choice(cats, 400)), "two": list(rng.choice(cats[:2], 400, p=[0.6, 0.4])),
     "one": ["a"] * 380 + ["b"] * 20},
    want={"c": "chisquare", "two": "z", "one": "z"})
# 3. large: Wasserstein, JS (categorical and few-valued numeric)
case("large", {
    "w": norm(5000), "w2": norm(5000, 3, 0.5), "c": list(rng.choice(cats, 5000)),
    "few": rng.integers(0, 3, 5000)},
    {"w": norm(4000, 0.05), "w2": norm(4000, 3.4, 0.5),
     "c": list(rng.choice(cats, 4000, p=[0.4, 0.3, 0.2, 0.1])),
     "few": rng.integers(0, 3, 4000)},
    want={"w": "wasserstein", "w2": "wasserstein", "c": "jensenshannon",
          "few": "jensenshannon"})
# 4. KS asymptotic (max(n1, n2) > 10000): the DMTW, Pelz-Good and Smirnov
# branches of kstwo.sf
case("ks-asymp", {"a": norm(12000), "b": norm(12000), "c": norm(12000),
                  "d": norm(12000)},
     {"a": norm(11000, 0.004), "b": norm(11000, 0.02), "c": norm(11000, 0.05),
      "d": norm(11000, 0.3)},
     args=("--test", "ks"), want={k: "ks" for k in "abcd"})
case("ks-asymp-big", {"a": norm(150000), "b": norm(150000)},
     {"a": norm(140000, 0.005), "b": norm(140000, 0.02)},
     args=("--test", "ks"))
# 5. forced PSI and JS, numeric (Sturges bins) and categorical
for t in ("psi", "jensenshannon"):
    case("forced-" + t, {"n": norm(2000), "c": list(rng.choice(cats, 2000)),
                         "f": rng.integers(0, 10, 2000)},
         {"n": norm(1500, 0.3), "c": list(rng.choice(cats[:3], 1500)),
          "f": rng.integers(0, 12, 1500)},
         args=("--test", t), want={"n": t, "c": t, "f": t})
# 6. forced chi-square on numeric with many values, ks on small equal sizes
case("forced-ks-small", {"x": norm(50)}, {"x": norm(50, 0.5)},
     args=("--test", "ks"))
case("forced-ks-1000", {"y": norm(1000)}, {"y": norm(1000, 0.1)},
     args=("--test", "ks"))
# asymptotic KS with small effective n: n <= 140 (DMTW, Pomeranz, Smirnov)
# and n around 250 (DMTW for large n)
for n2, name in ((141, "asymp-n139"), (260, "asymp-n253")):
    case(name, {k: norm(10001) for k in "abcde"},
         {"a": norm(n2, 0.0), "b": norm(n2, 0.1), "c": norm(n2, 0.25),
          "d": norm(n2, 0.6), "e": norm(n2, 2.5)}, args=("--test", "ks"))
case("forced-wasserstein-small", {"x": norm(100)}, {"x": norm(80, 0.5)},
     args=("--test", "wasserstein"))

need = {"exact-square", "exact-inside", "dmtw", "pomeranz", "smirnov",
        "pelzgood"}
if not need <= branches:
    failures.append(f"KS paths not exercised: {sorted(need - branches)}")
print(f"drift_scipy: KS paths exercised: {', '.join(sorted(branches))}")
print(f"drift_scipy: {checked} numbers compared, {len(failures)} mismatches")
for f in failures:
    print("  " + f)
sys.exit(1 if failures else 0)
