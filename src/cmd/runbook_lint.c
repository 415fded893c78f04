/* runbook_lint.c: `mloncall runbook lint PATH... [--strict] [-o json]`:
 * prints lint findings (file:line:col: level: message [code]) and a
 * summary; exit 1 when any finding is an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/xmalloc.h"
#include "runbook/rb_lint.h"

static void print_text(const struct rb_lint *l)
{
	int color = out_color(stdout);

	for (size_t i = 0; i < l->n; i++) {
		const struct rb_finding *f = &l->v[i];
		int err = f->level == RB_LINT_ERROR;

		printf("%s:%d:%d: %s%s%s: %s [%s]\n", f->file, f->line, f->col,
		       color ? (err ? "\033[31m" : "\033[33m") : "",
		       err ? "error" : "warning", color ? "\033[0m" : "",
		       f->message, f->code);
	}
	printf("%zu runbook%s checked: %zu error%s, %zu warning%s\n", l->files,
	       l->files == 1 ? "" : "s", l->errors, l->errors == 1 ? "" : "s",
	       l->warnings, l->warnings == 1 ? "" : "s");
}

static const struct cmd_opt lint_opts[] = {
    CMD_FLAG("strict", 0, struct rb_lint_opts, strict), {0}};

static int exec_runbook_lint(const struct cmd_entry *self, int argc,
			     char **argv)
{
	struct rb_lint_opts o = {0};
	struct cmd_args ca = {0};
	enum out_fmt fmt;
	struct rb_lint l;
	struct ml_err err;
	int rc = cmd_parse(self, 1, argc, argv, &o, &ca);

	fmt = ca.fmt;
	if (!rc && !ca.nargs)
		rc =
		    cmd_usage(self, "give at least one runbook file or folder");
	if (!rc && fmt != OUT_TEXT && fmt != OUT_JSON)
		rc = cmd_usage(self, "-o: lint prints text or json");
	if (rc) {
		cmd_parsed_free(self, &ca, &o);
		return rc;
	}
	rb_lint_init(&l);
	ml_err_clear(&err);
	rc = rb_lint_paths(ca.args, (size_t)ca.nargs, &o, &l, &err);
	cmd_parsed_free(self, &ca, &o);
	if (rc) {
		rb_lint_free(&l);
		return cmd_fail(&err);
	}
	if (!l.files) {
		rb_lint_free(&l);
		fprintf(stderr, "mloncall runbook lint: no runbooks (*.yaml, "
				"*.yml) found\n");
		return ML_EXIT_USAGE;
	}
	if (fmt == OUT_JSON) {
		json_t *j = rb_lint_json(&l);
		out_json(stdout, j);
		json_decref(j);
	} else {
		print_text(&l);
	}
	rc = l.errors ? ML_EXIT_FINDING : ML_EXIT_OK;
	rb_lint_free(&l);
	return rc;
}

const struct cmd_entry cmd_runbook_lint_entry = {
    .path = "runbook lint",
    .summary = "check runbooks: schema, references, expressions, staleness",
    .help =
	"Usage: mloncall runbook lint PATH... [--strict] [-o text|json]\n"
	"\n"
	"Checks runbook files (PATH is a file or a folder searched for\n"
	"*.yaml and *.yml; *.test.yaml scenario files are skipped): the\n"
	"schema, duplicate ids, remedies named by cases, expressions that\n"
	"must compile, probe names and arguments, params used and\n"
	"defined, the runbook standard (trigger, prechecks, procedure or\n"
	"remedies, verify, rollback) and review dates. Every finding has\n"
	"a code, listed in docs/lint.md.\n"
	"\n"
	"Options:\n"
	"  --strict      warnings count as errors (use in CI)\n"
	"  -o FORMAT     text (default) or json:\n"
	"                {files, errors, warnings, findings: [{file, line,\n"
	"                col, level, code, message}]}\n"
	"\n"
	"Examples:\n"
	"  mloncall runbook lint runbooks/\n"
	"  mloncall runbook lint --strict runbooks/examples/gpu-oom.yaml\n"
	"  mloncall runbook lint runbooks/ -o json | jq '.findings[].code'\n"
	"\n"
	"Exit status: 0 no errors (warnings allowed), 1 errors found,\n"
	"2 usage error or a path that does not exist.\n",
    .exec = exec_runbook_lint,
    .opts = lint_opts,
    .flags = CMD_OUTPUT,
};
