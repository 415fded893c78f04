/* schema_def.c: loads the schema YAML of the schema probe through ydoc (so
 * errors carry file:line:col) and writes schemas inferred from data. */
#include "probe/data/schema_def.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "stats/stats.h"

static int bad(struct ml_err *err, const char *file, const struct ydoc_node *n,
	       const char *what)
{
	return ml_err_at(err, ML_EINPUT, file, n ? n->line : 0, n ? n->col : 0,
			 "%s", what);
}

static int get_bool(const struct ydoc_node *n, int *v)
{
	if (n->type != YDOC_SCALAR || n->quoted)
		return -1;
	if (!strcmp(n->value, "true"))
		return *v = 1, 0;
	if (!strcmp(n->value, "false"))
		return *v = 0, 0;
	return -1;
}

static int get_num(const struct ydoc_node *n, double *v)
{
	int isint;
	if (n->type != YDOC_SCALAR ||
	    csv_parse_num(n->value, n->len, v, &isint) || isnan(*v))
		return -1;
	return 0;
}

static char **str_list(const struct ydoc_node *n, size_t *count)
{
	char **l;

	if (n->type != YDOC_SEQ)
		return NULL;
	l = xcalloc(n->n + 1, sizeof(*l));
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->type != YDOC_SCALAR) {
			for (size_t k = 0; k < i; k++)
				free(l[k]);
			free(l);
			return NULL;
		}
		l[i] = xstrdup(n->items[i]->value);
	}
	*count = n->n;
	return l;
}

static const char *const col_keys[] = {"name",	 "type", "nullable", "required",
				       "min",	 "max",	 "allowed",  "regex",
				       "unique", NULL};

/* One `columns:` entry. */
static int load_col(const char *file, const struct ydoc_node *m,
		    struct schema_col *c, struct ml_err *err)
{
	const struct ydoc_node *v;

	c->nullable = c->required = 1;
	c->line = m->line;
	if (m->type != YDOC_MAP)
		return bad(err, file, m,
			   "a column must be a mapping with `name:`");
	for (size_t i = 0; i < m->n; i++) {
		const char *k = ydoc_key(m, i)->value;
		size_t j;
		for (j = 0; col_keys[j] && strcmp(col_keys[j], k); j++)
			;
		if (!col_keys[j]) {
			const char *near = str_nearest(k, col_keys);
			ml_err_at(err, ML_EINPUT, file, ydoc_key(m, i)->line,
				  ydoc_key(m, i)->col,
				  "unknown column key `%s`%s%s%s", k,
				  near ? "; did you mean `" : "",
				  near ? near : "", near ? "`?" : "");
			return ML_EINPUT;
		}
	}
	v = ydoc_get(m, "name");
	if (!v || v->type != YDOC_SCALAR || !v->len)
		return bad(err, file, v ? v : m,
			   "a column needs `name:` (a string)");
	c->name = xstrdup(v->value);
	if ((v = ydoc_get(m, "type")) &&
	    (v->type != YDOC_SCALAR || csv_type_parse(v->value, &c->type)))
		return bad(err, file, v,
			   "`type:` must be int, float, bool or string");
	if ((v = ydoc_get(m, "nullable")) && get_bool(v, &c->nullable))
		return bad(err, file, v, "`nullable:` must be true or false");
	if ((v = ydoc_get(m, "required")) && get_bool(v, &c->required))
		return bad(err, file, v, "`required:` must be true or false");
	if ((v = ydoc_get(m, "unique")) && get_bool(v, &c->unique))
		return bad(err, file, v, "`unique:` must be true or false");
	if ((v = ydoc_get(m, "min")) && (c->has_min = 1, get_num(v, &c->min)))
		return bad(err, file, v, "`min:` must be a number");
	if ((v = ydoc_get(m, "max")) && (c->has_max = 1, get_num(v, &c->max)))
		return bad(err, file, v, "`max:` must be a number");
	if ((v = ydoc_get(m, "allowed")) &&
	    !(c->allowed = str_list(v, &c->nallowed)))
		return bad(err, file, v, "`allowed:` must be a list of values");
	if ((v = ydoc_get(m, "regex"))) {
		if (v->type != YDOC_SCALAR)
			return bad(err, file, v, "`regex:` must be a string");
		c->regex_src = xstrdup(v->value);
		if (regcomp(&c->regex, v->value, REG_EXTENDED | REG_NOSUB))
			return bad(err, file, v,
				   "`regex:` is not a valid POSIX "
				   "extended regular expression");
		c->has_regex = 1;
	}
	return 0;
}

static int load_doc(const struct ydoc *d, struct schema_def *s,
		    struct ml_err *err)
{
	const struct ydoc_node *r = d->root, *cols, *v;

