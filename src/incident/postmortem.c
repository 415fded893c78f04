/* postmortem.c: the postmortem's header, summary, impact, detection,
 * timeline and action items; the sections read from run records (root
 * cause, actions taken, suggested runbook changes) are in
 * postmortem_runs.c. */
#include "incident/postmortem.h"

#include <stdio.h>
#include <string.h>

#include "core/out.h"
#include "incident/md.h"
#include "incident/postmortem_int.h"
#include "store/store_practice.h"

/* Most timeline rows written before the table is cut (a flapping alert
 * can leave thousands). */
#define PM_MAX_TIMELINE 500

int64_t postmortem_int(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Time to acknowledge in ms, or -1 when never acknowledged. */
static int64_t tta(const json_t *inc)
{
	int64_t c = postmortem_int(inc, "created_at"),
		a = postmortem_int(inc, "acked_at");
	return a > 0 && c > 0 && a >= c ? a - c : -1;
}

/* Time to resolve in ms, or -1 while open. */
static int64_t ttr(const json_t *inc)
{
	int64_t c = postmortem_int(inc, "created_at"),
		r = postmortem_int(inc, "resolved_at");
	return r > 0 && c > 0 && r >= c ? r - c : -1;
}

/* Nonzero when acked_at was filled by a resolve (no "ack" entry on the
 * timeline): the store sets acked_at when resolving an unacked incident. */
static int acked_by_resolve(const json_t *inc)
{
	const json_t *e;
	size_t i;

	json_array_foreach(
	    json_object_get(inc, "timeline"), i,
	    e) if (!strcmp(jget_str(e, "kind", ""), "ack")) return 0;
	return 1;
}

static void row(struct buf *b, const char *k, const char *v)
{
	buf_printf(b, "| %s | ", k);
	md_text(b, v, 300);
	buf_puts(b, " |\n");
}

static void header(struct buf *b, const json_t *inc,
		   const struct postmortem_opts *o)
{
	const json_t *r;
	char t[40], d[40];
	size_t i;

	buf_printf(b, "# Postmortem: incident #%lld: ",
		   (long long)postmortem_int(inc, "id"));
	md_text(b, jget_str(inc, "title", "(untitled)"), 200);
	md_time(o->now, t, sizeof(t));
	buf_printf(b,
		   "\n\n> Blameless: this document is about what the "
		   "systems and the process did, not about who is to "
		   "blame. Written by mloncall from the incident's "
		   "timeline on %s UTC; fill the sections marked "
		   "_to fill_.\n\n",
		   t);
	if (jget_int(inc, "drill", 0))
		buf_puts(b, "> This incident was a **drill**: it is excluded "
			    "from the on-call metrics.\n\n");
	buf_puts(b, "| | |\n|---|---|\n");
	buf_printf(b, "| Severity | P%lld |\n", jget_int(inc, "severity", 0));
	buf_printf(b, "| Status | %s%s |\n", jget_str(inc, "status", "?"),
		   jget_int(inc, "auto_resolved", 0) ? " (auto-resolved)" : "");
	md_time(postmortem_int(inc, "created_at"), t, sizeof(t));
	buf_printf(b, "| Opened | %s UTC |\n", t);
	md_time(postmortem_int(inc, "acked_at"), t, sizeof(t));
	if (tta(inc) >= 0) {
		buf_printf(b, "| Acknowledged | %s UTC by ", t);
		md_text(b, jget_str(inc, "acked_by", "?"), 80);
		buf_puts(b, acked_by_resolve(inc) ? ", when resolving |\n"
						  : " |\n");
	}
	md_time(postmortem_int(inc, "resolved_at"), t, sizeof(t));
	if (ttr(inc) >= 0) {
		md_dur(ttr(inc), d, sizeof(d));
		buf_printf(b, "| Resolved | %s UTC by ", t);
		md_text(b, jget_str(inc, "resolved_by", "?"), 80);
		buf_puts(b, " |\n");
	}
	row(b, "Runbook", jget_str(inc, "runbook_id", "none (coverage gap)"));
	json_array_foreach(json_object_get(inc, "roles"), i, r)
	{
		buf_puts(b, "| Role: ");
		md_text(b, jget_str(r, "role", "?"), 40);
		buf_puts(b, " | ");
		md_text(b, jget_str(r, "person", "?"), 80);
		buf_puts(b, " |\n");
	}
	if (jget_str(inc, "bridge_url", NULL))
		row(b, "Bridge", jget_str(inc, "bridge_url", ""));
	buf_putc(b, '\n');
}

/* The matched diagnosis of the last run that has one, or NULL. */
const json_t *postmortem_diagnosis(const json_t *runs)
{
	const json_t *found = NULL, *r;
	size_t i;

	json_array_foreach(runs, i, r)
	{
		const json_t *d =
		    json_object_get(json_object_get(r, "record"), "diagnosis");
		if (jget_bool(d, "matched", 0) && jget_str(d, "cause", NULL))
			found = d;
	}
	return found;
}

static void alert_names(struct buf *b, const json_t *inc)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(inc, "alerts"), i, a)
	{
		if (i >= 5) {
			buf_printf(
			    b, " and %zu more",
			    json_array_size(json_object_get(inc, "alerts")) -
				5);
			break;
		}
		buf_puts(b, i ? ", " : "");
		md_code(b, jget_str(a, "alertname", "?"), 100);
	}
}

