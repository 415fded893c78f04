/* actions.h: incident actions (ack, resolve, note, update, role, severity,
 * bridge), the one place their rules live. The HTTP API, the CLI's --db
 * path and `incident update` all run them through actions_run; who may
 * act, and under which name, is decided by the caller (server: roles and
 * the admin-only `actor` rule) before it calls here. */
#ifndef ML_ACTIONS_H
#define ML_ACTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Most string fields one action takes. */
#define ACTIONS_MAX_FIELDS 4

/* A string field of an action's body. */
struct actions_field {
	const char *name;
	int required; /* absent or "" is ML_EINPUT "NAME: required" */
};

/* Arguments a handler gets: body fields already checked (strings or
 * NULL), in the order of the action's field list. */
struct actions_call {
	struct store *store;
	int64_t id;
	const char *actor;
	int64_t now;
	const char *arg[ACTIONS_MAX_FIELDS];
};

/* One row of the action table (actions.c): a new action (approve,
 * remediate) is one more row and one handler. */
struct actions_def {
	const char *name;
	struct actions_field fields[ACTIONS_MAX_FIELDS]; /* ends at NULL */
	int (*run)(const struct actions_call *c, struct ml_err *err);
};

/* The action named name, or NULL. */
const struct actions_def *actions_find(const char *name);

/* Runs action `name` on incident id as actor at time now, with the
 * fields of body (a JSON object, borrowed; NULL is {}); fields the action
 * does not take are ignored, so a caller may leave its own (`actor`) in.
 * Returns 0 or:
 *   ML_ENOTFOUND  no such action ("unknown action `x` (ack, ...)") or no
 *                 such incident;
 *   ML_EUSAGE     the body is malformed: not an object, or a field that
 *                 is not a string ("text: expected a string");
 *   ML_EINPUT     a value is refused: a required field missing ("text:
 *                 required"), a severity not P1..P4, or what the store
 *                 refuses (a role other than incident_commander,
 *                 communications, operations; a bridge that is not an
 *                 http(s) URL; an update that is blank, over
 *                 STORE_UPDATE_MAX bytes or not UTF-8; acking a resolved
 *                 incident);
 *   others        store errors.
 * The store writes the action and its timeline entry in one transaction;
 * nothing is written when validation fails. */
int actions_run(struct store *s, int64_t id, const char *name,
		const json_t *body, const char *actor, int64_t now,
		struct ml_err *err);

#endif
