/* rb_load_util.c: the loader's small readers: typed scalars, key checks
 * with "did you mean", anchored regexes; each error names file:line:col. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_load_int.h"

int rbl_fail(const struct rbl *c, const struct ydoc_node *node, const char *fmt,
	     ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ml_err_at(c->err, ML_EINPUT, c->file, node ? node->line : 0,
			 node ? node->col : 0, "%s", msg);
}

int rbl_keys(const struct rbl *c, const struct ydoc_node *map,
	     const char *const *allowed, const char *where)
{
	return ydoc_check_keys(map, allowed, where, c->file, c->err);
}

static const char *got(const struct ydoc_node *n)
{
	if (n && n->type == YDOC_SCALAR && rbl_is_null(n))
		return "nothing";
	return ydoc_type_name(n);
}

int rbl_want_map(const struct rbl *c, const struct ydoc_node *n,
		 const char *what)
{
	if (n && n->type == YDOC_MAP)
		return 0;
	return rbl_fail(c, n,
			"%s: expected a mapping (key: value lines), got %s",
			what, got(n));
}

int rbl_want_seq(const struct rbl *c, const struct ydoc_node *n,
		 const char *what)
{
	if (n && n->type == YDOC_SEQ)
		return 0;
	return rbl_fail(
	    c, n, "%s: expected a list (lines starting with `- `), got %s",
	    what, got(n));
}

int rbl_is_null(const struct ydoc_node *n)
{
	if (!n || n->type != YDOC_SCALAR || n->quoted)
		return 0;
	return !n->value[0] || !strcmp(n->value, "~") ||
	       !strcmp(n->value, "null") || !strcmp(n->value, "Null") ||
	       !strcmp(n->value, "NULL");
}

int rbl_str(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    char **out)
{
	if (!n || n->type != YDOC_SCALAR || rbl_is_null(n))
		return rbl_fail(c, n, "%s: expected a string, got %s", what,
				got(n));
	if (memchr(n->value, '\0', n->len))
		return rbl_fail(c, n, "%s: NUL byte in string", what);
	free(*out);
	*out = xstrdup(n->value);
	return 0;
}

int rbl_bool(const struct rbl *c, const struct ydoc_node *n, const char *what,
	     int *out)
{
	if (n && n->type == YDOC_SCALAR && !n->quoted) {
		if (!strcmp(n->value, "true") || !strcmp(n->value, "True")) {
			*out = 1;
			return 0;
		}
		if (!strcmp(n->value, "false") || !strcmp(n->value, "False")) {
			*out = 0;
			return 0;
		}
	}
	return rbl_fail(c, n, "%s: expected true or false, got %s%s%.40s%s",
			what, n && n->type == YDOC_SCALAR ? "`" : "",
			n && n->type == YDOC_SCALAR ? "" : got(n),
			n && n->type == YDOC_SCALAR ? n->value : "",
			n && n->type == YDOC_SCALAR ? "`" : "");
}

int rbl_int(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    long long lo, long long hi, int *out)
{
	int64_t v;

	if (!n || n->type != YDOC_SCALAR || str_to_i64(n->value, &v) != 0)
		return rbl_fail(
		    c, n, "%s: expected a whole number, got %s%.40s%s", what,
		    n && n->type == YDOC_SCALAR ? "`" : got(n),
		    n && n->type == YDOC_SCALAR ? n->value : "",
		    n && n->type == YDOC_SCALAR ? "`" : "");
	if (v < lo || v > hi)
		return rbl_fail(
		    c, n, "%s: expected a number from %lld to %lld, got %lld",
		    what, lo, hi, (long long)v);
	*out = (int)v;
	return 0;
}

int rbl_dur(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    int64_t *out)
{
	if (!n || n->type != YDOC_SCALAR || dur_parse(n->value, out) != 0)
		return rbl_fail(c, n,
				"%s: expected a duration like 500ms, 30s, 2m, "
				"1h or 90d, got %s%.40s%s",
				what,
				n && n->type == YDOC_SCALAR ? "`" : got(n),
				n && n->type == YDOC_SCALAR ? n->value : "",
				n && n->type == YDOC_SCALAR ? "`" : "");
	return 0;
}

int rbl_is_ident(const char *s)
{
	if (!s || !*s || strlen(s) > RBL_MAX_NAME)
		return 0;
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
	      (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (s++; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

int rbl_regex(const struct rbl *c, const struct ydoc_node *node,
	      const char *pattern, regex_t *re)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_printf(&b, "^(%s)$", pattern);
	rc = regcomp(re, buf_str(&b), REG_EXTENDED | REG_NOSUB);
	buf_free(&b);
	if (rc != 0) {
		char msg[256];

		regerror(rc, re, msg, sizeof(msg));
		regfree(re);
		return rbl_fail(c, node, "bad regular expression `%.80s`: %s",
				pattern, msg);
	}
	return 0;
}
