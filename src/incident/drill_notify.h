/* drill_notify.h: drills never page outside the drill's participants.
 * A drill incident (incidents.drill = 1, from an alert labelled
 * drill="true") carries its participants in the annotation
 * `drill_participants` ("alice,bob"); every notification the service
 * would send for it goes through drill_notify_blocked, which lets pages
 * to participants through and writes every other one to the timeline as
 * "suppressed (drill)" instead. */
#ifndef ML_DRILL_NOTIFY_H
#define ML_DRILL_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

struct svc;

/* Label that marks an alert (and so its incident) as a drill. */
#define DRILL_LABEL "drill"
/* Annotation (or label) that lists the participants, comma-separated. */
#define DRILL_PARTICIPANTS "drill_participants"

/* Nonzero when the alert labels mark a drill (drill="true"). */
int drill_labels_marked(const json_t *labels);

/* Nonzero when person or target is one of the comma-separated names in
 * list (spaces around names ignored; NULL list or NULL names: 0). */
int drill_is_participant(const char *list, const char *person,
			 const char *target);

/* The participants list of an incident as store_incident_get returns it
 * (first alert's annotation, else label), or NULL (borrowed). */
const char *drill_participants(const json_t *incident);

/* For incident id: when it is a drill and person (or target, a role)
 * is not a participant, writes "suppressed (drill): <what>" to the
 * timeline (kind "suppressed") and returns 1: the caller must not send.
 * person NULL means a broadcast to the team channel, which a drill never
 * sends. Returns 0 for real incidents and for participants. Takes
 * store_lock itself: call without it. */
int drill_notify_blocked(struct svc *svc, int64_t id, const char *person,
			 const char *target, const char *what);

#endif
