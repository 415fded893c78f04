/* serve_metrics.c: GET /metrics of `irisd serve` in the Prometheus text
 * exposition format (version 0.0.4). Every piece of state the demo
 * drives is visible here: model versions and hashes, canary weight,
 * workers and queue, faults, online accuracy, latency histogram. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/dur.h"
#include "serve.h"

/* Prints a sample value: integers plainly, NaN as Prometheus spells it. */
static void val(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN\n");
	else
		buf_printf(b, "%.15g\n", v);
}

static void head(struct buf *b, const char *name, const char *type,
		 const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(struct buf *b, const struct srv *s)
{
	uint64_t cum = 0;

	head(b, "irisd_request_duration_seconds", "histogram",
	     "Time to answer POST /predict, queueing for a worker included.");
	for (int i = 0; i < SRV_NBUCKETS; i++) {
		cum += s->hist_counts[i];
		buf_printf(b,
			   "irisd_request_duration_seconds_bucket{le=\"%g\"} "
			   "%llu\n",
			   srv_buckets[i], (unsigned long long)cum);
	}
	cum += s->hist_counts[SRV_NBUCKETS];
	buf_printf(b,
		   "irisd_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "irisd_request_duration_seconds_sum %.9f\n"
		   "irisd_request_duration_seconds_count %llu\n",
		   (unsigned long long)cum, s->hist_sum,
		   (unsigned long long)s->hist_n);
}

static void models(struct buf *b, const struct srv *s)
{
	head(b, "irisd_model_info", "gauge",
	     "Model versions served (role stable or canary), with the sha256 "
	     "of each model file as loaded.");
	buf_printf(b,
		   "irisd_model_info{version=\"%s\",sha256=\"%s\","
		   "role=\"stable\"} 1\n",
		   s->stable->version, s->stable->sha256);
	if (s->canary)
		buf_printf(b,
			   "irisd_model_info{version=\"%s\",sha256=\"%s\","
			   "role=\"canary\"} 1\n",
			   s->canary->version, s->canary->sha256);
	head(b, "irisd_last_deploy_timestamp_seconds", "gauge",
	     "When the served versions last changed (start, deploy, canary, "
	     "rollback), seconds since the epoch.");
	buf_printf(b, "irisd_last_deploy_timestamp_seconds %.3f\n",
		   (double)s->events[(s->n_events - 1) % SRV_MAX_EVENTS].at_ms /
		       1000.0);
	head(b, "irisd_canary_weight", "gauge",
	     "Share of /predict traffic sent to the canary (0: none).");
	buf_printf(b, "irisd_canary_weight %g\n",
		   s->canary ? s->canary_weight : 0);
	head(b, "irisd_predictions_total", "counter",
	     "Predictions answered, by class and model version.");
	for (size_t i = 0; i < s->n_counts; i++)
		for (int c = 0; c < IRIS_NCLASS; c++)
			buf_printf(b,
				   "irisd_predictions_total{class=\"%s\","
				   "version=\"%s\"} %llu\n",
				   iris_class_names[c], s->counts[i].version,
				   (unsigned long long)s->counts[i].pred[c]);
}

static void faults(struct buf *b, const struct srv *s)
{
	head(b, "irisd_fault_active", "gauge",
	     "1 while a fault is injected through /admin/fault.");
	buf_printf(b,
		   "irisd_fault_active{fault=\"latency\"} %d\n"
		   "irisd_fault_active{fault=\"error_rate\"} %d\n"
		   "irisd_fault_active{fault=\"bad_model\"} %d\n"
		   "irisd_fault_active{fault=\"shift\"} %d\n"
		   "irisd_fault_active{fault=\"corrupt_file\"} %d\n"
		   "irisd_fault_active{fault=\"memory\"} %d\n",
		   s->f.latency_ms > 0, s->f.error_rate > 0, s->f.bad_model,
		   s->f.shift != 0, s->f.corrupt_file, s->f.memory_mb > 0);
	head(b, "irisd_fault_latency_seconds", "gauge",
	     "Injected service time per /predict.");
	buf_printf(b, "irisd_fault_latency_seconds %g\n",
		   s->f.latency_ms / 1000.0);
	head(b, "irisd_fault_error_rate", "gauge",
	     "Injected share of /predict answered 500.");
	buf_printf(b, "irisd_fault_error_rate %g\n", s->f.error_rate);
	head(b, "irisd_fault_shift", "gauge",
	     "Injected shift added to every input feature.");
	buf_printf(b, "irisd_fault_shift %g\n", s->f.shift);
	head(b, "irisd_fault_memory_bytes", "gauge",
	     "Memory held by the memory_mb fault.");
	buf_printf(b, "irisd_fault_memory_bytes %llu\n",
		   (unsigned long long)s->f.memory_mb << 20);
}

static void requests(struct buf *b, const struct srv *s)
{
	head(b, "irisd_requests_total", "counter",
	     "HTTP requests answered, by path and status code.");
	for (size_t i = 0; i < s->n_req; i++)
		buf_printf(b,
			   "irisd_requests_total{path=\"%s\",code=\"%d\"} "
			   "%llu\n",
			   s->req[i].path, s->req[i].code,
			   (unsigned long long)s->req[i].n);
	head(b, "irisd_errors_total", "counter",
	     "Requests answered with a 5xx status (injected errors included).");
	buf_printf(b, "irisd_errors_total %llu\n",
		   (unsigned long long)s->errors_total);
	head(b, "irisd_inflight", "gauge",
	     "/predict requests being handled (queued or on a worker).");
	buf_printf(b, "irisd_inflight %d\n", s->busy + s->waiting);
	head(b, "irisd_queue_depth", "gauge",
	     "/predict requests waiting for a worker.");
	buf_printf(b, "irisd_queue_depth %d\n", s->waiting);
	head(b, "irisd_workers", "gauge",
	     "Worker slots: /predict requests handled at once.");
	buf_printf(b, "irisd_workers %d\n", s->workers);
}

/* Resident set size from /proc/self/statm, or NaN. */
static double rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size, res;
	int ok;

	if (!f)
		return NAN;
	ok = fscanf(f, "%llu %llu", &size, &res) == 2;
	fclose(f);
	return ok ? (double)res * (double)sysconf(_SC_PAGESIZE) : NAN;
}

