/* gpu.c: the `gpu` probe: per-GPU state (memory, utilisation, power,
 * temperature, clocks event reasons, ECC, remapped rows, MIG, processes)
 * from NVML, nvidia-smi, or a recorded nvidia-smi CSV / XML file; verdict
 * rules with configurable thresholds; --watch sampling of utilisation.
 * Facts schema: docs/probes/gpu.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"
#include "probe/probe.h"

/* Largest input file accepted (a 1000-GPU -q -x XML is about 30 MB). */
#define GPU_MAX_INPUT (256u * 1024 * 1024)
/* Most samples one --watch run takes. */
#define GPU_MAX_SAMPLES 100000

/* What one run reads, kept across --watch samples. */
struct gpu_src {
	const char *from;   /* file, "-" or NULL for live */
	const char *apps;   /* compute-apps CSV or NULL */
	const char *source; /* auto | nvml | smi */
	struct buf stdin_text;
	int stdin_read;
};

static int read_input(struct gpu_src *s, const char *path, struct buf *b,
		      struct ml_err *err)
{
	if (!strcmp(path, "-")) {
		if (!s->stdin_read &&
		    buf_read_fd(&s->stdin_text, 0, GPU_MAX_INPUT) != 0)
			return ml_err_set(err, ML_EIO, "cannot read stdin: %s",
					  strerror(errno));
		s->stdin_read = 1;
		buf_add(b, buf_str(&s->stdin_text), s->stdin_text.len);
		return 0;
	}
	if (buf_read_file(b, path, GPU_MAX_INPUT) != 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "cannot read %s: %s", path,
				  errno == EFBIG ? "file too large"
						 : strerror(errno));
	return 0;
}

/* XML when the first non-blank byte (after a BOM) is '<'. */
static int looks_xml(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)buf_str(b);
	size_t i = 0;

	if (b->len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < b->len &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < b->len && p[i] == '<';
}

static int read_file_source(struct gpu_src *s, struct gpu_read *r,
			    struct ml_err *err)
{
	struct buf b = BUF_INIT;
	const char *name = strcmp(s->from, "-") ? s->from : "<stdin>";
	int rc;

	if ((rc = read_input(s, s->from, &b, err)) != 0)
		return rc;
	if (looks_xml(&b))
		rc = gpu_xml_parse(buf_str(&b), b.len, name, r, err);
	else
		rc = gpu_csv_parse(buf_str(&b), b.len, name, NULL, r, err);
	buf_reset(&b);
	if (!rc && s->apps) {
		if ((rc = read_input(s, s->apps, &b, err)) == 0)
			rc = gpu_csv_apps(buf_str(&b), b.len, s->apps, NULL,
					  r->gpus, err);
		if (rc)
			gpu_read_free(r);
	}
	buf_free(&b);
	return rc;
}

static int read_live(const struct gpu_src *s, struct gpu_read *r,
		     struct ml_err *err)
{
	struct ml_err nvml_err = {0};
	int rc;

	if (!strcmp(s->source, "smi")) {
		if (!proc_have("nvidia-smi"))
			return ml_err_set(
			    err, ML_ENOTFOUND,
			    "no NVIDIA GPU: nvidia-smi not on PATH");
		return gpu_smi_read(r, err);
	}
	rc = gpu_nvml_read(r, &nvml_err);
	if (rc == 0 || rc != ML_ENOTFOUND || !strcmp(s->source, "nvml")) {
		if (rc)
			*err = nvml_err;
		if (rc == ML_ENOTFOUND)
			ml_err_prefix(err, "no NVIDIA GPU: NVML not found");
		return rc;
	}
	if (!proc_have("nvidia-smi"))
		return ml_err_set(
		    err, ML_ENOTFOUND,
		    "no NVIDIA GPU: NVML not found and nvidia-smi "
		    "not on PATH (%s)",
		    nvml_err.msg);
	return gpu_smi_read(r, err);
}

/* A live source that exists but answers with an error (driver not
 * loaded, GPU lost, nvidia-smi hung) is a finding about the node, not a
 * failure of the probe: no GPU records and one problem. */
static int unreachable(struct gpu_read *r, const char *kind, const char *msg)
{
	gpu_read_free(r);
	r->gpus = json_array();
	r->kind = kind;
	r->problems = json_array();
	json_array_append_new(r->problems, json_string(msg));
	return 0;
}

