/* rb_cov_render.c: `runbook coverage` as aligned text for a terminal or
 * as Markdown tables for docs/runbooks/coverage.md, from the JSON built
 * by rb_cov_report.c (one source of truth for all three formats). */
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "runbook/rb_coverage.h"

/* Markdown cell text: `|` escaped, newlines as spaces; outside code
 * spans also `<` and `&`, so a name never becomes HTML. */
static void md_cell(struct buf *b, const char *s, int in_code)
{
	for (; s && *s; s++) {
		if (*s == '|')
			buf_puts(b, "\\|");
		else if (!in_code && *s == '<')
			buf_puts(b, "&lt;");
		else if (!in_code && *s == '&')
			buf_puts(b, "&amp;");
		else
			buf_putc(b, *s == '\n' ? ' ' : *s);
	}
}

static void md_text(struct buf *b, const char *s)
{
	md_cell(b, s, 0);
}

/* A name as inline code (plain text when it holds a backtick). */
static void md_code(struct buf *b, const char *s)
{
	int tick = strchr(s, '`') != NULL;

	buf_puts(b, tick ? "" : "`");
	md_cell(b, s, !tick);
	buf_puts(b, tick ? "" : "`");
}

/* Joins the strings of arr with ", " (Markdown: as code); "-" if empty. */
static void join(struct buf *b, const json_t *arr, int md)
{
	size_t i;
	json_t *v;

	if (!json_array_size(arr))
		buf_puts(b, "-");
	json_array_foreach(arr, i, v)
	{
		buf_puts(b, i ? ", " : "");
		if (md)
			md_code(b, json_string_value(v));
		else
			buf_puts(b, json_string_value(v));
	}
}

/* A runbook's alert names, then its regexes ("regex A.*"); "-" for
 * none. */
static void alerts_cell(struct buf *b, const json_t *r, int md)
{
	const json_t *names = json_object_get(r, "alerts"),
		     *pats = json_object_get(r, "patterns");

	if (json_array_size(names) || !json_array_size(pats))
		join(b, names, md);
	if (json_array_size(pats)) {
		buf_puts(b, json_array_size(names) ? "; regex " : "regex ");
		join(b, pats, md);
	}
}

/* A runbook reference: a link to AREA/ID.md in Markdown, the id in text;
 * then its conditions, if any. */
static void rb_ref(struct buf *b, const json_t *r, int md)
{
	const char *id = jget_str(r, "id", ""), *area = jget_str(r, "area", "");
	const json_t *conds = json_object_get(r, "conditions");

	if (md) {
		buf_puts(b, "[");
		md_text(b, id);
		buf_puts(b, "](");
		md_text(b, area);
		buf_puts(b, "/");
		md_text(b, id);
		buf_puts(b, ".md)");
	} else {
		buf_puts(b, id);
	}
	if (json_array_size(conds)) {
		buf_puts(b, " (if ");
		join(b, conds, md);
		buf_puts(b, ")");
	}
}

/* Text rows: columns padded to the widest cell. cells is an array of
 * arrays of strings. */
static void text_table(struct buf *out, const json_t *rows)
{
	size_t w[8] = {0}, i, k, ncol = 0;
	json_t *row, *c;

	json_array_foreach(rows, i, row)
	{
		json_array_foreach(row, k, c)
		{
			size_t l = strlen(json_string_value(c));

			if (k < 8 && l > w[k])
				w[k] = l;
			if (k + 1 > ncol)
				ncol = k + 1;
		}
	}
	json_array_foreach(rows, i, row)
	{
		json_array_foreach(row, k, c)
		{
			int last = k + 1 == json_array_size(row);

			buf_printf(out, "%-*s%s",
				   last ? 0 : (int)w[k < 8 ? k : 7],
				   json_string_value(c), last ? "\n" : "  ");
		}
	}
}

static json_t *cell_of(struct buf *b)
{
	json_t *s = json_string(buf_str(b));

	buf_reset(b);
	return s ? s : json_string("?");
}

static void names_text(const json_t *j, struct buf *out)
{
	json_t *rows = json_array(), *r;
	struct buf b = BUF_INIT;
	size_t i;

	json_array_append_new(
	    rows, json_pack("[s,s,s]", "RUNBOOK", "AREA", "ALERTS"));
	json_array_foreach(json_object_get(j, "runbooks"), i, r)
	{
		json_t *row = json_array();

		json_array_append_new(row, json_string(jget_str(r, "id", "")));
		json_array_append_new(row,
				      json_string(jget_str(r, "area", "")));
		alerts_cell(&b, r, 0);
		if (json_array_size(json_object_get(r, "conditions"))) {
			buf_puts(&b, " (if ");
			join(&b, json_object_get(r, "conditions"), 0);
			buf_puts(&b, ")");
		}
		json_array_append_new(row, cell_of(&b));
		json_array_append_new(rows, row);
	}
	text_table(out, rows);
	buf_printf(out, "%zu runbooks, %zu alert names\n",
		   json_array_size(json_object_get(j, "runbooks")),
		   json_array_size(json_object_get(j, "alerts")));
	json_decref(rows);
	buf_free(&b);
}

