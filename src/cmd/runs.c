/* runs.c: the `mloncall runs` group (run records; approvals of service
 * runs). */
#include "cmd/cmd.h"

extern const struct cmd_entry cmd_runs_show_entry;
extern const struct cmd_entry cmd_runs_approve_entry;
extern const struct cmd_entry cmd_runs_deny_entry;

static const struct cmd_entry *const subs[] = {
    &cmd_runs_show_entry, &cmd_runs_approve_entry, &cmd_runs_deny_entry, NULL};

const struct cmd_entry cmd_runs_entry = {
    .path = "runs",
    .summary = "inspect run records, approve or deny service runs",
    .help = "Usage: mloncall runs COMMAND [options]\n",
    .subs = subs,
};
