/* stats_ks.c: the two-sample Kolmogorov-Smirnov test as scipy 1.10's
 * ks_2samp computes it: the statistic from the two empirical CDFs; the
 * exact p-value by Hodges' lattice-path counts (the "outside square" sum
 * for n1 == n2, Viehmann's 1-p inside recursion otherwise, both from
 * scipy.stats._stats_py / _stats_pythran); the asymptotic p-value from the
 * Kolmogorov distribution kstwo.sf(d, round(n1*n2/(n1+n2))) (stats_kolm.c).
 * 'auto' picks exact when max(n1, n2) <= 10000, as scipy does. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "stats/stats.h"

#define KS_MAX_AUTO_N 10000

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* max over x of |F1(x) - F2(x)| as scipy: max of cdf1-cdf2 and of its
 * negation (clipped at 0), the larger wins (ties: the positive one). */
static double ks_stat(const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0;
	double maxs = -INFINITY, mins = INFINITY;

	while (i < na || j < nb) {
		double v;
		if (j >= nb || (i < na && a[i] <= b[j]))
			v = a[i];
		else
			v = b[j];
		while (i < na && a[i] <= v)
			i++;
		while (j < nb && b[j] <= v)
			j++;
		double diff = (double)i / (double)na - (double)j / (double)nb;
		if (diff > maxs)
			maxs = diff;
		if (diff < mins)
			mins = diff;
	}
	double neg = -mins;
	if (neg < 0)
		neg = 0;
	if (neg > 1)
		neg = 1;
	return neg > maxs ? neg : maxs;
}

/* Pr(D_{n,n} >= h/n), scipy's _compute_prob_outside_square. */
static double prob_outside_square(int64_t n, int64_t h)
{
	double P = 0.0;
	int64_t k = (int64_t)floor((double)n / (double)h);

	while (k >= 0) {
		double p1 = 1.0;
		for (int64_t j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 /
			     (double)(n + k * h + j + 1);
		P = p1 * (1.0 - P);
		k--;
	}
	return 2 * P;
}

/* Proportion of lattice paths that leave |x/m - y/n| < h/lcm, computed as
 * scipy's _compute_outer_prob_inside_method (needs n + 1 doubles). */
static double outer_prob_inside(int64_t m, int64_t n, int64_t g, int64_t h,
				double *A)
{
	if (m < n) {
		int64_t t = m;
		m = n;
		n = t;
	}
	int64_t mg = m / g, ng = n / g;
	int64_t minj = 0, maxj = (int64_t)ceil((double)h / (double)mg);
	if (maxj > n + 1)
		maxj = n + 1;
	int64_t curlen = maxj - minj;
	int64_t lenA = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;

	for (int64_t x = 0; x < lenA; x++)
		A[x] = 1.0;
	for (int64_t x = minj; x < maxj; x++)
		A[x] = 0.0;
	for (int64_t i = 1; i <= m; i++) {
		int64_t lastminj = minj, lastlen = curlen;
		minj = (int64_t)floor((double)(ng * i - h) / (double)mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > n)
			minj = n;
		maxj = (int64_t)ceil((double)(ng * i + h) / (double)mg);
		if (maxj > n + 1)
			maxj = n + 1;
		if (maxj <= minj)
			return 1.0;
		double val = minj == 0 ? 0.0 : 1.0;
		for (int64_t jj = 0; jj < maxj - minj; jj++) {
			int64_t j = jj + minj;
			val = (A[jj + minj - lastminj] * (double)i +
			       val * (double)j) /
			      (double)(i + j);
			A[jj] = val;
		}
		curlen = maxj - minj;
		if (lastlen > curlen)
			for (int64_t x = maxj - minj;
			     x < maxj - minj + (lastlen - curlen) && x < lenA;
			     x++)
				A[x] = 1;
	}
	return A[maxj - minj - 1];
}

/* scipy's _attempt_exact_2kssamp, two-sided. Returns 0 and *p (and the
 * rounded *d), or -1 when the exact value is unusable. */
static int ks_exact(int64_t n1, int64_t n2, int64_t g, double *d, double *p)
{
	double lcm = (double)(n1 / g) * (double)n2;
	double h = nearbyint(*d * lcm);

	*d = h / lcm;
	if (h == 0) {
		*p = 1.0;
		return 0;
	}
	if (n1 == n2) {
		*p = prob_outside_square(n1, (int64_t)h);
	} else {
		int64_t small = n1 < n2 ? n1 : n2;
		double *A = malloc((size_t)(small + 2) * sizeof(double));
		if (!A)
			return -1;
		*p = outer_prob_inside(n1, n2, g, (int64_t)h, A);
		free(A);
	}
	if (!(*p >= 0 && *p <= 1))
		return -1;
	return 0;
}

int stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb,
		   enum stats_ks_mode mode, struct stats_ks *out)
{
	int64_t n1 = (int64_t)na, n2 = (int64_t)nb, g;
	double d, p = NAN;

	if (!na || !nb)
		return -1;
	d = ks_stat(a, na, b, nb);
	g = gcd64(n1, n2);
	if (mode == KS_AUTO)
		mode =
		    (n1 > n2 ? n1 : n2) <= KS_MAX_AUTO_N ? KS_EXACT : KS_ASYMP;
	else if (mode == KS_EXACT &&
		 (double)(n1 / g) >= 2147483647.0 / (double)(n2 / g))
		mode = KS_ASYMP;
	out->exact = 0;
	if (mode == KS_EXACT) {
		double dd = d;
		if (!ks_exact(n1, n2, g, &dd, &p)) {
			out->exact = 1;
			d = dd;
		} else {
			d = dd;
			mode = KS_ASYMP;
		}
	}
	if (mode == KS_ASYMP) {
		double m = (double)(n1 > n2 ? n1 : n2);
		double n = (double)(n1 > n2 ? n2 : n1);
		double en = m * n / (m + n);
		p = stats_kolmogn_sf((long)nearbyint(en), d);
	}
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	out->d = d;
	out->p = p;
	return 0;
}