static int read_once(struct gpu_src *s, struct gpu_read *r, struct ml_err *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (s->from)
		return read_file_source(s, r, err);
	rc = read_live(s, r, err);
	if (rc == ML_EIO || rc == ML_ETIMEOUT)
		return unreachable(r, strstr(err->msg, "NVML") ? "nvml" : "smi",
				   err->msg);
	return rc;
}

/* Per-GPU utilisation statistics over the samples. */
struct util_acc {
	double min, max, sum;
	long n;
};

static void accumulate(struct util_acc **acc, size_t *nacc, const json_t *gpus)
{
	size_t n = json_array_size(gpus);

	if (n > *nacc) {
		*acc = xrealloc(*acc, n * sizeof(**acc));
		for (size_t i = *nacc; i < n; i++)
			(*acc)[i] =
			    (struct util_acc){INFINITY, -INFINITY, 0, 0};
		*nacc = n;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *v =
		    json_object_get(json_array_get(gpus, i), "util_gpu_pct");
		struct util_acc *a = &(*acc)[i];
		double d;

		if (!json_is_number(v))
			continue;
		d = json_number_value(v);
		a->min = fmin(a->min, d);
		a->max = fmax(a->max, d);
		a->sum += d;
		a->n++;
	}
}

static int sleep_ms(int64_t ms, volatile sig_atomic_t *cancel)
{
	while (ms > 0) {
		int64_t step = ms > 100 ? 100 : ms;
		struct timespec ts = {(time_t)(step / 1000),
				      (long)(step % 1000) * 1000000L};
		if (cancel && *cancel)
			return -1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return cancel && *cancel ? -1 : 0;
}

/* Adds util_watch to each GPU and the top-level watch summary. */
static void add_watch(json_t *facts, json_t *gpus, const struct util_acc *acc,
		      size_t nacc, long samples, int64_t interval_ms,
		      const struct gpu_thresholds *t)
{
	double lo = INFINITY, hi = -INFINITY, sum = 0;
	long n = 0;
	const char *interp = "unknown";
	json_t *w = json_object();

	for (size_t i = 0; i < json_array_size(gpus) && i < nacc; i++) {
		json_t *u = json_object();
		if (acc[i].n) {
			gpu_set_num(u, "min", acc[i].min);
			gpu_set_num(u, "mean", acc[i].sum / acc[i].n);
			gpu_set_num(u, "max", acc[i].max);
			lo = fmin(lo, acc[i].min);
			hi = fmax(hi, acc[i].max);
			sum += acc[i].sum / acc[i].n;
			n++;
		}
		jset_int(u, "samples", acc[i].n);
		json_object_set_new(json_array_get(gpus, i), "util_watch", u);
	}
	jset_int(w, "samples", samples);
	jset_int(w, "interval_ms", interval_ms);
	if (n) {
		double mean = sum / n;
		gpu_set_num(w, "util_min", lo);
		gpu_set_num(w, "util_mean", mean);
		gpu_set_num(w, "util_max", hi);
		interp = mean >= t->util_high_pct  ? "flood"
			 : mean <= t->util_low_pct ? "starved"
						   : "steady";
		if (!strcmp(interp, "flood"))
			probe_reason(
			    facts, PV_HEALTHY, "util-flood",
			    "mean GPU utilisation %.0f%% >= %.0f%%: the "
			    "GPUs are saturated (request flood or compute "
			    "bound); scale out or shed load",
			    mean, t->util_high_pct);
		else if (!strcmp(interp, "starved"))
			probe_reason(
			    facts, PV_HEALTHY, "util-starved",
			    "mean GPU utilisation %.0f%% <= %.0f%%: the "
			    "GPUs wait for input (data loading or "
			    "synchronous preprocessing on the CPU)",
			    mean, t->util_low_pct);
	} else {
		json_object_set_new(w, "util_min", json_null());
		json_object_set_new(w, "util_mean", json_null());
		json_object_set_new(w, "util_max", json_null());
	}
	jset_str(w, "interpretation", interp);
	json_object_set_new(facts, "watch", w);
}

static json_t *make_facts(struct gpu_read *r, const struct gpu_src *s,
			  const struct gpu_thresholds *t)
{
	json_t *facts = probe_facts_new("gpu"), *src = json_object(), *p;
	size_t i;

	json_array_foreach(r->problems, i, p)
	    probe_reason(facts, PV_FAILED, "gpu-unreachable",
			 "%s: drain the node, read the kernel log (mloncall "
			 "check xid), then reset the GPU or reboot",
			 json_string_value(p));
	gpu_judge(facts, r->gpus, t);
	jset_str(src, "kind", r->kind);
	jset_str(src, "from", s->from);
	if (r->ignored && json_array_size(r->ignored))
		json_object_set(src, "ignored_columns", r->ignored);
	json_object_set_new(facts, "source", src);
	jset_str(facts, "driver_version", r->driver);
	return facts;
}

/* Reads the options into s, t, count and interval. */
static int get_opts(const json_t *args, struct gpu_src *s,
		    struct gpu_thresholds *t, long *count, int64_t *interval,
		    struct ml_err *err)
{
	const char *th = jget_str(args, "thresholds", NULL);
	int have_watch = json_is_integer(json_object_get(args, "watch"));
	int rc;

	s->from = jget_str(args, "from", NULL);
	s->apps = jget_str(args, "apps", NULL);
	s->source = jget_str(args, "source", "auto");
	if (strcmp(s->source, "auto") && strcmp(s->source, "nvml") &&
	    strcmp(s->source, "smi"))
		return ml_err_set(
		    err, ML_EUSAGE,
		    "--source must be auto, nvml or smi, not `%s`", s->source);
	if (s->from && strcmp(s->source, "auto"))
		return ml_err_set(err, ML_EUSAGE,
				  "--source applies to live mode; --from reads "
				  "the file it names");
	if (s->apps && !s->from)
		return ml_err_set(
		    err, ML_EUSAGE,
		    "--apps goes with --from (a --query-gpu CSV)");
	gpu_thresholds_default(t);
	if (th && (rc = gpu_thresholds_load(th, t, err)) != 0)
		return rc;
	*interval = have_watch ? jget_int(args, "watch", 1000) : 1000;
	*count = jget_int(args, "count", have_watch ? 5 : 1);
	if (*count < 1 || *count > GPU_MAX_SAMPLES)
		return ml_err_set(err, ML_EUSAGE, "--count must be 1 to %d",
				  GPU_MAX_SAMPLES);
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	struct gpu_src s = {0};
	struct gpu_thresholds t;
	struct gpu_read r = {0};
	struct util_acc *acc = NULL;
	size_t nacc = 0;
	long count = 1, i;
	int64_t interval = 1000;
	int rc, sampled;

	*facts = NULL;
	if ((rc = get_opts(ctx->args, &s, &t, &count, &interval, err)) != 0)
		return rc;
	sampled = count > 1 || json_object_get(ctx->args, "watch");
	for (i = 0; i < count; i++) {
		if (i > 0 && sleep_ms(interval, ctx->cancel) != 0)
			break;
		gpu_read_free(&r);
		if ((rc = read_once(&s, &r, err)) != 0)
			break;
		accumulate(&acc, &nacc, r.gpus);
		if (ctx->progress && sampled && count > 1)
			fprintf(ctx->progress, "gpu: sample %ld/%ld\n", i + 1,
				count);
	}
	if (!rc) {
		*facts = make_facts(&r, &s, &t);
		if (sampled)
			add_watch(*facts, r.gpus, acc, nacc, i, interval, &t);
		json_object_set(*facts, "gpus", r.gpus);
	}
	gpu_read_free(&r);
	buf_free(&s.stdin_text);
	free(acc);
	return rc;
}

/* A number or "-" into out. */
static const char *fmt(const json_t *o, const char *k, char *out, size_t n)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_number(v))
		return "-";
	snprintf(out, n, "%g", json_number_value(v));
	return out;
}

