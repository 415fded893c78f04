/* schedule.h: on-call schedules: per role, layers of rotations (weekly,
 * daily or custom length; handoff time in an IANA time zone; optional
 * restriction windows; start date), later layers winning where they have
 * someone, and overrides on top. Loaded from the `oncall:` section of the
 * service configuration; asked "who is on call for ROLE at T" by
 * escalation and by `mloncall oncall`. See docs/oncall.md.
 *
 * All times in this interface are epoch milliseconds. A loaded schedule
 * is immutable: every query is pure and thread-safe. */
#ifndef ML_SCHEDULE_H
#define ML_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ydoc.h"
#include "incident/tz.h"

/* A restriction window: weekdays (bit 0 = Sunday) and a time of day
 * range [from, to) in seconds; to < from runs past midnight (the days
 * name the day the window opens); 0..86400 is the whole day. */
struct sched_window {
	unsigned days;
	int from, to;
};

struct sched_layer {
	char *name;
	char **people;
	size_t n_people;
	const struct tz *tz; /* borrowed from the schedule's zones */
	int calendar;	     /* handoffs follow the local wall clock */
	int64_t period;	     /* seconds between handoffs */
	int64_t anchor;	     /* one handoff: local seconds (calendar) or
				epoch seconds */
	int64_t start;	     /* epoch seconds the layer begins */
	int64_t j_start;     /* handoff index at start */
	struct sched_window *win;
	size_t n_win;
	int line, col;
};

struct sched_role {
	char *name;
	struct sched_layer *layers; /* lowest first; later ones win */
	size_t n_layers;
};

struct sched_override {
	char *role;
	char *person;
	int64_t from, to; /* ms */
	int line, col;
};

struct schedule {
	struct sched_role *roles;
	size_t n_roles;
	struct sched_override *ov;
	size_t n_ov;
	struct tz **zones; /* owned; layers point into them */
	size_t n_zones;
};

/* Who holds a role at an instant. */
struct sched_who {
	const char *person;  /* NULL: nobody (borrowed from the schedule) */
	const char *layer;   /* layer name, or NULL */
	int layer_index;     /* -1 when nobody or an override */
	int override;	     /* an override holds it */
	const struct tz *tz; /* the layer's zone (override: first layer's) */
};

/* One stretch of a role's schedule with one holder. */
struct sched_shift {
	int64_t from, to; /* ms; INT64_MIN / INT64_MAX when unbounded */
	struct sched_who who;
};

/* Loads the `oncall:` mapping n (role -> rotation; key `overrides`: a
 * list) of file. Formats: `role: [alice, bob]`; `role: {people, rotation
 * | every, handoff, tz, start, restrict, name}`; `role: {layers: [...]}`.
 * Errors name file:line:col (ML_EINPUT). *out: caller frees
 * (sched_free). Sets TZ briefly while loading zones: see tz.h. */
int sched_load(const struct ydoc_node *n, const char *file,
	       struct schedule **out, struct ml_err *err);

/* Frees; NULL is a no-op. */
void sched_free(struct schedule *s);

/* The role named name, or NULL. */
const struct sched_role *sched_role(const struct schedule *s, const char *name);

/* Who holds role r at t: an override first, else the last layer that
 * covers t (started, inside its windows). who.person NULL: nobody. */
void sched_who(const struct schedule *s, const struct sched_role *r, int64_t t,
	       struct sched_who *who);

/* The first instant after t at which the holder of r may change (a
 * handoff, layer start, window edge, zone offset change or override
 * edge), or INT64_MAX. */
int64_t sched_next_change(const struct schedule *s, const struct sched_role *r,
			  int64_t t);

/* The last such instant at or before t, or INT64_MIN. */
int64_t sched_prev_change(const struct schedule *s, const struct sched_role *r,
			  int64_t t);

/* The shift holding t, with its true bounds (merging stretches with the
 * same holder, layer and override flag). A bound farther than 1000
 * changes away is reported as INT64_MIN / INT64_MAX. */
void sched_current(const struct schedule *s, const struct sched_role *r,
		   int64_t t, struct sched_shift *out);

/* The shifts of r over [from, to), clipped to it, contiguous, merged as
 * above; empty (zero-length) stretches are dropped. *out: caller frees
 * (free()); returns the count. */
size_t sched_shifts(const struct schedule *s, const struct sched_role *r,
		    int64_t from, int64_t to, struct sched_shift **out);

/* Index of layer l's last handoff at or before epoch second u (handoff 0
 * is the one at l->anchor). Used at load time for j_start. */
int64_t sched_handoff_index(const struct sched_layer *l, int64_t u);

/* The time zone of the layer of r that names person (first match), of
 * any role; NULL when none does. */
const struct tz *sched_person_tz(const struct schedule *s, const char *person);

#endif
