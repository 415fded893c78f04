/* runbook_show.c: `mloncall runbook show` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_runbook_show(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_runbook_show_entry = {
	.path = "runbook show",
	.summary = "render a runbook as Markdown",
	.help = "Usage: mloncall runbook show\n",
	.exec = exec_runbook_show,
};
