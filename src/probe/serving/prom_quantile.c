/* prom_quantile.c: histogram_quantile() of PromQL for classic (le)
 * buckets. The order of the steps below is the order Prometheus uses
 * (promql/quantile.go: bucketQuantile, coalesceBuckets, ensureMonotonic),
 * so results agree to the last bit for the same input. */
#include "probe/serving/prom_quantile.h"

#include <math.h>
#include <stdlib.h>

static int cmp_bucket(const void *a, const void *b)
{
	double x = ((const struct prom_bucket *)a)->le;
	double y = ((const struct prom_bucket *)b)->le;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Merges neighbours with the same upper bound, adding their counts. */
static size_t coalesce(struct prom_bucket *b, size_t n)
{
	size_t i = 0;
	struct prom_bucket last = b[0];

	for (size_t k = 1; k < n; k++) {
		if (b[k].le == last.le) {
			last.count += b[k].count;
		} else {
			b[i++] = last;
			last = b[k];
		}
	}
	b[i++] = last;
	return i;
}

/* A cumulative count never decreases: a smaller count after a larger
 * one (a scrape racing an observation) takes the larger value. */
static void monotonic(struct prom_bucket *b, size_t n)
{
	double max = -INFINITY;

	for (size_t i = 0; i < n; i++) {
		if (b[i].count > max)
			max = b[i].count;
		else if (b[i].count < max)
			b[i].count = max;
	}
}

double prom_bucket_quantile(double q, struct prom_bucket *b, size_t *np)
{
	size_t n = *np, lo, hi;
	double obs, rank, start = 0, end, count;

	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (n == 0)
		return NAN;
	qsort(b, n, sizeof(*b), cmp_bucket);
	if (!isinf(b[n - 1].le) || b[n - 1].le < 0)
		return NAN;
	*np = n = coalesce(b, n);
	monotonic(b, n);
	if (n < 2)
		return NAN;
	obs = b[n - 1].count;
	if (obs == 0 || isnan(obs))
		return NAN;
	rank = q * obs;
	/* first bucket among all but the last whose count >= rank (Go's
	 * sort.Search over len-1 elements) */
	lo = 0;
	hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b[mid].count >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == n - 1)
		return b[n - 2].le;
	if (lo == 0 && b[0].le <= 0)
		return b[0].le;
	end = b[lo].le;
	count = b[lo].count;
	if (lo > 0) {
		start = b[lo - 1].le;
		count -= b[lo - 1].count;
		rank -= b[lo - 1].count;
	}
	return start + (end - start) * (rank / count);
}

double prom_bucket_fraction_over(const struct prom_bucket *b, size_t n,
				 double threshold)
{
	double total, under = -1;

	if (n == 0 || !isinf(b[n - 1].le) || b[n - 1].le < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (b[i].le == threshold)
			under = b[i].count;
	if (under < 0)
		return -1;
	total = b[n - 1].count;
	if (total <= 0)
		return NAN;
	return 1 - under / total;
}
