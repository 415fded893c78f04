/* serve.c: `mloncall serve` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_serve(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_serve_entry = {
	.path = "serve",
	.summary = "run the incident service (Alertmanager webhook in, pages out)",
	.help = "Usage: mloncall serve\n",
	.exec = exec_serve,
};
