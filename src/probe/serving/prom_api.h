/* prom_api.h: talking HTTP to Prometheus with libcurl: fetching a
 * /metrics page, and instant and range queries of the HTTP API
 * (/api/v1/query, /api/v1/query_range). */
#ifndef ML_PROM_API_H
#define ML_PROM_API_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Largest HTTP body accepted (metrics page or API answer). Raise for
 * exporters with very many series. */
#define PROM_HTTP_MAX_BYTES (64 * 1024 * 1024)

/* GETs url into out (appending), within timeout_ms (0: 30 s). Only http
 * and https are allowed. Returns 0 and the HTTP status in *status, or
 * ML_EIO (connection failed, timeout, body over PROM_HTTP_MAX_BYTES) with
 * err naming the URL. A non-2xx status is not an error here. */
int prom_http_get(const char *url, int64_t timeout_ms, struct buf *out,
		  long *status, struct ml_err *err);

/* A range query: [start_ms, end_ms] every step_ms. */
struct prom_range {
	int64_t start_ms;
	int64_t end_ms;
	int64_t step_ms;
};

/* Runs query against the server at base ("http://host:9090", with or
 * without a trailing slash): a range query when range is non-NULL, else
 * an instant query at time_ms (0: the server's now). On success *data is
 * the answer's "data" object {"resultType", "result"} (new reference).
 * Errors: ML_EIO for transport failures, ML_EINPUT when the server
 * answers with status "error" (its errorType and error in the message)
 * or with JSON that is not a Prometheus answer. */
int prom_api_query(const char *base, const char *query,
		   const struct prom_range *range, int64_t time_ms,
		   int64_t timeout_ms, json_t **data, struct ml_err *err);

/* Converts a query answer's data into facts: {"result_type", "result":
 * [{"metric": {...}, "value": n|null, "time": s} | {"metric", "values":
 * [[t, n|null], ...]}], "series": count} plus "value" (the only value)
 * when the answer is a scalar or a one-element vector. Non-finite values
 * are null with the text kept in "value_text". New reference. */
json_t *prom_api_facts(const json_t *data);

#endif
