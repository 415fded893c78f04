/* serve_api.c: the data-plane handlers of `irisd serve`: POST /predict
 * (worker slots, injected latency/errors/shift/bad model), POST /feedback
 * (rolling online accuracy) and GET /healthz. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "serve.h"

/* Reads the four features from {"features":[...]} or named keys. */
static int get_features(const json_t *o, double x[IRIS_NFEAT],
			struct srv_resp *r)
{
	const json_t *a = json_object_get(o, "features");

	if (a) {
		if (!json_is_array(a) || json_array_size(a) != IRIS_NFEAT) {
			srv_error(r, 400,
				  "features: expected an array of %d "
				  "numbers (sepal_length, sepal_width, "
				  "petal_length, petal_width)",
				  IRIS_NFEAT);
			return -1;
		}
	}
	for (int k = 0; k < IRIS_NFEAT; k++) {
		const json_t *v = a ? json_array_get(a, (size_t)k)
				    : json_object_get(o, iris_feature_names[k]);

		if (!v && !a) {
			srv_error(r, 400,
				  "expected \"features\": [4 numbers] "
				  "or the key %s",
				  iris_feature_names[k]);
			return -1;
		}
		if (!json_is_number(v) ||
		    !(fabs(json_number_value(v)) <= SRV_MAX_FEATURE)) {
			if (a)
				srv_error(r, 400,
					  "features[%d]: expected a "
					  "number within +-%g",
					  k, SRV_MAX_FEATURE);
			else
				srv_error(r, 400,
					  "%s: expected a number within "
					  "+-%g",
					  iris_feature_names[k],
					  SRV_MAX_FEATURE);
			return -1;
		}
		x[k] = json_number_value(v);
	}
	return 0;
}

/* Waits for a worker slot. Returns 0 holding one, or -1 when stopping.
 * s->mu is held on entry and on return. */
static int slot_enter(struct srv *s)
{
	s->waiting++;
	while (!s->stopping && s->busy >= s->workers)
		pthread_cond_wait(&s->cv, &s->mu);
	s->waiting--;
	if (s->stopping)
		return -1;
	s->busy++;
	return 0;
}

/* Holds the slot for ms milliseconds (the latency fault); a stop ends
 * the wait early. s->mu is held. */
static void slot_hold(struct srv *s, int ms)
{
	struct timespec dl;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L)
		dl.tv_sec++, dl.tv_nsec -= 1000000000L;
	while (!s->stopping &&
	       pthread_cond_timedwait(&s->cv, &s->mu, &dl) != ETIMEDOUT)
		;
}

/* Predicts with the faults applied: shift on the input, the
 * versicolor/virginica swap on the output. */
static int predict_faulty(const struct iris_model *m,
			  const struct srv_faults *f,
			  const double in[IRIS_NFEAT], double p[IRIS_NCLASS])
{
	double x[IRIS_NFEAT], t;
	int c;

	for (int k = 0; k < IRIS_NFEAT; k++)
		x[k] = in[k] + f->shift;
	c = iris_predict(m, x, p);
	if (f->bad_model) {
		t = p[1], p[1] = p[2], p[2] = t;
		c = c == 0 ? 0 : 3 - c;
	}
	return c;
}

/* The counters of version v, created on first use (s->mu held). */
static struct srv_count *counts_of(struct srv *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->n_counts; i++)
		if (!strcmp(s->counts[i].version, v))
			break;
	if (i == s->n_counts) {
		s->counts =
		    xrealloc(s->counts, (s->n_counts + 1) * sizeof(*s->counts));
		memset(&s->counts[i], 0, sizeof(s->counts[i]));
		snprintf(s->counts[i].version, sizeof(s->counts[i].version),
			 "%s", v);
		s->n_counts++;
	}
	return &s->counts[i];
}

static json_t *predict_json(uint64_t id, int cls, const double p[IRIS_NCLASS],
			    const struct srv_model *m, int canary)
{
	json_t *o = json_object(), *probs = json_object();

	for (int c = 0; c < IRIS_NCLASS; c++)
		jset_real(probs, iris_class_names[c], p[c]);
	jset_int(o, "id", (long long)id);
	jset_str(o, "class", iris_class_names[cls]);
	jset_int(o, "class_index", cls);
	json_object_set_new(o, "probs", probs);
	jset_str(o, "version", m->version);
	jset_bool(o, "canary", canary);
	return o;
}

