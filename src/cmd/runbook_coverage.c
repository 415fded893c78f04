/* runbook_coverage.c: `mloncall runbook coverage [--rules FILE ...]
 * [DIR ...] [-o text|json|md]`: which alert names the runbooks' triggers
 * match, or, with Prometheus rules files, which alerts have no runbook.
 * The matching lives in src/runbook/rb_coverage.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_coverage.h"

struct cov_args {
	const char **dirs, **rules;
	size_t n_dirs, n_rules;
	enum out_fmt fmt;
	struct cmd_list rules_opt; /* --rules FILE, repeatable */
};

/* Loads the runbooks under every dir. A runbook that does not load is
 * reported on stderr and counted in *broken. Returns 0 or an error (a
 * dir that does not exist). */
static int load_runbooks(const struct cov_args *a, struct rb_runbook ***rbs,
			 size_t *n, int *broken, struct ml_err *err)
{
	for (size_t d = 0; d < a->n_dirs; d++) {
		struct rb_dir rd = {0};
		int rc = rb_load_dir(a->dirs[d], &rd, err);

		if (rc)
			return rb_dir_free(&rd), rc;
		*rbs = xrealloc(*rbs, (*n + rd.n + 1) * sizeof(**rbs));
		for (size_t i = 0; i < rd.n; i++) {
			if (rd.rbs[i])
				(*rbs)[(*n)++] = rd.rbs[i], rd.rbs[i] = NULL;
			else
				ml_err_print(&rd.errs[i]), (*broken)++;
		}
		rb_dir_free(&rd);
	}
	return 0;
}

static const struct cmd_opt cov_opts[] = {
    CMD_LIST("rules", 'r', struct cov_args, rules_opt, "FILE"), {0}};

static int parse_args(const struct cmd_entry *self, int argc, char **argv,
		      struct cov_args *a, struct cmd_args *ca)
{
	int rc = cmd_parse(self, 1, argc, argv, a, ca);

	a->fmt = ca->fmt;
	a->rules = a->rules_opt.v;
	a->n_rules = a->rules_opt.n;
	a->dirs = (const char **)ca->args;
	a->n_dirs = (size_t)ca->nargs;
	if (rc)
		return rc;
	if (a->fmt == OUT_HTML)
		return cmd_usage(self, "-o: coverage prints text, json or md");
	if (!a->n_dirs)
		a->dirs[a->n_dirs++] = "runbooks";
	return 0;
}

/* Builds the table or the rules report and prints it. Returns the exit
 * code: 1 when an alert has no runbook, 2 for a broken rules file. */
static int report(const struct cov_args *a, struct rb_runbook **rbs, size_t n)
{
	struct rb_cov_rules rules = {0};
	struct ml_err err;
	json_t *j;
	int rc = ML_EXIT_OK;

	ml_err_clear(&err);
	for (size_t i = 0; i < a->n_rules; i++) {
		if (rb_cov_rules_load(a->rules[i], &rules, &err) != 0) {
			rb_cov_rules_free(&rules);
			return cmd_fail(&err);
		}
	}
	j = a->n_rules ? rb_cov_report(rbs, n, &rules) : rb_cov_table(rbs, n);
	if (a->n_rules && jget_int(j, "uncovered", 0) > 0)
		rc = ML_EXIT_FINDING;
	if (a->fmt == OUT_JSON) {
		out_json(stdout, j);
	} else {
		struct buf b = BUF_INIT;

		rb_cov_render(j, a->fmt == OUT_MARKDOWN, &b);
		fwrite(buf_str(&b), 1, b.len, stdout);
		buf_free(&b);
	}
	json_decref(j);
	rb_cov_rules_free(&rules);
	return rc;
}

static int exec_runbook_coverage(const struct cmd_entry *self, int argc,
				 char **argv)
{
	struct cov_args a = {0};
	struct cmd_args ca = {0};
	struct rb_runbook **rbs = NULL;
	size_t n = 0;
	int rc, broken = 0;
	struct ml_err err;

	ml_err_clear(&err);
	rc = parse_args(self, argc, argv, &a, &ca);
	if (!rc && load_runbooks(&a, &rbs, &n, &broken, &err) != 0)
		rc = cmd_fail(&err);
	if (!rc)
		rc = report(&a, rbs, n);
	if ((rc == ML_EXIT_OK || rc == ML_EXIT_FINDING) && broken) {
		fprintf(stderr,
			"mloncall runbook coverage: %d runbook%s did not load "
			"(above); coverage is incomplete\n",
			broken, broken == 1 ? "" : "s");
		rc = ML_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		rb_free(rbs[i]);
	free(rbs);
	cmd_parsed_free(self, &ca, &a);
	return rc;
}

const struct cmd_entry cmd_runbook_coverage_entry = {
    .path = "runbook coverage",
    .summary = "which alerts route to a runbook; alerts of a rules file "
	       "with none",
    .help =
	"Usage: mloncall runbook coverage [--rules FILE ...] [DIR ...]\n"
	"                                 [-o text|json|md]\n"
	"\n"
	"Without --rules: the table runbook -> the alert names its trigger\n"
	"matches, and alert name -> runbooks. Names come from `alertname =\n"
	"X` and from `alertname =~ \"A|B|C\"` when the regex is a plain\n"
	"alternation of names; other regexes are listed as such, and\n"
	"matchers on other labels as conditions.\n"
	"\n"
	"With --rules FILE (a Prometheus rules file: groups[].rules[] with\n"
	"alert, expr, labels; or a PrometheusRule with spec.groups): every\n"
	"alerting rule is matched against every runbook's trigger, using the\n"
	"alert's name and its static labels, and reported as covered,\n"
	"partly covered (a matcher reads a label the rule does not set, so\n"
	"only the firing alert decides) or without a runbook (NONE).\n"
	"Recording rules are skipped.\n"
	"\n"
	"DIR (default ./runbooks, several allowed) is searched recursively\n"
	"for runbooks, as `runbook lint` does.\n"
	"\n"
	"Options:\n"
	"  --rules FILE  a Prometheus rules file (repeatable; -r FILE)\n"
	"  -o FORMAT     text (default), json or md (Markdown tables; runbook\n"
	"                names link to AREA/ID.md, AREA being the runbook's\n"
	"                folder, as in docs/runbooks/)\n"
	"\n"
	"JSON without --rules: {mode: \"names\", runbooks: [{id, file, area,\n"
	"alerts, patterns, conditions}], alerts: [{alert, runbooks: [id]}]}.\n"
	"With --rules: {mode: \"rules\", alerts: [{alert, group, file, line,\n"
	"labels, status: covered|partial|uncovered, runbooks: [{id, area,\n"
	"status, conditions}]}], covered, partial, uncovered}.\n"
	"\n"
	"Examples:\n"
	"  mloncall runbook coverage runbooks/\n"
	"  mloncall runbook coverage --rules /etc/prometheus/rules/gpu.yml\n"
	"  mloncall runbook coverage -r kube.yaml -r node.yaml -o json |\n"
	"    jq -r '.alerts[] | select(.status == \"uncovered\") | .alert'\n"
	"  mloncall runbook coverage runbooks/serving runbooks/data -o md\n"
	"\n"
	"Exit status: 0 ok, 1 an alert of the rules files has no runbook,\n"
	"2 usage error, a broken rules file (file:line:col) or a runbook\n"
	"that does not load, 3 internal error.\n",
    .exec = exec_runbook_coverage,
    .opts = cov_opts,
    .flags = CMD_OUTPUT,
};
