/* incident.c: `mloncall incident` (placeholder until its issue lands). */
#include <stdio.h>

#include "cmd/cmd.h"

static int exec_incident(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mloncall %s: not implemented yet\n", self->path);
	return ML_EXIT_INTERNAL;
}

const struct cmd_entry cmd_incident_entry = {
	.path = "incident",
	.summary = "list and act on incidents (ls, show, ack, resolve, note)",
	.help = "Usage: mloncall incident\n",
	.exec = exec_incident,
};
