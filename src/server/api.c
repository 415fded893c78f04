/* api.c: the REST handlers of the incident service. Every write goes to
 * the store in a transaction; intake answers 200 only after the commit. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/jdepth.h"
#include "core/out.h"
#include "core/strutil.h"
#include "incident/actions.h"
#include "incident/alert.h"
#include "incident/filter.h"
#include "server/http.h"
#include "store/store_comms.h"

static void intake(struct svc *svc, const struct http_req *r,
		   struct http_resp *resp, int alertmanager)
{
	struct alert_batch b;
	struct ml_err err = {0};
	json_t *result = NULL;
	int rc;

	rc = alertmanager
		 ? alert_parse_alertmanager(r->body, r->body_len,
					    svc->cfg.default_severity, &b, &err)
		 : alert_parse_generic(r->body, r->body_len,
				       svc->cfg.default_severity, &b, &err);
	if (rc) {
		http_error(resp, 400, "%s", err.msg);
		return;
	}
	rc = svc_intake(svc, &b, &result, &err);
	alert_batch_free(&b);
	if (rc) {
		http_error(resp, 503, "not stored: %s", err.msg);
		return;
	}
	http_json(
	    resp, 200,
	    json_pack("{s:s, s:o}", "status", "stored", "alerts", result));
}

void api_alertmanager(struct svc *svc, const struct http_req *r,
		      struct http_resp *resp)
{
	intake(svc, r, resp, 1);
}

void api_alerts(struct svc *svc, const struct http_req *r,
		struct http_resp *resp)
{
	intake(svc, r, resp, 0);
}

struct filter_ctx {
	struct filter *f;
	struct ml_err *err;
};

static int filter_arg(const char *k, const char *v, void *ctx)
{
	struct filter_ctx *c = ctx;
	return filter_set(c->f, k, v, c->err);
}

/* Reads a filter from query arguments; 0 or -1 with resp filled. */
static int read_filter(const struct http_req *r, struct filter *f,
		       struct http_resp *resp)
{
	struct ml_err err = {0};
	struct filter_ctx c = {f, &err};

	filter_init(f, time_now_ms());
	if (http_query_each(r, filter_arg, &c) != 0) {
		http_error(resp, 400, "%s", err.msg);
		return -1;
	}
	return 0;
}

void api_incidents(struct svc *svc, const struct http_req *r,
		   struct http_resp *resp)
{
	struct filter f;
	struct ml_err err = {0};
	json_t *list = NULL;
	int rc;

	if (read_filter(r, &f, resp) != 0)
		return;
	pthread_mutex_lock(&svc->store_lock);
	rc = store_incident_list(svc->store, &f.sf, &list, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc) {
		http_error(resp, 500, "%s", err.msg);
		return;
	}
	http_json(resp, 200, json_pack("{s:o}", "incidents", list));
}

void api_incident(struct svc *svc, const struct http_req *r,
		  struct http_resp *resp)
{
	struct ml_err err = {0};
	json_t *inc = NULL;
	int rc;

	pthread_mutex_lock(&svc->store_lock);
	rc = store_incident_get(svc->store, r->id, &inc, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc) {
		http_error(resp, rc == ML_ENOTFOUND ? 404 : 500, "%s", err.msg);
		return;
	}
	if (str_ends(r->path, "/timeline")) {
		json_t *tl = json_incref(json_object_get(inc, "timeline"));
		json_decref(inc);
		http_json(resp, 200, json_pack("{s:o}", "timeline", tl));
		return;
	}
	http_json(resp, 200, inc);
}

/* Who acts: the body's `actor` when an admin token speaks for someone (a
 * drill harness, a runbook acting for the comms lead), else the token's
 * identity. 0, or -1 with resp filled. What the action does is
 * actions_run's (incident/actions.c). */
static int action_actor(const struct http_req *r, const json_t *b,
			const char **actor, struct http_resp *resp)
{
	const json_t *v = json_object_get(b, "actor");

	*actor = r->actor;
	if (v && !json_is_string(v)) {
		http_error(resp, 400, "actor: expected a string");
		return -1;
	}
	if (!v || !strcmp(json_string_value(v), r->actor))
		return 0;
	if (r->role < HTTP_ADMIN) {
		http_error(resp, 403,
			   "actor: only an admin token may act under another "
			   "name (this token is %s)",
			   r->actor);
		return -1;
	}
	*actor = json_string_value(v);
	return 0;
}

void api_incident_action(struct svc *svc, const struct http_req *r,
			 struct http_resp *resp)
{
	struct ml_err err = {0};
	json_t *b = NULL, *inc = NULL;
	const char *actor;
	int rc;

	if (r->body_len &&
	    jdepth_over(r->body, r->body_len, ML_JSON_MAX_DEPTH)) {
		http_error(resp, 400, "body: JSON nested deeper than %d levels",
			   ML_JSON_MAX_DEPTH);
		return;
	}
	if (r->body_len) {
		json_error_t je;
		b = json_loadb(r->body, r->body_len, 0, &je);
		if (!json_is_object(b)) {
			json_decref(b);
			http_error(resp, 400,
				   "body: expected a JSON object (%s)",
				   je.text);
			return;
		}
	}
	if (!b)
		b = json_object();
	if (action_actor(r, b, &actor, resp) != 0) {
		json_decref(b);
		return;
	}
	pthread_mutex_lock(&svc->store_lock);
	rc = actions_run(svc->store, r->id, r->action, b, actor, time_now_ms(),
			 &err);
	if (rc == 0)
		store_incident_get(svc->store, r->id, &inc, &err);
	pthread_mutex_unlock(&svc->store_lock);
	json_decref(b);
	if (rc) { /* malformed body 400, refused value or state 409 */
		http_error(resp,
			   rc == ML_ENOTFOUND ? 404
			   : rc == ML_EUSAGE  ? 400
			   : rc == ML_EINPUT  ? 409
					      : 500,
			   "%s", err.msg);
		json_decref(inc);
		return;
	}
	http_json(resp, 200, inc ? inc : json_object());
}

void api_runs(struct svc *svc, const struct http_req *r, struct http_resp *resp)
{
	struct ml_err err = {0};
	const char *inc = http_query(r, "incident");
	json_t *list = NULL;
	int64_t id = 0;
	int rc;

	if (inc && (str_to_i64(inc, &id) != 0 || id < 1)) {
		http_error(resp, 400, "incident: expected an incident id");
		return;
	}
	pthread_mutex_lock(&svc->store_lock);
	rc = store_run_list(svc->store, id, http_query(r, "status"), &list,
			    &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc) {
		http_error(resp, 500, "%s", err.msg);
		return;
	}
	http_json(resp, 200, json_pack("{s:o}", "runs", list));
}

void api_metrics(struct svc *svc, const struct http_req *r,
		 struct http_resp *resp)
{
	(void)r;
	resp->status = 200;
	resp->type = "text/plain; version=0.0.4";
	svc_metrics_render(svc, &resp->body);
}

void api_healthz(struct svc *svc, const struct http_req *r,
		 struct http_resp *resp)
{
	(void)r;
	http_json(resp, 200,
		  json_pack("{s:s, s:i}", "status", "ok", "schema",
			    store_schema_version(svc->store)));
}
