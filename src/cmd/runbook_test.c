/* runbook_test.c: `mloncall runbook test` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_runbook_test(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_runbook_test_entry = {
	.path = "runbook test",
	.summary = "run a runbook's scenario tests (nothing is executed)",
	.help = "Usage: mloncall runbook test\n",
	.exec = exec_runbook_test,
};
