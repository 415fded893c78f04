/* rb_show.c: a runbook rendered as Markdown (`runbook show`), readable
 * in a terminal and good to paste in a wiki. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "runbook/rb.h"

/* `code` with enough backticks to hold any backticks inside. */
static void code(struct buf *b, const char *s)
{
	const char *fence = strchr(s, '`') ? "``" : "`";
	const char *pad = strchr(s, '`') ? " " : "";

	buf_printf(b, "%s%s", fence, pad);
	for (; *s; s++)
		buf_putc(b, *s == '\n' ? ' ' : *s);
	buf_printf(b, "%s%s", pad, fence);
}

/* Text for a table cell: | escaped, newlines as spaces. */
static void cell(struct buf *b, const char *s, int as_code)
{
	struct buf t = BUF_INIT;

	for (; s && *s; s++) {
		if (*s == '|')
			buf_puts(&t, "\\|");
		else
			buf_putc(&t, *s == '\n' ? ' ' : *s);
	}
	if (as_code && t.len)
		code(b, buf_str(&t));
	else
		buf_puts(b, buf_str(&t));
	buf_free(&t);
}

static void dur(struct buf *b, int64_t ms)
{
	char d[32];

	dur_format(ms, d, sizeof(d));
	buf_puts(b, d);
}

static void step_opts(struct buf *b, const struct rb_step *s)
{
	if (s->timeout_ms) {
		buf_puts(b, "; timeout ");
		dur(b, s->timeout_ms);
	}
	if (s->read_only)
		buf_puts(b, "; read-only");
	if (!s->expect)
		return;
	buf_puts(b, "; expect ");
	code(b, s->expect);
	if (s->retries)
		buf_printf(b, ", %d %s", s->retries,
			   s->retries == 1 ? "retry" : "retries");
	if (s->within_ms) {
		buf_puts(b, ", within ");
		dur(b, s->within_ms);
	}
	if (s->retries || s->within_ms) {
		buf_puts(b, ", every ");
		dur(b, s->interval_ms);
	}
}

static void steps_md(struct buf *b, const struct rb_steps *ss, int indent);

static void with_md(struct buf *b, const json_t *with)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)with, k, v)
	{
		char *t =
		    json_is_string(v)
			? NULL
			: out_json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		buf_puts(b, first ? " with " : ", ");
		buf_printf(b, "%s=", k);
		code(b, t ? t : json_string_value(v));
		free(t);
		first = 0;
	}
}

static void step_md(struct buf *b, const struct rb_step *s, int indent)
{
	if (s->name)
		buf_printf(b, "**%s**: ", s->name);
	switch (s->kind) {
	case RB_STEP_RUN:
		if (strchr(s->run, '\n')) {
			const char *p = s->run;

			buf_puts(b, "run");
			step_opts(b, s);
			buf_printf(b, ":\n\n%*s```sh\n", indent + 3, "");
			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);

				buf_printf(b, "%*s%.*s\n", indent + 3, "",
					   (int)n, p);
				p += n + (nl ? 1 : 0);
			}
			buf_printf(b, "%*s```\n", indent + 3, "");
			return;
		}
		buf_puts(b, "run ");
		code(b, s->run);
		break;
	case RB_STEP_PROBE:
		buf_printf(b, "probe `%s`", s->probe);
		if (s->with && json_object_size(s->with))
			with_md(b, s->with);
		if (s->as)
			buf_printf(b, " as `%s`", s->as);
		break;
	case RB_STEP_WAIT:
		buf_puts(b, "wait ");
		dur(b, s->wait_ms);
		break;
	case RB_STEP_CONFIRM:
		buf_printf(b, "ask: *%s*", s->prompt);
		break;
	case RB_STEP_NOTIFY:
		buf_printf(b, "notify%s%s: %s", s->channel ? " " : "",
			   s->channel ? s->channel : "", s->message);
		break;
	case RB_STEP_BATCH:
		buf_puts(b, "for each item of ");
		code(b, s->items);
		buf_printf(b,
			   ", %d at a time, stop at the first failure "
			   "($ITEM is the item):\n",
			   s->parallel);
		if (s->before.n) {
			buf_printf(b, "%*s- before:\n", indent + 3, "");
			steps_md(b, &s->before, indent + 5);
		}
		buf_printf(b, "%*s- steps:\n", indent + 3, "");
		steps_md(b, &s->steps, indent + 5);
		if (s->after.n) {
			buf_printf(b, "%*s- after:\n", indent + 3, "");
			steps_md(b, &s->after, indent + 5);
		}
		return;
	}
	step_opts(b, s);
	buf_putc(b, '\n');
}