/* "By alert" rows for runbooks matched by a regex, not by names. */
static void pattern_rows(const json_t *j, struct buf *out)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(j, "runbooks"), i, r)
	{
		const json_t *p;
		size_t k;

		json_array_foreach(json_object_get(r, "patterns"), k, p)
		{
			json_t *ref = json_pack(
			    "{s:O, s:O}", "id", json_object_get(r, "id"),
			    "area", json_object_get(r, "area"));

			buf_puts(out, "| regex ");
			md_code(out, json_string_value(p));
			buf_puts(out, " | ");
			rb_ref(out, ref, 1);
			buf_puts(out, " |\n");
			json_decref(ref);
		}
	}
}

static void names_md(const json_t *j, struct buf *out)
{
	json_t *r;
	size_t i;

	buf_puts(out, "## By alert\n\n| Alert | Runbooks |\n|---|---|\n");
	json_array_foreach(json_object_get(j, "alerts"), i, r)
	{
		const json_t *ids = json_object_get(r, "runbooks"), *id;
		size_t k;

		buf_puts(out, "| ");
		md_code(out, jget_str(r, "alert", ""));
		buf_puts(out, " | ");
		json_array_foreach(ids, k, id)
		{
			json_t *ref = NULL;
			const json_t *rb;
			size_t m;

			json_array_foreach(json_object_get(j, "runbooks"), m,
					   rb)
			{
				if (json_equal(json_object_get(rb, "id"), id)) {
					ref = json_pack(
					    "{s:O, s:O}", "id", id, "area",
					    json_object_get(rb, "area"));
					break;
				}
			}
			buf_puts(out, k ? ", " : "");
			if (ref)
				rb_ref(out, ref, 1);
			json_decref(ref);
		}
		buf_puts(out, " |\n");
	}
	pattern_rows(j, out);
	buf_puts(out, "\n## By runbook\n\n| Runbook | Alerts | Other "
		      "matchers |\n|---|---|---|\n");
	json_array_foreach(json_object_get(j, "runbooks"), i, r)
	{
		json_t *ref =
		    json_pack("{s:O, s:O}", "id", json_object_get(r, "id"),
			      "area", json_object_get(r, "area"));

		buf_puts(out, "| ");
		rb_ref(out, ref, 1);
		buf_puts(out, " | ");
		alerts_cell(out, r, 1);
		buf_puts(out, " | ");
		join(out, json_object_get(r, "conditions"), 1);
		buf_puts(out, " |\n");
		json_decref(ref);
	}
}

static const char *status_label(const char *s, int md)
{
	if (!strcmp(s, "covered"))
		return "covered";
	if (!strcmp(s, "partial"))
		return "partly";
	return md ? "**none**" : "NONE";
}

/* One rules-report row: status, alert, group, runbooks, where. */
static json_t *rule_row(const json_t *a, int md, struct buf *b)
{
	json_t *row = json_array(), *r;
	size_t k;

	json_array_append_new(
	    row, json_string(status_label(jget_str(a, "status", ""), md)));
	if (md)
		md_code(b, jget_str(a, "alert", ""));
	else
		buf_puts(b, jget_str(a, "alert", ""));
	json_array_append_new(row, cell_of(b));
	if (md)
		md_text(b, jget_str(a, "group", ""));
	else
		buf_puts(b, jget_str(a, "group", ""));
	json_array_append_new(row, cell_of(b));
	json_array_foreach(json_object_get(a, "runbooks"), k, r)
	{
		buf_puts(b, k ? ", " : "");
		rb_ref(b, r, md);
	}
	if (!json_array_size(json_object_get(a, "runbooks")))
		buf_puts(b, "-");
	json_array_append_new(row, cell_of(b));
	buf_printf(b, "%s:%lld", jget_str(a, "file", ""),
		   jget_int(a, "line", 0));
	if (md) {
		json_t *t = cell_of(b);
		md_text(b, json_string_value(t));
		json_decref(t);
	}
	json_array_append_new(row, cell_of(b));
	return row;
}

static void rules_out(const json_t *j, int md, struct buf *out)
{
	json_t *rows = json_array(), *a, *row, *c;
	struct buf b = BUF_INIT;
	size_t i, k;

	if (!md)
		json_array_append_new(rows, json_pack("[s,s,s,s,s]", "STATUS",
						      "ALERT", "GROUP",
						      "RUNBOOKS", "RULE"));
	json_array_foreach(json_object_get(j, "alerts"), i, a)
	    json_array_append_new(rows, rule_row(a, md, &b));
	if (!md) {
		text_table(out, rows);
	} else {
		buf_puts(out, "| Status | Alert | Group | Runbooks | Rule "
			      "|\n|---|---|---|---|---|\n");
		json_array_foreach(rows, i, row)
		{
			json_array_foreach(row, k, c)
			    buf_printf(out, "| %s ", json_string_value(c));
			buf_puts(out, "|\n");
		}
	}
	buf_printf(out,
		   "%s%lld alerts: %lld covered, %lld partly covered "
		   "(depends on labels set at run time), %lld without a "
		   "runbook\n",
		   md ? "\n" : "",
		   jget_int(j, "covered", 0) + jget_int(j, "partial", 0) +
		       jget_int(j, "uncovered", 0),
		   jget_int(j, "covered", 0), jget_int(j, "partial", 0),
		   jget_int(j, "uncovered", 0));
	json_decref(rows);
	buf_free(&b);
}

void rb_cov_render(const json_t *j, int md, struct buf *out)
{
	int rules = !strcmp(jget_str(j, "mode", ""), "rules");

	if (rules)
		rules_out(j, md, out);
	else if (md)
		names_md(j, out);
	else
		names_text(j, out);
}
