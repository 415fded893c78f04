/* schema.c: the `schema` probe: checks a CSV file against a schema YAML
 * (schema_def.c): missing and unexpected columns, type mismatches, nulls,
 * NaN/inf, out-of-range values, values outside an allowed list or not
 * matching a regex, duplicate values and duplicate composite keys, plus
 * the reader's own problems (ragged rows, bad quoting, truncated gzip).
 * Every finding carries the column, the count and the first lines. With
 * --write-schema it infers a schema from a good file instead. */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "csv/csv_json.h"
#include "probe/probe.h"
#include "probe/data/schema_def.h"

/* Adds a finding (and the matching reason). */
static void finding(json_t *facts, enum probe_verdict lv, const char *kind,
		    const char *col, const struct csv_issue *is,
		    const char *msg)
{
	static const struct csv_issue none = {0};
	json_t *f = csv_issue_json(kind, col, is ? is : &none);
	struct buf b = BUF_INIT;

	jset_str(f, "message", msg);
	json_array_append_new(json_object_get(facts, "findings"), f);
	buf_printf(&b, "%s%s%s%s", col ? "column `" : "", col ? col : "",
		   col ? "`: " : "", msg);
	if (is && is->count && is->lines[0]) {
		buf_puts(&b, " (");
		csv_lines_text(is, &b);
		buf_putc(&b, ')');
	}
	probe_reason(facts, lv, kind, "%s", buf_str(&b));
	buf_free(&b);
}

/* 64-bit value of a row in a column, for hashing and equality. */
static uint64_t cell(const struct csv_col *c, size_t r)
{
	if (csv_type_numeric(c->type)) {
		double v = csv_col_num(c, r);
		uint64_t u;
		if (isnan(v))
			return 0x7ff8000000000000ull;
		if (v == 0)
			v = 0; /* -0.0 == 0.0 */
		memcpy(&u, &v, 8);
		return u;
	}
	return c->code[r];
}

/* Rows whose values in cols[] repeat an earlier row. */
static void dup_rows(const struct csv_table *t, struct csv_col *const *cols,
		     size_t n, struct csv_issue *out)
{
	size_t cap = 16;
	while (cap < t->nrows * 2)
		cap *= 2;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		uint64_t h = 1469598103934665603ull;
		for (size_t k = 0; k < n; k++)
			h = (h ^ cell(cols[k], r)) * 1099511628211ull;
		h ^= h >> 31;
		size_t i = h & (cap - 1);
		for (; slot[i]; i = (i + 1) & (cap - 1)) {
			size_t o = slot[i] - 1, k;
			for (k = 0;
			     k < n && cell(cols[k], o) == cell(cols[k], r); k++)
				;
			if (k == n)
				break;
		}
		if (slot[i])
			csv_issue_add(out, csv_table_line(t, r));
		else
			slot[i] = (uint32_t)r + 1;
	}
	free(slot);
}

static int in_list(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (!strcmp(l[i], s))
			return 1;
	return 0;
}

