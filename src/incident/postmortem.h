/* postmortem.h: a blameless postmortem in Markdown, written from an
 * incident's timeline, its runbook run records and its action items.
 * Sections and their sources are described in docs/postmortem.md. */
#ifndef ML_POSTMORTEM_H
#define ML_POSTMORTEM_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

struct postmortem_opts {
	int64_t now;	       /* "written at", and what is overdue */
	const int64_t *sla_ms; /* [1..4]: time to acknowledge per severity */
};

/* Renders the postmortem of inc (the object store_incident_get gives:
 * alerts, roles, timeline), runs (store_run_list: each with its
 * "record", which may be null) and actions (store_action_list), appending
 * Markdown to out. Never fails: missing or malformed fields render as
 * "unknown"; text from alerts and commands is escaped so it cannot break
 * the Markdown (tables, HTML) and long text is cut. runs and actions may
 * be NULL (none). */
void postmortem_render(const json_t *inc, const json_t *runs,
		       const json_t *actions, const struct postmortem_opts *o,
		       struct buf *out);

/* Reads incident id, its runs and action items from the store and renders
 * them with postmortem_render. Returns 0, ML_ENOTFOUND when there is no such
 * incident, or a store error. */
int postmortem_write(struct store *s, int64_t id,
		     const struct postmortem_opts *o, struct buf *out,
		     struct ml_err *err);

#endif
