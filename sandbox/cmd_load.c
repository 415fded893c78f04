/* cmd_load.c: `irisd load`: an open-loop load generator (libcurl multi,
 * one thread) that sends Iris rows, optionally shifted, to POST /predict
 * at a fixed rate for a fixed time (or until SIGINT/SIGTERM), optionally
 * answers each prediction with POST /feedback carrying the true label,
 * prints a line per --progress interval and a summary at the end. */
#include <curl/curl.h>
#include <signal.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "irisd.h"

static const char load_help[] =
    "Usage: irisd load --url URL [options]\n"
    "\n"
    "Sends Iris rows to URL/predict at a fixed rate (open loop: a slow\n"
    "server does not slow the sender, up to --max-inflight requests), and\n"
    "with --feedback sends each row's true label to URL/feedback right\n"
    "after its prediction. Prints requests, errors, p50/p99 latency and\n"
    "the accuracy seen. Exit 0, or 1 when no request succeeded.\n"
    "\n"
    "Options:\n"
    "  --url URL          base URL of irisd (http://127.0.0.1:PORT)\n"
    "  --rate R           requests per second (default 20)\n"
    "  --duration D       how long to send, e.g. 500ms, 10s, 2m "
    "(default 10s;\n"
    "                     0: until SIGINT or SIGTERM, then the summary)\n"
    "  --progress D       print a line on stderr every D (default 0: "
    "off)\n"
    "  --shift X          add X to every feature (input drift)\n"
    "  --feedback         send the true label after each prediction\n"
    "  --data FILE        Iris CSV (default " IRISD_DEFAULT_DATA ")\n"
    "  --seed N           order of the rows (default 1)\n"
    "  --timeout D        per-request timeout (default 5s)\n"
    "  --max-inflight N   requests open at once (default 256)\n"
    "  -o text|json       summary format\n"
    "\n"
    "Example:\n"
    "  irisd load --url http://127.0.0.1:8081 --rate 50 --duration 10s "
    "--feedback\n";

struct load_args {
	const char *url, *data;
	double rate, shift;
	int64_t duration_ms, timeout_ms, progress_ms;
	int feedback, max_inflight;
	uint64_t seed;
	enum out_fmt fmt;
};

/* One open request, in the list of open ones. */
struct req {
	struct buf body, resp;
	int feedback; /* 0: /predict */
	int label;
	CURL *e;
	struct req *prev, *next;
};

/* What the run saw. */
struct load_stats {
	double *lat_ms; /* per answered /predict, growable */
	size_t n_lat, cap_lat, sent, ok, errors, correct, fb_sent, fb_errors;
	size_t codes[6];  /* by status class: 0 = transport error, 2 = 2xx.. */
	json_t *versions; /* version -> count */
	long open_pred, open_fb; /* requests in flight */
	struct req *open;	 /* all of them */
	size_t mark_sent, mark_ok, mark_err, mark_correct, mark_lat;
};

/* Set by SIGINT/SIGTERM: the one piece of process-wide state, as a
 * signal handler can only reach a global. */
static volatile sig_atomic_t load_signalled;

static void on_signal(int sig)
{
	(void)sig;
	load_signalled = 1;
}

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "irisd load: %s%s\n(see irisd load --help)\n", msg,
		arg ? arg : "");
	return ML_EXIT_USAGE;
}

static int dur_opt(const char *name, const char *s, int64_t *ms)
{
	if (dur_parse(s, ms) != 0 || *ms < 0) {
		fprintf(stderr,
			"irisd load: --%s: `%s` is not a duration "
			"(500ms, 10s, 2m)\n",
			name, s);
		return ML_EXIT_USAGE;
	}
	return 0;
}

static int num_opt(const char *name, const char *s, double lo, double hi,
		   double *v)
{
	if (str_to_double(s, v) != 0 || !(*v >= lo && *v <= hi)) {
		fprintf(stderr,
			"irisd load: --%s: `%s` is not a number in "
			"[%g, %g]\n",
			name, s, lo, hi);
		return ML_EXIT_USAGE;
	}
	return 0;
}

