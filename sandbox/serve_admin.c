/* serve_admin.c: the control-plane handlers of `irisd serve`: deploy
 * (full or canary), rollback, scale, GET /admin/state and /admin/events.
 * Each is one curl away, and each answers with the new state. Faults are
 * in serve_fault.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "serve.h"

/* An RFC 3339 time field. */
static void jset_time(json_t *o, const char *k, int64_t ms)
{
	char t[40];

	time_format(ms, t, sizeof(t));
	jset_str(o, k, t);
}

/* The kept deploy events, oldest first (s->mu held). */
static json_t *events_json(const struct srv *s)
{
	json_t *a = json_array();
	size_t first =
	    s->n_events > SRV_MAX_EVENTS ? s->n_events - SRV_MAX_EVENTS : 0;

	for (size_t i = first; i < s->n_events; i++) {
		const struct srv_event *e = &s->events[i % SRV_MAX_EVENTS];
		json_t *o = json_object();

		jset_time(o, "at", e->at_ms);
		jset_str(o, "action", e->action);
		jset_str(o, "version", e->version);
		jset_str(o, "from", e->from[0] ? e->from : NULL);
		jset_real(o, "weight", e->weight);
		json_array_append_new(a, o);
	}
	return a;
}

json_t *srv_state_json(struct srv *s)
{
	json_t *o = json_object(), *c = json_null(), *h = json_array(), *f;
	char *path, sha[65];

	pthread_mutex_lock(&s->mu);
	jset_str(o, "version", s->stable->version);
	if (s->canary) {
		c = json_object();
		jset_str(c, "version", s->canary->version);
		jset_real(c, "weight", s->canary_weight);
		jset_str(c, "model_sha256", s->canary->sha256);
		jset_time(c, "deployed_at", s->canary_since_ms);
	}
	json_object_set_new(o, "canary", c);
	jset_time(o, "deployed_at", s->stable_since_ms);
	jset_str(o, "previous",
		 s->n_hist > 1 ? s->hist[s->n_hist - 2]->version : NULL);
	for (size_t i = 0; i < s->n_hist; i++)
		json_array_append_new(h, json_string(s->hist[i]->version));
	json_object_set_new(o, "history", h);
	jset_int(o, "workers", s->workers);
	jset_int(o, "busy", s->busy);
	jset_int(o, "queue_depth", s->waiting);
	f = json_object();
	jset_int(f, "latency_ms", s->f.latency_ms);
	jset_real(f, "error_rate", s->f.error_rate);
	jset_bool(f, "bad_model", s->f.bad_model);
	jset_real(f, "shift", s->f.shift);
	jset_bool(f, "corrupt_file", s->f.corrupt_file);
	jset_int(f, "memory_mb", s->f.memory_mb);
	json_object_set_new(o, "faults", f);
	jset_real(o, "online_accuracy", srv_online_accuracy(s));
	jset_int(o, "feedback_window", (long long)s->win_fill);
	jset_str(o, "registry", s->o.registry);
	jset_str(o, "model_path", s->stable->path);
	jset_str(o, "loaded_sha256", s->stable->sha256);
	path = xstrdup(s->stable->path);
	pthread_mutex_unlock(&s->mu);
	/* the file as it is on disk now: differs from loaded_sha256 when
	 * the file was altered after loading */
	jset_str(o, "model_sha256",
		 iris_sha256_file(path, sha) == 0 ? sha : NULL);
	free(path);
	return o;
}

void srv_events(struct srv *s, const char *body, size_t len, struct srv_resp *r)
{
	json_t *o = json_object();

	(void)body;
	(void)len;
	pthread_mutex_lock(&s->mu);
	json_object_set_new(o, "events", events_json(s));
	pthread_mutex_unlock(&s->mu);
	srv_json(r, 200, o);
}

void srv_state(struct srv *s, const char *body, size_t len, struct srv_resp *r)
{
	(void)body;
	(void)len;
	srv_json(r, 200, srv_state_json(s));
}

