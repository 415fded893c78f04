/* toolio.h: input plumbing shared by the thin tool-output probes (nvlink,
 * ipmi, nccl, loss): read a recorded file or stdin, run the live tool with
 * a timeout, walk lines, clean text for JSON. */
#ifndef ML_PROBE_TOOLIO_H
#define ML_PROBE_TOOLIO_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Largest input a thin probe reads (file, stdin or live output). */
#define TOOLIO_MAX_INPUT (256u * 1024 * 1024)

/* Appends the contents of from (a path, or "-" for stdin) to out.
 * Returns 0, ML_ENOTFOUND (no such file) or ML_EIO, naming the file in
 * err. An empty input is not an error here; probes decide. */
int toolio_read(const char *from, struct buf *out, struct ml_err *err);

/* Runs argv (argv[0] looked up on PATH) with timeout_ms, capturing
 * stdout and stderr merged into out and its exit status into *exit_code
 * (-1 when killed or timed out). Returns 0 when the program ran,
 * ML_ENOTFOUND with "<missing>" in the message when argv[0] is not on
 * PATH, ML_ETIMEOUT when it ran past timeout_ms. */
int toolio_run(const char *const *argv, int timeout_ms, const char *missing,
	       struct buf *out, int *exit_code, struct ml_err *err);

/* Line cursor over a buffer: call toolio_line until it returns 0. Each
 * line is [*s, *s + *n) without the newline and a trailing '\r'. */
struct toolio_lines {
	const char *p, *end;
	long lineno; /* 1-based number of the line last returned */
};
void toolio_lines_init(struct toolio_lines *it, const char *text, size_t len);
int toolio_line(struct toolio_lines *it, const char **s, size_t *n);

/* A copy of [s, s+n) without ANSI escape sequences (ESC [ ... letter),
 * invalid UTF-8 and control characters replaced by '?', tabs turned to
 * spaces, trimmed. Caller frees; never NULL. */
char *toolio_clean(const char *s, size_t n);

/* Splits a cleaned line on sep (a character) into trimmed fields stored
 * in a new array *fields (caller frees the array and each field with
 * toolio_fields_free). Returns the number of fields. */
size_t toolio_split(const char *line, char sep, char ***fields);
void toolio_fields_free(char **fields, size_t n);

/* Parses a whole decimal number (strtod rules, no trailing text other than
 * blanks). Returns 0 and sets *v, or -1. Rejects NaN/Inf spellings unless
 * allow_nonfinite. */
int toolio_num(const char *s, int allow_nonfinite, double *v);

#endif
