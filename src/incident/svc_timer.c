/* svc_timer.c: the escalation timer. Timers live in the store, so a
 * restart loses none: an overdue level fires as soon as the service is
 * back. Pages are sent before the timer advances (at least once: a crash
 * between the two repeats a page rather than dropping it). */
#include <stdio.h>
#include <time.h>

#include "core/dur.h"
#include "incident/svc.h"
#include "incident/svc_remind.h"

/* Advances incident id's timer past `level`, in the store. */
static void advance(struct svc *svc, int64_t id, int level, int repeats,
		    int64_t now)
{
	const struct svc_config *c = &svc->cfg;
	struct ml_err err = {0};
	char msg[128];
	int rc;

	pthread_mutex_lock(&svc->store_lock);
	rc = store_begin(svc->store, &err);
	if (!rc && level + 1 < (int)c->n_levels) {
		rc = store_escalation_set(svc->store, id, level + 1,
					  now + c->levels[level + 1].after_ms,
					  repeats, &err);
	} else if (!rc && repeats < c->repeat) {
		rc = store_escalation_set(svc->store, id, 0,
					  now + c->repeat_after_ms, repeats + 1,
					  &err);
	} else if (!rc) {
		rc = store_escalation_clear(svc->store, id, &err);
		snprintf(msg, sizeof(msg),
			 "escalation policy exhausted: no one acknowledged");
		if (!rc)
			rc = store_timeline_add(svc->store, id, now,
						"escalation", "mloncall", msg,
						NULL, &err);
	}
	if (!rc)
		rc = store_commit(svc->store, &err);
	else
		store_rollback(svc->store);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc)
		ml_err_print(&err);
}

static void fire_due(struct svc *svc)
{
	int64_t now = time_now_ms();
	struct ml_err err = {0};
	json_t *due = NULL, *t;
	size_t i;

	pthread_mutex_lock(&svc->store_lock);
	store_escalation_due(svc->store, now, &due, &err);
	pthread_mutex_unlock(&svc->store_lock);
	json_array_foreach(due, i, t)
	{
		int64_t id =
		    json_integer_value(json_object_get(t, "incident_id"));
		int level =
		    (int)json_integer_value(json_object_get(t, "level"));
		int reps =
		    (int)json_integer_value(json_object_get(t, "repeats_done"));
		const struct esc_level *l;

		if (level < 0 || level >= (int)svc->cfg.n_levels)
			level = (int)svc->cfg.n_levels - 1;
		l = &svc->cfg.levels[level];
		for (size_t k = 0; k < l->n_notify && !svc->stopping; k++)
			svc_notify_page(svc, id, level, l->notify[k]);
		advance(svc, id, level, reps, now);
	}
	json_decref(due);
}

void *svc_timer_main(void *arg)
{
	struct svc *svc = arg;
	int64_t reminded = 0; /* reminders scan open incidents once a second */

	while (!svc->stopping) {
		int64_t now;
		fire_due(svc);
		now = time_now_ms();
		if (now - reminded >= 1000 || now < reminded)
			svc_remind_tick(svc, reminded = now);
		time_sleep_ms(svc->tick_ms);
	}
	return NULL;
}
