/* drill_notify.c: the participant filter for drill incidents
 * (drill_notify.h). */
#include "incident/drill_notify.h"

#include <stdio.h>
#include <string.h>

#include "core/out.h"
#include "incident/svc.h"

int drill_labels_marked(const json_t *labels)
{
	const char *v = jget_str(labels, DRILL_LABEL, NULL);
	return v && !strcmp(v, "true");
}

/* Nonzero when name equals the list item [p, p+n) trimmed of spaces. */
static int item_is(const char *p, size_t n, const char *name)
{
	while (n && *p == ' ')
		p++, n--;
	while (n && p[n - 1] == ' ')
		n--;
	return name && *name && strlen(name) == n && !strncmp(p, name, n);
}

int drill_is_participant(const char *list, const char *person,
			 const char *target)
{
	const char *p = list;

	if (!list)
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (item_is(p, n, person) || item_is(p, n, target))
			return 1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

const char *drill_participants(const json_t *incident)
{
	const json_t *a =
	    json_array_get(json_object_get(incident, "alerts"), 0);
	const char *v = jget_str(json_object_get(a, "annotations"),
				 DRILL_PARTICIPANTS, NULL);

	return v ? v
		 : jget_str(json_object_get(a, "labels"), DRILL_PARTICIPANTS,
			    NULL);
}

int drill_notify_blocked(struct svc *svc, int64_t id, const char *person,
			 const char *target, const char *what)
{
	struct ml_err err = {0};
	json_t *inc = NULL;
	char msg[800];
	int blocked;

	pthread_mutex_lock(&svc->store_lock);
	store_incident_get(svc->store, id, &inc, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (!inc || jget_int(inc, "drill", 0) == 0) {
		json_decref(inc);
		return 0;
	}
	blocked = !person || !drill_is_participant(drill_participants(inc),
						   person, target);
	json_decref(inc);
	if (!blocked)
		return 0;
	snprintf(msg, sizeof(msg),
		 "suppressed (drill): %s (%s is not a "
		 "participant of the drill)",
		 what, person ? person : "the team channel");
	svc_timeline(
	    svc, id, "suppressed", msg,
	    json_pack("{s:s?, s:s?}", "person", person, "target", target));
	return 1;
}
