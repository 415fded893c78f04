/* runs.c: the `mloncall runs` group (run records). */
#include "cmd/cmd.h"

extern const struct cmd_entry cmd_runs_show_entry;

static const struct cmd_entry *const subs[] = {&cmd_runs_show_entry, NULL};

const struct cmd_entry cmd_runs_entry = {
	.path = "runs",
	.summary = "inspect run records",
	.help = "Usage: mloncall runs COMMAND [options]\n",
	.subs = subs,
};
