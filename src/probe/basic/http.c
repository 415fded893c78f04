/* http.c: the `http` probe (libcurl): status, latency and whether the body
 * contains a string. A service that does not answer is a finding (verdict
 * failed), not an error, so verify steps can retry it. Only http and
 * https, no redirects followed. Read-only for GET and HEAD.
 * Schema: docs/probes/http.md. */
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/probe.h"

#define HTTP_BODY_CAP (1024 * 1024)

struct body {
	struct buf b;
	size_t total;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *bd = arg;
	size_t len = size * n;
	size_t room = bd->b.len < HTTP_BODY_CAP ? HTTP_BODY_CAP - bd->b.len : 0;

	buf_add(&bd->b, p, len < room ? len : room);
	bd->total += len;
	return len;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
		       curl_off_t d)
{
	volatile sig_atomic_t *cancel = arg;

	(void)a, (void)b, (void)c, (void)d;
	return cancel && *cancel; /* nonzero aborts the transfer */
}

static int is_safe_method(const char *m)
{
	return !strcasecmp(m, "GET") || !strcasecmp(m, "HEAD");
}

/* Fills facts from a finished transfer. */
static void judge(const struct probe_ctx *ctx, json_t *f, long status,
		  const struct body *bd)
{
	long want = (long)jget_int(ctx->args, "expect_status", 0);
	const char *needle = jget_str(ctx->args, "body_contains", NULL);

	jset_int(f, "status", status);
	jset_int(f, "body_bytes", (long long)bd->total);
	if (needle) {
		int m = bd->b.len &&
			memmem(bd->b.data, bd->b.len, needle, strlen(needle));
		jset_bool(f, "body_match", m);
		if (!m)
			probe_reason(f, PV_FAILED, "body",
				     "body does not contain \"%s\"", needle);
	} else {
		json_object_set_new(f, "body_match", json_null());
	}
	if (want && status != want)
		probe_reason(f, PV_FAILED, "status", "status %ld, expected %ld",
			     status, want);
	else if (!want && (status < 200 || status >= 400))
		probe_reason(f, PV_FAILED, "status", "status %ld", status);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *url = jget_str(ctx->args, "url", NULL);
	const char *method = jget_str(ctx->args, "method", "GET");
	struct body bd = {BUF_INIT, 0};
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	double secs = 0;
	CURL *c;
	CURLcode cc;

	*facts = NULL;
	if (!url)
		return ml_err_set(err, ML_EUSAGE, "probe http needs `url`");
	if (ctx->dry_run && !is_safe_method(method))
		return ml_err_set(err, ML_EUSAGE,
				  "probe http: %s is not read-only: not sent "
				  "in a dry run",
				  method);
	if (!(c = curl_easy_init()))
		return ml_err_set(err, ML_EINTERNAL, "curl_easy_init failed");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 (long)jget_int(ctx->args, "timeout", 10000));
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcasecmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bd);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)ctx->cancel);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mloncall/" MLONCALL_VERSION);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
	curl_easy_cleanup(c);
	if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
		buf_free(&bd.b);
		return ml_err_set(err, ML_EINPUT, "probe http: bad url %s: %s",
				  url, cerr[0] ? cerr : curl_easy_strerror(cc));
	}
	*facts = probe_facts_new("http");
	jset_str(*facts, "url", url);
	jset_str(*facts, "method", method);
	jset_int(*facts, "latency_ms", (long long)(secs * 1000.0 + 0.5));
	if (cc != CURLE_OK) {
		jset_int(*facts, "status", 0);
		json_object_set_new(*facts, "body_match", json_null());
		jset_str(*facts, "error",
			 cerr[0] ? cerr : curl_easy_strerror(cc));
		probe_reason(
		    *facts, PV_FAILED,
		    cc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connect",
		    "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(cc));
	} else {
		judge(ctx, *facts, status, &bd);
	}
	buf_free(&bd.b);
	return 0;
}

static const struct probe_opt opts[] = {
    {"url", PO_STRING, "http:// or https:// URL", NULL, 1, 1},
    {"method", PO_STRING, "request method (GET, HEAD: read-only)", "GET", 0, 0},
    {"timeout", PO_DURATION, "give up after", "10s", 0, 0},
    {"expect_status", PO_INT,
     "status that counts as healthy "
     "(default: any 2xx or 3xx)",
     NULL, 0, 0},
    {"body_contains", PO_STRING, "text the body must contain", NULL, 0, 0},
    {0}};

const struct probe_def probe_http = {
    .name = "http",
    .summary = "HTTP status, latency and body match of a URL",
    .help = "Facts: url, method, status (0 when nothing answered),\n"
	    "latency_ms, body_bytes, body_match (null without\n"
	    "body_contains), error. A service that does not answer is a\n"
	    "finding (verdict failed), so verify steps can retry it.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check http http://localhost:8080/healthz\n"
	    "  mloncall check http http://svc/v1/models --body_contains "
	    "ready --expect_status 200\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
};
