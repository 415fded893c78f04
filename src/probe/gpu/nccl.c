/* nccl.c: the `nccl` probe: results of an nccl-tests benchmark
 * (all_reduce_perf and siblings): bus bandwidth per message size, average
 * and at the largest size, wrong results, NCCL failures, and whether the
 * run finished or stopped mid-table (a hang). Facts schema:
 * docs/probes/nccl.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "probe/gpu/nccl.h"
#include "probe/probe.h"
#include "probe/toolio.h"

/* Sizes of the sweep the parameter line announces, or -1 when unknown. */
static long expected_rows(const json_t *p)
{
	long long lo = jget_int(p, "minBytes", -1),
		  hi = jget_int(p, "maxBytes", -1);
	long long step = jget_int(p, "step", -1);
	const char *kind = jget_str(p, "step_kind", "");
	long n = 0;

	if (lo < 0 || hi < lo || step < 1)
		return -1;
	if (!strcmp(kind, "factor")) {
		if (step < 2 || lo == 0)
			return lo == hi ? 1 : -1;
		for (long double v = (long double)lo; v <= hi && n < 100000;
		     v *= step)
			n++;
		return n;
	}
	return (long)((hi - lo) / step + 1);
}

/* The better busbw of the out-of-place and in-place halves, or -1. */
static double row_busbw(const json_t *r)
{
	double a = jget_num(json_object_get(r, "oop"), "busbw_gbs", -1);
	double b = jget_num(json_object_get(r, "ip"), "busbw_gbs", -1);
	return a > b ? a : b;
}

static long long row_wrong(const json_t *r)
{
	double w = jget_num(json_object_get(r, "oop"), "wrong", 0) +
		   jget_num(json_object_get(r, "ip"), "wrong", 0);
	return w > 1e15 ? (long long)1e15 : w < 0 ? 0 : (long long)w;
}

/* Sizes, bandwidths and wrong counts over the complete rows. */
static void row_facts(json_t *facts, const struct nccl_data *d, double expect)
{
	const json_t *r, *maxr = NULL;
	double peak = -1;
	long long wrong = 0;
	size_t i, complete = 0;

	json_array_foreach(d->rows, i, r)
	{
		if ((long)jget_int(r, "line", 0) == d->partial_row)
			continue;
		complete++;
		wrong += row_wrong(r);
		if (row_busbw(r) > peak)
			peak = row_busbw(r);
		if (!maxr || jget_int(r, "size_bytes", 0) >=
				 jget_int(maxr, "size_bytes", 0))
			maxr = r;
	}
	jset_int(facts, "rows_count", (long long)complete);
	if (maxr) {
		jset_int(facts, "max_size_bytes",
			 jget_int(maxr, "size_bytes", 0));
		jset_real(facts, "max_size_busbw_gbs", row_busbw(maxr));
		jset_real(facts, "peak_busbw_gbs", peak);
	} else {
		json_object_set_new(facts, "max_size_bytes", json_null());
		json_object_set_new(facts, "max_size_busbw_gbs", json_null());
		json_object_set_new(facts, "peak_busbw_gbs", json_null());
	}
	jset_int(facts, "wrong_total", wrong);
	if (wrong > 0)
		probe_reason(facts, PV_FAILED, "wrong-results",
			     "%lld wrong result(s): the collective corrupted "
			     "data (bad GPU, NVLink or NIC)",
			     wrong);
	if (expect > 0 && maxr && row_busbw(maxr) < expect)
		probe_reason(facts, PV_DEGRADED, "busbw-low",
			     "bus bandwidth %.2f GB/s at %lld bytes, below the "
			     "expected %.2f GB/s",
			     row_busbw(maxr), jget_int(maxr, "size_bytes", 0),
			     expect);
}