/* Reads "canary_weight": absent = 1 (full deploy); else in (0, 1]. */
static int get_weight(const json_t *o, double *w, struct srv_resp *r)
{
	const json_t *v = json_object_get(o, "canary_weight");

	*w = 1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) > 0) ||
	    !(json_number_value(v) <= 1)) {
		srv_error(r, 400, "canary_weight: expected a number in (0, 1]");
		return -1;
	}
	*w = json_number_value(v);
	return 0;
}

/* Applies a deploy of m with weight w (s->mu held). */
static void deploy_locked(struct srv *s, struct srv_model *m, double w)
{
	srv_event_add(s, w < 1 ? "canary" : "deploy", m->version, w);
	if (w < 1) {
		s->canary = m;
		s->canary_weight = w;
		s->canary_since_ms = time_now_ms();
		return;
	}
	s->canary = NULL;
	s->canary_weight = 0;
	if (!strcmp(m->version, s->stable->version) &&
	    !strcmp(m->sha256, s->stable->sha256))
		return; /* already served: history unchanged */
	s->hist = xrealloc(s->hist, (s->n_hist + 1) * sizeof(*s->hist));
	s->hist[s->n_hist++] = m;
	s->stable = m;
	s->stable_since_ms = time_now_ms();
}

void srv_deploy(struct srv *s, const char *body, size_t len, struct srv_resp *r)
{
	json_t *o = srv_parse_body(body, len, r);
	const char *v;
	struct ml_err err = {0};
	struct srv_model *m;
	double w;

	if (!o)
		return;
	v = json_string_value(json_object_get(o, "version"));
	if (!v || !iris_version_ok(v)) {
		srv_error(r, 400,
			  "version: expected a version name like "
			  "\"v2\"");
		json_decref(o);
		return;
	}
	if (get_weight(o, &w, r) || !(m = srv_load(s, v, &err))) {
		if (err.code) {
			char msg[2300];

			ml_err_format(&err, msg, sizeof(msg));
			srv_error(r, err.code == ML_ENOTFOUND ? 404 : 422,
				  "cannot deploy %s: %s", v, msg);
		}
		json_decref(o);
		return;
	}
	json_decref(o);
	pthread_mutex_lock(&s->mu);
	deploy_locked(s, m, w);
	pthread_mutex_unlock(&s->mu);
	srv_json(r, 200, srv_state_json(s));
}

void srv_rollback(struct srv *s, const char *body, size_t len,
		  struct srv_resp *r)
{
	int ok = 1;

	(void)body;
	(void)len;
	pthread_mutex_lock(&s->mu);
	if (s->canary) {
		srv_event_add(s, "rollback", s->stable->version, 1);
		s->canary = NULL; /* the stable version takes all traffic */
		s->canary_weight = 0;
	} else if (s->n_hist > 1) {
		srv_event_add(s, "rollback", s->hist[s->n_hist - 2]->version,
			      1);
		s->n_hist--;
		s->stable = s->hist[s->n_hist - 1];
		s->stable_since_ms = time_now_ms();
	} else {
		ok = 0;
	}
	pthread_mutex_unlock(&s->mu);
	if (!ok)
		srv_error(r, 409,
			  "nothing to roll back to: no canary and no "
			  "earlier deploy");
	else
		srv_json(r, 200, srv_state_json(s));
}

void srv_scale(struct srv *s, const char *body, size_t len, struct srv_resp *r)
{
	json_t *o = srv_parse_body(body, len, r);
	const json_t *w;

	if (!o)
		return;
	w = json_object_get(o, "workers");
	if (!json_is_integer(w) || json_integer_value(w) < 1 ||
	    json_integer_value(w) > SRV_MAX_WORKERS) {
		srv_error(r, 400, "workers: expected an integer in 1-%d",
			  SRV_MAX_WORKERS);
		json_decref(o);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->workers = (int)json_integer_value(w);
	fprintf(stderr, "irisd serve: scale to %d workers\n", s->workers);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	json_decref(o);
	srv_json(r, 200, srv_state_json(s));
}
