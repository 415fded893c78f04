/* stats_kolm.c: the distribution of the two-sided one-sample KS statistic
 * D_n, as scipy.stats.kstwo computes its survival function (scipy's
 * _ksstats.py, after Simard & L'Ecuyer 2011): Ruben-Gambino closed forms
 * at the ends, twice the one-sided Smirnov tail for large x, the
 * Durbin matrix (Marsaglia-Tsang-Wang) or Pomeranz recursion for small n,
 * and the Pelz-Good expansion for large n. Scaling by 2^128 as scipy does;
 * the final scaling loops run in long double as scipy's do. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats.h"

#define E128 128
static const long double EP128 = 340282366920938463463374607431768211456.0L;
static const long double EM128 =
    1.0L / 340282366920938463463374607431768211456.0L;

static double clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

double stats_smirnov(long n, double x)
{
	if (!(n > 0) || !(x >= 0 && x <= 1))
		return NAN;
	if (x == 0)
		return 1.0;
	if (x == 1)
		return 0.0;
	/* Birnbaum-Tingey: x * sum_j C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1) */
	double sum = 0, comp = 0, lc = 0;
	long jmax = (long)floor((double)n * (1.0 - x));
	for (long j = 0; j <= jmax; j++) {
		double base1 = (1.0 - x) - (double)j / (double)n;
		if (j > 0)
			lc += log((double)(n - j + 1) / (double)j);
		if (base1 > 0) {
			double lt =
			    lc + (double)(n - j) * log(base1) +
			    (double)(j - 1) * log(x + (double)j / (double)n);
			double t = exp(lt), s = sum + t;
			comp += fabs(sum) >= fabs(t) ? (sum - s) + t
						     : (t - s) + sum;
			sum = s;
		}
	}
	return clip01(x * (sum + comp));
}

static void matmul(const double *A, const double *B, double *C, int m)
{
	for (int i = 0; i < m; i++) {
		for (int j = 0; j < m; j++)
			C[i * m + j] = 0;
		for (int k = 0; k < m; k++) {
			double a = A[i * m + k];
			if (a == 0)
				continue;
			for (int j = 0; j < m; j++)
				C[i * m + j] += a * B[k * m + j];
		}
	}
}

/* Pr(D_n <= d) by the Durbin matrix, scipy's _kolmogn_DMTW. */
static double kolmogn_dmtw(long n, double d)
{
	if (d >= 1.0)
		return 1.0;
	double nd = (double)n * d;
	if (nd <= 0.5)
		return 0.0;
	int k = (int)ceil(nd), m = 2 * k - 1;
	double h = k - nd, fac = 1.0;
	double *H = calloc((size_t)m * m, sizeof(double));
	double *P = calloc((size_t)m * m, sizeof(double));
	double *T = calloc((size_t)m * m, sizeof(double));
	double *v = malloc((size_t)m * sizeof(double));
	double *w = malloc((size_t)m * sizeof(double));
	long double p;
	long hexp = 0, expnt = 0;

	if (!H || !P || !T || !v || !w) {
		free(H), free(P), free(T), free(v), free(w);
		return NAN;
	}
	for (int j = 1; j <= m; j++) {
		v[j - 1] = 1.0 - pow(h, j);
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] *= fac;
	}
	double tt = pow(fmax(2 * h - 1.0, 0), m) - 2 * pow(h, m);
	v[m - 1] = (1.0 + tt) * fac;
	for (int i = 1; i < m; i++)
		for (int r = i - 1; r < m; r++)
			H[r * m + i] = w[r - (i - 1)];
	for (int r = 0; r < m; r++)
		H[r * m] = v[r];
	for (int c = 0; c < m; c++)
		H[(m - 1) * m + c] = v[m - 1 - c];
	for (int i = 0; i < m; i++)
		P[i * m + i] = 1.0;
	for (long nn = n; nn > 0; nn /= 2) {
		if (nn % 2) {
			matmul(P, H, T, m);
			memcpy(P, T, (size_t)m * m * sizeof(double));
			expnt += hexp;
		}
		matmul(H, H, T, m);
		memcpy(H, T, (size_t)m * m * sizeof(double));
		hexp *= 2;
		if (fabs(H[(k - 1) * m + k - 1]) > (double)EP128) {
			for (int i = 0; i < m * m; i++)
				H[i] = (double)(H[i] / EP128);
			hexp += E128;
		}
	}
	p = P[(k - 1) * m + k - 1];
	for (long i = 1; i <= n; i++) {
		p = (long double)i * p / (long double)n;
		if (fabsl(p) < EM128) {
			p *= EP128;
			expnt -= E128;
		}
	}
	if (expnt)
		p = ldexpl(p, (int)expnt);
	free(H), free(P), free(T), free(v), free(w);
	return (double)p;
}

