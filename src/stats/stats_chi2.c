/* stats_chi2.c: chi-square and normal tails. Q(a, x) is the regularized
 * upper incomplete gamma function, computed as Numerical Recipes / Cephes
 * do: the power series of P for x < a + 1 (then Q = 1 - P, which has no
 * cancellation there), the Lentz continued fraction of Q otherwise; the
 * prefactor x^a e^-x / Gamma(a) goes through logs. */
#include <math.h>

#include "stats/stats.h"

#define IGAM_EPS 1e-16
#define IGAM_MAXIT 100000

/* e^-x x^a / Gamma(a), in logs. */
static double igam_fac(double a, double x)
{
	return exp(a * log(x) - x - lgamma(a));
}

/* P(a, x) by its series; for x < a + 1. */
static double igam_series(double a, double x)
{
	double ap = a, del = 1.0 / a, sum = del;

	for (int i = 0; i < IGAM_MAXIT; i++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * IGAM_EPS)
			break;
	}
	return sum * igam_fac(a, x);
}

/* Q(a, x) by the continued fraction (modified Lentz); for x >= a + 1. */
static double igamc_cf(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;

	for (int i = 1; i < IGAM_MAXIT; i++) {
		double an = -i * (i - a), del;
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < IGAM_EPS)
			break;
	}
	return h * igam_fac(a, x);
}

double stats_igamc(double a, double x)
{
	if (isnan(a) || isnan(x) || a <= 0 || x < 0)
		return NAN;
	if (x == 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x < a + 1)
		return 1.0 - igam_series(a, x);
	return igamc_cf(a, x);
}

double stats_chi2_sf(double x, double k)
{
	if (isnan(x) || !(k > 0))
		return NAN;
	if (x <= 0)
		return 1.0;
	return stats_igamc(k / 2, x / 2);
}

void stats_chisquare(const double *obs, const double *exp, size_t k,
		     double *stat, double *p)
{
	double s = 0, c = 0;

	for (size_t i = 0; i < k; i++) {
		double d = obs[i] - exp[i], t = d * d / exp[i], y = s + t;
		c += fabs(s) >= fabs(t) ? (s - y) + t : (t - y) + s;
		s = y;
	}
	*stat = isfinite(s) ? s + c : s;
	*p = k < 2 ? NAN : stats_chi2_sf(*stat, (double)(k - 1));
}

double stats_ndtr(double a)
{
	double x = a * M_SQRT1_2, z = fabs(x);

	if (isnan(a))
		return NAN;
	if (z < M_SQRT1_2)
		return 0.5 + 0.5 * erf(x);
	double y = 0.5 * erfc(z);
	return x > 0 ? 1.0 - y : y;
}

void stats_ztest(double x1, double n1, double x2, double n2, double *z,
		 double *p)
{
	double p1 = x1 / n1, p2 = x2 / n2;
	double P = (p1 * n1 + p2 * n2) / (n1 + n2);

	*z = (p1 - p2) / sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
	*p = isnan(*z) ? NAN : 2 * (1 - stats_ndtr(fabs(*z)));
}
