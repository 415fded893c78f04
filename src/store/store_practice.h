/* store_practice.h: what the on-call practice keeps beside incidents:
 * postmortem action items (table action_items, schema migration 2), and
 * the bulk reads behind `mloncall report`. Kept apart from store.h so the
 * incident interface stays small; the same rules hold: every write runs
 * in a transaction, times are epoch milliseconds. */
#ifndef ML_STORE_PRACTICE_H
#define ML_STORE_PRACTICE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Opens the store at url like store_open, but only when the database file
 * already exists: commands that only read (reports, postmortems) must not
 * create an empty database from a mistyped path. ML_ENOTFOUND naming the
 * path otherwise. */
int store_open_existing(const char *url, struct store **out,
			struct ml_err *err);

/* Schema: the action_items table is migration 2 in store_sqlite.c. */

/* One new action item. Strings are borrowed for the call. */
struct store_action {
	int64_t incident_id;
	const char *text;  /* required, non-empty */
	const char *owner; /* may be NULL (unowned: the report says so) */
	int64_t due_at;	   /* 0: no due date */
	const char *actor; /* who added it */
};

/* Adds an action item to an existing incident and writes a timeline
 * entry (kind "action"). *id gets the new item's id. ML_ENOTFOUND when
 * the incident does not exist, ML_EINPUT for empty text. */
int store_action_add(struct store *s, const struct store_action *a, int64_t now,
		     int64_t *id, struct ml_err *err);

/* Marks item id done (idempotent: a second call keeps the first done_at)
 * and writes a timeline entry on its incident. ML_ENOTFOUND when there is
 * no such item. */
int store_action_done(struct store *s, int64_t id, const char *actor,
		      int64_t now, struct ml_err *err);

/* Filters for store_action_list; zero fields do not filter. */
struct store_action_filter {
	int64_t incident_id;
	int open_only;	    /* status = open */
	int64_t overdue_at; /* open and due_at < overdue_at */
	int include_drills; /* items of drill incidents too */
};

/* Action items (oldest first) as a JSON array of objects {id,
 * incident_id, text, owner, due_at, status, created_at, created_by,
 * done_at, done_by, incident_title, drill} (new reference). */
int store_action_list(struct store *s, const struct store_action_filter *f,
		      json_t **out, struct ml_err *err);

/* Bulk reads for reports. Drills (incidents.drill = 1) are never
 * included; "the window" is incidents created in [since, until). Rows
 * that can be many are passed to a callback one at a time (strings are
 * borrowed for the call; a nonzero return stops the walk and is
 * returned), so a report over 100,000 incidents builds no JSON per row. */

/* One incident of the window. Times 0 when absent. */
struct store_report_incident {
	int64_t id, created_at, acked_at, resolved_at;
	int severity, auto_resolved;
};
typedef int (*store_incident_fn)(void *ctx,
				 const struct store_report_incident *r);

/* Incidents of the window in creation order (then id). */
int store_report_incidents(struct store *s, int64_t since, int64_t until,
			   store_incident_fn fn, void *ctx, struct ml_err *err);

/* One timeline entry of kind "page" with its time in [since, until):
 * channel is data.channel or NULL. Ordered by incident, then entry. */
struct store_report_page {
	int64_t incident_id, at;
	const char *message, *channel;
};
typedef int (*store_page_fn)(void *ctx, const struct store_report_page *p);
int store_report_pages(struct store *s, int64_t since, int64_t until,
		       store_page_fn fn, void *ctx, struct ml_err *err);

/* Per alert name over the alerts of the window's incidents, a JSON array
 * (new reference) of {alertname, fired (alert rows), repeats (sum of
 * their counts), incidents (distinct), no_action (distinct incidents
 * that auto-resolved with no ack and no note)}. */
int store_report_alert_stats(struct store *s, int64_t since, int64_t until,
			     json_t **out, struct ml_err *err);

/* Incidents of the window routed to no runbook, grouped by the name of
 * their first alert (else their title): JSON array (new reference) of
 * {alertname, incidents, last_at}. */
int store_report_no_runbook(struct store *s, int64_t since, int64_t until,
			    json_t **out, struct ml_err *err);

#endif
