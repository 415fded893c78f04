/* rb_explain.c: "why did this case match?": finds the fact paths an
 * expression reads (`gpu.memory_used_pct`, `params.deployment`) and
 * evaluates each, so the run record can show the values a `when:` or
 * `expect:` saw. */
#include <ctype.h>
#include <string.h>

#include "core/buf.h"
#include "runbook/rb_exec_int.h"

#define RB_SEEN_MAX 16

static int ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Skips a string or comment starting at s; returns the end (or s). */
static const char *skip_literal(const char *s)
{
	if (*s == '"' || *s == '\'') {
		char q = *s++;
		while (*s && *s != q) {
			if (*s == '\\' && s[1])
				s++;
			s++;
		}
		return *s ? s + 1 : s;
	}
	if (s[0] == '-' && s[1] == '-') {
		while (*s && *s != '\n')
			s++;
		return s;
	}
	if (s[0] == '[' && (s[1] == '[' || s[1] == '=')) {
		const char *e = strstr(s, "]]");
		return e ? e + 2 : s + strlen(s);
	}
	return s;
}

/* Evaluates one path and stores it in seen when it gives a value. */
static void add_path(struct rb_expr_env *env, json_t *seen, const char *p)
{
	struct ml_err err;
	json_t *v = NULL;

	if (json_object_get(seen, p) || json_object_size(seen) >= RB_SEEN_MAX)
		return;
	if (rb_expr_eval_json(env, p, NULL, 0, 0, &v, &err) != 0)
		return;
	json_object_set_new(seen, p, v ? v : json_null());
}

json_t *rb_expr_seen(struct rb_expr_env *env, const char *expr,
		     const json_t *facts)
{
	json_t *seen = json_object();
	const char *s = expr ? expr : "";
	char prev = 0;

	while (*s) {
		const char *e = skip_literal(s), *a;
		struct buf path = BUF_INIT;
		char head[128];
		size_t hl;

		if (e != s) {
			s = e;
			prev = 0;
			continue;
		}
		if (!ident_start(*s) || prev == '.' || prev == ':' ||
		    ident_char(prev)) {
			prev = *s++;
			continue;
		}
		a = s;
		while (ident_char(*s))
			s++;
		hl = (size_t)(s - a) < sizeof(head) ? (size_t)(s - a)
						    : sizeof(head) - 1;
		memcpy(head, a, hl);
		head[hl] = 0;
		buf_add(&path, a, (size_t)(s - a));
		while (s[0] == '.' && ident_start(s[1])) {
			const char *b = ++s;
			while (ident_char(*s))
				s++;
			buf_putc(&path, '.');
			buf_add(&path, b, (size_t)(s - b));
		}
		if (*s != '(' && *s != ':' &&
		    (json_object_get(facts, head) || !strcmp(head, "params")))
			add_path(env, seen, buf_str(&path));
		buf_free(&path);
		prev = s[-1];
	}
	return seen;
}
