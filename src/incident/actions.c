/* actions.c: the incident action table and actions_run (see actions.h):
 * checks an action's body fields, then calls the store. */
#include "incident/actions.h"

#include <string.h>

#include "core/buf.h"
#include "incident/alert.h"
#include "store/store_comms.h"

static int do_ack(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_ack(c->store, c->id, c->actor, c->now, err);
}

static int do_resolve(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_resolve(c->store, c->id, c->actor, c->arg[0],
				      c->now, err);
}

static int do_note(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_note(c->store, c->id, c->actor, c->arg[0], c->now,
				   err);
}

static int do_update(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_update(c->store, c->id, c->actor, c->arg[0],
				     c->now, err);
}

static int do_role(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_role(c->store, c->id, c->actor, c->arg[0],
				   c->arg[1], c->now, err);
}

static int do_severity(const struct actions_call *c, struct ml_err *err)
{
	int sev;

	if (alert_severity_parse(c->arg[0], &sev) != 0)
		return ml_err_set(err, ML_EINPUT,
				  "severity: expected P1, P2, P3 or P4");
	return store_incident_severity(c->store, c->id, c->actor, sev, c->now,
				       err);
}

static int do_bridge(const struct actions_call *c, struct ml_err *err)
{
	return store_incident_bridge(c->store, c->id, c->actor, c->arg[0],
				     c->now, err);
}

/* The actions, in the order the unknown-action message lists them. */
static const struct actions_def table[] = {
    {"ack", {{NULL, 0}}, do_ack},
    {"resolve", {{"reason", 0}}, do_resolve},
    {"note", {{"text", 1}}, do_note},
    {"update", {{"text", 1}}, do_update},
    {"role", {{"role", 1}, {"person", 1}}, do_role},
    {"severity", {{"severity", 1}}, do_severity},
    {"bridge", {{"url", 1}}, do_bridge},
};

#define NACTIONS (sizeof(table) / sizeof(table[0]))

const struct actions_def *actions_find(const char *name)
{
	for (size_t i = 0; name && i < NACTIONS; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

static int unknown(const char *name, struct ml_err *err)
{
	struct buf names = BUF_INIT;
	int rc;

	for (size_t i = 0; i < NACTIONS; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", table[i].name);
	rc = ml_err_set(err, ML_ENOTFOUND, "unknown action `%s` (%s)",
			name ? name : "", buf_str(&names));
	buf_free(&names);
	return rc;
}

/* Fills c->arg from body along d's field list. */
static int read_fields(const struct actions_def *d, const json_t *body,
		       struct actions_call *c, struct ml_err *err)
{
	for (int i = 0; i < ACTIONS_MAX_FIELDS && d->fields[i].name; i++) {
		const struct actions_field *fd = &d->fields[i];
		const json_t *v = json_object_get(body, fd->name);

		if (v && !json_is_string(v))
			return ml_err_set(err, ML_EUSAGE,
					  "%s: expected a string", fd->name);
		c->arg[i] = json_string_value(v);
		if (fd->required && (!c->arg[i] || !*c->arg[i]))
			return ml_err_set(err, ML_EINPUT, "%s: required",
					  fd->name);
	}
	return 0;
}

int actions_run(struct store *s, int64_t id, const char *name,
		const json_t *body, const char *actor, int64_t now,
		struct ml_err *err)
{
	const struct actions_def *d = actions_find(name);
	struct actions_call c = {
	    .store = s, .id = id, .actor = actor, .now = now};
	int rc;

	if (!d)
		return unknown(name, err);
	if (body && !json_is_object(body))
		return ml_err_set(err, ML_EUSAGE,
				  "body: expected a JSON object");
	if ((rc = read_fields(d, body, &c, err)) != 0)
		return rc;
	return d->run(&c, err);
}
