/* svc.c: starting and stopping the incident service, routing, and the
 * group-commit intake writer: concurrent requests are committed together
 * in one transaction (one fsync), and each sender is answered only after
 * its alerts are durable. */
#include "incident/svc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/xmalloc.h"
#include "incident/svc_rules.h"
#include "runbook/rb.h"

static const double latency_bounds[12] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

static int load_runbooks(struct svc *svc, struct ml_err *err)
{
	struct rb_dir d = {0};
	int rc;

	if (!svc->cfg.runbooks_dir)
		return 0;
	if ((rc = rb_load_dir(svc->cfg.runbooks_dir, &d, err)) != 0)
		return rb_dir_free(&d), rc;
	/* svc_stop frees the n_runbooks runbooks (NULL ones too) and paths */
	svc->runbooks = d.rbs;
	svc->runbook_files = d.paths;
	svc->n_runbooks = d.n;
	for (size_t i = 0; i < d.n && !rc; i++)
		if (!d.rbs[i])
			*err = d.errs[i], rc = d.errs[i].code;
	free(d.errs);
	return rc;
}

const struct rb_runbook *svc_route(const struct svc *svc, const json_t *labels,
				   const char **file)
{
	for (size_t i = 0; i < svc->n_runbooks; i++)
		if (svc->runbooks[i] && rb_matches(svc->runbooks[i], labels)) {
			if (file)
				*file = svc->runbook_files[i];
			return svc->runbooks[i];
		}
	return NULL;
}

/* Applies one request's alerts inside the open transaction. */
static int apply_request(struct svc *svc, struct intake_req *r, int64_t now)
{
	struct alert_batch *b = r->batch;
	int rc;

	r->result = json_array();
	for (size_t i = 0; i < b->n; i++) {
		struct alert *a = &b->v[i];
		struct store_alert_result res;
		const struct rb_runbook *rb = svc_route(svc, a->labels, NULL);

		a->rec.runbook_id = rb ? rb->id : NULL;
		rc = store_alert_apply(svc->store, &a->rec, now, &res, &r->err);
		if (rc)
			return rc;
		if (res.created_incident) {
			int64_t run_id;
			rc = store_escalation_set(
			    svc->store, res.incident_id, 0,
			    now + svc->cfg.levels[0].after_ms, 0, &r->err);
			if (!rc && rb)
				rc = store_run_create(
				    svc->store, res.incident_id, rb->id,
				    rb->auto_remediate ? "remediate"
						       : "diagnose",
				    now, &run_id, &r->err);
			if (rc)
				return rc;
		}
		json_array_append_new(
		    r->result,
		    json_pack("{s:s, s:I, s:b, s:b, s:b, s:s?}", "fingerprint",
			      a->fingerprint, "incident",
			      (json_int_t)res.incident_id, "created",
			      res.created_incident, "repeat", res.repeat,
			      "resolved", res.resolved_alert, "runbook",
			      a->rec.runbook_id));
	}
	return 0;
}

/* Commits a chain of requests in one transaction, each in a savepoint. */
static void commit_group(struct svc *svc, struct intake_req *head)
{
	int64_t now = time_now_ms();
	struct ml_err err = {0};
	int rc;

	pthread_mutex_lock(&svc->store_lock);
	rc = store_begin(svc->store, &err);
	for (struct intake_req *r = head; r && !rc; r = r->next) {
		if (store_savepoint(svc->store, "req", &r->err) != 0) {
			r->rc = ML_EIO;
			continue;
		}
		r->rc = apply_request(svc, r, now);
		if (r->rc)
			store_rollback_to(svc->store, "req");
		else
			store_release(svc->store, "req", &r->err);
	}
	if (!rc)
		rc = store_commit(svc->store, &err);
	pthread_mutex_unlock(&svc->store_lock);
	for (struct intake_req *r = head; r; r = r->next)
		if (rc) {
			r->rc = rc;
			r->err = err;
		}
	pthread_mutex_lock(&svc->metrics_lock);
	svc->m.commits++;
	pthread_mutex_unlock(&svc->metrics_lock);
}

