/* test_stats.c: unit tests of src/probe/stats*.c against values computed
 * with scipy 1.10 / numpy 1.24 (Debian 12), to 1e-9 relative. The e2e test
 * drift_scipy.sh compares on generated data; these pin each function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "stats/stats.h"

static void near(double got, double want, const char *what)
{
	double tol = 1e-9 * fmax(fabs(got), fabs(want));
	if (!(fabs(got - want) <= tol)) {
		print_error("%s: got %.17g, want %.17g\n", what, got, want);
		fail();
	}
}

static void test_igamc_chi2(void **state)
{
	(void)state;
	near(stats_igamc(0.5, 0.1), 0.6547208460185768, "Q(0.5,0.1)");
	near(stats_igamc(1, 1), 0.36787944117144245, "Q(1,1)");
	near(stats_igamc(2.5, 10), 0.0012497305630313773, "Q(2.5,10)");
	near(stats_igamc(10, 3), 0.9988975118698845, "Q(10,3)");
	near(stats_igamc(100, 120), 0.027863739890520652, "Q(100,120)");
	near(stats_igamc(0.1, 50), 5.891960493418553e-25, "Q(0.1,50)");
	near(stats_igamc(500, 450), 0.9892827619087102, "Q(500,450)");
	near(stats_chi2_sf(3.84, 1), 0.05004352124870519, "chi2(3.84,1)");
	near(stats_chi2_sf(10, 3), 0.01856613546304325, "chi2(10,3)");
	near(stats_chi2_sf(100, 50), 3.454931382984871e-05, "chi2(100,50)");
	near(stats_chi2_sf(0.5, 7), 0.9994464813904249, "chi2(0.5,7)");
	assert_true(stats_chi2_sf(INFINITY, 3) == 0);
	assert_true(stats_chi2_sf(0, 3) == 1);
	assert_true(isnan(stats_igamc(-1, 1)));
	assert_true(isnan(stats_igamc(1, NAN)));

	double obs[] = {10, 20, 30}, exp[] = {15, 25, 20}, st, p;
	stats_chisquare(obs, exp, 3, &st, &p);
	near(st, 7.666666666666667, "chisquare stat");
	near(p, 0.021637370719493086, "chisquare p");
	double exp0[] = {15, 0, 45};
	stats_chisquare(obs, exp0, 3, &st, &p);
	assert_true(isinf(st) &&
		    p == 0); /* a new category: scipy gives inf, 0 */
}

static void test_kolmogorov(void **state)
{
	static const struct {
		long n;
		double x, sf;
	} k[] = {{10, 0.2, 0.7487190399999999},
		 {10, 0.35, 0.1339605462624991},
		 {10, 0.6, 0.0005681672000000003},
		 {100, 0.05, 0.9532159710635725},
		 {100, 0.1, 0.2526927570063874},
		 {100, 0.2, 0.0005551927327988775},
		 {1000, 0.02, 0.8108971656895577},
		 {1000, 0.05, 0.013012074781090332},
		 {5000, 0.004, 0.9999977369528622},
		 {200000, 0.003, 0.0545369786611305},
		 {50, 0.019, 1.0},
		 {50, 0.99, 2.0000000000000889e-100}};
	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "kstwo.sf(%g, %ld)", k[i].x,
			 k[i].n);
		near(stats_kolmogn_sf(k[i].n, k[i].x), k[i].sf, what);
	}
	near(stats_smirnov(10, 0.3), 0.1354635556, "smirnov(10,0.3)");
	near(stats_smirnov(100, 0.1), 0.1265906584562817, "smirnov(100,0.1)");
	near(stats_smirnov(1000, 0.05), 0.006506037390545166,
	     "smirnov(1000,.05)");
	assert_true(stats_kolmogn_sf(10, 0) == 1 &&
		    stats_kolmogn_sf(10, 1) == 0);
	assert_true(isnan(stats_kolmogn_sf(0, 0.5)));
}

