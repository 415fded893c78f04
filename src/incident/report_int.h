/* report_int.h: shared by the files of the report (report.c builds the
 * window, response and weeks; report_sections.c the other sections). */
#ifndef ML_REPORT_INT_H
#define ML_REPORT_INT_H

#include "incident/report.h"

/* Sets o[k] to round(v) ms, or null when v < 0. */
void report_set_ms(json_t *o, const char *k, double v);

/* Sets o[k] = ms and o[k "_date"] = "YYYY-MM-DD" (UTC). */
void report_set_time(json_t *o, const char *k, int64_t ms);

/* Sections added to the report r; each returns 0 or a store error. */
int report_pages(struct store *s, const struct report_opts *o, json_t *r,
		 struct ml_err *err);
int report_alerts(struct store *s, const struct report_opts *o, json_t *r,
		  struct ml_err *err);
int report_actions(struct store *s, const struct report_opts *o, json_t *r,
		   struct ml_err *err);
/* Runbooks past their review date (never fails: files that do not load
 * are listed under "errors"). */
void report_runbooks(const struct report_opts *o, json_t *r);

/* HTML: appends s with & < > " ' escaped and control characters as
 * spaces (NULL appends nothing); the tables of the page (pages, alerts,
 * runbooks, action items), in report_html_tables.c. */
void report_html_esc(struct buf *b, const char *s);
void report_html_tables(const json_t *r, struct buf *b);

#endif
