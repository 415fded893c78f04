/* runbook_test.c: `mloncall runbook test PATH...`: runs the scenario tests
 * in NAME.test.yaml files (next to runbooks) with the real engine and
 * mocked commands, probes, confirmations and clock. Nothing is executed.
 * Prints one line per scenario, details for failures, and a summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb.h"
#include "runbook/rb_test.h"

struct rt_opts {
	enum out_fmt fmt;
	int init; /* --init: write a starting NAME.test.yaml */
	struct rb_test_opts t;
	char **paths;
	size_t n_paths;
	struct cmd_args ca; /* owns paths */
};

struct rt_tally {
	long passed, failed, filtered, broken;
	json_t *files; /* JSON report: one object per test file */
	json_t *untested;
};

static const struct cmd_opt rt_opts_table[] = {
    CMD_STR("filter", 'k', struct rt_opts, t.filter),
    CMD_FLAG("init", 0, struct rt_opts, init),
    CMD_FLAG("verbose", 'v', struct rt_opts, t.verbose),
    {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct rt_opts *o)
{
	int rc = cmd_parse(self, 1, argc, argv, o, &o->ca);

	o->fmt = o->ca.fmt;
	o->paths = o->ca.args;
	o->n_paths = (size_t)o->ca.nargs;
	if (rc)
		return rc;
	if (!o->n_paths)
		return cmd_usage(self, "which runbooks? give a folder, a "
				       "runbook or a NAME.test.yaml file");
	if (o->fmt != OUT_TEXT && o->fmt != OUT_JSON)
		return cmd_usage(self, "-o supports text and json");
	return 0;
}

static json_t *err_json(const struct ml_err *err)
{
	json_t *e = json_object();

	jset_str(e, "file", err->file[0] ? err->file : NULL);
	jset_int(e, "line", err->line);
	jset_int(e, "col", err->col);
	jset_str(e, "message", err->msg);
	return e;
}

/* Runs the scenarios of one loaded suite; appends results to fj. */
static void run_suite(const struct rb_test_suite *s,
		      const struct rb_runbook *rb, const struct rt_opts *o,
		      struct rt_tally *t, json_t *fj)
{
	json_t *arr = json_object_get(fj, "scenarios");
	int color = o->fmt == OUT_TEXT && out_color(stdout);

	for (size_t i = 0; i < s->n; i++) {
		struct ml_err err = {0};
		struct buf out = BUF_INIT;
		json_t *r = NULL;
		if (o->t.filter && !strstr(s->v[i].name, o->t.filter)) {
			t->filtered++;
			continue;
		}
		if (rb_test_run_scenario(s, i, rb, &o->t, &r, &err)) {
			ml_err_print(&err);
			t->broken++;
			continue;
		}
		if (jget_bool(r, "passed", 0))
			t->passed++;
		else
			t->failed++;
		if (o->fmt == OUT_TEXT) {
			rb_test_render_scenario(s->file, r, o->t.verbose, color,
						&out);
			fputs(buf_str(&out), stdout);
			fflush(stdout);
			buf_free(&out);
		}
		json_array_append_new(arr, r);
	}
}

/* Loads one test file and its runbook, checks and runs it. */
static void run_file(const char *path, const struct rt_opts *o,
		     struct rt_tally *t)
{
	struct rb_test_suite *s = NULL;
	struct rb_runbook *rb = NULL;
	struct ml_err err = {0};
	json_t *fj = json_object();
	int rc;

	jset_str(fj, "file", path);
	json_object_set_new(fj, "runbook", json_null());
	json_object_set_new(fj, "scenarios", json_array());
	json_array_append_new(t->files, fj);
	rc = rb_test_load_file(path, &s, &err);
	if (!rc) {
		jset_str(fj, "runbook", s->runbook);
		rc = rb_load_file(s->runbook, &rb, &err);
		if (rc == ML_ENOTFOUND || rc == ML_EIO) {
			char msg[sizeof(err.msg)];
			snprintf(msg, sizeof(msg), "%s",
				 str_starts(err.msg, "cannot read: ")
				     ? err.msg + 13
				     : err.msg);
			rc = ml_err_at(
			    &err, ML_EINPUT, path, s->runbook_line, 0,
			    "cannot read its runbook %s: %s%s", s->runbook, msg,
			    s->runbook_line ? ""
					    : " (set `runbook:` when it is "
					      "not the sibling NAME.yaml)");
		}
	}
	if (!rc)
		rc = rb_test_validate(s, rb, &err);
	if (rc) {
		if (o->fmt == OUT_TEXT)
			printf("%s\n  BROKEN  (see the error on stderr)\n",
			       path);
		ml_err_print(&err);
		json_object_set_new(fj, "error", err_json(&err));
		t->broken++;
	} else {
		if (o->fmt == OUT_TEXT)
			printf("%s  (runbook %s)\n", path, s->runbook);
		run_suite(s, rb, o, t, fj);
	}
	rb_free(rb);
	rb_test_suite_free(s);
}

/* Runbooks under a folder that have no NAME.test.yaml next to them. */
static void find_untested(const char *dir, struct rt_tally *t)
{
	struct ml_err err = {0};
	/* not NULL: rb_find_files sorts *paths even when it found none */
	char **paths = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (rb_find_files(dir, &paths, &n, &err) == 0)
		for (size_t i = 0; i < n; i++) {
			char **tp = NULL;
			size_t tn = 0;
			struct ml_err e2 = {0};
			if (rb_test_find_files(paths[i], &tp, &tn, &e2) ==
			    ML_ENOTFOUND)
				json_array_append_new(t->untested,
						      json_string(paths[i]));
			for (size_t j = 0; j < tn; j++)
				free(tp[j]);
			free(tp);
		}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static void summary(const struct rt_opts *o, struct rt_tally *t)
{
	json_t *j;
	size_t i;
	json_t *u;

	if (o->fmt == OUT_JSON) {
		j = json_object();
		json_object_set(j, "files", t->files);
		jset_int(j, "passed", t->passed);
		jset_int(j, "failed", t->failed);
		jset_int(j, "filtered_out", t->filtered);
		jset_int(j, "broken", t->broken);
		json_object_set(j, "untested", t->untested);
		out_json(stdout, j);
		json_decref(j);
		return;
	}
	json_array_foreach(t->untested, i, u) printf(
	    "%sno scenario tests: %s\n", i ? "" : "\n", json_string_value(u));
	printf("\n%ld passed, %ld failed", t->passed, t->failed);
	if (t->broken)
		printf(", %ld broken", t->broken);
	if (t->filtered)
		printf(" (%ld filtered out by --filter)", t->filtered);
	printf("\n");
}

/* --init: writes NAME.test.yaml next to each runbook, never over an
 * existing file. Returns an exit code. */
static int init_tests(const struct rt_opts *o)
{
	int rc = ML_EXIT_OK;

	for (size_t i = 0; i < o->n_paths; i++) {
		const char *path = o->paths[i], *base = strrchr(path, '/');
		struct rb_runbook *rb = NULL;
		struct ml_err err = {0};
		struct buf out = BUF_INIT, tp = BUF_INIT;
		size_t len = strlen(path);
		struct stat st;

		base = base ? base + 1 : path;
		len -= str_ends(path, ".yaml")	? 5
		       : str_ends(path, ".yml") ? 4
						: 0;
		buf_add(&tp, path, len);
		buf_puts(&tp, ".test.yaml");
		if (str_ends(path, ".test.yaml") || str_ends(path, ".test.yml"))
			err.code = ml_err_at(&err, ML_EUSAGE, path, 0, 0,
					     "--init takes a runbook, not a "
					     "test file");
		else if (stat(tp.data, &st) == 0)
			ml_err_at(&err, ML_EUSAGE, tp.data, 0, 0,
				  "exists already; --init never overwrites");
		else if (rb_load_file(path, &rb, &err) == 0) {
			rb_test_skeleton(rb, base, &out);
			if (buf_write_file_atomic(tp.data, out.data, out.len))
				ml_err_at(&err, ML_EIO, tp.data, 0, 0,
					  "cannot write: %s", strerror(errno));
			else
				printf("wrote %s: fill in the TODOs, then run "
				       "mloncall runbook test %s\n",
				       tp.data, tp.data);
		}
		if (err.code)
			rc = cmd_fail(&err);
		rb_free(rb);
		buf_free(&out);
		buf_free(&tp);
	}
	return rc;
}

static int exec_runbook_test(const struct cmd_entry *self, int argc,
			     char **argv)
{
	struct rt_opts o = {0};
	struct rt_tally t = {0};
	int rc;

	if (cmd_wants_help(argc, argv)) {
		cmd_print_help(self);
		return ML_EXIT_OK;
	}
	if ((rc = parse(self, argc, argv, &o)) || o.init) {
		if (!rc)
			rc = init_tests(&o);
		cmd_parsed_free(self, &o.ca, &o);
		return rc;
	}
	t.files = json_array();
	t.untested = json_array();
	for (size_t i = 0; i < o.n_paths; i++) {
		struct ml_err err = {0};
		struct stat st;
		char **files = NULL;
		size_t n = 0;
		if (rb_test_find_files(o.paths[i], &files, &n, &err)) {
			ml_err_print(&err);
			t.broken++;
		} else if (!n) {
			fprintf(stderr,
				"mloncall: %s: no *.test.yaml files "
				"there\n",
				o.paths[i]);
			t.broken++;
		}
		for (size_t j = 0; j < n; j++) {
			run_file(files[j], &o, &t);
			free(files[j]);
		}
		free(files);
		if (stat(o.paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			find_untested(o.paths[i], &t);
	}
	if (o.t.filter && !t.passed && !t.failed && !t.broken) {
		fprintf(stderr, "mloncall: no scenario name contains `%s`\n",
			o.t.filter);
		t.broken++;
	}
	summary(&o, &t);
	rc = t.broken ? ML_EXIT_USAGE : t.failed ? ML_EXIT_FINDING : ML_EXIT_OK;
	json_decref(t.files);
	json_decref(t.untested);
	cmd_parsed_free(self, &o.ca, &o);
	return rc;
}

const struct cmd_entry cmd_runbook_test_entry = {
    .path = "runbook test",
    .summary = "run a runbook's scenario tests (nothing is executed)",
    .help = "Usage: mloncall runbook test PATH... [options]\n"
	    "\n"
	    "Runs the scenario tests of runbooks: for each NAME.yaml, the\n"
	    "scenarios in NAME.test.yaml next to it. Each scenario runs the\n"
	    "real engine with mocked probe facts, mocked command results\n"
	    "(by glob or regex), confirm answers and a fake clock, then\n"
	    "checks the final status, the cause and remedy chosen, and the\n"
	    "commands that ran and did not, in order. Nothing is executed:\n"
	    "a command or probe without a mock fails the scenario, with a\n"
	    "mock to paste. Format: docs/runbook-testing.md.\n"
	    "\n"
	    "PATH is a folder (searched for *.test.yaml), a runbook\n"
	    "(its sibling NAME.test.yaml) or a test file.\n"
	    "\n"
	    "Options:\n"
	    "  --filter TEXT, -k TEXT  run only scenarios whose name "
	    "contains TEXT\n"
	    "  --init                  write a starting NAME.test.yaml next "
	    "to each\n"
	    "                          runbook given (commands mocked, a "
	    "scenario per\n"
	    "                          case, TODOs for facts); never "
	    "overwrites\n"
	    "  -v, --verbose           print the trace of every scenario "
	    "(each mocked\n"
	    "                          call, its answer and the fake "
	    "time)\n"
	    "  -o, --output FORMAT     text (default) or json\n"
	    "  -h, --help              this help\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall runbook test runbooks/examples/\n"
	    "  mloncall runbook test runbooks/examples/gpu-oom.yaml -v\n"
	    "  mloncall runbook test gpu-oom.test.yaml --filter rollback\n"
	    "  mloncall runbook test --init runbooks/my-runbook.yaml\n"
	    "  mloncall runbook test runbooks/ -o json | jq '.failed'\n"
	    "\n"
	    "Exit status: 0 all scenarios passed, 1 a scenario failed, 2 a\n"
	    "test file or runbook is broken (file:line:col on stderr) or\n"
	    "nothing matched, 3 internal error.\n",
    .exec = exec_runbook_test,
    .opts = rt_opts_table,
    .flags = CMD_OUTPUT,
};
