/* report.c: building the report document: window, response times and
 * SLA breaches per severity, incidents per week. The other sections
 * (pages, alerts, runbooks, action items) are in report_sections.c. */
#include "incident/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "incident/report_int.h"
#include "store/store_practice.h"

#define DAY_MS 86400000LL
#define WEEK_MS (7 * DAY_MS)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double report_quantile(double *v, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (double)(n - 1);
	lo = (size_t)floor(pos);
	if (lo + 1 >= n)
		return v[n - 1];
	frac = pos - (double)lo;
	return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

int64_t report_week_start(int64_t ms)
{
	int64_t day = ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
	int64_t dow = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
	return (day - dow) * DAY_MS;
}

const char *report_band(long long pages)
{
	if (pages <= 0)
		return "none";
	if (pages < REPORT_WARN_PAGES)
		return "healthy";
	if (pages < REPORT_UNHEALTHY_PAGES)
		return "warning";
	return "unhealthy";
}

void report_set_ms(json_t *o, const char *k, double v)
{
	if (v < 0)
		json_object_set_new(o, k, json_null());
	else
		jset_int(o, k, llround(v));
}

void report_set_time(json_t *o, const char *k, int64_t ms)
{
	char t[40], key[64];


	jset_int(o, k, ms);
	time_format(ms, t, sizeof(t));
	t[10] = '\0';
	snprintf(key, sizeof(key), "%s_date", k);
	jset_str(o, key, t);
}

/* Times of one incident: tta/ttr -1 when absent; breach per the SLA
 * (ack, else the end, else now, later than the target). */
static void times_of(const json_t *i, const struct report_opts *o,
		     int64_t *tta, int64_t *ttr, int *breach, int64_t *late)
{
	int64_t c = jget_int(i, "created_at", 0), a = jget_int(i, "acked_at", 0),
		r = jget_int(i, "resolved_at", 0);
	int sev = (int)jget_int(i, "severity", 3);
	int64_t eff = a ? a : r ? r : o->now;

	*tta = a && a >= c ? a - c : -1;
	*ttr = r && r >= c ? r - c : -1;
	if (sev < 1 || sev > 4)
		sev = 4;
	*late = eff - c - o->sla_ms[sev];
	*breach = *late > 0;
}

struct sev_acc {
	double *tta, *ttr;
	size_t n_tta, n_ttr, n, breaches, open, auto_res;
};

static json_t *sev_row(const char *name, struct sev_acc *a, int64_t sla)
{
	json_t *row = json_object();

	jset_str(row, "severity", name);
	jset_int(row, "incidents", (long long)a->n);
	jset_int(row, "acknowledged", (long long)a->n_tta);
	jset_int(row, "resolved", (long long)a->n_ttr);
	jset_int(row, "open", (long long)a->open);
	jset_int(row, "auto_resolved", (long long)a->auto_res);
	report_set_ms(row, "mtta_median_ms",
		      report_quantile(a->tta, a->n_tta, 0.5));
	report_set_ms(row, "mtta_p90_ms", report_quantile(a->tta, a->n_tta, 0.9));
	report_set_ms(row, "mttr_median_ms",
		      report_quantile(a->ttr, a->n_ttr, 0.5));
	report_set_ms(row, "mttr_p90_ms", report_quantile(a->ttr, a->n_ttr, 0.9));
	report_set_ms(row, "sla_ms", sla > 0 ? (double)sla : -1);
	jset_int(row, "sla_breaches", (long long)a->breaches);
	jset_real(row, "sla_breach_pct",
		  a->n ? round(1000.0 * (double)a->breaches / (double)a->n) / 10
		       : NAN);
	return row;
}

/* Worst breaches first: by how late, then id. */
static int cmp_late(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	long long lx = jget_int(x, "late_ms", 0), ly = jget_int(y, "late_ms", 0);
	if (lx != ly)
		return lx < ly ? 1 : -1;
	return jget_int(x, "incident", 0) < jget_int(y, "incident", 0) ? -1 : 1;
}

