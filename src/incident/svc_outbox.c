/* svc_outbox.c: the service's side of the run channel (store_chan.h): a
 * worker that puts the step events runs append on their incident's
 * timeline, announces each approval a run waits for (timeline and a
 * message to the team, saying how to answer), and delivers the messages
 * runs queue (notify steps) through the service's channels, marking each
 * delivered once sent; a failed delivery is on the timeline and is tried
 * again later, until STORE_OUTBOX_ATTEMPTS. */
#include <stdio.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "incident/svc.h"
#include "store/store_chan.h"

/* "step ok (1.2s): remedy line 12: $ systemctl restart x: exit 0". */
static void event_text(const json_t *e, char *msg, size_t n)
{
	const char *ev = jget_str(e, "event", "?");
	const char *status = jget_str(e, "status", NULL);
	const json_t *ec = json_object_get(e, "exit_code");
	char d[32] = "", code[32] = "";

	if (!strcmp(ev, "finished")) {
		dur_format(jget_int(e, "duration_ms", 0), d, sizeof(d));
		if (json_is_integer(ec))
			snprintf(code, sizeof(code), ": exit %lld",
				 (long long)json_integer_value(ec));
	}
	snprintf(msg, n, "run %lld: step %s%s%s%s: %s%s%s line %lld: %.300s%s",
		 (long long)jget_int(e, "run_id", 0), status ? status : ev,
		 *d ? " (" : "", d, *d ? ")" : "", jget_str(e, "phase", "?"),
		 jget_str(e, "item", NULL) ? " " : "", jget_str(e, "item", ""),
		 (long long)jget_int(e, "line", 0), jget_str(e, "step", "?"),
		 code);
}

/* One event: a timeline entry and the posted mark in one transaction. */
static int post_event(struct svc *svc, const json_t *e, struct ml_err *err)
{
	int64_t inc = jget_int(e, "incident_id", 0);
	char msg[700];
	int rc;

	if ((rc = store_begin(svc->store, err)) != 0)
		return rc;
	event_text(e, msg, sizeof(msg));
	if (inc)
		rc = store_timeline_add(svc->store, inc, jget_int(e, "at", 0),
					"step", "runbook", msg, e, err);
	if (!rc)
		rc = store_event_posted(svc->store, jget_int(e, "id", 0), err);
	if (rc) {
		store_rollback(svc->store);
		return rc;
	}
	return store_commit(svc->store, err);
}

void svc_outbox_events(struct svc *svc)
{
	struct ml_err err = {0};
	json_t *evs = NULL, *e;
	size_t i;
	int rc;

	pthread_mutex_lock(&svc->store_lock);
	rc = store_event_unposted(svc->store, 100, &evs, &err);
	json_array_foreach(evs, i, e) if (!rc) rc = post_event(svc, e, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc)
		ml_err_print(&err);
	json_decref(evs);
}

/* One pending approval: on the timeline (marked announced in the same
 * transaction), then to people. */
static void announce(struct svc *svc, const json_t *a)
{
	int64_t inc = jget_int(a, "incident_id", 0),
		run = jget_int(a, "run_id", 0);
	struct ml_err err = {0};
	char msg[900];
	int rc;

	snprintf(msg, sizeof(msg),
		 "run %lld waits for approval: %.500s (mloncall runs approve "
		 "%lld, or runs deny %lld; POST /api/v1/runs/%lld/approve)",
		 (long long)run, jget_str(a, "prompt", ""), (long long)run,
		 (long long)run, (long long)run);
	pthread_mutex_lock(&svc->store_lock);
	rc = store_begin(svc->store, &err);
	if (!rc && inc)
		rc = store_timeline_add(svc->store, inc, time_now_ms(),
					"approval", "runbook", msg, a, &err);
	if (!rc)
		rc = store_approval_announced(svc->store, jget_int(a, "id", 0),
					      &err);
	if (!rc)
		rc = store_commit(svc->store, &err);
	else
		store_rollback(svc->store);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc)
		ml_err_print(&err);
	else if (inc)
		svc_notify_run(svc, inc, "approval", NULL, msg);
}

static void announce_approvals(struct svc *svc)
{
	struct ml_err err = {0};
	json_t *list = NULL, *a;
	size_t i;

	pthread_mutex_lock(&svc->store_lock);
	if (store_approval_unannounced(svc->store, &list, &err))
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	json_array_foreach(list, i, a) announce(svc, a);
	json_decref(list);
}

/* Delivers one queued message and records the outcome. */
static void deliver_one(struct svc *svc, const json_t *m)
{
	int64_t inc = jget_int(m, "incident_id", 0), now;
	int64_t backoff =
	    svc->cfg.notify_backoff_ms > 0 ? svc->cfg.notify_backoff_ms : 1000;
	int attempts = (int)jget_int(m, "attempts", 0), ok, gave_up = 0;
	struct ml_err err = {0};
	char msg[700];

	ok = svc_notify_run(svc, inc, "run message",
			    jget_str(m, "channel", NULL),
			    jget_str(m, "message", "")) == 0;
	now = time_now_ms();
	for (int i = 0; i < attempts && backoff < 3600000; i++)
		backoff *= 2;
	pthread_mutex_lock(&svc->store_lock);
	if (store_outbox_mark(svc->store, jget_int(m, "id", 0), ok,
			      ok ? NULL : "a channel did not take it",
			      now + backoff, now, &gave_up, &err))
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	if (gave_up && inc) {
		snprintf(msg, sizeof(msg),
			 "run %lld: message not delivered after %d attempts, "
			 "given up: %.400s",
			 (long long)jget_int(m, "run_id", 0), attempts + 1,
			 jget_str(m, "message", ""));
		svc_timeline(svc, inc, "notify_failed", msg, NULL);
	}
}

static void deliver_due(struct svc *svc)
{
	struct ml_err err = {0};
	json_t *due = NULL, *m;
	size_t i;

	pthread_mutex_lock(&svc->store_lock);
	if (store_outbox_due(svc->store, time_now_ms(), 20, &due, &err))
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	json_array_foreach(due, i, m)
	{
		if (svc->stopping)
			break;
		deliver_one(svc, m);
	}
	json_decref(due);
}

void svc_outbox_tick(struct svc *svc)
{
	svc_outbox_events(svc);
	deliver_due(svc); /* before the approvals asked after them */
	announce_approvals(svc);
}

void *svc_outbox_main(void *arg)
{
	struct svc *svc = arg;

	for (;;) {
		int running;
		pthread_mutex_lock(&svc->runs_lock);
		running = svc->running;
		pthread_mutex_unlock(&svc->runs_lock);
		svc_outbox_tick(svc);
		/* on a stop, until the last run has said its last */
		if (svc->stopping && !running)
			break;
		time_sleep_ms(svc->tick_ms);
	}
	return NULL;
}
