/* rb_exec_steps.c: running one step of a runbook (run, probe, wait,
 * confirm, notify; batch is in rb_batch.c) through the engine's ops,
 * with `expect`, `retries`, `within` and `every`, and recording it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "probe/probe.h"
#include "runbook/rb_exec_int.h"

#define RB_DEFAULT_INTERVAL_MS 5000

int rb_check_interrupt(struct rb_run *run)
{
	if (run->opts->interrupted && *run->opts->interrupted) {
		run->interrupted = 1;
		*run->opts->interrupted = 0;
		rb_say(run, "!! interrupted");
		return 1;
	}
	return 0;
}

int rb_step_read_only(const struct rb_step *st)
{
	const struct probe_def *p;

	if (st->read_only)
		return 1;
	if (st->kind != RB_STEP_PROBE || !st->probe)
		return 0;
	p = probe_find(st->probe);
	return p && p->read_only;
}

int rb_lane_expr(struct rb_lane *ln, struct rb_expr_env **out,
		 struct ml_err *err)
{
	int rc;

	if (!ln->expr &&
	    (rc = rb_expr_env_new(ln->facts, ln->run->params, &ln->expr, err)))
		return rc;
	*out = ln->expr;
	return 0;
}

void rb_lane_set_fact(struct rb_lane *ln, const char *name, json_t *facts)
{
	struct ml_err err;

	json_object_set(ln->facts, name, facts);
	if (ln->expr && rb_expr_env_set(ln->expr, name, facts, &err) != 0) {
		/* the Lua state is rebuilt from ln->facts on next use */
		rb_expr_env_free(ln->expr);
		ln->expr = NULL;
	}
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "SIGTERM";
	case SIGKILL:
		return "SIGKILL";
	case SIGINT:
		return "SIGINT";
	case SIGSEGV:
		return "SIGSEGV";
	case SIGABRT:
		return "SIGABRT";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGHUP:
		return "SIGHUP";
	case SIGBUS:
		return "SIGBUS";
	default:
		return "signal";
	}
}

/* Evaluates st->expect in the lane; records expect_result, seen values
 * and any error in rec. Returns RB_SR_OK or RB_SR_FAIL. */
static enum rb_step_res eval_expect(struct rb_lane *ln,
				    const struct rb_step *st, json_t *rec)
{
	struct rb_expr_env *env;
	struct ml_err err;
	int ok = 0, rc;

	ml_err_clear(&err);
	rc = rb_lane_expr(ln, &env, &err);
	if (!rc)
		rc = rb_expr_eval_bool(env, st->expect, ln->run->rb->file,
				       st->expect_line, st->expect_col, &ok,
				       &err);
	rb_jset_masked(rec, ln->run->secrets, "expect", st->expect);
	if (rc) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, ln->run->secrets, "error", msg);
		json_object_set_new(rec, "expect_result", json_null());
		return RB_SR_FAIL;
	}
	json_object_del(rec, "error");
	jset_bool(rec, "expect_result", ok);
	if (env) {
		json_t *seen = rb_expr_seen(env, st->expect, ln->facts);
		json_object_set_new(rec, "seen",
				    rb_mask_json(ln->run->secrets, seen));
		json_decref(seen);
	}
	return ok ? RB_SR_OK : RB_SR_FAIL;
}

static void record_cmd(struct rb_lane *ln, json_t *rec,
		       const struct rb_cmd_result *r)
{
	size_t kept = r->output ? strlen(r->output) : 0;

	if (r->timed_out || r->signaled || r->interrupted)
		json_object_set_new(rec, "exit_code", json_null());
	else
		jset_int(rec, "exit_code", r->exit_code);
	if (r->signaled)
		jset_str(rec, "signal", sig_name(r->sig));
	jset_bool(rec, "timed_out", r->timed_out);
	if (r->interrupted)
		jset_bool(rec, "interrupted", 1);
	rb_jset_masked(rec, ln->run->secrets, "output",
		       r->output ? r->output : "");
	jset_int(rec, "output_bytes", (long long)r->output_total);
	jset_bool(rec, "output_truncated", r->output_total > kept);
	jset_int(rec, "command_ms", r->duration_ms);
}

