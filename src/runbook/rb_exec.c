/* rb_exec.c: the runbook engine's lifecycle:
 *   prechecks -> diagnose (probes, first matching case) -> remedy or
 *   procedure -> verify -> (fail) rollback -> verify again,
 * up to max_attempts, with dry runs, confirm steps and interruption, and
 * the run record (docs/run-record.md). Every effect goes through the
 * ops: this file makes no system calls of its own. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "runbook/rb_exec_int.h"

int rb_run_exit_code(enum rb_run_status s)
{
	return s == RB_RUN_SUCCEEDED || s == RB_RUN_DIAGNOSED ||
		       s == RB_RUN_PLANNED
		   ? ML_EXIT_OK
		   : ML_EXIT_FINDING;
}

/* Evaluates one case into entry; returns 1 when it holds. */
static int eval_case(struct rb_lane *ln, struct rb_expr_env *env,
		     const struct rb_case *c, json_t *entry)
{
	struct rb_run *run = ln->run;
	struct ml_err err;
	json_t *seen;
	int ok = 0;

	ml_err_clear(&err);
	rb_jset_masked(entry, run->secrets, "when", c->when);
	jset_int(entry, "line", c->line);
	if (c->cause)
		jset_str(entry, "cause", c->cause);
	if (rb_expr_eval_bool(env, c->when ? c->when : "false", run->rb->file,
			      c->line, c->col, &ok, &err) != 0) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(entry, run->secrets, "error", msg);
		json_object_set_new(entry, "result", json_null());
		rb_say(run, "   case %s: error: %s", c->cause ? c->cause : "?",
		       msg);
		ok = 0;
	} else {
		jset_bool(entry, "result", ok);
	}
	seen = rb_expr_seen(env, c->when, ln->facts);
	json_object_set_new(entry, "seen", rb_mask_json(run->secrets, seen));
	json_decref(seen);
	return ok;
}

/* Picks the first case whose `when` holds; fills diag. Returns the case
 * index or -1. */
static int pick_case(struct rb_lane *ln, json_t *diag)
{
	struct rb_run *run = ln->run;
	struct rb_expr_env *env;
	json_t *cases = json_array();
	struct ml_err err;

	json_object_set_new(diag, "cases", cases);
	ml_err_clear(&err);
	if (rb_lane_expr(ln, &env, &err) != 0) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(diag, run->secrets, "error", msg);
		return -1;
	}
	for (size_t i = 0; i < run->rb->n_cases; i++) {
		const struct rb_case *c = &run->rb->cases[i];
		json_t *entry = json_object();
		jset_int(entry, "index", (long long)i);
		json_array_append_new(cases, entry);
		if (eval_case(ln, env, c, entry)) {
			jset_bool(diag, "matched", 1);
			jset_int(diag, "case", (long long)i);
			jset_str(diag, "cause", c->cause);
			jset_str(diag, "remedy", c->remedy);
			rb_jset_masked(diag, run->secrets, "when", c->when);
			jset_int(diag, "line", c->line);
			json_object_set(diag, "seen",
					json_object_get(entry, "seen"));
			return (int)i;
		}
	}
	jset_bool(diag, "matched", 0);
	return -1;
}

/* Runs the diagnose steps; a failing probe is recorded and the diagnosis
 * goes on (its facts are missing, so cases reading them are false).
 * Returns RB_SR_OK, RB_SR_INTERRUPTED or RB_SR_DECLINED. */
static enum rb_step_res diagnose_steps(struct rb_lane *ln)
{
	const struct rb_steps *ss = &ln->run->rb->diagnose;

	ln->phase = rb_trans_name(RB_TRANS_DIAGNOSE);
	for (size_t i = 0; i < ss->n; i++) {
		enum rb_step_res r = rb_step_run(ln, &ss->v[i]);
		if (r == RB_SR_INTERRUPTED || r == RB_SR_DECLINED)
			return r;
	}
	return RB_SR_OK;
}

/* Plans the change phases of a dry run (every step recorded "planned"). */
static enum rb_run_status plan_rest(struct rb_lane *ln,
				    const struct rb_steps *change,
				    enum rb_trans change_phase)
{
	struct rb_run *run = ln->run;

