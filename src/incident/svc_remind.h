/* svc_remind.h: status-update reminders. While an incident is open, the
 * people working it owe the rest of the company a status update at a
 * cadence set by severity (config `status_updates:`, defaults P1 30m,
 * P2 1h, P3 4h, P4 none). When no update has been posted for that long,
 * the escalation timer's thread posts a "reminder" timeline entry and
 * notifies the incident commander (or the primary on-call when no one
 * holds that role), then again every cadence until an update comes or
 * the incident is resolved. See docs/serve.md "Status updates". */
#ifndef ML_SVC_REMIND_H
#define ML_SVC_REMIND_H

#include <stdint.h>

#include "core/err.h"
#include "core/ydoc.h"
#include "incident/svc_config.h"

struct svc;

/* Sets the default cadences into c->status_update_ms[1..4]. */
void svc_remind_defaults(struct svc_config *c);

/* Loads the `status_updates:` value n (a mapping {P1: 30m, ...}, where a
 * value may be `none`; or the scalar `none` to turn reminders off) over
 * the defaults. Errors are ML_EINPUT naming c->file:line:col. */
int svc_remind_config(struct svc_config *c, const struct ydoc_node *n,
		      struct ml_err *err);

/* When the next reminder is due for an incident with this cadence
 * (0: never, returns 0): the latest of created_at, the last update and
 * the last reminder, plus the cadence. last_* may be 0 (none yet). */
int64_t svc_remind_due_at(int64_t cadence_ms, int64_t created_at,
			  int64_t last_update_at, int64_t last_reminder_at);

/* One pass of the reminder: for every open incident whose reminder is
 * due at `now`, writes the "reminder" entry and notifies the incident
 * commander or the primary on-call (drill incidents go through the
 * drill's participant filter like every page). Called from the timer
 * thread without store_lock held. Returns how many reminders it sent. */
int svc_remind_tick(struct svc *svc, int64_t now);

#endif
