/* rb_lint_check.c: lint's reference checks: remedies named by cases,
 * probe names and `with:` arguments, expressions that must compile, params
 * used and defined ($name in run text, {{name}} in with:, params.name in
 * expressions), and facts that expressions read but no step provides. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "runbook/rb_expr.h"
#include "runbook/rb_lint_int.h"

struct lc {
	const struct rb_runbook *rb;
	const struct rb_lint_opts *o;
	struct rb_lint *l;
	const char **facts; /* names probe steps provide; NULL-terminated */
	size_t n_facts;
	const char **pnames; /* param names, NULL-terminated */
	unsigned char *pused;
	unsigned char *rused;
	int line, col; /* position of the text being scanned */
	int check_facts;
};

static const char *const lua_builtins[] = {
    "assert",	"error",    "ipairs", "pairs",	"select",
    "tonumber", "tostring", "type",   "string", "math",
    "table",	"utf8",	    "params", "_ENV",	NULL};

static void use_param(struct lc *c, const char *name, int undefined_level,
		      const char *pre, const char *post)
{
	const char *near;

	for (size_t i = 0; i < c->rb->n_params; i++)
		if (!strcmp(c->pnames[i], name)) {
			c->pused[i] = 1;
			return;
		}
	if (undefined_level < 0)
		return;
	near = str_nearest(name, c->pnames);
	rb_lint_add(c->l, c->o, c->rb->file, c->line, c->col,
		    (enum rb_lint_level)undefined_level, "undefined-param",
		    "`%s%s%s` is not a declared param%s%s%s", pre, name, post,
		    near ? "; did you mean `" : "", near ? near : "",
		    near ? "`?" : "");
}

/* ---- shell text ------------------------------------------------------- */

static int has_lower(const char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			return 1;
	return 0;
}

static void shell_ref(void *ctx, const char *name, int assigned)
{
	struct lc *c = ctx;

	if (str_starts(name, "ML_PARAM_")) {
		for (size_t i = 0; i < c->rb->n_params; i++)
			if (!strcasecmp(c->pnames[i], name + 9))
				c->pused[i] = 1;
		return;
	}
	/* UPPERCASE names are the environment's ($HOME, $ITEM) */
	use_param(c, name, assigned || !has_lower(name) ? -1 : RB_LINT_WARNING,
		  "$", "");
}

/* Marks {{name}} references; reports unknown ones at level lv (-1: no). */
static void templates(struct lc *c, const char *s, int lv)
{
	const char *p = s;

	while ((p = strstr(p, "{{")) != NULL) {
		const char *e = strstr(p + 2, "}}");
		struct buf b = BUF_INIT;
		const char *q;

		if (!e)
			break;
		for (q = p + 2; q < e; q++)
			if (*q != ' ')
				buf_putc(&b, *q);
		if (b.len)
			use_param(c, buf_str(&b), lv, "{{", "}}");
		buf_free(&b);
		p = e + 2;
	}
}

static void text_refs(struct lc *c, const char *s)
{
	if (!s)
		return;
	templates(c, s, -1);
	rb_lint_shell_refs(s, shell_ref, c);
}

/* ---- expressions ------------------------------------------------------ */

static int is_fact(const struct lc *c, const char *name)
{
	for (size_t i = 0; i < c->n_facts; i++)
		if (!strcmp(c->facts[i], name))
			return 1;
	for (int i = 0; lua_builtins[i]; i++)
		if (!strcmp(lua_builtins[i], name))
			return 1;
	return 0;
}

static void lua_ref(void *ctx, const char *name, int is_param)
{
	struct lc *c = ctx;
	const char *near;

	if (is_param) {
		use_param(c, name, RB_LINT_ERROR, "params.", "");
		return;
	}
	if (!c->check_facts || is_fact(c, name))
		return;
	near = c->n_facts ? str_nearest(name, c->facts) : NULL;
	rb_lint_add(c->l, c->o, c->rb->file, c->line, c->col, RB_LINT_WARNING,
		    "unknown-fact",
		    "the expression reads `%s`, but no probe step gives facts "
		    "by that name%s%s%s",
		    name, near ? "; did you mean `" : "", near ? near : "",
		    near ? "`?" : "");
}

static void expr(struct lc *c, const char *e, int line, int col, int facts)
{
	struct ml_err err;

	ml_err_clear(&err);
	c->line = line;
	c->col = col;
	if (rb_expr_check(e, c->rb->file, line, col, &err) != 0) {
		rb_lint_add(c->l, c->o, c->rb->file, err.line, err.col,
			    RB_LINT_ERROR, "bad-expression", "%s", err.msg);
		return;
	}
	c->check_facts = facts;
	rb_lint_lua_refs(e, lua_ref, c);
}

