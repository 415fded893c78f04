#!/bin/sh
# gpu_live_compare.sh: on a machine with an NVIDIA GPU, `check gpu` through
# NVML and through the nvidia-smi fallback agree with nvidia-smi itself
# (uuid, name, memory.total exactly; memory.used within 5%). Skipped (77)
# where nvidia-smi is absent or finds no GPU.
set -u
command -v nvidia-smi >/dev/null 2>&1 || { echo "skip: no nvidia-smi on this machine"; exit 77; }
nvidia-smi -L >/dev/null 2>&1 || { echo "skip: nvidia-smi finds no GPU"; exit 77; }
PY=/usr/bin/python3
[ -x $PY ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
nvidia-smi --query-gpu=uuid,name,memory.total,memory.used --format=csv,noheader,nounits >"$tmp/ref.csv" || exit 1
"$ML_BIN" check gpu --source nvml -o json >"$tmp/nvml.json"
[ $? -le 1 ] || { echo "FAIL: --source nvml"; exit 1; }
"$ML_BIN" check gpu --source smi -o json >"$tmp/smi.json"
[ $? -le 1 ] || { echo "FAIL: --source smi"; exit 1; }
$PY - "$tmp/ref.csv" "$tmp/nvml.json" "$tmp/smi.json" <<'PYEOF'
import json, sys
ref = [[c.strip() for c in l.split(",")] for l in open(sys.argv[1]) if l.strip()]
for path in sys.argv[2:]:
    gpus = json.load(open(path))["gpus"]
    assert len(gpus) == len(ref), (path, len(gpus), len(ref))
    for g, (uuid, name, total, used) in zip(gpus, ref):
        assert g["uuid"] == uuid, (path, g["uuid"], uuid)
        assert g["name"] == name, (path, g["name"], name)
        assert g["memory_total_mib"] == int(total), (path, g["memory_total_mib"], total)
        assert abs(g["memory_used_mib"] - int(used)) <= max(64, 0.05 * int(total)), (path, g["memory_used_mib"], used)
    print("ok:", path, len(gpus), "GPU(s) agree with nvidia-smi")
PYEOF
