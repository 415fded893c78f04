/* report_text.c: the report as plain text for a terminal. Reads only the
 * JSON document of report_build, so text and JSON never disagree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "incident/md.h"
#include "incident/report.h"

/* A duration field (ms, or null) as people read it. */
static const char *ms_text(const json_t *o, const char *k, char *out, size_t n)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		snprintf(out, n, "-");
	else
		md_dur(json_integer_value(v), out, n);
	return out;
}

static void response(const json_t *r, struct buf *b)
{
	const json_t *row;
	size_t i;
	char a[32], c[32], d[32], e[32], s[32];

	buf_printf(b,
		   "Response (time to acknowledge / to resolve)\n"
		   "  %-4s %9s %6s %9s %9s %9s %9s %7s %s\n",
		   "SEV", "INCIDENTS", "OPEN", "MTTA p50", "MTTA p90",
		   "MTTR p50", "MTTR p90", "SLA", "BREACHES");
	json_array_foreach(json_object_get(r, "response"), i, row)
	{
		double pct = jget_num(row, "sla_breach_pct", NAN);
		buf_printf(b, "  %-4s %9lld %6lld %9s %9s %9s %9s %7s %lld",
			   jget_str(row, "severity", "?"),
			   jget_int(row, "incidents", 0),
			   jget_int(row, "open", 0),
			   ms_text(row, "mtta_median_ms", a, sizeof(a)),
			   ms_text(row, "mtta_p90_ms", c, sizeof(c)),
			   ms_text(row, "mttr_median_ms", d, sizeof(d)),
			   ms_text(row, "mttr_p90_ms", e, sizeof(e)),
			   ms_text(row, "sla_ms", s, sizeof(s)),
			   jget_int(row, "sla_breaches", 0));
		if (!isnan(pct))
			buf_printf(b, " (%.1f%%)", pct);
		buf_putc(b, '\n');
	}
}

static void breaches(const json_t *r, struct buf *b)
{
	const json_t *sb = json_object_get(r, "sla_breaches"), *e;
	size_t i;
	char d[32];

	if (!json_array_size(json_object_get(sb, "worst")))
		return;
	buf_puts(b, "  Worst SLA breaches:");
	json_array_foreach(json_object_get(sb, "worst"), i, e) buf_printf(
	    b, " #%lld %s +%s%s", jget_int(e, "incident", 0),
	    jget_str(e, "severity", "?"), ms_text(e, "late_ms", d, sizeof(d)),
	    jget_bool(e, "acknowledged", 0) ? "" : " (no ack)");
	buf_putc(b, '\n');
}

static void weeks(const json_t *r, struct buf *b)
{
	const json_t *w, *sev;
	size_t i;
	char a[32], c[32];

	buf_printf(b,
		   "\nIncidents per week (weeks start Monday, UTC)\n"
		   "  %-11s %5s %4s %4s %4s %4s %9s %9s\n",
		   "WEEK", "ALL", "P1", "P2", "P3", "P4", "MTTA p50",
		   "MTTR p50");
	json_array_foreach(json_object_get(r, "weeks"), i, w)
	{
		sev = json_object_get(w, "by_severity");
		buf_printf(b,
			   "  %-10s%s %5lld %4lld %4lld %4lld %4lld %9s %9s\n",
			   jget_str(w, "start_date", "?"),
			   jget_bool(w, "partial", 0) ? "*" : " ",
			   jget_int(w, "incidents", 0), jget_int(sev, "P1", 0),
			   jget_int(sev, "P2", 0), jget_int(sev, "P3", 0),
			   jget_int(sev, "P4", 0),
			   ms_text(w, "mtta_median_ms", a, sizeof(a)),
			   ms_text(w, "mttr_median_ms", c, sizeof(c)));
	}
	buf_puts(b, "  (* the window covers only part of the week)\n");
}

static void pages(const json_t *r, struct buf *b)
{
	const json_t *p = json_object_get(r, "pages"), *row, *w;
	size_t i, k;

	buf_printf(b,
		   "\nPages per person per week (healthy 1-2, warning 3-9, "
		   "unhealthy >= 10): %lld pages\n",
		   jget_int(p, "total", 0));
	json_array_foreach(json_object_get(p, "people"), i, row)
	{
		buf_printf(
		    b,
		    "  %-16s %4lld pages, worst week %lld (%s), mean "
		    "%.2f/week:",
		    jget_str(row, "person", "?"), jget_int(row, "pages", 0),
		    jget_int(row, "max_week", 0), jget_str(row, "band", "?"),
		    jget_num(row, "mean_per_week", 0));
		json_array_foreach(json_object_get(row, "weeks"), k, w)
		    buf_printf(b, " %lld", jget_int(w, "pages", 0));
		buf_putc(b, '\n');
	}
	if (!json_array_size(json_object_get(p, "people")))
		buf_puts(b, "  (no pages)\n");
}

