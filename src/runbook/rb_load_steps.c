/* rb_load_steps.c: loading steps. A step is a mapping whose kind is the
 * one key among run / probe / wait / confirm / batch / notify it holds,
 * plus the common keys valid for that kind. */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runbook/rb_load_int.h"

static const char *const kind_keys[] = {"run",	 "probe",  "wait", "confirm",
					"batch", "notify", NULL};

static const char *const all_keys[] = {
    "run",	 "probe",    "wait",   "confirm", "batch",   "notify",
    "name",	 "timeout",  "expect", "retries", "within",  "every",
    "read_only", "with",     "as",     "prompt",  "message", "channel",
    "items",	 "parallel", "before", "steps",	  "after",   NULL};

/* Keys valid per kind, besides the kind key and `name`. */
static const char *const kind_extra[][10] = {
    [RB_STEP_RUN] = {"timeout", "expect", "retries", "within", "every",
		     "read_only", NULL},
    [RB_STEP_PROBE] = {"timeout", "with", "as", "expect", "retries", "within",
		       "every", "read_only", NULL},
    [RB_STEP_WAIT] = {NULL},
    [RB_STEP_CONFIRM] = {"prompt", NULL},
    [RB_STEP_BATCH] = {"items", "parallel", "before", "steps", "after", NULL},
    [RB_STEP_NOTIFY] = {"message", "channel", NULL},
};

const char *rb_step_kind_name(enum rb_step_kind k)
{
	return (unsigned)k < 6 ? kind_keys[k] : "?";
}

static int key_valid(enum rb_step_kind k, const char *key)
{
	if (!strcmp(key, kind_keys[k]) || !strcmp(key, "name"))
		return 1;
	for (int i = 0; kind_extra[k][i]; i++)
		if (!strcmp(kind_extra[k][i], key))
			return 1;
	return 0;
}

static int find_kind(const struct rbl *c, const struct ydoc_node *m,
		     enum rb_step_kind *kind)
{
	const struct ydoc_node *first = NULL;
	int rc;

	for (int k = 0; kind_keys[k]; k++) {
		const struct ydoc_node *v = ydoc_get(m, kind_keys[k]);

		if (!v)
			continue;
		if (first)
			return rbl_fail(c, v,
					"a step has both `%s` (line %d) and "
					"`%s`; a step does one thing: split "
					"it into two steps",
					kind_keys[*kind], first->line,
					kind_keys[k]);
		first = v;
		*kind = (enum rb_step_kind)k;
	}
	if (first)
		return 0;
	if ((rc = rbl_keys(c, m, all_keys, "a step")) != 0)
		return rc;
	return rbl_fail(c, m,
			"a step needs exactly one of run, probe, wait, "
			"confirm, batch, notify");
}

static void free_step(struct rb_step *s)
{
	free(s->name);
	free(s->run);
	free(s->probe);
	json_decref(s->with);
	free(s->as);
	free(s->expect);
	free(s->prompt);
	free(s->message);
	free(s->channel);
	free(s->items);
	rb_steps_free(&s->before);
	rb_steps_free(&s->steps);
	rb_steps_free(&s->after);
}

