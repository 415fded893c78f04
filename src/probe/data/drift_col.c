/* drift_col.c: one column's drift test. The default choice follows
 * Evidently's _get_default_stattest: with at most 1,000 reference values,
 * KS for numeric columns (chi-square, or Z for two values, when the two
 * samples have at most 5 distinct values together) and chi-square / Z for
 * categorical ones; with more, normed Wasserstein for numeric (Jensen-
 * Shannon when at most 5 distinct values) and Jensen-Shannon for
 * categorical. Binning for JS and PSI is Evidently's get_binned_data:
 * numpy Sturges bins over both samples when the reference has more than
 * 20 distinct numeric values, else one bin per value. Missing, NaN and
 * infinite values are left out first, as Evidently drops them. */
#include "probe/data/drift_col.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "csv/csv_dict.h"
#include "stats/stats.h"

/* Category counts of both samples over the union of their values. */
struct cats {
	size_t k;
	double *ref, *cur;
	char **label; /* owned */
	int first;    /* index of the smallest key (Z test) */
};

static void cats_free(struct cats *c)
{
	for (size_t i = 0; i < c->k && c->label; i++)
		free(c->label[i]);
	free(c->label);
	free(c->ref);
	free(c->cur);
	memset(c, 0, sizeof(*c));
}

static int cats_alloc(struct cats *c, size_t k)
{
	c->k = k;
	c->ref = calloc(k ? k : 1, sizeof(double));
	c->cur = calloc(k ? k : 1, sizeof(double));
	c->label = calloc(k ? k : 1, sizeof(char *));
	return c->ref && c->cur && c->label ? 0 : -1;
}

static char *fmt_num(double v)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%.15g", v);
	return buf_detach(&b, NULL);
}

/* Categories of two sorted numeric samples (their distinct values). */
static int cats_from_num(const double *a, size_t na, const double *b, size_t nb,
			 struct cats *c)
{
	size_t i = 0, j = 0, k = 0;

	if (cats_alloc(c, stats_nunique_union(a, na, b, nb)))
		return -1;
	while (i < na || j < nb) {
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		size_t i0 = i, j0 = j;
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		c->ref[k] = (double)(i - i0);
		c->cur[k] = (double)(j - j0);
		c->label[k++] = fmt_num(x);
	}
	c->first = 0;
	return 0;
}

/* Categories of two code columns, matched by text. */
static int cats_from_codes(const struct csv_col *r, size_t nr,
			   const struct csv_col *u, size_t nu, struct cats *c)
{
	struct csv_col tmp = {0};
	uint32_t *rmap = malloc((r->nlevels + 1) * sizeof(*rmap));
	uint32_t *umap = malloc((u->nlevels + 1) * sizeof(*umap));
	int rc = -1, is_new;

	if (!rmap || !umap)
		goto out;
	for (uint32_t i = 0; i < r->nlevels; i++)
		if (csv_dict_code(&tmp, r->levels[i], strlen(r->levels[i]),
				  &rmap[i], &is_new))
			goto out;
	for (uint32_t i = 0; i < u->nlevels; i++)
		if (csv_dict_code(&tmp, u->levels[i], strlen(u->levels[i]),
				  &umap[i], &is_new))
			goto out;
	if (cats_alloc(c, tmp.nlevels))
		goto out;
	for (size_t i = 0; i < nr; i++)
		if (r->code[i] != CSV_NA_CODE)
			c->ref[rmap[r->code[i]]] += 1;
	for (size_t i = 0; i < nu; i++)
		if (u->code[i] != CSV_NA_CODE)
			c->cur[umap[u->code[i]]] += 1;
	c->first = 0;
	for (uint32_t i = 0; i < tmp.nlevels; i++) {
		c->label[i] = tmp.levels[i];
		tmp.levels[i] = NULL;
		if (strcmp(c->label[i], c->label[c->first]) < 0)
			c->first = (int)i;
	}
	/* drop categories seen in neither sample (levels of missing rows) */
	size_t w = 0;
	for (size_t i = 0; i < c->k; i++) {
		if (c->ref[i] == 0 && c->cur[i] == 0) {
			free(c->label[i]);
			continue;
		}
		if ((size_t)c->first == i)
			c->first = (int)w;
		c->ref[w] = c->ref[i], c->cur[w] = c->cur[i];
		c->label[w++] = c->label[i];
	}
	c->k = w;
	rc = 0;
out:
	free(rmap);
	free(umap);
	free(tmp.levels);
	csv_dict_free(tmp.dict);
	return rc;
}

