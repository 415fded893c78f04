/* store_comms.h: incident communication in the store: the update log
 * (timeline entries of kind "update") and what the status-update reminder
 * needs to know about open incidents. Separate from store.h so that the
 * interface other callers use stays small; the same rules apply (every
 * write in a transaction, times in epoch milliseconds). */
#ifndef ML_STORE_COMMS_H
#define ML_STORE_COMMS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Longest update text accepted, in bytes (a status update is a few
 * sentences; a pasted log belongs in a note or an attachment). */
#define STORE_UPDATE_MAX 4000

/* Posts a status update on incident id: a timeline entry of kind
 * "update", actor `by`, message = text. Text must be non-empty, valid
 * UTF-8 and at most STORE_UPDATE_MAX bytes (ML_EINPUT otherwise); a
 * resolved incident still takes updates (the "all clear" message).
 * ML_ENOTFOUND when there is no such incident. Runs in its own
 * transaction (nests inside an open one). */
int store_incident_update(struct store *s, int64_t id, const char *by,
			  const char *text, int64_t now, struct ml_err *err);

/* Open (not resolved) incidents with what reminders need, as a new JSON
 * array of {id, severity, drill, created_at, last_update_at,
 * last_reminder_at, commander}: the last_* fields are null when there is
 * no such entry, commander is the incident_commander role's person or
 * null. Oldest first. */
int store_comms_open(struct store *s, json_t **out, struct ml_err *err);

#endif
