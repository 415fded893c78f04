/* stats_dist.c: sorting, moments and distances between two samples:
 * Wasserstein-1 (scipy.stats.wasserstein_distance: the area between the
 * two empirical CDFs), Jensen-Shannon distance
 * (scipy.spatial.distance.jensenshannon), PSI and zero filling as
 * Evidently does them, numpy's Sturges bin edges and histogram counts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats.h"

double stats_sum(const double *v, size_t n)
{
	double s = 0, c = 0;

	for (size_t i = 0; i < n; i++) {
		double t = s + v[i];
		c += fabs(s) >= fabs(v[i]) ? (s - t) + v[i] : (v[i] - t) + s;
		s = t;
	}
	return isfinite(s) ? s + c : s;
}

static uint64_t key_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return (u >> 63) ? ~u : u | (1ull << 63);
}

static double val_of(uint64_t k)
{
	uint64_t u = (k >> 63) ? k & ~(1ull << 63) : ~k;
	double d;
	memcpy(&d, &u, 8);
	return d;
}

int stats_sort(double *v, size_t n, double *tmp)
{
	uint64_t *a = (uint64_t *)v, *b;
	size_t *cnt;
	int own = !tmp;

	if (n < 2)
		return 0;
	b = own ? malloc(n * sizeof(*b)) : (uint64_t *)tmp;
	cnt = malloc(65536 * sizeof(*cnt));
	if (!b || !cnt) {
		if (own)
			free(b);
		free(cnt);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = key_of(v[i]);
	for (int shift = 0; shift < 64; shift += 16) {
		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> shift) & 0xFFFF]++;
		if (cnt[(a[0] >> shift) & 0xFFFF] == n)
			continue; /* every key has this digit */
		size_t sum = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i] >> shift) & 0xFFFF]++] = a[i];
		uint64_t *t = a;
		a = b;
		b = t;
	}
	if (a != (uint64_t *)v)
		memcpy(v, a, n * sizeof(*a));
	for (size_t i = 0; i < n; i++)
		v[i] = val_of(((uint64_t *)v)[i]);
	if (own)
		free(a == (uint64_t *)v ? b : a);
	free(cnt);
	return 0;
}

double stats_mean(const double *v, size_t n)
{
	return n ? stats_sum(v, n) / (double)n : NAN;
}

double stats_std(const double *v, size_t n)
{
	double m = stats_mean(v, n), s = 0, c = 0;

	if (!n)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double d = (v[i] - m) * (v[i] - m), t = s + d;
		c += s >= d ? (s - t) + d : (d - t) + s;
		s = t;
	}
	return sqrt((s + c) / (double)n);
}

size_t stats_nunique_sorted(const double *v, size_t n)
{
	size_t u = n ? 1 : 0;
	for (size_t i = 1; i < n; i++)
		u += v[i] != v[i - 1];
	return u;
}

size_t stats_nunique_union(const double *a, size_t na, const double *b,
			   size_t nb)
{
	size_t i = 0, j = 0, u = 0;

	while (i < na || j < nb) {
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		u++;
	}
	return u;
}

double stats_wasserstein(const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0;
	double s = 0, c = 0;

	if (!na || !nb)
		return NAN;
	while (i < na || j < nb) {
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		while (i < na && a[i] <= x)
			i++;
		while (j < nb && b[j] <= x)
			j++;
		if (i == na && j == nb)
			break;
		double nx = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		double t =
		    fabs((double)i / (double)na - (double)j / (double)nb) *
		    (nx - x);
		double y = s + t;
		c += fabs(s) >= fabs(t) ? (s - y) + t : (t - y) + s;
		s = y;
	}
	return isfinite(s) ? s + c : s;
}

static double rel_entr(double x, double y)
{
	if (isnan(x) || isnan(y))
		return NAN;
	if (x > 0 && y > 0)
		return x * log(x / y);
	if (x == 0 && y >= 0)
		return 0;
	return INFINITY;
}

