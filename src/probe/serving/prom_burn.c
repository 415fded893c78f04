/* prom_burn.c: multiwindow, multi-burn-rate SLO evaluation. A burn rate
 * is the error ratio over a window divided by the error budget
 * (1 - objective): 1 spends the budget exactly over the SLO period. */
#include "probe/serving/prom_burn.h"

#include <math.h>

#include "core/dur.h"
#include "core/out.h"
#include "probe/probe.h"

#define MIN_MS (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)

struct pair {
	int64_t long_ms, short_ms;
	double factor;
	const char *severity; /* "page" or "ticket" */
};

/* SRE workbook, table 5-8 (for a 30-day SLO period). */
static const struct pair pairs[] = {
    {HOUR_MS, 5 * MIN_MS, 14.4, "page"},
    {6 * HOUR_MS, 30 * MIN_MS, 6, "page"},
    {72 * HOUR_MS, 6 * HOUR_MS, 1, "ticket"},
};

int64_t prom_burn_longest_ms(void)
{
	return 72 * HOUR_MS;
}

static double counter_increase(double prev, double cur)
{
	return cur >= prev ? cur - prev : cur; /* reset: restarted at 0 */
}

void prom_burn_increase(const struct prom_point *p, size_t n, int64_t from_ms,
			int64_t to_ms, double *part, double *total,
			int64_t *covered_ms)
{
	size_t base = 0;

	*part = *total = 0;
	*covered_ms = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < n && p[i].t_ms <= from_ms; i++)
		base = i;
	for (size_t i = base + 1; i < n && p[i].t_ms <= to_ms; i++) {
		*part += counter_increase(p[i - 1].part, p[i].part);
		*total += counter_increase(p[i - 1].total, p[i].total);
		*covered_ms = p[i].t_ms -
			      (p[base].t_ms > from_ms ? p[base].t_ms : from_ms);
	}
}

/* Error ratio over the window ending at the last point; NAN without
 * traffic. */
static double window_ratio(const struct prom_point *p, size_t n, int good,
			   int64_t win_ms, int64_t *covered)
{
	int64_t to = p[n - 1].t_ms;
	double part, total;

	prom_burn_increase(p, n, to - win_ms, to, &part, &total, covered);
	if (total <= 0)
		return NAN;
	return good ? (total - part) / total : part / total;
}

static double burn_of(double ratio, double budget)
{
	return isnan(ratio) ? 0 : ratio / budget;
}

static json_t *pair_facts(const struct prom_point *p, size_t n, int good,
			  const struct pair *pr, double budget,
			  int64_t period_ms)
{
	json_t *w = json_object();
	int64_t cov_l, cov_s;
	double rl = window_ratio(p, n, good, pr->long_ms, &cov_l);
	double rs = window_ratio(p, n, good, pr->short_ms, &cov_s);
	double bl = burn_of(rl, budget), bs = burn_of(rs, budget);
	double consumed = bl * (double)pr->long_ms / (double)period_ms;
	char tmp[32];

	dur_format(pr->long_ms, tmp, sizeof(tmp));
	jset_str(w, "long", tmp);
	dur_format(pr->short_ms, tmp, sizeof(tmp));
	jset_str(w, "short", tmp);
	jset_real(w, "factor", pr->factor);
	jset_str(w, "severity", pr->severity);
	jset_real(w, "burn_long", bl);
	jset_real(w, "burn_short", bs);
	jset_real(w, "error_ratio_long", isnan(rl) ? 0 : rl);
	jset_real(w, "error_ratio_short", isnan(rs) ? 0 : rs);
	jset_bool(w, "firing", bl > pr->factor && bs > pr->factor);
	jset_real(w, "budget_consumed", consumed);
	jset_real(w, "budget_remaining", 1 - consumed);
	jset_real(w, "coverage", (double)cov_l / (double)pr->long_ms);
	return w;
}

static void slo_summary(const struct prom_point *p, size_t n, int good,
			double objective, int64_t period_ms, json_t *facts)
{
	json_t *s = json_object();
	int64_t span = p[n - 1].t_ms - p[0].t_ms, cov;
	double ratio = window_ratio(p, n, good, span, &cov);
	double consumed =
	    burn_of(ratio, 1 - objective) * (double)span / (double)period_ms;
	char tmp[32];

	jset_real(s, "objective", objective);
	dur_format(period_ms, tmp, sizeof(tmp));
	jset_str(s, "period", tmp);
	time_format(p[0].t_ms, tmp, sizeof(tmp));
	jset_str(s, "from", tmp);
	time_format(p[n - 1].t_ms, tmp, sizeof(tmp));
	jset_str(s, "to", tmp);
	jset_int(s, "points", (long long)n);
	jset_real(s, "error_ratio", isnan(ratio) ? 0 : ratio);
	jset_real(s, "budget_consumed", consumed);
	jset_real(s, "budget_remaining", 1 - consumed);
	json_object_set_new(facts, "slo", s);
	jset_real(facts, "budget_remaining", 1 - consumed);
}

void prom_burn_facts(const struct prom_point *p, size_t n, int part_is_good,
		     double objective, int64_t period_ms, json_t *facts)
{
	json_t *ws = json_array();
	int page = 0, ticket = 0;
	double budget = 1 - objective;

	if (n < 2) {
		json_object_set_new(facts, "windows", ws);
		probe_reason(facts, PV_UNKNOWN, "slo_no_data",
			     "need at least 2 samples of the counters, got %zu",
			     n);
		return;
	}
	slo_summary(p, n, part_is_good, objective, period_ms, facts);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *w = pair_facts(p, n, part_is_good, &pairs[i], budget,
				       period_ms);
		if (i == 0)
			json_object_set(facts, "burn_rate_1h",
					json_object_get(w, "burn_long"));
		if (jget_bool(w, "firing", 0)) {
			int pg = pairs[i].severity[0] == 'p';
			page |= pg;
			ticket |= !pg;
			probe_reason(facts, pg ? PV_FAILED : PV_DEGRADED,
				     pg ? "slo_burn_page" : "slo_burn_ticket",
				     "error budget burning at %.1fx over %s "
				     "and %.1fx over %s (threshold %gx)",
				     jget_num(w, "burn_long", 0),
				     jget_str(w, "long", "?"),
				     jget_num(w, "burn_short", 0),
				     jget_str(w, "short", "?"),
				     pairs[i].factor);
		}
		if (jget_num(w, "coverage", 1) < 0.999)
			probe_reason(facts, PV_HEALTHY, "slo_partial_window",
				     "data covers %.0f%% of the %s window",
				     100 * jget_num(w, "coverage", 0),
				     jget_str(w, "long", "?"));
		json_array_append_new(ws, w);
	}
	json_object_set_new(facts, "windows", ws);
	jset_bool(facts, "firing_page", page);
	jset_bool(facts, "firing_ticket", ticket);
}
