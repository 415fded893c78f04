/* rb_match.c: trigger matchers (`alertname =~ "A|B"`): parsing, anchored
 * POSIX ERE compilation and matching against alert labels, with
 * Alertmanager semantics (a missing label is the empty string). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "runbook/rb_load_int.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads a "quoted" value with \" \\ \n \t escapes into b; *end after the
 * closing quote. Returns 0 or -1 when unterminated / bad escape. */
static int read_quoted(const char *p, struct buf *b, const char **end)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\') {
			buf_putc(b, *p);
			continue;
		}
		p++;
		if (*p == '"' || *p == '\\')
			buf_putc(b, *p);
		else if (*p == 'n')
			buf_putc(b, '\n');
		else if (*p == 't')
			buf_putc(b, '\t');
		else
			return -1;
	}
	if (*p != '"')
		return -1;
	*end = p + 1;
	return 0;
}

static int parse_op(const char **pp, enum rb_match_op *op)
{
	const char *p = *pp;

	if (p[0] == '=' && p[1] == '~')
		*op = RB_MATCH_RE, p += 2;
	else if (p[0] == '!' && p[1] == '~')
		*op = RB_MATCH_NRE, p += 2;
	else if (p[0] == '!' && p[1] == '=')
		*op = RB_MATCH_NE, p += 2;
	else if (p[0] == '=' && p[1] == '=')
		*op = RB_MATCH_EQ, p += 2;
	else if (p[0] == '=')
		*op = RB_MATCH_EQ, p += 1;
	else
		return -1;
	*pp = p;
	return 0;
}

/* Reads the value after the operator into m->value. */
static int parse_value(const char *p, struct rb_matcher *m, struct ml_err *err)
{
	struct buf b = BUF_INIT;
	const char *end;

	p = skip_ws(p);
	if (*p == '"') {
		if (read_quoted(p, &b, &end) != 0) {
			buf_free(&b);
			return ml_err_set(err, ML_EINPUT,
					  "unterminated quoted value or bad "
					  "escape (use \\\" and \\\\)");
		}
		if (*skip_ws(end)) {
			buf_free(&b);
			return ml_err_set(err, ML_EINPUT,
					  "unexpected text after the quoted "
					  "value: `%.40s`",
					  skip_ws(end));
		}
		m->value = buf_detach(&b, NULL);
		return 0;
	}
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	m->value = xmalloc((size_t)(end - p) + 1);
	memcpy(m->value, p, (size_t)(end - p));
	m->value[end - p] = '\0';
	return 0;
}

int rb_matcher_parse(const char *text, struct rb_matcher *m, struct ml_err *err)
{
	const char *p = skip_ws(text), *start = p;
	int rc;

	memset(m, 0, sizeof(*m));
	while (*p == '_' || isalnum((unsigned char)*p))
		p++;
	if (p == start || isdigit((unsigned char)*start))
		return ml_err_set(err, ML_EINPUT,
				  "expected a matcher like `alertname =~ "
				  "\"A|B\"` (label, one of = != =~ !~, value), "
				  "got `%.60s`",
				  text);
	m->label = xmalloc((size_t)(p - start) + 1);
	memcpy(m->label, start, (size_t)(p - start));
	m->label[p - start] = '\0';
	p = skip_ws(p);
	if (parse_op(&p, &m->op) != 0) {
		rc = ml_err_set(err, ML_EINPUT,
				"expected an operator (=, !=, =~ or !~) after "
				"label `%.60s`, as in `%s =~ \"A|B\"`",
				m->label, m->label);
		rb_matcher_free(m);
		return rc;
	}
	if ((rc = parse_value(p, m, err)) != 0) {
		rb_matcher_free(m);
		return rc;
	}
	return 0;
}

void rb_matcher_free(struct rb_matcher *m)
{
	if (!m)
		return;
	free(m->label);
	free(m->value);
	if (m->has_re)
		regfree(&m->re);
	memset(m, 0, sizeof(*m));
}

int rb_matcher_match(const struct rb_matcher *m, const json_t *labels)
{
	const json_t *v = labels ? json_object_get(labels, m->label) : NULL;
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	int hit;

	switch (m->op) {
	case RB_MATCH_EQ:
		return strcmp(s, m->value) == 0;
	case RB_MATCH_NE:
		return strcmp(s, m->value) != 0;
	default:
		hit = m->has_re && regexec(&m->re, s, 0, NULL, 0) == 0;
		return m->op == RB_MATCH_RE ? hit : !hit;
	}
}

int rb_matches(const struct rb_runbook *rb, const json_t *labels)
{
	if (!rb || rb->n_trigger == 0)
		return 0;
	for (size_t i = 0; i < rb->n_trigger; i++)
		if (!rb_matcher_match(&rb->trigger[i], labels))
			return 0;
	return 1;
}

static int load_one(const struct rbl *c, const struct ydoc_node *n,
		    struct rb_matcher *m)
{
	struct ml_err e;
	int rc;

	if (n->type != YDOC_SCALAR || rbl_is_null(n))
		return rbl_fail(c, n,
				"`trigger`: expected a matcher string like "
				"`alertname =~ \"A|B\"`, got %s",
				ydoc_type_name(n));
	ml_err_clear(&e);
	if (rb_matcher_parse(n->value, m, &e) != 0)
		return rbl_fail(c, n, "`trigger`: %s", e.msg);
	m->line = n->line;
	m->col = n->col;
	if (m->op == RB_MATCH_RE || m->op == RB_MATCH_NRE) {
		if ((rc = rbl_regex(c, n, m->value, &m->re)) != 0)
			return rc;
		m->has_re = 1;
	}
	return 0;
}

int rbl_trigger(const struct rbl *c, const struct ydoc_node *n,
		struct rb_runbook *rb)
{
	size_t count;
	int rc;

	if (n->type == YDOC_SCALAR && !rbl_is_null(n))
		count = 1;
	else if ((rc = rbl_want_seq(c, n, "`trigger`")) != 0)
		return rc;
	else
		count = n->n;
	rb->trigger = xcalloc(count ? count : 1, sizeof(*rb->trigger));
	for (size_t i = 0; i < count; i++) {
		rc = load_one(c, n->type == YDOC_SEQ ? n->items[i] : n,
			      &rb->trigger[i]);
		if (rc) {
			rb_matcher_free(&rb->trigger[i]);
			return rc;
		}
		rb->n_trigger = i + 1;
	}
	return 0;
}
