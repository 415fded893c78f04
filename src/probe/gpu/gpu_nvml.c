/* gpu_nvml.c: live GPU state through NVML, loaded at run time with
 * dlopen("libnvidia-ml.so.1") so that mloncall builds and runs without
 * NVIDIA software. The few NVML types and signatures used are declared
 * here from the public NVML API reference (nvml.h); a function missing
 * from an old driver leaves its facts null. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"

typedef int nvml_ret;		      /* nvmlReturn_t; 0 = NVML_SUCCESS */
typedef struct nvml_dev_st *nvml_dev; /* nvmlDevice_t (opaque) */

struct nvml_memory { /* nvmlMemory_t (v1) */
	unsigned long long total, free, used;
};
struct nvml_util { /* nvmlUtilization_t */
	unsigned int gpu, memory;
};
struct nvml_pci { /* nvmlPciInfo_t (v3 layout) */
	char bus_id_legacy[16];
	unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};
struct nvml_proc { /* nvmlProcessInfo_t (v2/v3 layout) */
	unsigned int pid;
	unsigned long long used_gpu_memory;
	unsigned int gpu_instance_id, compute_instance_id;
};

#define NVML_CLOCK_SM 1
#define NVML_CLOCK_MEM 2
#define NVML_TEMPERATURE_GPU 0
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_VALUE_NOT_AVAILABLE_ULL 0xFFFFFFFFFFFFFFFFULL

/* The functions looked up; each may be NULL on old drivers. */
struct nvml {
	void *lib;
	nvml_ret (*init)(void);
	nvml_ret (*shutdown)(void);
	const char *(*error_string)(nvml_ret);
	nvml_ret (*driver_version)(char *, unsigned int);
	nvml_ret (*count)(unsigned int *);
	nvml_ret (*handle)(unsigned int, nvml_dev *);
	nvml_ret (*name)(nvml_dev, char *, unsigned int);
	nvml_ret (*uuid)(nvml_dev, char *, unsigned int);
	nvml_ret (*pci)(nvml_dev, struct nvml_pci *);
	nvml_ret (*persistence)(nvml_dev, int *);
	nvml_ret (*memory)(nvml_dev, struct nvml_memory *);
	nvml_ret (*util)(nvml_dev, struct nvml_util *);
	nvml_ret (*power)(nvml_dev, unsigned int *);
	nvml_ret (*power_limit)(nvml_dev, unsigned int *);
	nvml_ret (*temp)(nvml_dev, int, unsigned int *);
	nvml_ret (*clock)(nvml_dev, int, unsigned int *);
	nvml_ret (*max_clock)(nvml_dev, int, unsigned int *);
	nvml_ret (*reasons)(nvml_dev, unsigned long long *);
	nvml_ret (*ecc)(nvml_dev, int, int, unsigned long long *);
	nvml_ret (*retired_pending)(nvml_dev, int *);
	nvml_ret (*remapped)(nvml_dev, unsigned int *, unsigned int *,
			     unsigned int *, unsigned int *);
	nvml_ret (*mig)(nvml_dev, unsigned int *, unsigned int *);
	nvml_ret (*procs)(nvml_dev, unsigned int *, struct nvml_proc *);
	nvml_ret (*proc_name)(unsigned int, char *, unsigned int);
};

/* dlsym into a function pointer without a cast warning. */
static void sym(void *lib, const char *name, void *fp)
{
	void *p = dlsym(lib, name);
	memcpy(fp, &p, sizeof(p));
}

static void load_syms(struct nvml *n)
{
	sym(n->lib, "nvmlInit_v2", &n->init);
	sym(n->lib, "nvmlShutdown", &n->shutdown);
	sym(n->lib, "nvmlErrorString", &n->error_string);
	sym(n->lib, "nvmlSystemGetDriverVersion", &n->driver_version);
	sym(n->lib, "nvmlDeviceGetCount_v2", &n->count);
	sym(n->lib, "nvmlDeviceGetHandleByIndex_v2", &n->handle);
	sym(n->lib, "nvmlDeviceGetName", &n->name);
	sym(n->lib, "nvmlDeviceGetUUID", &n->uuid);
	sym(n->lib, "nvmlDeviceGetPciInfo_v3", &n->pci);
	sym(n->lib, "nvmlDeviceGetPersistenceMode", &n->persistence);
	sym(n->lib, "nvmlDeviceGetMemoryInfo", &n->memory);
	sym(n->lib, "nvmlDeviceGetUtilizationRates", &n->util);
	sym(n->lib, "nvmlDeviceGetPowerUsage", &n->power);
	sym(n->lib, "nvmlDeviceGetEnforcedPowerLimit", &n->power_limit);
	sym(n->lib, "nvmlDeviceGetTemperature", &n->temp);
	sym(n->lib, "nvmlDeviceGetClockInfo", &n->clock);
	sym(n->lib, "nvmlDeviceGetMaxClockInfo", &n->max_clock);
	sym(n->lib, "nvmlDeviceGetCurrentClocksEventReasons", &n->reasons);
	if (!n->reasons)
		sym(n->lib, "nvmlDeviceGetCurrentClocksThrottleReasons",
		    &n->reasons);
	sym(n->lib, "nvmlDeviceGetTotalEccErrors", &n->ecc);
	sym(n->lib, "nvmlDeviceGetRetiredPagesPendingStatus",
	    &n->retired_pending);
	sym(n->lib, "nvmlDeviceGetRemappedRows", &n->remapped);
	sym(n->lib, "nvmlDeviceGetMigMode", &n->mig);
	sym(n->lib, "nvmlDeviceGetComputeRunningProcesses_v3", &n->procs);
	sym(n->lib, "nvmlSystemGetProcessName", &n->proc_name);
}

