/* http.c: the `http` probe (libcurl): status, latency and whether the body
 * contains a string. A service that does not answer is a finding (verdict
 * failed), not an error, so verify steps can retry it. Only http and
 * https, no redirects followed. Read-only for GET and HEAD.
 * Schema: docs/probes/http.md. */
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/httpc.h"
#include "core/out.h"
#include "probe/probe.h"

#define HTTP_BODY_CAP (1024 * 1024)

static int is_safe_method(const char *m)
{
	return !strcasecmp(m, "GET") || !strcasecmp(m, "HEAD");
}

/* Fills facts from a finished transfer. */
static void judge(const struct probe_ctx *ctx, json_t *f,
		  const struct httpc_resp *r)
{
	long want = (long)jget_int(ctx->args, "expect_status", 0);
	const char *needle = jget_str(ctx->args, "body_contains", NULL);

	long status = r->status;

	jset_int(f, "status", status);
	jset_int(f, "body_bytes", (long long)r->body_total);
	if (needle) {
		int m = r->body.len && memmem(r->body.data, r->body.len, needle,
					      strlen(needle));
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

/* The facts of a transfer that did not finish (nothing answered). */
static void no_answer(json_t *f, const char *url, const struct httpc_resp *r)
{
	jset_int(f, "status", 0);
	json_object_set_new(f, "body_match", json_null());
	jset_str(f, "error", r->error);
	probe_reason(f, PV_FAILED, r->timed_out ? "timeout" : "connect",
		     "%s: %s", url, r->error);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *url = jget_str(ctx->args, "url", NULL);
	const char *method = jget_str(ctx->args, "method", "GET");
	struct httpc_req q = {
	    .method = method,
	    .url = url,
	    .timeout_ms = (long)jget_int(ctx->args, "timeout", 10000),
	    .body_cap = HTTP_BODY_CAP,
	    .no_body = !strcasecmp(method, "HEAD"),
	    .user_agent = "mloncall/" MLONCALL_VERSION,
	    .cancel = ctx->cancel,
	};
	struct httpc_resp r;
	struct ml_err herr = {0};
	int rc;

	*facts = NULL;
	if (!url)
		return ml_err_set(err, ML_EUSAGE, "probe http needs `url`");
	if (ctx->dry_run && !is_safe_method(method))
		return ml_err_set(err, ML_EUSAGE,
				  "probe http: %s is not read-only: not sent "
				  "in a dry run",
				  method);
	rc = httpc_request(&q, &r, &herr);
	if (rc == ML_EINTERNAL) {
		httpc_resp_free(&r);
		return ml_err_set(err, ML_EINTERNAL, "%s", herr.msg);
	}
	if (r.bad_url) {
		httpc_resp_free(&r);
		return ml_err_set(err, ML_EINPUT, "probe http: bad url %s: %s",
				  url, r.error);
	}
	*facts = probe_facts_new("http");
	jset_str(*facts, "url", url);
	jset_str(*facts, "method", method);
	jset_int(*facts, "latency_ms", (long long)(r.seconds * 1000.0 + 0.5));
	if (rc)
		no_answer(*facts, url, &r);
	else
		judge(ctx, *facts, &r);
	httpc_resp_free(&r);
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