static void alerts(const json_t *r, struct buf *b)
{
	const json_t *a;
	size_t i;

	buf_puts(b, "\nNoisy alerts (fired often, closed on their own with no "
		    "ack or note: retune or delete)\n");
	json_array_foreach(json_object_get(r, "noisy_alerts"), i, a)
	    buf_printf(b,
		       "  %-32s fired %lld times, %lld of %lld incidents "
		       "with no action (%.1f%%)\n",
		       jget_str(a, "alertname", "?"), jget_int(a, "fired", 0),
		       jget_int(a, "no_action", 0), jget_int(a, "incidents", 0),
		       jget_num(a, "no_action_pct", 0));
	if (!json_array_size(json_object_get(r, "noisy_alerts")))
		buf_puts(b, "  (none)\n");
	buf_puts(b, "\nAlerts with no runbook (coverage gaps)\n");
	json_array_foreach(json_object_get(r, "no_runbook"), i, a) buf_printf(
	    b, "  %-32s %lld incident%s\n", jget_str(a, "alertname", "?"),
	    jget_int(a, "incidents", 0),
	    jget_int(a, "incidents", 0) == 1 ? "" : "s");
	if (!json_array_size(json_object_get(r, "no_runbook")))
		buf_puts(b, "  (none)\n");
}

static void runbooks(const json_t *r, struct buf *b)
{
	const json_t *rb = json_object_get(r, "runbooks"), *e;
	size_t i;

	buf_puts(b, "\nRunbooks past their review date\n");
	if (!json_is_object(rb)) {
		buf_puts(b, "  (not checked: pass --runbooks DIR)\n");
		return;
	}
	json_array_foreach(json_object_get(rb, "past_review"), i, e)
	{
		if (!strcmp(jget_str(e, "status", ""), "never"))
			buf_printf(b, "  %-24s never reviewed (%s)\n",
				   jget_str(e, "id", "?"),
				   jget_str(e, "file", ""));
		else
			buf_printf(b,
				   "  %-24s reviewed %s, %lld days overdue "
				   "(%s)\n",
				   jget_str(e, "id", "?"),
				   jget_str(e, "reviewed_date", "?"),
				   jget_int(e, "days_overdue", 0),
				   jget_str(e, "file", ""));
	}
	json_array_foreach(json_object_get(rb, "due_soon"), i, e) buf_printf(
	    b, "  %-24s due in %lld days (%s)\n", jget_str(e, "id", "?"),
	    jget_int(e, "days_left", 0), jget_str(e, "file", ""));
	json_array_foreach(json_object_get(rb, "errors"), i, e)
	    buf_printf(b, "  could not load: %s\n", jget_str(e, "error", "?"));
	buf_printf(b, "  %lld runbooks checked in %s\n",
		   jget_int(rb, "checked", 0), jget_str(rb, "dir", "?"));
}

static void actions(const json_t *r, struct buf *b)
{
	const json_t *a = json_object_get(r, "action_items"), *e;
	double pct = jget_num(a, "pct", NAN);
	size_t i;

	buf_printf(b, "\nAction items (target: %lld%% done within %lld days)\n",
		   jget_int(a, "target_pct", 0), jget_int(a, "days", 0));
	if (isnan(pct))
		buf_puts(b,
			 "  no item reached its 30-day mark in the window\n");
	else
		buf_printf(b,
			   "  %lld of %lld done within %lld days: %.1f%% "
			   "(%s)\n",
			   jget_int(a, "done_within", 0),
			   jget_int(a, "cohort", 0), jget_int(a, "days", 0),
			   pct,
			   jget_bool(a, "target_met", 0) ? "target met"
							 : "below target");
	buf_printf(b, "  %lld open (%lld without owner), %zu overdue\n",
		   jget_int(a, "open", 0), jget_int(a, "unowned_open", 0),
		   json_array_size(json_object_get(a, "overdue")));
	json_array_foreach(json_object_get(a, "overdue"), i, e) buf_printf(
	    b,
	    "  #%-4lld incident #%lld, %s, due %s (%lld days "
	    "ago): %s\n",
	    jget_int(e, "id", 0), jget_int(e, "incident_id", 0),
	    jget_str(e, "owner", "no owner"), jget_str(e, "due_at_date", "?"),
	    jget_int(e, "days_overdue", 0), jget_str(e, "text", ""));
}

/* Replaces control characters (newlines, escapes) in every string of j
 * with spaces: alert names, people and item texts come from outside and
 * must not move the cursor or recolour a terminal. */
static void clean(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		char *t = strdup(json_string_value(j));
		for (char *p = t; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		json_string_set(j, t);
		free(t);
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v) clean(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) clean(v);
	}
}

void report_text(const json_t *report, struct buf *b)
{
	json_t *r = json_deep_copy(report);
	const json_t *w = json_object_get(r, "window");

	clean(r);

	buf_printf(b, "On-call report %s .. %s (%g days, drills excluded)\n\n",
		   jget_str(w, "since_date", "?"),
		   jget_str(w, "until_date", "?"), jget_num(w, "days", 0));
	response(r, b);
	breaches(r, b);
	weeks(r, b);
	pages(r, b);
	alerts(r, b);
	runbooks(r, b);
	actions(r, b);
	json_decref(r);
}
