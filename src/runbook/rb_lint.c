/* rb_lint.c: lint of loaded runbooks: the findings list, the runbook
 * standard (trigger, prechecks, procedure or remedies, verify, rollback),
 * review dates, and lint over files with duplicate ids. Reference checks
 * (remedies, probes, params, expressions) are in rb_lint_check.c. */
#include "runbook/rb_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "runbook/rb_lint_int.h"

void rb_lint_init(struct rb_lint *l)
{
	memset(l, 0, sizeof(*l));
}

void rb_lint_free(struct rb_lint *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].message);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void rb_lint_add(struct rb_lint *l, const struct rb_lint_opts *o,
		 const char *file, int line, int col, enum rb_lint_level lv,
		 const char *code, const char *fmt, ...)
{
	struct rb_finding *f;
	struct buf b = BUF_INIT;
	va_list ap;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (o && o->strict)
		lv = RB_LINT_ERROR;
	f = &l->v[l->n++];
	f->file = xstrdup(file ? file : "");
	f->line = line;
	f->col = col;
	f->level = lv;
	f->code = code;
	f->message = buf_detach(&b, NULL);
	if (lv == RB_LINT_ERROR)
		l->errors++;
	else
		l->warnings++;
}

static int cmp_pos(const void *a, const void *b)
{
	const struct rb_finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	if (strcmp(x->code, y->code))
		return strcmp(x->code, y->code);
	return strcmp(x->message, y->message);
}

/* A section's position, or the runbook's start when absent. */
static void at(const struct rb_runbook *rb, struct rb_pos p, int *line,
	       int *col)
{
	*line = p.line ? p.line : (rb->line ? rb->line : 1);
	*col = p.line ? p.col : (rb->col ? rb->col : 1);
}

static int steps_check(const struct rb_steps *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == RB_STEP_RUN ||
		    s->v[i].kind == RB_STEP_PROBE)
			return 1;
	return 0;
}

static void lint_standard(const struct rb_runbook *rb,
			  const struct rb_lint_opts *o, struct rb_lint *l)
{
	const char *f = rb->file;
	int ln, cl;

	at(rb, rb->at_id, &ln, &cl);
	if (!rb->title)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_WARNING, "no-title",
			    "no `title:`: say in one line what is wrong");
	if (!rb->owner)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_WARNING, "no-owner",
			    "no `owner:`: who keeps this runbook up to date?");
	if (rb->severity == RB_SEV_NONE)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_WARNING, "no-severity",
			    "no `severity:` (P1 to P4)");
	if (!rb->n_trigger)
		rb_lint_add(
		    l, o, f, ln, cl, RB_LINT_WARNING, "no-trigger",
		    "no `trigger:`: no alert will route to this runbook");
	if (!rb->prechecks.n)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_WARNING, "no-prechecks",
			    "no `prechecks:`: check the situation before "
			    "changing anything");
	if (!rb->procedure.n && !rb->n_remedies)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_ERROR, "no-procedure",
			    "neither `procedure:` nor `remedies:`: the runbook "
			    "does nothing");
	if (rb->procedure.n && rb->n_cases) {
		at(rb, rb->at_procedure, &ln, &cl);
		rb_lint_add(
		    l, o, f, ln, cl, RB_LINT_WARNING, "procedure-ignored",
		    "`procedure:` never runs when `diagnose.cases` pick a "
		    "remedy; move its steps into a remedy");
	}
	at(rb, rb->at_verify, &ln, &cl);
	if (!rb->verify.n)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_ERROR, "no-verify",
			    "no `verify:`: how do we know the fix worked?");
	else if (!steps_check(&rb->verify))
		rb_lint_add(
		    l, o, f, ln, cl, RB_LINT_ERROR, "no-verify",
		    "`verify:` has no run or probe step: it checks nothing");
	at(rb, rb->at_rollback, &ln, &cl);
	if (!rb->rollback.n && !rb->rollback_none)
		rb_lint_add(l, o, f, ln, cl, RB_LINT_ERROR, "no-rollback",
			    "no `rollback:`: give the steps, or `rollback: "
			    "{none: true, "
			    "reason: \"why\"}`");
	else if (rb->rollback_none &&
		 (!rb->rollback_reason || !*rb->rollback_reason))
		rb_lint_add(l, o, f, ln, cl, RB_LINT_ERROR, "rollback-reason",
			    "`rollback: {none: true}` needs a `reason:`");
}

static void lint_review(const struct rb_runbook *rb,
			const struct rb_lint_opts *o, struct rb_lint *l)
{
	int64_t now = o && o->now_ms ? o->now_ms : time_now_ms();
	int64_t due, day = 86400000;
	char every[32];
	int ln, cl;

	at(rb, rb->at_reviewed, &ln, &cl);
	if (!rb->reviewed_ms) {
		rb_lint_add(l, o, rb->file, ln, cl, RB_LINT_WARNING,
			    "no-review",
			    "no `reviewed:` date: when did someone last check "
			    "these steps?");
		return;
	}
	if (rb->reviewed_ms > now + day)
		rb_lint_add(l, o, rb->file, ln, cl, RB_LINT_WARNING,
			    "review-in-future", "`reviewed:` is in the future");
	if (rb_review_status(rb, now, &due) != RB_REVIEW_OVERDUE)
		return;
	dur_format(rb->review_every_ms, every, sizeof(every));
	rb_lint_add(l, o, rb->file, ln, cl, RB_LINT_WARNING, "review-overdue",
		    "review overdue by %lld days (reviewed %lld days ago, "
		    "review every %s)",
		    (long long)due, (long long)((now - rb->reviewed_ms) / day),
		    every);
}

