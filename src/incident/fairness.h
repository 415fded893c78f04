/* fairness.h: on-call load per person over a period, so that load and
 * compensation can be balanced: hours on call (from the schedule),
 * weekend hours, pages and night pages (from the incident timeline).
 * See docs/oncall.md for the definitions. */
#ifndef ML_FAIRNESS_H
#define ML_FAIRNESS_H

#include <jansson.h>
#include <stdint.h>

#include "incident/schedule.h"

/* Pages of one person through several channels within this long count
 * as one page. */
#define FAIR_PAGE_MERGE_MS (5 * 60000LL)

/* Computes the load of everyone in schedule s (and anyone paged) over
 * [from, to) ms. pages: timeline entries {incident_id, at, message} of
 * kind "page" (store_timeline_by_kind), or NULL when no store was given
 * (pages are then null in the result). Returns a new JSON object:
 * {people: [{person, hours, weekend_hours, pages, night_pages,
 * pages_per_week}], most_loaded, least_loaded}, people ordered by load
 * (night pages count twice, then hours), most loaded first. */
json_t *fair_compute(const struct schedule *s, const json_t *pages,
		     int64_t from, int64_t to);

/* Parses a page message "paged PERSON (ROLE, level N)...": copies the
 * person and role (each out has size n). Returns 0, or -1 when msg is
 * not a page message. */
int fair_parse_page(const char *msg, char *person, char *role, size_t n);

#endif