static void steps_md(struct buf *b, const struct rb_steps *ss, int indent)
{
	for (size_t i = 0; i < ss->n; i++) {
		buf_printf(b, "%*s%zu. ", indent, "", i + 1);
		step_md(b, &ss->v[i], indent);
		if (ss->v[i].kind == RB_STEP_RUN && strchr(ss->v[i].run, '\n'))
			buf_putc(b, '\n');
	}
}

static void section(struct buf *b, const char *title, const struct rb_steps *ss)
{
	if (!ss->n)
		return;
	buf_printf(b, "\n## %s\n\n", title);
	steps_md(b, ss, 0);
}

static const char *sla(enum rb_severity s)
{
	static const char *const t[] = {
	    "", "respond within 15 min", "respond within 1 h",
	    "respond within 4 h", "respond within 24 h"};

	return (unsigned)s <= RB_P4 ? t[s] : "";
}

static void review_md(struct buf *b, const struct rb_runbook *rb,
		      int64_t now_ms)
{
	char date[32];
	int64_t days;
	enum rb_review r = rb_review_status(rb, now_ms, &days);

	if (r == RB_REVIEW_NEVER) {
		buf_puts(b, "| Reviewed | never |\n");
		return;
	}
	time_format(rb->reviewed_ms, date, sizeof(date));
	buf_printf(b, "| Reviewed | %.10s (every ", date);
	dur(b, rb->review_every_ms);
	if (r == RB_REVIEW_OVERDUE)
		buf_printf(b, "; **overdue %lld days**) |\n", (long long)days);
	else if (r == RB_REVIEW_DUE)
		buf_printf(b, "; due in %lld days) |\n", (long long)days);
	else
		buf_puts(b, "; ok) |\n");
}

static void header_md(struct buf *b, const struct rb_runbook *rb,
		      int64_t now_ms)
{
	buf_printf(b, "# %s%s%s\n\n", rb->id, rb->title ? ": " : "",
		   rb->title ? rb->title : "");
	buf_puts(b, "| | |\n|---|---|\n");
	if (rb->severity)
		buf_printf(b, "| Severity | %s (%s) |\n",
			   rb_severity_name(rb->severity), sla(rb->severity));
	if (rb->owner) {
		buf_puts(b, "| Owner | ");
		cell(b, rb->owner, 0);
		buf_puts(b, " |\n");
	}
	review_md(b, rb, now_ms);
	buf_printf(b, "| Remediation | %s |\n",
		   rb->auto_remediate ? "automatic on alert (still notifies)"
				      : "manual (a person starts it)");
	buf_printf(b, "| Attempts | %d |\n", rb->max_attempts);
	buf_puts(b, "| File | ");
	cell(b, rb->file, 1);
	buf_puts(b, " |\n");
	if (rb->description) {
		size_t n = strlen(rb->description);

		while (n && rb->description[n - 1] == '\n')
			n--;
		buf_printf(b, "\n%.*s\n", (int)n, rb->description);
	}
}

static void trigger_md(struct buf *b, const struct rb_runbook *rb)
{
	static const char *const ops[] = {"=", "!=", "=~", "!~"};

	if (!rb->n_trigger)
		return;
	buf_puts(b, "\n## Trigger\n\nAlerts whose labels match all of:\n\n");
	for (size_t i = 0; i < rb->n_trigger; i++) {
		struct buf t = BUF_INIT;

		buf_printf(&t, "%s %s \"%s\"", rb->trigger[i].label,
			   ops[rb->trigger[i].op], rb->trigger[i].value);
		buf_puts(b, "- ");
		code(b, buf_str(&t));
		buf_putc(b, '\n');
		buf_free(&t);
	}
}

