/* dcgm.c: the `dcgm` probe: NVIDIA DCGM active diagnostics (`dcgmi diag
 * -r 1..4`, text or -j JSON) and health checks (`dcgmi health -c`), run
 * live or read from a file or stdin, as facts: level, every test with its
 * per-GPU results and messages, the failed and warned tests with their
 * GPUs, and the overall result. Verdict failed on any Fail, degraded on
 * any Warn. Schema: docs/probes/dcgm.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "probe/gpu/dcgm.h"
#include "probe/probe.h"

/* Largest report read (file, stdin or dcgmi output). */
#define DCGM_MAX_INPUT (64u * 1024 * 1024)

static int check_gpus(const char *gpus, struct ml_err *err)
{
	size_t n = gpus ? strlen(gpus) : 0;

	if (!gpus)
		return 0;
	if (!n || n > 200 || strspn(gpus, "0123456789,") != n ||
	    gpus[0] == ',' || gpus[n - 1] == ',' || strstr(gpus, ",,"))
		return ml_err_set(err, ML_EUSAGE,
				  "--gpus must be GPU ids separated by commas "
				  "(0,1,3), not `%.40s`",
				  gpus);
	return 0;
}

/* Runs dcgmi; its output (a report even when dcgmi exits non-zero, as it
 * does when a test fails) goes to out. */
static int run_dcgmi(const char *const *argv, long long timeout_ms,
		     volatile sig_atomic_t *cancel, struct buf *out,
		     struct ml_err *err)
{
	struct proc_opts o = {0};
	struct proc_result r;
	char how[64];

	if (!proc_have("dcgmi"))
		return ml_err_set(
		    err, ML_ENOTFOUND,
		    "dcgmi not found on PATH: install DCGM "
		    "(datacenter-gpu-manager), start nv-hostengine, or pass "
		    "--from FILE with saved `dcgmi diag` output");
	o.argv = argv;
	o.timeout_ms = timeout_ms;
	o.cap = DCGM_MAX_INPUT;
	o.merge_stderr = 1;
	o.cancel = cancel;
	if (proc_run(&o, &r, err) != 0)
		return err->code;
	if (r.timed_out || r.signaled || r.cancelled) {
		proc_describe(&r, &o, how, sizeof(how));
		proc_result_free(&r);
		return ml_err_set(err, ML_ETIMEOUT, "dcgmi %s: %s", argv[1],
				  how);
	}
	buf_add(out, buf_str(&r.out), r.out.len);
	proc_result_free(&r);
	return 0;
}

static int read_live(const struct probe_ctx *ctx, long long level,
		     const char *mode, struct buf *b, struct ml_err *err)
{
	const char *gpus = jget_str(ctx->args, "gpus", NULL);
	long long tmo = jget_int(ctx->args, "timeout", 3600000);
	char lv[8];
	const char *diag[] = {"dcgmi", "diag", "-r", lv, "-i", gpus, NULL};
	const char *health[] = {"dcgmi", "health", "-c", NULL};

	snprintf(lv, sizeof(lv), "%lld", level);
	if (!gpus)
		diag[4] = NULL;
	return run_dcgmi(strcmp(mode, "health") ? diag : health, tmo,
			 ctx->cancel, b, err);
}

static int read_from(const char *from, struct buf *b, struct ml_err *err)
{
	if (!strcmp(from, "-")) {
		if (buf_read_fd(b, 0, DCGM_MAX_INPUT) != 0)
			return ml_err_set(err,
					  errno == EFBIG ? ML_EINPUT : ML_EIO,
					  "cannot read stdin: %s",
					  errno == EFBIG ? "input too large"
							 : strerror(errno));
		return 0;
	}
	if (buf_read_file(b, from, DCGM_MAX_INPUT) != 0)
		return ml_err_set(err,
				  errno == ENOENT  ? ML_ENOTFOUND
				  : errno == EFBIG ? ML_EINPUT
						   : ML_EIO,
				  "cannot read %s: %s", from,
				  errno == EFBIG
				      ? "file too large (64 MiB at most)"
				      : strerror(errno));
	return 0;
}

/* Dry run of a live level 2+ diagnostic: stress tests are not run. */
static json_t *dry_facts(long long level)
{
	json_t *f = probe_facts_new("dcgm");

	jset_str(f, "kind", "diag");
	jset_int(f, "level", level);
	probe_reason(f, PV_UNKNOWN, "dry-run",
		     "dry run: would run `dcgmi diag -r %lld`, which loads the "
		     "GPUs for minutes; not run",
		     level);
	return f;
}

static int check_args(const char *mode, long long level, const char *gpus,
		      struct ml_err *err)
{
	if (strcmp(mode, "diag") && strcmp(mode, "health"))
		return ml_err_set(err, ML_EUSAGE,
				  "--mode must be diag or health, not `%.40s`",
				  mode);
	if (level < 1 || level > 4)
		return ml_err_set(err, ML_EUSAGE,
				  "--level must be 1, 2, 3 or 4 (dcgmi diag "
				  "-r), not %lld",
				  level);
	return check_gpus(gpus, err);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", NULL);
	const char *mode = jget_str(ctx->args, "mode", "diag");
	int has_level = json_is_integer(json_object_get(ctx->args, "level"));
	long long level = jget_int(ctx->args, "level", 1);
	struct dcgm_report r;
	struct buf b = BUF_INIT;
	json_t *src = json_object();
	int rc;