static json_t *worst_breaches(json_t *all, size_t keep)
{
	size_t n = json_array_size(all);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v)), *out = json_array();

	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), cmp_late);
	for (size_t i = 0; i < n && i < keep; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static json_t *breach_entry(const json_t *i, int sev, int64_t tta,
			    int64_t late)
{
	char name[4] = {'P', (char)('0' + sev), 0};

	return json_pack("{s:I, s:s, s:b, s:I, s:I}", "incident",
			 (json_int_t)jget_int(i, "id", 0), "severity", name,
			 "acknowledged", tta >= 0, "late_ms", (json_int_t)late,
			 "created_at", (json_int_t)jget_int(i, "created_at", 0));
}

static void acc_add(struct sev_acc *a, const json_t *i, int64_t tta,
		    int64_t ttr, int breach)
{
	a->n++;
	if (tta >= 0)
		a->tta[a->n_tta++] = (double)tta;
	if (ttr >= 0)
		a->ttr[a->n_ttr++] = (double)ttr;
	a->open += ttr < 0;
	a->auto_res += jget_int(i, "auto_resolved", 0) != 0;
	a->breaches += breach != 0;
}

/* Response rows P1..P4 and "all", and the breach summary. */
static void response(const json_t *incs, const struct report_opts *o,
		     json_t *r)
{
	size_t n = json_array_size(incs), k;
	struct sev_acc acc[5];
	json_t *rows = json_array(), *breaches = json_array(), *i;
	static const char *const names[] = {"all", "P1", "P2", "P3", "P4"};

	memset(acc, 0, sizeof(acc));
	for (int s = 0; s < 5; s++) {
		acc[s].tta = xcalloc(n ? n : 1, sizeof(double));
		acc[s].ttr = xcalloc(n ? n : 1, sizeof(double));
	}
	json_array_foreach(incs, k, i)
	{
		int64_t tta, ttr, late;
		int breach, sev = (int)jget_int(i, "severity", 4);
		times_of(i, o, &tta, &ttr, &breach, &late);
		if (sev < 1 || sev > 4)
			sev = 4;
		acc_add(&acc[0], i, tta, ttr, breach);
		acc_add(&acc[sev], i, tta, ttr, breach);
		if (breach)
			json_array_append_new(breaches,
					      breach_entry(i, sev, tta, late));
	}
	for (int s = 1; s <= 5; s++) {
		int idx = s % 5;
		json_array_append_new(rows, sev_row(names[idx], &acc[idx],
						    idx ? o->sla_ms[idx] : 0));
		free(acc[idx].tta);
		free(acc[idx].ttr);
	}
	json_object_set_new(r, "response", rows);
	json_object_set_new(
		r, "sla_breaches",
		json_pack("{s:I, s:o}", "total",
			  (json_int_t)json_array_size(breaches), "worst",
			  worst_breaches(breaches, 10)));
	json_decref(breaches);
}

/* Weekly buckets covering the window: incidents by severity and the
 * week's median MTTA/MTTR (incidents created that week). */
static void weeks(const json_t *incs, const struct report_opts *o,
		  json_t *r)
{
	int64_t since = o->now - o->since_ms;
	int64_t first = report_week_start(since),
		last = report_week_start(o->now - 1);
	size_t nw = (size_t)((last - first) / WEEK_MS) + 1, k;
	json_t *arr = json_array(), *i;

	for (size_t w = 0; w < nw; w++) {
		int64_t ws = first + (int64_t)w * WEEK_MS;
		double *tta = xcalloc(json_array_size(incs) + 1, sizeof(double));
		double *ttr = xcalloc(json_array_size(incs) + 1, sizeof(double));
		size_t na = 0, nr = 0;
		long long by[5] = {0};
		json_t *wk = json_object(), *sev = json_object();

		json_array_foreach(incs, k, i)
		{
			int64_t c = jget_int(i, "created_at", 0), a, t, late;
			int b, s = (int)jget_int(i, "severity", 4);
			if (c < ws || c >= ws + WEEK_MS)
				continue;
			times_of(i, o, &a, &t, &b, &late);
			by[s >= 1 && s <= 4 ? s : 4]++;
			by[0]++;
			if (a >= 0)
				tta[na++] = (double)a;
			if (t >= 0)
				ttr[nr++] = (double)t;
		}
		report_set_time(wk, "start", ws);
		jset_bool(wk, "partial", ws < since || ws + WEEK_MS > o->now);
		jset_int(wk, "incidents", by[0]);
		for (int s = 1; s <= 4; s++) {
			char key[4] = {'P', (char)('0' + s), 0};
			jset_int(sev, key, by[s]);
		}
		json_object_set_new(wk, "by_severity", sev);
		report_set_ms(wk, "mtta_median_ms", report_quantile(tta, na, 0.5));
		report_set_ms(wk, "mttr_median_ms", report_quantile(ttr, nr, 0.5));
		json_array_append_new(arr, wk);
		free(tta);
		free(ttr);
	}
	json_object_set_new(r, "weeks", arr);
}

static json_t *window(const struct report_opts *o)
{
	json_t *w = json_object(), *sla = json_object();

	report_set_time(w, "since", o->now - o->since_ms);
	report_set_time(w, "until", o->now);
	jset_real(w, "days", (double)o->since_ms / DAY_MS);
	for (int s = 1; s <= 4; s++) {
		char key[4] = {'P', (char)('0' + s), 0};
		jset_int(sla, key, o->sla_ms[s]);
	}
	json_object_set_new(w, "sla_ms", sla);
	return w;
}

int report_build(struct store *s, const struct report_opts *o, json_t **out,
		 struct ml_err *err)
{
	int64_t since = o->now - o->since_ms;
	json_t *r = json_object(), *incs = NULL;
	int rc;

	*out = NULL;
	jset_int(r, "schema", 1);
	json_object_set_new(r, "window", window(o));
	if ((rc = store_report_incidents(s, since, o->now, &incs, err)) != 0)
		goto fail;
	response(incs, o, r);
	weeks(incs, o, r);
	if ((rc = report_pages(s, o, r, err)) != 0 ||
	    (rc = report_alerts(s, o, incs, r, err)) != 0 ||
	    (rc = report_actions(s, o, r, err)) != 0)
		goto fail;
	report_runbooks(o, r);
	json_decref(incs);
	*out = r;
	return 0;
fail:
	json_decref(incs);
	json_decref(r);
	return rc;
}
