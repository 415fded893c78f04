/* cmd.h: the descriptor every subcommand file exports, its options as
 * data (struct cmd_opt) and the one parser for them, and the helpers all
 * commands share for help and usage errors. The one table of commands
 * lives in src/main.c. */
#ifndef ML_CMD_H
#define ML_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/out.h"
#include "incident/client.h"

struct cmd_entry;

/* Runs a command. argv[0] is the command's own name; options follow.
 * Returns the process exit code (enum ml_exit). */
typedef int (*cmd_exec_fn)(const struct cmd_entry *self, int argc, char **argv);

/* What an option takes and where cmd_parse puts it: at offset off in
 * the command's own options struct (the `opts` passed to cmd_parse). */
enum cmd_arg {
	CMD_ARG_FLAG,	  /* no value: sets the int at off to 1 */
	CMD_ARG_STRING,	  /* const char * at off (borrowed from argv) */
	CMD_ARG_INT,	  /* int64_t at off, within [min, max] */
	CMD_ARG_DURATION, /* int64_t milliseconds at off, within [min, max]
			   * (max 0: no upper bound) */
	CMD_ARG_ENUM,	  /* int at off: index of the value in choices */
	CMD_ARG_LIST,	 /* repeatable: appends to the struct cmd_list at off */
	CMD_ARG_FN,	 /* a value given to fn (NAME=VALUE, HOST:PORT...) */
	CMD_ARG_FN_FLAG, /* no value: calls fn with val NULL; `--x=V`
			  * gives it V */
	CMD_ARG_NOT_HERE /* a sibling command's option: "--X does not apply
			  * here" rather than "unknown option" */
};

/* A repeatable option's values, in order (borrowed from argv; the array
 * is freed by cmd_parsed_free). */
struct cmd_list {
	const char **v;
	size_t n;
};

/* One option of a command. A table ends with a zeroed entry. */
struct cmd_opt {
	const char *name; /* long name without dashes: "dry-run" */
	char short_name;  /* 'n' for -n, or 0 */
	enum cmd_arg arg;
	size_t off;		    /* offsetof(struct my_opts, field) */
	int64_t min, max;	    /* CMD_ARG_INT, CMD_ARG_DURATION bounds */
	const char *const *choices; /* CMD_ARG_ENUM: NULL-terminated */
	/* CMD_ARG_FN(_FLAG): stores val into opts or fills err (its message
	 * is printed as a usage error). o is this row (for a table built at
	 * run time, such as a probe's arguments). Returns 0 or -1. */
	int (*fn)(void *opts, const struct cmd_opt *o, const char *val,
		  struct ml_err *err);
	const char *metavar; /* for "--rules needs a FILE"; NULL: "a value" */
};

/* Shorthands for table rows; adding an option is one line. */
#define CMD_FLAG(n, s, T, f)                                                   \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_FLAG,               \
		.off = offsetof(T, f)                                          \
	}
#define CMD_STR(n, s, T, f)                                                    \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_STRING,             \
		.off = offsetof(T, f)                                          \
	}
#define CMD_INT(n, s, T, f, lo, hi)                                            \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_INT,                \
		.off = offsetof(T, f), .min = lo, .max = hi                    \
	}
#define CMD_DUR(n, s, T, f, lo, hi)                                            \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_DURATION,           \
		.off = offsetof(T, f), .min = lo, .max = hi                    \
	}
#define CMD_LIST(n, s, T, f, mv)                                               \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_LIST,               \
		.off = offsetof(T, f), .metavar = mv                           \
	}
#define CMD_FN(n, s, func)                                                     \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_FN, .fn = func      \
	}
#define CMD_FN_FLAG(n, s, func)                                                \
	{                                                                      \
		.name = n, .short_name = s, .arg = CMD_ARG_FN_FLAG, .fn = func \
	}
#define CMD_NOT_HERE(n)                                                        \
	{                                                                      \
		.name = n, .arg = CMD_ARG_NOT_HERE                             \
	}

/* Setup flags of a command (cmd_entry.flags): options every such command
 * takes, parsed and resolved once by cmd_parse into struct cmd_args. */
enum {
	CMD_OUTPUT = 1 << 0, /* -o, --output FORMAT into args->fmt */
	CMD_DB = 1 << 1,     /* --db PATH, else $MLONCALL_DB, else oncall.db */
	CMD_CLIENT = 1 << 2, /* --server URL (else $MLONCALL_SERVER), token
			      * from $MLONCALL_TOKEN, --db PATH (else
			      * $MLONCALL_DB, else none); --db given after
			      * the server drops it; no trailing slash */
};

struct cmd_entry {
	const char *path;    /* full name as typed: "runbook lint" */
	const char *summary; /* one line for `mloncall help` */
	const char *help;    /* usage, options, examples (printed by --help) */
	cmd_exec_fn exec;    /* NULL for a group that only dispatches */
	const struct cmd_entry *const *subs; /* group: NULL-terminated */
	int own_help; /* exec handles --help itself (e.g. `check NAME --help`)
		       */
	const struct cmd_opt *opts; /* the command's own options, or NULL */
	unsigned flags;		    /* CMD_OUTPUT | CMD_DB | CMD_CLIENT */
};

/* What cmd_parse found besides the command's own options. */
struct cmd_args {
	enum out_fmt fmt;     /* CMD_OUTPUT; set the default before parsing */
	const char *db;	      /* CMD_DB: resolved path; CMD_CLIENT: or NULL */
	int db_defaulted;     /* CMD_DB: neither --db nor $MLONCALL_DB */
	struct client client; /* CMD_CLIENT */
	char **args;	      /* positional words, NULL-terminated: argv's
			       * own slots, reordered in place */
	int nargs;
};

/* Parses argv[first..] against self->opts and self->flags: `--name
 * value`, `--name=value`, a unique prefix of a long name, `-x value`,
 * `-xvalue`, bundled short flags (`-qy`); `--` ends options; other words
 * are positional, collected in a->args in order (a lone `-` too); argv
 * is reordered in place (options' slots are reused) as getopt does.
 * Values go into opts (the command's struct, which holds its defaults).
 * Errors (unknown option with a "did you mean", missing value, a value
 * not a number or duration or out of bounds, a bad -o) are printed as
 * usage errors naming the option. Returns 0 or ML_EXIT_USAGE. Free with
 * cmd_parsed_free, also after an error. */
int cmd_parse(const struct cmd_entry *self, int first, int argc, char **argv,
	      void *opts, struct cmd_args *a);

/* Frees the arrays of opts' CMD_ARG_LIST options (not the strings: they
 * are argv's); a->args stays valid (it is argv). */
void cmd_parsed_free(const struct cmd_entry *self, struct cmd_args *a,
		     void *opts);

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

/* Nonzero when any argument is -h or --help (before a lone "--"). */
int cmd_wants_help(int argc, char **argv);

#endif
