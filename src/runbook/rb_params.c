/* rb_params.c: runbook params: resolving given values against the
 * declarations (defaults, required, types, pattern, enum), turning them
 * into environment variables for shell steps, and expanding {{name}} in
 * probe `with:` arguments (the only place templates exist). */
#include <ctype.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_exec_int.h"

/* Text of a given value: strings as is, numbers and booleans printed. */
static char *value_text(const json_t *v)
{
	struct buf b = BUF_INIT;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		buf_printf(&b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		char tmp[32];
		out_real_text(json_real_value(v), tmp, sizeof(tmp));
		buf_puts(&b, tmp);
	} else if (json_is_boolean(v))
		buf_puts(&b, json_is_true(v) ? "true" : "false");
	else
		return NULL;
	return buf_detach(&b, NULL);
}

static const char *type_name(enum rb_param_type t)
{
	static const char *const n[] = {"a string", "an integer", "a number",
					"true or false",
					"a duration (30s, 2m)"};
	return t <= RB_PT_DURATION ? n[t] : "a value";
}

/* Checks (and normalizes booleans in) *val for p. Returns 0 or sets err. */
static int check_value(const struct rb_param *p, char **val, struct ml_err *err)
{
	int64_t i;
	double d;
	int ok = 1;

	switch (p->type) {
	case RB_PT_INT:
		ok = !str_to_i64(*val, &i);
		break;
	case RB_PT_FLOAT:
		ok = !str_to_double(*val, &d);
		break;
	case RB_PT_DURATION:
		ok = !dur_parse(*val, &i);
		break;
	case RB_PT_BOOL: {
		const char *t = NULL;
		if (!strcmp(*val, "true") || !strcmp(*val, "yes") ||
		    !strcmp(*val, "1"))
			t = "true";
		else if (!strcmp(*val, "false") || !strcmp(*val, "no") ||
			 !strcmp(*val, "0"))
			t = "false";
		ok = t != NULL;
		if (ok) {
			free(*val);
			*val = xstrdup(t);
		}
		break;
	}
	default:
		break;
	}
	if (!ok)
		return ml_err_set(
		    err, ML_EUSAGE, "param `%s` must be %s%s%s", p->name,
		    type_name(p->type),
		    p->secret ? "" : ", got: ", p->secret ? "" : *val);
	if (p->has_re && regexec(&p->re, *val, 0, NULL, 0) != 0)
		return ml_err_set(
		    err, ML_EUSAGE,
		    "param `%s` does not match the pattern %s%s%s", p->name,
		    p->pattern ? p->pattern : "?", p->secret ? "" : ": ",
		    p->secret ? "" : *val);
	if (p->n_choices) {
		struct buf b = BUF_INIT;
		for (size_t k = 0; k < p->n_choices; k++)
			if (!strcmp(p->choices[k], *val))
				return 0;
		for (size_t k = 0; k < p->n_choices; k++)
			buf_printf(&b, "%s%s", k ? ", " : "", p->choices[k]);
		ml_err_set(err, ML_EUSAGE, "param `%s` must be one of: %s",
			   p->name, buf_str(&b));
		buf_free(&b);
		return ML_EUSAGE;
	}
	return 0;
}

static int check_unknown(const struct rb_runbook *rb, const json_t *given,
			 struct ml_err *err)
{
	const char *key, **names = xcalloc(rb->n_params + 1, sizeof(*names));
	json_t *v;
	int rc = 0;

	for (size_t i = 0; i < rb->n_params; i++)
		names[i] = rb->params[i].name;
	json_object_foreach((json_t *)given, key, v)
	{
		const char *near;
		if (rb_param_find(rb, key))
			continue;
		near = str_nearest(key, names);
		rc = ml_err_set(
		    err, ML_EUSAGE, "runbook %s has no param `%s`%s%s%s",
		    rb->id ? rb->id : "?", key, near ? "; did you mean `" : "",
		    near ? near : "", near ? "`?" : "");
		break;
	}
	free(names);
	return rc;
}