static void set_str(json_t *rec, const char *key, const char *s)
{
	gpu_set_text(rec, key, s, strnlen(s, 96));
}

static void read_basic(const struct nvml *n, nvml_dev d, json_t *rec)
{
	char s[96];
	struct nvml_pci pci;
	int mode;

	memset(s, 0, sizeof(s));
	if (n->name && !n->name(d, s, sizeof(s) - 1))
		set_str(rec, "name", s);
	memset(s, 0, sizeof(s));
	if (n->uuid && !n->uuid(d, s, sizeof(s) - 1))
		set_str(rec, "uuid", s);
	memset(&pci, 0, sizeof(pci));
	if (n->pci && !n->pci(d, &pci)) {
		pci.bus_id[sizeof(pci.bus_id) - 1] = '\0';
		set_str(rec, "bus_id", pci.bus_id);
	}
	if (n->persistence && !n->persistence(d, &mode))
		json_object_set_new(rec, "persistence_mode",
				    json_boolean(mode));
}

static void read_perf(const struct nvml *n, nvml_dev d, json_t *rec)
{
	struct nvml_memory m;
	struct nvml_util u;
	unsigned int v;
	unsigned long long r;

	if (n->memory && !n->memory(d, &m)) {
		gpu_set_num(rec, "memory_total_mib", (double)(m.total >> 20));
		gpu_set_num(rec, "memory_used_mib", (double)(m.used >> 20));
		gpu_set_num(rec, "memory_free_mib", (double)(m.free >> 20));
	}
	if (n->util && !n->util(d, &u)) {
		gpu_set_num(rec, "util_gpu_pct", u.gpu);
		gpu_set_num(rec, "util_memory_pct", u.memory);
	}
	if (n->power && !n->power(d, &v))
		gpu_set_num(rec, "power_draw_w", v / 1000.0);
	if (n->power_limit && !n->power_limit(d, &v))
		gpu_set_num(rec, "power_limit_w", v / 1000.0);
	if (n->temp && !n->temp(d, NVML_TEMPERATURE_GPU, &v))
		gpu_set_num(rec, "temp_c", v);
	if (n->clock && !n->clock(d, NVML_CLOCK_SM, &v))
		gpu_set_num(rec, "clock_sm_mhz", v);
	if (n->max_clock && !n->max_clock(d, NVML_CLOCK_SM, &v))
		gpu_set_num(rec, "clock_sm_max_mhz", v);
	if (n->clock && !n->clock(d, NVML_CLOCK_MEM, &v))
		gpu_set_num(rec, "clock_mem_mhz", v);
	if (n->reasons && !n->reasons(d, &r))
		json_object_set_new(
		    rec, "clocks_event_reasons_mask",
		    json_integer((json_int_t)(r & 0xFFFFFFFFULL)));
}

static void read_health(const struct nvml *n, nvml_dev d, json_t *rec)
{
	unsigned long long c;
	unsigned int corr, unc, pend, fail, cur, pending;
	int p;

	/* errorType 0 corrected / 1 uncorrected; counterType 0 volatile. */
	if (n->ecc && !n->ecc(d, 0, 0, &c))
		gpu_set_num(rec, "ecc_corrected_volatile", (double)c);
	if (n->ecc && !n->ecc(d, 1, 0, &c))
		gpu_set_num(rec, "ecc_uncorrected_volatile", (double)c);
	if (n->retired_pending && !n->retired_pending(d, &p))
		json_object_set_new(rec, "retired_pages_pending",
				    json_boolean(p));
	if (n->remapped && !n->remapped(d, &corr, &unc, &pend, &fail)) {
		json_object_set_new(rec, "remapped_rows_pending",
				    json_boolean(pend));
		json_object_set_new(rec, "remapped_rows_failure",
				    json_boolean(fail));
	}
	if (n->mig && !n->mig(d, &cur, &pending))
		json_object_set_new(rec, "mig_mode",
				    json_string(cur ? "Enabled" : "Disabled"));
}

