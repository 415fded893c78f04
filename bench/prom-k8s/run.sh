#!/bin/sh
# bench/prom-k8s/run.sh: speed of the prom and k8s probes on large inputs,
# against the tools a user would otherwise reach for, timed in the same run:
#   prom: a 6,000-series histogram exposition (~78k lines): `mloncall check
#         prom FILE --metric M` (parse, group, quantiles) vs `promtool check
#         metrics` (parse and lint only);
#   k8s:  5,000 pods (600 pending), 400 nodes, 3,000 events of kubectl JSON:
#         `mloncall check k8s FILE` (classify, per-node GPUs, suggestions)
#         vs a jq one-liner that only groups the raw pending messages.
# Uses build/mloncall (run `make` first); data goes to bench/out/.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=$ROOT/build/mloncall
OUT=$ROOT/bench/out/prom-k8s
PY=/usr/bin/python3
[ -x "$ML" ] || { echo "build/mloncall missing: run make first"; exit 1; }
mkdir -p "$OUT"

$PY - "$OUT" <<'P'
import json, sys
out = sys.argv[1]
bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
with open(out + "/metrics.prom", "w") as f:
    f.write("# HELP req_seconds Request latency.\n# TYPE req_seconds histogram\n")
    for s in range(6000):
        lab = 'instance="10.1.%d.%d:8080",job="serve",model="m%d"' % (s // 250, s % 250, s % 7)
        c = 0
        for i, b in enumerate(bounds):
            c += (s * 7 + i * 13) % 100 + 1
            f.write('req_seconds_bucket{%s,le="%s"} %d\n' % (lab, b, c))
        f.write("req_seconds_count{%s} %d\nreq_seconds_sum{%s} %.3f\n" % (lab, c, lab, c * 0.12))
msg = ("0/400 nodes are available: 100 Insufficient nvidia.com/gpu, 300 node(s) had untolerated taint "
       "{nvidia.com/gpu: present}. preemption: 0/400 nodes are available: 400 No preemption victims "
       "found for incoming pod.")
items = []
for n in range(400):
    items.append({"apiVersion": "v1", "kind": "Node",
                  "metadata": {"name": "node-%d" % n, "labels": {"nvidia.com/gpu.product": "H100"}},
                  "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]},
                  "status": {"capacity": {"nvidia.com/gpu": "8", "cpu": "192", "memory": "2Ti"},
                             "allocatable": {"nvidia.com/gpu": "8", "cpu": "191", "memory": "1900Gi"},
                             "conditions": [{"type": "Ready", "status": "True"}]}})
for p in range(5000):
    pending = p % 25 < 3
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "job-%d" % p, "namespace": "ns%d" % (p % 20),
                        "creationTimestamp": "2026-11-23T08:00:00Z"},
           "spec": {"containers": [{"name": "c", "image": "img",
                                    "resources": {"requests": {"cpu": "4", "memory": "32Gi",
                                                               "nvidia.com/gpu": str(1 + p % 8)}}}]},
           "status": {"phase": "Pending" if pending else "Running"}}
    if pending:
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable", "message": msg}]
    else:
        pod["spec"]["nodeName"] = "node-%d" % (p % 400)
    items.append(pod)
for e in range(3000):
    items.append({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev-%d" % e, "namespace": "ns0"},
                  "involvedObject": {"kind": "Pod", "name": "job-%d" % (e % 5000), "namespace": "ns%d" % (e % 20)},
                  "reason": "FailedScheduling", "message": msg, "count": 3,
                  "lastTimestamp": "2026-11-23T08:59:00Z"})
json.dump({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}},
          open(out + "/cluster.json", "w"), indent=4)
P

# best of 5 wall-clock runs of a shell command, in seconds
best() {
	$PY - "$1" <<'P'
import subprocess, sys, time
best = None
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(sys.argv[1], shell=True, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = time.perf_counter() - t
    best = d if best is None or d < best else best
print("%.4f" % best)
P
}
ratio() { $PY -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }

M=$OUT/metrics.prom
C=$OUT/cluster.json
lines=$(wc -l <"$M")
"$ML" check prom "$M" --metric req_seconds -o json >/dev/null
a=$(best "'$ML' check prom '$M' --metric req_seconds -o json")
b=$(best "promtool check metrics <'$M'")
echo "prom: $lines lines: mloncall check prom ${a}s, promtool check metrics ${b}s, ratio promtool/mloncall $(ratio "$b" "$a")x"

MLONCALL_NOW=2026-11-23T09:00:00Z "$ML" check k8s "$C" -o json >/dev/null || true
a=$(best "'$ML' check k8s '$C' -o json")
b=$(best "jq '[.items[] | select(.kind==\"Pod\" and .status.phase==\"Pending\") | .status.conditions[]? | select(.type==\"PodScheduled\") | .message] | group_by(.) | map({message: .[0], pods: length})' '$C'")
echo "k8s: $(du -h "$C" | cut -f1) kubectl JSON: mloncall check k8s ${a}s, jq group-by-message ${b}s, ratio jq/mloncall $(ratio "$b" "$a")x"
