/* out.c: output format selection and JSON printing helpers. */
#include "core/out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int out_parse(const char *s, enum out_fmt *fmt)
{
	if (!strcmp(s, "text"))
		*fmt = OUT_TEXT;
	else if (!strcmp(s, "json"))
		*fmt = OUT_JSON;
	else if (!strcmp(s, "html"))
		*fmt = OUT_HTML;
	else if (!strcmp(s, "md") || !strcmp(s, "markdown"))
		*fmt = OUT_MARKDOWN;
	else
		return -1;
	return 0;
}

int out_json(FILE *f, const json_t *j)
{
	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0)
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

void jset_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
	if (v && !json_object_get(o, k)) /* invalid UTF-8: keep it visible */
		json_object_set_new(o, k, json_string("<invalid UTF-8>"));
}

void jset_int(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, json_integer(v));
}

void jset_real(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, isfinite(v) ? json_real(v) : json_null());
}

void jset_bool(json_t *o, const char *k, int v)
{
	json_object_set_new(o, k, json_boolean(v));
}

const char *jget_str(const json_t *o, const char *k, const char *dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

long long jget_int(const json_t *o, const char *k, long long dflt)
{
	const json_t *v = json_object_get(o, k);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return dflt;
}

double jget_num(const json_t *o, const char *k, double dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

int jget_bool(const json_t *o, const char *k, int dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int out_color(FILE *f)
{
	return isatty(fileno(f)) && !getenv("NO_COLOR");
}