/* One try of a run step. */
static enum rb_step_res run_once(struct rb_lane *ln, const struct rb_step *st,
				 json_t *rec)
{
	struct rb_run *run = ln->run;
	struct rb_cmd_result r;
	struct ml_err err;
	int64_t timeout =
	    st->timeout_ms > 0 ? st->timeout_ms : ML_STEP_TIMEOUT_MS;
	int pass;

	memset(&r, 0, sizeof(r));
	ml_err_clear(&err);
	if (run->ops->run_cmd(run->ops->ctx, st->run,
			      (const char *const *)ln->env, timeout, &r,
			      &err) != 0) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, run->secrets, "error", msg);
		free(r.output);
		return RB_SR_ERROR;
	}
	record_cmd(ln, rec, &r);
	if (r.interrupted)
		run->interrupted = 1;
	pass =
	    !r.timed_out && !r.signaled && !r.interrupted && r.exit_code == 0;
	if (st->expect && !r.interrupted) {
		json_t *f =
		    json_pack("{s:i, s:s, s:b}", "exit_code",
			      r.timed_out || r.signaled ? -1 : r.exit_code,
			      "output", "", "timed_out", r.timed_out);
		json_t *o = json_string(r.output ? r.output : "");
		if (o)
			json_object_set_new(f, "output", o);
		rb_lane_set_fact(ln, st->as ? st->as : "run", f);
		json_decref(f);
		free(r.output);
		return eval_expect(ln, st, rec);
	}
	free(r.output);
	if (rb_check_interrupt(run) || r.interrupted)
		return RB_SR_INTERRUPTED;
	return pass ? RB_SR_OK : RB_SR_FAIL;
}

/* One try of a probe step with already expanded args. */
static enum rb_step_res probe_once(struct rb_lane *ln, const struct rb_step *st,
				   const json_t *args, json_t *rec)
{
	struct rb_run *run = ln->run;
	json_t *facts = NULL;
	struct ml_err err;
	int dry = run->opts->dry_run && !st->read_only;

	ml_err_clear(&err);
	if (run->ops->run_probe(run->ops->ctx, st->probe, st->as, args, dry,
				&facts, &err) != 0) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, run->secrets, "error", msg);
		json_object_del(rec, "facts"); /* of an earlier try */
		json_decref(facts);
		return RB_SR_FAIL;
	}
	if (!json_is_object(facts)) {
		json_decref(facts);
		rb_jset_masked(rec, run->secrets, "error",
			       "probe gave no facts");
		return RB_SR_FAIL;
	}
	json_object_del(rec, "error");
	json_object_set_new(rec, "facts", rb_mask_json(run->secrets, facts));
	rb_lane_set_fact(ln, st->as ? st->as : st->probe, facts);
	json_decref(facts);
	if (rb_check_interrupt(run))
		return RB_SR_INTERRUPTED;
	if (st->expect)
		return eval_expect(ln, st, rec);
	if (!strcmp(ln->phase, rb_trans_name(RB_TRANS_DIAGNOSE)))
		return RB_SR_OK;
	return probe_verdict_of(json_object_get(
		   ln->facts, st->as ? st->as : st->probe)) == PV_FAILED
		   ? RB_SR_FAIL
		   : RB_SR_OK;
}

/* Fills what a probe takes from the step rather than from `with:`: an
 * `env` list (command) gets the lane's environment, so params reach its
 * shell as variables as for run steps; a `timeout` argument gets the
 * step's `timeout:`. */
static void add_step_args(struct rb_lane *ln, const struct rb_step *st,
			  json_t *args)
{
	const struct probe_def *p = probe_find(st->probe);
	json_t *a;

	for (const struct probe_opt *o = p ? p->opts : NULL; o && o->name;
	     o++) {
		if (!strcmp(o->name, "env") && o->type == PO_LIST &&
		    !json_object_get(args, "env")) {
			a = json_array();
			for (char **e = ln->env; e && *e; e++)
				json_array_append_new(a, json_string(*e));
			json_object_set_new(args, "env", a);
		}
		if (!strcmp(o->name, "timeout") && o->type == PO_DURATION &&
		    st->timeout_ms > 0 && !json_object_get(args, "timeout"))
			json_object_set_new(args, "timeout",
					    json_integer(st->timeout_ms));
	}
}