	if (change) {
		ln->phase = rb_trans_name(change_phase);
		rb_steps_run(ln, change);
	} else {
		for (size_t i = 0; i < run->rb->n_remedies; i++) {
			ln->phase = rb_trans_name(RB_TRANS_REMEDY);
			ln->remedy = run->rb->remedies[i].name;
			rb_steps_run(ln, &run->rb->remedies[i].steps);
		}
	}
	ln->phase = rb_trans_name(RB_TRANS_VERIFY);
	rb_steps_run(ln, &run->rb->verify);
	ln->phase = rb_trans_name(RB_TRANS_ROLLBACK);
	rb_steps_run(ln, &run->rb->rollback);
	rb_transition(run, rb_run_status_name(RB_RUN_PLANNED),
		      "dry run: nothing was changed");
	return RB_RUN_PLANNED;
}

/* Rollback after a failed attempt, then verify again. Returns the final
 * status when the run must stop here, or RB_RUN_STATUS_LAST to retry. */
static enum rb_run_status rollback(struct rb_lane *ln, const char *why,
				   int last)
{
	struct rb_run *run = ln->run;
	const struct rb_runbook *rb = run->rb;
	enum rb_step_res r;

	if (!rb->rollback.n) {
		rb_transition(run, rb_trans_name(RB_TRANS_ROLLBACK),
			      "%s; the runbook has no rollback "
			      "steps%s%s",
			      why, rb->rollback_reason ? ": " : "",
			      rb->rollback_reason ? rb->rollback_reason : "");
	} else {
		rb_transition(run, rb_trans_name(RB_TRANS_ROLLBACK), "%s", why);
		ln->phase = rb_trans_name(RB_TRANS_ROLLBACK);
		if ((r = rb_steps_run(ln, &rb->rollback)) != RB_SR_OK) {
			rb_transition(
			    run, rb_run_status_name(RB_RUN_ROLLBACK_FAILED),
			    "a rollback step did not pass (%s)",
			    r == RB_SR_INTERRUPTED ? "interrupted" : "failed");
			return RB_RUN_ROLLBACK_FAILED;
		}
	}
	/* verify again only when a rollback changed something back */
	if (!run->interrupted && rb->verify.n && rb->rollback.n) {
		rb_transition(run, rb_trans_name(RB_TRANS_VERIFY_ROLLBACK),
			      "checking the state after the rollback");
		ln->phase = rb_trans_name(RB_TRANS_VERIFY_ROLLBACK);
		r = rb_steps_run(ln, &rb->verify);
		rb_transition(run,
			      rb_trans_name(r == RB_SR_OK
						? RB_TRANS_VERIFIED
						: RB_TRANS_UNVERIFIED),
			      "verify after rollback %s",
			      r == RB_SR_OK ? "passed" : "did not pass");
	}
	if (last || run->interrupted) {
		rb_transition(run, rb_run_status_name(RB_RUN_ROLLED_BACK), "%s",
			      run->interrupted ? "stopped after the rollback "
						 "(interrupted)"
					       : "no attempt left");
		return RB_RUN_ROLLED_BACK;
	}
	return RB_RUN_STATUS_LAST;
}

/* The change phase: attempts of change steps + verify, with rollback. */
static enum rb_run_status
change(struct rb_lane *ln, const struct rb_steps *steps, enum rb_trans phase)
{
	struct rb_run *run = ln->run;
	int max = run->rb->max_attempts > 0 ? run->rb->max_attempts : 1;

	for (int a = 1; a <= max; a++) {
		enum rb_step_res r;
		enum rb_run_status s;
		const char *why;

		run->attempt = a;
		rb_transition(run, rb_trans_name(phase), "attempt %d of %d", a,
			      max);
		ln->phase = rb_trans_name(phase);
		r = rb_steps_run(ln, steps);
		if (r == RB_SR_INTERRUPTED && !run->changed) {
			rb_transition(run, rb_run_status_name(RB_RUN_ABORTED),
				      "interrupted before any change");
			return RB_RUN_ABORTED;
		}
		if (r == RB_SR_DECLINED && !run->changed) {
			rb_transition(run, rb_run_status_name(RB_RUN_ABORTED),
				      "not confirmed: stopped before any "
				      "change");
			return RB_RUN_ABORTED;
		}
		if (r == RB_SR_OK) {
			rb_transition(run, rb_trans_name(RB_TRANS_VERIFY),
				      "checking the result");
			ln->phase = rb_trans_name(RB_TRANS_VERIFY);
			r = rb_steps_run(ln, &run->rb->verify);
			if (r == RB_SR_OK) {
				rb_transition(
				    run, rb_run_status_name(RB_RUN_SUCCEEDED),
				    "verify passed");
				return RB_RUN_SUCCEEDED;
			}
			why = "verify did not pass";
		} else {
			why = "a step did not pass";
		}
		if (r == RB_SR_INTERRUPTED)
			why = "interrupted during the change";
		else if (r == RB_SR_DECLINED)
			why = "not confirmed after a change";
		s = rollback(ln, why, a == max || r == RB_SR_DECLINED);
		if (s != RB_RUN_STATUS_LAST)
			return s;
		rb_transition(run, rb_trans_name(RB_TRANS_RETRY),
			      "trying again");
	}
	return RB_RUN_ROLLED_BACK; /* not reached */
}

