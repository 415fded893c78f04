/* prom_sel.c: PromQL-style series selectors (`name{k="v",k2=~"re"}`)
 * matched against parsed exposition samples. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "probe/serving/prom_expo.h"

enum sel_op { SEL_EQ, SEL_NE, SEL_RE, SEL_NRE };

struct matcher {
	char *name;
	char *value;
	enum sel_op op;
	regex_t re; /* for SEL_RE / SEL_NRE */
};

struct prom_sel {
	char *name; /* NULL: any metric */
	struct matcher *m;
	size_t n;
};

void prom_sel_free(struct prom_sel *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++) {
		if (sel->m[i].op == SEL_RE || sel->m[i].op == SEL_NRE)
			regfree(&sel->m[i].re);
		free(sel->m[i].name);
		free(sel->m[i].value);
	}
	free(sel->m);
	free(sel->name);
	free(sel);
}

const char *prom_sel_name(const struct prom_sel *sel)
{
	return sel ? sel->name : NULL;
}

static int sel_fail(struct ml_err *err, const char *text, const char *p,
		    const char *what)
{
	return ml_err_set(err, ML_EUSAGE,
			  "selector `%s`, column %d: expected %s", text,
			  (int)(p - text) + 1, what);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int name_char(int c, int first, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Reads a quoted value with \\ \" \n escapes; *pp at the quote. */
static char *quoted(const char **pp)
{
	struct buf b = BUF_INIT;
	const char *p = *pp + 1;

	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			buf_putc(&b, *p == 'n' ? '\n' : *p);
		} else {
			buf_putc(&b, *p);
		}
	}
	if (*p != '"') {
		buf_free(&b);
		return NULL;
	}
	*pp = p + 1;
	return buf_detach(&b, NULL);
}

static int parse_op(const char **pp, enum sel_op *op)
{
	const char *p = *pp;

	if (p[0] == '=' && p[1] == '~')
		*op = SEL_RE, p += 2;
	else if (p[0] == '!' && p[1] == '~')
		*op = SEL_NRE, p += 2;
	else if (p[0] == '!' && p[1] == '=')
		*op = SEL_NE, p += 2;
	else if (p[0] == '=')
		*op = SEL_EQ, p += 1;
	else
		return -1;
	*pp = p;
	return 0;
}

/* Parses one `name op "value"` matcher at *pp. */
static int parse_matcher(const char *text, const char **pp,
			 struct prom_sel *sel, struct ml_err *err)
{
	const char *p = skip_ws(*pp), *s = p;
	struct matcher m = {0};

	while (name_char((unsigned char)*p, p == s, 0))
		p++;
	if (p == s)
		return sel_fail(err, text, p, "a label name");
	m.name = strndup(s, (size_t)(p - s));
	p = skip_ws(p);
	if (parse_op(&p, &m.op)) {
		free(m.name);
		return sel_fail(err, text, p, "=, !=, =~ or !~");
	}
	p = skip_ws(p);
	if (*p != '"' || !(m.value = quoted(&p))) {
		free(m.name);
		return sel_fail(err, text, p, "a quoted value");
	}
	if (m.op == SEL_RE || m.op == SEL_NRE) {
		struct buf anchored = BUF_INIT;
		int bad;
		buf_printf(&anchored, "^(%s)$", m.value);
		bad = regcomp(&m.re, anchored.data, REG_EXTENDED | REG_NOSUB);
		buf_free(&anchored);
		if (bad) {
			free(m.name);
			free(m.value);
			return sel_fail(err, text, s,
					"a valid regular expression");
		}
	}
	sel->m = xrealloc(sel->m, (sel->n + 1) * sizeof(*sel->m));
	sel->m[sel->n++] = m;
	*pp = skip_ws(p);
	return 0;
}

/* Parses matchers up to `}` (braced) or the end of the text. */
static int parse_matchers(const char *text, const char **pp, int braced,
			  struct prom_sel *sel, struct ml_err *err)
{
	const char *p = skip_ws(*pp);
	int rc;

	while (*p && !(braced && *p == '}')) {
		if ((rc = parse_matcher(text, &p, sel, err)) != 0)
			return rc;
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p && !(braced && *p == '}'))
			return sel_fail(err, text, p,
					braced ? "`,` or `}`" : "`,`");
	}
	if (braced && *p != '}')
		return sel_fail(err, text, p, "`}`");
	*pp = braced ? p + 1 : p;
	return 0;
}

int prom_sel_parse(const char *text, struct prom_sel **out, struct ml_err *err)
{
	struct prom_sel *sel = xcalloc(1, sizeof(*sel));
	const char *p = skip_ws(text), *s = p, *q = p;
	int rc = 0;

	*out = NULL;
	while (name_char((unsigned char)*q, q == s, 1))
		q++;
	/* A bare `k="v"` list starts like a name but goes on with an op. */
	if (q > s && *skip_ws(q) != '=' && *skip_ws(q) != '!') {
		sel->name = strndup(s, (size_t)(q - s));
		p = skip_ws(q);
	}
	if (*p == '{') {
		p++;
		rc = parse_matchers(text, &p, 1, sel, err);
	} else if (*p && !sel->name)
		rc = parse_matchers(text, &p, 0, sel, err);
	if (!rc && *skip_ws(p))
		rc = sel_fail(err, text, skip_ws(p), "the end of the selector");
	if (rc) {
		prom_sel_free(sel);
		return rc;
	}
	*out = sel;
	return 0;
}

static int matcher_ok(const struct matcher *m, const char *v)
{
	if (!v)
		v = ""; /* PromQL: a missing label equals "" */
	switch (m->op) {
	case SEL_EQ:
		return !strcmp(v, m->value);
	case SEL_NE:
		return strcmp(v, m->value) != 0;
	case SEL_RE:
		return !regexec(&m->re, v, 0, NULL, 0);
	case SEL_NRE:
		return regexec(&m->re, v, 0, NULL, 0) != 0;
	}
	return 0;
}

int prom_sel_match(const struct prom_sel *sel, const struct prom_sample *s,
		   int ignore_name)
{
	if (!sel)
		return 1;
	if (!ignore_name && sel->name && strcmp(sel->name, s->name))
		return 0;
	for (size_t i = 0; i < sel->n; i++) {
		const struct matcher *m = &sel->m[i];
		if (!strcmp(m->name, "__name__")) {
			if (!matcher_ok(m, s->name))
				return 0;
			continue;
		}
		if (!matcher_ok(m, prom_sample_label(s, m->name)))
			return 0;
	}
	return 1;
}
