/* runbook_ls.c: `mloncall runbook ls DIR [-o json]`: one line per runbook
 * with id, severity, owner, review status and title. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/xmalloc.h"
#include "runbook/rb.h"

struct row {
	struct rb_runbook *rb;
	char review[48];
};

static void review_text(const struct rb_runbook *rb, int64_t now, char *out,
			size_t n)
{
	int64_t days;
	enum rb_review r = rb_review_status(rb, now, &days);

	if (r == RB_REVIEW_NEVER)
		snprintf(out, n, "never reviewed");
	else if (r == RB_REVIEW_OVERDUE)
		snprintf(out, n, "overdue %lld day%s", (long long)days,
			 days == 1 ? "" : "s");
	else if (r == RB_REVIEW_DUE)
		snprintf(out, n, "due in %lld day%s", (long long)days,
			 days == 1 ? "" : "s");
	else
		snprintf(out, n, "ok");
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_table(const struct row *rows, size_t n)
{
	int w_id = 2, w_sev = 3, w_own = 5, w_rev = 6;

	for (size_t i = 0; i < n; i++) {
		const struct rb_runbook *rb = rows[i].rb;
		int l;

		if ((l = (int)strlen(rb->id)) > w_id)
			w_id = l;
		if ((l = (int)strlen(or_dash(rb->owner))) > w_own)
			w_own = l;
		if ((l = (int)strlen(rows[i].review)) > w_rev)
			w_rev = l;
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_id, "ID", w_sev, "SEV", w_own,
	       "OWNER", w_rev, "REVIEW", "TITLE");
	for (size_t i = 0; i < n; i++) {
		const struct rb_runbook *rb = rows[i].rb;

		printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_id, rb->id, w_sev,
		       or_dash(rb_severity_name(rb->severity)), w_own,
		       or_dash(rb->owner), w_rev, rows[i].review,
		       or_dash(rb->title));
	}
}

static void print_json(const struct row *rows, size_t n, json_t *errors)
{
	json_t *j = json_object(), *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *full = rb_to_json(rows[i].rb, time_now_ms()), *o;

		o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:i}", "id",
			      json_object_get(full, "id"), "title",
			      json_object_get(full, "title"), "severity",
			      json_object_get(full, "severity"), "owner",
			      json_object_get(full, "owner"), "file",
			      json_object_get(full, "file"), "reviewed",
			      json_object_get(full, "reviewed"), "review",
			      json_object_get(full, "review"), "triggers",
			      (int)rows[i].rb->n_trigger);
		json_array_append_new(a, o);
		json_decref(full);
	}
	json_object_set_new(j, "runbooks", a);
	json_object_set(j, "errors", errors);
	out_json(stdout, j);
	json_decref(j);
}

/* Loads every runbook under dir; load errors go to errors (and stderr
 * in text mode). */
static int load_all(const char *dir, int quiet, struct row **rows, size_t *n,
		    json_t *errors, struct ml_err *err)
{
	struct rb_dir d = {0};
	int64_t now = time_now_ms();
	int rc = rb_load_dir(dir, &d, err);

	*rows = xcalloc(d.n ? d.n : 1, sizeof(**rows));
	for (size_t i = 0; i < d.n; i++) {
		const struct ml_err *e = &d.errs[i];

		if (!d.rbs[i]) {
			json_array_append_new(
			    errors,
			    json_pack("{s:s, s:i, s:i, s:s}", "file",
				      d.paths[i], "line", e->line, "col",
				      e->col, "message", e->msg));
			if (!quiet)
				ml_err_print(e);
		} else {
			(*rows)[*n].rb = d.rbs[i];
			d.rbs[i] = NULL;
			review_text((*rows)[*n].rb, now, (*rows)[*n].review,
				    sizeof((*rows)[*n].review));
			(*n)++;
		}
	}
	rb_dir_free(&d);
	return rc;
}

static int exec_runbook_ls(const struct cmd_entry *self, int argc, char **argv)
{
	struct cmd_args ca = {0};
	enum out_fmt fmt;
	const char *dir = NULL;
	struct row *rows = NULL;
	size_t n = 0;
	json_t *errors;
	struct ml_err err;
	int rc = cmd_parse(self, 1, argc, argv, NULL, &ca);

	if (!rc && ca.nargs > 1)
		rc = cmd_usage(self, "one folder at a time");
	dir = ca.nargs ? ca.args[0] : NULL;
	fmt = ca.fmt;
	cmd_parsed_free(self, &ca, NULL);
	if (rc)
		return rc;
	if (!dir)
		dir = "runbooks";
	if (fmt != OUT_TEXT && fmt != OUT_JSON)
		return cmd_usage(self, "-o: ls prints text or json");
	ml_err_clear(&err);
	errors = json_array();
	rc = load_all(dir, fmt == OUT_JSON, &rows, &n, errors, &err);
	if (rc) {
		free(rows);
		json_decref(errors);
		return cmd_fail(&err);
	}
	if (fmt == OUT_JSON)
		print_json(rows, n, errors);
	else if (n)
		print_table(rows, n);
	else if (!json_array_size(errors))
		fprintf(stderr, "mloncall runbook ls: no runbooks under %s\n",
			dir);
	rc = json_array_size(errors) ? ML_EXIT_FINDING : ML_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		rb_free(rows[i].rb);
	free(rows);
	json_decref(errors);
	return rc;
}

const struct cmd_entry cmd_runbook_ls_entry = {
    .path = "runbook ls",
    .summary = "list runbooks: id, severity, owner, review status, title",
    .help = "Usage: mloncall runbook ls [DIR] [-o text|json]\n"
	    "\n"
	    "Lists the runbooks under DIR (default: ./runbooks; searched\n"
	    "recursively for *.yaml and *.yml, scenario tests *.test.yaml\n"
	    "skipped), sorted by path. REVIEW is `ok`, `due in N days` (due\n"
	    "within 14 days), `overdue N days` or `never reviewed`, from\n"
	    "`reviewed:` and `review_every:` (default 90d). Runbooks that do\n"
	    "not load are reported on stderr (file:line:col) and skipped.\n"
	    "\n"
	    "Options:\n"
	    "  -o FORMAT   text (default) or json: {runbooks: [{id, title,\n"
	    "              severity, owner, file, reviewed, review: {status,\n"
	    "              days}, triggers}], errors: [{file, line, col,\n"
	    "              message}]}\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall runbook ls runbooks/\n"
	    "  mloncall runbook ls runbooks/ -o json | jq -r '.runbooks[] |\n"
	    "    select(.review.status == \"overdue\") | .id'\n"
	    "\n"
	    "Exit status: 0 listed, 1 some runbooks do not load, 2 usage\n"
	    "error or DIR does not exist.\n",
    .exec = exec_runbook_ls,
    .flags = CMD_OUTPUT,
};
