/* proc.h: running a child process with a timeout, in its own process group
 * (so a timeout kills grandchildren too), with stdin from /dev/null or a
 * given string, and stdout/stderr captured up to a cap. */
#ifndef ML_PROC_H
#define ML_PROC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct proc_opts {
	const char *shell_cmd;	 /* run as /bin/sh -c shell_cmd, or ... */
	const char *const *argv; /* ... exec argv directly (argv[0] via PATH) */
	const char *const *env_add; /* NULL-terminated "K=V" to add/override */
	const char *cwd;	    /* NULL: inherit */
	const char *input;	    /* stdin bytes; NULL: /dev/null */
	size_t input_len;
	int64_t timeout_ms; /* 0: no timeout */
	int64_t grace_ms;   /* SIGTERM -> SIGKILL grace; 0: ML_KILL_GRACE_MS */
	size_t cap;	    /* bytes kept of each stream; 0: ML_OUTPUT_CAP */
	int merge_stderr; /* nonzero: stderr goes to the same capture as out */
	volatile sig_atomic_t *cancel; /* becomes nonzero: kill group, return */
};

struct proc_result {
	int exited; /* exited normally: exit_code is valid */
	int exit_code;
	int signaled; /* killed by a signal: sig is valid */
	int sig;
	int timed_out;	  /* we killed it at the timeout */
	int cancelled;	  /* we killed it because *cancel became nonzero */
	struct buf out;	  /* captured stdout (and stderr when merged) */
	struct buf err;	  /* captured stderr when not merged */
	size_t out_total; /* bytes the child wrote, kept or not */
	size_t err_total;
	int64_t duration_ms;
};

/* Runs the process described by o and waits for it. Returns 0 when it ran
 * (whatever its exit status: see r), or an error code when it could not be
 * started (err filled). r is always initialised; free it with
 * proc_result_free(). A timeout sends SIGTERM to the whole process group,
 * then SIGKILL after the grace period. */
int proc_run(const struct proc_opts *o, struct proc_result *r,
	     struct ml_err *err);

/* Frees the captured output. */
void proc_result_free(struct proc_result *r);

/* Describes the outcome: "exit 0", "exit 3", "killed by SIGKILL",
 * "timed out after 2s". out needs 64 bytes. */
void proc_describe(const struct proc_result *r, const struct proc_opts *o,
		   char *out, size_t n);

/* Nonzero when the program is found on PATH (or is an executable path). */
int proc_have(const char *prog);

#endif