/* Runs a run or probe step with retries / within / every. */
static enum rb_step_res with_retries(struct rb_lane *ln,
				     const struct rb_step *st, json_t *rec)
{
	struct rb_run *run = ln->run;
	const struct rb_exec_ops *ops = run->ops;
	int64_t t0 = ops->now_ms(ops->ctx);
	int64_t every =
	    st->interval_ms > 0 ? st->interval_ms : RB_DEFAULT_INTERVAL_MS;
	json_t *args = NULL;
	enum rb_step_res res;
	int tries = 0;

	if (st->kind == RB_STEP_PROBE) {
		struct ml_err err;
		ml_err_clear(&err);
		if (rb_with_expand(run->rb, st, run->params, ln->item, &args,
				   &err) != 0) {
			char msg[2200];
			ml_err_format(&err, msg, sizeof(msg));
			rb_jset_masked(rec, run->secrets, "error", msg);
			return RB_SR_ERROR;
		}
		json_object_set_new(rec, "with",
				    rb_mask_json(run->secrets, args));
		add_step_args(ln, st, args);
	}
	for (;;) {
		int more;
		tries++;
		res = st->kind == RB_STEP_PROBE ? probe_once(ln, st, args, rec)
						: run_once(ln, st, rec);
		if (res != RB_SR_FAIL)
			break;
		more = tries <= st->retries ||
		       (st->within_ms > 0 &&
			ops->now_ms(ops->ctx) - t0 + every <= st->within_ms);
		if (!more)
			break;
		rb_say(run, "   ... not yet (try %d), again in %lldms", tries,
		       (long long)every);
		ops->sleep_ms(ops->ctx, every);
		if (rb_check_interrupt(run)) {
			res = RB_SR_INTERRUPTED;
			break;
		}
	}
	json_decref(args);
	jset_int(rec, "tries", tries);
	return res;
}

static enum rb_step_res confirm_step(struct rb_lane *ln,
				     const struct rb_step *st, json_t *rec)
{
	struct rb_run *run = ln->run;
	char *q = rb_text_expand(run->params, ln->item,
				 st->prompt ? st->prompt : "Continue?");
	struct ml_err err;
	char *masked = rb_mask(run->secrets, q);
	int yes = 0;

	ml_err_clear(&err);
	rb_jset_masked(rec, run->secrets, "prompt", q);
	if (run->opts->assume_yes) {
		yes = 1;
		jset_str(rec, "answered_by", "--yes");
	} else if (run->ops->confirm(run->ops->ctx, masked, &yes, &err) != 0) {
		char msg[2200];
		yes = 0;
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, run->secrets, "error", msg);
	}
	free(masked);
	free(q);
	jset_bool(rec, "answer", yes);
	return yes ? RB_SR_OK : RB_SR_DECLINED;
}

static enum rb_step_res notify_step(struct rb_lane *ln,
				    const struct rb_step *st, json_t *rec)
{
	struct rb_run *run = ln->run;
	char *text = rb_text_expand(run->params, ln->item,
				    st->message ? st->message : "");
	char *m = rb_mask(run->secrets, text);
	struct ml_err err;
	int rc;

	free(text);
	ml_err_clear(&err);
	rb_jset_masked(rec, run->secrets, "message", m);
	if (st->channel)
		rb_jset_masked(rec, run->secrets, "channel", st->channel);
	rc = run->ops->notify(run->ops->ctx, st->channel, m, &err);
	free(m);
	if (rc) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, run->secrets, "error", msg);
		return RB_SR_FAIL;
	}
	return RB_SR_OK;
}

static const char *res_name(enum rb_step_res r)
{
	static const char *const n[] = {"ok", "failed", "declined",
					"interrupted", "error"};
	return n[r];
}

