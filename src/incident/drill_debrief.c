/* drill_debrief.c: from a drill incident's timeline to the debrief: the
 * acknowledge / diagnose / mitigate times, what the responders did, and
 * the pages the drill sent and suppressed (drill.h, docs/drills.md). */
#include <stdio.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "incident/drill.h"
#include "runbook/rb_exec.h"

/* Timeline kinds that are something a responder (or their runbook) did. */
static int is_action(const char *kind)
{
	static const char *const kinds[] = {"ack",	"note",	  "update",
					    "role",	"bridge", "severity",
					    "resolved", "run",	  NULL};
	for (const char *const *k = kinds; *k; k++)
		if (!strcmp(*k, kind))
			return 1;
	return 0;
}

/* A step time {at, after_ms, by, detail} or null. */
static json_t *step(int64_t at, int64_t opened, const char *by,
		    const char *detail)
{
	if (!at)
		return json_null();
	return json_pack("{s:I, s:I, s:s?, s:s?}", "at", (json_int_t)at,
			 "after_ms", (json_int_t)(at - opened), "by", by,
			 "detail", detail);
}

/* Walks the timeline: steps, actions and page counts into d. */
static void walk(const json_t *tl, int64_t opened, json_t *d)
{
	int64_t ack = 0, diag = 0, mit = 0;
	const char *ack_by = NULL, *mit_by = NULL, *mit_how = NULL;
	const json_t *diag_e = NULL;
	json_t *acts = json_array();
	int pages = 0, suppressed = 0, reminders = 0, failed = 0;
	const json_t *e;
	size_t i;

	json_array_foreach(tl, i, e)
	{
		const char *kind = jget_str(e, "kind", ""),
			   *msg = jget_str(e, "message", "");
		const json_t *data = json_object_get(e, "data");
		int64_t at = jget_int(e, "at", 0);

		pages += !strcmp(kind, "page");
		failed += !strcmp(kind, "page_failed");
		suppressed += !strcmp(kind, "suppressed");
		reminders += !strcmp(kind, "reminder");
		if (!strcmp(kind, "ack") && !ack)
			ack = at, ack_by = jget_str(e, "actor", NULL);
		if (!strcmp(kind, "run") &&
		    jget_str(json_object_get(data, "diagnosis"), "cause",
			     NULL) &&
		    !diag)
			diag = at, diag_e = e;
		if (!mit && !strcmp(kind, "run") &&
		    str_starts(msg, "remediate run") &&
		    !strcmp(jget_str(data, "status", ""),
			    rb_run_status_name(RB_RUN_SUCCEEDED)))
			mit = at, mit_by = "runbook", mit_how = msg;
		if (!mit && !strcmp(kind, "resolved") &&
		    str_starts(msg, "resolved by"))
			mit = at, mit_by = jget_str(e, "actor", NULL),
			mit_how = msg;
		if (is_action(kind))
			json_array_append_new(
			    acts,
			    json_pack("{s:I, s:I, s:s, s:s?, s:s}", "at",
				      (json_int_t)at, "after_ms",
				      (json_int_t)(at - opened), "kind", kind,
				      "actor", jget_str(e, "actor", NULL),
				      "message", msg));
	}
	json_object_set_new(
	    d, "times",
	    json_pack("{s:o, s:o, s:o}", "acknowledge",
		      step(ack, opened, ack_by, NULL), "diagnose",
		      step(diag, opened, "runbook",
			   diag_e ? jget_str(diag_e, "message", NULL) : NULL),
		      "mitigate", step(mit, opened, mit_by, mit_how)));
	json_object_set_new(d, "actions", acts);
	json_object_set_new(d, "notifications",
			    json_pack("{s:i, s:i, s:i, s:i}", "sent", pages,
				      "failed", failed, "suppressed",
				      suppressed, "reminders", reminders));
}

json_t *drill_debrief(const struct drill_scenario *sc, const json_t *inc,
		      const struct drill_clock *c)
{
	json_t *d = json_object();
	int64_t opened = jget_int(inc, "created_at", 0);

	json_object_set_new(d, "scenario", drill_scenario_json(sc));
	jset_str(d, "outcome", c->outcome);
	json_object_set_new(d, "clock",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}", "started_at",
				      (json_int_t)c->started_at, "fault_at",
				      (json_int_t)c->fault_at, "alert_at",
				      (json_int_t)c->alert_at, "ended_at",
				      (json_int_t)c->ended_at, "cleared_at",
				      (json_int_t)c->cleared_at));
	json_object_set_new(d, "fault_cleared", json_boolean(!c->clear_error));
	jset_str(d, "clear_error", c->clear_error);
	if (!inc) {
		json_object_set_new(d, "incident", json_null());
		walk(NULL, 0, d);
		return d;
	}
	json_object_set_new(
	    d, "incident",
	    json_pack("{s:I, s:I, s:s, s:s?, s:I, s:b}", "id",
		      (json_int_t)jget_int(inc, "id", 0), "severity",
		      (json_int_t)jget_int(inc, "severity", 0), "status",
		      jget_str(inc, "status", "?"), "runbook",
		      jget_str(inc, "runbook_id", NULL), "opened_at",
		      (json_int_t)opened, "drill",
		      jget_int(inc, "drill", 0) != 0));
	walk(json_object_get(inc, "timeline"), opened, d);
	return d;
}