static void summary(struct buf *b, const json_t *inc, const json_t *runs)
{
	const json_t *d = postmortem_diagnosis(runs);
	size_t n = json_array_size(json_object_get(inc, "alerts"));
	char t[40], d1[40];

	md_time(postmortem_int(inc, "created_at"), t, sizeof(t));
	buf_printf(b,
		   "## Summary\n\nA P%lld incident opened at %s UTC from "
		   "%zu alert%s (",
		   jget_int(inc, "severity", 0), t, n, n == 1 ? "" : "s");
	alert_names(b, inc);
	buf_puts(b, ")");
	if (tta(inc) >= 0) {
		md_dur(tta(inc), d1, sizeof(d1));
		buf_printf(b, "; it was acknowledged after %s", d1);
	} else {
		buf_puts(b, "; it was never acknowledged");
	}
	if (ttr(inc) >= 0) {
		md_dur(ttr(inc), d1, sizeof(d1));
		buf_printf(b, " and %s after %s",
			   jget_int(inc, "auto_resolved", 0) ? "auto-resolved"
							     : "resolved",
			   d1);
	} else {
		buf_puts(b, " and is still open");
	}
	buf_puts(b, ".");
	if (d) {
		buf_puts(b, " The runbook's diagnosis found cause ");
		md_code(b, jget_str(d, "cause", "?"), 100);
		if (jget_str(d, "remedy", NULL)) {
			buf_puts(b, " (remedy ");
			md_code(b, jget_str(d, "remedy", ""), 100);
			buf_puts(b, ")");
		}
		buf_puts(b, ".");
	}
	buf_puts(b, "\n\n_To fill: one or two sentences on what happened, "
		    "for someone who was not there._\n\n");
}

static void alert_text(struct buf *b, const json_t *a)
{
	const json_t *ann = json_object_get(a, "annotations");
	const char *summ = jget_str(ann, "summary", NULL),
		   *desc = jget_str(ann, "description", NULL);

	buf_puts(b, "  - ");
	md_code(b, jget_str(a, "alertname", "?"), 100);
	buf_printf(b, " (fired %lld time%s, %s)", jget_int(a, "count", 1),
		   jget_int(a, "count", 1) == 1 ? "" : "s",
		   jget_str(a, "status", "?"));
	if (summ) {
		buf_puts(b, ": ");
		md_text(b, summ, 400);
	}
	if (desc && (!summ || strcmp(desc, summ))) {
		buf_puts(b, summ ? "; " : ": ");
		md_text(b, desc, 600);
	}
	buf_putc(b, '\n');
}

static void impact(struct buf *b, const json_t *inc,
		   const struct postmortem_opts *o)
{
	int sev = (int)jget_int(inc, "severity", 0);
	char d[40], sla[40], t1[40], t2[40];
	const json_t *a;
	size_t i;

	md_dur(sev >= 1 && sev <= 4 ? o->sla_ms[sev] : -1, sla, sizeof(sla));
	buf_puts(b, "## Impact\n\n");
	md_time(postmortem_int(inc, "created_at"), t1, sizeof(t1));
	md_time(postmortem_int(inc, "resolved_at"), t2, sizeof(t2));
	if (ttr(inc) >= 0) {
		md_dur(ttr(inc), d, sizeof(d));
		buf_printf(b, "- **Duration:** %s, from %s to %s UTC\n", d, t1,
			   t2);
		buf_printf(b, "- **Time to resolve (MTTR):** %s\n", d);
	} else {
		md_dur(o->now - postmortem_int(inc, "created_at"), d,
		       sizeof(d));
		buf_printf(b,
			   "- **Duration:** still open after %s (since %s "
			   "UTC)\n",
			   d, t1);
		buf_puts(b, "- **Time to resolve (MTTR):** not resolved yet\n");
	}
	buf_printf(b, "- **Severity:** P%d (to be acknowledged within %s)\n",
		   sev, sla);
	buf_puts(b, "- **What users saw** (the alerts' summaries):\n");
	json_array_foreach(json_object_get(inc, "alerts"), i, a)
	{
		if (i >= 20) {
			buf_puts(b, "  - ... more alerts in the timeline\n");
			break;
		}
		alert_text(b, a);
	}
	if (!json_array_size(json_object_get(inc, "alerts")))
		buf_puts(b, "  - no alert is recorded\n");
	buf_puts(b, "- _To fill: who was affected and how many (users, "
		    "requests, jobs), error budget spent._\n\n");
}

