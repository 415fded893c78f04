/* svc_runner.c: runs the runbook of a new incident in a child process
 * (`mloncall run FILE --param ... --run-id ID --db STORE -o json`: the
 * child talks to the service through the store while it runs, see
 * svc_outbox.c), with the alert's labels that
 * the runbook declares as params (environment only, never command text),
 * at most cfg.run_concurrency at a time, each with a timeout. Runs are
 * queued in the store, so a restart starts them; one cut off by a crash
 * is marked interrupted at startup (svc_start). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/xmalloc.h"
#include "incident/svc.h"
#include "runbook/rb.h"

struct job {
	struct svc *svc;
	int64_t run_id, incident_id;
	char *mode;
	char *file;
	char **argv;
	size_t argc;
};

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->mode);
	free(j->file);
	free(j);
}

static void push(struct job *j, const char *s)
{
	j->argv = xrealloc(j->argv, (j->argc + 2) * sizeof(char *));
	j->argv[j->argc++] = xstrdup(s);
	j->argv[j->argc] = NULL;
}

/* Builds argv: labels matching declared params become --param k=v. */
static void build_argv(struct job *j, const struct rb_runbook *rb,
		       const json_t *labels)
{
	char id[32];

	push(j, j->svc->self_exe);
	push(j, "run");
	push(j, j->file);
	for (size_t i = 0; i < rb->n_params; i++) {
		const char *v = jget_str(labels, rb->params[i].name, NULL);
		char *kv;
		if (!v)
			continue;
		kv = xmalloc(strlen(rb->params[i].name) + strlen(v) + 2);
		sprintf(kv, "%s=%s", rb->params[i].name, v);
		push(j, "--param");
		push(j, kv);
		free(kv);
	}
	if (!strcmp(j->mode, "diagnose"))
		push(j, "--diagnose-only");
	/* the run's channel to the service (svc_outbox.c) */
	snprintf(id, sizeof(id), "%lld", (long long)j->run_id);
	push(j, "--run-id");
	push(j, id);
	push(j, "--db");
	push(j, j->svc->db_url);
	push(j, "-o");
	push(j, "json");
	push(j, "-q");
}

static void finish(struct job *j, const char *status, json_t *record,
		   const char *detail)
{
	struct svc *svc = j->svc;
	struct ml_err err = {0};
	const json_t *diag = json_object_get(record, "diagnosis");
	const char *cause = jget_str(diag, "cause", NULL);
	char msg[700];

	svc_outbox_events(svc);
	pthread_mutex_lock(&svc->store_lock);
	if (store_run_update(svc->store, j->run_id, status, 0, record,
			     time_now_ms(), &err))
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	if (cause)
		snprintf(msg, sizeof(msg), "%s run of %s: %s; cause: %s%s%s",
			 j->mode, j->file, status, cause,
			 jget_str(diag, "remedy", NULL) ? "; remedy: " : "",
			 jget_str(diag, "remedy", ""));
	else
		snprintf(msg, sizeof(msg), "%s run of %s: %s%s%s", j->mode,
			 j->file, status, detail ? " - " : "",
			 detail ? detail : "");
	svc_timeline(svc, j->incident_id, "run", msg,
		     json_pack("{s:I, s:s, s:O?, s:O?}", "run",
			       (json_int_t)j->run_id, "status", status,
			       "diagnosis", diag, "facts",
			       json_object_get(record, "facts")));
	if (!strcmp(j->mode, "remediate"))
		svc_notify_text(svc, j->incident_id, msg);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct svc *svc = j->svc;
	struct proc_opts o = {.argv = (const char *const *)j->argv,
			      .timeout_ms = svc->cfg.run_timeout_ms,
			      .cancel = &svc->stopping,
			      .cap = 4 << 20,
			      .grace_ms = 30000};
	struct proc_result r;
	struct ml_err err = {0};
	json_t *record = NULL;
	char detail[256];

	if (proc_run(&o, &r, &err) != 0) {
		finish(j, "failed_to_start", NULL, err.msg);
	} else {
		record = json_loadb(r.out.data ? r.out.data : "", r.out.len, 0,
				    NULL);
		proc_describe(&r, &o, detail, sizeof(detail));
		if (r.timed_out)
			finish(j, "timed_out", record, detail);
		else if (r.cancelled)
			finish(j, "interrupted", record, "service stopped");
		else
			finish(j, jget_str(record, "status", "error"), record,
			       record ? NULL : detail);
		proc_result_free(&r);
	}
	json_decref(record);
	pthread_mutex_lock(&svc->runs_lock);
	svc->running--;
	pthread_mutex_unlock(&svc->runs_lock);
	job_free(j);
	return NULL;
}