/* Prechecks of a dry run: all of them, past a failing one, so the plan
 * shows each. Returns the first result that is not OK. */
static enum rb_step_res dry_prechecks(struct rb_lane *ln)
{
	const struct rb_steps *ss = &ln->run->rb->prechecks;
	enum rb_step_res first = RB_SR_OK;

	for (size_t i = 0; i < ss->n; i++) {
		enum rb_step_res r = rb_step_run(ln, &ss->v[i]);
		if (r == RB_SR_INTERRUPTED || r == RB_SR_DECLINED)
			return r;
		if (first == RB_SR_OK)
			first = r;
	}
	return first;
}

/* Prechecks and diagnose; then the change, the plan, or a stop. */
static enum rb_run_status lifecycle(struct rb_lane *ln, json_t *diag)
{
	struct rb_run *run = ln->run;
	const struct rb_runbook *rb = run->rb;
	const struct rb_steps *steps = &rb->procedure;
	enum rb_trans phase = RB_TRANS_PROCEDURE;
	enum rb_step_res r;
	int k = -1;

	rb_transition(run, rb_trans_name(RB_TRANS_PRECHECKS),
		      "checking that it is safe to act");
	ln->phase = rb_trans_name(RB_TRANS_PRECHECKS);
	r = run->opts->dry_run ? dry_prechecks(ln)
			       : rb_steps_run(ln, &rb->prechecks);
	if (r == RB_SR_INTERRUPTED || r == RB_SR_DECLINED) {
		rb_transition(run, rb_run_status_name(RB_RUN_ABORTED),
			      "%s before any change",
			      r == RB_SR_DECLINED ? "not confirmed"
						  : "interrupted");
		return RB_RUN_ABORTED;
	}
	if (r != RB_SR_OK && run->opts->dry_run) {
		/* a dry run still shows the whole plan */
		rb_transition(run, rb_trans_name(RB_TRANS_PRECHECKS_FAILED),
			      "a precheck did not pass: a real run would stop "
			      "here (failed_prechecks)");
	} else if (r != RB_SR_OK) {
		rb_transition(run, rb_run_status_name(RB_RUN_FAILED_PRECHECKS),
			      "a precheck did not pass: nothing was changed");
		return RB_RUN_FAILED_PRECHECKS;
	}
	rb_transition(run, rb_trans_name(RB_TRANS_DIAGNOSE),
		      "collecting facts");
	if ((r = diagnose_steps(ln)) != RB_SR_OK) {
		rb_transition(run, rb_run_status_name(RB_RUN_ABORTED),
			      "%s before any change",
			      r == RB_SR_DECLINED ? "not confirmed"
						  : "interrupted");
		return RB_RUN_ABORTED;
	}
	if (rb->n_cases) {
		if ((k = pick_case(ln, diag)) < 0) {
			rb_transition(
			    run,
			    rb_run_status_name(run->opts->dry_run
						   ? RB_RUN_PLANNED
						   : RB_RUN_NO_DIAGNOSIS),
			    "no case matched the facts");
			if (run->opts->dry_run)
				return plan_rest(ln, NULL, RB_TRANS_REMEDY);
			return RB_RUN_NO_DIAGNOSIS;
		}
		rb_transition(run, rb_trans_name(RB_TRANS_CAUSE_FOUND),
			      "case %d matched: cause %s", k + 1,
			      rb->cases[k].cause ? rb->cases[k].cause : "?");
		steps = NULL;
		phase = RB_TRANS_REMEDY;
		if (rb->cases[k].remedy) {
			const struct rb_remedy *m =
			    rb_remedy_find(rb, rb->cases[k].remedy);
			if (!m) {
				rb_transition(
				    run, rb_run_status_name(RB_RUN_ABORTED),
				    "remedy `%s` does not exist",
				    rb->cases[k].remedy);
				return RB_RUN_ABORTED;
			}
			steps = &m->steps;
			ln->remedy = m->name;
		}
	}
	if (run->opts->dry_run)
		return plan_rest(ln, steps ? steps : &rb->procedure, phase);
	if (rb_check_interrupt(run)) {
		rb_transition(run, rb_run_status_name(RB_RUN_ABORTED),
			      "interrupted before any change");
		return RB_RUN_ABORTED;
	}
	if (run->opts->diagnose_only || !steps || !steps->n) {
		rb_transition(run, rb_run_status_name(RB_RUN_DIAGNOSED), "%s",
			      run->opts->diagnose_only ? "diagnose only"
						       : "nothing to execute");
		return RB_RUN_DIAGNOSED;
	}
	return change(ln, steps, phase);
}

