/* serve_state.c: the state of `irisd serve`: loading models from the
 * registry, routing between stable and canary, request counters, the
 * seeded generator, and the JSON helpers handlers share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/jdepth.h"
#include "core/xmalloc.h"
#include "serve.h"

const double srv_buckets[SRV_NBUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15,
    0.2,   0.3,	   0.5,	  0.75, 1,     2.5,  5,	    10};

struct srv_model *srv_load(struct srv *s, const char *version,
			   struct ml_err *err)
{
	struct srv_model *m;
	struct buf p = BUF_INIT;

	if (!iris_version_ok(version)) {
		ml_err_set(err, ML_EUSAGE,
			   "version: expected 1-63 of [A-Za-z0-9._-]");
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	buf_printf(&p, "%s/%s/model.json", s->o.registry, version);
	m->path = buf_detach(&p, NULL);
	snprintf(m->version, sizeof(m->version), "%s", version);
	if (iris_model_load(m->path, &m->m, err) != 0 ||
	    iris_sha256_file(m->path, m->sha256) != 0) {
		if (!err->code)
			ml_err_at(err, ML_EIO, m->path, 0, 0, "cannot hash");
		free(m->path);
		free(m);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	s->models = xrealloc(s->models, (s->n_models + 1) * sizeof(*s->models));
	s->models[s->n_models++] = m;
	pthread_mutex_unlock(&s->mu);
	return m;
}

/* The version to start with: o->version, else v1, else the first. */
static char *first_version(const struct srv_opts *o, struct ml_err *err)
{
	char **v, *pick = NULL;
	size_t n;

	if (o->version)
		return xstrdup(o->version);
	n = iris_registry_list(o->registry, &v);
	for (size_t i = 0; i < n; i++)
		if (!pick && !strcmp(v[i], "v1"))
			pick = xstrdup(v[i]);
	if (!pick && n)
		pick = xstrdup(v[0]);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	if (!pick)
		ml_err_at(err, ML_ENOTFOUND, o->registry, 0, 0,
			  "no model versions here (run `irisd train "
			  "--registry %s` first)",
			  o->registry);
	return pick;
}

int srv_init(struct srv *s, const struct srv_opts *o, struct ml_err *err)
{
	char *ver;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->o = *o;
	s->workers = o->workers;
	s->rng = o->seed;
	s->started_ms = time_now_ms();
	s->next_id = 1;
	s->preds = xcalloc((size_t)o->id_cache, sizeof(*s->preds));
	s->win = xcalloc((size_t)o->window, 1);
	if (!(ver = first_version(o, err)))
		return err->code;
	s->stable = srv_load(s, ver, err);
	free(ver);
	if (!s->stable)
		return err->code;
	s->hist = xmalloc(sizeof(*s->hist));
	s->hist[s->n_hist++] = s->stable;
	s->stable_since_ms = s->started_ms;
	srv_event_add(s, "start", s->stable->version, 1);
	return 0;
}

void srv_stop(struct srv *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void srv_free(struct srv *s)
{
	if (s->corrupt_path) {
		buf_write_file_atomic(s->corrupt_path,
				      buf_str(&s->corrupt_orig),
				      s->corrupt_orig.len);
		free(s->corrupt_path);
	}
	buf_free(&s->corrupt_orig);
	free(s->mem);
	for (size_t i = 0; i < s->n_models; i++) {
		free(s->models[i]->path);
		free(s->models[i]);
	}
	free(s->models);
	free(s->hist);
	free(s->counts);
	free(s->preds);
	free(s->win);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

void srv_event_add(struct srv *s, const char *action, const char *version,
		   double weight)
{
	struct srv_event *e = &s->events[s->n_events++ % SRV_MAX_EVENTS];

	e->at_ms = time_now_ms();
	e->action = action;
	snprintf(e->version, sizeof(e->version), "%s", version);
	snprintf(e->from, sizeof(e->from), "%s",
		 strcmp(action, "start") ? s->stable->version : "");
	e->weight = weight;
	if (strcmp(action, "start"))
		fprintf(stderr, "irisd serve: %s %s (from %s, weight %g)\n",
			action, version, e->from, weight);
}

double srv_rand(struct srv *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

struct srv_model *srv_route(struct srv *s)
{
	if (s->canary && srv_rand(s) < s->canary_weight)
		return s->canary;
	return s->stable;
}

void srv_count_request(struct srv *s, const char *path, int code,
		       double predict_seconds)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n_req; i++)
		if (s->req[i].path == path && s->req[i].code == code)
			break;
	if (i == s->n_req && s->n_req < sizeof(s->req) / sizeof(s->req[0]))
		s->req[s->n_req++] = (struct srv_req_count){path, code, 0};
	if (i < s->n_req)
		s->req[i].n++;
	if (code >= 500)
		s->errors_total++;
	if (predict_seconds >= 0) {
		int b = 0;

		while (b < SRV_NBUCKETS && predict_seconds > srv_buckets[b])
			b++;
		s->hist_counts[b]++;
		s->hist_sum += predict_seconds;
		s->hist_n++;
	}
	pthread_mutex_unlock(&s->mu);
}

void srv_json(struct srv_resp *r, int status, json_t *body)
{
	char *t = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER |
				       JSON_REAL_PRECISION(15));

	r->status = status;
	r->type = NULL;
	buf_reset(&r->body);
	buf_puts(&r->body, t ? t : "null");
	buf_putc(&r->body, '\n');
	free(t);
	json_decref(body);
}

void srv_error(struct srv_resp *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* messages may quote input: keep them printable ASCII (valid UTF-8) */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	srv_json(r, status, json_pack("{s:s}", "error", msg));
}

json_t *srv_parse_body(const char *body, size_t len, struct srv_resp *r)
{
	json_error_t je;
	json_t *o;

	if (jdepth_over(body, len, SRV_MAX_DEPTH)) {
		srv_error(r, 400, "body: nested deeper than %d levels",
			  SRV_MAX_DEPTH);
		return NULL;
	}
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		srv_error(r, 400, "body: bad JSON at line %d column %d: %s",
			  je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		srv_error(r, 400, "body: expected a JSON object");
		return NULL;
	}
	return o;
}