/* "paged alice (primary, level 1) via slack: delivered" entries. */
static void pages(struct buf *b, const json_t *inc)
{
	const json_t *e;
	size_t i, n = 0;
	char t[40];

	json_array_foreach(json_object_get(inc, "timeline"), i, e)
	{
		const char *k = jget_str(e, "kind", "");
		if (strcmp(k, "page") && strcmp(k, "page_failed"))
			continue;
		if (n++ == 0)
			buf_puts(b, "- **Pages:**\n");
		if (n > 20)
			continue;
		md_time(postmortem_int(e, "at"), t, sizeof(t));
		buf_printf(b, "  - %s%s ", t,
			   strcmp(k, "page") ? " FAILED" : "");
		md_text(b, jget_str(e, "message", ""), 300);
		buf_putc(b, '\n');
	}
	if (n > 20)
		buf_printf(b, "  - ... %zu pages in all\n", n);
	if (!n)
		buf_puts(b, "- **Pages:** none were sent\n");
}

static void detection(struct buf *b, const json_t *inc,
		      const struct postmortem_opts *o)
{
	const json_t *a = json_array_get(json_object_get(inc, "alerts"), 0);
	int sev = (int)jget_int(inc, "severity", 0);
	int64_t sla = sev >= 1 && sev <= 4 ? o->sla_ms[sev] : 0, ack = tta(inc);
	char d[40], s[40], t[40];

	buf_puts(b, "## Detection\n\n- **How:** ");
	if (a) {
		buf_puts(b, "alert ");
		md_code(b, jget_str(a, "alertname", "?"), 100);
		buf_puts(b, " from ");
		md_text(b, jget_str(inc, "source", "an unknown source"), 60);
		md_time(postmortem_int(a, "first_seen"), t, sizeof(t));
		buf_printf(b, ", received at %s UTC", t);
		if (postmortem_int(a, "starts_at") > 0 &&
		    postmortem_int(a, "first_seen") >=
			postmortem_int(a, "starts_at")) {
			md_dur(postmortem_int(a, "first_seen") -
				   postmortem_int(a, "starts_at"),
			       d, sizeof(d));
			buf_printf(b, " (%s after the alert's condition began)",
				   d);
		}
		if (jget_str(a, "generator_url", NULL)) {
			buf_puts(b, " (source: ");
			md_code(b, jget_str(a, "generator_url", ""), 300);
			buf_puts(b, ")");
		}
	} else {
		md_text(b, jget_str(inc, "source", "unknown"), 60);
	}
	buf_puts(b, jget_str(inc, "runbook_id", NULL)
			? "; routed to runbook "
			: "; no runbook matched it (coverage gap)");
	md_code(b, jget_str(inc, "runbook_id", NULL), 100);
	md_dur(sla, s, sizeof(s));
	if (ack >= 0 && !acked_by_resolve(inc)) {
		md_dur(ack, d, sizeof(d));
		buf_printf(b, ".\n- **Time to acknowledge (MTTA):** %s by ", d);
		md_text(b, jget_str(inc, "acked_by", "?"), 80);
		buf_printf(b, " (P%d target %s: %s)\n", sev, s,
			   ack <= sla ? "met" : "**missed**");
	} else if (ack >= 0) {
		md_dur(ack, d, sizeof(d));
		buf_printf(b,
			   ".\n- **Time to acknowledge (MTTA):** %s, by "
			   "resolving it (P%d target %s: %s)\n",
			   d, sev, s, ack <= sla ? "met" : "**missed**");
	} else {
		buf_printf(b,
			   ".\n- **Time to acknowledge (MTTA):** never "
			   "acknowledged (P%d target %s)\n",
			   sev, s);
	}
	pages(b, inc);
	buf_puts(b, "- _To fill: could we have detected it earlier, or "
		    "before users did?_\n\n");
}