/* ---- probes ----------------------------------------------------------- */

static void probe_names(const char **out, size_t max)
{
	const struct probe_def *const *p = probe_list();
	size_t i = 0;

	for (; p[i] && i + 1 < max; i++)
		out[i] = p[i]->name;
	out[i] = NULL;
}

static void with_values(struct lc *c, const json_t *v, int shell_arg)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		templates(c, json_string_value(v), RB_LINT_ERROR);
		return;
	}
	if (json_is_array(v))
		json_array_foreach(v, i, x) with_values(c, x, shell_arg);
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x)
		    with_values(c, x, shell_arg);
	(void)shell_arg;
}

/* {{x}} in the command probe's `cmd` is spliced into shell text: fine
 * only when the param cannot carry shell syntax (pattern or enum). */
static void shell_templates(struct lc *c, const struct rb_step *s)
{
	const char *cmd = jget_str(s->with, "cmd", NULL), *p = cmd;

	if (!cmd || strcmp(s->probe, "command"))
		return;
	while ((p = strstr(p, "{{")) != NULL) {
		const char *e = strstr(p + 2, "}}");
		struct buf b = BUF_INIT;
		const struct rb_param *prm;

		if (!e)
			break;
		for (const char *q = p + 2; q < e; q++)
			if (*q != ' ')
				buf_putc(&b, *q);
		prm = rb_param_find(c->rb, buf_str(&b));
		if (prm && !prm->has_re && !prm->n_choices)
			rb_lint_add(
			    c->l, c->o, c->rb->file, s->line, s->col,
			    RB_LINT_WARNING, "template-in-shell",
			    "`{{%s}}` goes into shell text unchecked; give "
			    "the param a `pattern:` or `enum:`, or read "
			    "it as $%s",
			    prm->name, prm->name);
		buf_free(&b);
		p = e + 2;
	}
}

static void probe_step(struct lc *c, const struct rb_step *s)
{
	const struct probe_def *p = probe_find(s->probe);
	const char *names[64], *k, *near;
	json_t *v;

	c->line = s->line;
	c->col = s->col;
	if (!p) {
		probe_names(names, 64);
		near = str_nearest(s->probe, names);
		rb_lint_add(c->l, c->o, c->rb->file, s->line, s->col,
			    RB_LINT_ERROR, "unknown-probe",
			    "unknown probe `%s`%s%s%s (see `mloncall check "
			    "--help`)",
			    s->probe, near ? "; did you mean `" : "",
			    near ? near : "", near ? "`?" : "");
	} else if (s->with && p->opts && p->opts[0].name) {
		size_t n = 0;

		for (; p->opts[n].name && n + 1 < 64; n++)
			names[n] = p->opts[n].name;
		names[n] = NULL;
		json_object_foreach(s->with, k, v)
		{
			size_t i;

			for (i = 0; names[i] && strcmp(names[i], k); i++)
				;
			if (names[i])
				continue;
			near = str_nearest(k, names);
			rb_lint_add(c->l, c->o, c->rb->file, s->line, s->col,
				    RB_LINT_ERROR, "unknown-probe-arg",
				    "probe `%s` has no argument `%s`%s%s%s",
				    s->probe, k, near ? "; did you mean `" : "",
				    near ? near : "", near ? "`?" : "");
		}
	}
	if (s->with) {
		with_values(c, s->with, 0);
		shell_templates(c, s);
		/* the command probe's cmd is shell text with params as env */
		if (!strcmp(s->probe, "command") &&
		    json_is_string(json_object_get(s->with, "cmd")))
			text_refs(c, json_string_value(
					 json_object_get(s->with, "cmd")));
	}
}

/* ---- steps ------------------------------------------------------------ */

static void step(struct lc *c, const struct rb_step *s);

static void steps(struct lc *c, const struct rb_steps *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		step(c, &ss->v[i]);
}

static void batch_items(struct lc *c, const struct rb_step *s)
{
	if (rb_param_find(c->rb, s->items)) {
		use_param(c, s->items, -1, "", "");
		return;
	}
	expr(c, s->items, s->line, s->col, 1);
}

