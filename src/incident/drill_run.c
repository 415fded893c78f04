/* drill_run.c: playing a drill scenario against the incident service (or
 * its database): inject the fault, raise the drill alert through the
 * normal intake, follow the incident until it is mitigated or time runs
 * out, and always clear the fault (also on Ctrl-C and errors). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/httpc.h"
#include "core/out.h"
#include "core/strutil.h"
#include "incident/alert.h"
#include "incident/client.h"
#include "incident/drill.h"
#include "incident/drill_notify.h"
#include "store/store.h"

/* POSTs body to the service's path; *out: the JSON answer (new ref). */
static int post(const struct drill_opts *o, const char *path,
		const json_t *body, json_t **out, struct ml_err *err)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	const char *hdrs[3] = {"Content-Type: application/json", NULL, NULL};
	char *payload = json_dumps(body, JSON_COMPACT);
	struct httpc_req q = {.body = payload ? payload : "{}",
			      .headers = hdrs,
			      .timeout_ms = 30000,
			      .protocols = "all"};
	struct httpc_resp r;
	struct ml_err herr = {0};
	int ret;

	buf_printf(&url, "%s%s", o->server, path);
	if (o->token) {
		buf_printf(&auth, "Authorization: Bearer %s", o->token);
		hdrs[1] = buf_str(&auth);
	}
	q.url = buf_str(&url);
	ret = httpc_request(&q, &r, &herr);
	*out = r.body.len ? json_loadb(r.body.data, r.body.len, 0, NULL) : NULL;
	if (ret)
		ret = ml_err_set(err, ML_EIO, "%s: %s", buf_str(&url),
				 r.error_short);
	else if (r.status != 200)
		ret = ml_err_set(err, r.status < 500 ? ML_EINPUT : ML_EIO,
				 "%s answered %ld: %s", buf_str(&url), r.status,
				 jget_str(*out, "error", "no message"));
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	httpc_resp_free(&r);
	free(payload);
	buf_free(&url);
	buf_free(&auth);
	return ret;
}

/* The drill's alert: the scenario's labels plus drill="true" and a run id
 * (a fresh fingerprint, so each run opens its own incident), and the
 * participants as an annotation. New reference. */
static json_t *drill_alert(const struct drill_scenario *sc, const char *status,
			   int64_t run_id)
{
	json_t *labels = json_deep_copy(sc->labels),
	       *ann = json_deep_copy(sc->annotations);
	struct buf p = BUF_INIT;
	char id[96];

	snprintf(id, sizeof(id), "%s-%lld", sc->name, (long long)run_id);
	jset_str(labels, DRILL_LABEL, "true");
	jset_str(labels, "drill_run", id);
	for (size_t i = 0; i < sc->n_participants; i++)
		buf_printf(&p, "%s%s", i ? "," : "", sc->participants[i]);
	jset_str(ann, DRILL_PARTICIPANTS, buf_str(&p));
	jset_str(ann, "drill_scenario", sc->name);
	if (!json_object_get(ann, "summary")) {
		char summary[300];
		snprintf(summary, sizeof(summary), "%.120s (drill %.100s)",
			 jget_str(labels, "alertname", "alert"), sc->name);
		jset_str(ann, "summary", summary);
	}
	buf_free(&p);
	return json_pack("{s:o, s:o, s:s}", "labels", labels, "annotations",
			 ann, "status", status);
}

/* Database mode: applies the alert to the store. *id: the incident. */
static int raise_db(const struct drill_opts *o, const json_t *alert,
		    int64_t *id, struct ml_err *err)
{
	char *body = json_dumps(alert, JSON_COMPACT);
	struct alert_batch b;
	struct store_alert_result r = {0};
	struct store *s = NULL;
	int rc;

	rc = alert_parse_generic(body, strlen(body), 3, &b, err);
	free(body);
	if (rc)
		return rc;
	b.v[0].rec.source = "drill";
	if ((rc = store_open(o->db, &s, err)) == 0 &&
	    (rc = store_begin(s, err)) == 0) {
		rc = store_alert_apply(s, &b.v[0].rec, time_now_ms(), &r, err);
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s, err);
	}
	store_close(s);
	alert_batch_free(&b);
	*id = r.incident_id;
	return rc;
}

static int raise_alert(const struct drill_opts *o, const json_t *alert,
		       int64_t *id, struct ml_err *err)
{
	json_t *res = NULL;
	int rc;

	*id = 0;
	if (!o->server)
		return raise_db(o, alert, id, err);
	if ((rc = post(o, "/api/v1/alerts", alert, &res, err)) != 0)
		return rc;
	*id = jget_int(json_array_get(json_object_get(res, "alerts"), 0),
		       "incident", 0);
	json_decref(res);
	if (*id <= 0 && !strcmp(jget_str(alert, "status", ""), "firing"))
		return ml_err_set(err, ML_EIO,
				  "the service stored the drill "
				  "alert but named no incident");
	return 0;
}