/* Values checks of a numeric column: integer type, range, allowed. */
static void check_num(json_t *facts, const struct csv_table *t,
		      const struct schema_col *sc, const struct csv_col *c)
{
	struct csv_issue nonint = {0}, range = {0}, notallowed = {0};
	double *allowed = NULL;
	struct buf m = BUF_INIT;

	if (sc->allowed) {
		allowed = xcalloc(sc->nallowed + 1, sizeof(*allowed));
		for (size_t i = 0; i < sc->nallowed; i++) {
			int isint;
			if (csv_parse_num(sc->allowed[i],
					  strlen(sc->allowed[i]), &allowed[i],
					  &isint))
				allowed[i] = NAN;
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		double v = csv_col_num(c, r);
		uint64_t ln = csv_table_line(t, r);
		size_t k;
		if (isnan(v))
			continue;
		if (sc->type == CSV_INT && v != floor(v))
			csv_issue_add(&nonint, ln);
		if ((sc->has_min && v < sc->min) ||
		    (sc->has_max && v > sc->max))
			csv_issue_add(&range, ln);
		for (k = 0; allowed && k < sc->nallowed && allowed[k] != v; k++)
			;
		if (allowed && k == sc->nallowed)
			csv_issue_add(&notallowed, ln);
	}
	free(allowed);
	if (nonint.count) {
		buf_printf(&m, "%llu values are not integers (type int)",
			   (unsigned long long)nonint.count);
		finding(facts, PV_FAILED, "type_mismatch", sc->name, &nonint,
			m.data);
	}
	if (range.count) {
		buf_reset(&m);
		buf_printf(&m, "%llu values out of range [",
			   (unsigned long long)range.count);
		buf_printf(&m, sc->has_min ? "%g, " : "-inf, ", sc->min);
		buf_printf(&m, sc->has_max ? "%g]" : "inf]", sc->max);
		finding(facts, PV_DEGRADED, "out_of_range", sc->name, &range,
			m.data);
	}
	if (notallowed.count) {
		buf_reset(&m);
		buf_printf(&m, "%llu values not in the allowed list",
			   (unsigned long long)notallowed.count);
		finding(facts, PV_DEGRADED, "not_allowed", sc->name,
			&notallowed, m.data);
	}
	buf_free(&m);
}

/* Values checks of a string/bool column: allowed list and regex, judged
 * once per distinct value. */
static void check_text(json_t *facts, const struct csv_table *t,
		       const struct schema_col *sc, const struct csv_col *c)
{
	struct csv_issue notallowed = {0}, nomatch = {0};
	char *bad = calloc(c->nlevels ? c->nlevels : 1, 1);
	struct buf m = BUF_INIT;

	if (!bad)
		return;
	for (uint32_t k = 0; k < c->nlevels; k++) {
		if (sc->allowed && !in_list(sc->allowed, c->levels[k]))
			bad[k] |= 1;
		if (sc->has_regex &&
		    regexec(&sc->regex, c->levels[k], 0, NULL, 0))
			bad[k] |= 2;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		uint32_t code = c->code[r];
		if (code == CSV_NA_CODE || !bad[code])
			continue;
		if (bad[code] & 1)
			csv_issue_add(&notallowed, csv_table_line(t, r));
		if (bad[code] & 2)
			csv_issue_add(&nomatch, csv_table_line(t, r));
	}
	free(bad);
	if (notallowed.count) {
		buf_printf(&m, "%llu values not in the allowed list",
			   (unsigned long long)notallowed.count);
		finding(facts, PV_DEGRADED, "not_allowed", sc->name,
			&notallowed, m.data);
	}
	if (nomatch.count) {
		buf_reset(&m);
		buf_printf(&m, "%llu values do not match /%s/",
			   (unsigned long long)nomatch.count, sc->regex_src);
		finding(facts, PV_DEGRADED, "regex_mismatch", sc->name,
			&nomatch, m.data);
	}
	buf_free(&m);
}

static void check_col(json_t *facts, const struct csv_table *t,
		      const struct schema_col *sc, struct csv_col *c)
{
	struct buf m = BUF_INIT;

	if (c->non_numeric.count && sc->type != CSV_EMPTY) {
		buf_printf(&m, "%llu values are not %s (declared type %s)",
			   (unsigned long long)c->non_numeric.count,
			   sc->type == CSV_BOOL ? "true/false" : "numbers",
			   csv_type_name(sc->type));
		finding(facts, PV_FAILED, "type_mismatch", sc->name,
			&c->non_numeric, m.data);
	}
	if (c->nan.count || c->inf.count) {
		buf_reset(&m);
		buf_printf(&m, "%llu NaN and %llu infinite values",
			   (unsigned long long)c->nan.count,
			   (unsigned long long)c->inf.count);
		finding(facts, PV_DEGRADED, "invalid_number", sc->name,
			c->nan.count ? &c->nan : &c->inf, m.data);
	}
	if (!sc->nullable && c->missing) {
		buf_reset(&m);
		buf_printf(&m, "%llu missing values (nullable: false)",
			   (unsigned long long)c->missing);
		finding(facts, PV_DEGRADED, "nulls", sc->name, &c->null_lines,
			m.data);
	}
	if (csv_type_numeric(c->type))
		check_num(facts, t, sc, c);
	else
		check_text(facts, t, sc, c);
	if (sc->unique) {
		struct csv_issue dup = {0};
		dup_rows(t, &c, 1, &dup);
		if (dup.count) {
			buf_reset(&m);
			buf_printf(&m, "%llu duplicate values (unique: true)",
				   (unsigned long long)dup.count);
			finding(facts, PV_DEGRADED, "duplicate", sc->name, &dup,
				m.data);
		}
	}
	buf_free(&m);
}

static void check_key(json_t *facts, const struct schema_def *s,
		      const struct csv_table *t)
{
	struct csv_col **cols;
	struct csv_issue dup = {0};
	struct buf m = BUF_INIT;

	if (!s->nkey)
		return;
	cols = xcalloc(s->nkey, sizeof(*cols));
	for (size_t i = 0; i < s->nkey; i++)
		if (!(cols[i] = csv_table_col(t, s->key[i]))) {
			buf_printf(&m, "key column `%s` is missing", s->key[i]);
			finding(facts, PV_FAILED, "missing_column", s->key[i],
				NULL, m.data);
			free(cols);
			buf_free(&m);
			return;
		}
	dup_rows(t, cols, s->nkey, &dup);
	free(cols);
	if (dup.count) {
		buf_printf(&m, "%llu rows repeat an earlier key (",
			   (unsigned long long)dup.count);
		for (size_t i = 0; i < s->nkey; i++)
			buf_printf(&m, "%s%s", i ? ", " : "", s->key[i]);
		buf_putc(&m, ')');
		finding(facts, PV_DEGRADED, "duplicate_key", NULL, &dup,
			m.data);
	}
	buf_free(&m);
}

/* The reader's problems: corrupt input is a failure, ragged rows a
 * degradation. */
static void check_problems(json_t *facts, const struct csv_table *t)
{
	static const struct {
		size_t off;
		const char *kind, *msg;
		enum probe_verdict lv;
	} tab[] = {{offsetof(struct csv_table, rd.unterminated), "corrupt",
		    "unterminated quoted field (the file is cut or corrupt)",
		    PV_FAILED},
		   {offsetof(struct csv_table, rd.truncated), "corrupt",
		    "truncated or corrupt gzip data", PV_FAILED},
		   {offsetof(struct csv_table, rd.bad_quote), "bad_quote",
		    "text after a closing quote", PV_DEGRADED},
		   {offsetof(struct csv_table, ragged_short), "short_row",
		    "rows with fewer fields than the header", PV_DEGRADED},
		   {offsetof(struct csv_table, ragged_long), "long_row",
		    "rows with more fields than the header", PV_DEGRADED}};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const struct csv_issue *is =
		    (const void *)((const char *)t + tab[i].off);
		if (is->count)
			finding(facts, tab[i].lv, tab[i].kind, NULL, is,
				tab[i].msg);
	}
}