/* The finite values of a numeric column, sorted, as doubles in *out: the
 * column's own array (compacted in place, *own = 0) or, for fixed-point
 * storage, a new array (*own = 1). Returns the count or (size_t)-1. */
static size_t sorted_values(struct csv_col *c, size_t nrows, double **out,
			    int *own)
{
	size_t w = 0;

	*own = 0;
	*out = NULL;
	if (!c->is_fix) {
		for (size_t i = 0; i < nrows; i++)
			if (isfinite(c->num[i]))
				c->num[w++] = c->num[i];
		*out = c->num;
		return stats_sort(c->num, w, NULL) ? (size_t)-1 : w;
	}
	for (size_t i = 0; i < nrows; i++)
		if (c->fix[i] != CSV_FIX_NA)
			c->fix[w++] = c->fix[i];
	if (stats_sort_i32(c->fix, w))
		return (size_t)-1;
	double *d = malloc((w ? w : 1) * sizeof(*d));
	if (!d)
		return (size_t)-1;
	for (size_t i = 0; i < w; i++)
		d[i] = (double)c->fix[i] / csv_pow10[c->scale];
	*out = d;
	*own = 1;
	return w;
}

/* Result of one test. */
struct res {
	const char *test;
	double stat, p, score, thr;
	int has_p, drifted;
	const char *extra_k, *extra_v;
};

static void test_chisquare(const struct cats *c, double nref, double ncur,
			   struct res *r)
{
	double *e = malloc((c->k ? c->k : 1) * sizeof(double));
	double knorm = ncur / nref;

	r->test = "chisquare";
	r->has_p = 1;
	if (!e) {
		r->stat = r->p = NAN;
		return;
	}
	for (size_t i = 0; i < c->k; i++)
		e[i] = c->ref[i] * knorm;
	stats_chisquare(c->cur, e, c->k, &r->stat, &r->p);
	free(e);
}

static void test_z(const struct cats *c, double nref, double ncur,
		   struct res *r)
{
	size_t ur = 0, uc = 0, sr = 0, sc = 0;

	r->test = "z";
	r->has_p = 1;
	for (size_t i = 0; i < c->k; i++) {
		if (c->ref[i] > 0)
			ur++, sr = i;
		if (c->cur[i] > 0)
			uc++, sc = i;
	}
	if (ur == 1 && uc == 1 && sr == sc) {
		r->stat = 0;
		r->p = 1;
		return;
	}
	/* indicator: 0 for the smallest key, 1 otherwise */
	stats_ztest(nref - c->ref[c->first], nref, ncur - c->cur[c->first],
		    ncur, &r->stat, &r->p);
}

/* Proportions of each sample per bin (Evidently's get_binned_data). */
static int binned(const double *a, size_t na, const double *b, size_t nb,
		  const struct cats *cat, double **pr, double **pc, size_t *k)
{
	if (cat) {
		*k = cat->k;
		*pr = malloc((*k ? *k : 1) * sizeof(double));
		*pc = malloc((*k ? *k : 1) * sizeof(double));
		if (!*pr || !*pc)
			return -1;
		for (size_t i = 0; i < *k; i++) {
			(*pr)[i] = cat->ref[i] / (double)na;
			(*pc)[i] = cat->cur[i] / (double)nb;
		}
		return 0;
	}
	double *edges;
	size_t ne = stats_sturges_edges(a, na, b, nb, &edges);
	if (!ne)
		return -1;
	*k = ne - 1;
	*pr = malloc(*k * sizeof(double));
	*pc = malloc(*k * sizeof(double));
	if (!*pr || !*pc) {
		free(edges);
		return -1;
	}
	stats_hist_sorted(a, na, edges, ne, *pr);
	stats_hist_sorted(b, nb, edges, ne, *pc);
	for (size_t i = 0; i < *k; i++) {
		(*pr)[i] /= (double)na;
		(*pc)[i] /= (double)nb;
	}
	free(edges);
	return 0;
}

static void test_binned(const char *test, const double *a, size_t na,
			const double *b, size_t nb, const struct cats *cat,
			struct res *r)
{
	double *pr = NULL, *pc = NULL;
	size_t k = 0;

	r->test = test;
	r->has_p = 0;
	r->stat = NAN;
	if (!binned(a, na, b, nb, cat, &pr, &pc, &k)) {
		if (!strcmp(test, "psi")) {
			stats_fill_zeroes(pr, k);
			stats_fill_zeroes(pc, k);
			r->stat = stats_psi(pr, pc, k);
		} else {
			r->stat = stats_jensenshannon(pr, pc, k, 2.0);
		}
	}
	free(pr);
	free(pc);
}

