#!/bin/sh
# gpu_fake_nvml.sh: `check gpu --source nvml` against a stand-in
# libnvidia-ml built here from the public NVML signatures (two GPUs: one
# busy H100 with values from the recorded fixture, one that NVML lists but
# cannot open, as after Xid 79). Exercises the dlopen/dlsym path, unit
# conversions (bytes -> MiB, mW -> W), event-reason decoding, processes and
# the gpu-unreachable finding without real hardware. Skipped (77) without
# a C compiler.
set -u
CC=${CC:-cc}
command -v $CC >/dev/null 2>&1 || { echo "skip: no C compiler"; exit 77; }
PY=/usr/bin/python3
[ -x $PY ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/fake_nvml.c" <<'CEOF'
#include <string.h>
typedef struct dev *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { char busIdLegacy[16]; unsigned int domain, bus, device,
	pciDeviceId, pciSubSystemId; char busId[32]; } nvmlPciInfo_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId, computeInstanceId; } nvmlProcessInfo_t;
static struct dev { int x; } d0;
int nvmlInit_v2(void) { return 0; }
int nvmlShutdown(void) { return 0; }
const char *nvmlErrorString(int r) { return r == 15 ? "GPU is lost" : "error"; }
int nvmlSystemGetDriverVersion(char *s, unsigned int n) { strncpy(s, "580.159.04", n); return 0; }
int nvmlDeviceGetCount_v2(unsigned int *n) { *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) { if (i) return 15; *d = &d0; return 0; }
int nvmlDeviceGetName(nvmlDevice_t d, char *s, unsigned int n) { strncpy(s, "NVIDIA H100 80GB HBM3", n); return 0; }
int nvmlDeviceGetUUID(nvmlDevice_t d, char *s, unsigned int n) { strncpy(s, "GPU-14d8f5cc-e7ab-3160-eece-7858177694e5", n); return 0; }
int nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *p) { memset(p, 0, sizeof(*p)); strcpy(p->busId, "00000000:00:06.0"); return 0; }
int nvmlDeviceGetPersistenceMode(nvmlDevice_t d, int *m) { *m = 1; return 0; }
int nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) { m->total = 81559ULL << 20; m->used = 78563ULL << 20; m->free = 2517ULL << 20; return 0; }
int nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) { u->gpu = 100; u->memory = 10; return 0; }
int nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) { *mw = 688570; return 0; }
int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw) { *mw = 700000; return 0; }
int nvmlDeviceGetTemperature(nvmlDevice_t d, int s, unsigned int *t) { *t = 55; return 0; }
int nvmlDeviceGetClockInfo(nvmlDevice_t d, int t, unsigned int *c) { *c = t == 1 ? 1980 : 2619; return 0; }
int nvmlDeviceGetMaxClockInfo(nvmlDevice_t d, int t, unsigned int *c) { *c = t == 1 ? 1980 : 2619; return 0; }
int nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *r) { *r = 0x40; return 0; }
int nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int e, int c, unsigned long long *n) { *n = e ? 0 : 7; return 0; }
int nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int *p) { return 3; /* NOT_SUPPORTED */ }
int nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int *c, unsigned int *u, unsigned int *p, unsigned int *f) { *c = 0; *u = 0; *p = 1; *f = 0; return 0; }
int nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *c, unsigned int *p) { *c = 0; *p = 0; return 0; }
int nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *n, nvmlProcessInfo_t *p) {
	if (!p || *n < 1) { *n = 1; return 7; }
	*n = 1; p[0].pid = 423; p[0].usedGpuMemory = 78554ULL << 20; return 0; }
int nvmlSystemGetProcessName(unsigned int pid, char *s, unsigned int n) { strncpy(s, "python3", n); return 0; }
CEOF
$CC -shared -fPIC -o "$tmp/libfake-nvml.so" "$tmp/fake_nvml.c" || { echo "FAIL: cannot build the stand-in NVML"; exit 1; }
MLONCALL_NVML_LIB="$tmp/libfake-nvml.so" "$ML_BIN" check gpu --source nvml -o json >"$tmp/out.json" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] || { echo "FAIL: exit $rc, expected 1 (findings)"; cat "$tmp/err"; exit 1; }
grep -q "AddressSanitizer\|runtime error" "$tmp/err" && { cat "$tmp/err"; exit 1; }
$PY - "$tmp/out.json" <<'PYEOF'
import json, sys
f = json.load(open(sys.argv[1]))
g = f["gpus"][0]
assert f["source"]["kind"] == "nvml" and f["driver_version"] == "580.159.04", f["source"]
assert f["count"] == 2 and f["verdict"] == "failed", (f["count"], f["verdict"])
assert g["bus_id"] == "00000000:00:06.0" and g["name"] == "NVIDIA H100 80GB HBM3"
assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (81559, 78563, 2517)
assert g["power_draw_w"] == 688.57 and g["power_limit_w"] == 700, (g["power_draw_w"], g["power_limit_w"])
assert g["clock_sm_mhz"] == 1980 and g["clock_mem_mhz"] == 2619 and g["clock_sm_max_mhz"] == 1980
assert g["clocks_event_reasons"] == ["hw_thermal_slowdown"], g["clocks_event_reasons"]
assert g["ecc_corrected_volatile"] == 7 and g["ecc_uncorrected_volatile"] == 0
assert g["retired_pages_pending"] is None and g["remapped_rows_pending"] is True
assert g["mig_mode"] == "Disabled" and g["persistence_mode"] is True
assert g["processes"] == [{"pid": 423, "name": "python3", "used_memory_mib": 78554}], g["processes"]
codes = {r["code"] for r in f["reasons"]}
assert {"gpu-unreachable", "remap-pending", "clocks-slowdown", "memory-near-cap"} <= codes, codes
lost = [r["message"] for r in f["reasons"] if r["code"] == "gpu-unreachable"][0]
assert "GPU 1: NVML cannot open it (GPU is lost)" in lost, lost
print("ok: NVML path read 2 GPUs (one lost) with the expected facts")
PYEOF