static void pom_j1j2(long i, long n, long ll, long ceilf, long roundf, long *j1,
		     long *j2)
{
	long a, b;

	if (i == 0) {
		a = -ll - ceilf - 1;
		b = ll + ceilf - 1;
	} else {
		long d2 = (i + 1) / 2, m2 = (i + 1) % 2;
		if (m2 == 0) {
			if (d2 == n + 1) {
				a = n - ll - ceilf - 1;
				b = n + ll + ceilf - 1;
			} else {
				a = d2 - 1 - ll - roundf - 1;
				b = d2 + ll - 1 + ceilf - 1;
			}
		} else {
			a = d2 - 1 - ll - 1;
			b = d2 + ll + roundf - 1;
		}
	}
	*j1 = a + 2 > 0 ? a + 2 : 0;
	*j2 = b < n ? b : n;
}

/* Pr(D_n <= x) by Pomeranz's recursion, scipy's _kolmogn_Pomeranz. */
static double kolmogn_pomeranz(long n, double x)
{
	double t = (double)n * x;
	long ll = (long)floor(t);
	double f = t - (double)ll, g = fmin(f, 1.0 - f);
	long ceilf = f > 0, roundf = f > 0.5;
	long np = 2 * (ll + 1), expnt = 0, j1, j2, V0s = 0, V1s = 0;
	double *gp = malloc((size_t)np * 5 * sizeof(double));
	double *tg, *og, *V0, *V1, *conv;
	long double ans;

	if (!gp)
		return NAN;
	tg = gp + np, og = tg + np, V0 = og + np, V1 = V0 + np;
	conv = malloc((size_t)(2 * np + 1) * sizeof(double));
	if (!conv) {
		free(gp);
		return NAN;
	}
	gp[0] = tg[0] = og[0] = 1.0;
	double gn = g / n, tgn = 2 * g / n, ogn = (1 - 2 * g) / n;
	for (long m = 1; m < np; m++) {
		gp[m] = gp[m - 1] * gn / m;
		tg[m] = tg[m - 1] * tgn / m;
		og[m] = og[m - 1] * ogn / m;
	}
	memset(V0, 0, (size_t)np * sizeof(double));
	memset(V1, 0, (size_t)np * sizeof(double));
	V1[0] = 1;
	pom_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (long i = 1; i < 2 * n + 2; i++) {
		long k1 = j1, s;
		double *tmp = V0, *pw;
		V0 = V1, V1 = tmp;
		s = V0s, V0s = V1s, V1s = s;
		memset(V1, 0, (size_t)np * sizeof(double));
		pom_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		pw = (i == 1 || i == 2 * n + 1) ? gp : (i % 2 ? tg : og);
		long ln2 = j2 - k1 + 1;
		if (ln2 <= 0)
			continue;
		long off = k1 - V0s;
		long la = off + ln2 <= np ? ln2 : np - off;
		long lb = ln2 <= np ? ln2 : np;
		long lc = la + lb - 1;
		for (long c = 0; c < lc; c++) {
			double acc = 0;
			for (long a = c - (lb - 1) > 0 ? c - (lb - 1) : 0;
			     a < la && a <= c; a++)
				acc += V0[off + a] * pw[c - a];
			conv[c] = acc;
		}
		long cs = j1 - k1, cl = j2 - j1 + 1;
		double vmax = 0;
		for (long c = 0; c < cl && cs + c < lc; c++) {
			V1[c] = conv[cs + c];
			if (V1[c] > vmax)
				vmax = V1[c];
		}
		if (vmax > 0 && vmax < (double)EM128) {
			for (long c = 0; c < np; c++)
				V1[c] = (double)(V1[c] * EP128);
			expnt -= E128;
		}
		V1s = V0s + j1 - k1;
	}
	ans = V1[n - V1s];
	for (long m = 1; m <= n; m++) {
		if (fabsl(ans) > EP128) {
			ans *= EM128;
			expnt += E128;
		}
		ans *= m;
	}
	if (expnt)
		ans = ldexpl(ans, (int)expnt);
	free(gp);
	free(conv);
	return (double)ans;
}

