/* rb_lint_refs.c: finding the names a piece of text refers to, for lint's
 * param and fact checks: parameters in shell text ($name, ${name},
 * $((name))) and global names in Lua expressions (facts, params.NAME).
 * Both are lexical scans, good enough for lint, never used to execute. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runbook/rb_lint.h"

struct names {
	char **v;
	size_t n, cap;
};

static void names_add(struct names *s, const char *p, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n] = xmalloc(len + 1);
	memcpy(s->v[s->n], p, len);
	s->v[s->n][len] = '\0';
	s->n++;
}

static int names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int id_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}

static int id_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

static size_t id_len(const char *p)
{
	size_t n = 0;

	if (!id_start(*p))
		return 0;
	while (id_char(p[n]))
		n++;
	return n;
}

/* ---- shell ----------------------------------------------------------- */

/* Names the script assigns: NAME=..., for NAME in, read [-opts] NAME... */
static void shell_assigned(const char *t, struct names *out)
{
	for (const char *p = t; *p; p++) {
		size_t n;

		if (p != t && (id_char(p[-1]) || p[-1] == '$' || p[-1] == '{'))
			continue;
		if (!(n = id_len(p)))
			continue;
		if (p[n] == '=' && p[n + 1] != '=')
			names_add(out, p, n);
		else if ((n == 3 && !strncmp(p, "for", 3)) ||
			 (n == 4 && !strncmp(p, "read", 4)) ||
			 (n == 5 && !strncmp(p, "local", 5))) {
			const char *q = p + n;

			for (;;) {
				size_t m;

				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '-') { /* an option of read */
					while (*q && *q != ' ' && *q != '\n')
						q++;
					continue;
				}
				if (!(m = id_len(q)) || !strncmp(q, "in ", 3))
					break;
				names_add(out, q, m);
				q += m;
				if (!strncmp(p, "for", 3))
					break;
			}
		}
		p += n - 1;
	}
}

/* Reports the identifiers inside $(( ... )); returns the end. */
static const char *shell_arith(const char *p, struct names *refs)
{
	int depth = 2;

	while (*p && depth > 0) {
		size_t n;

		if (*p == '(')
			depth++, p++;
		else if (*p == ')')
			depth--, p++;
		else if ((n = id_len(p))) {
			names_add(refs, p, n);
			p += n;
		} else if (isdigit((unsigned char)*p)) {
			while (isalnum((unsigned char)*p))
				p++;
		} else
			p++;
	}
	return p;
}

void rb_lint_shell_refs(const char *text,
			void (*f)(void *ctx, const char *name, int assigned),
			void *ctx)
{
	struct names assigned = {0}, refs = {0};
	int dq = 0;

	shell_assigned(text, &assigned);
	for (const char *p = text; *p; p++) {
		size_t n;

		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"') {
			dq = !dq;
		} else if (*p == '\'' && !dq) {
			const char *e = strchr(p + 1, '\'');
			if (!e)
				break;
			p = e;
		} else if (*p == '$' && p[1] == '(' && p[2] == '(') {
			p = shell_arith(p + 3, &refs) - 1;
		} else if (*p == '$' && p[1] == '{') {
			const char *q = p + 2;

			if (*q == '#' || *q == '!')
				q++;
			if ((n = id_len(q)))
				names_add(&refs, q, n);
		} else if (*p == '$' && (n = id_len(p + 1))) {
			names_add(&refs, p + 1, n);
			p += n;
		}
	}
	for (size_t i = 0; i < refs.n; i++)
		f(ctx, refs.v[i], names_has(&assigned, refs.v[i]));
	names_free(&assigned);
	names_free(&refs);
}

/* ---- Lua ------------------------------------------------------------- */

static const char *const lua_keywords[] = {
    "and",	"break",  "do",	  "else", "elseif", "end",   "false", "for",
    "function", "goto",	  "if",	  "in",	  "local",  "nil",   "not",   "or",
    "repeat",	"return", "then", "true", "until",  "while", NULL};

static int is_keyword(const char *p, size_t n)
{
	for (int i = 0; lua_keywords[i]; i++)
		if (strlen(lua_keywords[i]) == n &&
		    !strncmp(lua_keywords[i], p, n))
			return 1;
	return 0;
}

