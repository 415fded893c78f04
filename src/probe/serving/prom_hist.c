/* prom_hist.c: classic histograms (NAME_bucket{le=...}, NAME_count,
 * NAME_sum) gathered from exposition samples, with their quantiles. */
#include "probe/serving/prom_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "probe/serving/prom_quantile.h"

int prom_hist_parse_quantiles(const char *text, double **qs, size_t *n,
			      struct ml_err *err)
{
	char *copy = xstrdup(text), *save = NULL, *tok;
	int rc = 0;

	*qs = NULL;
	*n = 0;
	for (tok = strtok_r(copy, ", ", &save); tok && !rc;
	     tok = strtok_r(NULL, ", ", &save)) {
		double q;
		if (str_to_double(tok, &q) || isnan(q)) {
			rc = ml_err_set(err, ML_EUSAGE,
					"quantile `%s` is not a number (use "
					"e.g. 0.5,0.99)",
					tok);
			break;
		}
		*qs = xrealloc(*qs, (*n + 1) * sizeof(**qs));
		(*qs)[(*n)++] = q;
	}
	if (!rc && *n == 0)
		rc = ml_err_set(err, ML_EUSAGE,
				"quantiles: give at least one, "
				"e.g. 0.5,0.99");
	free(copy);
	if (rc) {
		free(*qs);
		*qs = NULL;
		*n = 0;
	}
	return rc;
}

void prom_hist_qkey(double q, char *out, size_t n)
{
	char *dot;

	snprintf(out, n, "p%.10g", q * 100);
	if ((dot = strchr(out, '.')) != NULL)
		*dot = '_';
	if (strchr(out, '-'))
		*strchr(out, '-') = 'm';
}

struct hsample {
	const struct prom_sample *s;
	char *key;
};

static int cmp_label_name(const void *a, const void *b)
{
	return strcmp((*(const struct prom_label *const *)a)->name,
		      (*(const struct prom_label *const *)b)->name);
}

/* Identity of s's label set without `le`. Caller frees. */
static char *group_key(const struct prom_sample *s)
{
	const struct prom_label *few[16], **ls = few;
	struct buf b = BUF_INIT;
	int sorted = 1;

	if (s->nlabels > 16)
		ls = xmalloc(s->nlabels * sizeof(*ls));
	for (size_t i = 0; i < s->nlabels; i++) {
		ls[i] = &s->labels[i];
		if (i && strcmp(ls[i - 1]->name, ls[i]->name) > 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(ls, s->nlabels, sizeof(*ls), cmp_label_name);
	buf_puts(&b, ""); /* "" even without labels */
	for (size_t i = 0; i < s->nlabels; i++) {
		if (!strcmp(ls[i]->name, "le"))
			continue;
		buf_puts(&b, ls[i]->name);
		buf_putc(&b, '\xff');
		buf_puts(&b, ls[i]->value);
		buf_putc(&b, '\xff');
	}
	if (ls != few)
		free(ls);
	return buf_detach(&b, NULL);
}

static int cmp_hsample(const void *a, const void *b)
{
	return strcmp(((const struct hsample *)a)->key,
		      ((const struct hsample *)b)->key);
}

/* Samples named name matching sel, sorted by group key. */
static struct hsample *collect(const struct prom_expo *e, const char *name,
			       const struct prom_sel *sel, size_t *n)
{
	struct hsample *h = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < e->nsamples; i++) {
		const struct prom_sample *s = &e->samples[i];
		if (strcmp(s->name, name) || !prom_sel_match(sel, s, 1))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			h = xrealloc(h, cap * sizeof(*h));
		}
		h[*n].s = s;
		h[(*n)++].key = group_key(s);
	}
	if (*n)
		qsort(h, *n, sizeof(*h), cmp_hsample);
	return h;
}

static void free_hs(struct hsample *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].key);
	free(h);
}

/* Value of the sample in h (sorted) with this key, or NAN. */
static double lookup(const struct hsample *h, size_t n, const char *key)
{
	struct hsample k = {NULL, (char *)key};
	const struct hsample *f =
	    n ? bsearch(&k, h, n, sizeof(*h), cmp_hsample) : NULL;
	return f ? f->s->value : NAN;
}

static void add_quantiles(json_t *o, struct prom_bucket *b, size_t nb,
			  const double *qs, size_t nq)
{
	struct prom_bucket *tmp = xmalloc((nb + 1) * sizeof(*tmp));

	for (size_t i = 0; i < nq; i++) {
		char key[32];
		size_t n = nb;
		memcpy(tmp, b, nb * sizeof(*b));
		prom_hist_qkey(qs[i], key, sizeof(key));
		jset_real(o, key, prom_bucket_quantile(qs[i], tmp, &n));
	}
	free(tmp);
}