static void render_gpu(const json_t *g, struct buf *out)
{
	char x[10][32];
	const json_t *rs = json_object_get(g, "clocks_event_reasons"), *v;
	size_t i;

	buf_printf(
	    out, "  %-3s %-24.24s %-17.17s %7s/%-7s %6s %5s %5s %6s/%-6s %6s  ",
	    fmt(g, "index", x[0], 32), jget_str(g, "name", "-"),
	    jget_str(g, "bus_id", "-"), fmt(g, "memory_used_mib", x[1], 32),
	    fmt(g, "memory_total_mib", x[2], 32),
	    fmt(g, "memory_used_pct", x[3], 32),
	    fmt(g, "util_gpu_pct", x[4], 32), fmt(g, "temp_c", x[5], 32),
	    fmt(g, "power_draw_w", x[6], 32), fmt(g, "power_limit_w", x[7], 32),
	    fmt(g, "clock_sm_mhz", x[8], 32));
	if (json_array_size(rs) == 0)
		buf_puts(out, "-");
	json_array_foreach((json_t *)rs, i, v)
	    buf_printf(out, "%s%s", i ? "," : "", json_string_value(v));
	buf_putc(out, '\n');
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *gpus = json_object_get(facts, "gpus"), *g, *p, *w;
	const json_t *src = json_object_get(facts, "source");
	size_t i, j;
	char a[32], b[32], c[32];

	buf_printf(out, "gpu: %s: %lld GPU(s) from %s%s%s, driver %s\n",
		   jget_str(facts, "verdict", "unknown"),
		   jget_int(facts, "count", 0), jget_str(src, "kind", "?"),
		   jget_str(src, "from", NULL) ? " " : "",
		   jget_str(src, "from", ""),
		   jget_str(facts, "driver_version", "unknown"));
	json_array_foreach(json_object_get(facts, "reasons"), i, p)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(p, "level", "?"),
		       jget_str(p, "code", "?"), jget_str(p, "message", ""));
	if (json_array_size(gpus))
		buf_printf(out,
			   "  %-3s %-24s %-17s %15s %6s %5s %5s %13s %6s  %s\n",
			   "GPU", "NAME", "BUS ID", "MEMORY MiB", "MEM%",
			   "UTIL", "TEMP", "POWER W", "SM MHz", "CLOCK EVENTS");
	json_array_foreach((json_t *)gpus, i, g) render_gpu(g, out);
	json_array_foreach((json_t *)gpus, i, g)
	    json_array_foreach(json_object_get(g, "processes"), j, p)
		buf_printf(out, "  process: GPU %s pid %s %s %s MiB\n",
			   fmt(g, "index", a, sizeof(a)),
			   fmt(p, "pid", b, sizeof(b)),
			   jget_str(p, "name", "?"),
			   fmt(p, "used_memory_mib", c, sizeof(c)));
	w = json_object_get(facts, "watch");
	if (w)
		buf_printf(
		    out,
		    "  watch: %lld samples every %lldms: util min %s "
		    "mean %s max %s: %s\n",
		    jget_int(w, "samples", 0), jget_int(w, "interval_ms", 0),
		    fmt(w, "util_min", a, 32), fmt(w, "util_mean", b, 32),
		    fmt(w, "util_max", c, 32),
		    jget_str(w, "interpretation", "?"));
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH,
     "recorded nvidia-smi output: --query-gpu CSV with header, or -q -x "
     "XML (detected); - reads stdin",
     NULL, 0, 0},
    {"apps", PO_PATH,
     "nvidia-smi --query-compute-apps CSV (with header) to add processes "
     "to a --from CSV",
     NULL, 0, 0},
    {"source", PO_STRING,
     "live source: auto (NVML, else nvidia-smi), nvml "
     "or smi",
     "auto", 0, 0},
    {"watch", PO_DURATION,
     "sample every DURATION and report utilisation min/mean/max", NULL, 0, 0},
    {"count", PO_INT, "number of samples (default 5 with --watch)", NULL, 0, 0},
    {"thresholds", PO_PATH,
     "YAML or JSON file overriding verdict thresholds (memory_pct, temp_c, "
     "...)",
     NULL, 0, 0},
    {0}};

