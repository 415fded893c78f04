/* runbook.c: the `mloncall runbook` group (lint, show, ls, test). */
#include "cmd/cmd.h"

extern const struct cmd_entry cmd_runbook_lint_entry, cmd_runbook_show_entry,
    cmd_runbook_ls_entry, cmd_runbook_test_entry, cmd_runbook_coverage_entry;

static const struct cmd_entry *const subs[] = {
    &cmd_runbook_lint_entry, &cmd_runbook_show_entry,	  &cmd_runbook_ls_entry,
    &cmd_runbook_test_entry, &cmd_runbook_coverage_entry, NULL};

const struct cmd_entry cmd_runbook_entry = {
    .path = "runbook",
    .summary = "lint, show, list and scenario-test runbooks",
    .help = "Usage: mloncall runbook COMMAND [options]\n",
    .subs = subs,
};
