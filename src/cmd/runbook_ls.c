/* runbook_ls.c: `mloncall runbook ls` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_runbook_ls(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_runbook_ls_entry = {
	.path = "runbook ls",
	.summary = "list runbooks with severity, owner and review status",
	.help = "Usage: mloncall runbook ls\n",
	.exec = exec_runbook_ls,
};
