/* postmortem_runs.c: the postmortem sections read from runbook run
 * records (docs/run-record.md): root cause, actions taken and the
 * runbook changes the run suggests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "incident/md.h"
#include "incident/postmortem_int.h"
#include "runbook/rb_exec.h"

/* Most steps listed per run. */
#define PM_MAX_STEPS 100

static const json_t *record_of(const json_t *run)
{
	const json_t *r = json_object_get(run, "record");
	return json_is_object(r) ? r : NULL;
}

/* "run #3 of `id` (mode, status)", capitalised for a heading. */
static void run_title_cap(struct buf *b, const json_t *run, int cap)
{
	buf_printf(b, "%cun #%lld of ", cap ? 'R' : 'r',
		   (long long)postmortem_int(run, "id"));
	md_code(b, jget_str(run, "runbook_id", "?"), 100);
	buf_printf(b, " (%s, ", jget_str(run, "mode", "?"));
	md_text(b, jget_str(run, "status", "?"), 40);
	buf_puts(b, ")");
}

static void run_title(struct buf *b, const json_t *run)
{
	run_title_cap(b, run, 0);
}

/* A JSON value as short text (strings unquoted). */
static void value_text(struct buf *b, const json_t *v)
{
	char *t;

	if (json_is_string(v)) {
		md_code(b, json_string_value(v), 200);
		return;
	}
	t = out_json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	md_code(b, t ? t : "null", 200);
	free(t);
}

static void facts(struct buf *b, const json_t *rec)
{
	const char *name;
	const json_t *f, *r;
	size_t i;

	json_object_foreach((json_t *)json_object_get(rec, "facts"), name, f)
	{
		buf_puts(b, "- ");
		md_code(b, name, 100);
		buf_puts(b, " (probe ");
		md_code(b, jget_str(f, "probe", "?"), 60);
		buf_puts(b, "): ");
		md_text(b, jget_str(f, "verdict", "unknown"), 40);
		buf_putc(b, '\n');
		json_array_foreach(json_object_get(f, "reasons"), i, r)
		{
			if (i >= 5)
				break;
			buf_puts(b, "  - ");
			md_text(b, jget_str(r, "message", ""), 300);
			buf_putc(b, '\n');
		}
	}
}

static void seen(struct buf *b, const json_t *d)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)json_object_get(d, "seen"), k, v)
	{
		buf_puts(b, "  - ");
		md_code(b, k, 100);
		buf_puts(b, " = ");
		value_text(b, v);
		buf_putc(b, '\n');
	}
}

static void diagnosed(struct buf *b, const json_t *run, const json_t *d)
{
	buf_puts(b, "From the diagnosis of ");
	run_title(b, run);
	buf_puts(b, ":\n\n- **Cause:** ");
	md_code(b, jget_str(d, "cause", "?"), 100);
	buf_printf(b, " (case %lld, line %lld: ", jget_int(d, "case", 0) + 1,
		   jget_int(d, "line", 0));
	md_code(b, jget_str(d, "when", "?"), 300);
	buf_puts(b, ")\n");
	if (jget_str(d, "remedy", NULL)) {
		buf_puts(b, "- **Remedy chosen:** ");
		md_code(b, jget_str(d, "remedy", ""), 100);
		buf_putc(b, '\n');
	}
	if (json_object_size(json_object_get(d, "seen"))) {
		buf_puts(b, "- **What it saw:**\n");
		seen(b, d);
	}
}

void postmortem_root_cause(struct buf *b, const json_t *inc, const json_t *runs)
{
	const json_t *d = postmortem_diagnosis(runs), *run, *rec;
	size_t i;

	(void)inc;
	buf_puts(b, "## Root cause\n\n");
	json_array_foreach(runs, i, run)
	{
		const char *st;
		rec = record_of(run);
		st = jget_str(rec, "status", "");
		if (!rec || (d && json_object_get(rec, "diagnosis") != d))
			continue;
		if (d) {
			diagnosed(b, run, d);
		} else if (!strcmp(st,
				   rb_run_status_name(RB_RUN_NO_DIAGNOSIS))) {
			buf_puts(b, "No case of the runbook matched in ");
			run_title(b, run);
			buf_puts(b, ".\n");
		} else {
			buf_puts(b, "The ");
			run_title(b, run);
			buf_puts(b, " made no diagnosis (the runbook has no "
				    "cases, or stopped before them).\n");
		}
		if (json_object_size(json_object_get(rec, "facts"))) {
			buf_puts(b, "\nWhat the probes reported:\n\n");
			facts(b, rec);
		}
		buf_putc(b, '\n');
	}
	if (!json_array_size(runs))
		buf_puts(b, "No runbook ran for this incident, so there is no "
			    "automatic diagnosis.\n\n");
	buf_puts(b, "_To fill: confirm or correct the cause; the contributing "
		    "factors; why it happened now._\n\n");
}