static void step(struct lc *c, const struct rb_step *s)
{
	c->line = s->line;
	c->col = s->col;
	text_refs(c, s->name);
	switch (s->kind) {
	case RB_STEP_RUN:
		text_refs(c, s->run);
		break;
	case RB_STEP_PROBE:
		probe_step(c, s);
		break;
	case RB_STEP_CONFIRM:
		text_refs(c, s->prompt);
		break;
	case RB_STEP_NOTIFY:
		text_refs(c, s->message);
		break;
	case RB_STEP_BATCH:
		batch_items(c, s);
		steps(c, &s->before);
		steps(c, &s->steps);
		steps(c, &s->after);
		break;
	default:
		break;
	}
	if (s->expect)
		expr(c, s->expect, s->expect_line, s->expect_col,
		     s->kind == RB_STEP_PROBE);
}

static void collect_facts(struct lc *c, const struct rb_steps *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		const struct rb_step *s = &ss->v[i];

		if (s->kind == RB_STEP_PROBE) {
			c->facts = xrealloc(c->facts,
					    (c->n_facts + 2) * sizeof(char *));
			c->facts[c->n_facts++] = s->as ? s->as : s->probe;
			c->facts[c->n_facts] = NULL;
		}
		collect_facts(c, &s->before);
		collect_facts(c, &s->steps);
		collect_facts(c, &s->after);
	}
}

static void all_steps(struct lc *c,
		      void (*f)(struct lc *, const struct rb_steps *))
{
	const struct rb_runbook *rb = c->rb;

	f(c, &rb->prechecks);
	f(c, &rb->diagnose);
	for (size_t i = 0; i < rb->n_remedies; i++)
		f(c, &rb->remedies[i].steps);
	f(c, &rb->procedure);
	f(c, &rb->verify);
	f(c, &rb->rollback);
}

/* ---- cases, remedies, params ------------------------------------------ */

static void cases(struct lc *c)
{
	const struct rb_runbook *rb = c->rb;
	const char **rnames = xcalloc(rb->n_remedies + 1, sizeof(char *));

	for (size_t i = 0; i < rb->n_remedies; i++)
		rnames[i] = rb->remedies[i].name;
	for (size_t i = 0; i < rb->n_cases; i++) {
		const struct rb_case *k = &rb->cases[i];
		const char *near;
		size_t j;

		expr(c, k->when, k->when_line, k->when_col, 1);
		if (!k->remedy)
			continue;
		for (j = 0; j < rb->n_remedies && strcmp(rnames[j], k->remedy);
		     j++)
			;
		if (j < rb->n_remedies) {
			c->rused[j] = 1;
			continue;
		}
		near = str_nearest(k->remedy, rnames);
		rb_lint_add(c->l, c->o, rb->file, k->line, k->col,
			    RB_LINT_ERROR, "unknown-remedy",
			    "case `%s` names remedy `%s`, which is not under "
			    "`remedies:`%s%s%s",
			    k->cause, k->remedy, near ? "; did you mean `" : "",
			    near ? near : "", near ? "`?" : "");
	}
	free(rnames);
}

static void unused(struct lc *c)
{
	const struct rb_runbook *rb = c->rb;

	for (size_t i = 0; i < rb->n_params; i++)
		if (!c->pused[i])
			rb_lint_add(c->l, c->o, rb->file, rb->params[i].line,
				    rb->params[i].col, RB_LINT_WARNING,
				    "unused-param",
				    "param `%s` is never used (as $%s in run "
				    "text, {{%s}} in with:, or params.%s)",
				    rb->params[i].name, rb->params[i].name,
				    rb->params[i].name, rb->params[i].name);
	for (size_t i = 0; i < rb->n_remedies; i++)
		if (!c->rused[i])
			rb_lint_add(c->l, c->o, rb->file, rb->remedies[i].line,
				    rb->remedies[i].col, RB_LINT_WARNING,
				    "unused-remedy",
				    "remedy `%s` is named by no case",
				    rb->remedies[i].name);
}

void rbl_lint_refs(const struct rb_runbook *rb, const struct rb_lint_opts *o,
		   struct rb_lint *l)
{
	struct lc c = {.rb = rb, .o = o, .l = l};

	c.pnames = xcalloc(rb->n_params + 1, sizeof(char *));
	for (size_t i = 0; i < rb->n_params; i++)
		c.pnames[i] = rb->params[i].name;
	c.pused = xcalloc(rb->n_params + 1, 1);
	c.rused = xcalloc(rb->n_remedies + 1, 1);
	c.facts = xcalloc(1, sizeof(char *));
	all_steps(&c, collect_facts);
	all_steps(&c, steps);
	cases(&c);
	unused(&c);
	free(c.pnames);
	free(c.pused);
	free(c.rused);
	free(c.facts);
}
