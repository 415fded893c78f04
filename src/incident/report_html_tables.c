/* report_html_tables.c: the tables of the HTML report: pages per person
 * per week (cells coloured by band), noisy alerts, alerts without
 * runbook, runbooks past review, action items. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/out.h"
#include "incident/report_int.h"

#define esc report_html_esc

static void pages(const json_t *r, struct buf *b)
{
	const json_t *p = json_object_get(r, "pages"), *row, *w;
	const json_t *weeks = json_object_get(r, "weeks");
	size_t i, k;

	buf_printf(b,
		   "<h2>Pages per person per week</h2>\n<p>%lld pages. "
		   "Bands: 1-2 healthy, 3-9 warning, 10 or more "
		   "unhealthy.</p>\n<table><tr><th class=\"l\">Person</th>",
		   jget_int(p, "total", 0));
	json_array_foreach(weeks, i, w)
	{
		buf_puts(b, "<th>");
		esc(b, jget_str(w, "start_date", ""));
		buf_puts(b, "</th>");
	}
	buf_puts(b, "<th>Total</th><th class=\"l\">Band</th></tr>\n");
	json_array_foreach(json_object_get(p, "people"), i, row)
	{
		buf_puts(b, "<tr><td class=\"l\">");
		esc(b, jget_str(row, "person", "?"));
		buf_puts(b, "</td>");
		json_array_foreach(json_object_get(row, "weeks"), k, w)
		{
			buf_puts(b, "<td class=\"");
			esc(b, jget_str(w, "band", "none"));
			buf_printf(b, "\">%lld</td>", jget_int(w, "pages", 0));
		}
		buf_printf(b, "<td>%lld</td><td class=\"l ",
			   jget_int(row, "pages", 0));
		esc(b, jget_str(row, "band", "none"));
		buf_puts(b, "\">");
		esc(b, jget_str(row, "band", "none"));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static void alerts(const json_t *r, struct buf *b)
{
	const json_t *a;
	size_t i;

	buf_puts(b, "<h2>Noisy alerts</h2>\n<p>Fired often and closed on "
		    "their own with no ack and no note: candidates to retune "
		    "or delete.</p>\n<table><tr><th class=\"l\">Alert</th>"
		    "<th>Fired</th><th>Incidents</th><th>No action</th>"
		    "</tr>\n");
	json_array_foreach(json_object_get(r, "noisy_alerts"), i, a)
	{
		buf_puts(b, "<tr><td class=\"l\">");
		esc(b, jget_str(a, "alertname", "?"));
		buf_printf(b,
			   "</td><td>%lld</td><td>%lld</td><td>%lld "
			   "(%.1f%%)</td></tr>\n",
			   jget_int(a, "fired", 0), jget_int(a, "incidents", 0),
			   jget_int(a, "no_action", 0),
			   jget_num(a, "no_action_pct", 0));
	}
	buf_puts(b, "</table>\n<h2>Alerts with no runbook</h2>\n<table><tr>"
		    "<th class=\"l\">Alert</th><th>Incidents</th></tr>\n");
	json_array_foreach(json_object_get(r, "no_runbook"), i, a)
	{
		buf_puts(b, "<tr><td class=\"l\">");
		esc(b, jget_str(a, "alertname", "?"));
		buf_printf(b, "</td><td>%lld</td></tr>\n",
			   jget_int(a, "incidents", 0));
	}
	buf_puts(b, "</table>\n");
}

static void runbooks(const json_t *r, struct buf *b)
{
	const json_t *rb = json_object_get(r, "runbooks"), *e;
	size_t i;

	buf_puts(b, "<h2>Runbooks past their review date</h2>\n");
	if (!json_is_object(rb)) {
		buf_puts(b, "<p>Not checked (pass --runbooks DIR).</p>\n");
		return;
	}
	buf_printf(b,
		   "<p>%lld runbooks checked.</p>\n<table><tr><th "
		   "class=\"l\">Runbook</th><th class=\"l\">Status</th>"
		   "<th>Reviewed</th><th>Days overdue</th><th "
		   "class=\"l\">File</th></tr>\n",
		   jget_int(rb, "checked", 0));
	json_array_foreach(json_object_get(rb, "past_review"), i, e)
	{
		buf_puts(b, "<tr><td class=\"l\">");
		esc(b, jget_str(e, "id", "?"));
		buf_puts(b, "</td><td class=\"l\">");
		esc(b, jget_str(e, "status", "?"));
		buf_puts(b, "</td><td>");
		esc(b, jget_str(e, "reviewed_date", "never"));
		buf_printf(b, "</td><td>%lld</td><td class=\"l\">",
			   jget_int(e, "days_overdue", 0));
		esc(b, jget_str(e, "file", ""));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
	json_array_foreach(json_object_get(rb, "errors"), i, e)
	{
		buf_puts(b, "<p class=\"bad\">Could not load: ");
		esc(b, jget_str(e, "error", "?"));
		buf_puts(b, "</p>\n");
	}
}

static void actions(const json_t *r, struct buf *b)
{
	const json_t *a = json_object_get(r, "action_items"), *e;
	double pct = jget_num(a, "pct", NAN);
	size_t i;

	buf_printf(b,
		   "<h2>Action items</h2>\n<p>Target: %lld%% done within "
		   "%lld days. ",
		   jget_int(a, "target_pct", 0), jget_int(a, "days", 0));
	if (isnan(pct))
		buf_puts(b, "No item reached its 30-day mark in the window.");
	else
		buf_printf(b,
			   "<span class=\"%s\">%lld of %lld (%.1f%%)</span> "
			   "were done in time.",
			   jget_bool(a, "target_met", 0) ? "" : "bad",
			   jget_int(a, "done_within", 0),
			   jget_int(a, "cohort", 0), pct);
	buf_printf(b,
		   " %lld open, %lld without owner.</p>\n<table><tr><th>#"
		   "</th><th>Incident</th><th class=\"l\">Owner</th><th>Due"
		   "</th><th>Days overdue</th><th class=\"l\">Action</th>"
		   "</tr>\n",
		   jget_int(a, "open", 0), jget_int(a, "unowned_open", 0));
	json_array_foreach(json_object_get(a, "overdue"), i, e)
	{
		buf_printf(b, "<tr><td>%lld</td><td>%lld</td><td class=\"l\">",
			   jget_int(e, "id", 0), jget_int(e, "incident_id", 0));
		esc(b, jget_str(e, "owner", "(none)"));
		buf_puts(b, "</td><td>");
		esc(b, jget_str(e, "due_at_date", "?"));
		buf_printf(b,
			   "</td><td class=\"bad\">%lld</td><td class=\"l\">",
			   jget_int(e, "days_overdue", 0));
		esc(b, jget_str(e, "text", ""));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

void report_html_tables(const json_t *r, struct buf *b)
{
	pages(r, b);
	alerts(r, b);
	runbooks(r, b);
	actions(r, b);
}
