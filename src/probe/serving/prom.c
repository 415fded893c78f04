/* prom.c: the `prom` probe. Three jobs, picked by the arguments:
 *   query + url           PromQL instant or range query over the HTTP API
 *   from / metrics_url    text exposition: families, histogram quantiles
 *   slo (+ url/snapshots) multiwindow SLO error-budget burn rates */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "probe/probe.h"
#include "probe/serving/prom_api.h"
#include "probe/serving/prom_expo.h"
#include "probe/serving/prom_hist.h"
#include "probe/serving/prom_select.h"
#include "probe/serving/prom_window.h"
#include "probe/serving/prom_slo.h"

/* Parses a time argument: epoch seconds (may be fractional), RFC 3339, or
 * a duration meaning that long before now ("1h"). */
static int arg_time(const json_t *args, const char *name, int64_t *ms,
		    struct ml_err *err)
{
	const char *s = jget_str(args, name, NULL);
	int64_t ago;
	double secs;

	*ms = 0;
	if (!s)
		return 0;
	if (!str_to_double(s, &secs) && isfinite(secs) && secs >= 0) {
		*ms = (int64_t)llround(secs * 1000);
		return 0;
	}
	if (!time_parse(s, ms))
		return 0;
	if (!dur_parse(s, &ago)) {
		*ms = time_now_ms() - ago;
		return 0;
	}
	return ml_err_set(err, ML_EUSAGE,
			  "prom: `%s` must be epoch seconds, an RFC 3339 "
			  "time or a duration before now (1h), got `%s`",
			  name, s);
}

static int run_query(const json_t *args, json_t *facts, struct ml_err *err)
{
	const char *url = jget_str(args, "url", NULL);
	const char *q = jget_str(args, "query", NULL);
	struct prom_range r = {0};
	json_t *data = NULL, *f;
	int64_t t;
	int rc, range;

	if (!url)
		return ml_err_set(err, ML_EUSAGE,
				  "prom: `query` needs `url` "
				  "(the Prometheus server)");
	if ((rc = arg_time(args, "start", &r.start_ms, err)) ||
	    (rc = arg_time(args, "end", &r.end_ms, err)) ||
	    (rc = arg_time(args, "time", &t, err)))
		return rc;
	range = json_object_get(args, "start") != NULL;
	if (range) {
		r.end_ms = r.end_ms ? r.end_ms : time_now_ms();
		r.step_ms = jget_int(args, "step", 60000);
		if (r.step_ms <= 0 || r.end_ms < r.start_ms)
			return ml_err_set(err, ML_EUSAGE,
					  "prom: a range query "
					  "needs start <= end and step > 0");
	}
	rc = prom_api_query(url, q, range ? &r : NULL, t,
			    jget_int(args, "timeout", 30000), &data, err);
	if (rc)
		return rc;
	f = prom_api_facts(data);
	json_decref(data);
	jset_str(facts, "source", url);
	jset_str(facts, "query", q);
	json_object_update(facts, f);
	json_decref(f);
	return 0;
}

/* Reads the exposition text of `from` (a file or "-") or `metrics_url`. */
static int read_expo(const json_t *args, struct buf *text, const char **src,
		     struct ml_err *err)
{
	const char *from = jget_str(args, "from", NULL);
	const char *murl = jget_str(args, "metrics_url", NULL);
	long status;
	int rc;

	if (murl) {
		*src = murl;
		rc = prom_http_get(murl, jget_int(args, "timeout", 30000), text,
				   &status, err);
		if (!rc && (status < 200 || status > 299))
			rc = ml_err_set(err, ML_EIO, "GET %s: HTTP %ld", murl,
					status);
		return rc;
	}
	*src = from;
	if (!strcmp(from, "-")) {
		*src = "<stdin>";
		if (buf_read_fd(text, STDIN_FILENO, PROM_HTTP_MAX_BYTES))
			return ml_err_set(err, ML_EIO, "stdin: %s",
					  strerror(errno));
		return 0;
	}
	if (buf_read_file(text, from, PROM_HTTP_MAX_BYTES))
		return ml_err_set(err,
				  errno == ENOENT   ? ML_ENOTFOUND
				  : errno == EISDIR ? ML_EINPUT
						    : ML_EIO,
				  "%s: %s", from, strerror(errno));
	return 0;
}