static void read_procs(const struct nvml *n, nvml_dev d, json_t *rec)
{
	unsigned int count = 0;
	struct nvml_proc *ps;
	json_t *arr = json_object_get(rec, "processes");
	nvml_ret r;

	if (!n->procs)
		return;
	r = n->procs(d, &count, NULL);
	if (r != 0 && r != NVML_ERROR_INSUFFICIENT_SIZE)
		return;
	count += 8; /* processes may start between the two calls */
	ps = xcalloc(count, sizeof(*ps));
	if (!n->procs(d, &count, ps)) {
		for (unsigned int i = 0; i < count; i++) {
			char name[256] = "";
			json_t *p = json_object();
			gpu_set_num(p, "pid", ps[i].pid);
			if (n->proc_name &&
			    !n->proc_name(ps[i].pid, name, sizeof(name) - 1))
				set_str(p, "name", name);
			else
				json_object_set_new(p, "name", json_null());
			if (ps[i].used_gpu_memory ==
			    NVML_VALUE_NOT_AVAILABLE_ULL)
				json_object_set_new(p, "used_memory_mib",
						    json_null());
			else
				gpu_set_num(
				    p, "used_memory_mib",
				    (double)(ps[i].used_gpu_memory >> 20));
			json_array_append_new(arr, p);
		}
	}
	free(ps);
}

/* Notes a GPU that NVML lists but cannot open (fallen off the bus...). */
static void lost(const struct nvml *n, struct gpu_read *out, unsigned int i,
		 nvml_ret r)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "GPU %u: NVML cannot open it (%s)", i,
		 n->error_string ? n->error_string(r) : "error");
	if (!out->problems)
		out->problems = json_array();
	json_array_append_new(out->problems, json_string(msg));
}

static int read_all(const struct nvml *n, struct gpu_read *out,
		    struct ml_err *err)
{
	unsigned int count = 0;
	char drv[96];
	nvml_ret r;

	if ((r = n->count(&count)) != 0)
		return ml_err_set(err, ML_EIO, "NVML: cannot count GPUs: %s",
				  n->error_string ? n->error_string(r)
						  : "error");
	memset(drv, 0, sizeof(drv));
	if (n->driver_version && !n->driver_version(drv, sizeof(drv) - 1))
		out->driver = gpu_text_clean(drv, strlen(drv));
	for (unsigned int i = 0; i < count; i++) {
		nvml_dev d;
		json_t *rec = gpu_record_new();

		json_object_set_new(rec, "index", json_integer(i));
		if (out->driver)
			set_str(rec, "driver_version", out->driver);
		if ((r = n->handle(i, &d)) == 0) {
			read_basic(n, d, rec);
			read_perf(n, d, rec);
			read_health(n, d, rec);
			read_procs(n, d, rec);
		} else {
			lost(n, out, i, r);
		}
		gpu_record_finish(rec);
		json_array_append_new(out->gpus, rec);
	}
	return 0;
}

int gpu_nvml_read(struct gpu_read *out, struct ml_err *err)
{
	const char *name = getenv("MLONCALL_NVML_LIB");
	struct nvml n;
	nvml_ret r;
	int rc;

	memset(&n, 0, sizeof(n));
	if (!name || !*name)
		name = "libnvidia-ml.so.1";
	n.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!n.lib)
		return ml_err_set(err, ML_ENOTFOUND, "dlopen: %s", dlerror());
	load_syms(&n);
	if (!n.init || !n.shutdown || !n.count || !n.handle) {
		dlclose(n.lib);
		return ml_err_set(err, ML_ENOTFOUND,
				  "NVML not usable: %s lacks nvmlInit_v2 or "
				  "nvmlDeviceGetCount_v2",
				  name);
	}
	if ((r = n.init()) != 0) {
		rc = ml_err_set(err, ML_EIO, "NVML init failed: %s",
				n.error_string ? n.error_string(r) : "error");
		dlclose(n.lib);
		return rc;
	}
	out->gpus = json_array();
	out->kind = "nvml";
	rc = read_all(&n, out, err);
	n.shutdown();
	dlclose(n.lib);
	if (rc)
		gpu_read_free(out);
	return rc;
}
