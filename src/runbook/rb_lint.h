/* rb_lint.h: `runbook lint`: checks beyond the schema (which the loader
 * checks): references between sections, expressions, probe names and
 * arguments, params used and defined, the runbook standard (trigger,
 * prechecks, procedure or remedies, verify, rollback) and review dates.
 * Every finding has a stable code documented in docs/lint.md. */
#ifndef ML_RB_LINT_H
#define ML_RB_LINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "runbook/rb.h"

enum rb_lint_level { RB_LINT_WARNING = 0, RB_LINT_ERROR };

struct rb_finding {
	char *file;
	int line, col; /* 1-based; 0 when unknown */
	enum rb_lint_level level;
	const char *code; /* static string, e.g. "unknown-remedy" */
	char *message;
};

struct rb_lint_opts {
	int strict;	/* warnings count as errors */
	int64_t now_ms; /* for review dates; 0: time_now_ms() */
};

/* Findings of one lint run. Zero-initialise (or rb_lint_init), fill with
 * rb_lint_runbook / rb_lint_paths, free with rb_lint_free. */
struct rb_lint {
	struct rb_finding *v;
	size_t n, cap;
	size_t files;  /* runbook files looked at */
	size_t errors; /* findings at level error (after --strict) */
	size_t warnings;
};

void rb_lint_init(struct rb_lint *l);
void rb_lint_free(struct rb_lint *l);

/* Adds a finding (message printf-style). With opts->strict a warning is
 * recorded as an error. */
void rb_lint_add(struct rb_lint *l, const struct rb_lint_opts *o,
		 const char *file, int line, int col, enum rb_lint_level lv,
		 const char *code, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Checks one loaded runbook (everything except duplicate ids across
 * files) and appends its findings, sorted by position. */
void rb_lint_runbook(const struct rb_runbook *rb, const struct rb_lint_opts *o,
		     struct rb_lint *l);

/* Lints every runbook found under paths (files or folders, see
 * rb_find_files): a file that does not load gives a finding with code
 * "schema"; ids used twice give "duplicate-id". Returns 0, or an error
 * when a path does not exist or cannot be read (err names it). */
int rb_lint_paths(char *const *paths, size_t n, const struct rb_lint_opts *o,
		  struct rb_lint *l, struct ml_err *err);

/* The findings as JSON: {"files", "errors", "warnings", "findings":
 * [{file, line, col, level, code, message}]} (new reference). */
json_t *rb_lint_json(const struct rb_lint *l);

/* Scans shell text for parameter references: $name, ${name...}, and bare
 * names inside $(( )); skips single-quoted text and names the script
 * assigns itself (x=..., for x in, read x). Calls f for each (name is a
 * NUL-terminated copy valid during the call; assigned tells whether the
 * script defines it). Exposed for tests. */
void rb_lint_shell_refs(const char *text,
			void (*f)(void *ctx, const char *name, int assigned),
			void *ctx);

/* Scans a Lua expression for global names it reads (not fields, not
 * locals, not keywords) and for params.NAME / params["NAME"]; calls f with
 * is_param set for the latter. Exposed for tests. */
void rb_lint_lua_refs(const char *expr,
		      void (*f)(void *ctx, const char *name, int is_param),
		      void *ctx);

#endif