static void *writer_main(void *arg)
{
	struct svc *svc = arg;

	for (;;) {
		struct intake_req *head;

		pthread_mutex_lock(&svc->q_lock);
		while (!svc->q_head && !svc->stopping)
			pthread_cond_wait(&svc->q_cond, &svc->q_lock);
		head = svc->q_head;
		svc->q_head = svc->q_tail = NULL;
		pthread_mutex_unlock(&svc->q_lock);
		if (!head)
			break; /* stopping and nothing queued */
		commit_group(svc, head);
		pthread_mutex_lock(&svc->q_lock);
		for (struct intake_req *r = head; r; r = r->next)
			r->done = 1;
		pthread_cond_broadcast(&svc->done_cond);
		pthread_mutex_unlock(&svc->q_lock);
	}
	return NULL;
}

int svc_intake(struct svc *svc, struct alert_batch *batch, json_t **result,
	       struct ml_err *err)
{
	struct intake_req r = {.batch = batch};

	*result = NULL;
	pthread_mutex_lock(&svc->q_lock);
	if (svc->stopping) {
		pthread_mutex_unlock(&svc->q_lock);
		return ml_err_set(err, ML_EIO, "service is shutting down");
	}
	if (svc->q_tail)
		svc->q_tail->next = &r;
	else
		svc->q_head = &r;
	svc->q_tail = &r;
	pthread_cond_signal(&svc->q_cond);
	while (!r.done)
		pthread_cond_wait(&svc->done_cond, &svc->q_lock);
	pthread_mutex_unlock(&svc->q_lock);
	if (r.rc) {
		json_decref(r.result);
		*err = r.err;
		return r.rc;
	}
	pthread_mutex_lock(&svc->metrics_lock);
	for (size_t i = 0; i < batch->n; i++) /* drills are not counted */
		svc->m.alerts_received += !batch->v[i].rec.drill;
	pthread_mutex_unlock(&svc->metrics_lock);
	*result = r.result;
	return 0;
}

int svc_start(struct svc *svc, const char *db, struct svc_config *cfg,
	      const char *self_exe, struct ml_err *err)
{
	int rc, n = 0;

	memset(svc, 0, sizeof(*svc));
	svc->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	svc->self_exe = xstrdup(self_exe);
	svc->db_url = xstrdup(db);
	svc->tick_ms = svc->cfg.tick_ms > 0 ? svc->cfg.tick_ms : 200;
	pthread_mutex_init(&svc->store_lock, NULL);
	pthread_mutex_init(&svc->q_lock, NULL);
	pthread_mutex_init(&svc->metrics_lock, NULL);
	pthread_mutex_init(&svc->runs_lock, NULL);
	pthread_cond_init(&svc->q_cond, NULL);
	pthread_cond_init(&svc->done_cond, NULL);
	if ((rc = load_runbooks(svc, err)) != 0)
		return rc;
	if ((rc = store_open(db, &svc->store, err)) != 0)
		return rc;
	if ((rc = store_run_interrupt_stale(svc->store, time_now_ms(), &n,
					    err)) != 0)
		return rc;
	if (n)
		fprintf(stderr,
			"mloncall serve: %d run(s) cut off by a "
			"restart marked interrupted\n",
			n);
	pthread_create(&svc->writer, NULL, writer_main, svc);
	pthread_create(&svc->timer, NULL, svc_timer_main, svc);
	pthread_create(&svc->runner, NULL, svc_runner_main, svc);
	pthread_create(&svc->outbox, NULL, svc_outbox_main, svc);
	svc->started = 1;
	return svc_rules_start(svc, err);
}

void svc_stop(struct svc *svc)
{
	if (svc->started) {
		svc_rules_stop(svc); /* first: rule threads use the intake */
		pthread_mutex_lock(&svc->q_lock);
		svc->stopping = 1;
		pthread_cond_broadcast(&svc->q_cond);
		pthread_mutex_unlock(&svc->q_lock);
		pthread_join(svc->writer, NULL);
		pthread_join(svc->timer, NULL);
		pthread_join(svc->runner, NULL);
		pthread_join(svc->outbox, NULL);
	}
	store_close(svc->store);
	for (size_t i = 0; i < svc->n_runbooks; i++) {
		rb_free(svc->runbooks[i]);
		free(svc->runbook_files[i]);
	}
	free(svc->runbooks);
	free(svc->runbook_files);
	free(svc->self_exe);
	free(svc->db_url);
	svc_config_free(&svc->cfg);
	svc->store = NULL;
}

