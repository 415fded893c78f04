/* iris_model.c: softmax regression for Iris: stratified seeded split,
 * standardization, full-batch gradient descent with weight decay,
 * prediction, and the model's JSON form (model.json). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "irisd.h"

#define MODEL_FORMAT "irisd-softmax-v1"

void iris_train_defaults(struct iris_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 42;
	o->epochs = 2000;
	o->lr = 0.1;
	o->l2 = 1e-3;
	o->test_frac = 0.3;
}

/* splitmix64: a small seeded generator, identical on every platform. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

int iris_predict(const struct iris_model *m, const double x[IRIS_NFEAT],
		 double probs[IRIS_NCLASS])
{
	double z[IRIS_NCLASS], zmax = -INFINITY, sum = 0;
	int best = 0;

	for (int c = 0; c < IRIS_NCLASS; c++) {
		z[c] = m->b[c];
		for (int k = 0; k < IRIS_NFEAT; k++)
			z[c] += m->w[c][k] * (x[k] - m->mean[k]) / m->scale[k];
		if (z[c] > zmax)
			zmax = z[c], best = c;
	}
	for (int c = 0; c < IRIS_NCLASS; c++)
		sum += probs[c] = exp(z[c] - zmax);
	for (int c = 0; c < IRIS_NCLASS; c++)
		probs[c] /= sum;
	return best;
}

/* Marks test rows: per class, a seeded shuffle; the first test_frac of
 * each class (rounded, at least one) are held out. */
static int split(const struct iris_data *d, const struct iris_train_opts *o,
		 unsigned char *is_test, struct ml_err *err)
{
	size_t *idx = xmalloc(d->n * sizeof(*idx));
	uint64_t s = o->seed;

	for (int c = 0; c < IRIS_NCLASS; c++) {
		size_t n = 0, nt;

		for (size_t i = 0; i < d->n; i++)
			if (d->rows[i].y == c)
				idx[n++] = i;
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)(rng_next(&s) % i), t = idx[i - 1];

			idx[i - 1] = idx[j];
			idx[j] = t;
		}
		nt = (size_t)llround((double)n * o->test_frac);
		if (n && nt == 0)
			nt = 1;
		if (n && nt >= n) {
			free(idx);
			return ml_err_set(err, ML_EINPUT,
					  "class %s has %zu rows: too few for "
					  "a train/test split",
					  iris_class_names[c], n);
		}
		for (size_t i = 0; i < nt; i++)
			is_test[idx[i]] = 1;
	}
	free(idx);
	return 0;
}

/* Mean and standard deviation of the training rows. */
static void standardize(const struct iris_data *d, const unsigned char *is_test,
			struct iris_model *m)
{
	for (int k = 0; k < IRIS_NFEAT; k++) {
		double sum = 0, sq = 0, n = 0;

		for (size_t i = 0; i < d->n; i++)
			if (!is_test[i])
				sum += d->rows[i].x[k], n++;
		m->mean[k] = sum / n;
		for (size_t i = 0; i < d->n; i++)
			if (!is_test[i]) {
				double v = d->rows[i].x[k] - m->mean[k];
				sq += v * v;
			}
		m->scale[k] = sqrt(sq / n);
		if (!(m->scale[k] > 1e-12))
			m->scale[k] = 1;
	}
}

/* The training label of a row (with the label-swap bug when asked). */
static int label(const struct iris_row *r, const struct iris_train_opts *o)
{
	if (o->flip_labels && r->y > 0)
		return 3 - r->y; /* versicolor <-> virginica */
	return r->y;
}

