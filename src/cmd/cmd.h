/* cmd.h: the descriptor every subcommand file exports, and the helpers all
 * commands share for help, usage errors and the -o flag. The one table of
 * commands lives in src/main.c. */
#ifndef ML_CMD_H
#define ML_CMD_H

#include "core/err.h"
#include "core/out.h"

struct cmd_entry;

/* Runs a command. argv[0] is the command's own name; options follow.
 * Returns the process exit code (enum ml_exit). */
typedef int (*cmd_exec_fn)(const struct cmd_entry *self, int argc,
			   char **argv);

struct cmd_entry {
	const char *path;    /* full name as typed: "runbook lint" */
	const char *summary; /* one line for `mloncall help` */
	const char *help;    /* usage, options, examples (printed by --help) */
	cmd_exec_fn exec;    /* NULL for a group that only dispatches */
	const struct cmd_entry *const *subs; /* group: NULL-terminated */
	int own_help; /* exec handles --help itself (e.g. `check NAME --help`) */
};

/* Dispatches argv[0] among the group's subcommands (or the top-level
 * table): exact match, else a unique prefix, else "did you mean". Handles
 * `GROUP`, `GROUP --help` and `GROUP help SUB`. Returns an exit code. */
int cmd_dispatch(const struct cmd_entry *group, int argc, char **argv);

/* Prints self->help (or a generated list for a group) to stdout. */
void cmd_print_help(const struct cmd_entry *self);

/* Prints "mloncall PATH: message" and a hint to use --help to stderr;
 * returns ML_EXIT_USAGE. */
int cmd_usage(const struct cmd_entry *self, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints err and returns its exit code (2 for input, 3 internal). */
int cmd_fail(const struct ml_err *err);

/* Parses an -o value; on failure prints a usage error. Returns 0 or
 * ML_EXIT_USAGE. */
int cmd_output(const struct cmd_entry *self, const char *arg,
	       enum out_fmt *fmt);

/* Takes an output option at argv[*i]: `-o FMT`, `--output FMT` or
 * `-oFMT`. Returns 0 when argv[*i] is not one; else 1 with *i advanced
 * past a separate value and *rc set to 0, or to ML_EXIT_USAGE after a
 * usage error was printed (missing or unknown format). */
int cmd_take_output(const struct cmd_entry *self, int argc, char **argv,
		    int *i, enum out_fmt *fmt, int *rc);

/* Nonzero when any argument is -h or --help (before a lone "--"). */
int cmd_wants_help(int argc, char **argv);

#endif
