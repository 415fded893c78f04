/* rb_exec.h: the runbook engine. Runs the lifecycle
 *   prechecks -> diagnose -> remedy/procedure -> verify
 *   -> (fail) rollback -> verify rollback, up to max_attempts
 * and writes a run record. Every effect on the world goes through
 * struct rb_exec_ops, so `runbook test` can run the same engine with
 * mocked commands and probes, and nothing is executed. */
#ifndef ML_RB_EXEC_H
#define ML_RB_EXEC_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "runbook/rb.h"

/* Final status of a run (record field "status"). */
enum rb_run_status {
	RB_RUN_SUCCEEDED = 0,
	RB_RUN_FAILED_PRECHECKS,
	RB_RUN_NO_DIAGNOSIS,
	RB_RUN_ROLLED_BACK,
	RB_RUN_ROLLBACK_FAILED,
	RB_RUN_ABORTED,
	RB_RUN_DIAGNOSED, /* diagnose-only run: a cause was found */
	RB_RUN_PLANNED,	  /* --dry-run */
	RB_RUN_STATUS_LAST
};

/* Spellings as stored in records and served by the API (never change
 * one). name: "unknown" out of range; parse: 0, or -1 when s is none. */
const char *rb_run_status_name(enum rb_run_status s);
int rb_run_status_parse(const char *s, enum rb_run_status *out);

/* A transition of the lifecycle that is not a final status (record
 * field transitions[].to; the final status is a transition too, spelled
 * by rb_run_status_name). The step phases are a subset. */
enum rb_trans {
	RB_TRANS_PRECHECKS = 0,
	RB_TRANS_PRECHECKS_FAILED, /* dry run only: the plan goes on */
	RB_TRANS_DIAGNOSE,
	RB_TRANS_CAUSE_FOUND,
	RB_TRANS_PROCEDURE,
	RB_TRANS_REMEDY,
	RB_TRANS_VERIFY,
	RB_TRANS_RETRY,
	RB_TRANS_ROLLBACK,
	RB_TRANS_VERIFY_ROLLBACK,
	RB_TRANS_VERIFIED,
	RB_TRANS_UNVERIFIED,
	RB_TRANS_LAST
};

/* As rb_run_status_name / rb_run_status_parse, for transitions. */
const char *rb_trans_name(enum rb_trans t);
int rb_trans_parse(const char *s, enum rb_trans *out);

/* Result of one command, as the real or mocked executor gives it. */
struct rb_cmd_result {
	int exit_code; /* valid when !signaled && !timed_out */
	int signaled;
	int sig;
	int timed_out;
	char *output; /* captured stdout+stderr (capped); malloc'ed */
	size_t output_total;
	int64_t duration_ms;
	int interrupted; /* killed because the run was interrupted (added
			    by rb-exec; mocks may leave it 0) */
};

/* The effects. Real implementations are in rb_exec_real.c; the scenario
 * tester provides mocks. All return 0 or an error code with err set. */
