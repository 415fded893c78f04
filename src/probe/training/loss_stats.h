/* loss_stats.h: statistics of a loss series (loss_stats.c, loss_since.c)
 * used by the loss probe; each adds its facts and reasons to facts
 * (docs/probes/loss.md). */
#ifndef ML_PROBE_LOSS_STATS_H
#define ML_PROBE_LOSS_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "probe/training/loss.h"

struct loss_opts {
	size_t window;	      /* records in the rolling window (>= 5) */
	double spike_factor;  /* spike: loss > factor x rolling median */
	double rise_pct;      /* loss-rising: window median up by more */
	long long since_step; /* resume check from this step; -1: none */
	double tolerance;     /* resume: first loss <= tolerance x before */
	int64_t stale_ms;     /* log-stale when the last line is older; 0 */
};

/* spike_count, spikes_in_window, spikes; reasons loss-spike, old-spikes */
void loss_spikes(json_t *facts, const struct loss_log *log,
		 const struct loss_opts *o);

/* window {records, first_median, last_median, change_pct, trend},
 * plateau;
 * reasons loss-rising, plateau */
void loss_trend(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o);

/* step_resets; *last_reset: index of the record after the last reset
 * (0: none). */
void loss_resets(json_t *facts, const struct loss_log *log, size_t *last_reset);

/* steps_per_second, last_time, seconds_since_last over records from
 * index from; reason log-stale. */
void loss_speed(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o, size_t from);

/* since {...} (null without since_step); reason resume-broken. */
void loss_since(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o, size_t last_reset);

#endif
