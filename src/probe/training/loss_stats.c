/* loss_stats.c: statistics of a training-loss series for the loss probe:
 * spikes against a rolling median, the trend over the last window, step
 * resets, speed, and the resume check after a checkpoint (since-step). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/training/loss.h"
#include "probe/training/loss_stats.h"
#include "probe/probe.h"

/* Most spikes and resets listed one by one. */
#define LOSS_MAX_LISTED 100

/* Rolling window of finite losses: ring (insertion order) + sorted copy. */
struct roll {
	double *ring, *sorted;
	size_t n, cap, head;
};

static void roll_add(struct roll *w, double v)
{
	size_t i;

	if (w->n == w->cap) { /* drop the oldest from the sorted copy */
		double old = w->ring[w->head];
		for (i = 0; i < w->n && w->sorted[i] != old; i++)
			;
		memmove(w->sorted + i, w->sorted + i + 1,
			(w->n - i - 1) * sizeof(double));
		w->n--;
		w->ring[w->head] = v;
		w->head = (w->head + 1) % w->cap;
	} else {
		w->ring[(w->head + w->n) % w->cap] = v;
	}
	for (i = w->n; i > 0 && w->sorted[i - 1] > v; i--)
		w->sorted[i] = w->sorted[i - 1];
	w->sorted[i] = v;
	w->n++;
}

static double roll_median(const struct roll *w)
{
	return w->n % 2 ? w->sorted[w->n / 2]
			: (w->sorted[w->n / 2 - 1] + w->sorted[w->n / 2]) / 2;
}

void loss_spikes(json_t *facts, const struct loss_log *log,
		 const struct loss_opts *o)
{
	struct roll w = {xmalloc(o->window * sizeof(double)),
			 xmalloc(o->window * sizeof(double)), 0, o->window, 0};
	json_t *list = json_array();
	long total = 0, recent = 0;
	size_t recent_from = log->n > o->window ? log->n - o->window : 0;

	for (size_t i = 0; i < log->n; i++) {
		const struct loss_rec *r = &log->r[i];
		if (!isfinite(r->loss))
			continue;
		if (w.n >= 5) {
			double med = roll_median(&w);
			if (med > 0 && r->loss > o->spike_factor * med) {
				total++;
				recent += i >= recent_from;
				if (json_array_size(list) < LOSS_MAX_LISTED)
					json_array_append_new(
					    list,
					    json_pack(
						"{s:I, s:f, s:f, s:i}", "step",
						(json_int_t)r->step, "loss",
						r->loss, "median", med, "line",
						(int)r->line));
			}
		}
		roll_add(&w, r->loss);
	}
	jset_int(facts, "spike_count", total);
	jset_int(facts, "spikes_in_window", recent);
	json_object_set_new(facts, "spikes", list);
	if (recent)
		probe_reason(facts, PV_DEGRADED, "loss-spike",
			     "%ld loss spike(s) above %.1fx the rolling median "
			     "in the last %zu records",
			     recent, o->spike_factor, o->window);
	else if (total)
		probe_reason(facts, PV_HEALTHY, "old-spikes",
			     "%ld loss spike(s) earlier in the log, none in "
			     "the last %zu records",
			     total, o->window);
	free(w.ring);
	free(w.sorted);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of the finite losses of records [a, b) (robust to one spike);
 * NAN when none. */
static double median(const struct loss_log *log, size_t a, size_t b)
{
	double *v = xmalloc((b - a + 1) * sizeof(double)), m;
	size_t n = 0;

	for (size_t i = a; i < b; i++)
		if (isfinite(log->r[i].loss))
			v[n++] = log->r[i].loss;
	qsort(v, n, sizeof(double), cmp_d);
	m = !n ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

void loss_trend(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o)
{
	size_t from = log->n > o->window ? log->n - o->window : 0;
	size_t mid = from + (log->n - from) / 2;
	double a = median(log, from, mid), b = median(log, mid, log->n);
	double change = (isfinite(a) && isfinite(b) && a != 0)
			    ? (b - a) / fabs(a) * 100
			    : NAN;
	const char *trend = !isfinite(change) ? NULL
			    : change < -1     ? "decreasing"
			    : change > 1      ? "increasing"
					      : "flat";

	json_t *win = json_object();

	jset_int(win, "records", (long long)(log->n - from));
	jset_real(win, "first_median", a);
	jset_real(win, "last_median", b);
	jset_real(win, "change_pct", change);
	jset_str(win, "trend", trend);
	json_object_set_new(facts, "window", win);
	jset_bool(facts, "plateau",
		  trend && !strcmp(trend, "flat") && log->n - from >= 10);
	if (isfinite(change) && change > o->rise_pct)
		probe_reason(facts, PV_DEGRADED, "loss-rising",
			     "loss rose %.1f%% over the last %zu records "
			     "(%.4g -> %.4g)",
			     change, log->n - from, a, b);
	else if (trend && !strcmp(trend, "flat") && log->n - from >= 10)
		probe_reason(facts, PV_HEALTHY, "plateau",
			     "loss flat (%.2f%%) over the last %zu records",
			     change, log->n - from);
}

void loss_resets(json_t *facts, const struct loss_log *log, size_t *last_reset)
{
	json_t *list = json_array();

	*last_reset = 0;
	for (size_t i = 1; i < log->n; i++)
		if (!log->r[i].implicit &&
		    log->r[i].step < log->r[i - 1].step) {
			*last_reset = i;
			if (json_array_size(list) < LOSS_MAX_LISTED)
				json_array_append_new(
				    list,
				    json_pack("{s:i, s:I, s:I}", "line",
					      (int)log->r[i].line, "from",
					      (json_int_t)log->r[i - 1].step,
					      "to",
					      (json_int_t)log->r[i].step));
		}
	json_object_set_new(facts, "step_resets", list);
}

void loss_speed(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o, size_t from)
{
	const struct loss_rec *a = NULL, *b = NULL;
	char t[48];

	for (size_t i = log->n; i > from && !b; i--)
		if (log->r[i - 1].has_t)
			b = &log->r[i - 1];
	for (size_t i = from; i < log->n && b; i++)
		if (log->r[i].has_t && b - log->r <= (long)(i + o->window)) {
			a = &log->r[i];
			break;
		}
	if (a && b && b->t_ms > a->t_ms && b->step > a->step)
		jset_real(facts, "steps_per_second",
			  (double)(b->step - a->step) * 1000.0 /
			      (double)(b->t_ms - a->t_ms));
	else
		json_object_set_new(facts, "steps_per_second", json_null());
	if (!b) {
		json_object_set_new(facts, "last_time", json_null());
		json_object_set_new(facts, "seconds_since_last", json_null());
		return;
	}
	time_format(b->t_ms, t, sizeof(t));
	jset_str(facts, "last_time", t);
	jset_real(facts, "seconds_since_last",
		  (double)(time_now_ms() - b->t_ms) / 1000.0);
	if (o->stale_ms > 0 && time_now_ms() - b->t_ms > o->stale_ms)
		probe_reason(facts, PV_DEGRADED, "log-stale",
			     "no loss logged since %s (%.0f s ago): the job "
			     "may be hung (NCCL, data loader) or dead",
			     t, (double)(time_now_ms() - b->t_ms) / 1000.0);
}
