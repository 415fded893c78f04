/* svc.h: the incident service: the state `mloncall serve` runs on, shared
 * by the HTTP handlers and the background workers (group-commit intake
 * writer, escalation timer, runbook runner). The store is used by one
 * thread at a time under svc->store_lock. */
#ifndef ML_SVC_H
#define ML_SVC_H

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "incident/alert.h"
#include "incident/svc_config.h"
#include "store/store.h"

struct rb_runbook;

/* One intake request waiting for the group commit. */
struct intake_req {
	struct alert_batch *batch; /* borrowed from the HTTP handler */
	int done;
	int rc;
	struct ml_err err;
	json_t *result; /* per alert: incident id, created ... */
	struct intake_req *next;
};

/* Counters for /metrics (under metrics_lock). */
struct svc_metrics {
	uint64_t alerts_received;
	uint64_t requests;
	uint64_t requests_failed;
	uint64_t notifications_sent;
	uint64_t notifications_failed;
	uint64_t commits;
	/* request latency histogram, seconds; bucket bounds in svc.c */
	uint64_t latency_buckets[12];
	double latency_sum;
	uint64_t latency_count;
};

struct svc {
	struct svc_config cfg;
	struct store *store;
	pthread_mutex_t store_lock;

	struct rb_runbook **runbooks; /* for routing; owned */
	size_t n_runbooks;
	char **runbook_files; /* paths, parallel to runbooks */

	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;	  /* writer: work arrived */
	pthread_cond_t done_cond; /* requesters: batch committed */
	struct intake_req *q_head, *q_tail;

	pthread_mutex_t metrics_lock;
	struct svc_metrics m;

	pthread_t writer, timer, runner, outbox;
	int started;
	volatile sig_atomic_t stopping;
	int auth;	 /* tokens required */
	char *self_exe;	 /* mloncall binary for child runs */
	char *db_url;	 /* the store, as given: child runs
			    open it too (--db) */
	int64_t tick_ms; /* timer granularity */
	pthread_mutex_t runs_lock;
	int running; /* runs in flight */
	pid_t run_pids[64];
};

/* Opens the store, loads runbooks for routing (cfg.runbooks_dir), marks
 * runs cut off by a crash as interrupted, starts the workers. svc is
 * caller-allocated; cfg is moved in (svc owns it afterwards). */
int svc_start(struct svc *svc, const char *db, struct svc_config *cfg,
	      const char *self_exe, struct ml_err *err);

/* Stops the workers (finishing the queued intake, stopping runs: children
 * get SIGTERM so their rollback runs) and closes the store. */
void svc_stop(struct svc *svc);

/* Submits a parsed batch and waits until it is durably committed (group
 * commit with other concurrent requests). *result: JSON array, one entry
 * per alert (new reference). */
int svc_intake(struct svc *svc, struct alert_batch *batch, json_t **result,
	       struct ml_err *err);

/* The runbook whose triggers match labels (first in file order), or
 * NULL. */
const struct rb_runbook *svc_route(const struct svc *svc, const json_t *labels,
				   const char **file);

/* Records one HTTP request's latency (seconds) and outcome. */
void svc_metrics_request(struct svc *svc, double seconds, int failed);

/* Writes the Prometheus text exposition of the service's metrics. */
void svc_metrics_render(struct svc *svc, struct buf *out);

/* Appends a timeline entry by mloncall, taking store_lock; takes the
 * reference to data. Errors are printed, not returned (a worker has no
 * one to return them to). */
void svc_timeline(struct svc *svc, int64_t incident_id, const char *kind,
		  const char *msg, json_t *data);

/* Workers (svc_timer.c, svc_runner.c, svc_notify.c). */
void *svc_timer_main(void *arg);
void *svc_runner_main(void *arg);

/* Sends one page for an incident to target (a person or an on-call role)
 * on every channel, with retries and backoff; outcomes go on the
 * timeline. Called without store_lock held. */
void svc_notify_page(struct svc *svc, int64_t incident_id, int level,
		     const char *target);

/* Notifies every channel of a run outcome (auto remediation). */
void svc_notify_text(struct svc *svc, int64_t incident_id, const char *text);

/* Sends text of kind event ("update", "run message", "approval") for
 * incident_id: to the configured channel named channel when there is
 * one, else to every channel; each outcome on the timeline. Returns 0
 * when every delivery succeeded, -1 when one failed (the caller retries:
 * the outbox). Called without store_lock held. */
int svc_notify_run(struct svc *svc, int64_t incident_id, const char *event,
		   const char *channel, const char *text);

/* The run channel's service side (svc_outbox.c): puts step events on
 * the timeline, announces and pages approvals runs wait for, delivers
 * runs' outgoing messages (retrying failed ones). One pass / the
 * thread's loop. */
void svc_outbox_tick(struct svc *svc);
/* Only the step events (a run's end posts its last ones before its
 * outcome, so the timeline reads in order). */
void svc_outbox_events(struct svc *svc);
void *svc_outbox_main(void *arg);

/* Sends a message of kind event ("reminder") to one person (who holds
 * target, a role) on every channel, like a page; drill incidents only
 * reach participants. Called without store_lock held. */
void svc_notify_person(struct svc *svc, int64_t incident_id, const char *target,
		       const char *person, const char *event, const char *text);

#endif