/* Buckets of one group h[0..n) into b (caller frees). */
static int group_buckets(const struct hsample *h, size_t n, const char *src,
			 struct prom_bucket **b, json_t **arr,
			 struct ml_err *err)
{
	*b = xmalloc(n * sizeof(**b));
	*arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *le = prom_sample_label(h[i].s, "le");
		if (!le || prom_parse_value(le, strlen(le), &(*b)[i].le) ||
		    isnan((*b)[i].le)) {
			free(*b);
			json_decref(*arr);
			return ml_err_at(err, ML_EINPUT, src, h[i].s->line, 0,
					 "%s: bucket without a numeric `le` "
					 "label",
					 h[i].s->name);
		}
		(*b)[i].count = h[i].s->value;
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "le", json_string(le));
		json_object_set_new_nocheck(
		    o, "count",
		    json_real(isfinite(h[i].s->value) ? h[i].s->value : 0));
		json_array_append_new(*arr, o);
	}
	return 0;
}

static int has_inf(const struct prom_bucket *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isinf(b[i].le) && b[i].le > 0)
			return 1;
	return 0;
}

struct hist_in {
	struct hsample *b, *c, *s;
	size_t nb, nc, ns;
};

static int one_group(const struct hist_in *in, size_t i, size_t j,
		     const double *qs, size_t nq, const char *src,
		     json_t *groups, struct prom_bucket **all, size_t *nall,
		     struct ml_err *err)
{
	struct prom_bucket *b;
	json_t *g = json_object(), *arr, *q = json_object();
	int rc = group_buckets(in->b + i, j - i, src, &b, &arr, err);

	if (rc) {
		json_decref(g);
		json_decref(q);
		return rc;
	}
	json_object_set_new(g, "labels", prom_labels_json(in->b[i].s, "le"));
	jset_real(g, "count", lookup(in->c, in->nc, in->b[i].key));
	jset_real(g, "sum", lookup(in->s, in->ns, in->b[i].key));
	json_object_set_new(g, "buckets", arr);
	add_quantiles(q, b, j - i, qs, nq);
	json_object_set_new(g, "quantiles", q);
	jset_bool(g, "has_inf_bucket", has_inf(b, j - i));
	json_array_append_new(groups, g);
	memcpy(*all + *nall, b, (j - i) * sizeof(*b)); /* sized for all */
	*nall += j - i;
	free(b);
	return 0;
}

int prom_hist_facts(const struct prom_expo *e, const char *metric,
		    const struct prom_sel *sel, const double *qs, size_t nq,
		    const char *src, json_t *facts, struct ml_err *err)
{
	struct hist_in in = {0};
	struct buf name = BUF_INIT;
	struct prom_bucket *all = NULL;
	json_t *groups = json_array();
	size_t nall = 0, i, j;
	int rc = 0;

	buf_printf(&name, "%s_bucket", metric);
	in.b = collect(e, name.data, sel, &in.nb);
	buf_reset(&name);
	buf_printf(&name, "%s_count", metric);
	in.c = collect(e, name.data, sel, &in.nc);
	buf_reset(&name);
	buf_printf(&name, "%s_sum", metric);
	in.s = collect(e, name.data, sel, &in.ns);
	if (!in.nb)
		rc = ml_err_set(err, ML_EINPUT,
				"%s: no samples named %s_bucket%s%s", src,
				metric, sel ? " matching the labels" : "",
				str_ends(metric, "_bucket")
				    ? " (give the base name, without "
				      "_bucket)"
				    : "");
	all = xmalloc((in.nb + 1) * sizeof(*all));
	for (i = 0; i < in.nb && !rc; i = j) {
		for (j = i + 1; j < in.nb && !strcmp(in.b[i].key, in.b[j].key);
		     j++)
			;
		rc =
		    one_group(&in, i, j, qs, nq, src, groups, &all, &nall, err);
	}
	if (!rc) {
		jset_str(facts, "metric", metric);
		jset_int(facts, "series", (long long)json_array_size(groups));
		add_quantiles(facts, all, nall, qs, nq);
		if (!has_inf(all, nall))
			probe_reason(facts, PV_UNKNOWN, "no_inf_bucket",
				     "%s_bucket has no le=\"+Inf\" bucket: "
				     "quantiles are undefined",
				     metric);
		json_object_set(facts, "histograms", groups);
	}
	json_decref(groups);
	free(all);
	free_hs(in.b, in.nb);
	free_hs(in.c, in.nc);
	free_hs(in.s, in.ns);
	buf_free(&name);
	return rc;
}