/* {name: number of samples} for an overview of a metrics page. */
static json_t *metric_counts(const struct prom_expo *e)
{
	json_t *m = json_object();

	for (size_t i = 0; i < e->nsamples; i++) {
		json_t *c = json_object_get(m, e->samples[i].name);
		json_object_set_new(
		    m, e->samples[i].name,
		    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	return m;
}

/* `max`: the highest requested quantile above it is a finding. */
static void check_max(const json_t *args, const double *qs, size_t nq,
		      json_t *facts)
{
	double max = jget_num(args, "max", NAN), v;
	char key[32];

	if (isnan(max) || nq == 0)
		return;
	prom_hist_qkey(qs[nq - 1], key, sizeof(key));
	v = jget_num(facts, key, NAN);
	if (!isnan(v) && v > max)
		probe_reason(facts, PV_DEGRADED, "quantile_over_max",
			     "%s of %s is %g, above the limit %g", key,
			     jget_str(args, "metric", "?"), v, max);
}

/* The quantiles of `metric` in e, and the `max` check. */
static int expo_hist(const json_t *args, const struct prom_expo *e,
		     const struct prom_sel *sel, const char *src, json_t *facts,
		     struct ml_err *err)
{
	double *qs = NULL;
	size_t nq = 0;
	int rc;

	if ((rc = prom_hist_parse_quantiles(
		 jget_str(args, "quantiles", "0.5,0.99"), &qs, &nq, err)) ||
	    (rc = prom_hist_facts(e, jget_str(args, "metric", ""), sel, qs, nq,
				  src, facts, err)))
		goto out;
	check_max(args, qs, nq, facts);
out:
	free(qs);
	return rc;
}

/* `window`: select over the last scrape (min/max over all of them in
 * facts.window), quantiles over the increase during the window. */
static int run_window(const json_t *args, volatile sig_atomic_t *cancel,
		      const struct prom_sel *sel, json_t *facts,
		      struct ml_err *err)
{
	const char *select = jget_str(args, "select", NULL);
	const char *src = jget_str(args, "metrics_url", "");
	struct prom_expo first, last, delta = {0};
	int rc;

	if ((rc = prom_window_collect(args, cancel, &first, &last, facts, err)))
		return rc;
	jset_str(facts, "source", src);
	jset_int(facts, "samples", (long long)last.nsamples);
	jset_int(facts, "families", (long long)last.nfamilies);
	if (select)
		rc = prom_select_facts(&last, select, facts, err);
	if (!rc && jget_str(args, "metric", NULL)) {
		prom_window_delta(&first, &last, &delta);
		rc = expo_hist(args, &delta, sel, src, facts, err);
		prom_window_delta_free(&delta);
	}
	prom_expo_free(&first);
	prom_expo_free(&last);
	return rc;
}

static int run_expo(const json_t *args, volatile sig_atomic_t *cancel,
		    json_t *facts, struct ml_err *err)
{
	const char *metric = jget_str(args, "metric", NULL);
	const char *labels = jget_str(args, "labels", NULL), *src = NULL;
	struct buf text = BUF_INIT;
	struct prom_sel *sel = NULL;
	struct prom_expo e = {0};
	int rc;

	if (labels && (rc = prom_sel_parse(labels, &sel, err)))
		goto out;
	if (json_object_get(args, "window")) {
		rc = run_window(args, cancel, sel, facts, err);
		goto out;
	}
	if ((rc = read_expo(args, &text, &src, err)) ||
	    (rc = prom_expo_parse(buf_str(&text), text.len, src, &e, err)))
		goto out;
	jset_str(facts, "source", src);
	jset_int(facts, "samples", (long long)e.nsamples);
	jset_int(facts, "families", (long long)e.nfamilies);
	if (jget_str(args, "select", NULL) &&
	    (rc = prom_select_facts(&e, jget_str(args, "select", ""), facts,
				    err)))
		goto out;
	if (!metric)
		json_object_set_new(facts, "metrics", metric_counts(&e));
	else
		rc = expo_hist(args, &e, sel, src, facts, err);
out:
	prom_expo_free(&e);
	prom_sel_free(sel);
	buf_free(&text);
	return rc;
}

static int run_slo(const json_t *args, json_t *facts, struct ml_err *err)
{
	struct prom_slo_spec sp = {0};
	const char *url = jget_str(args, "url", NULL);
	const char *snaps = jget_str(args, "snapshots", NULL);
	int rc;

	sp.objective = jget_num(args, "slo", 0);
	if (sp.objective > 1 && sp.objective < 100)
		sp.objective /= 100; /* 99.9 means 0.999 */
	if (!(sp.objective > 0 && sp.objective < 1))
		return ml_err_set(err, ML_EUSAGE,
				  "prom: `slo` must be between "
				  "0 and 1 (0.999) or a percentage (99.9)");
	sp.period_ms = jget_int(args, "period", 30LL * 86400000);
	sp.metric = jget_str(args, "metric", NULL);
	sp.labels = jget_str(args, "labels", NULL);
	sp.threshold = jget_num(args, "threshold", NAN);
	sp.errors = jget_str(args, "errors", NULL);
	sp.total = jget_str(args, "total", NULL);
	sp.step_ms = jget_int(args, "step", 60000);
	sp.timeout_ms = jget_int(args, "timeout", 30000);
	if ((rc = arg_time(args, "end", &sp.end_ms, err)) != 0)
		return rc;
	if (sp.metric ? isnan(sp.threshold) : !(sp.errors && sp.total))
		return ml_err_set(err, ML_EUSAGE,
				  "prom: `slo` needs `metric` and `threshold` "
				  "(latency SLO) or `errors` and `total` "
				  "(error-ratio SLO)");
	if (sp.period_ms <= 0)
		return ml_err_set(err, ML_EUSAGE, "prom: `period` must be > 0");
	jset_str(facts, "slo_kind", sp.metric ? "latency" : "errors");
	if (snaps)
		return prom_slo_from_snapshots(snaps, &sp, facts, err);
	if (url)
		return prom_slo_from_server(url, &sp, facts, err);
	return ml_err_set(err, ML_EUSAGE,
			  "prom: `slo` needs `url` (a "
			  "Prometheus server) or `snapshots` (a folder)");
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const json_t *a = ctx->args;
	int rc;

	*facts = probe_facts_new("prom");
	if (json_object_get(a, "slo"))
		rc = run_slo(a, *facts, err);
	else if (json_object_get(a, "query"))
		rc = run_query(a, *facts, err);
	else if (json_object_get(a, "from") ||
		 json_object_get(a, "metrics_url"))
		rc = run_expo(a, ctx->cancel, *facts, err);
	else
		rc = ml_err_set(err, ML_EUSAGE,
				"prom: give `query` and `url`, `from` or "
				"`metrics_url`, or `slo` (see `mloncall check "
				"prom --help`)");
	if (rc) {
		json_decref(*facts);
		*facts = NULL;
	}
	return rc;
}

static void render_labels(const json_t *labels, struct buf *out)
{
	const char *k;
	json_t *v;
	int first = 1;

	buf_putc(out, '{');
	json_object_foreach((json_t *)labels, k, v)
	{
		buf_printf(out, "%s%s=\"%s\"", first ? "" : ",", k,
			   json_string_value(v));
		first = 0;
	}
	buf_putc(out, '}');
}

/* "p50 0.1  p99 0.5" from the p* keys of o. */
static void render_quantiles(const json_t *o, struct buf *out)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		if (k[0] != 'p' || !(k[1] >= '0' && k[1] <= '9'))
			continue;
		if (json_is_number(v))
			buf_printf(out, "  %s %.6g", k, json_number_value(v));
		else
			buf_printf(out, "  %s NaN", k);
	}
	buf_putc(out, '\n');
}

