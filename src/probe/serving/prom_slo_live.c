/* prom_slo_live.c: the SLO counters from a Prometheus server: one range
 * query per counter over the longest burn window, merged by timestamp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/serving/prom_api.h"
#include "probe/serving/prom_burn.h"
#include "probe/serving/prom_expo.h"
#include "probe/probe.h"
#include "probe/serving/prom_slo.h"

static double point_value(const json_t *pt, double *t)
{
	const char *s = json_string_value(json_array_get(pt, 1));
	double v;

	*t = json_number_value(json_array_get(pt, 0));
	if (!s || prom_parse_value(s, strlen(s), &v))
		return NAN;
	return v;
}

/* Merges [t, "v"] lists into points; a time missing from part counts as 0
 * when zero_missing (no error series yet), else the time is skipped. */
static size_t merge(const json_t *part, const json_t *total, int zero_missing,
		    struct prom_point **out)
{
	size_t i, j = 0, n = 0;
	const json_t *pt;

	*out = xcalloc(json_array_size(total) + 1, sizeof(**out));
	json_array_foreach(total, i, pt)
	{
		double t, tp = 0, v = point_value(pt, &t), pv = NAN;
		while (j < json_array_size(part) &&
		       (point_value(json_array_get(part, j), &tp), tp < t))
			j++;
		if (j < json_array_size(part) && tp == t)
			pv = point_value(json_array_get(part, j), &tp);
		else if (zero_missing)
			pv = 0;
		if (isnan(v) || isnan(pv))
			continue;
		(*out)[n].t_ms = (int64_t)llround(t * 1000);
		(*out)[n].part = pv;
		(*out)[n++].total = v;
	}
	return n;
}

/* The values of the only series of a matrix answer, or NULL. */
static const json_t *only_values(const json_t *data)
{
	return json_object_get(
	    json_array_get(json_object_get(data, "result"), 0), "values");
}

/* The values of the series whose `le` equals le (numerically). */
static const json_t *le_values(const json_t *data, double le)
{
	const json_t *s;
	size_t i;

	json_array_foreach(json_object_get(data, "result"), i, s)
	{
		const char *t =
		    jget_str(json_object_get(s, "metric"), "le", "");
		double v;
		if (!prom_parse_value(t, strlen(t), &v) && v == le)
			return json_object_get(s, "values");
	}
	return NULL;
}

static void strip_braces(const char *in, struct buf *out)
{
	size_t n;

	while (*in == ' ')
		in++;
	n = strlen(in);
	while (n && in[n - 1] == ' ')
		n--;
	if (n >= 2 && in[0] == '{' && in[n - 1] == '}')
		buf_add(out, in + 1, n - 2);
	else
		buf_add(out, in, n);
}

static int latency_points(const char *url, const struct prom_slo_spec *sp,
			  const struct prom_range *r, struct prom_point **pts,
			  size_t *n, struct ml_err *err)
{
	struct buf q = BUF_INIT;
	const json_t *good, *all;
	json_t *data = NULL;
	int rc;

	buf_printf(&q, "sum by (le) (%s_bucket{", sp->metric);
	if (sp->labels)
		strip_braces(sp->labels, &q);
	buf_puts(&q, "})");
	rc = prom_api_query(url, q.data, r, 0, sp->timeout_ms, &data, err);
	if (!rc) {
		good = le_values(data, sp->threshold);
		all = le_values(data, INFINITY);
		if (!all)
			rc =
			    ml_err_set(err, ML_EINPUT,
				       "%s: no %s_bucket "
				       "series with le=\"+Inf\" in the last 3d",
				       url, sp->metric);
		else if (!good)
			rc = ml_err_set(err, ML_EINPUT,
					"%s: no %s_bucket with "
					"le=%g: the threshold must be a bucket "
					"bound",
					url, sp->metric, sp->threshold);
		else
			*n = merge(good, all, 0, pts);
	}
	json_decref(data);
	buf_free(&q);
	return rc;
}

static int error_points(const char *url, const struct prom_slo_spec *sp,
			const struct prom_range *r, struct prom_point **pts,
			size_t *n, struct ml_err *err)
{
	struct buf q = BUF_INIT;
	json_t *bad = NULL, *all = NULL;
	int rc;

	buf_printf(&q, "sum(%s)", sp->errors);
	rc = prom_api_query(url, q.data, r, 0, sp->timeout_ms, &bad, err);
	buf_reset(&q);
	buf_printf(&q, "sum(%s)", sp->total);
	if (!rc)
		rc = prom_api_query(url, q.data, r, 0, sp->timeout_ms, &all,
				    err);
	if (!rc)
		*n = merge(only_values(bad), only_values(all), 1, pts);
	json_decref(bad);
	json_decref(all);
	buf_free(&q);
	return rc;
}

int prom_slo_from_server(const char *url, const struct prom_slo_spec *sp,
			 json_t *facts, struct ml_err *err)
{
	struct prom_range r;
	struct prom_point *pts = NULL;
	size_t n = 0;
	int rc;

	r.end_ms = sp->end_ms ? sp->end_ms : time_now_ms();
	r.step_ms = sp->step_ms > 0 ? sp->step_ms : 60000;
	r.start_ms = r.end_ms - prom_burn_longest_ms();
	/* Prometheus refuses more than 11,000 points per series */
	if ((r.end_ms - r.start_ms) / r.step_ms > 10000) {
		r.step_ms = (r.end_ms - r.start_ms + 9999) / 10000;
		r.step_ms = (r.step_ms + 999) / 1000 * 1000;
		probe_reason(facts, PV_HEALTHY, "slo_step_raised",
			     "step raised to %llds: a 3d range allows at most "
			     "10000 points",
			     (long long)(r.step_ms / 1000));
	}
	/* end on the grid, so the newest point is `end` itself */
	r.start_ms = r.end_ms - (r.end_ms - r.start_ms) / r.step_ms * r.step_ms;
	if (sp->metric)
		rc = latency_points(url, sp, &r, &pts, &n, err);
	else
		rc = error_points(url, sp, &r, &pts, &n, err);
	if (!rc) {
		jset_str(facts, "source", url);
		prom_burn_facts(pts, n, sp->metric != NULL, sp->objective,
				sp->period_ms, facts);
	}
	free(pts);
	return rc;
}
