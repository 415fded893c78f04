/* serve_http.c: libmicrohttpd glue for `irisd serve`: the route table,
 * body accumulation with a limit (413), 404/405, and per-request
 * counting and timing. One thread per connection, so a request waiting
 * for a worker slot blocks only its own connection. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/dur.h"
#include "core/xmalloc.h"
#include "server/mhd_guard.h"
#include "serve.h"

typedef void (*srv_handler)(struct srv *, const char *, size_t,
			    struct srv_resp *);

static const struct route {
	const char *method;
	const char *path;
	srv_handler fn;
} routes[] = {
    {"POST", "/predict", srv_predict},
    {"POST", "/feedback", srv_feedback},
    {"GET", "/metrics", srv_metrics},
    {"GET", "/healthz", srv_healthz},
    {"GET", "/admin/state", srv_state},
    {"GET", "/admin/events", srv_events},
    {"POST", "/admin/deploy", srv_deploy},
    {"POST", "/admin/rollback", srv_rollback},
    {"POST", "/admin/scale", srv_scale},
    {"POST", "/admin/fault", srv_fault},
};

/* Per-request state across MHD callbacks. */
struct conn {
	struct buf body;
	int too_large;
	int dup_length;	  /* Content-Length sent twice */
	int64_t start_us; /* time_mono_us() */
};

/* Finds the route; *path_out is the static path for counting. */
static const struct route *find(const char *method, const char *url,
				struct srv_resp *r, const char **path_out)
{
	const char *want = NULL;

	*path_out = "other";
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, url))
			continue;
		want = routes[i].method;
		*path_out = routes[i].path;
		if (!strcmp(routes[i].method, method))
			return &routes[i];
	}
	if (want)
		srv_error(r, 405, "%s %s: method not allowed (use %s)", method,
			  url, want);
	else
		srv_error(r, 404,
			  "no such path (try /predict, /feedback, "
			  "/metrics, /healthz, /admin/state, /admin/events)");
	return NULL;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct srv_resp *r)
{
	struct MHD_Response *m = MHD_create_response_from_buffer(
	    r->body.len, (void *)buf_str(&r->body), MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(m, "Content-Type",
				r->type ? r->type : "application/json");
	rc = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct srv *s = cls;
	struct conn *st = *con_cls;
	struct srv_resp r = {0};
	const struct route *rt;
	const char *path;
	enum MHD_Result rc;

	(void)version;
	if (!st) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     "Content-Length");
		st = xcalloc(1, sizeof(*st));
		st->start_us = time_mono_us();
		*con_cls = st;
		pthread_mutex_lock(&s->mu);
		s->active++;
		pthread_mutex_unlock(&s->mu);
		mhd_guard_phase(s->guard, c, CONNGUARD_BODY);
		if (mhd_guard_header_count(c, "Content-Length") > 1)
			st->dup_length = 1;
		else if (cl && strtoll(cl, NULL, 10) > SRV_BODY_LIMIT)
			st->too_large = 1;
		else
			return MHD_YES;
	}
	if (*upload_size) {
		if (st->body.len + *upload_size > SRV_BODY_LIMIT)
			st->too_large = 1;
		else
			buf_add(&st->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	mhd_guard_phase(s->guard, c, CONNGUARD_DONE);
	if (!(rt = find(method, url, &r, &path)))
		;
	else if (st->dup_length)
		srv_error(&r, 400, "more than one Content-Length header");
	else if (st->too_large)
		srv_error(&r, 413, "request body over %d bytes",
			  SRV_BODY_LIMIT);
	else
		rt->fn(s, buf_str(&st->body), st->body.len, &r);
	rc = send_resp(c, &r);
	srv_count_request(s, path, r.status,
			  rt && rt->fn == srv_predict
			      ? (double)(time_mono_us() - st->start_us) / 1e6
			      : -1);
	buf_free(&r.body);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *st = *con_cls;
	struct srv *s = cls;

	(void)toe;
	/* a kept-alive connection waits for its next request's headers */
	mhd_guard_phase(s->guard, c, CONNGUARD_HEADERS);
	if (st) {
		pthread_mutex_lock(&s->mu);
		s->active--;
		pthread_mutex_unlock(&s->mu);
		buf_free(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

void *srv_http_start(struct srv *s, const char *host, int port, int *bound,
		     struct ml_err *err)
{
	struct sockaddr_in sa = {0};
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		ml_err_set(err, ML_EUSAGE,
			   "--listen: `%s` is not an IPv4 address", host);
		return NULL;
	}
	if (connguard_new(&s->o.http, &s->guard, err))
		return NULL;
	/* MHD's timeout is an idle one; the guard holds the total header
	 * and body deadlines and the per-client limit */
	d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    0, mhd_guard_accept, s->guard, on_request, s, MHD_OPTION_SOCK_ADDR,
	    &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, mhd_guard_notify, s->guard,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.http.body_timeout_s,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.http.max_conns,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024), MHD_OPTION_END);
	if (!d) {
		connguard_free(s->guard);
		s->guard = NULL;
		ml_err_set(err, ML_EIO, "cannot listen on %s:%d", host, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	return d;
}

void srv_http_stop(struct srv *s, void *h)
{
	MHD_socket fd;
	int active = 1;

	if (!h) {
		connguard_free(s->guard);
		s->guard = NULL;
		return;
	}
	/* no new connections from here on; the listen socket is ours now */
	fd = MHD_quiesce_daemon(h);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (int waited = 0; active && waited < SRV_STOP_WAIT_MS;
	     waited += 10) {
		pthread_mutex_lock(&s->mu);
		active = s->active;
		pthread_mutex_unlock(&s->mu);
		if (active)
			nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
	MHD_stop_daemon(h);
	connguard_free(s->guard);
	s->guard = NULL;
}
