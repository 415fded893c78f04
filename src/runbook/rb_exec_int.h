/* rb_exec_int.h: what the engine's files (rb_exec.c, rb_exec_steps.c,
 * rb_batch.c, rb_record.c, rb_params.c) share. Not a public interface:
 * other layers use rb_exec.h. */
#ifndef ML_RB_EXEC_INT_H
#define ML_RB_EXEC_INT_H

#include <jansson.h>
#include <stdint.h>

#include "runbook/rb_exec.h"
#include "runbook/rb_expr.h"

/* Outcome of one step (or of a list of steps). */
enum rb_step_res {
	RB_SR_OK = 0,	   /* ran and passed (or was only planned) */
	RB_SR_FAIL,	   /* ran and failed: nonzero exit, expect false */
	RB_SR_DECLINED,	   /* a confirm step was answered no */
	RB_SR_INTERRUPTED, /* SIGINT/SIGTERM seen */
	RB_SR_ERROR	   /* could not run: bad template, unknown probe */
};

/* State shared by the whole run (one per rb_exec call). */
struct rb_run {
	const struct rb_runbook *rb;
	const struct rb_exec_opts *opts;
	const struct rb_exec_ops *ops;
	json_t *params; /* resolved: name -> string (real values) */
	char **secrets; /* values to mask, NULL-terminated */
	json_t *record; /* the run record being built */
	json_t *transitions;
	int attempt;	 /* 1-based, 0 before the change phase */
	int changed;	 /* a step that may change something has run */
	int interrupted; /* a signal was seen (sticky) */
};

/* One line of execution: the main run, or one item of a batch (which
 * gets its own env with ITEM, its own facts and its own Lua state, so
 * items can run in threads). */
struct rb_lane {
	struct rb_run *run;
	const char *phase;	  /* "prechecks", "diagnose", "remedy", ... */
	const char *item;	  /* batch item or NULL */
	const char *remedy;	  /* remedy of the steps in phase "remedy" */
	char **env;		  /* "K=V", NULL-terminated (owned) */
	json_t *facts;		  /* name -> facts object (owned reference) */
	struct rb_expr_env *expr; /* lazily created */
	json_t *steps; /* record array steps are appended to (borrowed) */
};

/* rb_params.c */
/* Builds the environment for shell steps: each param as NAME=value (when
 * NAME is a shell identifier and not one the shell or the loader reads:
 * PATH, IFS, LD_*, ...) and ML_PARAM_<NAME>=value, plus ITEM when item is
 * not NULL, and ML_RUNBOOK. NULL-terminated, caller
 * frees with rb_env_free(). */
char **rb_env_build(const struct rb_runbook *rb, const json_t *params,
		    const char *item);
void rb_env_free(char **env);
/* Copy of text with $NAME and ${NAME} replaced by the value of param NAME
 * (or the batch item for ITEM), for notify messages and confirm prompts,
 * which people read. A `$` not followed by a param's name is kept as
 * written. Caller frees. */
char *rb_text_expand(const json_t *params, const char *item, const char *text);
/* Expands {{name}} in every string of with (recursively); names are
 * params or ITEM. arg "cmd" may hold no template (it is shell text).
 * *out is a new reference. Errors name the step line. */
int rb_with_expand(const struct rb_runbook *rb, const struct rb_step *st,
		   const json_t *params, const char *item, json_t **out,
		   struct ml_err *err);
/* Secret values of params (non-empty), NULL-terminated; caller frees
 * with rb_env_free(). */
char **rb_secrets_collect(const struct rb_runbook *rb, const json_t *params);

/* rb_record.c */
/* Copy of s with every secret replaced by "***" (malloc'ed). */
char *rb_mask(char *const *secrets, const char *s);
/* Deep copy of j with every string (and key) masked. New reference. */
json_t *rb_mask_json(char *const *secrets, const json_t *j);
/* Sets k to a masked copy of s (NULL -> null). */
void rb_jset_masked(json_t *o, char *const *secrets, const char *k,
		    const char *s);
/* Appends {"at", "to", "why"} to the run's transitions and narrates. */
void rb_transition(struct rb_run *run, const char *to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Formats ms as RFC 3339 into the object's key k. */
void rb_jset_time(json_t *o, const char *k, int64_t ms);
/* New step record with phase, kind, name, line, item, attempt, start. */
json_t *rb_step_record(struct rb_lane *ln, const struct rb_step *st,
		       int64_t start);
/* Writes rec as indented JSON to path atomically (temp file + rename).
 * Returns 0 or ML_EIO with err set. */
int rb_record_write(const json_t *rec, const char *path, struct ml_err *err);
/* Narrates a line to opts->progress (masked), when set. */
void rb_say(struct rb_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rb_exec_steps.c */
/* Runs steps in order, appending their records to ln->steps; stops at
 * the first one that does not pass. */
enum rb_step_res rb_steps_run(struct rb_lane *ln, const struct rb_steps *ss);
/* Runs one step. */
enum rb_step_res rb_step_run(struct rb_lane *ln, const struct rb_step *st);
/* The Lua state of the lane, created on first use. */
int rb_lane_expr(struct rb_lane *ln, struct rb_expr_env **out,
		 struct ml_err *err);
/* Stores facts under name in the lane (and its Lua state). Takes a
 * reference to facts. */
void rb_lane_set_fact(struct rb_lane *ln, const char *name, json_t *facts);
/* Nonzero when the step may run in a dry run (read-only probe or
 * `read_only: true`). */
int rb_step_read_only(const struct rb_step *st);
/* Nonzero when a signal arrived since the last check: sets the sticky
 * run->interrupted and resets *opts->interrupted, so that the rollback
 * can run and a second signal interrupts it. */
int rb_check_interrupt(struct rb_run *run);

/* rb_explain.c */
/* The fact paths expr reads (gpu.memory_used_pct, params.x) with their
 * current values: a new object path -> value (at most 16 paths). */
json_t *rb_expr_seen(struct rb_expr_env *env, const char *expr,
		     const json_t *facts);

/* rb_batch.c */
/* Runs a batch step (record rec): items, then before -> steps -> after
 * per item, `parallel` at a time, stopping at the first failure. */
enum rb_step_res rb_batch_run(struct rb_lane *ln, const struct rb_step *st,
			      json_t *rec);

#endif