static void progress(const struct drill_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const struct drill_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	fputs("drill: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Sleeps ms in small steps; returns early when *stop is set. */
static void nap(const struct drill_opts *o, int64_t ms)
{
	for (int64_t t = 0; t < ms && !(o->stop && *o->stop); t += 50)
		time_sleep_ms(ms - t < 50 ? ms - t : 50);
}

/* Follows incident id until mitigated, timed out or stopped. */
static const char *follow(const struct drill_scenario *sc,
			  const struct drill_opts *o, int64_t id,
			  int64_t deadline, struct ml_err *err)
{
	struct client c = {.server = o->server, .token = o->token, .db = o->db};
	struct drill_clock none = {0};
	int seen_ack = 0, seen_diag = 0, misses = 0;

	for (;;) {
		json_t *inc = NULL, *d, *t;
		int rc = client_incident(&c, id, &inc, err);

		if (rc && rc != ML_ENOTFOUND && ++misses < 20) {
			/* a busy database or a restarting service: retry */
			nap(o, o->poll_ms > 0 ? o->poll_ms : 500);
			continue;
		}
		if (rc)
			return "error";
		misses = 0;
		d = drill_debrief(sc, inc, &none);
		t = json_object_get(d, "times");
		if (!seen_ack &&
		    json_is_object(json_object_get(t, "acknowledge")))
			seen_ack = 1,
			progress(o, "acknowledged by %s",
				 jget_str(json_object_get(t, "acknowledge"),
					  "by", "?"));
		if (!seen_diag &&
		    json_is_object(json_object_get(t, "diagnose")))
			seen_diag = 1, progress(o, "diagnosed");
		rc = json_is_object(json_object_get(t, "mitigate"));
		json_decref(d);
		json_decref(inc);
		if (rc)
			return "mitigated";
		if (o->stop && *o->stop)
			return "interrupted";
		if (time_now_ms() >= deadline)
			return "timed_out";
		nap(o, o->poll_ms > 0 ? o->poll_ms : 500);
	}
}

/* Clears the fault (never cancelled) and resolves the drill alert. */
static void wind_down(const struct drill_scenario *sc,
		      const struct drill_opts *o, const json_t *resolved,
		      int64_t id, struct drill_clock *clk, struct ml_err *cerr)
{
	struct ml_err err = {0};
	char *detail = NULL;
	int64_t ignored;

	if (drill_action_do(&sc->clear, "clear", NULL, &detail, cerr) != 0) {
		clk->clear_error = cerr->msg;
		fprintf(stderr, "drill: CLEARING THE FAULT FAILED: %s\n",
			cerr->msg);
	} else {
		progress(o, "fault cleared (%s)", detail ? detail : "ok");
	}
	free(detail);
	clk->cleared_at = time_now_ms();
	if (id && raise_alert(o, resolved, &ignored, &err) != 0)
		fprintf(stderr, "drill: resolving the drill alert: %s\n",
			err.msg);
}

int drill_run(const struct drill_scenario *sc, const struct drill_opts *o,
	      json_t **debrief, struct ml_err *err)
{
	struct drill_clock clk = {.started_at = time_now_ms()};
	struct client c = {.server = o->server, .token = o->token, .db = o->db};
	struct ml_err cerr = {0}, gerr = {0}; /* clear; final read */
	json_t *firing = drill_alert(sc, "firing", clk.started_at),
	       *resolved = drill_alert(sc, "resolved", clk.started_at),
	       *inc = NULL;
	char *detail = NULL;
	int64_t id = 0;
	int rc;

	*debrief = NULL;
	rc = drill_action_do(&sc->fault, "fault", o->stop, &detail, err);
	clk.fault_at = time_now_ms();
	if (rc == 0) {
		progress(o, "fault injected (%s)", detail);
		rc = raise_alert(o, firing, &id, err);
		clk.alert_at = time_now_ms();
	}
	free(detail);
	if (rc == 0) {
		progress(o,
			 "drill incident #%lld opened; waiting up to %llds "
			 "for it to be mitigated",
			 (long long)id, (long long)(sc->timeout_ms / 1000));
		clk.outcome =
		    follow(sc, o, id, clk.alert_at + sc->timeout_ms, err);
		if (!strcmp(clk.outcome, "error"))
			rc = err->code ? err->code : ML_EIO;
	} else {
		clk.outcome = "error";
	}
	clk.ended_at = time_now_ms();
	wind_down(sc, o, resolved, id, &clk, &cerr);
	if (id && client_incident(&c, id, &inc, &gerr) != 0)
		inc = NULL;
	*debrief = drill_debrief(sc, inc, &clk);
	json_decref(inc);
	json_decref(firing);
	json_decref(resolved);
	return rc;
}