/* What a step did, in a few words: kind and its command, probe, ... */
static void step_what(struct buf *b, const json_t *s)
{
	const char *kind = jget_str(s, "kind", "?");

	md_text(b, jget_str(s, "phase", "?"), 40);
	buf_puts(b, ": ");
	md_text(b, kind, 20);
	buf_putc(b, ' ');
	if (!strcmp(kind, "run"))
		md_code(b, jget_str(s, "command", "?"), 200);
	else if (!strcmp(kind, "probe"))
		md_code(b, jget_str(s, "probe", "?"), 60);
	else if (!strcmp(kind, "confirm"))
		md_text(b, jget_str(s, "prompt", ""), 200);
	else if (!strcmp(kind, "notify"))
		md_text(b, jget_str(s, "message", ""), 200);
	else if (!strcmp(kind, "batch"))
		buf_printf(b, "over %zu items",
			   json_array_size(json_object_get(s, "items")));
	else if (!strcmp(kind, "wait"))
		buf_printf(b, "%llds", jget_int(s, "wait_ms", 0) / 1000);
	if (jget_str(s, "name", NULL)) {
		buf_puts(b, " (");
		md_text(b, jget_str(s, "name", ""), 200);
		buf_puts(b, ")");
	}
}

static void step_line(struct buf *b, size_t n, const json_t *s)
{
	const json_t *ec = json_object_get(s, "exit_code");
	char d[40];

	buf_printf(b, "%zu. ", n);
	step_what(b, s);
	buf_puts(b, ": **");
	md_text(b, jget_str(s, "result", "?"), 20);
	buf_puts(b, "**");
	if (json_is_integer(ec) && json_integer_value(ec) != 0)
		buf_printf(b, ", exit %lld", (long long)json_integer_value(ec));
	if (jget_bool(s, "timed_out", 0))
		buf_puts(b, ", timed out");
	md_dur(postmortem_int(s, "duration_ms"), d, sizeof(d));
	buf_printf(b, ", %s", d);
	if (jget_str(s, "error", NULL)) {
		buf_puts(b, "; ");
		md_text(b, jget_str(s, "error", ""), 300);
	}
	buf_putc(b, '\n');
}

void postmortem_actions_taken(struct buf *b, const json_t *runs)
{
	const json_t *run, *s;
	size_t i, k;
	char d[40], t[40];
	int64_t t0;

	buf_puts(b, "## Actions taken\n\n");
	json_array_foreach(runs, i, run)
	{
		const json_t *rec = record_of(run);
		const json_t *steps = json_object_get(rec, "steps");
		buf_puts(b, "### ");
		run_title_cap(b, run, 1);
		buf_puts(b, "\n\n");
		if (!rec) {
			buf_puts(b,
				 "No run record (the run did not finish).\n\n");
			continue;
		}
		md_dur(postmortem_int(rec, "duration_ms"), d, sizeof(d));
		if (time_parse(jget_str(rec, "started", ""), &t0) != 0)
			t0 = 0;
		md_time(t0, t, sizeof(t));
		buf_printf(b, "Started %s UTC, took %s, ended **", t, d);
		md_text(b, jget_str(rec, "status", "?"), 40);
		buf_puts(b, "**.\n\n");
		json_array_foreach(steps, k, s)
		{
			if (k >= PM_MAX_STEPS) {
				buf_printf(b, "... %zu steps in all\n",
					   json_array_size(steps));
				break;
			}
			step_line(b, k + 1, s);
		}
		buf_putc(b, '\n');
	}
	if (!json_array_size(runs))
		buf_puts(b, "No runbook steps ran.\n\n");
	buf_puts(b, "_To fill: what people did by hand (commands, restarts, "
		    "rollbacks), with times._\n\n");
}