static void test_ks_2samp(void **state)
{
	double a[] = {0.1, 0.5, 0.9, 1.3, 2.0}, b[] = {0.2, 0.25, 1.1, 3.0};
	double c[] = {1, 2, 3, 4, 5, 6}, d[] = {4, 5, 6, 7, 8, 9};
	struct stats_ks r;
	(void)state;
	assert_int_equal(stats_ks_2samp(a, 5, b, 4, KS_AUTO, &r), 0);
	near(r.d, 0.3, "ks d");
	near(r.p, 0.9682539682539681, "ks p (exact, unequal)");
	assert_true(r.exact);
	assert_int_equal(stats_ks_2samp(c, 6, d, 6, KS_AUTO, &r), 0);
	near(r.d, 0.5, "ks d square");
	near(r.p, 0.474025974025974, "ks p (exact, equal sizes)");
	assert_int_equal(stats_ks_2samp(a, 0, b, 4, KS_AUTO, &r), -1);
	/* identical samples: d = 0, p = 1 */
	assert_int_equal(stats_ks_2samp(a, 5, a, 5, KS_AUTO, &r), 0);
	assert_true(r.d == 0 && r.p == 1);
}

static void test_distances(void **state)
{
	double a[] = {0.1, 0.5, 0.9, 1.3, 2.0}, b[] = {0.2, 0.25, 1.1, 3.0};
	double p[] = {0.5, 0.3, 0.2}, q[] = {0.1, 0.6, 0.3}, *e, z, pv;
	(void)state;
	near(stats_wasserstein(a, 5, b, 4), 0.47250000000000003, "wasserstein");
	assert_true(stats_wasserstein(a, 5, a, 5) == 0);
	near(stats_jensenshannon(p, q, 3, 0), 0.3213946567929748, "js base e");
	near(stats_jensenshannon(p, q, 3, 2), 0.38603432433827223, "js base 2");
	assert_true(stats_jensenshannon(p, p, 3, 2) == 0);
	near(stats_ndtr(1.5), 0.9331927987311419, "ndtr(1.5)");
	near(stats_ndtr(-3.0), 0.0013498980316300933, "ndtr(-3)");
	size_t ne = stats_sturges_edges(a, 5, b, 4, &e);
	double want[] = {
	    0.1, 0.6799999999999999, 1.26, 1.8399999999999999, 2.42, 3.0};
	assert_int_equal(ne, 6);
	for (size_t i = 0; i < ne; i++)
		assert_true(e[i] == want[i]); /* bit-identical to numpy */
	double cnt[5];
	stats_hist_sorted(b, 4, e, ne, cnt);
	assert_true(cnt[0] == 2 && cnt[1] == 1 && cnt[2] == 0 && cnt[3] == 0 &&
		    cnt[4] == 1);
	free(e);
	/* PSI: identical proportions give 0; zero filling as Evidently */
	double f[] = {0.5, 0, 0.5};
	stats_fill_zeroes(f, 3);
	assert_true(f[1] == 0.0001);
	double g[] = {0.00005, 0, 0.99995};
	stats_fill_zeroes(g, 3);
	assert_true(g[1] == 0.00005 / 1e6);
	assert_true(stats_psi(p, p, 3) == 0);
	stats_ztest(30, 100, 30, 100, &z, &pv);
	assert_true(z == 0 && pv == 1);
	stats_ztest(0, 100, 0, 100, &z, &pv);
	assert_true(isnan(z) && isnan(pv)); /* no variance: no number */
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static void test_sort(void **state)
{
	size_t n = 100000;
	double *v = malloc(n * sizeof(*v)), *w = malloc(n * sizeof(*w));
	int32_t *iv = malloc(n * sizeof(*iv));
	(void)state;
	srand(7);
	for (size_t i = 0; i < n; i++) {
		v[i] = ((double)rand() / RAND_MAX - 0.5) *
		       pow(10, rand() % 20 - 10);
		if (i % 1000 == 0)
			v[i] = i % 2000 ? -0.0 : INFINITY;
		w[i] = v[i];
		iv[i] = rand() - RAND_MAX / 2;
	}
	assert_int_equal(stats_sort(v, n, NULL), 0);
	qsort(w, n, sizeof(*w), cmp_d);
	for (size_t i = 0; i < n; i++)
		assert_true(v[i] == w[i]);
	assert_int_equal(stats_sort_i32(iv, n), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(iv[i - 1] <= iv[i]);
	assert_int_equal(stats_nunique_sorted(w, 0), 0);
	double u1[] = {1, 1, 2}, u2[] = {2, 3};
	assert_int_equal(stats_nunique_union(u1, 3, u2, 2), 3);
	free(v), free(w), free(iv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_igamc_chi2),
	    cmocka_unit_test(test_kolmogorov),
	    cmocka_unit_test(test_ks_2samp),
	    cmocka_unit_test(test_distances),
	    cmocka_unit_test(test_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