static void md_time(struct buf *out, int64_t ms)
{
	char t[64];

	if (ms <= 0) {
		buf_puts(out, "-");
		return;
	}
	time_format(ms, t, sizeof(t));
	buf_puts(out, t);
}

/* Markdown table cells must not break the row: | and newlines. */
static void md_cell(struct buf *out, const char *s)
{
	for (; s && *s; s++)
		if (*s == '|')
			buf_puts(out, "\\|");
		else if (*s == '\n' || *s == '\r')
			buf_putc(out, ' ');
		else
			buf_putc(out, *s);
}

static void md_step(struct buf *out, const char *name, const json_t *s)
{
	char d[32];

	buf_printf(out, "| %s | ", name);
	if (!json_is_object(s)) {
		buf_puts(out, "not reached | |\n");
		return;
	}
	dur_format(jget_int(s, "after_ms", 0), d, sizeof(d));
	buf_printf(out, "%s | ", d);
	md_cell(out, jget_str(s, "by", ""));
	if (jget_str(s, "detail", NULL)) {
		buf_puts(out, ": ");
		md_cell(out, jget_str(s, "detail", ""));
	}
	buf_puts(out, " |\n");
}

static void md_head(const json_t *d, struct buf *out)
{
	const json_t *sc = json_object_get(d, "scenario"),
		     *inc = json_object_get(d, "incident"),
		     *c = json_object_get(d, "clock"), *p;
	size_t i;

	buf_printf(out, "# Drill debrief: %s\n\n", jget_str(sc, "name", "?"));
	if (jget_str(sc, "description", NULL))
		buf_printf(out, "%s\n\n", jget_str(sc, "description", ""));
	buf_printf(out, "| | |\n|---|---|\n| Scenario | %s (`%s`) |\n",
		   jget_str(sc, "name", "?"), jget_str(sc, "file", "?"));
	buf_puts(out, "| Participants | ");
	json_array_foreach(json_object_get(sc, "participants"), i, p)
	    buf_printf(out, "%s%s", i ? ", " : "", json_string_value(p));
	buf_puts(out, " |\n");
	if (json_is_object(inc))
		buf_printf(out, "| Incident | #%lld (P%lld, %s%s%s) |\n",
			   jget_int(inc, "id", 0), jget_int(inc, "severity", 0),
			   jget_str(inc, "status", "?"),
			   jget_str(inc, "runbook", NULL) ? ", runbook " : "",
			   jget_str(inc, "runbook", ""));
	else
		buf_puts(out, "| Incident | none was opened |\n");
	buf_printf(out, "| Outcome | **%s** |\n| Started | ",
		   jget_str(d, "outcome", "?"));
	md_time(out, jget_int(c, "started_at", 0));
	buf_puts(out, " |\n| Fault injected | ");
	md_time(out, jget_int(c, "fault_at", 0));
	buf_puts(out, " |\n| Fault cleared | ");
	if (jget_bool(d, "fault_cleared", 0))
		md_time(out, jget_int(c, "cleared_at", 0));
	else {
		buf_puts(out, "**NO**: ");
		md_cell(out, jget_str(d, "clear_error", "?"));
	}
	buf_puts(out, " |\n\n");
}

void drill_debrief_markdown(const json_t *d, struct buf *out)
{
	const json_t *t = json_object_get(d, "times"),
		     *n = json_object_get(d, "notifications"), *a;
	size_t i;

	md_head(d, out);
	buf_puts(out, "## Times (after the incident opened)\n\n"
		      "| step | after | by |\n|---|---|---|\n");
	md_step(out, "Acknowledge", json_object_get(t, "acknowledge"));
	md_step(out, "Diagnose", json_object_get(t, "diagnose"));
	md_step(out, "Mitigate", json_object_get(t, "mitigate"));
	buf_puts(out, "\n## What the responders did\n\n");
	if (json_array_size(json_object_get(d, "actions")) == 0)
		buf_puts(out, "Nothing was recorded on the incident.\n");
	else
		buf_puts(out, "| after | who | what |\n|---|---|---|\n");
	json_array_foreach(json_object_get(d, "actions"), i, a)
	{
		char dur[32];
		dur_format(jget_int(a, "after_ms", 0), dur, sizeof(dur));
		buf_printf(out, "| +%s | ", dur);
		md_cell(out, jget_str(a, "actor", "-"));
		buf_printf(out, " | %s: ", jget_str(a, "kind", ""));
		md_cell(out, jget_str(a, "message", ""));
		buf_puts(out, " |\n");
	}
	buf_printf(out,
		   "\n## Notifications\n\n"
		   "- sent to participants: %lld (failed: %lld)\n"
		   "- suppressed (drill, not a participant): %lld\n"
		   "- status-update reminders: %lld\n",
		   jget_int(n, "sent", 0), jget_int(n, "failed", 0),
		   jget_int(n, "suppressed", 0), jget_int(n, "reminders", 0));
}
