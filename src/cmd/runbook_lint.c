/* runbook_lint.c: `mloncall runbook lint` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_runbook_lint(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_runbook_lint_entry = {
	.path = "runbook lint",
	.summary = "check runbooks: schema, references, expressions, staleness",
	.help = "Usage: mloncall runbook lint\n",
	.exec = exec_runbook_lint,
};
