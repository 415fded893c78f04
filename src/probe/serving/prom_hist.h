/* prom_hist.h: histogram facts (buckets, count, sum, quantiles) from
 * parsed exposition samples, for the `prom` probe. */
#ifndef ML_PROM_HIST_H
#define ML_PROM_HIST_H

#include <jansson.h>

#include "core/err.h"
#include "probe/serving/prom_expo.h"

/* Parses "0.5,0.99" into a new array of doubles (*n entries; caller
 * frees). Each must be a number; values outside [0,1] are kept (they give
 * -Inf/+Inf like PromQL). Returns 0 or ML_EUSAGE. */
int prom_hist_parse_quantiles(const char *text, double **qs, size_t *n,
			      struct ml_err *err);

/* The facts key of quantile q: 0.5 -> "p50", 0.99 -> "p99", 0.999 ->
 * "p99_9". out needs 32 bytes. */
void prom_hist_qkey(double q, char *out, size_t n);

/* Adds to facts the histogram `metric` (base name, without _bucket)
 * restricted to samples matching sel (may be NULL): "histograms" [{labels,
 * count, sum, buckets [{le, count}], quantiles {p50: ...}}] one per label
 * set, and top-level quantiles ("p50", "p99", ...) of all of them summed
 * by le, as histogram_quantile(q, sum by (le) (...)) would give. Returns
 * ML_EINPUT when no bucket sample matches or an `le` is not a number. */
int prom_hist_facts(const struct prom_expo *e, const char *metric,
		    const struct prom_sel *sel, const double *qs, size_t nq,
		    const char *source, json_t *facts, struct ml_err *err);

#endif