	*facts = NULL;
	if ((rc = check_args(mode, level, jget_str(ctx->args, "gpus", NULL),
			     err)) != 0) {
		json_decref(src);
		return rc;
	}
	if (!from && ctx->dry_run && !strcmp(mode, "diag") && level > 1) {
		json_decref(src);
		*facts = dry_facts(level);
		return 0;
	}
	rc = from ? read_from(from, &b, err)
		  : read_live(ctx, level, mode, &b, err);
	dcgm_report_init(&r);
	if (rc == 0)
		rc = dcgm_parse(&r, buf_str(&b), b.len,
				from ? (strcmp(from, "-") ? from : "stdin")
				     : "dcgmi output",
				err);
	buf_free(&b);
	if (rc) {
		json_decref(src);
		dcgm_report_free(&r);
		return rc;
	}
	if (has_level || (!from && !strcmp(mode, "diag")))
		jset_int(r.facts, "level", level);
	jset_str(src, "kind",
		 !from		     ? "live"
		 : strcmp(from, "-") ? "file"
				     : "stdin");
	jset_str(src, "from", from);
	json_object_set_new(r.facts, "source", src);
	dcgm_report_finish(&r);
	*facts = r.facts;
	r.facts = NULL;
	return 0;
}

static void render_gpus(const json_t *t, struct buf *out)
{
	static const char *const order[] = {"fail", "warn", "skip", "pass"};
	const json_t *g = json_object_get(t, "gpus"), *v;
	const char *all = jget_str(t, "all_gpus", NULL);
	int first = 1;
	size_t i;

	if (all) {
		buf_printf(out, "%s: all", all);
		first = 0;
	}
	for (int k = 0; k < 4; k++) {
		const json_t *a = json_object_get(g, order[k]);
		if (!json_array_size(a))
			continue;
		buf_printf(out, "%s%s:", first ? "" : "; ", order[k]);
		json_array_foreach(a, i, v) buf_printf(
		    out, "%s%lld", i ? "," : " ", json_integer_value(v));
		first = 0;
	}
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *c = json_object_get(facts, "counts"), *r, *t;
	int health = !strcmp(jget_str(facts, "kind", ""), "health");
	char lv[24] = "?";
	size_t i;

	if (json_is_integer(json_object_get(facts, "level")))
		snprintf(lv, sizeof(lv), "%lld", jget_int(facts, "level", 0));
	buf_printf(out, "dcgm: %s: ", jget_str(facts, "verdict", "unknown"));
	if (health)
		buf_printf(out, "health check, overall %s",
			   jget_str(facts, "overall_health", "unknown"));
	else
		buf_printf(out,
			   "diag level %s%s, result %s: %lld fail, %lld "
			   "warn, %lld pass, %lld skip",
			   lv,
			   jget_bool(facts, "level_inferred", 0) ? " (inferred)"
								 : "",
			   jget_str(facts, "result", "none"),
			   jget_int(c, "fail", 0), jget_int(c, "warn", 0),
			   jget_int(c, "pass", 0), jget_int(c, "skip", 0));
	if (jget_str(facts, "dcgm_version", NULL))
		buf_printf(out, "; DCGM %s",
			   jget_str(facts, "dcgm_version", ""));
	if (jget_str(facts, "driver_version", NULL))
		buf_printf(out, ", driver %s",
			   jget_str(facts, "driver_version", ""));
	buf_puts(out, "\n");
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
	if (json_array_size(json_object_get(facts, "tests")))
		buf_printf(out, "  %-12s %-26s %-6s %s\n", "CATEGORY", "TEST",
			   "RESULT", "GPUS");
	json_array_foreach(json_object_get(facts, "tests"), i, t)
	{
		buf_printf(
		    out, "  %-12s %-26s %-6s ", jget_str(t, "category", "?"),
		    jget_str(t, "name", "?"), jget_str(t, "result", "?"));
		render_gpus(t, out);
		buf_puts(out, "\n");
	}
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH,
     "saved `dcgmi diag` (text or -j JSON) or `dcgmi health -c` output; "
     "- reads stdin",
     NULL, 0, 0},
    {"mode", PO_STRING,
     "live: diag (dcgmi diag -r LEVEL) or health "
     "(dcgmi health -c)",
     "diag", 0, 0},
    {"level", PO_INT,
     "diagnostic level 1-4 (live: run it, default 1; with --from: "
     "record it instead of inferring it)",
     NULL, 0, 0},
    {"gpus", PO_STRING, "live: only these GPU ids (dcgmi diag -i 0,1)", NULL, 0,
     0},
    {"timeout", PO_DURATION, "live: kill dcgmi after this long", "60m", 0, 0},
    {0}};

const struct probe_def probe_dcgm = {
    .name = "dcgm",
    .summary = "NVIDIA DCGM diagnostics (dcgmi diag) and health checks "
	       "(dcgmi health -c) as per-test, per-GPU results",
    .help =
	"Reads the report of DCGM's active diagnostic (`dcgmi diag -r\n"
	"1|2|3|4`, the boxed text table or `-j` JSON) or of a health check\n"
	"(`dcgmi health -c`): every test with its result per GPU (Pass,\n"
	"Fail, Warn, Skip) and its Error/Warning/Info messages, the failed\n"
	"and warned tests with their GPUs, and the overall result. Without\n"
	"--from it runs dcgmi itself (DCGM installed, nv-hostengine\n"
	"running); levels 2-4 load the GPUs for minutes, so drain the node\n"
	"first, and a --dry-run does not run them.\n"
	"\n"
	"Verdict: failed on any Fail (or health Failure), degraded on any\n"
	"Warn (health Warning), unknown when every test was skipped or\n"
	"dcgmi could not complete. A skip is never a pass.\n"
	"\n"
	"Examples:\n"
	"  mloncall check dcgm --level 1\n"
	"  sudo mloncall check dcgm --level 3 --gpus 0,3 -o json\n"
	"  mloncall check dcgm --mode health\n"
	"  dcgmi diag -r 2 | mloncall check dcgm --from -\n"
	"  mloncall check dcgm --from diag-r3.json --level 3\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