double stats_jensenshannon(const double *p, const double *q, size_t k,
			   double base)
{
	double sp = stats_sum(p, k), sq = stats_sum(q, k), l = 0, r = 0;
	double lc = 0, rc = 0;

	for (size_t i = 0; i < k; i++) {
		double pi = p[i] / sp, qi = q[i] / sq, m = (pi + qi) / 2.0;
		double a = rel_entr(pi, m), b = rel_entr(qi, m), t;
		t = l + a;
		lc += fabs(l) >= fabs(a) ? (l - t) + a : (a - t) + l;
		l = t;
		t = r + b;
		rc += fabs(r) >= fabs(b) ? (r - t) + b : (b - t) + r;
		r = t;
	}
	double js = (isfinite(l) ? l + lc : l) + (isfinite(r) ? r + rc : r);
	if (base > 0)
		js /= log(base);
	return sqrt(js / 2.0);
}

double stats_psi(const double *p, const double *q, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++)
		s += (p[i] - q[i]) * log(p[i] / q[i]);
	return s;
}

void stats_fill_zeroes(double *p, size_t k)
{
	double mn = INFINITY, fill;

	for (size_t i = 0; i < k; i++)
		if (p[i] != 0 && p[i] < mn)
			mn = p[i];
	if (isinf(mn))
		return;
	fill = mn <= 0.0001 ? mn / 1e6 : 0.0001;
	for (size_t i = 0; i < k; i++)
		if (p[i] == 0)
			p[i] = fill;
}

size_t stats_sturges_edges(const double *a, size_t na, const double *b,
			   size_t nb, double **edges)
{
	size_t n = na + nb, nbins = 1;
	double lo, hi, width, first, last, step;

	*edges = NULL;
	if (!n)
		return 0;
	lo = na && (!nb || a[0] <= b[0]) ? a[0] : b[0];
	hi = na && (!nb || a[na - 1] >= b[nb - 1]) ? a[na - 1] : b[nb - 1];
	first = lo, last = hi;
	if (first == last)
		first -= 0.5, last += 0.5;
	width = (hi - lo) / (log2((double)n) + 1.0);
	if (width != 0)
		nbins = (size_t)ceil((last - first) / width);
	double *e = malloc((nbins + 1) * sizeof(*e));
	if (!e)
		return 0;
	step = (last - first) / (double)nbins;
	for (size_t i = 0; i <= nbins; i++)
		e[i] = step == 0
			   ? (double)i / (double)nbins * (last - first) + first
			   : (double)i * step + first;
	e[nbins] = last;
	*edges = e;
	return nbins + 1;
}

/* Values < x (side 0) or <= x (side 1) in sorted v. */
static size_t search(const double *v, size_t n, double x, int right)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (right ? v[mid] <= x : v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void stats_hist_sorted(const double *x, size_t n, const double *edges,
		       size_t nedges, double *counts)
{
	size_t prev = search(x, n, edges[0], 0);

	for (size_t i = 1; i < nedges; i++) {
		size_t cur = search(x, n, edges[i], i == nedges - 1);
		counts[i - 1] = (double)(cur - prev);
		prev = cur;
	}
}

int stats_sort_i32(int32_t *v, size_t n)
{
	uint32_t *a = (uint32_t *)v, *b, *t;
	size_t cnt[256];

	if (n < 2)
		return 0;
	b = malloc(n * sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < n; i++)
		a[i] ^= 0x80000000u;
	for (int shift = 0; shift < 32; shift += 8) {
		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> shift) & 0xFF]++;
		if (cnt[(a[0] >> shift) & 0xFF] == n)
			continue;
		size_t sum = 0;
		for (int d = 0; d < 256; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i] >> shift) & 0xFF]++] = a[i];
		t = a, a = b, b = t;
	}
	if (a != (uint32_t *)v) {
		memcpy(v, a, n * sizeof(*a));
		b = a;
	}
	for (size_t i = 0; i < n; i++)
		((uint32_t *)v)[i] ^= 0x80000000u;
	free(b);
	return 0;
}
