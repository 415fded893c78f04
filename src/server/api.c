/* api.c: the REST handlers of the incident service. Every write goes to
 * the store in a transaction; intake answers 200 only after the commit. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/jdepth.h"
#include "core/out.h"
#include "core/strutil.h"
#include "incident/alert.h"
#include "server/http.h"
#include "store/store_comms.h"

static void intake(struct svc *svc, const struct http_req *r,
		   struct http_resp *resp, int alertmanager)
{
	struct alert_batch b;
	struct ml_err err = {0};
	json_t *result = NULL;
	int rc;

	rc = alertmanager ? alert_parse_alertmanager(r->body, r->body_len,
						     svc->cfg.default_severity,
						     &b, &err)
			  : alert_parse_generic(r->body, r->body_len,
						svc->cfg.default_severity, &b,
						&err);
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
	http_json(resp, 200,
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

/* Reads a filter from query arguments; 0 or -1 with resp filled. */
static int read_filter(const struct http_req *r, struct store_filter *f,
		       struct http_resp *resp)
{
	const char *v;
	int64_t n;

	memset(f, 0, sizeof(*f));
	f->status = http_query(r, "status");
	f->runbook_id = http_query(r, "runbook");
	if ((v = http_query(r, "severity")) &&
	    alert_severity_parse(v, &f->severity) != 0) {
		http_error(resp, 400, "severity: expected P1, P2, P3 or P4");
		return -1;
	}
	if ((v = http_query(r, "limit"))) {
		if (str_to_i64(v, &n) != 0 || n < 1 || n > 10000) {
			http_error(resp, 400, "limit: expected 1 to 10000");
			return -1;
		}
		f->limit = (int)n;
	}
	if ((v = http_query(r, "since"))) {
		if (dur_parse(v, &n) == 0)
			f->since = time_now_ms() - n;
		else if (time_parse(v, &f->since) != 0) {
			http_error(resp, 400, "since: expected a duration "
					      "(30d) or an RFC 3339 time");
			return -1;
		}
	}
	f->include_drills = (v = http_query(r, "drills")) && !strcmp(v, "1");
	return 0;
}

void api_incidents(struct svc *svc, const struct http_req *r,
		   struct http_resp *resp)
{
	struct store_filter f;
	struct ml_err err = {0};
	json_t *list = NULL;
	int rc;

	if (read_filter(r, &f, resp) != 0)
		return;
	pthread_mutex_lock(&svc->store_lock);
	rc = store_incident_list(svc->store, &f, &list, &err);
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

/* A string field of the action body; NULL when absent. Sets *bad when
 * present with the wrong type. */
static const char *body_str(const json_t *b, const char *k, int *bad)
{
	const json_t *v = json_object_get(b, k);
	if (v && !json_is_string(v))
		*bad = 1;
	return json_string_value(v);
}

static int run_action(struct svc *svc, const struct http_req *r,
		      const json_t *b, struct http_resp *resp,
		      struct ml_err *err)
{
	int64_t now = time_now_ms();
	const char *a = r->action;
	int bad = 0, sev;
	const char *text = body_str(b, "text", &bad),
		   *role = body_str(b, "role", &bad),
		   *person = body_str(b, "person", &bad),
		   *url = body_str(b, "url", &bad),
		   *reason = body_str(b, "reason", &bad),
		   *sevs = body_str(b, "severity", &bad),
		   *actor = body_str(b, "actor", &bad);

	if (bad) {
		http_error(resp, 400, "fields of an action must be strings");
		return -1;
	}
	if (!actor || !strcmp(actor, r->actor)) {
		actor = r->actor;
	} else if (r->role < HTTP_ADMIN) {
		http_error(resp, 403,
			   "actor: only an admin token may act under another "
			   "name (this token is %s)",
			   r->actor);
		return -1;
	} /* else an admin token speaks for someone (a drill harness, a
	   * runbook acting for the comms lead): its actor is recorded */
	if (!strcmp(a, "ack"))
		return store_incident_ack(svc->store, r->id, actor, now, err);
	if (!strcmp(a, "resolve"))
		return store_incident_resolve(svc->store, r->id, actor, reason,
					      now, err);
	if (!strcmp(a, "note"))
		return text ? store_incident_note(svc->store, r->id, actor,
						  text, now, err)
			    : ml_err_set(err, ML_EINPUT, "text: required");
	if (!strcmp(a, "role"))
		return role ? store_incident_role(svc->store, r->id, actor,
						  role, person, now, err)
			    : ml_err_set(err, ML_EINPUT, "role: required");
	if (!strcmp(a, "severity"))
		return sevs && alert_severity_parse(sevs, &sev) == 0
			       ? store_incident_severity(svc->store, r->id,
							 actor, sev, now, err)
			       : ml_err_set(err, ML_EINPUT,
					    "severity: expected P1..P4");
	if (!strcmp(a, "bridge"))
		return store_incident_bridge(svc->store, r->id, actor, url, now,
					     err);
	if (!strcmp(a, "update"))
		return store_incident_update(svc->store, r->id, actor, text,
					     now, err);
	http_error(resp, 404,
		   "unknown action `%s` (ack, resolve, note, update, role, "
		   "severity, bridge)",
		   a);
	return -1;
}

void api_incident_action(struct svc *svc, const struct http_req *r,
			 struct http_resp *resp)
{
	struct ml_err err = {0};
	json_t *b = NULL, *inc = NULL;
	int rc;

	if (r->body_len && jdepth_over(r->body, r->body_len, ML_JSON_MAX_DEPTH)) {
		http_error(resp, 400, "body: JSON nested deeper than %d levels",
			   ML_JSON_MAX_DEPTH);
		return;
	}
	if (r->body_len) {
		json_error_t je;
		b = json_loadb(r->body, r->body_len, 0, &je);
		if (!json_is_object(b)) {
			json_decref(b);
			http_error(resp, 400, "body: expected a JSON object (%s)",
				   je.text);
			return;
		}
	}
	if (!b)
		b = json_object();
	pthread_mutex_lock(&svc->store_lock);
	rc = run_action(svc, r, b, resp, &err);
	if (rc == 0)
		store_incident_get(svc->store, r->id, &inc, &err);
	pthread_mutex_unlock(&svc->store_lock);
	json_decref(b);
	if (rc < 0)
		return; /* response already set */
	if (rc) {
		http_error(resp,
			   rc == ML_ENOTFOUND ? 404
			   : rc == ML_EINPUT  ? 409
					      : 500,
			   "%s", err.msg);
		json_decref(inc);
		return;
	}
	http_json(resp, 200, inc ? inc : json_object());
}

void api_runs(struct svc *svc, const struct http_req *r,
	      struct http_resp *resp)
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