static void check_all(json_t *facts, const struct schema_def *s,
		      const struct csv_table *t)
{
	struct buf m = BUF_INIT;

	check_problems(facts, t);
	for (size_t i = 0; i < s->ncols; i++) {
		const struct schema_col *sc = &s->cols[i];
		struct csv_col *c = csv_table_col(t, sc->name);
		if (c) {
			check_col(facts, t, sc, c);
			continue;
		}
		if (!sc->required)
			continue;
		buf_reset(&m);
		buf_printf(&m, "missing column (in %s line %d)", s->file,
			   sc->line);
		finding(facts, PV_FAILED, "missing_column", sc->name, NULL,
			m.data);
	}
	for (size_t i = 0; i < t->ncols && !s->allow_extra; i++) {
		int known = 0;
		for (size_t k = 0; k < s->ncols && !known; k++)
			known = !strcmp(s->cols[k].name, t->cols[i].name);
		if (!known)
			finding(
			    facts, PV_DEGRADED, "unexpected_column",
			    t->cols[i].name, NULL,
			    "column not in the schema (allow_extra: false)");
	}
	check_key(facts, s, t);
	buf_free(&m);
}

static int write_schema(const char *data, const char *out, const json_t *a,
			json_t **facts, struct ml_err *err)
{
	struct csv_load_opts o = {.delim = ','};
	struct csv_table t;
	struct buf b = BUF_INIT;
	int rc;

	if ((rc =
		 csv_delim_parse(jget_str(a, "delimiter", ","), &o.delim, err)))
		return rc;
	if ((rc = csv_limits_args(a, &o, err)))
		return rc;
	if ((rc = csv_table_load(data, &o, &t, err)))
		return rc;
	schema_def_infer(&t, &b);
	if (buf_write_file_atomic(out, b.data, b.len))
		rc = ml_err_set(err, ML_EIO, "%s: %s", out, strerror(errno));
	if (!rc) {
		*facts = probe_facts_new("schema");
		json_object_set_new(*facts, "data", csv_table_summary(&t));
		jset_str(*facts, "schema_written", out);
		probe_reason(*facts, PV_HEALTHY, "schema_written",
			     "schema with %zu columns written to %s", t.ncols,
			     out);
	}
	buf_free(&b);
	csv_table_free(&t);
	return rc;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const json_t *a = ctx->args;
	const char *data = jget_str(a, "data", ""),
		   *sp = jget_str(a, "schema", NULL);
	const char *wr = jget_str(a, "write-schema", NULL);
	struct csv_load_opts o = {.delim = ','};
	struct schema_def s;
	struct csv_table t;
	int rc;

	*facts = NULL;
	if (wr && ctx->dry_run)
		return ml_err_set(err, ML_EUSAGE,
				  "--write-schema writes a file: "
				  "not in a dry run");
	if (wr)
		return write_schema(data, wr, a, facts, err);
	if (!sp)
		return ml_err_set(err, ML_EUSAGE,
				  "--schema FILE.yaml is required (or "
				  "--write-schema FILE.yaml to infer one)");
	if ((rc = schema_def_load(sp, &s, err)))
		return rc;
	const char **names = xcalloc(s.ncols + 1, sizeof(*names));
	enum csv_type *types = xcalloc(s.ncols + 1, sizeof(*types));
	size_t nf = 0;
	for (size_t i = 0; i < s.ncols; i++) {
		enum csv_type ty = s.cols[i].type;
		if (ty == CSV_EMPTY && s.cols[i].has_regex)
			ty = CSV_STRING;
		if (ty != CSV_EMPTY)
			names[nf] = s.cols[i].name, types[nf++] = ty;
	}
	o.force_names = names;
	o.force_types = types;
	o.strict = jget_bool(a, "strict", 0);
	rc = csv_delim_parse(jget_str(a, "delimiter", ","), &o.delim, err);
	if (!rc)
		rc = csv_limits_args(a, &o, err);
	if (!rc)
		rc = csv_table_load(data, &o, &t, err);
	free(names);
	free(types);
	if (rc) {
		schema_def_free(&s);
		return rc;
	}
	json_t *f = probe_facts_new("schema");
	jset_str(f, "schema", sp);
	json_object_set_new(f, "data", csv_table_summary(&t));
	json_object_set_new(f, "findings", json_array());
	check_all(f, &s, &t);
	jset_int(f, "finding_count",
		 (long long)json_array_size(json_object_get(f, "findings")));
	csv_table_free(&t);
	schema_def_free(&s);
	*facts = f;
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *d = json_object_get(facts, "data"), *r;
	size_t i;

	buf_printf(out, "schema: %s  (%s: %lld rows, %zu columns)\n",
		   jget_str(facts, "verdict", "?"), jget_str(d, "file", ""),
		   jget_int(d, "rows", 0),
		   json_array_size(json_object_get(d, "columns")));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  %-8s %-18s %s\n", jget_str(r, "level", ""),
		       jget_str(r, "code", ""), jget_str(r, "message", ""));
	if (!json_array_size(json_object_get(facts, "reasons")))
		buf_puts(out, "  no findings\n");
}