static void render_hist(const json_t *f, struct buf *out)
{
	const json_t *g;
	size_t i;

	buf_printf(out, "histogram %s (%lld series)\n  all:",
		   jget_str(f, "metric", "?"), jget_int(f, "series", 0));
	render_quantiles(f, out);
	json_array_foreach(json_object_get(f, "histograms"), i, g)
	{
		buf_puts(out, "  ");
		render_labels(json_object_get(g, "labels"), out);
		buf_printf(out, " count %.15g:", jget_num(g, "count", NAN));
		render_quantiles(json_object_get(g, "quantiles"), out);
	}
}

static void render_slo(const json_t *f, struct buf *out)
{
	const json_t *s = json_object_get(f, "slo"), *w;
	size_t i;

	buf_printf(out,
		   "SLO %.10g%% (%s) over %s: error ratio %.4g, budget "
		   "remaining %.1f%%\n",
		   100 * jget_num(s, "objective", 0),
		   jget_str(f, "slo_kind", "?"), jget_str(s, "period", "?"),
		   jget_num(s, "error_ratio", 0),
		   100 * jget_num(s, "budget_remaining", 0));
	buf_puts(out, "  windows   burn(long)  burn(short)  factor  firing\n");
	json_array_foreach(json_object_get(f, "windows"), i, w)
	{
		char name[32];
		snprintf(name, sizeof(name), "%s/%s", jget_str(w, "long", "?"),
			 jget_str(w, "short", "?"));
		buf_printf(
		    out, "  %-8s  %10.3f  %11.3f  %6.1f  %s\n", name,
		    jget_num(w, "burn_long", 0), jget_num(w, "burn_short", 0),
		    jget_num(w, "factor", 0),
		    jget_bool(w, "firing", 0) ? jget_str(w, "severity", "yes")
					      : "no");
	}
}