static int parse(int argc, char **argv, struct load_args *a)
{
	static const struct option lo[] = {
	    {"url", 1, NULL, 'u'},	    {"rate", 1, NULL, 'r'},
	    {"duration", 1, NULL, 'd'},	    {"shift", 1, NULL, 's'},
	    {"feedback", 0, NULL, 'f'},	    {"data", 1, NULL, 'D'},
	    {"seed", 1, NULL, 'S'},	    {"timeout", 1, NULL, 't'},
	    {"max-inflight", 1, NULL, 'm'}, {"progress", 1, NULL, 'p'},
	    {"help", 0, NULL, 'h'},	    {NULL, 0, NULL, 0}};
	double x;
	int c, rc = 0;

	a->data = IRISD_DEFAULT_DATA;
	a->rate = 20;
	a->duration_ms = 10000;
	a->timeout_ms = 5000;
	a->max_inflight = 256;
	a->seed = 1;
	while (!rc && (c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
		switch (c) {
		case 'u':
			a->url = optarg;
			break;
		case 'r':
			rc = num_opt("rate", optarg, 0.01, 100000, &a->rate);
			break;
		case 'd':
			rc = dur_opt("duration", optarg, &a->duration_ms);
			break;
		case 's':
			rc = num_opt("shift", optarg, -1000, 1000, &a->shift);
			break;
		case 'f':
			a->feedback = 1;
			break;
		case 'D':
			a->data = optarg;
			break;
		case 'S':
			rc = num_opt("seed", optarg, 0, 1e15, &x);
			a->seed = (uint64_t)x;
			break;
		case 't':
			rc = dur_opt("timeout", optarg, &a->timeout_ms);
			break;
		case 'p':
			rc = dur_opt("progress", optarg, &a->progress_ms);
			break;
		case 'm':
			rc = num_opt("max-inflight", optarg, 1, 10000, &x);
			a->max_inflight = (int)x;
			break;
		case 'o':
			if (out_parse(optarg, &a->fmt) || a->fmt > OUT_JSON)
				rc = usage_err(
				    "-o: expected text or json, got ", optarg);
			break;
		case 'h':
			fputs(load_help, stdout);
			return -1;
		default:
			return usage_err("bad option", NULL);
		}
	}
	if (rc)
		return ML_EXIT_USAGE;
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	if (!a->url)
		return usage_err("--url URL is required", NULL);
	if (strncmp(a->url, "http://", 7) && strncmp(a->url, "https://", 8))
		return usage_err("--url: expected http://HOST:PORT, got ",
				 a->url);
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len < 65536)
		buf_add(b, p, size * n);
	return size * n;
}

/* Adds a request to the multi handle and to the open list. */
static void add_req(CURLM *m, const struct load_args *a, struct curl_slist *hdr,
		    struct req *rq, const char *path, struct load_stats *st)
{
	CURL *e = curl_easy_init();
	struct buf url = BUF_INIT;
	size_t n = strlen(a->url);

	buf_add(&url, a->url, n && a->url[n - 1] == '/' ? n - 1 : n);
	buf_puts(&url, path);
	curl_easy_setopt(e, CURLOPT_URL, buf_str(&url));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)rq->body.len);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, buf_str(&rq->body));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &rq->resp);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)a->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, rq);
	rq->e = e;
	rq->next = st->open;
	if (st->open)
		st->open->prev = rq;
	st->open = rq;
	curl_multi_add_handle(m, e);
	buf_free(&url);
}

/* Takes rq off the multi handle and the open list, and frees it. */
static void drop(CURLM *m, struct req *rq, struct load_stats *st)
{
	if (rq->prev)
		rq->prev->next = rq->next;
	else
		st->open = rq->next;
	if (rq->next)
		rq->next->prev = rq->prev;
	curl_multi_remove_handle(m, rq->e);
	curl_easy_cleanup(rq->e);
	buf_free(&rq->body);
	buf_free(&rq->resp);
	free(rq);
}

/* Records a finished /predict; queues its feedback when asked. */
static void done_predict(CURLM *m, const struct load_args *a,
			 struct curl_slist *hdr, struct req *rq, long code,
			 double secs, struct load_stats *st)
{
	json_t *o;
	const char *cls, *ver;
	json_int_t id;

	if (code != 200) {
		st->errors++;
		return;
	}
	if (st->n_lat == st->cap_lat) {
		st->cap_lat = st->cap_lat ? 2 * st->cap_lat : 1024;
		st->lat_ms = xrealloc(st->lat_ms, st->cap_lat * sizeof(double));
	}
	st->lat_ms[st->n_lat++] = secs * 1000;
	o = json_loadb(buf_str(&rq->resp), rq->resp.len, 0, NULL);
	cls = json_string_value(json_object_get(o, "class"));
	ver = json_string_value(json_object_get(o, "version"));
	id = json_integer_value(json_object_get(o, "id"));
	if (!cls) {
		st->errors++;
		json_decref(o);
		return;
	}
	st->ok++;
	st->correct += iris_class_index(cls) == rq->label;
	if (ver)
		json_object_set_new(
		    st->versions, ver,
		    json_integer(
			json_integer_value(json_object_get(st->versions, ver)) +
			1));
	if (a->feedback && id > 0) {
		struct req *fb = xcalloc(1, sizeof(*fb));

		fb->feedback = 1;
		buf_printf(&fb->body, "{\"id\":%lld,\"label\":\"%s\"}",
			   (long long)id, iris_class_names[rq->label]);
		add_req(m, a, hdr, fb, "/feedback", st);
		st->fb_sent++;
		st->open_fb++;
	}
	json_decref(o);
}