void svc_metrics_request(struct svc *svc, double seconds, int failed)
{
	pthread_mutex_lock(&svc->metrics_lock);
	svc->m.requests++;
	svc->m.requests_failed += failed != 0;
	for (int i = 0; i < 12; i++)
		if (seconds <= latency_bounds[i])
			svc->m.latency_buckets[i]++;
	svc->m.latency_sum += seconds;
	svc->m.latency_count++;
	pthread_mutex_unlock(&svc->metrics_lock);
}

static void render_counts(struct buf *out, const char *metric,
			  const char *label, const json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
	    buf_printf(out, "%s{%s=\"%s\"} %lld\n", metric, label, k,
		       (long long)json_integer_value(v));
}

void svc_metrics_render(struct svc *svc, struct buf *out)
{
	struct svc_metrics m;
	struct ml_err err = {0};
	json_t *stats = NULL;

	pthread_mutex_lock(&svc->metrics_lock);
	m = svc->m;
	pthread_mutex_unlock(&svc->metrics_lock);
	pthread_mutex_lock(&svc->store_lock);
	store_stats(svc->store, &stats, &err);
	pthread_mutex_unlock(&svc->store_lock);
	buf_printf(out,
		   "# HELP mloncall_alerts_received_total Alerts accepted "
		   "and stored.\n# TYPE mloncall_alerts_received_total "
		   "counter\nmloncall_alerts_received_total %llu\n",
		   (unsigned long long)m.alerts_received);
	buf_printf(out,
		   "# HELP mloncall_notifications_failed_total Pages that "
		   "could not be delivered after retries.\n# TYPE "
		   "mloncall_notifications_failed_total counter\n"
		   "mloncall_notifications_failed_total %llu\n",
		   (unsigned long long)m.notifications_failed);
	buf_printf(out,
		   "# TYPE mloncall_notifications_sent_total counter\n"
		   "mloncall_notifications_sent_total %llu\n",
		   (unsigned long long)m.notifications_sent);
	buf_printf(out,
		   "# TYPE mloncall_intake_commits_total counter\n"
		   "mloncall_intake_commits_total %llu\n",
		   (unsigned long long)m.commits);
	if (stats) {
		buf_puts(out, "# HELP mloncall_incidents Incidents by state "
			      "and by severity (drills excluded).\n"
			      "# TYPE mloncall_incidents gauge\n");
		render_counts(out, "mloncall_incidents", "state",
			      json_object_get(stats, "incidents_by_state"));
		render_counts(out, "mloncall_incidents", "severity",
			      json_object_get(stats, "incidents_by_severity"));
		buf_puts(out, "# HELP mloncall_runs Runbook runs by outcome.\n"
			      "# TYPE mloncall_runs gauge\n");
		render_counts(out, "mloncall_runs", "status",
			      json_object_get(stats, "runs_by_status"));
		json_decref(stats);
	}
	buf_puts(out, "# HELP mloncall_http_request_duration_seconds HTTP "
		      "request latency.\n# TYPE "
		      "mloncall_http_request_duration_seconds histogram\n");
	for (int i = 0; i < 12; i++)
		buf_printf(out,
			   "mloncall_http_request_duration_seconds_bucket{le="
			   "\"%g\"} %llu\n",
			   latency_bounds[i],
			   (unsigned long long)m.latency_buckets[i]);
	buf_printf(
	    out,
	    "mloncall_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "mloncall_http_request_duration_seconds_sum %.6f\n"
	    "mloncall_http_request_duration_seconds_count %llu\n",
	    (unsigned long long)m.latency_count, m.latency_sum,
	    (unsigned long long)m.latency_count);
}

void svc_timeline(struct svc *svc, int64_t id, const char *kind,
		  const char *msg, json_t *data)
{
	struct ml_err err = {0};

	pthread_mutex_lock(&svc->store_lock);
	if (store_timeline_add(svc->store, id, time_now_ms(), kind, "mloncall",
			       msg, data, &err) != 0)
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	json_decref(data);
}
