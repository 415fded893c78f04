/* prom_api.c: HTTP GET with libcurl, and the Prometheus HTTP API answer
 * format ({"status":"success","data":{"resultType":...,"result":...}}). */
#include "probe/serving/prom_api.h"

#include <math.h>
#include <string.h>

#include "core/httpc.h"
#include "core/out.h"
#include "probe/serving/prom_expo.h"

int prom_http_get(const char *url, int64_t timeout_ms, struct buf *out,
		  long *status, struct ml_err *err)
{
	/* exporters that also speak OpenMetrics must answer in 0.0.4 */
	static const char *const hdrs[] = {
	    "Accept: text/plain;version=0.0.4;q=1.0, application/json;q=0.9, "
	    "*/*;q=0.1",
	    NULL};
	struct httpc_req q = {
	    .url = url,
	    .headers = hdrs,
	    .timeout_ms = (long)(timeout_ms > 0 ? timeout_ms : 30000),
	    .body_cap = PROM_HTTP_MAX_BYTES,
	    .cap_mode = HTTPC_CAP_FAIL,
	    .follow_redirects = 5,
	    .user_agent = "mloncall/" MLONCALL_VERSION,
	    .accept_encoding = 1,
	};
	struct httpc_resp r;
	int rc;

	*status = 0;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return ml_err_set(
		    err, ML_EUSAGE,
		    "URL `%s` must start with http:// or https://", url);
	rc = httpc_request(&q, &r, err);
	*status = r.status;
	buf_add(out, r.body.data, r.body.len);
	if (rc == 0 || rc == ML_EINTERNAL)
		;
	else if (r.too_big)
		rc = ml_err_set(err, ML_EIO,
				"GET %s: answer larger than %d "
				"bytes",
				url, PROM_HTTP_MAX_BYTES);
	else
		rc = ml_err_set(err, r.timed_out ? ML_ETIMEOUT : ML_EIO,
				"GET %s: %s", url, r.error);
	httpc_resp_free(&r);
	return rc;
}

/* Appends "&name=" and the URL-escaped value. */
static void add_param(struct buf *url, const char *name, const char *value)
{
	buf_printf(url, "%s%s=", strchr(buf_str(url), '?') ? "&" : "?", name);
	httpc_escape(url, value);
}

static void add_time(struct buf *url, const char *name, int64_t ms)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%lld.%03lld", (long long)(ms / 1000),
		 (long long)(ms % 1000));
	add_param(url, name, tmp);
}

static void build_url(const char *base, const char *query,
		      const struct prom_range *r, int64_t time_ms,
		      struct buf *url)
{
	size_t n = strlen(base);

	buf_add(url, base, n);
	if (n && base[n - 1] == '/')
		url->data[--url->len] = 0;
	buf_puts(url, r ? "/api/v1/query_range" : "/api/v1/query");
	add_param(url, "query", query);
	if (r) {
		add_time(url, "start", r->start_ms);
		add_time(url, "end", r->end_ms);
		add_time(url, "step", r->step_ms);
	} else if (time_ms) {
		add_time(url, "time", time_ms);
	}
}

int prom_api_query(const char *base, const char *query,
		   const struct prom_range *range, int64_t time_ms,
		   int64_t timeout_ms, json_t **data, struct ml_err *err)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	json_error_t je;
	json_t *doc = NULL, *d;
	long status;
	int rc;

	*data = NULL;
	build_url(base, query, range, time_ms, &url);
	rc = prom_http_get(url.data, timeout_ms, &body, &status, err);
	if (rc)
		goto out;
	doc = json_loadb(buf_str(&body), body.len, 0, &je);
	if (!doc || !json_is_object(doc)) {
		rc = ml_err_set(err, ML_EINPUT,
				"%s: HTTP %ld, not a Prometheus API answer%s%s",
				base, status, doc ? "" : ": ",
				doc ? "" : je.text);
		goto out;
	}
	if (strcmp(jget_str(doc, "status", ""), "success")) {
		rc = ml_err_set(err, ML_EINPUT,
				"%s: query `%s` failed (HTTP "
				"%ld): %s: %s",
				base, query, status,
				jget_str(doc, "errorType", "error"),
				jget_str(doc, "error", "no message"));
		goto out;
	}
	d = json_object_get(doc, "data");
	if (!json_is_object(d) ||
	    !json_is_string(json_object_get(d, "resultType"))) {
		rc = ml_err_set(err, ML_EINPUT,
				"%s: answer has no data.resultType", base);
		goto out;
	}
	*data = json_incref(d);
out:
	json_decref(doc);
	buf_free(&url);
	buf_free(&body);
	return rc;
}

/* [time, "value"] -> sets "time"/"value"(/"value_text") in o, or appends
 * [t, v] to arr when arr is given. */
static void convert_point(const json_t *pt, json_t *o, json_t *arr)
{
	const char *txt = json_string_value(json_array_get(pt, 1));
	double t = json_number_value(json_array_get(pt, 0)), v = NAN;

	if (!txt || prom_parse_value(txt, strlen(txt), &v))
		v = NAN;
	if (arr) {
		json_t *p = json_array();
		json_array_append_new(p, json_real(t));
		json_array_append_new(p,
				      isfinite(v) ? json_real(v) : json_null());
		json_array_append_new(arr, p);
		return;
	}
	jset_real(o, "time", t);
	jset_real(o, "value", v);
	if (!isfinite(v))
		jset_str(o, "value_text", txt ? txt : "?");
}

json_t *prom_api_facts(const json_t *data)
{
	const char *type = jget_str(data, "resultType", "");
	const json_t *res = json_object_get(data, "result"), *e;
	json_t *f = json_object(), *out = json_array();
	size_t i;

	jset_str(f, "result_type", type);
	if (!strcmp(type, "scalar") || !strcmp(type, "string")) {
		json_t *o = json_object();
		convert_point(res, o, NULL);
		json_object_set(f, "value", json_object_get(o, "value"));
		json_array_append_new(out, o);
	}
	if (strcmp(type, "vector") && strcmp(type, "matrix"))
		res = NULL;
	json_array_foreach(res, i, e)
	{
		json_t *o = json_object(), *m = json_object_get(e, "metric");
		json_object_set_new(o, "metric",
				    json_is_object(m) ? json_deep_copy(m)
						      : json_object());
		if (json_object_get(e, "values")) {
			json_t *vals = json_array();
			const json_t *pt;
			size_t k;
			json_array_foreach(json_object_get(e, "values"), k, pt)
			    convert_point(pt, NULL, vals);
			json_object_set_new(o, "values", vals);
		} else {
			convert_point(json_object_get(e, "value"), o, NULL);
		}
		json_array_append_new(out, o);
	}
	if (!strcmp(type, "vector") && json_array_size(out) == 1)
		json_object_set(
		    f, "value",
		    json_object_get(json_array_get(out, 0), "value"));
	jset_int(f, "series", (long long)json_array_size(out));
	json_object_set_new(f, "result", out);
	return f;
}
