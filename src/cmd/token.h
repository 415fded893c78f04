/* token.h: what the `mloncall token` subcommands (token.c, token_ls.c)
 * share: their options and the entries of the group. */
#ifndef ML_CMD_TOKEN_H
#define ML_CMD_TOKEN_H

#include "cmd/cmd.h"

struct token_opts {
	const char *db, *role, *person, *value;
	enum out_fmt fmt;
	char **args; /* positional arguments (argv's) */
	int nargs;
};

/* Parses argv[1..] by self's table and flags (CMD_DB: --db, else
 * $MLONCALL_DB, else oncall.db), and up to four positional arguments.
 * Default role: responder. Returns 0 or ML_EXIT_USAGE (message
 * printed). */
int token_opts_parse(const struct cmd_entry *self, int argc, char **argv,
		     struct token_opts *o);

extern const struct cmd_entry cmd_token_add_entry, cmd_token_ls_entry,
    cmd_token_revoke_entry;

#endif
