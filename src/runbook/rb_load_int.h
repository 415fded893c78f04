/* rb_load_int.h: helpers shared by the runbook loader's files (rb_load.c,
 * rb_load_steps.c, rb_load_params.c, rb_match.c). Not a public interface:
 * everything here reads ydoc nodes and reports errors at their position. */
#ifndef ML_RB_LOAD_INT_H
#define ML_RB_LOAD_INT_H

#include <stdint.h>

#include "core/err.h"
#include "core/ydoc.h"
#include "runbook/rb.h"

/* Deepest nesting of batch steps inside batch steps. */
#define RBL_MAX_STEP_DEPTH 4

/* Longest scalar accepted for names (ids, params, remedies, labels). */
#define RBL_MAX_NAME 128

/* The loader's context: the file name for messages and the error sink. */
struct rbl {
	const char *file;
	struct ml_err *err;
};

/* Fills err with ML_EINPUT at node's position (file:line:col). Returns
 * ML_EINPUT. node may be NULL (then no position). */
int rbl_fail(const struct rbl *c, const struct ydoc_node *node, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));

/* Checks that every key of map is in allowed (NULL-terminated). An unknown
 * key fails with "unknown key `k` in WHERE; did you mean `x`?" or the list
 * of the keys expected. */
int rbl_keys(const struct rbl *c, const struct ydoc_node *map,
	     const char *const *allowed, const char *where);

/* Fails unless n is a mapping / a list; what names the key ("`params`"). */
int rbl_want_map(const struct rbl *c, const struct ydoc_node *n,
		 const char *what);
int rbl_want_seq(const struct rbl *c, const struct ydoc_node *n,
		 const char *what);

/* Scalar readers. Each fails with "`what`: expected ..., got ...". rbl_str
 * accepts any non-null scalar and returns a malloc'ed copy (*out freed
 * first). rbl_bool takes true/false; rbl_int a whole number in [lo, hi];
 * rbl_dur a duration ("30s", "2m"). */
int rbl_str(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    char **out);
int rbl_bool(const struct rbl *c, const struct ydoc_node *n, const char *what,
	     int *out);
int rbl_int(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    long long lo, long long hi, int *out);
int rbl_dur(const struct rbl *c, const struct ydoc_node *n, const char *what,
	    int64_t *out);

/* Nonzero when s is a name: [A-Za-z_][A-Za-z0-9_]* (param, label). */
int rbl_is_ident(const char *s);

/* Nonzero when n is a null scalar (`key:` with nothing, `~`, `null`). */
int rbl_is_null(const struct ydoc_node *n);

/* Compiles pattern anchored as Alertmanager does (^(?:re)$ in POSIX ERE:
 * "^(" re ")$"). On failure fails at node with regerror's text. */
int rbl_regex(const struct rbl *c, const struct ydoc_node *node,
	      const char *pattern, regex_t *re);

/* Loads a list of steps (what names it for messages; depth counts batch
 * nesting). *out is filled; on error it holds what was loaded so far and
 * is freed by rb_steps_free. */
int rbl_steps(const struct rbl *c, const struct ydoc_node *n, const char *what,
	      int depth, struct rb_steps *out);

/* Loads `params:` into rb. */
int rbl_params(const struct rbl *c, const struct ydoc_node *n,
	       struct rb_runbook *rb);

/* Loads `trigger:` (a list of matcher strings, or one string). */
int rbl_trigger(const struct rbl *c, const struct ydoc_node *n,
		struct rb_runbook *rb);

/* Frees a list of steps (and the steps inside batches); zeroes it. */
void rb_steps_free(struct rb_steps *s);

#endif