static void render_query(const json_t *f, struct buf *out)
{
	const json_t *r;
	size_t i;

	buf_printf(out, "%s (%s, %lld series)\n", jget_str(f, "query", "?"),
		   jget_str(f, "result_type", "?"), jget_int(f, "series", 0));
	json_array_foreach(json_object_get(f, "result"), i, r)
	{
		const json_t *vals = json_object_get(r, "values");
		buf_puts(out, "  ");
		render_labels(json_object_get(r, "metric"), out);
		if (vals) {
			const json_t *last =
			    json_array_get(vals, json_array_size(vals) - 1);
			buf_printf(out, " %zu points, last %.15g\n",
				   json_array_size(vals),
				   json_number_value(json_array_get(last, 1)));
		} else if (jget_str(r, "value_text", NULL)) {
			buf_printf(out, " %s\n", jget_str(r, "value_text", ""));
		} else {
			buf_printf(out, " %.15g\n", jget_num(r, "value", 0));
		}
	}
}

static void render_select(const json_t *f, struct buf *out)
{
	const json_t *v;
	size_t i;

	buf_printf(out, "%s: %lld sample(s)", jget_str(f, "select", "?"),
		   jget_int(f, "matched", 0));
	if (json_is_number(json_object_get(f, "value")))
		buf_printf(out, ", value %.15g", jget_num(f, "value", 0));
	buf_putc(out, '\n');
	json_array_foreach(json_object_get(f, "values"), i, v)
	{
		buf_printf(out, "  %s", jget_str(v, "name", "?"));
		if (json_object_size(json_object_get(v, "labels")))
			render_labels(json_object_get(v, "labels"), out);
		if (json_is_number(json_object_get(v, "value")))
			buf_printf(out, " %.15g\n", jget_num(v, "value", 0));
		else
			buf_puts(out, " NaN\n");
	}
}