/* One full-batch gradient step. */
static void step(const struct iris_data *d, const unsigned char *is_test,
		 const struct iris_train_opts *o, struct iris_model *m,
		 size_t n_train)
{
	double gw[IRIS_NCLASS][IRIS_NFEAT] = {{0}}, gb[IRIS_NCLASS] = {0};

	for (size_t i = 0; i < d->n; i++) {
		double p[IRIS_NCLASS], z[IRIS_NFEAT];
		int y = label(&d->rows[i], o);

		if (is_test[i])
			continue;
		iris_predict(m, d->rows[i].x, p);
		for (int k = 0; k < IRIS_NFEAT; k++)
			z[k] = (d->rows[i].x[k] - m->mean[k]) / m->scale[k];
		for (int c = 0; c < IRIS_NCLASS; c++) {
			double g = p[c] - (c == y);

			gb[c] += g;
			for (int k = 0; k < IRIS_NFEAT; k++)
				gw[c][k] += g * z[k];
		}
	}
	for (int c = 0; c < IRIS_NCLASS; c++) {
		m->b[c] -= o->lr * gb[c] / (double)n_train;
		for (int k = 0; k < IRIS_NFEAT; k++)
			m->w[c][k] -= o->lr * (gw[c][k] / (double)n_train +
					       o->l2 * m->w[c][k]);
	}
}

/* Share of rows (test or train) whose prediction equals the training
 * label. */
static double accuracy(const struct iris_data *d, const unsigned char *is_test,
		       int want_test, const struct iris_train_opts *o,
		       const struct iris_model *m, size_t *n_out)
{
	size_t n = 0, ok = 0;
	double p[IRIS_NCLASS];

	for (size_t i = 0; i < d->n; i++) {
		if (is_test[i] != want_test)
			continue;
		n++;
		ok += iris_predict(m, d->rows[i].x, p) == label(&d->rows[i], o);
	}
	*n_out = n;
	return n ? (double)ok / (double)n : 0;
}

int iris_train(const struct iris_data *d, const struct iris_train_opts *o,
	       struct iris_model *m, struct iris_train_result *res,
	       struct ml_err *err)
{
	unsigned char *is_test = xcalloc(d->n ? d->n : 1, 1);
	uint64_t s = o->seed ^ 0x5eed;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = split(d, o, is_test, err)) != 0) {
		free(is_test);
		return rc;
	}
	standardize(d, is_test, m);
	for (int c = 0; c < IRIS_NCLASS; c++) {
		m->b[c] = 0;
		for (int k = 0; k < IRIS_NFEAT; k++)
			m->w[c][k] = 0.01 * (rng_unit(&s) - 0.5);
	}
	res->accuracy = accuracy(d, is_test, 1, o, m, &res->n_test);
	res->n_train = d->n - res->n_test;
	if (res->n_train == 0 || res->n_test == 0) {
		free(is_test);
		return ml_err_set(err, ML_EINPUT,
				  "%zu rows: too few for a train/test split",
				  d->n);
	}
	for (int e = 0; e < o->epochs; e++)
		step(d, is_test, o, m, res->n_train);
	res->accuracy = accuracy(d, is_test, 1, o, m, &res->n_test);
	res->train_accuracy = accuracy(d, is_test, 0, o, m, &res->n_train);
	free(is_test);
	return 0;
}