/* Handles every finished transfer. */
static void reap(CURLM *m, const struct load_args *a, struct curl_slist *hdr,
		 struct load_stats *st)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		struct req *rq = NULL;
		long code = 0;
		curl_off_t us = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&rq);
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(msg->easy_handle,
					  CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
		st->codes[code >= 100 && code < 600 ? code / 100 : 0]++;
		if (rq->feedback) {
			st->fb_errors += code != 200;
			st->open_fb--;
		} else {
			st->open_pred--;
			done_predict(m, a, hdr, rq, code, (double)us / 1e6, st);
		}
		drop(m, rq, st);
	}
}

/* A /predict request for one row. */
static struct req *row_req(const struct load_args *a, const struct iris_row *r)
{
	struct req *rq = xcalloc(1, sizeof(*rq));

	rq->label = r->y;
	buf_puts(&rq->body, "{\"features\":[");
	for (int k = 0; k < IRIS_NFEAT; k++)
		buf_printf(&rq->body, "%s%.6g", k ? "," : "",
			   r->x[k] + a->shift);
	buf_puts(&rq->body, "]}");
	return rq;
}

static double quantile(const double *v, size_t n, double q);
static int cmp_dbl(const void *a, const void *b);

/* Prints one line for the last interval (secs long) on stderr. */
static void progress(struct load_stats *st, double t, double secs)
{
	size_t n = st->n_lat - st->mark_lat, ok = st->ok - st->mark_ok;
	double *v = xmalloc((n ? n : 1) * sizeof(double));

	if (n) {
		memcpy(v, st->lat_ms + st->mark_lat, n * sizeof(double));
		qsort(v, n, sizeof(double), cmp_dbl);
	}
	fprintf(stderr,
		"load: t=%.1fs %.1f req/s, %zu errors, p50 %.1f ms, p99 %.1f "
		"ms, accuracy %.3f\n",
		t, (double)(st->sent - st->mark_sent) / secs,
		st->errors - st->mark_err, quantile(v, n, 0.5),
		quantile(v, n, 0.99),
		ok ? (double)(st->correct - st->mark_correct) / (double)ok
		   : NAN);
	free(v);
	st->mark_sent = st->sent, st->mark_ok = st->ok;
	st->mark_err = st->errors, st->mark_correct = st->correct;
	st->mark_lat = st->n_lat;
}

/* The send loop: starts request i at start + i/rate until the duration is
 * over, then waits for what is still open. */
