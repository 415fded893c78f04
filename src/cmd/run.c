/* run.c: `mloncall run` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_run(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_run_entry = {
	.path = "run",
	.summary = "execute a runbook: prechecks, diagnose, remedy, verify, rollback",
	.help = "Usage: mloncall run\n",
	.exec = exec_run,
};
