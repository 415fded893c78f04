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
#include "core/xmalloc.h"
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

/* One incident as the computations need it (read once from the JSON). */
struct rinc {
	int64_t id, created, tta, ttr, late; /* tta/ttr -1 when absent */
	int sev;			     /* 1..4 (others count as P4) */
	int auto_res;
};

struct rinc_list {
	const struct report_opts *o;
	struct rinc *v;
	size_t n, cap;
};

/* Keeps one incident; late > 0 is a breach: the ack, else the end, else
 * now, is later than the severity's target. */
static int keep(void *ctx, const struct store_report_incident *i)
{
	struct rinc_list *l = ctx;
	struct rinc *x;
	int64_t c = i->created_at, a = i->acked_at, r = i->resolved_at;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	x = &l->v[l->n++];
	x->id = i->id;
	x->created = c;
	x->tta = a && a >= c ? a - c : -1;
	x->ttr = r && r >= c ? r - c : -1;
	x->sev = i->severity >= 1 && i->severity <= 4 ? i->severity : 4;
	x->late = (a ? a : r ? r : l->o->now) - c - l->o->sla_ms[x->sev];
	x->auto_res = i->auto_resolved != 0;
	return 0;
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
	report_set_ms(row, "mtta_p90_ms",
		      report_quantile(a->tta, a->n_tta, 0.9));
	report_set_ms(row, "mttr_median_ms",
		      report_quantile(a->ttr, a->n_ttr, 0.5));
	report_set_ms(row, "mttr_p90_ms",
		      report_quantile(a->ttr, a->n_ttr, 0.9));
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
	const struct rinc *x = *(const struct rinc *const *)a,
			  *y = *(const struct rinc *const *)b;
	if (x->late != y->late)
		return x->late < y->late ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static json_t *worst_breaches(const struct rinc *v, size_t n, size_t keep)
{
	const struct rinc **b = xcalloc(n ? n : 1, sizeof(*b));
	json_t *out = json_array();
	size_t nb = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].late > 0)
			b[nb++] = &v[i];
	qsort(b, nb, sizeof(*b), cmp_late);
	for (size_t i = 0; i < nb && i < keep; i++) {
		char name[4] = {'P', (char)('0' + b[i]->sev), 0};
		json_array_append_new(
		    out, json_pack("{s:I, s:s, s:b, s:I, s:I}", "incident",
				   (json_int_t)b[i]->id, "severity", name,
				   "acknowledged", b[i]->tta >= 0, "late_ms",
				   (json_int_t)b[i]->late, "created_at",
				   (json_int_t)b[i]->created));
	}
	free(b);
	return out;
}

static void acc_add(struct sev_acc *a, const struct rinc *i)
{
	a->n++;
	if (i->tta >= 0)
		a->tta[a->n_tta++] = (double)i->tta;
	if (i->ttr >= 0)
		a->ttr[a->n_ttr++] = (double)i->ttr;
	a->open += i->ttr < 0;
	a->auto_res += i->auto_res;
	a->breaches += i->late > 0;
}

/* Response rows P1..P4 and "all", and the breach summary. */
static void response(const struct rinc *v, size_t n,
		     const struct report_opts *o, json_t *r)
{
	static const char *const names[] = {"all", "P1", "P2", "P3", "P4"};
	struct sev_acc acc[5];
	json_t *rows = json_array();
	size_t total = 0;

	memset(acc, 0, sizeof(acc));
	for (int s = 0; s < 5; s++) {
		acc[s].tta = xcalloc(n ? n : 1, sizeof(double));
		acc[s].ttr = xcalloc(n ? n : 1, sizeof(double));
	}
	for (size_t k = 0; k < n; k++) {
		acc_add(&acc[0], &v[k]);
		acc_add(&acc[v[k].sev], &v[k]);
		total += v[k].late > 0;
	}
	for (int s = 1; s <= 5; s++) {
		int idx = s % 5;
		json_array_append_new(rows, sev_row(names[idx], &acc[idx],
						    idx ? o->sla_ms[idx] : 0));
		free(acc[idx].tta);
		free(acc[idx].ttr);
	}
	json_object_set_new(r, "response", rows);
	json_object_set_new(r, "sla_breaches",
			    json_pack("{s:I, s:o}", "total", (json_int_t)total,
				      "worst", worst_breaches(v, n, 10)));
}

/* One week's row from its incidents' times (tta/ttr arrays reused). */
static json_t *week_row(const struct rinc *v, size_t n, int64_t ws,
			const struct report_opts *o, double *tta, double *ttr)
{
	json_t *wk = json_object(), *sev = json_object();
	long long by[5] = {0};
	size_t na = 0, nr = 0;

	for (size_t k = 0; k < n; k++) {
		if (v[k].created < ws || v[k].created >= ws + WEEK_MS)
			continue;
		by[v[k].sev]++;
		by[0]++;
		if (v[k].tta >= 0)
			tta[na++] = (double)v[k].tta;
		if (v[k].ttr >= 0)
			ttr[nr++] = (double)v[k].ttr;
	}
	report_set_time(wk, "start", ws);
	jset_bool(wk, "partial",
		  ws < o->now - o->since_ms || ws + WEEK_MS > o->now);
	jset_int(wk, "incidents", by[0]);
	for (int s = 1; s <= 4; s++) {
		char key[4] = {'P', (char)('0' + s), 0};
		jset_int(sev, key, by[s]);
	}
	json_object_set_new(wk, "by_severity", sev);
	report_set_ms(wk, "mtta_median_ms", report_quantile(tta, na, 0.5));
	report_set_ms(wk, "mttr_median_ms", report_quantile(ttr, nr, 0.5));
	return wk;
}

/* Weekly buckets covering the window: incidents by severity and the
 * week's median MTTA/MTTR (incidents created that week). Incidents are
 * in creation order (the store sorts them), so each week is a run. */
static void weeks(const struct rinc *v, size_t n, const struct report_opts *o,
		  json_t *r)
{
	int64_t first = report_week_start(o->now - o->since_ms),
		last = report_week_start(o->now - 1);
	size_t nw = (size_t)((last - first) / WEEK_MS) + 1, lo = 0, hi;
	double *tta = xcalloc(n + 1, sizeof(double)),
	       *ttr = xcalloc(n + 1, sizeof(double));
	json_t *arr = json_array();

	for (size_t w = 0; w < nw; w++) {
		int64_t ws = first + (int64_t)w * WEEK_MS;
		while (lo < n && v[lo].created < ws)
			lo++;
		for (hi = lo; hi < n && v[hi].created < ws + WEEK_MS; hi++)
			;
		json_array_append_new(
		    arr, week_row(v + lo, hi - lo, ws, o, tta, ttr));
		lo = hi;
	}
	free(tta);
	free(ttr);
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
	struct rinc_list l = {.o = o};
	json_t *r = json_object();
	int rc;

	*out = NULL;
	jset_int(r, "schema", 1);
	json_object_set_new(r, "window", window(o));
	if ((rc = store_report_incidents(s, o->now - o->since_ms, o->now, keep,
					 &l, err)) != 0)
		goto fail;
	response(l.v, l.n, o, r);
	weeks(l.v, l.n, o, r);
	if ((rc = report_pages(s, o, r, err)) != 0 ||
	    (rc = report_alerts(s, o, r, err)) != 0 ||
	    (rc = report_actions(s, o, r, err)) != 0)
		goto fail;
	report_runbooks(o, r);
	free(l.v);
	*out = r;
	return 0;
fail:
	free(l.v);
	json_decref(r);
	return rc;
}