/* Pelz-Good approximation of Pr(D_n <= x), scipy's _kolmogn_PelzGood. */
static double kolmogn_pelzgood(long n, double x)
{
	const double PI2 = M_PI * M_PI, PI4 = PI2 * PI2, PI6 = PI4 * PI2;
	const double SQRT2PI = sqrt(2 * M_PI), SQRT3 = sqrt(3.0);

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	double z = sqrt((double)n) * x;
	double z2 = z * z, z3 = z * z * z, z4 = z2 * z2, z6 = z4 * z2;
	double qlog = -PI2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	double q = exp(qlog);
	double k1a = -z2, k1b = PI2 / 4;
	double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * PI2 / 4;
	double k2c = PI4 * (1 - 2 * z2) / 16;
	double k3d = PI6 * (5 - 30 * z2) / 64;
	double k3c = PI4 * (-60 * z2 + 212 * z4) / 16;
	double k3b = PI2 * (135 * z4 - 96 * z6) / 4;
	double k3a = -30 * z6 - 90 * pow(z, 8);
	double K[4] = {0, 0, 0, 0};
	long maxk = (long)ceil(16 * z / M_PI);
	for (long k = maxk; k > 0; k--) {
		double m = 2 * k - 1, ms = m * m, m4 = ms * ms, m6 = m4 * ms;
		double qp = pow(q, 8 * k);
		double c[4] = {1.0, k1a + k1b * ms, k2a + k2b * ms + k2c * m4,
			       k3a + k3b * ms + k3c * m4 + k3d * m6};
		for (int i = 0; i < 4; i++)
			K[i] = K[i] * qp + c[i];
	}
	double div[4] = {z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)};
	for (int i = 0; i < 4; i++)
		K[i] = K[i] * q * SQRT2PI / div[i];
	q = exp(-PI2 / 2 / z2);
	double k2e = 0, k3e = 0, s3z = SQRT3 * z;
	for (long k = maxk; k > 0; k--) {
		double ks = (double)k * k, qk = pow(q, ks), kp = M_PI * k;
		k2e += ks * qk;
		k3e += (s3z + kp) * (s3z - kp) * ks * qk;
	}
	K[2] += k2e * PI2 * SQRT2PI / (-36 * z3);
	K[3] += k3e * PI2 * SQRT2PI / (216 * z6);
	double sum = 0;
	for (int i = 0; i < 4; i++)
		sum += K[i] / pow((double)n, i / 2.0);
	return sum;
}

static double log_nfact_div_npown(long n)
{
	static const double c[] = {
	    -2.955065359477124183e-2,  6.4102564102564102564e-3,
	    -1.9175269175269175269e-3, 8.4175084175084175084e-4,
	    -5.952380952380952381e-4,  7.9365079365079365079e-4,
	    -2.7777777777777777778e-3, 8.3333333333333333333e-2};
	double rn = 1.0 / n, x = rn / n, pv = 0;
	for (int i = 0; i < 8; i++)
		pv = pv * x + c[i];
	return log((double)n) / 2 - n + log(2 * M_PI) / 2 + rn * pv;
}

double stats_kolmogn_sf(long n, double x)
{
	if (n <= 0 || isnan(x))
		return NAN;
	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	double t = (double)n * x;
	if (t <= 1.0) {
		double prob = 1;
		if (t <= 0.5)
			return 1.0;
		if (n <= 140)
			for (long i = 1; i <= n; i++)
				prob *= (double)i * (1.0 / n) * (2 * t - 1);
		else
			prob = exp(log_nfact_div_npown(n) + n * log(2 * t - 1));
		return clip01(1.0 - prob);
	}
	if (t >= n - 1)
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5)
		return clip01(2 * stats_smirnov(n, x));
	double nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 0.754693)
			return clip01(1.0 - kolmogn_dmtw(n, x));
		if (nx2 <= 4)
			return clip01(1.0 - kolmogn_pomeranz(n, x));
		return clip01(2 * stats_smirnov(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return clip01(2 * stats_smirnov(n, x));
	double cdf;
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_dmtw(n, x);
	else
		cdf = kolmogn_pelzgood(n, x);
	return clip01(1.0 - cdf);
}