/* A JSON array of n doubles. */
static json_t *jarr(const double *v, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

json_t *iris_model_to_json(const struct iris_model *m)
{
	json_t *o = json_object(), *feat = json_array(), *cls = json_array(),
	       *w = json_array();

	for (int k = 0; k < IRIS_NFEAT; k++)
		json_array_append_new(feat, json_string(iris_feature_names[k]));
	for (int c = 0; c < IRIS_NCLASS; c++) {
		json_array_append_new(cls, json_string(iris_class_names[c]));
		json_array_append_new(w, jarr(m->w[c], IRIS_NFEAT));
	}
	json_object_set_new(o, "format", json_string(MODEL_FORMAT));
	json_object_set_new(o, "version", json_string(m->version));
	json_object_set_new(o, "features", feat);
	json_object_set_new(o, "classes", cls);
	json_object_set_new(o, "mean", jarr(m->mean, IRIS_NFEAT));
	json_object_set_new(o, "scale", jarr(m->scale, IRIS_NFEAT));
	json_object_set_new(o, "weights", w);
	json_object_set_new(o, "bias", jarr(m->b, IRIS_NCLASS));
	return o;
}

/* Reads an array a of exactly n finite numbers into v; key names it in
 * errors. */
static int get_vec(const json_t *a, const char *key, double *v, int n,
		   const char *path, struct ml_err *err)
{
	if (!json_is_array(a) || json_array_size(a) != (size_t)n)
		return ml_err_at(err, ML_EINPUT, path, 0, 0,
				 "`%s`: expected an array of %d numbers", key,
				 n);
	for (int i = 0; i < n; i++) {
		const json_t *x = json_array_get(a, (size_t)i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return ml_err_at(err, ML_EINPUT, path, 0, 0,
					 "`%s[%d]`: expected a finite number",
					 key, i);
		v[i] = json_number_value(x);
	}
	return 0;
}

/* Fills m from a parsed model document. */
static int from_json(const json_t *o, const char *path, struct iris_model *m,
		     struct ml_err *err)
{
	const char *fmt = json_string_value(json_object_get(o, "format"));
	const char *ver = json_string_value(json_object_get(o, "version"));
	const json_t *w = json_object_get(o, "weights");
	int rc;

	if (!fmt || strcmp(fmt, MODEL_FORMAT))
		return ml_err_at(err, ML_EINPUT, path, 0, 0,
				 "`format`: expected \"%s\"", MODEL_FORMAT);
	if (!ver || !iris_version_ok(ver))
		return ml_err_at(err, ML_EINPUT, path, 0, 0,
				 "`version`: expected a version name like "
				 "\"v1\"");
	snprintf(m->version, sizeof(m->version), "%s", ver);
	if ((rc = get_vec(json_object_get(o, "mean"), "mean", m->mean,
			  IRIS_NFEAT, path, err)) ||
	    (rc = get_vec(json_object_get(o, "scale"), "scale", m->scale,
			  IRIS_NFEAT, path, err)) ||
	    (rc = get_vec(json_object_get(o, "bias"), "bias", m->b, IRIS_NCLASS,
			  path, err)))
		return rc;
	for (int k = 0; k < IRIS_NFEAT; k++)
		if (!(m->scale[k] > 0))
			return ml_err_at(err, ML_EINPUT, path, 0, 0,
					 "`scale[%d]`: expected > 0", k);
	if (!json_is_array(w) || json_array_size(w) != IRIS_NCLASS)
		return ml_err_at(err, ML_EINPUT, path, 0, 0,
				 "`weights`: expected %d arrays", IRIS_NCLASS);
	for (int c = 0; c < IRIS_NCLASS; c++)
		if ((rc = get_vec(json_array_get(w, (size_t)c), "weights[]",
				  m->w[c], IRIS_NFEAT, path, err)))
			return rc;
	return 0;
}

int iris_model_load(const char *path, struct iris_model *m, struct ml_err *err)
{
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *o;
	int rc;

	memset(m, 0, sizeof(*m));
	if (buf_read_file(&b, path, IRIS_MAX_FILE_BYTES) != 0) {
		rc = ml_err_at(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
			       path, 0, 0, "cannot read: %s", strerror(errno));
		buf_free(&b);
		return rc;
	}
	o = json_loadb(buf_str(&b), b.len, JSON_REJECT_DUPLICATES, &je);
	buf_free(&b);
	if (!o)
		return ml_err_at(err, ML_EINPUT, path, je.line, je.column,
				 "not a model file: %s", je.text);
	if (!json_is_object(o))
		rc = ml_err_at(err, ML_EINPUT, path, 0, 0,
			       "expected a JSON object");
	else
		rc = from_json(o, path, m, err);
	json_decref(o);
	return rc;
}

int iris_version_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}