const struct probe_def probe_gpu = {
    .name = "gpu",
    .summary = "GPU health: memory, utilisation, ECC, remapped rows, "
	       "clock slowdowns (NVML / nvidia-smi / file)",
    .help =
	"Reads every NVIDIA GPU through NVML (libnvidia-ml.so.1, loaded\n"
	"at run time), else `nvidia-smi --query-gpu`, or a recorded file.\n"
	"Without a GPU, live mode fails with exit 2: \"no NVIDIA GPU: NVML\n"
	"not found and nvidia-smi not on PATH\".\n"
	"\n"
	"Verdict rules (thresholds in docs/probes/gpu.md): uncorrected ECC\n"
	"or a remapped-row failure: failed (drain + RMA); pending remap or\n"
	"page retirement (reset), memory > 95%, thermal/HW slowdown, power\n"
	"cap with low clocks, temperature > 85 C, persistence off: degraded.\n"
	"\n"
	"Examples:\n"
	"  mloncall check gpu\n"
	"  mloncall check gpu --from nvidia-smi-q.xml -o json\n"
	"  nvidia-smi --query-gpu=index,uuid,memory.used,memory.total \\\n"
	"      --format=csv | mloncall check gpu --from -\n"
	"  mloncall check gpu --watch 1s --count 10\n"
	"  mloncall check gpu --thresholds gpu-thresholds.yaml\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
