/* httpc.h: one HTTP client request over libcurl (blocking, easy handle):
 * method, URL, headers, body, timeout, body cap, redirects, protocols.
 * A transport failure is an error; an HTTP status is not (the caller
 * decides what a status means). Callers that word their own messages use
 * the fields httpc_request fills (status, error, error_short). */
#ifndef ML_HTTPC_H
#define ML_HTTPC_H

#include <signal.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* What to do with an answer longer than body_cap. */
enum httpc_cap {
	HTTPC_CAP_TRUNCATE = 0, /* keep the first body_cap bytes, count all */
	HTTPC_CAP_FAIL,		/* fail the transfer (resp.too_big) */
};

struct httpc_req {
	const char *method; /* NULL: libcurl's choice (GET, POST with body) */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value", or NULL */
	const char *body;	    /* request body, or NULL for none */
	size_t body_len;	    /* 0: strlen(body) */
	long timeout_ms;	    /* whole transfer; 0: no limit */
	size_t body_cap;	    /* bytes of the answer kept; 0: all */
	enum httpc_cap cap_mode;
	int discard_body;	/* keep nothing of the answer */
	int no_body;		/* HEAD: do not wait for a body */
	long follow_redirects;	/* most redirects followed; 0: none */
	const char *protocols;	/* NULL: "http,https"; "all": any */
	const char *user_agent; /* NULL: none sent */
	int accept_encoding;	/* offer every encoding libcurl decodes */
	volatile sig_atomic_t *cancel; /* set nonzero: abort (may be NULL) */
};

struct httpc_resp {
	long status;	   /* HTTP status; 0 unless the transfer finished */
	struct buf body;   /* the answer (up to body_cap), owned */
	size_t body_total; /* answer bytes received, kept or not */
	double seconds;	   /* total transfer time */
	int curl_code;	   /* CURLcode; 0: transfer finished */
	int timed_out;	   /* ran past timeout_ms */
	int too_big;	   /* over body_cap with HTTPC_CAP_FAIL */
	int bad_url;	   /* malformed URL or protocol not allowed */
	char error[256];   /* libcurl's detailed message, else error_short */
	const char *error_short; /* curl_easy_strerror text (static) */
};

/* Performs req and fills resp (always initialized, free it with
 * httpc_resp_free). Returns 0 when the transfer finished, whatever the
 * status; else ML_EINPUT (bad URL), ML_ETIMEOUT, ML_EIO (anything else in
 * the transport, or too big) or ML_EINTERNAL, with "URL: why" in err. */
int httpc_request(const struct httpc_req *req, struct httpc_resp *resp,
		  struct ml_err *err);

void httpc_resp_free(struct httpc_resp *resp);

/* Appends s URL-escaped (RFC 3986 unreserved kept) to out. */
void httpc_escape(struct buf *out, const char *s);

#endif
