/* prom_burn.h: SLO error-budget burn rates over several windows, with the
 * multiwindow, multi-burn-rate alerts of the Google SRE workbook
 * ("Alerting on SLOs": 1h/5m at 14.4x and 6h/30m at 6x page, 3d/6h at 1x
 * opens a ticket). Input is a time series of two cumulative counters. */
#ifndef ML_PROM_BURN_H
#define ML_PROM_BURN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One sample time of two counters: `part` counts either the bad events
 * (errors) or the good ones (requests under the latency threshold), see
 * part_is_good; `total` counts all events. */
struct prom_point {
	int64_t t_ms;
	double part;
	double total;
};

/* Increase of both counters in (from_ms, to_ms], handling counter resets
 * like PromQL (a drop means the counter restarted from 0). Uses as base
 * the last point at or before from_ms; when none, the first point, and
 * *covered_ms tells how much of the window the data covers. Points must
 * be sorted by time. */
void prom_burn_increase(const struct prom_point *p, size_t n, int64_t from_ms,
			int64_t to_ms, double *part, double *total,
			int64_t *covered_ms);

/* Computes the window pairs at the time of the last point and adds to
 * facts: "slo" {objective, period, error_ratio, budget_remaining, ...}
 * and "windows" [{long, short, factor, severity, burn_long, burn_short,
 * error_ratio_long, error_ratio_short, firing, budget_consumed,
 * budget_remaining, coverage}], plus top-level "burn_rate_1h",
 * "firing_page", "firing_ticket". Raises the verdict: failed when a page
 * pair fires, degraded when the ticket pair fires, unknown with fewer
 * than 2 points. objective is a fraction (0.999). */
void prom_burn_facts(const struct prom_point *p, size_t n, int part_is_good,
		     double objective, int64_t period_ms, json_t *facts);

/* The longest window used (3 days), so callers know how far back to
 * fetch data. */
int64_t prom_burn_longest_ms(void);

#endif
