/* http.c: libmicrohttpd glue: the route table, body accumulation with a
 * limit (413), bearer-token auth (401/403), per-request metrics, and
 * connection deadlines and limits (mhd_guard.h). */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dur.h"
#include "core/out.h"
#include "server/mhd_guard.h"
#include "core/xmalloc.h"

struct http_server {
	struct MHD_Daemon *d;
	struct svc *svc;
	struct connguard *guard; /* header/body deadlines, client limits */
};

typedef void (*handler_fn)(struct svc *, const struct http_req *,
			   struct http_resp *);

/* Path kinds: exact, /prefix/{id}, /prefix/{id}/{action}. */
enum path_kind { P_EXACT, P_ID, P_ID_ACTION };

static const struct route {
	const char *method;
	const char *path;
	enum path_kind kind;
	enum http_role role;
	handler_fn fn;
} routes[] = {
    {"POST", "/api/v1/alerts/alertmanager", P_EXACT, HTTP_RESPONDER,
     api_alertmanager},
    {"POST", "/api/v1/alerts", P_EXACT, HTTP_RESPONDER, api_alerts},
    {"GET", "/api/v1/incidents", P_EXACT, HTTP_VIEWER, api_incidents},
    {"GET", "/api/v1/incidents/", P_ID, HTTP_VIEWER, api_incident},
    {"POST", "/api/v1/incidents/", P_ID_ACTION, HTTP_RESPONDER,
     api_incident_action},
    {"GET", "/api/v1/runs", P_EXACT, HTTP_VIEWER, api_runs},
    {"POST", "/api/v1/runs/", P_ID_ACTION, HTTP_RESPONDER, api_run_action},
    {"GET", "/metrics", P_EXACT, HTTP_ANON, api_metrics},
    {"GET", "/healthz", P_EXACT, HTTP_ANON, api_healthz},
};

/* Per-connection state across MHD callbacks. */
struct conn {
	struct buf body;
	int too_large;
	int dup_length; /* Content-Length sent twice */
	int64_t start_us;
};

void http_token_hash(const char *token, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void http_json(struct http_resp *resp, int status, json_t *body)
{
	char *s = out_json_dumps(body, JSON_COMPACT);

	resp->status = status;
	resp->type = "application/json";
	buf_reset(&resp->body);
	buf_puts(&resp->body, s ? s : "null");
	buf_putc(&resp->body, '\n');
	free(s);
	json_decref(body);
}

void http_error(struct http_resp *resp, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_json(resp, status, json_pack("{s:s}", "error", msg));
}

const char *http_query(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

struct query_each {
	int (*fn)(const char *key, const char *value, void *ctx);
	void *ctx;
	int rc;
};

static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct query_each *q = cls;

	(void)kind;
	q->rc = q->fn(key, value, q->ctx);
	return q->rc ? MHD_NO : MHD_YES;
}

int http_query_each(const struct http_req *r,
		    int (*fn)(const char *key, const char *value, void *ctx),
		    void *ctx)
{
	struct query_each q = {fn, ctx, 0};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_one,
				  &q);
	return q.rc;
}

/* Matches path against a route; fills id/action. */
static int match(const struct route *rt, const char *path, struct http_req *r,
		 const char **tail_out)
{
	size_t n = strlen(rt->path);
	const char *tail;
	char *end;
	long long id;

	if (rt->kind == P_EXACT)
		return !strcmp(rt->path, path);
	if (strncmp(rt->path, path, n))
		return 0;
	tail = path + n;
	if (*tail < '1' || *tail > '9')
		return 0;
	id = strtoll(tail, &end, 10);
	if (id <= 0)
		return 0;
	r->id = id;
	if (rt->kind == P_ID)
		return *end == '\0' || !strcmp(end, "/timeline");
	if (*end != '/' || !end[1] || strchr(end + 1, '/'))
		return 0;
	r->action = end + 1;
	*tail_out = end;
	return 1;
}

static enum http_role role_parse(const char *s)
{
	if (!s)
		return HTTP_ANON;
	if (!strcmp(s, "admin"))
		return HTTP_ADMIN;
	if (!strcmp(s, "responder"))
		return HTTP_RESPONDER;
	if (!strcmp(s, "viewer"))
		return HTTP_VIEWER;
	return HTTP_ANON;
}

/* Resolves the bearer token into a role and an actor (the token's person,
 * else its name). Returns 0, 401 for an unknown token, or 503 when the
 * store could not be asked (logged: a person must know). */
static int authenticate(struct http_server *h, struct MHD_Connection *c,
			struct http_req *r, char *actor, size_t an)
{
	const char *auth =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct ml_err err = {0};
	char hash[65], *role = NULL, *who = NULL;
	int rc;

	r->role = HTTP_ANON;
	r->actor = "anonymous";
	if (!auth)
		return 0;
	if (strncasecmp(auth, "Bearer ", 7) || !auth[7])
		return 401;
	http_token_hash(auth + 7, hash);
	pthread_mutex_lock(&h->svc->store_lock);
	rc = store_token_lookup(h->svc->store, hash, time_now_ms(), &role, &who,
				&err);
	pthread_mutex_unlock(&h->svc->store_lock);
	if (rc) {
		fprintf(stderr, "mloncall serve: token check failed: %s\n",
			err.msg);
		free(role);
		free(who);
		return 503;
	}
	if (!role)
		return 401;
	r->role = role_parse(role);
	snprintf(actor, an, "%s", who && *who ? who : "token");
	r->actor = actor;
	free(role);
	free(who);
	return 0;
}

