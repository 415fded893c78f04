/* stats.h: the statistics behind the drift probe, each matching a named
 * reference (scipy 1.10 / numpy 1.24 as shipped by Debian 12) to 1e-9
 * relative: two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp), the
 * Kolmogorov distribution (scipy.stats.kstwo), chi-square
 * (scipy.stats.chisquare and chi2.sf), Wasserstein-1
 * (scipy.stats.wasserstein_distance), Jensen-Shannon distance
 * (scipy.spatial.distance.jensenshannon), the two-proportion Z test and
 * PSI as Evidently computes them, numpy's Sturges histogram edges. */
#ifndef ML_STATS_H
#define ML_STATS_H

#include <stddef.h>
#include <stdint.h>

/* --- sorting and moments ------------------------------------------- */

/* Sorts n doubles ascending (LSD radix on the IEEE bits; -0.0 before 0.0;
 * no NaN allowed). tmp: NULL or scratch of n doubles. Returns 0 or -1 on
 * out-of-memory. */
int stats_sort(double *v, size_t n, double *tmp);

/* Sorts n int32 ascending (LSD radix). Returns 0 or -1 (out of memory). */
int stats_sort_i32(int32_t *v, size_t n);

/* Mean and population standard deviation (ddof 0, numpy's np.std) with
 * compensated sums. n = 0 gives NaN. */
double stats_mean(const double *v, size_t n);
double stats_std(const double *v, size_t n);

/* Distinct values in a sorted array. */
size_t stats_nunique_sorted(const double *v, size_t n);

/* Distinct values in the union of two sorted arrays. */
size_t stats_nunique_union(const double *a, size_t na, const double *b,
			   size_t nb);

/* --- Kolmogorov-Smirnov -------------------------------------------- */

enum stats_ks_mode { KS_AUTO = 0, KS_EXACT, KS_ASYMP };

struct stats_ks {
	double d;  /* statistic (exact mode: rounded to h/lcm as scipy) */
	double p;  /* two-sided p-value */
	int exact; /* which method gave p */
};

/* Two-sided two-sample KS on sorted, non-empty, NaN-free arrays, as
 * scipy.stats.ks_2samp(method=mode). Returns 0, or -1 when an array is
 * empty. */
int stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb,
		   enum stats_ks_mode mode, struct stats_ks *out);

/* Survival function of the two-sided one-sample KS statistic D_n
 * (scipy.stats.kstwo.sf(d, n), Simard & L'Ecuyer's choice of methods). */
double stats_kolmogn_sf(long n, double d);

/* One-sided Smirnov survival function (scipy.special.smirnov). */
double stats_smirnov(long n, double d);

/* --- chi-square, normal ------------------------------------------- */

/* Regularized upper incomplete gamma Q(a, x) (scipy.special.gammaincc). */
double stats_igamc(double a, double x);

/* Chi-square survival function with k degrees of freedom. */
double stats_chi2_sf(double x, double k);

/* Pearson chi-square of observed vs expected counts over k cells
 * (scipy.stats.chisquare(f_obs, f_exp)): *stat and *p (k - 1 degrees of
 * freedom). k < 2 gives stat 0, p NaN. */
void stats_chisquare(const double *obs, const double *exp, size_t k,
		     double *stat, double *p);

/* Standard normal CDF (scipy.special.ndtr). */
double stats_ndtr(double x);

/* Evidently's two-proportion Z test: x1 of n1 vs x2 of n2 "successes";
 * two-sided p = 2 * (1 - ndtr(|z|)). *z may be NaN (no variance). */
void stats_ztest(double x1, double n1, double x2, double n2, double *z,
		 double *p);

/* --- distances ------------------------------------------------------ */

/* scipy.stats.wasserstein_distance of two sorted non-empty arrays. */
double stats_wasserstein(const double *a, size_t na, const double *b,
			 size_t nb);

/* scipy.spatial.distance.jensenshannon(p, q, base); base <= 0 means e.
 * p and q are normalised by their sums first. */
double stats_jensenshannon(const double *p, const double *q, size_t k,
			   double base);

/* PSI = sum((p - q) * ln(p / q)) over proportions (Evidently's psi). */
double stats_psi(const double *p, const double *q, size_t k);

/* Evidently's zero filling of proportions (get_binned_data with
 * feel_zeroes): zeros become min(nonzero)/1e6 when that minimum is at most
 * 1e-4, else 1e-4. */
void stats_fill_zeroes(double *p, size_t k);

/* numpy.histogram_bin_edges(x, bins="sturges") for x = the union of two
 * sorted arrays. Returns the number of edges written to a new array *edges
 * (caller frees), or 0 on out-of-memory / empty input. */
size_t stats_sturges_edges(const double *a, size_t na, const double *b,
			   size_t nb, double **edges);

/* numpy.histogram(sorted x, edges) counts (last bin closed) into counts[]
 * (nedges - 1 cells). */
void stats_hist_sorted(const double *x, size_t n, const double *edges,
		       size_t nedges, double *counts);

/* Compensated (Neumaier) sum. */
double stats_sum(const double *v, size_t n);

#endif
