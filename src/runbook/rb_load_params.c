/* rb_load_params.c: the `params:` section: names, types, defaults,
 * patterns, enums, secrets; and checking a value against a param. */
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_load_int.h"

static const char *const type_names[] = {"string", "int",      "float",
					 "bool",   "duration", NULL};

const char *rb_param_type_name(enum rb_param_type t)
{
	return (unsigned)t < 5 ? type_names[t] : "?";
}

static int type_ok(enum rb_param_type t, const char *v)
{
	int64_t i;
	double d;

	switch (t) {
	case RB_PT_INT:
		return str_to_i64(v, &i) == 0;
	case RB_PT_FLOAT:
		return str_to_double(v, &d) == 0;
	case RB_PT_BOOL:
		return !strcmp(v, "true") || !strcmp(v, "false");
	case RB_PT_DURATION:
		return dur_parse(v, &i) == 0;
	default:
		return 1;
	}
}

int rb_param_validate(const struct rb_param *p, const char *value,
		      struct ml_err *err)
{
	size_t i;

	if (!type_ok(p->type, value))
		return ml_err_set(
		    err, ML_EINPUT, "param `%s`: expected %s, got `%.60s`",
		    p->name,
		    p->type == RB_PT_INT     ? "a whole number"
		    : p->type == RB_PT_FLOAT ? "a number"
		    : p->type == RB_PT_BOOL  ? "true or false"
					     : "a duration like 30s",
		    value);
	if (p->has_re && regexec(&p->re, value, 0, NULL, 0) != 0)
		return ml_err_set(err, ML_EINPUT,
				  "param `%s`: `%.60s` does not match the "
				  "pattern `%s`",
				  p->name, value, p->pattern);
	if (!p->n_choices)
		return 0;
	for (i = 0; i < p->n_choices; i++)
		if (!strcmp(p->choices[i], value))
			return 0;
	return ml_err_set(err, ML_EINPUT,
			  "param `%s`: `%.60s` is not one of the allowed "
			  "values (see `enum:`)",
			  p->name, value);
}

/* Common spellings of other languages, for "did you mean". */
static const char *alias_of(const char *s)
{
	static const char *const al[][2] = {
	    {"integer", "int"},	     {"number", "float"}, {"double", "float"},
	    {"boolean", "bool"},     {"str", "string"},	  {"text", "string"},
	    {"interval", "duration"}};

	for (size_t i = 0; i < sizeof(al) / sizeof(al[0]); i++)
		if (!strcmp(al[i][0], s))
			return al[i][1];
	return NULL;
}

static int load_type(const struct rbl *c, const struct ydoc_node *n,
		     struct rb_param *p)
{
	const char *near;

	for (int t = 0; type_names[t]; t++)
		if (n->type == YDOC_SCALAR &&
		    !strcmp(n->value, type_names[t])) {
			p->type = (enum rb_param_type)t;
			return 0;
		}
	if (n->type == YDOC_SCALAR &&
	    ((near = alias_of(n->value)) != NULL ||
	     (near = str_nearest(n->value, type_names)) != NULL))
		return rbl_fail(
		    c, n,
		    "param `%s`: unknown type `%.40s`; did you mean `%s`?",
		    p->name, n->value, near);
	return rbl_fail(c, n,
			"param `%s`: `type` must be one of string, int, "
			"float, bool, duration",
			p->name);
}

static int load_enum(const struct rbl *c, const struct ydoc_node *n,
		     struct rb_param *p)
{
	int rc;

	if ((rc = rbl_want_seq(c, n, "`enum`")) != 0)
		return rc;
	if (n->n == 0)
		return rbl_fail(c, n, "param `%s`: `enum` is empty", p->name);
	p->choices = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if ((rc = rbl_str(c, n->items[i], "`enum` value",
				  &p->choices[i])) != 0)
			return rc;
		p->n_choices = i + 1;
	}
	return 0;
}

static const char *const param_keys[] = {"type",    "required",	   "default",
					 "pattern", "enum",	   "secret",
					 "help",    "description", NULL};

static int load_field(const struct rbl *c, const char *k,
		      const struct ydoc_node *v, struct rb_param *p)
{
	int rc = 0;

	if (!strcmp(k, "type"))
		rc = load_type(c, v, p);
	else if (!strcmp(k, "required"))
		rc = rbl_bool(c, v, "`required`", &p->required);
	else if (!strcmp(k, "default"))
		rc = rbl_str(c, v, "`default`", &p->dflt);
	else if (!strcmp(k, "pattern")) {
		if ((rc = rbl_str(c, v, "`pattern`", &p->pattern)) == 0 &&
		    (rc = rbl_regex(c, v, p->pattern, &p->re)) == 0)
			p->has_re = 1;
	} else if (!strcmp(k, "enum"))
		rc = load_enum(c, v, p);
	else if (!strcmp(k, "secret"))
		rc = rbl_bool(c, v, "`secret`", &p->secret);
	else
		rc = rbl_str(c, v, "`help`", &p->help);
	return rc;
}

static int load_spec(const struct rbl *c, const struct ydoc_node *spec,
		     struct rb_param *p)
{
	char where[RBL_MAX_NAME + 16];
	struct ml_err e;
	int rc;

	if (rbl_is_null(spec))
		return 0;
	if (spec->type == YDOC_SCALAR)
		return rbl_str(c, spec, "default", &p->dflt);
	if ((rc = rbl_want_map(c, spec, "a param")) != 0)
		return rc;
	snprintf(where, sizeof(where), "param `%s`", p->name);
	if ((rc = rbl_keys(c, spec, param_keys, where)) != 0)
		return rc;
	for (size_t i = 0; i < spec->n; i++)
		if ((rc = load_field(c, ydoc_key(spec, i)->value,
				     ydoc_val(spec, i), p)) != 0)
			return rc;
	if (p->required && p->dflt)
		return rbl_fail(c, spec,
				"param `%s` is required and has a default; "
				"keep one of the two",
				p->name);
	ml_err_clear(&e);
	if (p->dflt && rb_param_validate(p, p->dflt, &e) != 0)
		return rbl_fail(c, ydoc_get(spec, "default"), "default of %s",
				e.msg);
	return 0;
}

int rbl_params(const struct rbl *c, const struct ydoc_node *n,
	       struct rb_runbook *rb)
{
	int rc;

	if ((rc = rbl_want_map(c, n, "`params`")) != 0)
		return rc;
	rb->params = xcalloc(n->n ? n->n : 1, sizeof(*rb->params));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i);
		struct rb_param *p = &rb->params[i];

		rb->n_params = i + 1;
		if (!rbl_is_ident(k->value))
			return rbl_fail(
			    c, k,
			    "param name `%.64s`: expected letters, "
			    "digits and _ (it becomes an environment "
			    "variable)",
			    k->value);
		p->name = xstrdup(k->value);
		p->line = k->line;
		p->col = k->col;
		if ((rc = load_spec(c, ydoc_val(n, i), p)) != 0)
			return rc;
	}
	return 0;
}