/* Finds the runbook id's file and model. */
static const struct rb_runbook *find_rb(struct svc *svc, const char *id,
					const char **file)
{
	for (size_t i = 0; i < svc->n_runbooks; i++)
		if (svc->runbooks[i] && !strcmp(svc->runbooks[i]->id, id)) {
			*file = svc->runbook_files[i];
			return svc->runbooks[i];
		}
	return NULL;
}

/* Labels of the incident's first alert (new reference) or NULL. */
static json_t *incident_labels(struct svc *svc, int64_t id)
{
	struct ml_err err = {0};
	json_t *inc = NULL, *labels = NULL;

	if (store_incident_get(svc->store, id, &inc, &err) == 0) {
		labels = json_object_get(
		    json_array_get(json_object_get(inc, "alerts"), 0),
		    "labels");
		json_incref(labels);
	}
	json_decref(inc);
	return labels;
}

static void start_one(struct svc *svc, const json_t *run)
{
	const char *rb_id = jget_str(run, "runbook_id", ""), *file = NULL;
	const struct rb_runbook *rb = find_rb(svc, rb_id, &file);
	struct job *j = xcalloc(1, sizeof(*j));
	struct ml_err err = {0};
	json_t *labels;
	pthread_t t;

	j->svc = svc;
	j->run_id = jget_int(run, "id", 0);
	j->incident_id = jget_int(run, "incident_id", 0);
	j->mode = xstrdup(jget_str(run, "mode", "diagnose"));
	pthread_mutex_lock(&svc->store_lock);
	labels = incident_labels(svc, j->incident_id);
	store_run_update(svc->store, j->run_id,
			 rb ? "running" : "failed_to_start", 0, NULL,
			 time_now_ms(), &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (!rb) {
		json_decref(labels);
		job_free(j);
		return;
	}
	j->file = xstrdup(file);
	build_argv(j, rb, labels);
	json_decref(labels);
	svc_timeline(svc, j->incident_id, "run",
		     !strcmp(j->mode, "diagnose")
			 ? "diagnosis started"
			 : "automatic remediation started "
			   "(runbook auto: true)",
		     NULL);
	pthread_mutex_lock(&svc->runs_lock);
	svc->running++;
	pthread_mutex_unlock(&svc->runs_lock);
	if (pthread_create(&t, NULL, job_main, j) != 0) {
		pthread_mutex_lock(&svc->runs_lock);
		svc->running--;
		pthread_mutex_unlock(&svc->runs_lock);
		job_free(j);
		return;
	}
	pthread_detach(t);
}

void *svc_runner_main(void *arg)
{
	struct svc *svc = arg;

	while (!svc->stopping) {
		struct ml_err err = {0};
		json_t *queued = NULL, *run;
		size_t i;
		int free_slots;

		pthread_mutex_lock(&svc->runs_lock);
		free_slots = svc->cfg.run_concurrency - svc->running;
		pthread_mutex_unlock(&svc->runs_lock);
		if (free_slots > 0) {
			pthread_mutex_lock(&svc->store_lock);
			store_run_list(svc->store, 0, "queued", &queued, &err);
			pthread_mutex_unlock(&svc->store_lock);
		}
		json_array_foreach(queued, i, run)
		{
			if ((int)i >= free_slots)
				break;
			start_one(svc, run);
		}
		json_decref(queued);
		time_sleep_ms(svc->tick_ms);
	}
	/* Stopping: children see the cancel flag (SIGTERM to their group,
	 * so the engine rolls back); wait for them to finish. */
	for (;;) {
		int n;
		pthread_mutex_lock(&svc->runs_lock);
		n = svc->running;
		pthread_mutex_unlock(&svc->runs_lock);
		if (!n)
			break;
		time_sleep_ms(50);
	}
	return NULL;
}
