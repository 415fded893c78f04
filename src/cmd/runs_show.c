/* runs_show.c: `mloncall runs show` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_runs_show(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_runs_show_entry = {
	.path = "runs show",
	.summary = "print a run record as a timeline",
	.help = "Usage: mloncall runs show\n",
	.exec = exec_runs_show,
};