void srv_predict(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r)
{
	json_t *o = srv_parse_body(body, len, r);
	double x[IRIS_NFEAT], p[IRIS_NCLASS];
	struct srv_faults f;
	struct srv_model *m;
	uint64_t id;
	int cls = 0, fail, canary;

	if (!o || get_features(o, x, r)) {
		json_decref(o);
		return;
	}
	json_decref(o);
	pthread_mutex_lock(&s->mu);
	if (slot_enter(s)) {
		pthread_mutex_unlock(&s->mu);
		srv_error(r, 503, "shutting down");
		return;
	}
	f = s->f;
	slot_hold(s, f.latency_ms);
	m = srv_route(s);
	canary = m == s->canary;
	fail = f.error_rate > 0 && srv_rand(s) < f.error_rate;
	id = s->next_id++;
	if (!fail) {
		cls = predict_faulty(&m->m, &f, x, p);
		counts_of(s, m->version)->pred[cls]++;
		s->preds[id % (uint64_t)s->o.id_cache] =
		    (struct srv_pred){id, cls, m};
	}
	s->busy--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (fail)
		srv_error(r, 500, "injected error (fault error_rate)");
	else
		srv_json(r, 200, predict_json(id, cls, p, m, canary));
}

/* Reads "label": a class name or index. Returns the index or -1 (r
 * filled). */
static int get_label(const json_t *o, struct srv_resp *r)
{
	const json_t *l = json_object_get(o, "label");
	int c = -1;

	if (json_is_string(l))
		c = iris_class_index(json_string_value(l));
	else if (json_is_integer(l) && json_integer_value(l) >= 0 &&
		 json_integer_value(l) < IRIS_NCLASS)
		c = (int)json_integer_value(l);
	if (c < 0)
		srv_error(r, 400,
			  "label: expected setosa, versicolor, "
			  "virginica or 0-2");
	return c;
}

/* The class the service predicted (by id) or predicts now (features), or
 * -1 with r filled; *m the model that did. s->mu is held. */
static int feedback_class(struct srv *s, const json_t *o, struct srv_resp *r,
			  const struct srv_model **m)
{
	const json_t *id = json_object_get(o, "id");
	double x[IRIS_NFEAT], p[IRIS_NCLASS];
	struct srv_pred *sp;

	if (id) {
		if (!json_is_integer(id) || json_integer_value(id) <= 0) {
			srv_error(r, 400,
				  "id: expected a prediction id "
				  "(positive integer)");
			return -1;
		}
		sp = &s->preds[(uint64_t)json_integer_value(id) %
			       (uint64_t)s->o.id_cache];
		if (sp->id != (uint64_t)json_integer_value(id)) {
			srv_error(r, 404,
				  "id: prediction %lld is not "
				  "remembered (the last %d are)",
				  (long long)json_integer_value(id),
				  s->o.id_cache);
			return -1;
		}
		*m = sp->m;
		return sp->cls;
	}
	if (!json_object_get(o, "features")) {
		srv_error(r, 400, "expected \"id\" or \"features\"");
		return -1;
	}
	if (get_features(o, x, r))
		return -1;
	*m = srv_route(s);
	return predict_faulty(&(*m)->m, &s->f, x, p);
}

/* Adds one outcome to the window (s->mu held). */
static void window_add(struct srv *s, int ok)
{
	s->win[s->win_pos] = (unsigned char)ok;
	s->win_pos = (s->win_pos + 1) % (size_t)s->o.window;
	if (s->win_fill < (size_t)s->o.window)
		s->win_fill++;
	s->feedback_total++;
}

double srv_online_accuracy(const struct srv *s)
{
	size_t ok = 0;

	for (size_t i = 0; i < s->win_fill; i++)
		ok += s->win[i];
	return s->win_fill ? (double)ok / (double)s->win_fill : NAN;
}

void srv_feedback(struct srv *s, const char *body, size_t len,
		  struct srv_resp *r)
{
	json_t *o = srv_parse_body(body, len, r), *out;
	const struct srv_model *m = NULL;
	int label, cls;

	if (!o)
		return;
	if ((label = get_label(o, r)) < 0) {
		json_decref(o);
		return;
	}
	pthread_mutex_lock(&s->mu);
	cls = feedback_class(s, o, r, &m);
	json_decref(o);
	if (cls < 0) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	window_add(s, cls == label);
	if (cls == label)
		counts_of(s, m->version)->fb_ok++;
	else
		counts_of(s, m->version)->fb_bad++;
	out = json_object();
	jset_bool(out, "correct", cls == label);
	jset_str(out, "predicted", iris_class_names[cls]);
	jset_str(out, "label", iris_class_names[label]);
	jset_real(out, "online_accuracy", srv_online_accuracy(s));
	jset_int(out, "window", (long long)s->win_fill);
	pthread_mutex_unlock(&s->mu);
	srv_json(r, 200, out);
}

void srv_healthz(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r)
{
	json_t *o = json_object();

	(void)body;
	(void)len;
	pthread_mutex_lock(&s->mu);
	jset_str(o, "status", s->stopping ? "stopping" : "ok");
	jset_str(o, "version", s->stable->version);
	pthread_mutex_unlock(&s->mu);
	srv_json(r, 200, o);
}