static void params_md(struct buf *b, const struct rb_runbook *rb)
{
	if (!rb->n_params)
		return;
	buf_puts(b, "\n## Parameters\n\n| name | type | required | default "
		    "| allowed | help |\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < rb->n_params; i++) {
		const struct rb_param *p = &rb->params[i];

		buf_printf(b, "| `%s` | %s | %s | ", p->name,
			   rb_param_type_name(p->type),
			   p->required ? "yes" : "no");
		cell(b, p->secret && p->dflt ? "***" : p->dflt, 1);
		buf_puts(b, " | ");
		if (p->pattern)
			cell(b, p->pattern, 1);
		for (size_t j = 0; j < p->n_choices; j++) {
			buf_puts(b, j ? ", " : "");
			cell(b, p->choices[j], 1);
		}
		buf_puts(b, " | ");
		cell(b, p->help, 0);
		buf_puts(b, p->secret ? " (secret) |\n" : " |\n");
	}
}

static void diagnose_md(struct buf *b, const struct rb_runbook *rb)
{
	if (!rb->diagnose.n && !rb->n_cases)
		return;
	buf_puts(b, "\n## Diagnose\n\n");
	steps_md(b, &rb->diagnose, 0);
	if (!rb->n_cases)
		return;
	buf_puts(b, "\nFirst matching case wins:\n\n| # | when | cause | "
		    "remedy |\n|---|---|---|---|\n");
	for (size_t i = 0; i < rb->n_cases; i++) {
		const struct rb_case *c = &rb->cases[i];

		buf_printf(b, "| %zu | ", i + 1);
		cell(b, c->when, 1);
		buf_puts(b, " | ");
		cell(b, c->cause, 0);
		buf_puts(b, " | ");
		if (c->remedy)
			cell(b, c->remedy, 0);
		else
			buf_puts(b, "(none: diagnosis only)");
		buf_puts(b, " |\n");
	}
}

static void tail_md(struct buf *b, const struct rb_runbook *rb)
{
	const char *k;
	json_t *v;

	if (rb->rollback_none)
		buf_printf(b, "\n## Rollback\n\nNone: %s\n",
			   rb->rollback_reason ? rb->rollback_reason
					       : "(no reason given)");
	else
		section(b, "Rollback", &rb->rollback);
	if (rb->n_acceptance) {
		buf_puts(b, "\n## Acceptance\n\n");
		for (size_t i = 0; i < rb->n_acceptance; i++)
			buf_printf(b, "- %s\n", rb->acceptance[i]);
	}
	if (rb->contacts && json_object_size(rb->contacts)) {
		buf_puts(b, "\n## Contacts\n\n| role | who |\n|---|---|\n");
		json_object_foreach(rb->contacts, k, v)
		{
			buf_puts(b, "| ");
			cell(b, k, 0);
			buf_puts(b, " | ");
			cell(b, json_string_value(v), 0);
			buf_puts(b, " |\n");
		}
	}
}

void rb_render_md(const struct rb_runbook *rb, int64_t now_ms, struct buf *b)
{
	header_md(b, rb, now_ms);
	trigger_md(b, rb);
	params_md(b, rb);
	section(b, "Prechecks", &rb->prechecks);
	diagnose_md(b, rb);
	if (rb->n_remedies) {
		buf_puts(b, "\n## Remedies\n");
		for (size_t i = 0; i < rb->n_remedies; i++) {
			buf_printf(b, "\n### %s\n\n", rb->remedies[i].name);
			steps_md(b, &rb->remedies[i].steps, 0);
		}
	}
	section(b, "Procedure", &rb->procedure);
	section(b, "Verify", &rb->verify);
	tail_md(b, rb);
}
