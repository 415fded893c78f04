/* httpc.c: one HTTP request over a libcurl easy handle (see httpc.h). */
#include "core/httpc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

struct sink {
	const struct httpc_req *req;
	struct httpc_resp *resp;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct httpc_resp *r = s->resp;
	size_t len = size * n, cap = s->req->body_cap, room = len;

	if (s->req->discard_body) {
		r->body_total += len;
		return len;
	}
	if (cap && r->body_total + len > cap &&
	    s->req->cap_mode == HTTPC_CAP_FAIL) {
		r->too_big = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (cap)
		room = r->body.len < cap ? cap - r->body.len : 0;
	buf_add(&r->body, p, len < room ? len : room);
	r->body_total += len;
	return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	volatile sig_atomic_t *cancel = arg;

	(void)a, (void)b, (void)c, (void)d;
	return *cancel != 0; /* nonzero aborts the transfer */
}

static struct curl_slist *set_options(CURL *c, const struct httpc_req *req,
				      struct sink *s, char *ebuf)
{
	const char *proto = req->protocols ? req->protocols : "http,https";
	struct curl_slist *h = NULL;
	size_t i;

	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, proto);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (req->timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->no_body)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	for (i = 0; req->headers && req->headers[i]; i++)
		h = curl_slist_append(h, req->headers[i]);
	if (h)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->body_len
						  ? req->body_len
						  : strlen(req->body)));
	}
	if (req->follow_redirects > 0) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, req->follow_redirects);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, proto);
	}
	if (req->accept_encoding)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (req->user_agent)
		curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent);
	if (req->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)req->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	return h;
}

static int fail(const struct httpc_req *req, struct httpc_resp *r, CURLcode cc,
		struct ml_err *err)
{
	r->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
	r->bad_url =
	    cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL;
	if (r->too_big)
		return ml_err_set(err, ML_EIO,
				  "%s: answer larger than %zu bytes", req->url,
				  req->body_cap);
	return ml_err_set(err,
			  r->bad_url	 ? ML_EINPUT
			  : r->timed_out ? ML_ETIMEOUT
					 : ML_EIO,
			  "%s: %s", req->url, r->error);
}

int httpc_request(const struct httpc_req *req, struct httpc_resp *resp,
		  struct ml_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct sink s = {req, resp};
	struct curl_slist *h;
	CURLcode cc;
	CURL *c;

	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body);
	if (!(c = curl_easy_init())) {
		resp->curl_code = CURLE_FAILED_INIT;
		resp->error_short = "curl_easy_init failed";
		snprintf(resp->error, sizeof(resp->error), "%s",
			 resp->error_short);
		return ml_err_set(err, ML_EINTERNAL, "curl_easy_init failed");
	}
	h = set_options(c, req, &s, ebuf);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->seconds);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	resp->curl_code = (int)cc;
	resp->error_short = curl_easy_strerror(cc);
	snprintf(resp->error, sizeof(resp->error), "%s",
		 ebuf[0] ? ebuf : resp->error_short);
	return cc == CURLE_OK ? 0 : fail(req, resp, cc, err);
}

void httpc_resp_free(struct httpc_resp *resp)
{
	buf_free(&resp->body);
}

void httpc_escape(struct buf *out, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);

	buf_puts(out, e ? e : "");
	curl_free(e);
}
