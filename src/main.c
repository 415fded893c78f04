/* main.c: entry point of mloncall: the one table of subcommands and the
 * top-level dispatch. Each command lives in its own file in src/cmd/. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

extern const struct cmd_entry cmd_check_entry, cmd_run_entry, cmd_runbook_entry,
    cmd_runs_entry, cmd_serve_entry, cmd_incident_entry, cmd_token_entry;
extern const struct cmd_entry cmd_drill_entry;
extern const struct cmd_entry cmd_oncall_entry;
extern const struct cmd_entry cmd_report_entry, cmd_action_entry;

static const struct cmd_entry *const commands[] = {
    &cmd_check_entry,  &cmd_run_entry,	  &cmd_runbook_entry,
    &cmd_runs_entry,   &cmd_serve_entry,  &cmd_incident_entry,
    &cmd_token_entry,  &cmd_oncall_entry, &cmd_report_entry,
    &cmd_action_entry, &cmd_drill_entry,  NULL};

static const struct cmd_entry top = {
    .path = "",
    .summary = "mloncall",
    .help = "Usage: mloncall COMMAND [options]\n"
	    "\n"
	    "mloncall: executable, tested runbooks and diagnostic probes for\n"
	    "the on-call teams of ML systems, and the incident service that\n"
	    "runs them.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check gpu\n"
	    "  mloncall runbook lint runbooks/\n"
	    "  mloncall run runbooks/examples/disk-full.yaml --dry-run\n"
	    "  mloncall serve --db oncall.db\n"
	    "\n"
	    "Exit status: 0 ok, 1 a finding (unhealthy, drift, failed run),\n"
	    "2 usage or input error, 3 internal error.\n",
    .subs = commands,
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C");
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("mloncall %s\n", MLONCALL_VERSION);
		return 0;
	}
	if (argc < 2) {
		cmd_print_help(&top);
		return 2;
	}
	return cmd_dispatch(&top, argc - 1, argv + 1);
}