int rb_params_resolve(const struct rb_runbook *rb, const json_t *given,
		      json_t **out, struct ml_err *err)
{
	json_t *res;
	int rc;

	*out = NULL;
	if (given && !json_is_object(given))
		return ml_err_set(err, ML_EUSAGE, "params must be a mapping");
	if (given && (rc = check_unknown(rb, given, err)) != 0)
		return rc;
	res = json_object();
	for (size_t i = 0; i < rb->n_params; i++) {
		const struct rb_param *p = &rb->params[i];
		const json_t *v =
		    given ? json_object_get(given, p->name) : NULL;
		char *val =
		    v && !json_is_null(v) ? value_text(v) : xstrdup(p->dflt);

		if (v && !json_is_null(v) && !val) {
			json_decref(res);
			return ml_err_set(err, ML_EUSAGE,
					  "param `%s` must be a scalar value",
					  p->name);
		}
		if (!val) {
			if (!p->required)
				continue;
			json_decref(res);
			return ml_err_set(err, ML_EUSAGE,
					  "param `%s` is required%s%s "
					  "(--param %s=VALUE)",
					  p->name, p->help ? ": " : "",
					  p->help ? p->help : "", p->name);
		}
		if ((rc = check_value(p, &val, err)) != 0) {
			free(val);
			json_decref(res);
			return rc;
		}
		json_object_set_new(res, p->name, json_string(val));
		free(val);
	}
	*out = res;
	return 0;
}

static int is_identifier(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* Names a param may not take as is in the environment, because the
 * shell or the dynamic linker reads them (a param filled from an alert
 * label must not be able to change PATH or preload a library). Such a
 * param still reaches the shell as ML_PARAM_<NAME>. */
static int env_reserved(const char *name)
{
	static const char *const names[] = {
	    "PATH",   "IFS",  "ENV",   "BASH_ENV", "SHELLOPTS", "PS4",
	    "CDPATH", "HOME", "SHELL", "ITEM",	   "TMPDIR",	NULL};

	for (const char *const *n = names; *n; n++)
		if (!strcmp(name, *n))
			return 1;
	return !strncmp(name, "LD_", 3) || !strncmp(name, "ML_", 3) ||
	       !strncmp(name, "GCONV_", 6) || !strncmp(name, "MALLOC_", 7);
}

static void env_add(char ***env, size_t *n, const char *k, const char *v)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s=%s", k, v);
	*env = xrealloc(*env, (*n + 2) * sizeof(**env));
	(*env)[(*n)++] = buf_detach(&b, NULL);
	(*env)[*n] = NULL;
}

char **rb_env_build(const struct rb_runbook *rb, const json_t *params,
		    const char *item)
{
	char **env = xcalloc(1, sizeof(*env));
	size_t n = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)params, key, v)
	{
		struct buf up = BUF_INIT;
		buf_puts(&up, "ML_PARAM_");
		for (const char *c = key; *c; c++)
			buf_putc(&up, isalnum((unsigned char)*c)
					  ? (char)toupper((unsigned char)*c)
					  : '_');
		if (is_identifier(key) && !env_reserved(key))
			env_add(&env, &n, key, json_string_value(v));
		env_add(&env, &n, buf_str(&up), json_string_value(v));
		buf_free(&up);
	}
	if (item)
		env_add(&env, &n, "ITEM", item);
	if (rb->id)
		env_add(&env, &n, "ML_RUNBOOK", rb->id);
	return env;
}

char *rb_text_expand(const json_t *params, const char *item, const char *text)
{
	struct buf b = BUF_INIT;
	const char *p = text;

	while (*p) {
		const char *s = p + 1, *e;
		int brace = *s == '{';
		const char *v = NULL;
		char name[128];

		if (*p != '$') {
			buf_putc(&b, *p++);
			continue;
		}
		s += brace;
		for (e = s; isalnum((unsigned char)*e) || *e == '_'; e++)
			;
		if (e > s && (size_t)(e - s) < sizeof(name) &&
		    (!brace || *e == '}')) {
			memcpy(name, s, (size_t)(e - s));
			name[e - s] = 0;
			if (!strcmp(name, "ITEM"))
				v = item;
			else
				v = json_string_value(
				    json_object_get(params, name));
		}
		if (!v) { /* not a param: kept as written */
			buf_putc(&b, *p++);
			continue;
		}
		buf_puts(&b, v);
		p = e + brace;
	}
	return buf_detach(&b, NULL);
}