/* Appends "; its output ended: `LAST LINE`" for a step's output. */
static void last_line(struct buf *b, const char *out)
{
	const char *end, *start;
	char *line;

	if (!out || !*out)
		return;
	end = out + strlen(out);
	while (end > out && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	if (start == end)
		return;
	line = strndup(start, (size_t)(end - start));
	buf_puts(b, "; its output ended with ");
	md_code(b, line, 200);
	free(line);
}

/* One suggestion per step that did not pass. Returns how many. */
static int failed_steps(struct buf *b, const json_t *run, const json_t *rec)
{
	const json_t *s;
	size_t k;
	int n = 0;

	json_array_foreach(json_object_get(rec, "steps"), k, s)
	{
		const char *r = jget_str(s, "result", "");
		if (strcmp(r, "failed") && strcmp(r, "error") &&
		    strcmp(r, "interrupted"))
			continue;
		n++;
		buf_printf(b, "- Step at line %lld of ",
			   jget_int(s, "line", 0));
		md_code(b, jget_str(run, "runbook_id", "?"), 100);
		buf_puts(b, " (");
		step_what(b, s);
		buf_puts(b, ") ");
		md_text(b, r, 20);
		if (jget_bool(s, "timed_out", 0))
			buf_puts(b, " on its timeout: raise `timeout:` or make "
				    "it faster");
		else if (jget_str(s, "error", NULL)) {
			buf_puts(b, ": ");
			md_text(b, jget_str(s, "error", ""), 300);
		}
		last_line(b, jget_str(s, "output", NULL));
		buf_puts(b, ". Fix the step or guard it with a precheck.\n");
	}
	return n;
}

static int case_errors(struct buf *b, const json_t *rec)
{
	const json_t *c;
	size_t k;
	int n = 0;

	json_array_foreach(
	    json_object_get(json_object_get(rec, "diagnosis"), "cases"), k, c)
	{
		if (!jget_str(c, "error", NULL))
			continue;
		n++;
		buf_printf(b, "- Case at line %lld (", jget_int(c, "line", 0));
		md_code(b, jget_str(c, "when", "?"), 200);
		buf_puts(b, ") could not be evaluated: ");
		md_text(b, jget_str(c, "error", ""), 300);
		buf_puts(b, ".\n");
	}
	return n;
}

static int run_suggestions(struct buf *b, const json_t *run)
{
	const json_t *rec = record_of(run);
	const char *st = rec ? jget_str(rec, "status", "") : "";
	int n = 0;

	if (!rec) {
		buf_puts(b, "- The ");
		run_title(b, run);
		buf_puts(b, " left no record: check the runbook runs within "
			    "`runs.timeout` and starts on the service's "
			    "host.\n");
		return 1;
	}
	if (!strcmp(st, rb_run_status_name(RB_RUN_NO_DIAGNOSIS))) {
		buf_puts(b, "- No case matched in the ");
		run_title(b, run);
		buf_puts(b, ": add a case for what the probes reported (see "
			    "Root cause), or correct the cases' conditions.\n");
		n++;
	} else if (!strcmp(st, rb_run_status_name(RB_RUN_FAILED_PRECHECKS))) {
		buf_puts(b, "- A precheck did not pass in the ");
		run_title(b, run);
		buf_puts(b, ": is the precheck right for this alert?\n");
		n++;
	} else if (!strcmp(st, rb_run_status_name(RB_RUN_ROLLED_BACK)) ||
		   !strcmp(st, rb_run_status_name(RB_RUN_ROLLBACK_FAILED))) {
		buf_puts(b, "- The change of the ");
		run_title(b, run);
		buf_puts(b, " did not verify: review the remedy and the "
			    "verify expectations.\n");
		n++;
	}
	return n + case_errors(b, rec) + failed_steps(b, run, rec);
}

void postmortem_suggestions(struct buf *b, const json_t *inc,
			    const json_t *runs)
{
	const json_t *run;
	size_t i;
	int n = 0;

	buf_puts(b, "## Suggested runbook changes\n\n");
	if (!jget_str(inc, "runbook_id", NULL)) {
		const json_t *a =
		    json_array_get(json_object_get(inc, "alerts"), 0);
		buf_puts(b, "- No runbook matched alert ");
		md_code(b,
			jget_str(a, "alertname", jget_str(inc, "title", "?")),
			100);
		buf_puts(b, ": write one whose `trigger:` matches it "
			    "(coverage gap).\n");
		n++;
	}
	json_array_foreach(runs, i, run) n += run_suggestions(b, run);
	if (!n)
		buf_puts(b, "None from the run: the runbook ran as written.\n");
	buf_puts(b, "\n_To fill: other changes (thresholds, missing steps, "
		    "alert wording)._\n");
}
