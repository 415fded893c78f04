/* filter.h: the incident list filter (status, severity, runbook, since,
 * limit, drills), parsed in one place for the HTTP API (query arguments)
 * and the CLI's --db path (a query string), so that a bad value gets the
 * same error everywhere. */
#ifndef ML_FILTER_H
#define ML_FILTER_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* A filter being read. sf is what store_incident_list takes; its strings
 * point into the values given to filter_set (borrowed: keep them alive)
 * or into text (filter_parse_query). */
struct filter {
	struct store_filter sf;
	int64_t now;   /* a relative since ("7d") counts back from here */
	unsigned seen; /* keys given so far: a second one is refused */
	char *text;    /* decoded copy of a query string (owned) */
};

/* Starts an empty filter (lists everything, newest 100). */
void filter_init(struct filter *f, int64_t now);

/* Frees what filter_parse_query kept; the filter is empty again. */
void filter_free(struct filter *f);

/* Sets one key. Accepted values:
 *   status    open, triggered, acknowledged or resolved
 *   severity  P1..P4 (or critical, high, warning, info, as alerts say)
 *   runbook   a runbook id (non-empty)
 *   since     a duration back from now ("30d") or an RFC 3339 time or a
 *             date (core/dur.h time_parse, strict)
 *   limit     1 to 10000
 *   drills    1 (drill incidents too) or 0
 * Unknown keys are ignored (0). value NULL is "". Returns 0, or ML_EINPUT
 * with a message naming the key and what was expected ("limit: expected
 * 1 to 10000"), also for a key given twice. */
int filter_set(struct filter *f, const char *key, const char *value,
	       struct ml_err *err);

/* Parses a URL query "k=v&k=v" (no leading '?'; NULL or "" is empty),
 * each part percent-decoded with '+' as space, as an HTTP server decodes
 * it, of any length. Errors as filter_set; f keeps a decoded copy until
 * filter_free (also on error). */
int filter_parse_query(struct filter *f, const char *query, struct ml_err *err);

/* Appends "key=value" to a query in q ('&' between), percent-encoding
 * the value so that filter_parse_query and an HTTP server read it back
 * as given. */
void filter_query_add(struct buf *q, const char *key, const char *value);

#endif
