/* postmortem_int.h: shared by postmortem.c and postmortem_runs.c. */
#ifndef ML_POSTMORTEM_INT_H
#define ML_POSTMORTEM_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"

/* Integer field k of o, 0 when absent or not an integer. */
int64_t postmortem_int(const json_t *o, const char *k);

/* The matched diagnosis of the last run that has one, or NULL. */
const json_t *postmortem_diagnosis(const json_t *runs);

/* The sections built from run records: root cause (diagnosis and probe
 * facts), actions taken (steps with results) and suggested runbook
 * changes (failed steps, no case matched, coverage gap). */
void postmortem_root_cause(struct buf *b, const json_t *inc,
			   const json_t *runs);
void postmortem_actions_taken(struct buf *b, const json_t *runs);
void postmortem_suggestions(struct buf *b, const json_t *inc,
			    const json_t *runs);

#endif