static void render(const json_t *f, struct buf *out)
{
	const json_t *reasons = json_object_get(f, "reasons"), *r;
	size_t i;

	buf_printf(out, "prom: %s\n", jget_str(f, "verdict", "unknown"));
	json_array_foreach(reasons, i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
	buf_printf(out, "source: %s\n", jget_str(f, "source", "?"));
	if (json_object_get(f, "select"))
		render_select(f, out);
	if (json_object_get(f, "windows"))
		render_slo(f, out);
	else if (json_object_get(f, "histograms"))
		render_hist(f, out);
	else if (json_object_get(f, "result_type"))
		render_query(f, out);
	else
		buf_printf(out,
			   "%lld samples, %lld families, %zu metric "
			   "names\n",
			   jget_int(f, "samples", 0),
			   jget_int(f, "families", 0),
			   json_object_size(json_object_get(f, "metrics")));
}

static const struct probe_opt opts[] = {
    {"url", PO_STRING, "Prometheus server, e.g. http://prometheus:9090", NULL,
     0, 0},
    {"query", PO_STRING, "PromQL query (instant, or range with --start)", NULL,
     0, 0},
    {"start", PO_STRING, "range start: epoch s, RFC 3339 or 1h (ago)", NULL, 0,
     0},
    {"end", PO_STRING, "range/SLO end (RFC 3339 or epoch s; default now)", NULL,
     0, 0},
    {"time", PO_STRING, "instant query time (default: server's now)", NULL, 0,
     0},
    {"step", PO_DURATION, "range query / SLO resolution", "1m", 0, 0},
    {"from", PO_PATH, "exposition text file, or - for stdin", NULL, 1, 0},
    {"metrics_url", PO_STRING, "URL of a /metrics page to parse", NULL, 0, 0},
    {"metric", PO_STRING, "histogram base name (without _bucket)", NULL, 0, 0},
    {"select", PO_STRING, "read the value of these samples (a selector)", NULL,
     0, 0},
    {"quantiles", PO_STRING, "quantiles to compute", "0.5,0.99", 0, 0},
    {"labels", PO_STRING, "label selector, e.g. job=\"api\",code=~\"2..\"",
     NULL, 0, 0},
    {"max", PO_NUM, "degraded when the highest quantile is above this", NULL, 0,
     0},
    {"slo", PO_NUM, "SLO objective for burn rates: 0.999 or 99.9", NULL, 0, 0},
    {"threshold", PO_NUM, "latency SLO: bucket bound in seconds", NULL, 0, 0},
    {"errors", PO_STRING, "error-ratio SLO: selector of error events", NULL, 0,
     0},
    {"total", PO_STRING, "error-ratio SLO: selector of all events", NULL, 0, 0},
    {"snapshots", PO_PATH, "SLO offline: folder of TIME.prom files", NULL, 0,
     0},
    {"period", PO_DURATION, "SLO period for the error budget", "30d", 0, 0},
    {"window", PO_DURATION,
     "watch metrics_url this long: quantiles over the increase, select "
     "min/max",
     NULL, 0, 0},
    {"timeout", PO_DURATION, "HTTP timeout", "30s", 0, 0},
    {0},
};

const struct probe_def probe_prom = {
    .name = "prom",
    .summary = "Prometheus: queries, histogram quantiles, SLO burn rates",
    .help = "from (or --from FILE): an exposition text file, - for stdin.\n"
	    "\n"
	    "Three uses, chosen by the options given:\n"
	    "  query: PromQL over the HTTP API (instant, or range with "
	    "--start/--end/--step);\n"
	    "  exposition: parse a metrics file or URL; with --metric, "
	    "quantiles of a\n"
	    "    histogram computed exactly like histogram_quantile();\n"
	    "  SLO: multiwindow burn rates (1h/5m 14.4x and 6h/30m 6x "
	    "page: failed;\n"
	    "    3d/6h 1x ticket: degraded) from a server or a folder of "
	    "snapshots.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check prom --url http://localhost:9090 --query "
	    "'up'\n"
	    "  mloncall check prom metrics.txt --metric "
	    "http_request_duration_seconds\n"
	    "  mloncall check prom --metrics_url http://irisd:8080/metrics "
	    "\\\n"
	    "      --metric ttft_seconds --quantiles 0.5,0.9,0.99 --max 2\n"
	    "  mloncall check prom --metrics_url http://127.0.0.1:8080/metrics "
	    "\\\n"
	    "      --select irisd_online_accuracy\n"
	    "  mloncall check prom --metrics_url http://127.0.0.1:8080/metrics "
	    "\\\n"
	    "      --metric irisd_request_duration_seconds --window 30s "
	    "--max 0.1\n"
	    "  mloncall check prom --url http://localhost:9090 --slo 99.9 \\\n"
	    "      --metric http_request_duration_seconds --threshold 0.5\n"
	    "  mloncall check prom --snapshots snaps/ --slo 0.99 \\\n"
	    "      --errors 'http_requests_total{code=~\"5..\"}' --total "
	    "http_requests_total\n"
	    "\n"
	    "Facts are documented in docs/probes/prom.md.\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