void rb_steps_free(struct rb_steps *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free_step(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* The kind key's own value: a string, or `true` when the long form key
 * (prompt / message / items) carries it. */
static int main_text(const struct rbl *c, const struct ydoc_node *m,
		     const char *kind, const char *long_key, char **out)
{
	const struct ydoc_node *v = ydoc_get(m, kind);
	const struct ydoc_node *lv = ydoc_get(m, long_key);
	char what[64];

	snprintf(what, sizeof(what), "`%s`", kind);
	if (v->type == YDOC_SCALAR && !v->quoted && !strcmp(v->value, "true")) {
		if (!lv)
			return rbl_fail(c, v, "`%s: true` needs `%s:`", kind,
					long_key);
		snprintf(what, sizeof(what), "`%s`", long_key);
		return rbl_str(c, lv, what, out);
	}
	if (v->type == YDOC_SCALAR && !v->quoted && !strcmp(v->value, "false"))
		return rbl_fail(c, v,
				"`%s: false` does nothing: give the %s, or "
				"remove the step",
				kind, long_key);
	if (lv)
		return rbl_fail(c, lv,
				"`%s` is given twice: as the value of `%s` "
				"and as `%s:`; keep one",
				long_key, kind, long_key);
	return rbl_str(c, v, what, out);
}

/* Names facts cannot take: expressions see these first. */
static int reserved(const char *s)
{
	static const char *const names[] = {
	    "params", "string", "math",	 "table",  "utf8",     "assert",
	    "error",  "ipairs", "pairs", "select", "tonumber", "tostring",
	    "type",   "_ENV",	"and",	 "break",  "do",       "else",
	    "elseif", "end",	"false", "for",	   "function", "goto",
	    "if",     "in",	"local", "nil",	   "not",      "or",
	    "repeat", "return", "then",	 "true",   "until",    "while",
	    NULL};

	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return 1;
	return 0;
}

static int load_with(const struct rbl *c, const struct ydoc_node *v,
		     struct rb_step *s)
{
	int rc;

	if ((rc = rbl_want_map(c, v, "`with`")) != 0)
		return rc;
	s->with = ydoc_to_json(v);
	return 0;
}

static int load_common(const struct rbl *c, const char *k,
		       const struct ydoc_node *v, struct rb_step *s, int depth)
{
	if (!strcmp(k, "name"))
		return rbl_str(c, v, "`name`", &s->name);
	if (!strcmp(k, "timeout"))
		return rbl_dur(c, v, "`timeout`", &s->timeout_ms);
	if (!strcmp(k, "expect")) {
		s->expect_line = v->line;
		s->expect_col = v->col;
		return rbl_str(c, v, "`expect`", &s->expect);
	}
	if (!strcmp(k, "retries"))
		return rbl_int(c, v, "`retries`", 0, 1000, &s->retries);
	if (!strcmp(k, "within"))
		return rbl_dur(c, v, "`within`", &s->within_ms);
	if (!strcmp(k, "every"))
		return rbl_dur(c, v, "`every`", &s->interval_ms);
	if (!strcmp(k, "read_only"))
		return rbl_bool(c, v, "`read_only`", &s->read_only);
	if (!strcmp(k, "with"))
		return load_with(c, v, s);
	if (!strcmp(k, "as")) {
		if (v->type != YDOC_SCALAR || !rbl_is_ident(v->value))
			return rbl_fail(
			    c, v,
			    "`as`: expected a name (letters, digits, "
			    "_) for the facts");
		if (reserved(v->value))
			return rbl_fail(c, v,
					"`as: %s`: that name is taken by "
					"expressions (a Lua keyword, library "
					"or `params`); pick another",
					v->value);
		return rbl_str(c, v, "`as`", &s->as);
	}
	if (!strcmp(k, "channel"))
		return rbl_str(c, v, "`channel`", &s->channel);
	if (!strcmp(k, "parallel"))
		return rbl_int(c, v, "`parallel`", 1, 1000, &s->parallel);
	if (!strcmp(k, "before"))
		return rbl_steps(c, v, "`before`", depth + 1, &s->before);
	if (!strcmp(k, "steps"))
		return rbl_steps(c, v, "`steps`", depth + 1, &s->steps);
	if (!strcmp(k, "after"))
		return rbl_steps(c, v, "`after`", depth + 1, &s->after);
	return 0; /* kind keys and their long forms: handled by load_kind */
}

static int load_kind(const struct rbl *c, const struct ydoc_node *m,
		     struct rb_step *s)
{
	const struct ydoc_node *v = ydoc_get(m, kind_keys[s->kind]);
	int rc;

	switch (s->kind) {
	case RB_STEP_RUN:
		if ((rc = rbl_str(c, v, "`run`", &s->run)) == 0 && !*s->run)
			return rbl_fail(c, v, "`run`: empty command");
		return rc;
	case RB_STEP_PROBE:
		if (v->type != YDOC_SCALAR || rbl_is_null(v) || !*v->value ||
		    strpbrk(v->value, " \t\n"))
			return rbl_fail(c, v,
					"`probe`: expected a probe name like "
					"`gpu` (see `mloncall check --help`)");
		return rbl_str(c, v, "`probe`", &s->probe);
	case RB_STEP_WAIT:
		return rbl_dur(c, v, "`wait`", &s->wait_ms);
	case RB_STEP_CONFIRM:
		return main_text(c, m, "confirm", "prompt", &s->prompt);
	case RB_STEP_NOTIFY:
		return main_text(c, m, "notify", "message", &s->message);
	default:
		if ((rc = main_text(c, m, "batch", "items", &s->items)) != 0)
			return rc;
		if (!ydoc_get(m, "steps") || s->steps.n == 0)
			return rbl_fail(c, m,
					"a batch step needs `steps:` (what to "
					"do for each item)");
		return 0;
	}
}

static int load_step(const struct rbl *c, const struct ydoc_node *m, int depth,
		     struct rb_step *s)
{
	int rc;

	s->line = m->line;
	s->col = m->col;
	s->parallel = 1;
	s->interval_ms = 5000;
	if (m->type != YDOC_MAP)
		return rbl_fail(c, m,
				"a step: expected a mapping like `- run: "
				"COMMAND` or `- probe: NAME`, got %s",
				ydoc_type_name(m));
	if ((rc = find_kind(c, m, &s->kind)) != 0)
		return rc;
	if ((rc = rbl_keys(c, m, all_keys, "a step")) != 0)
		return rc;
	for (size_t i = 0; i < m->n; i++) {
		const struct ydoc_node *k = ydoc_key(m, i);

		if (!key_valid(s->kind, k->value))
			return rbl_fail(c, k,
					"`%s` does not belong in a %s step",
					k->value, kind_keys[s->kind]);
		if ((rc = load_common(c, k->value, ydoc_val(m, i), s, depth)) !=
		    0)
			return rc;
	}
	if (s->kind == RB_STEP_BATCH && depth + 1 > RBL_MAX_STEP_DEPTH)
		return rbl_fail(c, m, "batch steps nested deeper than %d",
				RBL_MAX_STEP_DEPTH);
	return load_kind(c, m, s);
}

int rbl_steps(const struct rbl *c, const struct ydoc_node *n, const char *what,
	      int depth, struct rb_steps *out)
{
	int rc;

	if (depth > RBL_MAX_STEP_DEPTH)
		return rbl_fail(c, n, "batch steps nested deeper than %d",
				RBL_MAX_STEP_DEPTH);
	if ((rc = rbl_want_seq(c, n, what)) != 0)
		return rc;
	rb_steps_free(out);
	out->v = xcalloc(n->n ? n->n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n->n; i++) {
		out->n = i + 1;
		if ((rc = load_step(c, n->items[i], depth, &out->v[i])) != 0)
			return rc;
	}
	return 0;
}