/* What the step is about, for narration ("sh: ...", "probe gpu"). */
static void describe(const struct rb_step *st, struct buf *b)
{
	if (st->name)
		buf_puts(b, st->name);
	else if (st->kind == RB_STEP_RUN)
		buf_printf(b, "$ %.*s",
			   (int)strcspn(st->run ? st->run : "", "\n"),
			   st->run ? st->run : "");
	else if (st->kind == RB_STEP_PROBE)
		buf_printf(b, "probe %s", st->probe ? st->probe : "?");
	else if (st->kind == RB_STEP_CONFIRM)
		buf_printf(b, "ask: %s", st->prompt ? st->prompt : "Continue?");
	else if (st->kind == RB_STEP_NOTIFY)
		buf_printf(b, "notify: %s", st->message ? st->message : "");
	else if (st->kind == RB_STEP_WAIT) {
		char d[32];
		dur_format(st->wait_ms, d, sizeof(d));
		buf_printf(b, "wait %s", d);
	} else if (st->kind == RB_STEP_BATCH)
		buf_printf(b, "batch over %s", st->items ? st->items : "?");
	else
		buf_puts(b, rb_step_kind_name(st->kind));
}

/* Runs the step's own action; rec is its record. */
static enum rb_step_res dispatch(struct rb_lane *ln, const struct rb_step *st,
				 json_t *rec)
{
	switch (st->kind) {
	case RB_STEP_RUN:
		rb_jset_masked(rec, ln->run->secrets, "command", st->run);
		return with_retries(ln, st, rec);
	case RB_STEP_PROBE:
		jset_str(rec, "probe", st->probe);
		return with_retries(ln, st, rec);
	case RB_STEP_WAIT:
		jset_int(rec, "wait_ms", st->wait_ms);
		ln->run->ops->sleep_ms(ln->run->ops->ctx, st->wait_ms);
		return rb_check_interrupt(ln->run) ? RB_SR_INTERRUPTED
						   : RB_SR_OK;
	case RB_STEP_CONFIRM:
		return confirm_step(ln, st, rec);
	case RB_STEP_NOTIFY:
		return notify_step(ln, st, rec);
	case RB_STEP_BATCH:
		return rb_batch_run(ln, st, rec);
	}
	return RB_SR_ERROR;
}

/* ": exit 1: last line of output" for the narration of a failure. */
static void fail_reason(const json_t *rec, struct buf *b)
{
	const char *out = jget_str(rec, "output", ""), *e;
	const json_t *ec = json_object_get(rec, "exit_code");
	size_t n;

	if (jget_bool(rec, "timed_out", 0))
		buf_puts(b, ": timed out, process group killed");
	else if (jget_str(rec, "signal", NULL))
		buf_printf(b, ": killed by %s", jget_str(rec, "signal", ""));
	else if (json_is_integer(ec) && json_integer_value(ec))
		buf_printf(b, ": exit %lld", (long long)json_integer_value(ec));
	if (json_is_false(json_object_get(rec, "expect_result")))
		buf_printf(b, ": expect %s is false",
			   jget_str(rec, "expect", ""));
	if (jget_str(rec, "error", NULL))
		buf_printf(b, ": %s", jget_str(rec, "error", ""));
	n = strlen(out);
	while (n && out[n - 1] == '\n')
		n--;
	for (e = out + n; e > out && e[-1] != '\n'; e--)
		;
	if (n && !jget_str(rec, "error", NULL))
		buf_printf(b, ": %.*s",
			   (int)(out + n - e > 200 ? 200 : out + n - e), e);
}

