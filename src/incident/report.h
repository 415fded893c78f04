/* report.h: `mloncall report`: the on-call practice measured from the
 * store over a window: MTTA/MTTR per severity (median, p90), SLA
 * breaches, incidents per week, pages per person per week with bands,
 * noisy alerts, alerts without runbook, runbooks past review, action
 * item velocity and overdue items. Drills are excluded. The JSON schema
 * is in docs/report.md; text and HTML are views of that JSON. */
#ifndef ML_REPORT_H
#define ML_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* Page bands per person per week: 1-2 healthy, 3-9 warning, >= 10
 * unhealthy (0: none). */
#define REPORT_WARN_PAGES 3
#define REPORT_UNHEALTHY_PAGES 10
/* An alert is noisy when it fired at least noisy_min times in the window
 * and at least this share of its incidents closed on their own, with no
 * ack and no note. */
#define REPORT_NOISY_SHARE 0.5
/* Postmortem velocity: items done within this many days... */
#define REPORT_ACTION_DAYS 30
/* ...for at least this share of them (percent). */
#define REPORT_ACTION_TARGET_PCT 80

struct report_opts {
	int64_t now;		  /* end of the window (exclusive) */
	int64_t since_ms;	  /* window length: [now - since_ms, now) */
	const int64_t *sla_ms;	  /* [1..4]: time to acknowledge */
	const char *runbooks_dir; /* NULL: review dates not checked */
	int noisy_min;		  /* 0: 5 */
};

/* Builds the report (new reference in *out). Fails only on store errors;
 * runbook files that do not load are listed in the report, not fatal. */
int report_build(struct store *s, const struct report_opts *o, json_t **out,
		 struct ml_err *err);

/* The q-quantile (0..1) of v[0..n) by linear interpolation between the
 * closest ranks (numpy's default, "type 7"): sorts v in place. n == 0
 * gives -1. */
double report_quantile(double *v, size_t n, double q);

/* Monday 00:00 UTC of the week holding ms. */
int64_t report_week_start(int64_t ms);

/* The band name of a person's pages in one week: "none", "healthy",
 * "warning" or "unhealthy". */
const char *report_band(long long pages);

/* The person a page timeline message names ("paged alice (primary,
 * level 1) via slack: delivered" -> "alice"), malloc'ed, or NULL when the
 * message is not a page to a person. */
char *report_page_person(const char *message);

/* Views of a report_build document. */
void report_text(const json_t *r, struct buf *out);
void report_html(const json_t *r, struct buf *out);

#endif
