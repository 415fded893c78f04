/* http.h: the HTTP front of the incident service (libmicrohttpd): one
 * static route table, bearer-token auth with roles, body limits, JSON
 * errors that name the field, request metrics. */
#ifndef ML_HTTP_H
#define ML_HTTP_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "incident/svc.h"

struct http_server;

/* Roles, weakest first. */
enum http_role { HTTP_ANON = 0, HTTP_VIEWER, HTTP_RESPONDER, HTTP_ADMIN };

/* A request as handlers see it. */
struct http_req {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated */
	size_t body_len;
	enum http_role role;
	const char *actor;  /* token name or "anonymous" */
	int64_t id;	    /* {id} in the path, or 0 */
	const char *action; /* last path segment for incident actions */
	void *conn;	    /* MHD connection, for query arguments */
};

/* A response: status, content type and body (owned). */
struct http_resp {
	int status;
	const char *type;
	struct buf body;
};

/* Starts listening on host:port (port 0: any free port; the bound port is
 * returned in *bound). Handlers run in one thread per connection. */
int http_start(struct svc *svc, const char *host, int port, int *bound,
	       struct http_server **out, struct ml_err *err);

/* Stops accepting, lets in-flight requests finish, frees the server. */
void http_stop(struct http_server *h);

/* Query argument of the request, or NULL. */
const char *http_query(const struct http_req *r, const char *name);

/* Calls fn(key, value, ctx) for every query argument in the order given
 * (decoded; value NULL for "?key" without '='); stops at the first
 * nonzero return and returns it, else 0. */
int http_query_each(const struct http_req *r,
		    int (*fn)(const char *key, const char *value, void *ctx),
		    void *ctx);

/* Helpers for handlers: a JSON body (takes the reference) and an error
 * body {"error": msg, "field": field?}. */
void http_json(struct http_resp *resp, int status, json_t *body);
void http_error(struct http_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Route handlers (api.c). */
void api_alertmanager(struct svc *svc, const struct http_req *r,
		      struct http_resp *resp);
void api_alerts(struct svc *svc, const struct http_req *r,
		struct http_resp *resp);
void api_incidents(struct svc *svc, const struct http_req *r,
		   struct http_resp *resp);
void api_incident(struct svc *svc, const struct http_req *r,
		  struct http_resp *resp);
void api_incident_action(struct svc *svc, const struct http_req *r,
			 struct http_resp *resp);
void api_runs(struct svc *svc, const struct http_req *r,
	      struct http_resp *resp);
/* api_runs.c: POST /api/v1/runs/ID/approve|deny. */
void api_run_action(struct svc *svc, const struct http_req *r,
		    struct http_resp *resp);
void api_metrics(struct svc *svc, const struct http_req *r,
		 struct http_resp *resp);
void api_healthz(struct svc *svc, const struct http_req *r,
		 struct http_resp *resp);

/* sha256 hex of a token (65 bytes with NUL). */
void http_token_hash(const char *token, char out[65]);

#endif
