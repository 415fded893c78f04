/* probe.c: argument checking, verdicts and reasons shared by all probes. */
#include "probe/probe.h"

#include <stdarg.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"

const struct probe_def *probe_find(const char *name)
{
	for (const struct probe_def *const *p = probe_list(); *p; p++)
		if (!strcmp((*p)->name, name))
			return *p;
	return NULL;
}

static const char *type_name(enum probe_opt_type t)
{
	static const char *const n[] = {
	    "a string",	  "an integer", "a number", "true or false",
	    "a duration", "a path",	"a list"};
	return n[t];
}

/* Converts v (any JSON scalar; strings are parsed) to the option's type. */
static json_t *coerce(const struct probe_opt *o, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	int64_t i;
	double d;

	switch (o->type) {
	case PO_STRING:
	case PO_PATH:
		if (s)
			return json_incref(v);
		if (json_is_number(v)) {
			char tmp[64];
			if (json_is_integer(v))
				snprintf(tmp, sizeof(tmp), "%lld",
					 (long long)json_integer_value(v));
			else
				out_real_text(json_real_value(v), tmp,
					      sizeof(tmp));
			return json_string(tmp);
		}
		return NULL;
	case PO_INT:
		if (json_is_integer(v))
			return json_incref(v);
		return s && !str_to_i64(s, &i) ? json_integer(i) : NULL;
	case PO_NUM:
		if (json_is_number(v))
			return json_real(json_number_value(v));
		return s && !str_to_double(s, &d) ? json_real(d) : NULL;
	case PO_BOOL:
		if (json_is_boolean(v))
			return json_incref(v);
		if (s && (!strcmp(s, "true") || !strcmp(s, "yes") ||
			  !strcmp(s, "1")))
			return json_true();
		if (s && (!strcmp(s, "false") || !strcmp(s, "no") ||
			  !strcmp(s, "0")))
			return json_false();
		return NULL;
	case PO_DURATION:
		if (json_is_integer(v))
			return json_incref(v);
		return s && !dur_parse(s, &i) ? json_integer(i) : NULL;
	case PO_LIST:
		if (json_is_array(v)) {
			size_t k;
			json_t *e;
			json_array_foreach(
			    v, k, e) if (!json_is_string(e)) return NULL;
			return json_incref(v);
		}
		return s ? json_pack("[s]", s) : NULL;
	}
	return NULL;
}

static int check_unknown(const struct probe_def *p, const json_t *args,
			 struct ml_err *err)
{
	const char *key, *names[64];
	json_t *v;
	size_t n = 0;

	for (const struct probe_opt *o = p->opts; o && o->name && n < 63; o++)
		names[n++] = o->name;
	names[n] = NULL;
	json_object_foreach((json_t *)args, key, v)
	{
		int known = 0;
		for (size_t i = 0; i < n; i++)
			known |= !strcmp(names[i], key);
		if (!known) {
			const char *near = str_nearest(key, names);
			return ml_err_set(err, ML_EUSAGE,
					  "probe %s has no argument `%s`%s%s%s",
					  p->name, key,
					  near ? "; did you mean `" : "",
					  near ? near : "", near ? "`?" : "");
		}
	}
	return 0;
}

int probe_args_check(const struct probe_def *p, const json_t *args,
		     json_t **out, struct ml_err *err)
{
	json_t *res;
	int rc;

	*out = NULL;
	if (args && !json_is_object(args))
		return ml_err_set(err, ML_EUSAGE,
				  "probe %s: arguments must be a mapping",
				  p->name);
	if (args && (rc = check_unknown(p, args, err)) != 0)
		return rc;
	res = json_object();
	for (const struct probe_opt *o = p->opts; o && o->name; o++) {
		json_t *v = args ? json_object_get(args, o->name) : NULL;
		json_t *dv = NULL, *c;

		if ((!v || json_is_null(v)) && o->dflt)
			v = dv = json_string(o->dflt);
		if (!v || json_is_null(v)) {
			if (o->required) {
				json_decref(res);
				return ml_err_set(err, ML_EUSAGE,
						  "probe %s needs `%s` (%s)",
						  p->name, o->name, o->help);
			}
			continue;
		}
		c = coerce(o, v);
		json_decref(dv);
		if (!c) {
			json_decref(res);
			return ml_err_set(err, ML_EUSAGE,
					  "probe %s: `%s` must be %s", p->name,
					  o->name, type_name(o->type));
		}
		json_object_set_new(res, o->name, c);
	}
	*out = res;
	return 0;
}