static void run(const struct load_args *a, const struct iris_data *d,
		const size_t *order, struct load_stats *st)
{
	CURLM *m = curl_multi_init();
	struct curl_slist *hdr =
	    curl_slist_append(NULL, "Content-Type: application/json");
	int64_t start = time_mono_ms(), end, report = start + a->progress_ms;
	size_t i = 0;
	int running = 0;

	end = a->duration_ms ? start + a->duration_ms : INT64_MAX;
	for (;;) {
		int64_t now = time_mono_ms(), next;

		if (load_signalled)
			break;
		if (a->progress_ms && now >= report) {
			progress(st, (double)(now - start) / 1000,
				 (double)a->progress_ms / 1000);
			report += a->progress_ms;
		}
		while ((next = start + (int64_t)((double)i * 1000 / a->rate)) <=
			   now &&
		       next < end && st->open_pred < a->max_inflight) {
			add_req(m, a, hdr,
				row_req(a, &d->rows[order[i % d->n]]),
				"/predict", st);
			i++, st->open_pred++, st->sent++;
		}
		curl_multi_perform(m, &running);
		reap(m, a, hdr, st);
		if (next >= end && time_mono_ms() >= end &&
		    st->open_pred == 0 && st->open_fb == 0)
			break;
		now = time_mono_ms();
		curl_multi_poll(m, NULL, 0,
				next >= end || st->open_pred >= a->max_inflight
				    ? 10
				: next > now ? (int)(next - now)
					     : 0,
				NULL);
	}
	while (st->open) /* after a signal: drop what is still open */
		drop(m, st->open, st);
	curl_slist_free_all(hdr);
	curl_multi_cleanup(m);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of sorted v, NaN when empty. */
static double quantile(const double *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return NAN;
	k = (size_t)ceil(q * (double)n);
	return v[k ? k - 1 : 0];
}

static json_t *summary_json(const struct load_args *a, struct load_stats *st,
			    double secs)
{
	json_t *o = json_object(), *codes = json_object();
	static const char *const cls[] = {"error", "1xx", "2xx",
					  "3xx",   "4xx", "5xx"};

	if (st->n_lat) /* lat_ms is NULL before the first answer */
		qsort(st->lat_ms, st->n_lat, sizeof(double), cmp_dbl);
	jset_str(o, "url", a->url);
	jset_real(o, "duration_s", secs);
	jset_real(o, "rate", a->rate);
	jset_real(o, "shift", a->shift);
	jset_int(o, "requests", (long long)st->sent);
	jset_int(o, "ok", (long long)st->ok);
	jset_int(o, "errors", (long long)st->errors);
	for (int i = 0; i < 6; i++)
		if (st->codes[i])
			jset_int(codes, cls[i], (long long)st->codes[i]);
	json_object_set_new(o, "status", codes);
	jset_real(o, "p50_ms", quantile(st->lat_ms, st->n_lat, 0.5));
	jset_real(o, "p90_ms", quantile(st->lat_ms, st->n_lat, 0.9));
	jset_real(o, "p99_ms", quantile(st->lat_ms, st->n_lat, 0.99));
	jset_real(o, "max_ms", quantile(st->lat_ms, st->n_lat, 1));
	jset_real(o, "accuracy",
		  st->ok ? (double)st->correct / (double)st->ok : NAN);
	jset_int(o, "correct", (long long)st->correct);
	jset_int(o, "feedback_sent", (long long)st->fb_sent);
	jset_int(o, "feedback_errors", (long long)st->fb_errors);
	json_object_set(o, "versions", st->versions);
	return o;
}

static void print_text(const json_t *o)
{
	const char *k;
	json_t *v;
	double secs = jget_num(o, "duration_s", 0);

	printf("load: %lld requests in %.1fs (%.1f/s), %lld ok, %lld errors\n",
	       jget_int(o, "requests", 0), secs,
	       secs > 0 ? (double)jget_int(o, "requests", 0) / secs : 0,
	       jget_int(o, "ok", 0), jget_int(o, "errors", 0));
	if (jget_int(o, "ok", 0) == 0) {
		printf("latency: - (no answer)\n");
	} else {
		printf("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max "
		       "%.1f ms\n",
		       jget_num(o, "p50_ms", NAN), jget_num(o, "p90_ms", NAN),
		       jget_num(o, "p99_ms", NAN), jget_num(o, "max_ms", NAN));
	}
	printf("accuracy seen: %.3f (%lld/%lld); feedback sent %lld, %lld "
	       "failed\nversions:",
	       jget_num(o, "accuracy", NAN), jget_int(o, "correct", 0),
	       jget_int(o, "ok", 0), jget_int(o, "feedback_sent", 0),
	       jget_int(o, "feedback_errors", 0));
	json_object_foreach(json_object_get(o, "versions"), k, v)
	    printf(" %s %lld", k, (long long)json_integer_value(v));
	printf("\n");
}

/* A seeded shuffle of the row order. */
static size_t *shuffled(size_t n, uint64_t seed)
{
	size_t *v = xmalloc(n * sizeof(*v));
	uint64_t s = seed;

	for (size_t i = 0; i < n; i++)
		v[i] = i;
	for (size_t i = n; i > 1; i--) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		size_t j, t;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		j = (size_t)((z ^ (z >> 31)) % i);
		t = v[i - 1], v[i - 1] = v[j], v[j] = t;
	}
	return v;
}

int irisd_load_main(int argc, char **argv)
{
	struct load_args a = {0};
	struct load_stats st = {0};
	struct iris_data d;
	struct ml_err err = {0};
	size_t *order;
	struct sigaction sa = {0};
	int64_t t0;
	json_t *o;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = iris_data_load(a.data, &d, &err)) != 0)
		return irisd_fail(&err);
	st.versions = json_object();
	order = shuffled(d.n, a.seed);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = time_mono_ms();
	run(&a, &d, order, &st);
	o = summary_json(&a, &st, (double)(time_mono_ms() - t0) / 1000);
	if (a.fmt == OUT_JSON)
		out_json(stdout, o);
	else
		print_text(o);
	rc = st.sent > 0 && st.ok == 0 ? ML_EXIT_FINDING : 0;
	json_decref(o);
	json_decref(st.versions);
	free(st.lat_ms);
	free(order);
	iris_data_free(&d);
	curl_global_cleanup();
	return rc;
}
