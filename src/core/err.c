/* err.c: filling, formatting and printing struct ml_err. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ml_err_clear(struct ml_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

int ml_err_set(struct ml_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->file[0] = '\0';
	err->line = err->col = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int ml_err_at(struct ml_err *err, int code, const char *file, int line, int col,
	      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void ml_err_prefix(struct ml_err *err, const char *fmt, ...)
{
	char pre[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
}

void ml_err_format(const struct ml_err *err, char *out, size_t n)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		snprintf(out, n, "%s:%d:%d: %s", err->file, err->line, err->col,
			 err->msg);
	else if (err->file[0] && err->line > 0)
		snprintf(out, n, "%s:%d: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(out, n, "%s: %s", err->file, err->msg);
	else
		snprintf(out, n, "%s", err->msg);
}

void ml_err_print(const struct ml_err *err)
{
	char buf[2300];

	ml_err_format(err, buf, sizeof(buf));
	fprintf(stderr, "mloncall: %s\n", buf);
}

int ml_exit_code(int status)
{
	switch (status) {
	case ML_OK:
		return ML_EXIT_OK;
	case ML_EUSAGE:
	case ML_EINPUT:
	case ML_ENOTFOUND:
		return ML_EXIT_USAGE;
	default:
		return ML_EXIT_INTERNAL;
	}
}

const char *ml_status_name(int status)
{
	static const char *const names[ML_STATUS_LAST] = {
	    "ok",      "usage", "input",    "not_found",  "io",
	    "timeout", "nomem", "internal", "unsupported"};

	if (status < 0 || status >= ML_STATUS_LAST)
		return "unknown";
	return names[status];
}
