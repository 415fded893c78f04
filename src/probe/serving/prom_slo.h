/* prom_slo.h: the inputs of an SLO burn-rate evaluation (`prom` probe
 * with `slo`): counters read from a Prometheus server with range queries,
 * or from a folder of exposition snapshots named by their time. */
#ifndef ML_PROM_SLO_H
#define ML_PROM_SLO_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct prom_slo_spec {
	double objective;  /* fraction, e.g. 0.999 */
	int64_t period_ms; /* SLO period for budget facts, e.g. 30d */
	/* latency SLO: histogram base name, label selector (may be NULL),
	 * threshold (a bucket bound, seconds) */
	const char *metric;
	const char *labels;
	double threshold;
	/* error-ratio SLO: selectors of the error and total counters */
	const char *errors;
	const char *total;
	/* live: end of the evaluation (0 = now), step, HTTP timeout */
	int64_t end_ms;
	int64_t step_ms;
	int64_t timeout_ms;
};

/* Reads every *.prom / *.txt file of dir (name = epoch seconds or RFC
 * 3339 time, e.g. 1795000000.prom or 2026-11-23T09:00:00Z.prom), sums the
 * counters of the spec in each and adds burn-rate facts (prom_burn.h) to
 * facts. Errors: ML_ENOTFOUND (no folder), ML_EINPUT (a bad snapshot,
 * a bad file name, a threshold that is not a bucket bound). */
int prom_slo_from_snapshots(const char *dir, const struct prom_slo_spec *sp,
			    json_t *facts, struct ml_err *err);

/* The same from the server at url, with range queries over the longest
 * window (3 days) ending at sp->end_ms. */
int prom_slo_from_server(const char *url, const struct prom_slo_spec *sp,
			 json_t *facts, struct ml_err *err);

#endif