json_t *probe_facts_new(const char *name)
{
	return json_pack("{s:s, s:s, s:[]}", "probe", name, "verdict",
			 "healthy", "reasons");
}

const char *probe_verdict_name(enum probe_verdict v)
{
	static const char *const n[] = {"healthy", "unknown", "degraded",
					"failed"};
	return v <= PV_FAILED ? n[v] : "unknown";
}

enum probe_verdict probe_verdict_of(const json_t *facts)
{
	const char *s = jget_str(facts, "verdict", "unknown");

	for (int v = PV_HEALTHY; v <= PV_FAILED; v++)
		if (!strcmp(s, probe_verdict_name((enum probe_verdict)v)))
			return (enum probe_verdict)v;
	return PV_UNKNOWN;
}

void probe_reason(json_t *facts, enum probe_verdict level, const char *code,
		  const char *fmt, ...)
{
	json_t *reasons = json_object_get(facts, "reasons");
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!json_is_array(reasons)) {
		reasons = json_array();
		json_object_set_new(facts, "reasons", reasons);
	}
	json_array_append_new(
	    reasons,
	    json_pack("{s:s, s:s, s:s}", "level",
		      level == PV_HEALTHY ? "info" : probe_verdict_name(level),
		      "code", code, "message", msg));
	if (level > probe_verdict_of(facts))
		jset_str(facts, "verdict", probe_verdict_name(level));
}

int probe_run(const struct probe_def *p, const json_t *args, int dry_run,
	      FILE *progress, volatile sig_atomic_t *cancel, json_t **facts,
	      struct ml_err *err)
{
	struct probe_ctx ctx = {0};
	json_t *checked = NULL;
	int rc;

	*facts = NULL;
	if ((rc = probe_args_check(p, args, &checked, err)) != 0)
		return rc;
	ctx.args = checked;
	ctx.dry_run = dry_run;
	ctx.progress = progress;
	ctx.cancel = cancel;
	rc = p->run(&ctx, facts, err);
	json_decref(checked);
	if (rc) {
		json_decref(*facts);
		*facts = NULL;
		return rc;
	}
	if (!json_is_object(*facts))
		return ml_err_set(err, ML_EINTERNAL, "probe %s gave no facts",
				  p->name);
	if (!json_object_get(*facts, "probe"))
		jset_str(*facts, "probe", p->name);
	if (!json_object_get(*facts, "verdict"))
		jset_str(*facts, "verdict", "healthy");
	if (!json_object_get(*facts, "reasons"))
		json_object_set_new(*facts, "reasons", json_array());
	return 0;
}

static void render_value(const char *key, const json_t *v, int depth,
			 struct buf *out)
{
	const char *k;
	json_t *e;
	size_t i;

	buf_printf(out, "%*s%s%s", depth * 2, "", key ? key : "-",
		   key ? ":" : "");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_putc(out, '\n');
		json_object_foreach((json_t *)v, k, e)
		    render_value(k, e, depth + 1, out);
		return;
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			buf_puts(out, " []\n");
			return;
		}
		buf_putc(out, '\n');
		json_array_foreach(v, i, e)
		    render_value(NULL, e, depth + 1, out);
		return;
	case JSON_STRING:
		buf_printf(out, " %s\n", json_string_value(v));
		return;
	case JSON_INTEGER:
		buf_printf(out, " %lld\n", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		buf_printf(out, " %.6g\n", json_real_value(v));
		return;
	case JSON_TRUE:
		buf_puts(out, " true\n");
		return;
	case JSON_FALSE:
		buf_puts(out, " false\n");
		return;
	default:
		buf_puts(out, " null\n");
	}
}

void probe_render_default(const json_t *facts, struct buf *out)
{
	const json_t *reasons = json_object_get(facts, "reasons");
	const char *k;
	json_t *v;
	size_t i;

	buf_printf(out, "%s: %s\n", jget_str(facts, "probe", "?"),
		   jget_str(facts, "verdict", "unknown"));
	json_array_foreach(reasons, i, v)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(v, "level", "?"),
		       jget_str(v, "code", "?"), jget_str(v, "message", ""));
	json_object_foreach((json_t *)facts, k, v)
	{
		if (!strcmp(k, "probe") || !strcmp(k, "verdict") ||
		    !strcmp(k, "reasons"))
			continue;
		render_value(k, v, 0, out);
	}
}
