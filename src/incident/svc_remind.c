/* svc_remind.c: status-update reminders by severity (svc_remind.h). The
 * reminder is written to the timeline before anyone is notified, so the
 * timeline is the record of what was due; a crash between the two loses
 * one notification, never floods (the next one is a cadence later). */
#include "incident/svc_remind.h"

#include <stdio.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "incident/alert.h"
#include "incident/svc.h"
#include "store/store_comms.h"

void svc_remind_defaults(struct svc_config *c)
{
	c->status_update_ms[0] = 0;
	c->status_update_ms[1] = 30 * 60000;
	c->status_update_ms[2] = 60 * 60000;
	c->status_update_ms[3] = 4 * 3600000;
	c->status_update_ms[4] = 0;
}

static int bad(const struct svc_config *c, const struct ydoc_node *n,
	       struct ml_err *err, const char *what)
{
	return ml_err_at(err, ML_EINPUT, c->file, n ? n->line : 0,
			 n ? n->col : 0, "status_updates: %s", what);
}

static int is_none(const struct ydoc_node *n)
{
	return n->type == YDOC_SCALAR && n->value &&
	       (!strcmp(n->value, "none") || !strcmp(n->value, "off"));
}

int svc_remind_config(struct svc_config *c, const struct ydoc_node *n,
		      struct ml_err *err)
{
	if (is_none(n)) {
		memset(c->status_update_ms, 0, sizeof(c->status_update_ms));
		return 0;
	}
	if (n->type != YDOC_MAP)
		return bad(c, n, err,
			   "expected a mapping like {P1: 30m, "
			   "P2: 1h} or `none`");
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i), *v = ydoc_val(n, i);
		int64_t ms;
		int sev;

		if (!k->value || alert_severity_parse(k->value, &sev) != 0)
			return bad(c, k, err,
				   "expected a severity P1, P2, P3 "
				   "or P4");
		if (is_none(v)) {
			c->status_update_ms[sev] = 0;
			continue;
		}
		if (v->type != YDOC_SCALAR || !v->value ||
		    dur_parse(v->value, &ms) != 0 || ms < 1000)
			return bad(c, v, err,
				   "expected a cadence of at least "
				   "1s (30m, 1h) or `none`");
		c->status_update_ms[sev] = ms;
	}
	return 0;
}

int64_t svc_remind_due_at(int64_t cadence_ms, int64_t created_at,
			  int64_t last_update_at, int64_t last_reminder_at)
{
	int64_t anchor = created_at;

	if (cadence_ms <= 0)
		return 0;
	if (last_update_at > anchor)
		anchor = last_update_at;
	if (last_reminder_at > anchor)
		anchor = last_reminder_at;
	return anchor + cadence_ms;
}

/* Writes the reminder entry (at `now`, so the cadence follows the clock
 * the caller passes) and notifies; inc is one row of store_comms_open. */
static void remind_one(struct svc *svc, const json_t *inc, int64_t cadence,
		       int64_t now)
{
	int64_t id = jget_int(inc, "id", 0);
	const char *ic = jget_str(inc, "commander", NULL);
	const char *target = ic ? "incident_commander" : "primary";
	const char *person = ic ? ic : svc_oncall(&svc->cfg, "primary", now);
	char cad[32], since[32], msg[512], text[700];
	int64_t last = jget_int(inc, "last_update_at", 0);
	struct ml_err err = {0};
	json_t *data;

	if (!person)
		person = target;
	dur_format(cadence, cad, sizeof(cad));
	dur_format((now - (last ? last : jget_int(inc, "created_at", now))) /
		       1000 * 1000,
		   since, sizeof(since));
	snprintf(msg, sizeof(msg),
		 "status update due: %s since the %s (P%lld cadence %s); "
		 "reminding %s (%s)",
		 since, last ? "last update" : "incident opened",
		 jget_int(inc, "severity", 0), cad, person, target);
	data = json_pack("{s:I, s:s, s:s}", "cadence_ms", (json_int_t)cadence,
			 "target", target, "person", person);
	pthread_mutex_lock(&svc->store_lock);
	if (store_timeline_add(svc->store, id, now, "reminder", "mloncall", msg,
			       data, &err) != 0)
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	json_decref(data);
	snprintf(text, sizeof(text),
		 "[P%lld] incident #%lld: no status update for %s (every %s "
		 "for P%lld). Post one: mloncall incident update %lld "
		 "\"what we know, what we do, next update at ...\"",
		 jget_int(inc, "severity", 0), (long long)id, since, cad,
		 jget_int(inc, "severity", 0), (long long)id);
	svc_notify_person(svc, id, target, person, "reminder", text);
}

int svc_remind_tick(struct svc *svc, int64_t now)
{
	struct ml_err err = {0};
	json_t *open = NULL, *inc;
	size_t i;
	int sent = 0;

	pthread_mutex_lock(&svc->store_lock);
	if (store_comms_open(svc->store, &open, &err) != 0)
		ml_err_print(&err);
	pthread_mutex_unlock(&svc->store_lock);
	json_array_foreach(open, i, inc)
	{
		long long sev = jget_int(inc, "severity", 0);
		int64_t cadence =
		    sev >= 1 && sev <= 4 ? svc->cfg.status_update_ms[sev] : 0;
		int64_t due =
		    svc_remind_due_at(cadence, jget_int(inc, "created_at", now),
				      jget_int(inc, "last_update_at", 0),
				      jget_int(inc, "last_reminder_at", 0));

		if (svc->stopping)
			break;
		if (!due || due > now)
			continue;
		remind_one(svc, inc, cadence, now);
		sent++;
	}
	json_decref(open);
	return sent;
}
