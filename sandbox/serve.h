/* serve.h: internals of `irisd serve`, shared by its files: the service
 * state (serve_state.c: models, deploys, worker slots, faults, counters,
 * online accuracy), the HTTP handlers (serve_api.c, serve_admin.c), the
 * metrics text (serve_metrics.c) and the libmicrohttpd glue
 * (serve_http.c). One mutex guards the whole state; nothing in it is
 * touched without it. */
#ifndef IRISD_SERVE_H
#define IRISD_SERVE_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/connguard.h"
#include "irisd.h"

/* Request body limit (413 above). */
#define SRV_BODY_LIMIT (64 * 1024)

/* Most --trusted-proxy networks. */
#define SRV_MAX_TRUSTED 16

/* Deepest JSON nesting a body may have (400 above). */
#define SRV_MAX_DEPTH 32

/* Largest |feature| /predict accepts (centimetres; keeps every
 * intermediate finite). */
#define SRV_MAX_FEATURE 1e6

/* Upper bounds of the /predict latency histogram, seconds. */
#define SRV_NBUCKETS 17
extern const double srv_buckets[SRV_NBUCKETS];

/* How long a stop waits for answers in flight before closing. */
#define SRV_STOP_WAIT_MS 5000

/* Limits on what /admin/scale and /admin/fault accept. */
#define SRV_MAX_WORKERS 256
#define SRV_MAX_LATENCY_MS 60000
#define SRV_MAX_MEMORY_MB 4096

/* One loaded model file. Loaded models are kept until the server stops,
 * so pointers to them stay valid without reference counts. */
struct srv_model {
	char version[64];
	char *path;	 /* registry/version/model.json; owned */
	char sha256[65]; /* of the file's bytes when loaded */
	struct iris_model m;
};

/* Per-version prediction counters (a version may be loaded twice). */
struct srv_count {
	char version[64];
	uint64_t pred[IRIS_NCLASS];
	uint64_t fb_ok, fb_bad; /* feedback outcomes of its predictions */
};

/* Requests answered, by route and status. */
struct srv_req_count {
	const char *path; /* static route path or "other" */
	int code;
	uint64_t n;
};

/* The faults now injected. */
struct srv_faults {
	int latency_ms;	   /* extra service time holding a worker slot */
	double error_rate; /* share of /predict answered 500 */
	int bad_model;	   /* versicolor and virginica swapped in outputs */
	double shift;	   /* added to every feature before predicting */
	int corrupt_file;  /* served model file altered on disk */
	int memory_mb;	   /* memory held and touched */
};

/* Deploy events kept for /admin/state (the newest SRV_MAX_EVENTS). */
#define SRV_MAX_EVENTS 64

/* A change of what is served: start, deploy, canary, rollback. */
struct srv_event {
	int64_t at_ms;
	const char *action; /* static string */
	char version[64];   /* served (or canary) afterwards */
	char from[64];	    /* stable version before; "" at start */
	double weight;	    /* canary weight; 1 for full */
};

/* A prediction remembered for feedback by id. */
struct srv_pred {
	uint64_t id; /* 0 = empty slot */
	int cls;
	const struct srv_model *m; /* the model that answered */
};

struct srv_opts {
	const char *registry;
	const char *version; /* NULL: v1 if present, else the first */
	int workers;
	int window;   /* feedbacks in the online-accuracy window */
	int id_cache; /* predictions remembered for feedback by id */
	uint64_t seed;
	/* header/body timeouts, connection limits; http.trusted points at
	 * trusted (connguard.h) */
	struct connguard_opts http;
	struct connguard_net trusted[SRV_MAX_TRUSTED];
};

struct srv {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* worker slot freed, scale, stop */
	struct srv_opts o;
	int64_t started_ms;

	struct srv_model **models; /* every model loaded (owned) */
	size_t n_models;
	struct srv_model *stable, *canary;
	double canary_weight;
	struct srv_model **hist; /* full deploys, oldest first; top = stable */
	size_t n_hist;
	int64_t stable_since_ms, canary_since_ms;
	struct srv_event events[SRV_MAX_EVENTS]; /* ring */
	size_t n_events;			 /* ever recorded */

