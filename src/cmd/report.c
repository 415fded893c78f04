/* report.c: `mloncall report`: the on-call practice measured from the
 * store (placeholder until report.c lands). */
#include "cmd/cmd.h"

static int exec_report(const struct cmd_entry *self, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_usage(self, "not implemented yet");
}

const struct cmd_entry cmd_report_entry = {
	.path = "report",
	.summary = "MTTA/MTTR, SLA breaches, pages per person per week",
	.help = "Usage: mloncall report [--since 30d] [--db PATH]\n",
	.exec = exec_report,
};