static void timeline(struct buf *b, const json_t *inc)
{
	const json_t *tl = json_object_get(inc, "timeline"), *e;
	size_t i, n_upd = 0;
	char t[40];

	buf_puts(b, "## Timeline\n\nAll times UTC.\n\n"
		    "| Time | Event | Who | What |\n|---|---|---|---|\n");
	json_array_foreach(tl, i, e)
	{
		if (i >= PM_MAX_TIMELINE)
			break;
		md_time(postmortem_int(e, "at"), t, sizeof(t));
		buf_printf(b, "| %s | ", t);
		md_text(b, jget_str(e, "kind", "?"), 40);
		buf_puts(b, " | ");
		md_text(b, jget_str(e, "actor", "-"), 80);
		buf_puts(b, " | ");
		md_text(b, jget_str(e, "message", ""), 400);
		if (jget_str(json_object_get(e, "data"), "runbook", NULL)) {
			buf_putc(b, ' ');
			md_code(
			    b,
			    jget_str(json_object_get(e, "data"), "runbook", ""),
			    100);
		}
		buf_puts(b, " |\n");
	}
	if (json_array_size(tl) > PM_MAX_TIMELINE)
		buf_printf(b,
			   "\n%zu more entries: `mloncall incident show "
			   "%lld`.\n",
			   json_array_size(tl) - PM_MAX_TIMELINE,
			   (long long)postmortem_int(inc, "id"));
	buf_puts(b, "\n### Status updates\n\n");
	json_array_foreach(tl, i, e)
	{
		if (strcmp(jget_str(e, "kind", ""), "update"))
			continue;
		n_upd++;
		md_time(postmortem_int(e, "at"), t, sizeof(t));
		buf_printf(b, "> **%s UTC, ", t);
		md_text(b, jget_str(e, "actor", "?"), 80);
		buf_puts(b, ":** ");
		md_text(b, jget_str(e, "message", ""), 2000);
		buf_puts(b, "\n\n");
	}
	if (!n_upd)
		buf_puts(b, "No status updates were posted.\n\n");
}

static void fill(struct buf *b, const char *title, const char *hint)
{
	buf_printf(b, "## %s\n\n_To fill: %s_\n\n", title, hint);
}

static void action_items(struct buf *b, const json_t *inc,
			 const json_t *actions, const struct postmortem_opts *o)
{
	const json_t *a;
	char due[40];
	size_t i;

	buf_puts(b, "## Action items\n\n");
	if (!json_array_size(actions)) {
		buf_printf(b,
			   "None yet. Add them with `mloncall action add "
			   "%lld \"what\" --owner NAME --due YYYY-MM-DD`.\n\n",
			   (long long)postmortem_int(inc, "id"));
		return;
	}
	buf_puts(b, "| # | Action | Owner | Due | Status |\n"
		    "|---|---|---|---|---|\n");
	json_array_foreach(actions, i, a)
	{
		int64_t d = postmortem_int(a, "due_at");
		int done = !strcmp(jget_str(a, "status", ""), "done");
		md_time(d, due, sizeof(due));
		due[10] = '\0';
		buf_printf(b, "| %lld | ", (long long)postmortem_int(a, "id"));
		md_text(b, jget_str(a, "text", ""), 500);
		buf_puts(b, " | ");
		if (jget_str(a, "owner", NULL))
			md_text(b, jget_str(a, "owner", ""), 80);
		else
			buf_puts(b, "**unowned**");
		buf_printf(b, " | %s | %s |\n", d ? due : "-",
			   done		     ? "done"
			   : d && d < o->now ? "**overdue**"
					     : "open");
	}
	buf_putc(b, '\n');
}

void postmortem_render(const json_t *inc, const json_t *runs,
		       const json_t *actions, const struct postmortem_opts *o,
		       struct buf *out)
{
	header(out, inc, o);
	summary(out, inc, runs);
	impact(out, inc, o);
	detection(out, inc, o);
	timeline(out, inc);
	postmortem_root_cause(out, inc, runs);
	postmortem_actions_taken(out, runs);
	fill(out, "What went well",
	     "what helped: alerts, runbook steps, "
	     "tools, people's knowledge.");
	fill(out, "What went badly",
	     "what slowed the response or made it "
	     "worse; no names, only systems and "
	     "process.");
	fill(out, "Where we got lucky",
	     "what could have made this much "
	     "worse and did not happen.");
	action_items(out, inc, actions, o);
	postmortem_suggestions(out, inc, runs);
}

int postmortem_write(struct store *s, int64_t id,
		     const struct postmortem_opts *o, struct buf *out,
		     struct ml_err *err)
{
	struct store_action_filter f = {.incident_id = id, .include_drills = 1};
	json_t *inc = NULL, *runs = NULL, *actions = NULL;
	int rc;

	if ((rc = store_incident_get(s, id, &inc, err)) == 0 &&
	    (rc = store_run_list(s, id, NULL, &runs, err)) == 0 &&
	    (rc = store_action_list(s, &f, &actions, err)) == 0)
		postmortem_render(inc, runs, actions, o, out);
	json_decref(inc);
	json_decref(runs);
	json_decref(actions);
	return rc;
}