	int workers, busy, waiting, stopping;
	int active; /* HTTP requests not yet completed (sent or dropped) */
	struct connguard *guard; /* serve_http.c: deadlines and limits */
	struct srv_faults f;
	void *mem;		 /* memory_mb fault */
	char *corrupt_path;	 /* file altered by corrupt_file, and ... */
	struct buf corrupt_orig; /* ... its original bytes */
	uint64_t rng;

	uint64_t hist_counts[SRV_NBUCKETS + 1];
	double hist_sum;
	uint64_t hist_n, feedback_total, errors_total, next_id;
	struct srv_count *counts;
	size_t n_counts;
	struct srv_req_count req[64];
	size_t n_req;
	struct srv_pred *preds; /* ring of o.id_cache */
	unsigned char *win;	/* ring of o.window: 1 = correct */
	size_t win_pos, win_fill;
};

/* A handler's answer. */
struct srv_resp {
	int status;
	const char *type; /* static; NULL = application/json */
	struct buf body;
};

/* Starts the state: loads the first version. Returns 0 or an ml_status
 * with err filled. Free with srv_free() (also after a failure). */
int srv_init(struct srv *s, const struct srv_opts *o, struct ml_err *err);

/* Marks the service stopping and wakes every waiting request. */
void srv_stop(struct srv *s);

/* Restores a corrupted file, frees memory and models. */
void srv_free(struct srv *s);

/* Loads registry/version/model.json (outside the lock) and adds it to
 * s->models. Returns the model (borrowed from s) or NULL with err. */
struct srv_model *srv_load(struct srv *s, const char *version,
			   struct ml_err *err);

/* Records a deploy event now (s->mu held); version of the model it
 * concerns, weight 1 for full deploys. */
void srv_event_add(struct srv *s, const char *action, const char *version,
		   double weight);

/* Uniform [0,1) from the state's generator; call with s->mu held. */
double srv_rand(struct srv *s);

/* The model a request goes to (canary by weight); s->mu held. */
struct srv_model *srv_route(struct srv *s);

/* Share of correct outcomes in the feedback window, NaN when empty
 * (s->mu held). */
double srv_online_accuracy(const struct srv *s);

/* Counts a response for /metrics (takes s->mu). */
void srv_count_request(struct srv *s, const char *path, int code,
		       double predict_seconds);

/* Helpers for handlers: a JSON body (takes the reference) and an error
 * {"error": msg}. */
void srv_json(struct srv_resp *r, int status, json_t *body);
void srv_error(struct srv_resp *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a request body as a JSON object; on failure fills r with 400
 * and returns NULL. */
json_t *srv_parse_body(const char *body, size_t len, struct srv_resp *r);

/* Route handlers. */
void srv_predict(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r);
void srv_feedback(struct srv *s, const char *body, size_t len,
		  struct srv_resp *r);
void srv_healthz(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r);
void srv_metrics(struct srv *s, const char *body, size_t len,
		 struct srv_resp *r);
void srv_deploy(struct srv *s, const char *body, size_t len,
		struct srv_resp *r);
void srv_rollback(struct srv *s, const char *body, size_t len,
		  struct srv_resp *r);
void srv_scale(struct srv *s, const char *body, size_t len, struct srv_resp *r);
void srv_fault(struct srv *s, const char *body, size_t len, struct srv_resp *r);
void srv_events(struct srv *s, const char *body, size_t len,
		struct srv_resp *r);
void srv_state(struct srv *s, const char *body, size_t len, struct srv_resp *r);

/* The /admin/state document (takes s->mu). */
json_t *srv_state_json(struct srv *s);

/* Starts the HTTP server on host:port (0 = any; the port is returned in
 * *bound); returns an opaque handle or NULL with err. */
void *srv_http_start(struct srv *s, const char *host, int port, int *bound,
		     struct ml_err *err);

/* Stops accepting, waits up to SRV_STOP_WAIT_MS for the requests in
 * flight to be answered, then closes every connection and frees h. Call
 * srv_stop() first so queued requests are answered 503 at once. NULL h
 * is a no-op. */
void srv_http_stop(struct srv *s, void *h);

#endif
