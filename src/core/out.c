/* out.c: output format selection and JSON printing helpers. */
#include "core/out.h"

#include "core/buf.h"

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

void out_real_text(double v, char *out, size_t n)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
}

/* out_real_text, spelled as jansson spells a real. out needs 32 bytes. */
static void real_shortest(double v, char *out, size_t n)
{
	char *e;

	out_real_text(v, out, n);
	if (!strchr(out, '.') && !strchr(out, 'e'))
		strncat(out, ".0", n - strlen(out) - 1);
	if ((e = strchr(out, 'e')) != NULL) {
		char *start = e + 1, *end;

		if (*start == '-')
			start++;
		end = start;
		while (*end == '+' || *end == '0')
			end++;
		memmove(start, end, strlen(end) + 1);
	}
}

/* Copies text to b, each real token outside strings re-spelled. */
static void respell_reals(const char *t, struct buf *b)
{
	int in_str = 0;

	while (*t) {
		size_t len;
		char num[64];

		if (in_str || (*t != '-' && (*t < '0' || *t > '9'))) {
			if (in_str && *t == '\\' && t[1])
				buf_putc(b, *t++);
			else if (*t == '"')
				in_str = !in_str;
			buf_putc(b, *t++);
			continue;
		}
		len = strspn(t, "0123456789+-.eE");
		if (len < sizeof(num) && strcspn(t, ".eE") < len) {
			char out[40];

			memcpy(num, t, len);
			num[len] = '\0';
			real_shortest(strtod(num, NULL), out, sizeof(out));
			buf_puts(b, out);
		} else {
			buf_add(b, t, len);
		}
		t += len;
	}
}

char *out_json_dumps(const json_t *j, size_t flags)
{
	char *text = json_dumps(j, flags | JSON_REAL_PRECISION(17));
	struct buf b = BUF_INIT;

	if (!text)
		return NULL;
	respell_reals(text, &b);
	free(text);
	return buf_detach(&b, NULL);
}

int out_json(FILE *f, const json_t *j)
{
	char *text = out_json_dumps(j, JSON_INDENT(2));
	int rc = 0;

	if (!text)
		return -1;
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
		rc = -1;
	free(text);
	return rc;
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
