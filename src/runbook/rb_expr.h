/* rb_expr.h: sandboxed Lua 5.4 expressions for `when:` and `expect:`.
 * No io, os, require, load, debug, string.rep/format bombs; an instruction
 * limit and a memory limit (config.h); facts are read-only tables. */
#ifndef ML_RB_EXPR_H
#define ML_RB_EXPR_H

#include <jansson.h>

#include "core/err.h"

struct rb_expr_env; /* one Lua state with the facts loaded */

/* Creates an environment; facts is a JSON object whose top-level keys
 * become read-only globals (`gpu.memory_used_pct`), plus `params`.
 * facts/params are borrowed for the call only (copied into Lua). */
int rb_expr_env_new(const json_t *facts, const json_t *params,
		    struct rb_expr_env **out, struct ml_err *err);
void rb_expr_env_free(struct rb_expr_env *env);

/* Replaces/sets one top-level fact table (after a probe ran); value NULL
 * (or JSON null) removes it. */
int rb_expr_env_set(struct rb_expr_env *env, const char *name,
		    const json_t *value, struct ml_err *err);

/* Compiles expr without running it (lint). file/line/col place errors. */
int rb_expr_check(const char *expr, const char *file, int line, int col,
		  struct ml_err *err);

/* Evaluates expr to a boolean (Lua truthiness; a missing fact is nil ->
 * false). Errors (syntax, runtime, limits) name file:line:col. */
int rb_expr_eval_bool(struct rb_expr_env *env, const char *expr,
		      const char *file, int line, int col, int *result,
		      struct ml_err *err);

/* Evaluates expr and converts the result to JSON (*out new reference):
 * for `items:` lists and for explaining which values a case saw. */
int rb_expr_eval_json(struct rb_expr_env *env, const char *expr,
		      const char *file, int line, int col, json_t **out,
		      struct ml_err *err);

#endif
