/* prom_quantile.h: quantiles from classic histogram buckets with exactly
 * the semantics of PromQL's histogram_quantile(). */
#ifndef ML_PROM_QUANTILE_H
#define ML_PROM_QUANTILE_H

#include <stddef.h>

struct prom_bucket {
	double le;    /* upper bound (inclusive); +Inf for the last */
	double count; /* cumulative count of observations <= le */
};

/* The q-quantile of the buckets, as histogram_quantile(q, ...) computes
 * it: q NaN -> NaN; q < 0 -> -Inf; q > 1 -> +Inf; buckets are sorted by
 * le (b is reordered in place); no +Inf bucket -> NaN; buckets with the
 * same le are merged by adding counts; counts are made monotonic (a
 * smaller count after a larger one takes the larger); fewer than 2
 * buckets or 0 observations -> NaN; a rank in the +Inf bucket gives the
 * upper bound of the second-highest bucket; a rank in the lowest bucket
 * with le <= 0 gives that le; otherwise linear interpolation inside the
 * bucket, with 0 as the lower bound of the lowest bucket. n may be 0
 * (-> NaN, or +-Inf for q outside [0,1]). n is updated to the number of
 * buckets after merging. */
double prom_bucket_quantile(double q, struct prom_bucket *b, size_t *n);

/* The fraction of observations above `threshold`, which must be one of
 * the bucket bounds: 1 - count(le=threshold) / count(+Inf). Returns -1
 * when threshold is not a bound or there is no +Inf bucket, NaN when
 * there are no observations. b must be sorted (see above). */
double prom_bucket_fraction_over(const struct prom_bucket *b, size_t n,
				 double threshold);

#endif
