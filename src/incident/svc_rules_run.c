/* svc_rules_run.c: the threads that evaluate `mloncall serve`'s alert
 * rules: one per rule, so a slow probe never delays another rule or the
 * HTTP handlers. A state change is sent as an Alertmanager webhook body
 * through svc_intake, the path real Alertmanager alerts take (routing,
 * dedup, runbook runs, timeline are the same); a failed delivery is
 * retried at the next evaluation. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "incident/alert.h"
#include "incident/svc.h"
#include "incident/svc_rules.h"
#include "probe/probe.h"

struct rule_thread {
	struct svc *svc;
	const struct svc_rule *rule;
	struct svc_rule_eval st;
	const char *undelivered; /* "firing"/"resolved" still to send */
	json_t *last_facts;	 /* of the last successful probe run */
	char last_err[256];	 /* printed once until it changes */
	pthread_t t;
	int started;
};

struct svc_rules_rt {
	struct rule_thread *v;
	size_t n;
};

/* Sends the rule's current state change through the intake. */
static int deliver(struct rule_thread *rt, const char *status)
{
	struct svc *svc = rt->svc;
	json_t *body =
	    svc_rule_payload(rt->rule, &rt->st, status, rt->last_facts);
	char *text = json_dumps(body, JSON_COMPACT);
	struct alert_batch b = {0};
	struct ml_err err = {0};
	json_t *res = NULL;
	int rc;

	json_decref(body);
	rc = alert_parse_alertmanager(text, strlen(text),
				      svc->cfg.default_severity, &b, &err);
	for (size_t i = 0; !rc && i < b.n; i++)
		b.v[i].rec.source = "rule";
	if (!rc)
		rc = svc_intake(svc, &b, &res, &err);
	if (rc)
		fprintf(stderr,
			"mloncall serve: rule %s: sending %s failed "
			"(retried at the next evaluation): %s\n",
			rt->rule->name, status, err.msg);
	else
		fprintf(stderr,
			"mloncall serve: rule %s: %s -> incident %lld\n",
			rt->rule->name, status,
			jget_int(json_array_get(res, 0), "incident", 0));
	json_decref(res);
	alert_batch_free(&b);
	free(text);
	return rc;
}

static void note_error(struct rule_thread *rt, const struct ml_err *err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	if (!strcmp(msg, rt->last_err))
		return;
	snprintf(rt->last_err, sizeof(rt->last_err), "%s", msg);
	fprintf(stderr, "mloncall serve: rule %s: %s (state kept: %s)\n",
		rt->rule->name, msg,
		rt->st.state == RULE_FIRING    ? "firing"
		: rt->st.state == RULE_PENDING ? "pending"
					       : "inactive");
}

/* One evaluation: probe, expression, state machine, delivery. */
static void eval_once(struct rule_thread *rt)
{
	const struct svc_rule *r = rt->rule;
	struct ml_err err = {0};
	enum svc_rule_event ev = RULE_EV_NONE;
	json_t *facts = NULL;

	if (probe_run(r->probe, r->with, 0, NULL, &rt->svc->stopping, &facts,
		      &err) != 0 ||
	    svc_rule_eval(r, &rt->st, facts, time_now_ms(), &ev, &err) != 0) {
		json_decref(facts);
		note_error(rt, &err);
		return;
	}
	rt->last_err[0] = 0;
	json_decref(rt->last_facts);
	rt->last_facts = facts;
	if (ev == RULE_EV_PENDING)
		fprintf(stderr,
			"mloncall serve: rule %s: pending (for %llds)\n",
			r->name, (long long)(r->for_ms / 1000));
	else if (ev == RULE_EV_CANCEL)
		fprintf(stderr, "mloncall serve: rule %s: no longer pending\n",
			r->name);
	if (ev == RULE_EV_FIRE)
		rt->undelivered = "firing";
	else if (ev == RULE_EV_RESOLVE)
		rt->undelivered = "resolved";
}

static void *rule_main(void *arg)
{
	struct rule_thread *rt = arg;
	struct svc *svc = rt->svc;

	while (!svc->stopping) {
		int64_t next = time_mono_ms() + rt->rule->every_ms;

		eval_once(rt);
		if (rt->undelivered && !svc->stopping &&
		    deliver(rt, rt->undelivered) == 0)
			rt->undelivered = NULL;
		while (!svc->stopping && time_mono_ms() < next) {
			int64_t left = next - time_mono_ms();
			time_sleep_ms(left < 100 ? left : 100);
		}
	}
	return NULL;
}

int svc_rules_start(struct svc *svc, struct ml_err *err)
{
	struct svc_rules *rs = svc->cfg.rules;
	struct svc_rules_rt *rt;

	if (!rs || !rs->n || rs->rt)
		return 0;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread uses it */
	rt = xcalloc(1, sizeof(*rt));
	rt->v = xcalloc(rs->n, sizeof(*rt->v));
	rt->n = rs->n;
	rs->rt = rt;
	for (size_t i = 0; i < rs->n; i++) {
		struct rule_thread *t = &rt->v[i];
		t->svc = svc;
		t->rule = &rs->v[i];
		if (pthread_create(&t->t, NULL, rule_main, t) != 0)
			return ml_err_set(err, ML_EINTERNAL,
					  "rule %s: cannot start a thread",
					  rs->v[i].name);
		t->started = 1;
	}
	fprintf(stderr, "mloncall serve: %zu alert rule(s) evaluating\n",
		rs->n);
	return 0;
}

void svc_rules_stop(struct svc *svc)
{
	struct svc_rules *rs = svc->cfg.rules;

	if (!rs || !rs->rt)
		return;
	svc->stopping = 1;
	for (size_t i = 0; i < rs->rt->n; i++) {
		if (rs->rt->v[i].started)
			pthread_join(rs->rt->v[i].t, NULL);
		json_decref(rs->rt->v[i].last_facts);
	}
	free(rs->rt->v);
	free(rs->rt);
	rs->rt = NULL;
}