/* Skips a long bracket [[...]] / [==[...]==] at p; NULL if p is none. */
static const char *skip_long(const char *p)
{
	size_t eq = 0;
	const char *q = p + 1;

	while (*q == '=')
		eq++, q++;
	if (*p != '[' || *q != '[')
		return NULL;
	for (q++; *q; q++) {
		if (*q != ']')
			continue;
		size_t k = 0;
		while (q[1 + k] == '=')
			k++;
		if (k == eq && q[1 + k] == ']')
			return q + 2 + k;
	}
	return q;
}

/* Skips strings, comments and numbers at p; returns p when none. */
static const char *skip_lua(const char *p)
{
	const char *e;

	if (p[0] == '-' && p[1] == '-') {
		if ((e = skip_long(p + 2)))
			return e;
		while (*p && *p != '\n')
			p++;
		return p;
	}
	if (*p == '"' || *p == '\'') {
		char q = *p++;
		while (*p && *p != q)
			p += (*p == '\\' && p[1]) ? 2 : 1;
		return *p ? p + 1 : p;
	}
	if ((e = skip_long(p)))
		return e;
	if (isdigit((unsigned char)*p)) {
		while (isalnum((unsigned char)*p) || *p == '.' ||
		       ((*p == '+' || *p == '-') &&
			(p[-1] == 'e' || p[-1] == 'E' || p[-1] == 'p' ||
			 p[-1] == 'P')))
			p++;
	}
	return p;
}

static char prev_sig(const char *start, const char *p)
{
	while (p > start && isspace((unsigned char)p[-1]))
		p--;
	if (p == start)
		return '\0';
	if (p[-1] == '.' && p - 1 > start && p[-2] == '.')
		return ' '; /* the .. operator */
	return p[-1];
}

static const char *next_sig(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* params.NAME or params["NAME"] right after `params` (at p). */
static void param_field(const char *p, struct names *params)
{
	size_t n;

	p = next_sig(p);
	if (*p == '.' && p[1] != '.' && (n = id_len(next_sig(p + 1))))
		names_add(params, next_sig(p + 1), n);
	else if (*p == '[') {
		p = next_sig(p + 1);
		if ((*p == '"' || *p == '\'') && (n = id_len(p + 1)) &&
		    p[1 + n] == *p)
			names_add(params, p + 1, n);
	}
}

struct lua_scan {
	struct names locals, globals, params;
	int decl; /* 1: after local/for, names are locals; 2: function params */
};

static void lua_ident(struct lua_scan *s, const char *start, const char *p,
		      size_t n)
{
	char prev = prev_sig(start, p);
	const char *nx = next_sig(p + n);

	if (is_keyword(p, n)) {
		if ((n == 5 && !strncmp(p, "local", 5)) ||
		    (n == 3 && !strncmp(p, "for", 3)))
			s->decl = 1;
		else if (n == 8 && !strncmp(p, "function", 8))
			s->decl = 2;
		else if (n == 2 && !strncmp(p, "in", 2))
			s->decl = 0;
		return;
	}
	if ((prev == '.' || prev == ':') && !s->decl)
		return; /* a field or a method */
	if (s->decl) {
		names_add(&s->locals, p, n);
		if (s->decl == 1 && *nx != ',')
			s->decl = 0;
		return;
	}
	if (*nx == '=' && nx[1] != '=')
		return; /* a table key or an assignment */
	if (n == 6 && !strncmp(p, "params", 6))
		param_field(p + n, &s->params);
	names_add(&s->globals, p, n);
}

void rb_lint_lua_refs(const char *expr,
		      void (*f)(void *ctx, const char *name, int is_param),
		      void *ctx)
{
	struct lua_scan s = {{0}, {0}, {0}, 0};

	for (const char *p = expr; *p;) {
		const char *e = skip_lua(p);
		size_t n;

		if (e != p) {
			p = e;
			continue;
		}
		if ((n = id_len(p))) {
			lua_ident(&s, expr, p, n);
			p += n;
			continue;
		}
		if (*p == ')' && s.decl == 2)
			s.decl = 0;
		p++;
	}
	for (size_t i = 0; i < s.globals.n; i++)
		if (!names_has(&s.locals, s.globals.v[i]))
			f(ctx, s.globals.v[i], 0);
	for (size_t i = 0; i < s.params.n; i++)
		f(ctx, s.params.v[i], 1);
	names_free(&s.locals);
	names_free(&s.globals);
	names_free(&s.params);
}
