/* csv_json.c: the problems of a loaded CSV table as JSON facts, shared by
 * the schema, drift and quality probes. */
#include "csv/csv_json.h"

#include "core/out.h"

int csv_limits_args(const json_t *args, struct csv_load_opts *o,
		    struct ml_err *err)
{
	long long b = jget_int(args, "max-bytes", ML_CSV_MAX_BYTES);
	long long r = jget_int(args, "max-rows", ML_CSV_MAX_ROWS);

	if (b <= 0 || r <= 0)
		return ml_err_set(err, ML_EUSAGE,
				  "--max-bytes and --max-rows must be "
				  "positive numbers");
	o->max_bytes = (uint64_t)b;
	o->max_rows = (uint64_t)r;
	return 0;
}

json_t *csv_issue_json(const char *kind, const char *column,
		       const struct csv_issue *is)
{
	json_t *o = json_object(), *lines = json_array();
	size_t n = is->count < CSV_FIRST_LINES ? is->count : CSV_FIRST_LINES;

	jset_str(o, "kind", kind);
	if (column)
		jset_str(o, "column", column);
	jset_int(o, "count", (long long)(is->count ? is->count : 1));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(lines,
				      json_integer((json_int_t)is->lines[i]));
	json_object_set_new(o, "lines", lines);
	return o;
}

static void add(json_t *arr, const char *kind, const char *col,
		const struct csv_issue *is)
{
	if (is->count)
		json_array_append_new(arr, csv_issue_json(kind, col, is));
}

json_t *csv_table_problems(const struct csv_table *t, uint64_t *total)
{
	json_t *a = json_array();

	add(a, "unterminated_quote", NULL, &t->rd.unterminated);
	add(a, "text_after_quote", NULL, &t->rd.bad_quote);
	add(a, "truncated_gzip", NULL, &t->rd.truncated);
	add(a, "short_row", NULL, &t->ragged_short);
	add(a, "long_row", NULL, &t->ragged_long);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct csv_col *c = &t->cols[i];
		add(a, c->type == CSV_BOOL ? "not_bool" : "not_numeric",
		    c->name, &c->non_numeric);
		add(a, "nan", c->name, &c->nan);
		add(a, "inf", c->name, &c->inf);
		add(a, "invalid_utf8", c->name, &c->bad_utf8);
	}
	*total = 0;
	for (size_t i = 0; i < json_array_size(a); i++)
		*total += (uint64_t)jget_int(json_array_get(a, i), "count", 0);
	return a;
}

json_t *csv_table_summary(const struct csv_table *t)
{
	json_t *o = json_object(), *cols = json_array();
	uint64_t total;

	jset_str(o, "file", t->file);
	jset_int(o, "rows", (long long)t->nrows);
	jset_int(o, "bytes", (long long)t->bytes);
	for (size_t i = 0; i < t->ncols; i++) {
		json_t *c = json_object();
		jset_str(c, "name", t->cols[i].name);
		jset_str(c, "type", csv_type_name(t->cols[i].type));
		jset_int(c, "missing", (long long)t->cols[i].missing);
		json_array_append_new(cols, c);
	}
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "problems", csv_table_problems(t, &total));
	jset_int(o, "problem_count", (long long)total);
	return o;
}

void csv_lines_text(const struct csv_issue *is, struct buf *out)
{
	size_t n = is->count < CSV_FIRST_LINES ? is->count : CSV_FIRST_LINES;

	buf_puts(out, "line");
	if (n > 1)
		buf_putc(out, 's');
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%llu", i ? ", " : " ",
			   (unsigned long long)is->lines[i]);
	if (is->count > n)
		buf_puts(out, ", ...");
}