/* complete / last size / hang reasons. */
static void progress_facts(json_t *facts, const struct nccl_data *d)
{
	const json_t *last =
	    json_array_get(d->rows, json_array_size(d->rows) - 1);
	long exp = expected_rows(d->params);
	int complete = d->avg_busbw >= 0;
	char buf_n[32];

	snprintf(buf_n, sizeof(buf_n), "%ld", exp);

	jset_bool(facts, "complete", complete);
	if (last)
		jset_int(facts, "last_size_bytes",
			 jget_int(last, "size_bytes", 0));
	else
		json_object_set_new(facts, "last_size_bytes", json_null());
	if (exp >= 0)
		jset_int(facts, "expected_rows", exp);
	else
		json_object_set_new(facts, "expected_rows", json_null());
	if (complete)
		return;
	if (!last)
		probe_reason(facts, PV_FAILED, "no-results",
			     "the benchmark stopped before its first result "
			     "(hang in NCCL init or bootstrap: check "
			     "NCCL_DEBUG=INFO output, NCCL_SOCKET_IFNAME, "
			     "firewalls)");
	else
		probe_reason(facts, PV_FAILED, "incomplete",
			     "the output stops at %lld bytes without the final "
			     "average (%zu size(s) done%s%s): the run hung or "
			     "was killed there",
			     jget_int(last, "size_bytes", 0),
			     json_array_size(d->rows) - (d->partial_row != 0),
			     exp >= 0 ? " of " : "", exp >= 0 ? buf_n : "");
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", "-");
	double expect = jget_num(ctx->args, "expect-busbw", 0);
	struct nccl_data d = {0};
	struct buf b = BUF_INIT;
	json_t *f, *hosts = json_array(), *r;
	int rc = toolio_read(from, &b, err);
	size_t i;

	*facts = NULL;
	if (rc == 0) {
		nccl_parse(&d, buf_str(&b), b.len);
		if (!d.header_seen && !json_array_size(d.rows) &&
		    !json_object_size(d.params) && !json_array_size(d.errors))
			rc = ml_err_at(err, ML_EINPUT, from, 0, 0,
				       "no nccl-tests output (\"# nThread\" "
				       "line, result table) in %ld line(s)",
				       d.lines);
	}
	buf_free(&b);
	if (rc) {
		nccl_free(&d);
		json_decref(hosts);
		return rc;
	}
	f = probe_facts_new("nccl");
	json_object_set_new(f, "source",
			    json_pack("{s:s, s:s}", "kind",
				      strcmp(from, "-") ? "file" : "stdin",
				      "from", from));
	if (d.avg_busbw >= 0)
		jset_real(f, "avg_busbw_gbs", d.avg_busbw);
	else
		json_object_set_new(f, "avg_busbw_gbs", json_null());
	json_array_foreach(d.errors, i, r) if (i == 0) probe_reason(
	    f, PV_FAILED, "nccl-error", "%.300s", json_string_value(r));
	row_facts(f, &d, expect);
	progress_facts(f, &d);
	if (d.out_of_bounds > 0)
		probe_reason(f, PV_FAILED, "out-of-bounds",
			     "%ld out-of-bounds value(s)", d.out_of_bounds);
	json_array_foreach(d.ranks, i, r)
	{
		const char *h = jget_str(r, "host", NULL);
		size_t k;
		json_t *e;
		int seen = 0;
		json_array_foreach(hosts, k, e) seen |=
		    h && !strcmp(json_string_value(e), h);
		if (h && !seen)
			json_array_append_new(hosts, json_string(h));
	}
	jset_int(f, "gpus",
		 json_array_size(d.ranks) ? (long long)json_array_size(d.ranks)
					  : jget_int(d.params, "nGpus", 0));
	json_object_set_new(f, "hosts", hosts);
	json_object_set(f, "params", d.params);
	json_object_set(f, "errors", d.errors);
	if (d.out_of_bounds >= 0)
		jset_int(f, "out_of_bounds", d.out_of_bounds);
	else
		json_object_set_new(f, "out_of_bounds", json_null());
	json_object_set(f, "ranks", d.ranks);
	json_object_set(f, "rows", d.rows);
	nccl_free(&d);
	*facts = f;
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *r;
	size_t i;

	buf_printf(out,
		   "nccl: %s: %s; avg busbw %.2f GB/s; %.2f GB/s at %lld "
		   "bytes; %lld wrong; %lld GPU(s) on %zu host(s)\n",
		   jget_str(facts, "verdict", "unknown"),
		   jget_bool(facts, "complete", 0) ? "complete" : "INCOMPLETE",
		   jget_num(facts, "avg_busbw_gbs", 0),
		   jget_num(facts, "max_size_busbw_gbs", 0),
		   jget_int(facts, "max_size_bytes", 0),
		   jget_int(facts, "wrong_total", 0),
		   jget_int(facts, "gpus", 0),
		   json_array_size(json_object_get(facts, "hosts")));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH, "nccl-tests output (all_reduce_perf ...); - for stdin",
     NULL, 1, 1},
    {"expect-busbw", PO_NUM,
     "bus bandwidth (GB/s) the largest size must reach; below: degraded", NULL,
     0, 0},
    {0}};

const struct probe_def probe_nccl = {
    .name = "nccl",
    .summary = "nccl-tests results (all_reduce_perf): bus bandwidth, wrong "
	       "results, hangs",
    .help =
	"Reads the output of an nccl-tests benchmark (all_reduce_perf,\n"
	"all_gather_perf, ...): per message size the out-of-place and "
	"in-place\n"
	"time, algbw, busbw and #wrong; the \"# Avg bus bandwidth\" line;\n"
	"ranks and hosts; NCCL WARN / Test failure lines. Output that stops\n"
	"mid-table without the average is a hang (complete: false).\n"
	"\n"
	"Verdict: failed on wrong results, NCCL failures or an incomplete "
	"run;\n"
	"degraded when the bus bandwidth at the largest size is below\n"
	"--expect-busbw.\n"
	"\n"
	"Examples:\n"
	"  all_reduce_perf -b 8 -e 8G -f 2 -g 8 | tee ar.log\n"
	"  mloncall check nccl ar.log --expect-busbw 400\n"
	"  mpirun ... all_reduce_perf -b 1G -e 8G | mloncall check nccl - -o "
	"json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