void srv_metrics(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r)
{
	struct buf *b = &r->body;

	(void)body;
	(void)len;
	buf_reset(b);
	pthread_mutex_lock(&s->mu);
	histogram(b, s);
	requests(b, s);
	models(b, s);
	faults(b, s);
	head(b, "irisd_online_accuracy", "gauge",
	     "Share of correct predictions among the last feedbacks (NaN "
	     "before any).");
	buf_puts(b, "irisd_online_accuracy ");
	val(b, srv_online_accuracy(s));
	head(b, "irisd_online_accuracy_samples", "gauge",
	     "Feedbacks in the online-accuracy window.");
	buf_printf(b, "irisd_online_accuracy_samples %zu\n", s->win_fill);
	head(b, "irisd_feedback_outcomes_total", "counter",
	     "Feedbacks by the version that made the prediction and whether "
	     "it was correct.");
	for (size_t i = 0; i < s->n_counts; i++)
		buf_printf(b,
			   "irisd_feedback_outcomes_total{version=\"%s\","
			   "correct=\"true\"} %llu\n"
			   "irisd_feedback_outcomes_total{version=\"%s\","
			   "correct=\"false\"} %llu\n",
			   s->counts[i].version,
			   (unsigned long long)s->counts[i].fb_ok,
			   s->counts[i].version,
			   (unsigned long long)s->counts[i].fb_bad);
	head(b, "irisd_feedback_total", "counter", "Feedbacks received.");
	buf_printf(b, "irisd_feedback_total %llu\n",
		   (unsigned long long)s->feedback_total);
	head(b, "irisd_start_time_seconds", "gauge",
	     "Start time of the process since the epoch.");
	buf_printf(b, "irisd_start_time_seconds %.3f\n",
		   (double)s->started_ms / 1000.0);
	pthread_mutex_unlock(&s->mu);
	head(b, "irisd_resident_memory_bytes", "gauge",
	     "Resident memory of the process.");
	buf_puts(b, "irisd_resident_memory_bytes ");
	val(b, rss_bytes());
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
}
