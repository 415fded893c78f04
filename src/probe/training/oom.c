/* oom.c: the `oom` probe: reads a log (file or stdin) with PyTorch CUDA
 * out-of-memory messages and memory_summary() tables, and says why the
 * memory ran out and what to change. Parsing is in oom_parse.c and
 * oom_summary.c, the rules in oom_diag.c. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/training/oom.h"
#include "probe/probe.h"

static int read_input(const char *from, struct buf *b, struct ml_err *err)
{
	int rc;

	if (!strcmp(from, "-"))
		rc = buf_read_fd(b, STDIN_FILENO, OOM_MAX_LOG_BYTES);
	else
		rc = buf_read_file(b, from, OOM_MAX_LOG_BYTES);
	if (rc == 0)
		return 0;
	if (errno == EFBIG)
		return ml_err_set(err, ML_EINPUT,
				  "%s: larger than %zu MiB; pass the tail of "
				  "the log (tail -c 100M %s | mloncall check "
				  "oom --from -)",
				  from, OOM_MAX_LOG_BYTES >> 20, from);
	return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
			  "%s: %s", from, strerror(errno));
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", "-");
	long long batch = jget_int(ctx->args, "batch_size", 0);
	struct oom_report r = {0};
	struct buf b = BUF_INIT;
	int rc;

	*facts = NULL;
	if (json_object_get(ctx->args, "batch_size") && batch <= 0)
		return ml_err_set(err, ML_EUSAGE,
				  "probe oom: `batch_size` must be at least 1");
	if ((rc = read_input(from, &b, err)) != 0)
		return rc;
	oom_parse(b.data ? b.data : "", b.len, &r);
	buf_free(&b);
	*facts = oom_facts(&r, batch, !strcmp(from, "-") ? "stdin" : from);
	oom_report_free(&r);
	return 0;
}

static void gib(struct buf *out, const json_t *f, const char *label,
		const char *key)
{
	const json_t *v = json_object_get(f, key);

	if (json_is_number(v))
		buf_printf(out, "  %-28s %9.2f GiB\n", label,
			   json_number_value(v));
}

static void render(const json_t *f, struct buf *out)
{
	const json_t *fr = json_object_get(f, "frame"), *v;
	size_t i;

	buf_printf(out, "oom: %s\n", jget_str(f, "verdict", "unknown"));
	json_array_foreach(json_object_get(f, "reasons"), i, v)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(v, "level", "?"),
		       jget_str(v, "code", "?"), jget_str(v, "message", ""));
	if (jget_int(f, "oom_count", 0) > 0) {
		buf_printf(out, "\nLast OOM (line %lld, %s form, GPU %lld):\n",
			   jget_int(f, "line", 0), jget_str(f, "form", "?"),
			   jget_int(f, "gpu", -1));
		if (json_is_object(fr))
			buf_printf(out, "  %-28s %s:%lld in %s\n", "where",
				   jget_str(fr, "file", "?"),
				   jget_int(fr, "line", 0),
				   jget_str(fr, "function", "?"));
	}
	gib(out, f, "requested", "requested_gib");
	gib(out, f, "capacity", "capacity_gib");
	gib(out, f, "free", "free_gib");
	gib(out, f, "allocated by PyTorch", "allocated_gib");
	gib(out, f, "reserved by PyTorch", "reserved_gib");
	gib(out, f, "reserved but unallocated", "reserved_unallocated_gib");
	gib(out, f, "this process (all)", "process_gib");
	gib(out, f, "non-PyTorch (this process)", "non_pytorch_gib");
	gib(out, f, "other processes", "other_processes_gib");
	json_array_foreach(json_object_get(f, "processes"), i, v)
	    buf_printf(out, "    process %-18lld %9.2f GiB\n",
		       jget_int(v, "pid", 0), jget_num(v, "bytes_gib", 0));
	if (jget_int(f, "summary_count", 0))
		buf_printf(out, "  %-28s %9lld\n", "memory summaries",
			   jget_int(f, "summary_count", 0));
	if (json_is_object(fr = json_object_get(f, "batch")))
		buf_printf(out,
			   "  %-28s %lld -> %lld x %lld accumulation steps "
			   "(effective %lld)\n",
			   "batch size", jget_int(fr, "current", 0),
			   jget_int(fr, "suggested", 0),
			   jget_int(fr, "grad_accum_steps", 0),
			   jget_int(fr, "effective", 0));
	if (!json_is_null(json_object_get(f, "cause")))
		buf_printf(out, "\nCause: %s\n", jget_str(f, "cause", "?"));
	json_array_foreach(json_object_get(f, "suggestions"), i, v) buf_printf(
	    out, "%s  - %s\n", i ? "" : "Suggestions:\n", json_string_value(v));
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH, "log file with the OOM message, or - for stdin", NULL, 0,
     1},
    {"batch_size", PO_INT,
     "batch size of the failed run, to suggest a smaller one", NULL, 0, 0},
    {0}};

const struct probe_def probe_oom = {
    .name = "oom",
    .summary = "why a PyTorch job ran out of CUDA memory, from its log",
    .help = "Reads PyTorch CUDA out-of-memory messages (current and legacy\n"
	    "form) and torch.cuda.memory_summary() tables from a log, and\n"
	    "names the cause: another process, fragmentation, a leak across\n"
	    "summaries, or a batch too large (with a smaller batch size and\n"
	    "gradient-accumulation steps that keep the effective batch).\n"
	    "Rules and the facts' schema: docs/probes/oom.md.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check oom --from train.log\n"
	    "  kubectl logs job/train | mloncall check oom --from - "
	    "--batch_size 64\n"
	    "  mloncall check oom --from train.log -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