static void decide(struct res *r, double thr)
{
	int is_p = r->has_p;

	r->thr = isnan(thr) ? (is_p ? 0.05 : 0.1) : thr;
	r->score = is_p ? r->p : (isnan(r->score) ? r->stat : r->score);
	r->drifted = is_p ? r->score < r->thr : r->score >= r->thr;
	if (!strcmp(r->test, "psi"))
		r->extra_k = "psi_band", r->extra_v = r->score < 0.1 ? "stable"
						      : r->score < 0.25
							  ? "moderate"
							  : "significant";
}

static const char *const known_tests[] = {"auto",      "ks", "wasserstein",
					  "chisquare", "z",  "jensenshannon",
					  "psi",       NULL};

int drift_test_known(const char *name)
{
	for (size_t i = 0; known_tests[i]; i++)
		if (!strcmp(name, known_tests[i]))
			return 1;
	return 0;
}

/* Histogram for the report: proportions per bin or per category. */
static json_t *make_hist(const double *a, size_t na, const double *b, size_t nb,
			 const struct cats *cat)
{
	json_t *h = json_object(), *lab = json_array(), *r = json_array(),
	       *c = json_array();

	if (cat) {
		/* the 30 largest categories by total count */
		size_t k = cat->k, take = k < 30 ? k : 30;
		char *used = calloc(k ? k : 1, 1);
		for (size_t t = 0; used && t < take; t++) {
			size_t best = k;
			for (size_t i = 0; i < k; i++)
				if (!used[i] &&
				    (best == k ||
				     cat->ref[i] + cat->cur[i] >
					 cat->ref[best] + cat->cur[best]))
					best = i;
			used[best] = 1;
			json_array_append_new(lab,
					      json_string(cat->label[best]));
			json_array_append_new(
			    r, json_real(cat->ref[best] / (double)na));
			json_array_append_new(
			    c, json_real(cat->cur[best] / (double)nb));
		}
		free(used);
	} else {
		double *edges, *cr, *cc;
		size_t ne = stats_sturges_edges(a, na, b, nb, &edges);
		cr = calloc(ne ? ne : 1, sizeof(double));
		cc = calloc(ne ? ne : 1, sizeof(double));
		if (ne && cr && cc) {
			stats_hist_sorted(a, na, edges, ne, cr);
			stats_hist_sorted(b, nb, edges, ne, cc);
			for (size_t i = 0; i + 1 < ne; i++) {
				struct buf l = BUF_INIT;
				buf_printf(&l, "%.4g", edges[i]);
				json_array_append_new(lab,
						      json_string(buf_str(&l)));
				buf_free(&l);
				json_array_append_new(
				    r, json_real(cr[i] / (double)na));
				json_array_append_new(
				    c, json_real(cc[i] / (double)nb));
			}
		}
		free(edges);
		free(cr);
		free(cc);
	}
	json_object_set_new(h, "labels", lab);
	json_object_set_new(h, "ref", r);
	json_object_set_new(h, "cur", c);
	return h;
}

static const char *default_num_test(size_t na, size_t nuniq)
{
	if (na <= 1000)
		return nuniq <= 5 ? (nuniq > 2 ? "chisquare" : "z") : "ks";
	return nuniq <= 5 ? "jensenshannon" : "wasserstein";
}

static const char *default_cat_test(size_t na, size_t k)
{
	if (na <= 1000)
		return k > 2 ? "chisquare" : "z";
	return "jensenshannon";
}

/* Runs test on the prepared samples (a, b sorted numeric or NULL; cat). */
static void run_test(const char *test, const double *a, size_t na,
		     const double *b, size_t nb, const struct cats *cat,
		     struct res *r)
{
	r->score = NAN;
	if (!strcmp(test, "ks")) {
		struct stats_ks ks;
		stats_ks_2samp(a, na, b, nb, KS_AUTO, &ks);
		r->test = "ks", r->has_p = 1, r->stat = ks.d, r->p = ks.p;
		r->extra_k = "ks_method";
		r->extra_v = ks.exact ? "exact" : "asymptotic";
	} else if (!strcmp(test, "wasserstein")) {
		double sd = stats_std(a, na);
		r->test = "wasserstein", r->has_p = 0;
		r->stat = stats_wasserstein(a, na, b, nb);
		r->score = r->stat / (sd > 0.001 ? sd : 0.001);
	} else if (!strcmp(test, "chisquare")) {
		test_chisquare(cat, (double)na, (double)nb, r);
	} else if (!strcmp(test, "z")) {
		test_z(cat, (double)na, (double)nb, r);
	} else {
		test_binned(test, a, na, b, nb, cat, r);
	}
}