struct rb_exec_ops {
	void *ctx;
	/* Runs shell text with env (NULL-terminated "K=V"); fills *res
	 * (res->output owned by caller). A nonzero exit is not an error. */
	int (*run_cmd)(void *ctx, const char *shell, const char *const *env,
		       int64_t timeout_ms, struct rb_cmd_result *res,
		       struct ml_err *err);
	/* Runs a probe with resolved args; *facts is a new reference. as is
	 * the step's `as:` name or NULL (the tester picks mocks by it). */
	int (*run_probe)(void *ctx, const char *probe, const char *as,
			 const json_t *args, int dry_run, json_t **facts,
			 struct ml_err *err);
	/* Asks a human; sets *yes. Without a TTY the real one sets *yes = 0
	 * and fails (ML_EUNSUPPORTED, RB_NEEDS_SERVICE): the step is
	 * declined with that error, so the run stops safely before the
	 * change and says why. The store channel (rb_channel.h) asks the
	 * incident service instead. --yes answers before this is called. */
	int (*confirm)(void *ctx, const char *prompt, int *yes,
		       struct ml_err *err);
	/* Waits ms (the tester returns at once and advances a fake clock). */
	void (*sleep_ms)(void *ctx, int64_t ms);
	/* Wall clock in ms (the tester's is fake). */
	int64_t (*now_ms)(void *ctx);
	/* Delivers a notify step (real: prints; the service adds webhooks). */
	int (*notify)(void *ctx, const char *channel, const char *message,
		      struct ml_err *err);
	/* Nonzero when the ops above may be called from several threads at
	 * once (batch `parallel:`). Mocks leave it 0: then batch items run
	 * one after the other, in order, whatever `parallel` says. */
	int thread_safe;
	/* Optional (NULL: none). Called when a step starts (event
	 * "started", before its action) and when it ends ("finished", its
	 * result, exit code, duration and output set), with the step's
	 * record (borrowed for the call, secrets already masked). Not called
	 * for steps a dry run only plans. Called from batch threads when
	 * thread_safe is set. */
	void (*step_event)(void *ctx, const char *event, const json_t *rec);
	/* Optional: takes a fleet budget slot: key (a node) of pool for
	 * this run, when fewer than limit are held; *taken is 1 when it is
	 * held now (also when the run held it already), 0 when the budget
	 * or another run holds it (then err says which). NULL or the real
	 * one: fails with RB_NEEDS_SERVICE (a budget lives in the store). */
	int (*take_slot)(void *ctx, const char *pool, const char *key,
			 int limit, int *taken, struct ml_err *err);
	/* Optional: gives back what take_slot took (key NULL: every slot of
	 * pool this run holds). */
	int (*release_slot)(void *ctx, const char *pool, const char *key,
			    struct ml_err *err);
};

/* What a step that needs the incident service says without one. */
#define RB_NEEDS_SERVICE                                                       \
	"needs the incident service: run it with --run-id and --db, or "       \
	"from mloncall serve"

/* Optional ctx of the real ops (copy *rb_exec_real_ops() and set ctx to
 * one of these): cancel is polled while a command runs or a wait sleeps
 * (the command's process group is killed when it becomes nonzero); the
 * other fields override config.h defaults when nonzero. */
struct rb_exec_real_ctx {
	volatile sig_atomic_t *cancel;
	size_t output_cap; /* bytes of output kept; 0: ML_OUTPUT_CAP */
	int64_t grace_ms;  /* SIGTERM -> SIGKILL; 0: ML_KILL_GRACE_MS */
	int no_tty;	   /* confirm never asks (tests) */
};

struct rb_exec_opts {
	const json_t *params; /* name -> string value, from --param or alert
				 labels (borrowed); validated against the
				 runbook's params by the engine */
	int dry_run;	      /* plan only; only read-only probes run */
	int assume_yes;	      /* --yes: confirm steps answer yes */
	int diagnose_only;    /* stop after diagnose (incident service) */
	FILE *progress;	      /* narration of steps as they run, or NULL */
	volatile sig_atomic_t *interrupted; /* SIGINT/SIGTERM seen. When the
				 engine sees it during a change it resets it
				 to 0 and runs the rollback, so a second
				 signal interrupts the rollback itself. */
	const char *record_path; /* write the run record here, or NULL */
};

/* Runs rb. On return *record is the run record (new reference, see
 * docs/run-record.md) and *status the final status. Returns 0 when the
 * engine ran to a final status (whatever it is), or an error code when it
 * could not (bad params: ML_EUSAGE with the param named; I/O). */
int rb_exec(const struct rb_runbook *rb, const struct rb_exec_opts *opts,
	    const struct rb_exec_ops *ops, json_t **record,
	    enum rb_run_status *status, struct ml_err *err);

/* The real effects: /bin/sh with process groups, the probe registry, a
 * TTY prompt, nanosleep, the wall clock, stdout notifications. */
const struct rb_exec_ops *rb_exec_real_ops(void);

/* Resolves params: defaults, required, types, pattern, enum. *out is a
 * new object name -> string. Errors name the param. */
int rb_params_resolve(const struct rb_runbook *rb, const json_t *given,
		      json_t **out, struct ml_err *err);

/* Exit code for a final status: succeeded/diagnosed/planned -> 0, others
 * -> 1 (a finding). */
int rb_run_exit_code(enum rb_run_status s);

#endif