/* Records what a dry run would do with a step it does not run. */
static void plan_step(struct rb_lane *ln, const struct rb_step *st, json_t *rec)
{
	struct rb_run *run = ln->run;

	if (st->kind == RB_STEP_RUN)
		rb_jset_masked(rec, run->secrets, "command", st->run);
	if (st->kind == RB_STEP_PROBE) {
		json_t *args = NULL;
		struct ml_err err;
		jset_str(rec, "probe", st->probe);
		if (!rb_with_expand(run->rb, st, run->params, ln->item, &args,
				    &err))
			json_object_set_new(rec, "with",
					    rb_mask_json(run->secrets, args));
		json_decref(args);
	}
	if (st->kind == RB_STEP_WAIT)
		jset_int(rec, "wait_ms", st->wait_ms);
	if (st->kind == RB_STEP_CONFIRM)
		rb_jset_masked(rec, run->secrets, "prompt", st->prompt);
	if (st->kind == RB_STEP_NOTIFY)
		rb_jset_masked(rec, run->secrets, "message", st->message);
	if (st->expect)
		rb_jset_masked(rec, run->secrets, "expect", st->expect);
	jset_str(rec, "result", "planned");
}

enum rb_step_res rb_step_run(struct rb_lane *ln, const struct rb_step *st)
{
	struct rb_run *run = ln->run;
	const struct rb_exec_ops *ops = run->ops;
	int64_t t0 = ops->now_ms(ops->ctx), t1;
	json_t *rec = rb_step_record(ln, st, t0);
	struct buf what = BUF_INIT;
	enum rb_step_res res;
	int planned;

	describe(st, &what);
	planned = run->opts->dry_run && st->kind != RB_STEP_BATCH &&
		  (!rb_step_read_only(st) ||
		   (strcmp(ln->phase, rb_trans_name(RB_TRANS_PRECHECKS)) &&
		    strcmp(ln->phase, rb_trans_name(RB_TRANS_DIAGNOSE))));
	json_array_append_new(ln->steps, rec); /* rec stays valid: borrowed */
	if (rb_check_interrupt(run)) {
		jset_str(rec, "result", "interrupted");
		buf_free(&what);
		return RB_SR_INTERRUPTED;
	}
	if (planned) {
		plan_step(ln, st, rec);
		rb_say(run, "-- %s%s%s: would %s", ln->phase,
		       ln->item ? " " : "", ln->item ? ln->item : "",
		       buf_str(&what));
		buf_free(&what);
		return RB_SR_OK;
	}
	if ((st->kind == RB_STEP_RUN || st->kind == RB_STEP_PROBE ||
	     st->kind == RB_STEP_BATCH) &&
	    !rb_step_read_only(st) &&
	    strcmp(ln->phase, rb_trans_name(RB_TRANS_PRECHECKS)) &&
	    strcmp(ln->phase, rb_trans_name(RB_TRANS_DIAGNOSE)))
		run->changed = 1;
	rb_say(run, "-> %s%s%s: %s", ln->phase, ln->item ? " " : "",
	       ln->item ? ln->item : "", buf_str(&what));
	/* what the step is, for the hook only (removed below) */
	rb_jset_masked(rec, run->secrets, "what", buf_str(&what));
	if (ops->step_event)
		ops->step_event(ops->ctx, "started", rec);
	res = dispatch(ln, st, rec);
	t1 = ops->now_ms(ops->ctx);
	rb_jset_time(rec, "end", t1);
	jset_int(rec, "duration_ms", t1 - t0);
	jset_str(rec, "result",
		 run->opts->dry_run && res == RB_SR_OK &&
			 st->kind == RB_STEP_BATCH
		     ? "planned"
		     : res_name(res));
	{
		char d[32];
		struct buf why = BUF_INIT;
		dur_format(t1 - t0, d, sizeof(d));
		if (res != RB_SR_OK)
			fail_reason(rec, &why);
		rb_say(run, "   %s (%s)%s", res_name(res), d, buf_str(&why));
		buf_free(&why);
	}
	if (ops->step_event)
		ops->step_event(ops->ctx, "finished", rec);
	json_object_del(rec, "what");
	buf_free(&what);
	return res;
}

enum rb_step_res rb_steps_run(struct rb_lane *ln, const struct rb_steps *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		enum rb_step_res r = rb_step_run(ln, &ss->v[i]);
		if (r != RB_SR_OK)
			return r;
	}
	return RB_SR_OK;
}