static enum MHD_Result send_resp(struct MHD_Connection *c,
				 struct http_resp *resp)
{
	struct MHD_Response *m = MHD_create_response_from_buffer(
	    resp->body.len, resp->body.data ? resp->body.data : (char *)"",
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(m, "Content-Type",
				resp->type ? resp->type : "text/plain");
	if (resp->status == 401)
		MHD_add_response_header(m, "WWW-Authenticate", "Bearer");
	rc = MHD_queue_response(c, (unsigned)resp->status, m);
	MHD_destroy_response(m);
	return rc;
}

static void dispatch(struct http_server *h, struct MHD_Connection *c,
		     struct http_req *r, struct http_resp *resp)
{
	const char *tail = NULL;
	char actor[256];
	int path_known = 0, status;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (!match(rt, r->path, r, &tail))
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method))
			continue;
		if ((status = authenticate(h, c, r, actor, sizeof(actor)))) {
			http_error(resp, status,
				   status == 503 ? "the store could not check "
						   "the token; try again"
						 : "invalid bearer token");
			return;
		}
		if (r->role < rt->role) {
			http_error(resp, r->role == HTTP_ANON ? 401 : 403,
				   r->role == HTTP_ANON
				       ? "this endpoint needs a bearer token"
				       : "this token's role may not do that");
			return;
		}
		rt->fn(h->svc, r, resp);
		return;
	}
	if (path_known)
		http_error(resp, 405, "method %s not allowed here", r->method);
	else
		http_error(resp, 404, "no such endpoint: %s", r->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *h = cls;
	struct conn *st = *con_cls;
	struct http_req r = {0};
	struct http_resp resp = {0};
	enum MHD_Result rc;

	(void)version;
	if (!st) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     "Content-Length");
		st = xcalloc(1, sizeof(*st));
		st->start_us = time_mono_us();
		*con_cls = st;
		mhd_guard_phase(h->guard, c, CONNGUARD_BODY);
		if (mhd_guard_header_count(c, "Content-Length") > 1)
			st->dup_length = 1;
		else if (cl && strtoll(cl, NULL, 10) > h->svc->cfg.body_limit)
			st->too_large = 1;
		else
			return MHD_YES;
	}
	if (*upload_size) {
		if (st->body.len + *upload_size >
		    (size_t)h->svc->cfg.body_limit)
			st->too_large = 1;
		else
			buf_add(&st->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	mhd_guard_phase(h->guard, c, CONNGUARD_DONE);
	if (st->dup_length) {
		/* two lengths: which one frames the body is ambiguous (request
		 * smuggling behind a proxy that picks the other) */
		http_error(&resp, 400, "more than one Content-Length header");
	} else if (st->too_large) {
		http_error(&resp, 413, "request body over %lld bytes",
			   (long long)h->svc->cfg.body_limit);
	} else {
		buf_add(&st->body, "", 0);
		r.method = method;
		r.path = url;
		r.body = buf_str(&st->body);
		r.body_len = st->body.len;
		r.conn = c;
		dispatch(h, c, &r, &resp);
	}
	rc = send_resp(c, &resp);
	svc_metrics_request(h->svc,
			    (double)(time_mono_us() - st->start_us) / 1e6,
			    resp.status >= 500);
	buf_free(&resp.body);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *h = cls;
	struct conn *st = *con_cls;

	(void)toe;
	/* a kept-alive connection waits for its next request's headers */
	mhd_guard_phase(h->guard, c, CONNGUARD_HEADERS);
	if (st) {
		buf_free(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

int http_start(struct svc *svc, const char *host, int port, int *bound,
	       struct http_server **out, struct ml_err *err)
{
	struct http_server *h = xcalloc(1, sizeof(*h));
	struct sockaddr_in sa = {0};
	const union MHD_DaemonInfo *info;

	h->svc = svc;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		free(h);
		return ml_err_set(err, ML_EUSAGE,
				  "--listen: `%s` is not an IPv4 address",
				  host);
	}
	if (connguard_new(&svc->cfg.http, &h->guard, err)) {
		free(h);
		return ML_EIO;
	}
	/* MHD's own timeout is an idle one (reset by every byte); the guard
	 * holds the total header and body deadlines */
	h->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    0, mhd_guard_accept, h->guard, on_request, h, MHD_OPTION_SOCK_ADDR,
	    &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, mhd_guard_notify, h->guard,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)svc->cfg.http.body_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)svc->cfg.http.max_conns, MHD_OPTION_THREAD_STACK_SIZE,
	    (size_t)(256 * 1024), MHD_OPTION_END);
	if (!h->d) {
		connguard_free(h->guard);
		free(h);
		return ml_err_set(err, ML_EIO, "cannot listen on %s:%d", host,
				  port);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	*out = h;
	return 0;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d); /* waits for in-flight connection threads */
	connguard_free(h->guard);
	free(h);
}