void rb_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

char **rb_secrets_collect(const struct rb_runbook *rb, const json_t *params)
{
	char **s = xcalloc(rb->n_params + 1, sizeof(*s));
	size_t n = 0;

	for (size_t i = 0; i < rb->n_params; i++) {
		const char *v = json_string_value(
		    json_object_get(params, rb->params[i].name));
		if (rb->params[i].secret && v && *v)
			s[n++] = xstrdup(v);
	}
	return s;
}

/* Expands the templates of one string. */
static int expand_str(const char *s, const json_t *params, const char *item,
		      const struct rb_runbook *rb, const struct rb_step *st,
		      struct buf *out, struct ml_err *err)
{
	while (*s) {
		const char *open = strstr(s, "{{"), *close, *a, *z;
		const char *val;
		char *name;

		if (!open) {
			buf_puts(out, s);
			break;
		}
		buf_add(out, s, (size_t)(open - s));
		if (!(close = strstr(open + 2, "}}")))
			return ml_err_at(err, ML_EINPUT, rb->file, st->line,
					 st->col, "unclosed `{{` in with:");
		for (a = open + 2; a < close && isspace((unsigned char)*a); a++)
			;
		for (z = close; z > a && isspace((unsigned char)z[-1]); z--)
			;
		name = xmalloc((size_t)(z - a) + 1);
		memcpy(name, a, (size_t)(z - a));
		name[z - a] = 0;
		val = !strcmp(name, "ITEM")
			  ? item
			  : json_string_value(json_object_get(params, name));
		if (!val) {
			int known = rb_param_find(rb, name) != NULL;
			ml_err_at(err, ML_EINPUT, rb->file, st->line, st->col,
				  "{{%s}}: %s", name,
				  known ? "this param has no value (give "
					  "--param or a default)"
					: "no such param");
			free(name);
			return ML_EINPUT;
		}
		free(name);
		buf_puts(out, val);
		s = close + 2;
	}
	return 0;
}

static int expand(const json_t *v, const char *key, const json_t *params,
		  const char *item, const struct rb_runbook *rb,
		  const struct rb_step *st, json_t **out, struct ml_err *err)
{
	const char *k;
	json_t *e;
	size_t i;
	int rc = 0;

	if (json_is_string(v)) {
		struct buf b = BUF_INIT;
		if (key && !strcmp(key, "cmd") &&
		    strstr(json_string_value(v), "{{"))
			return ml_err_at(
			    err, ML_EINPUT, rb->file, st->line, st->col,
			    "`cmd` is shell text: {{...}} would "
			    "splice a value into it; use \"$name\" "
			    "(params are environment variables)");
		rc = expand_str(json_string_value(v), params, item, rb, st, &b,
				err);
		*out = rc ? NULL : json_string(buf_str(&b));
		buf_free(&b);
		if (!rc && !*out)
			rc = ml_err_at(err, ML_EINPUT, rb->file, st->line,
				       st->col, "with: value is not UTF-8");
		return rc;
	}
	if (json_is_object(v)) {
		*out = json_object();
		json_object_foreach((json_t *)v, k, e)
		{
			json_t *x;
			if ((rc = expand(e, k, params, item, rb, st, &x, err)))
				break;
			json_object_set_new(*out, k, x);
		}
	} else if (json_is_array(v)) {
		*out = json_array();
		json_array_foreach(v, i, e)
		{
			json_t *x;
			if ((rc =
				 expand(e, key, params, item, rb, st, &x, err)))
				break;
			json_array_append_new(*out, x);
		}
	} else {
		*out = json_incref((json_t *)v);
	}
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int rb_with_expand(const struct rb_runbook *rb, const struct rb_step *st,
		   const json_t *params, const char *item, json_t **out,
		   struct ml_err *err)
{
	if (!st->with) {
		*out = json_object();
		return 0;
	}
	return expand(st->with, NULL, params, item, rb, st, out, err);
}
