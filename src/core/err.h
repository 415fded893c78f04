/* err.h: the error type every mloncall function fills, the status codes it
 * returns, and the one mapping from status to process exit code. */
#ifndef ML_ERR_H
#define ML_ERR_H

#include <stddef.h>

/* Status codes. Functions return 0 (ML_OK) on success and one of these on
 * failure, with a human message in a caller-provided struct ml_err. */
enum ml_status {
	ML_OK = 0,
	ML_EUSAGE, /* bad command line: unknown flag, missing argument */
	ML_EINPUT, /* bad input data: a file that does not parse or validate */
	ML_ENOTFOUND, /* a named thing (file, runbook, incident) does not exist
		       */
	ML_EIO,	      /* an I/O error reading or writing */
	ML_ETIMEOUT,  /* an operation ran past its deadline */
	ML_ENOMEM,    /* allocation failed */
	ML_EINTERNAL, /* a bug or an unexpected failure of a library */
	ML_EUNSUPPORTED, /* feature not available here (no GPU, no kubectl) */
	ML_STATUS_LAST
};

/* Process exit codes, documented for scripts in docs/cli.md. */
enum ml_exit {
	ML_EXIT_OK = 0,
	ML_EXIT_FINDING = 1, /* ran fine, found a problem (unhealthy, drift) */
	ML_EXIT_USAGE = 2,   /* usage or input error */
	ML_EXIT_INTERNAL = 3 /* internal error */
};

/* An error: status code, message and, when the error is about input, the
 * file, line and column (1-based; 0 = unknown). Callers own it, usually on
 * the stack; functions fill it only when they fail. */
struct ml_err {
	int code;
	int line;
	int col;
	char file[512];
	char msg[1536];
};

/* Resets err to "no error". */
void ml_err_clear(struct ml_err *err);

/* Sets code and a printf-style message; clears file/line. Returns code, so
 * `return ml_err_set(err, ML_EINPUT, "...")` reads naturally. err may be
 * NULL, then only code is returned. */
int ml_err_set(struct ml_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like ml_err_set with a position in an input file (file may be NULL). */
int ml_err_at(struct ml_err *err, int code, const char *file, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefixes the existing message with "what: " (for context as an error
 * travels up). */
void ml_err_prefix(struct ml_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats "file:line:col: msg" (or just "msg") into out (size n). */
void ml_err_format(const struct ml_err *err, char *out, size_t n);

/* Prints "mloncall: file:line:col: msg" to stderr. */
void ml_err_print(const struct ml_err *err);

/* Maps a status to the exit code: ML_OK->0, usage/input/notfound->2,
 * everything else->3. */
int ml_exit_code(int status);

/* Short name of a status ("input", "io", ...), for JSON output. */
const char *ml_status_name(int status);

#endif