static json_t *res_json(const char *name, const char *type, size_t na,
			size_t nb, const struct res *r)
{
	json_t *o = json_object();

	jset_str(o, "column", name);
	jset_str(o, "type", type);
	jset_str(o, "test", r->test);
	jset_real(o, "statistic", r->stat);
	if (r->has_p)
		jset_real(o, "p_value", r->p);
	else
		json_object_set_new(o, "p_value", json_null());
	jset_real(o, "score", r->score);
	jset_real(o, "threshold", r->thr);
	jset_bool(o, "drifted", r->drifted);
	jset_int(o, "ref_count", (long long)na);
	jset_int(o, "cur_count", (long long)nb);
	if (r->extra_k)
		jset_str(o, r->extra_k, r->extra_v);
	return o;
}

static json_t *drift_numeric(struct csv_col *ref, size_t nref,
			     struct csv_col *cur, size_t ncur,
			     const struct drift_cfg *cfg, json_t **hist,
			     const char **why)
{
	double *a, *b;
	int own_a, own_b;
	size_t na, nb;
	struct cats cat = {0};
	struct res r = {0};
	const char *test = cfg->test;
	json_t *o = NULL;

	*why = "out of memory";
	na = sorted_values(ref, nref, &a, &own_a);
	nb = sorted_values(cur, ncur, &b, &own_b);
	if (na == (size_t)-1 || nb == (size_t)-1)
		goto out;
	if (!na || !nb) {
		*why = "no values to compare (all missing in one file)";
		goto out;
	}
	size_t nuniq = stats_nunique_union(a, na, b, nb);
	if (!test || !strcmp(test, "auto"))
		test = default_num_test(na, nuniq);
	int need_cat =
	    !strcmp(test, "chisquare") || !strcmp(test, "z") ||
	    ((!strcmp(test, "jensenshannon") || !strcmp(test, "psi")) &&
	     stats_nunique_sorted(a, na) <= 20);
	if (need_cat && cats_from_num(a, na, b, nb, &cat))
		goto out;
	run_test(test, a, na, b, nb, need_cat ? &cat : NULL, &r);
	decide(&r, cfg->threshold);
	o = res_json(ref->name, "num", na, nb, &r);
	if (cfg->want_hist)
		*hist = make_hist(a, na, b, nb,
				  nuniq <= 20 && need_cat ? &cat : NULL);
out:
	cats_free(&cat);
	if (own_a)
		free(a);
	if (own_b)
		free(b);
	return o;
}

static json_t *drift_categorical(struct csv_col *ref, size_t nref,
				 struct csv_col *cur, size_t ncur,
				 const struct drift_cfg *cfg, json_t **hist,
				 const char **why)
{
	struct cats cat = {0};
	struct res r = {0};
	const char *test = cfg->test;
	size_t na = 0, nb = 0;
	json_t *o;

	*why = "out of memory";
	if (cats_from_codes(ref, nref, cur, ncur, &cat))
		return NULL;
	for (size_t i = 0; i < cat.k; i++)
		na += (size_t)cat.ref[i], nb += (size_t)cat.cur[i];
	if (!na || !nb) {
		cats_free(&cat);
		*why = "no values to compare (all missing in one file)";
		return NULL;
	}
	if (!test || !strcmp(test, "auto") || !strcmp(test, "ks") ||
	    !strcmp(test, "wasserstein"))
		test = default_cat_test(na, cat.k);
	run_test(test, NULL, na, NULL, nb, &cat, &r);
	decide(&r, cfg->threshold);
	o = res_json(ref->name, "cat", na, nb, &r);
	if (cfg->want_hist)
		*hist = make_hist(NULL, na, NULL, nb, &cat);
	cats_free(&cat);
	return o;
}

json_t *drift_column(struct csv_col *ref, size_t nref, struct csv_col *cur,
		     size_t ncur, const struct drift_cfg *cfg, json_t **hist,
		     const char **why)
{
	int rn = csv_type_numeric(ref->type), cn = csv_type_numeric(cur->type);

	*hist = NULL;
	if (ref->type == CSV_EMPTY || cur->type == CSV_EMPTY) {
		*why = "no values in one of the files";
		return NULL;
	}
	if (rn != cn) {
		*why = "numeric in one file and text in the other";
		return NULL;
	}
	if (rn)
		return drift_numeric(ref, nref, cur, ncur, cfg, hist, why);
	return drift_categorical(ref, nref, cur, ncur, cfg, hist, why);
}
