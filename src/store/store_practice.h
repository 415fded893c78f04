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
int store_action_add(struct store *s, const struct store_action *a,
		     int64_t now, int64_t *id, struct ml_err *err);

/* Marks item id done (idempotent: a second call keeps the first done_at)
 * and writes a timeline entry on its incident. ML_ENOTFOUND when there is
 * no such item. */
int store_action_done(struct store *s, int64_t id, const char *actor,
		      int64_t now, struct ml_err *err);

/* Filters for store_action_list; zero fields do not filter. */
struct store_action_filter {
	int64_t incident_id;
	int open_only;	     /* status = open */
	int64_t overdue_at;  /* open and due_at < overdue_at */
	int include_drills;  /* items of drill incidents too */
};

/* Action items (oldest first) as a JSON array of objects {id,
 * incident_id, text, owner, due_at, status, created_at, created_by,
 * done_at, done_by, incident_title, drill} (new reference). */
int store_action_list(struct store *s, const struct store_action_filter *f,
		      json_t **out, struct ml_err *err);

/* Bulk reads for reports. Each returns a JSON array (new reference) of
 * flat objects; drills (incidents.drill = 1) are never included.
 *
 * store_report_incidents: incidents created in [since, until): id,
 *   severity, status, runbook_id, created_at, acked_at, resolved_at,
 *   auto_resolved, notes (count of timeline entries of kind "note"),
 *   alertname (of the incident's first alert, or its title).
 * store_report_alerts: alert rows of those incidents: incident_id,
 *   alertname, count, first_seen.
 * store_report_pages: timeline entries of kind "page" at in
 *   [since, until): incident_id, at, message, data. */
int store_report_incidents(struct store *s, int64_t since, int64_t until,
			   json_t **out, struct ml_err *err);
int store_report_alerts(struct store *s, int64_t since, int64_t until,
			json_t **out, struct ml_err *err);
int store_report_pages(struct store *s, int64_t since, int64_t until,
		       json_t **out, struct ml_err *err);

#endif