/* Steps that stop or skip in situations the runbook declares itself:
 * a confirm in a runbook that runs unattended, a run step in prechecks
 * or diagnose that --dry-run cannot run. */
static void confirms(const struct rb_runbook *rb, const struct rb_lint_opts *o,
		     const struct rb_steps *ss, struct rb_lint *l)
{
	for (size_t i = 0; i < ss->n; i++) {
		const struct rb_step *s = &ss->v[i];

		if (s->kind == RB_STEP_CONFIRM)
			rb_lint_add(l, o, rb->file, s->line, s->col,
				    RB_LINT_WARNING, "auto-confirm",
				    "`auto: true` but this step asks a person: "
				    "unattended runs stop here");
		confirms(rb, o, &s->before, l);
		confirms(rb, o, &s->steps, l);
		confirms(rb, o, &s->after, l);
	}
}

static void lint_modes(const struct rb_runbook *rb,
		       const struct rb_lint_opts *o, struct rb_lint *l)
{
	const struct rb_steps *ro[] = {&rb->prechecks, &rb->diagnose};

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < ro[k]->n; i++) {
			const struct rb_step *s = &ro[k]->v[i];

			if (s->kind == RB_STEP_RUN && !s->read_only)
				rb_lint_add(
				    l, o, rb->file, s->line, s->col,
				    RB_LINT_WARNING, "not-read-only",
				    "a %s run step without `read_only: "
				    "true`: --dry-run skips it; mark it "
				    "if it changes nothing",
				    k ? "diagnose" : "precheck");
		}
	if (!rb->auto_remediate)
		return;
	confirms(rb, o, &rb->procedure, l);
	for (size_t i = 0; i < rb->n_remedies; i++)
		confirms(rb, o, &rb->remedies[i].steps, l);
}

void rb_lint_runbook(const struct rb_runbook *rb, const struct rb_lint_opts *o,
		     struct rb_lint *l)
{
	size_t first = l->n;

	lint_standard(rb, o, l);
	lint_review(rb, o, l);
	lint_modes(rb, o, l);
	rbl_lint_refs(rb, o, l);
	if (l->n > first)
		qsort(l->v + first, l->n - first, sizeof(*l->v), cmp_pos);
}

static void lint_file(const struct rb_dir *d, size_t i,
		      const struct rb_lint_opts *o, struct rb_lint *l)
{
	const struct ml_err *e = &d->errs[i];

	l->files++;
	if (!d->rbs[i]) {
		rb_lint_add(
		    l, NULL, d->paths[i], e->line, e->col, RB_LINT_ERROR,
		    e->code == ML_EINPUT ? "schema" : "io", "%s", e->msg);
		return;
	}
	rb_lint_runbook(d->rbs[i], o, l);
}

/* Reports rbs[i] when an earlier file has its id. */
static void lint_dup(struct rb_runbook **rbs, size_t i,
		     const struct rb_lint_opts *o, struct rb_lint *l)
{
	if (!rbs[i])
		return;
	for (size_t j = 0; j < i; j++)
		if (rbs[j] && !strcmp(rbs[i]->id, rbs[j]->id)) {
			rb_lint_add(
			    l, o, rbs[i]->file, rbs[i]->at_id.line,
			    rbs[i]->at_id.col, RB_LINT_ERROR, "duplicate-id",
			    "id `%s` is already used by %s:%d", rbs[i]->id,
			    rbs[j]->file, rbs[j]->at_id.line);
			return;
		}
}

int rb_lint_paths(char *const *paths, size_t n, const struct rb_lint_opts *o,
		  struct rb_lint *l, struct ml_err *err)
{
	struct rb_dir d = {0};
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = rb_load_dir(paths[i], &d, err);
	for (size_t i = 0; i < d.n && !rc; i++) {
		size_t first = l->n;

		lint_file(&d, i, o, l);
		lint_dup(d.rbs, i, o, l);
		if (l->n > first) /* findings of one file, by position */
			qsort(l->v + first, l->n - first, sizeof(*l->v),
			      cmp_pos);
	}
	rb_dir_free(&d);
	return rc;
}

json_t *rb_lint_json(const struct rb_lint *l)
{
	json_t *j = json_object(), *arr = json_array();

	jset_int(j, "files", (long long)l->files);
	jset_int(j, "errors", (long long)l->errors);
	jset_int(j, "warnings", (long long)l->warnings);
	for (size_t i = 0; i < l->n; i++) {
		const struct rb_finding *f = &l->v[i];
		json_t *o = json_object();

		jset_str(o, "file", f->file);
		jset_int(o, "line", f->line);
		jset_int(o, "col", f->col);
		jset_str(o, "level",
			 f->level == RB_LINT_ERROR ? "error" : "warning");
		jset_str(o, "code", f->code);
		jset_str(o, "message", f->message);
		json_array_append_new(arr, o);
	}
	json_object_set_new(j, "findings", arr);
	return j;
}