	if (!r || r->type != YDOC_MAP)
		return bad(err, s->file, r,
			   "a schema must be a mapping with "
			   "`columns:`");
	cols = ydoc_get(r, "columns");
	if (!cols || cols->type != YDOC_SEQ)
		return bad(err, s->file, cols ? cols : r,
			   "`columns:` must be a list of columns");
	for (size_t i = 0; i < r->n; i++) {
		const char *k = ydoc_key(r, i)->value;
		if (strcmp(k, "columns") && strcmp(k, "allow_extra") &&
		    strcmp(k, "key") && strcmp(k, "version"))
			return bad(err, s->file, ydoc_key(r, i),
				   "unknown key (expected columns, key, "
				   "allow_extra, version)");
	}
	if ((v = ydoc_get(r, "allow_extra")) && get_bool(v, &s->allow_extra))
		return bad(err, s->file, v,
			   "`allow_extra:` must be true or false");
	if ((v = ydoc_get(r, "key")) && !(s->key = str_list(v, &s->nkey)))
		return bad(err, s->file, v,
			   "`key:` must be a list of column names");
	s->cols = xcalloc(cols->n ? cols->n : 1, sizeof(*s->cols));
	for (size_t i = 0; i < cols->n; i++) {
		int rc = load_col(s->file, cols->items[i], &s->cols[i], err);
		s->ncols = i + 1;
		if (rc)
			return rc;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(s->cols[k].name, s->cols[i].name))
				return bad(err, s->file, cols->items[i],
					   "column listed twice");
	}
	return 0;
}

int schema_def_load(const char *path, struct schema_def *s, struct ml_err *err)
{
	struct ydoc d = {0};
	int rc;

	memset(s, 0, sizeof(*s));
	s->file = xstrdup(path);
	if ((rc = ydoc_load_file(path, &d, err)) == 0)
		rc = load_doc(&d, s, err);
	ydoc_free(&d);
	if (rc)
		schema_def_free(s);
	return rc;
}

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

void schema_def_free(struct schema_def *s)
{
	for (size_t i = 0; s && i < s->ncols; i++) {
		struct schema_col *c = &s->cols[i];
		free(c->name);
		free_list(c->allowed);
		free(c->regex_src);
		if (c->has_regex)
			regfree(&c->regex);
	}
	if (!s)
		return;
	free(s->cols);
	free_list(s->key);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

/* A YAML double-quoted scalar. */
static void yq(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

/* The shortest %g text that reads back as v. */
static void shortest(struct buf *b, double v)
{
	char tmp[40];
	for (int p = 15; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, v);
		if (strtod(tmp, NULL) == v || p == 17)
			break;
	}
	buf_puts(b, tmp);
}

static void infer_num(const struct csv_table *t, const struct csv_col *c,
		      struct buf *out)
{
	double mn = INFINITY, mx = -INFINITY;
	for (size_t r = 0; r < t->nrows; r++) {
		double v = csv_col_num(c, r);
		if (!isnan(v))
			mn = fmin(mn, v), mx = fmax(mx, v);
	}
	if (!isfinite(mn))
		return;
	buf_puts(out, "    min: ");
	shortest(out, mn);
	buf_puts(out, "\n    max: ");
	shortest(out, mx);
	buf_putc(out, '\n');
}

void schema_def_infer(const struct csv_table *t, struct buf *out)
{
	buf_puts(out,
		 "# Inferred by `mloncall check schema --write-schema` from ");
	buf_puts(out, t->file);
	buf_puts(out, "\n# Review the bounds before using it as a contract.\n"
		      "version: 1\ncolumns:\n");
	for (size_t i = 0; i < t->ncols; i++) {
		const struct csv_col *c = &t->cols[i];
		enum csv_type ty = c->type == CSV_EMPTY ? CSV_STRING : c->type;
		buf_puts(out, "  - name: ");
		yq(out, c->name);
		buf_printf(out, "\n    type: %s\n    nullable: %s\n",
			   csv_type_name(ty), c->missing ? "true" : "false");
		if (csv_type_numeric(c->type))
			infer_num(t, c, out);
		if (c->type == CSV_STRING && c->nlevels <= 20 &&
		    t->nrows >= 5 * (size_t)c->nlevels) {
			buf_puts(out, "    allowed: [");
			for (uint32_t k = 0; k < c->nlevels; k++) {
				buf_puts(out, k ? ", " : "");
				yq(out, c->levels[k]);
			}
			buf_puts(out, "]\n");
		}
		if (c->type == CSV_STRING && t->nrows >= 20 && !c->missing &&
		    c->nlevels == t->nrows)
			buf_puts(out, "    unique: true\n");
	}
}
