/* svc_notify.c: pages and messages to people: Slack-compatible and
 * generic JSON webhooks (core/httpc) and a command hook (JSON on stdin),
 * retried with exponential backoff; every outcome is on the timeline. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "core/httpc.h"
#include "core/out.h"
#include "core/proc.h"
#include "incident/drill_notify.h"
#include "incident/svc.h"

static int post_json(const char *url, const char *body, int64_t timeout_ms,
		     char *why, size_t whyn)
{
	static const char *const hdrs[] = {"Content-Type: application/json",
					   NULL};
	struct httpc_req q = {.url = url,
			      .headers = hdrs,
			      .body = body,
			      .timeout_ms = (long)timeout_ms,
			      .discard_body = 1};
	struct httpc_resp r;
	struct ml_err herr = {0};
	int rc = httpc_request(&q, &r, &herr);
	long status = r.status;

	httpc_resp_free(&r);
	if (rc == ML_EINTERNAL) {
		snprintf(why, whyn, "curl init failed");
		return -1;
	}
	if (rc) {
		snprintf(why, whyn, "%s", r.error_short);
		return -1;
	}
	if (status < 200 || status >= 300) {
		snprintf(why, whyn, "HTTP %ld", status);
		return -1;
	}
	return 0;
}

static int run_hook(const struct notify_channel *ch, const char *body,
		    int64_t id, const char *person, char *why, size_t whyn)
{
	char e1[64], e2[300];
	const char *env[] = {e1, e2, NULL};
	struct proc_opts o = {.shell_cmd = ch->command,
			      .env_add = env,
			      .input = body,
			      .input_len = strlen(body),
			      .timeout_ms = ch->timeout_ms,
			      .merge_stderr = 1};
	struct proc_result r;
	struct ml_err err = {0};

	snprintf(e1, sizeof(e1), "ML_INCIDENT_ID=%lld", (long long)id);
	snprintf(e2, sizeof(e2), "ML_PAGE_TARGET=%s", person ? person : "");
	if (proc_run(&o, &r, &err) != 0) {
		snprintf(why, whyn, "%s", err.msg);
		return -1;
	}
	if (!r.exited || r.exit_code != 0) {
		proc_describe(&r, &o, why, whyn);
		proc_result_free(&r);
		return -1;
	}
	proc_result_free(&r);
	return 0;
}

/* Delivers body on channel with retries; 0 or -1 with why filled. */
static int deliver(struct svc *svc, const struct notify_channel *ch,
		   const char *slack_body, const char *json_body, int64_t id,
		   const char *person, char *why, size_t whyn)
{
	int64_t backoff = svc->cfg.notify_backoff_ms;

	for (int attempt = 0;; attempt++) {
		int rc;
		if (ch->type == NOTIFY_COMMAND)
			rc = run_hook(ch, json_body, id, person, why, whyn);
		else
			rc = post_json(ch->url,
				       ch->type == NOTIFY_SLACK ? slack_body
								: json_body,
				       ch->timeout_ms, why, whyn);
		if (rc == 0)
			return 0;
		if (attempt >= svc->cfg.notify_retries || svc->stopping)
			return -1;
		time_sleep_ms(backoff);
		backoff *= 2;
	}
}

/* Nonzero when channel only names a configured channel other than ch
 * (a message for one channel goes there; one for a channel the service
 * does not know goes to all of them). */
static int skip_channel(const struct svc *svc, const struct notify_channel *ch,
			const char *only)
{
	if (!only || !strcmp(ch->name, only))
		return 0;
	for (size_t i = 0; i < svc->cfg.n_channels; i++)
		if (!strcmp(svc->cfg.channels[i].name, only))
			return 1;
	return 0;
}

/* Sends on every channel (or only the one named only); returns how many
 * deliveries failed. */
static int send_all(struct svc *svc, int64_t id, const char *person,
		    const char *what, const char *slack_body,
		    const char *json_body, const char *only)
{
	char msg[700], why[256];
	int failed = 0;

	if (svc->cfg.n_channels == 0) {
		snprintf(msg, sizeof(msg),
			 "%s (no notification channel "
			 "configured)",
			 what);
		svc_timeline(svc, id, "page", msg, NULL);
		return 0;
	}
	for (size_t i = 0; i < svc->cfg.n_channels; i++) {
		const struct notify_channel *ch = &svc->cfg.channels[i];
		int ok;
		if (skip_channel(svc, ch, only))
			continue;
		ok = deliver(svc, ch, slack_body, json_body, id, person, why,
			     sizeof(why)) == 0;
		failed += !ok;
		pthread_mutex_lock(&svc->metrics_lock);
		if (ok)
			svc->m.notifications_sent++;
		else
			svc->m.notifications_failed++;
		pthread_mutex_unlock(&svc->metrics_lock);
		snprintf(msg, sizeof(msg), "%s via %s: %s", what, ch->name,
			 ok ? "delivered" : why);
		svc_timeline(svc, id, ok ? "page" : "page_failed", msg,
			     json_pack("{s:s, s:b}", "channel", ch->name,
				       "delivered", ok));
	}
	return failed;
}