static json_t *record_new(struct rb_run *run)
{
	const struct rb_runbook *rb = run->rb;
	json_t *r = json_object(), *meta = json_object();

	jset_int(r, "schema", 1);
	jset_str(meta, "id", rb->id);
	jset_str(meta, "title", rb->title);
	jset_str(meta, "file", rb->file);
	json_object_set_new(r, "runbook", meta);
	json_object_set_new(r, "params",
			    rb_mask_json(run->secrets, run->params));
	jset_bool(r, "dry_run", run->opts->dry_run);
	rb_jset_time(r, "started", run->ops->now_ms(run->ops->ctx));
	return r;
}

int rb_exec(const struct rb_runbook *rb, const struct rb_exec_opts *opts,
	    const struct rb_exec_ops *ops, json_t **record,
	    enum rb_run_status *status, struct ml_err *err)
{
	struct rb_run run = {0};
	struct rb_lane ln = {0};
	json_t *diag = json_object(), *steps = json_array();
	int64_t t0;
	enum rb_run_status st;
	int rc = 0;

	*record = NULL;
	*status = RB_RUN_ABORTED;
	run.rb = rb;
	run.opts = opts;
	run.ops = ops;
	if ((rc = rb_params_resolve(rb, opts->params, &run.params, err))) {
		json_decref(diag);
		json_decref(steps);
		return rc;
	}
	run.secrets = rb_secrets_collect(rb, run.params);
	run.transitions = json_array();
	run.record = record_new(&run);
	t0 = ops->now_ms(ops->ctx);
	ln.run = &run;
	ln.env = rb_env_build(rb, run.params, NULL);
	ln.facts = json_object();
	ln.steps = steps;
	st = lifecycle(&ln, diag);

	rb_jset_time(run.record, "ended", ops->now_ms(ops->ctx));
	jset_int(run.record, "duration_ms", ops->now_ms(ops->ctx) - t0);
	jset_str(run.record, "status", rb_run_status_name(st));
	jset_int(run.record, "attempts", run.attempt);
	jset_bool(run.record, "interrupted", run.interrupted);
	jset_bool(run.record, "changed", run.changed);
	json_object_set_new(run.record, "diagnosis", diag);
	json_object_set_new(run.record, "facts",
			    rb_mask_json(run.secrets, ln.facts));
	json_object_set_new(run.record, "steps", steps);
	json_object_set_new(run.record, "transitions", run.transitions);
	if (opts->record_path)
		rc = rb_record_write(run.record, opts->record_path, err);
	*record = run.record;
	*status = st;
	rb_env_free(ln.env);
	rb_env_free(run.secrets);
	json_decref(ln.facts);
	json_decref(run.params);
	if (ln.expr)
		rb_expr_env_free(ln.expr);
	return rc;
}