static const struct probe_opt opts[] = {
    {"data", PO_PATH, "CSV file to check (.gz is fine; - = stdin)", NULL, 1, 1},
    {"schema", PO_PATH, "schema YAML (see docs/probes/schema.md)", NULL, 0, 0},
    {"write-schema", PO_PATH,
     "infer a schema from DATA (a known-good file) and write it here", NULL, 0,
     0},
    {"delimiter", PO_STRING, "field separator (one character or `tab`)", ",", 0,
     0},
    {"strict", PO_BOOL, "malformed rows or values are an error (exit 2)", NULL,
     0, 0},
    CSV_LIMIT_OPTS,
    {0}};

const struct probe_def probe_schema = {
    .name = "schema",
    .summary = "CSV data against a schema: columns, types, nulls, ranges, keys",
    .help =
	"Findings (exit 1): missing_column, type_mismatch, corrupt "
	"(failed); nulls,\nout_of_range, not_allowed, regex_mismatch, "
	"duplicate, duplicate_key,\nunexpected_column, invalid_number, "
	"short_row, long_row, bad_quote (degraded).\nEach names the "
	"column, the count and the first line numbers.\n\n"
	"Examples:\n"
	"  mloncall check schema good.csv --write-schema schema.yaml\n"
	"  mloncall check schema today.csv --schema schema.yaml\n"
	"  mloncall check schema today.csv.gz --schema schema.yaml -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