void svc_notify_page(struct svc *svc, int64_t id, int level, const char *target)
{
	const char *person = svc_oncall(&svc->cfg, target, time_now_ms());
	struct ml_err err = {0};
	json_t *inc = NULL, *msg, *sl;
	char what[300], text[1200];
	char *slack, *generic;

	pthread_mutex_lock(&svc->store_lock);
	store_incident_get(svc->store, id, &inc, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (!inc)
		return;
	if (!person)
		person = target; /* a person named directly */
	snprintf(what, sizeof(what), "paged %s (%s, level %d)", person, target,
		 level + 1);
	if (drill_notify_blocked(svc, id, person, target, what)) {
		json_decref(inc);
		return;
	}
	snprintf(text, sizeof(text), "[P%lld] %s: incident #%lld %s%s%s",
		 (long long)jget_int(inc, "severity", 3),
		 jget_str(inc, "status", "?"), (long long)id,
		 jget_str(inc, "title", ""),
		 jget_str(inc, "runbook_id", NULL) ? " (runbook: " : "",
		 jget_str(inc, "runbook_id", NULL)
		     ? jget_str(inc, "runbook_id", "")
		     : "");
	if (jget_str(inc, "runbook_id", NULL))
		strncat(text, ")", sizeof(text) - strlen(text) - 1);
	msg = json_pack("{s:s, s:I, s:s, s:s, s:i, s:O, s:O?}", "event", "page",
			"incident", (json_int_t)id, "target", target, "person",
			person, "level", level + 1, "severity",
			json_object_get(inc, "severity"), "alert",
			json_object_get(inc, "last_payload"));
	json_object_set_new(msg, "text", json_string(text));
	generic = json_dumps(msg, JSON_COMPACT);
	sl = json_pack("{s:s}", "text", text);
	slack = json_dumps(sl, JSON_COMPACT);
	json_decref(sl);
	send_all(svc, id, person, what, slack ? slack : "{}",
		 generic ? generic : "{}", NULL);
	free(slack);
	free(generic);
	json_decref(msg);
	json_decref(inc);
}

int svc_notify_run(struct svc *svc, int64_t id, const char *event,
		   const char *channel, const char *text)
{
	json_t *msg =
	    json_pack("{s:s, s:I, s:s, s:s?}", "event", event, "incident",
		      (json_int_t)id, "text", text, "channel", channel);
	json_t *sl = json_pack("{s:s}", "text", text);
	char *generic = json_dumps(msg, JSON_COMPACT);
	char *slack = json_dumps(sl, JSON_COMPACT);
	char what[300];
	int failed = 0;

	snprintf(what, sizeof(what), "%s%s%s",
		 strcmp(event, "update") ? event : "notified the team",
		 channel ? " for " : "", channel ? channel : "");
	if (!drill_notify_blocked(svc, id, NULL, NULL, what))
		failed = send_all(svc, id, NULL, what, slack ? slack : "{}",
				  generic ? generic : "{}", channel);
	free(slack);
	free(generic);
	json_decref(msg);
	json_decref(sl);
	return failed ? -1 : 0;
}

void svc_notify_text(struct svc *svc, int64_t id, const char *text)
{
	svc_notify_run(svc, id, "update", NULL, text);
}

void svc_notify_person(struct svc *svc, int64_t id, const char *target,
		       const char *person, const char *event, const char *text)
{
	json_t *msg = json_pack("{s:s, s:I, s:s, s:s, s:s}", "event", event,
				"incident", (json_int_t)id, "target", target,
				"person", person, "text", text);
	json_t *sl = json_pack("{s:s}", "text", text);
	char *generic = json_dumps(msg, JSON_COMPACT);
	char *slack = json_dumps(sl, JSON_COMPACT);
	char what[300];

	snprintf(what, sizeof(what), "%s to %s (%s)", event, person, target);
	if (!drill_notify_blocked(svc, id, person, target, what))
		send_all(svc, id, person, what, slack ? slack : "{}",
			 generic ? generic : "{}", NULL);
	free(slack);
	free(generic);
	json_decref(msg);
	json_decref(sl);
}
