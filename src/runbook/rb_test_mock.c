/* rb_test_mock.c: mocked rb_exec_ops for `runbook test`: commands answered
 * by pattern, probes by name, confirm answers, a fake clock, captured
 * notifications. Nothing here executes anything. An unmocked command or
 * probe is an error that names the runbook step and carries a snippet to
 * paste into the test file. */
#include "runbook/rb_test_mock.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/probe.h"

/* The fake clock starts here unless `now:` says otherwise. */
#define RB_DEFAULT_NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

char *rb_mock_normalize(const char *cmd)
{
	struct buf b = BUF_INIT;
	int space = 0;

	for (const char *p = cmd; *p; p++) {
		if (p[0] == '\\' && p[1] == '\n') {
			space = 1;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			space = 1;
			continue;
		}
		if (space && b.len)
			buf_putc(&b, ' ');
		space = 0;
		buf_putc(&b, *p);
	}
	return buf_detach(&b, NULL);
}

int rb_pattern_match(const struct rb_pattern *p, const char *cmd)
{
	char *norm = rb_mock_normalize(cmd), *pat;
	int ok;

	if (p->is_re) {
		ok = regexec(&p->re, norm, 0, NULL, 0) == 0;
	} else {
		pat = rb_mock_normalize(p->text);
		ok = fnmatch(pat, norm, 0) == 0;
		free(pat);
	}
	free(norm);
	return ok;
}

/* Does step s match: a run step with shell text, a probe step of probe
 * text, or (as_name) a probe step of probe text stored under as_name? */
static int step_is(const struct rb_step *s, const char *text, int is_probe,
		   const char *as_name)
{
	if (!is_probe)
		return s->kind == RB_STEP_RUN && s->run &&
		       !strcmp(s->run, text);
	return s->kind == RB_STEP_PROBE && s->probe &&
	       !strcmp(s->probe, text) &&
	       (!as_name || (s->as && !strcmp(s->as, as_name)));
}

static const struct rb_step *find_in(const struct rb_steps *ss,
				     const char *text, int is_probe,
				     const char *as_name)
{
	for (size_t i = 0; i < ss->n; i++) {
		const struct rb_step *s = &ss->v[i], *r;
		if (step_is(s, text, is_probe, as_name))
			return s;
		if (s->kind == RB_STEP_BATCH &&
		    ((r = find_in(&s->before, text, is_probe, as_name)) ||
		     (r = find_in(&s->steps, text, is_probe, as_name)) ||
		     (r = find_in(&s->after, text, is_probe, as_name))))
			return r;
	}
	return NULL;
}

/* The first step of rb that runs text / calls probe text (as as_name). */
static const struct rb_step *find_step(const struct rb_runbook *rb,
				       const char *text, int is_probe,
				       const char *as_name)
{
	const struct rb_steps *lists[] = {&rb->prechecks, &rb->diagnose,
					  &rb->procedure, &rb->verify,
					  &rb->rollback};
	const struct rb_step *s = NULL;

	for (size_t i = 0; !s && i < sizeof(lists) / sizeof(*lists); i++)
		s = find_in(lists[i], text, is_probe, as_name);
	for (size_t i = 0; !s && i < rb->n_remedies; i++)
		s = find_in(&rb->remedies[i].steps, text, is_probe, as_name);
	return s;
}

char *rb_mock_step_at(const struct rb_runbook *rb, const char *text,
		      int is_probe)
{
	const struct rb_step *s = find_step(rb, text, is_probe, NULL);
	struct buf b = BUF_INIT;

	if (!s)
		return NULL;
	buf_printf(&b, "%s:%d", rb->file ? rb->file : "runbook", s->line);
	return buf_detach(&b, NULL);
}

void rb_mock_init(struct rb_mock_ctx *ctx, const struct rb_test_suite *suite,
		  const struct rb_scenario *sc, const struct rb_runbook *rb)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->suite = suite;
	ctx->sc = sc;
	ctx->rb = rb;
	ctx->cmd_calls =
	    xcalloc(sc->m.n_cmds + suite->defaults.n_cmds + 1, sizeof(size_t));
	ctx->probe_calls = xcalloc(
	    sc->m.n_probes + suite->defaults.n_probes + 1, sizeof(size_t));
	ctx->start_ms = sc->m.has_now		  ? sc->m.now_ms
			: suite->defaults.has_now ? suite->defaults.now_ms
						  : RB_DEFAULT_NOW_MS;
	ctx->now_ms = ctx->start_ms;
	ctx->commands = json_array();
	ctx->envs = json_array();
	ctx->probes = json_array();
	ctx->notified = json_array();
	ctx->trace = json_array();
	ctx->unmocked = json_array();
	ctx->used = json_object();
}

void rb_mock_free(struct rb_mock_ctx *ctx)
{
	free(ctx->cmd_calls);
	free(ctx->probe_calls);
	json_decref(ctx->commands);
	json_decref(ctx->envs);
	json_decref(ctx->probes);
	json_decref(ctx->notified);
	json_decref(ctx->trace);
	json_decref(ctx->unmocked);
	json_decref(ctx->used);
	memset(ctx, 0, sizeof(*ctx));
}

static json_t *event(struct rb_mock_ctx *ctx, const char *kind)
{
	json_t *e = json_object();

	jset_int(e, "at_ms", ctx->now_ms - ctx->start_ms);
	jset_str(e, "kind", kind);
	if (ctx->narrate) {
		fflush(ctx->narrate);
		jset_int(e, "narration_at", ftell(ctx->narrate));
	}
	json_array_append_new(ctx->trace, e);
	return e;
}

static void mark_used(struct rb_mock_ctx *ctx, int line, json_t *ev)
{
	char at[64];

	snprintf(at, sizeof(at), "%d", line);
	json_object_set_new(ctx->used, at, json_true());
	jset_int(ev, "mock_line", line);
}

/* Past RB_MOCK_MAX_CALLS every call fails and the fake clock jumps a
 * century, so loops bounded by `within:` end too. */
static int too_many(struct rb_mock_ctx *ctx, struct ml_err *err)
{
	if (++ctx->n_calls <= RB_MOCK_MAX_CALLS)
		return 0;
	ctx->now_ms += RB_MOCK_RUNAWAY_JUMP_MS;
	return ml_err_set(err, ML_EINTERNAL,
			  "more than %d mocked calls: the runbook loops "
			  "(retries without an end?)",
			  RB_MOCK_MAX_CALLS);
}

int rb_env_match(const json_t *want, const json_t *got)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)want, k, v)
	{
		const char *g = json_string_value(json_object_get(got, k));
		if (!g || strcmp(g, json_string_value(v)))
			return 0;
	}
	return 1;
}

/* "K=V" list -> object (a later K wins, as in execve). */
static json_t *env_object(const char *const *env)
{
	json_t *o = json_object();

	for (const char *const *e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *k;
		if (!eq)
			continue;
		k = xstrdup(*e);
		k[eq - *e] = 0;
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	return o;
}

/* The first matching command mock: scenario's, then defaults'. *slot is
 * its index into ctx->cmd_calls. */
static const struct rb_cmd_mock *find_cmd(struct rb_mock_ctx *ctx,
					  const char *shell, const json_t *env,
					  size_t *slot)
{
	const struct rb_mocks *ms[] = {&ctx->sc->m, &ctx->suite->defaults};
	size_t base = 0;

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < ms[k]->n_cmds; i++) {
			const struct rb_cmd_mock *m = &ms[k]->cmds[i];
			if (rb_pattern_match(&m->pat, shell) &&
			    rb_env_match(m->env, env)) {
				*slot = base + i;
				return m;
			}
		}
		base += ms[k]->n_cmds;
	}
	return NULL;
}

void rb_mock_glob_literal(struct buf *b, const char *text)
{
	buf_putc(b, '\'');
	for (const char *p = text; *p; p++) {
		if (strchr("*?[\\", *p))
			buf_putc(b, '\\');
		if (*p == '\'')
			buf_putc(b, '\'');
		buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

static int unmocked_cmd(struct rb_mock_ctx *ctx, const char *shell,
			const char *norm, struct ml_err *err)
{
	char *at = rb_mock_step_at(ctx->rb, shell, 0);
	struct buf snip = BUF_INIT;
	json_t *u = json_object();

	buf_puts(&snip, "    commands:\n      - match: ");
	rb_mock_glob_literal(&snip, norm);
	buf_puts(&snip, "\n        exit: 0\n        stdout: \"\"\n");
	jset_str(u, "kind", "command");
	jset_str(u, "text", norm);
	jset_str(u, "at", at);
	json_object_set_new(u, "snippet", json_string(buf_str(&snip)));
	json_array_append_new(ctx->unmocked, u);
	buf_free(&snip);
	free(at);
	return ml_err_set(err, ML_EINPUT, "unmocked command: %s", norm);
}

static int mock_run_cmd(void *vctx, const char *shell, const char *const *env,
			int64_t timeout_ms, struct rb_cmd_result *res,
			struct ml_err *err)
{
	struct rb_mock_ctx *ctx = vctx;
	const struct rb_cmd_mock *m;
	const struct rb_mock_result *r;
	size_t slot = 0;
	char *norm;
	json_t *ev;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = too_many(ctx, err)))
		return rc;
	norm = rb_mock_normalize(shell);
	json_array_append_new(ctx->commands, json_string(norm));
	json_array_append_new(ctx->envs, env_object(env));
	ev = event(ctx, "run");
	jset_str(ev, "command", norm);
	m = find_cmd(ctx, shell,
		     json_array_get(ctx->envs, json_array_size(ctx->envs) - 1),
		     &slot);
	if (!m) {
		jset_bool(ev, "unmocked", 1);
		rc = unmocked_cmd(ctx, shell, norm, err);
		free(norm);
		return rc;
	}
	r = &m->results[ctx->cmd_calls[slot] < m->n_results
			    ? ctx->cmd_calls[slot]
			    : m->n_results - 1];
	ctx->cmd_calls[slot]++;
	mark_used(ctx, r->line, ev);
	res->exit_code = r->exit_code;
	res->signaled = r->sig != 0;
	res->sig = r->sig;
	res->timed_out = r->timed_out;
	res->output = xstrdup(r->output ? r->output : "");
	res->output_total = strlen(res->output);
	res->duration_ms =
	    r->timed_out && timeout_ms > 0 ? timeout_ms : r->duration_ms;
	ctx->now_ms += res->duration_ms;
	if (r->timed_out)
		jset_bool(ev, "timed_out", 1);
	else if (r->sig)
		jset_int(ev, "signal", r->sig);
	else
		jset_int(ev, "exit", r->exit_code);
	free(norm);
	return 0;
}

/* The mock for a probe step: keyed by the step's own `as:` name first,
 * then by the probe's name, then (files written before steps were told
 * apart) by the `as:` of any step of this probe. */
static const struct rb_probe_mock *find_probe(struct rb_mock_ctx *ctx,
					      const char *name, const char *as,
					      size_t *slot)
{
	const struct rb_mocks *ms[] = {&ctx->sc->m, &ctx->suite->defaults};
	size_t base = 0;

	for (int pass = as ? 0 : 1; pass < 3; pass++, base = 0)
		for (size_t k = 0; k < 2; k++) {
			for (size_t i = 0; i < ms[k]->n_probes; i++) {
				const char *key = ms[k]->probes[i].name;
				int hit = pass == 0 ? !strcmp(key, as)
					  : pass == 1
					      ? !strcmp(key, name)
					      : find_step(ctx->rb, name, 1,
							  key) != NULL;
				if (!hit)
					continue;
				*slot = base + i;
				return &ms[k]->probes[i];
			}
			base += ms[k]->n_probes;
		}
	return NULL;
}

static int unmocked_probe(struct rb_mock_ctx *ctx, const char *name,
			  struct ml_err *err)
{
	const struct rb_step *st = find_step(ctx->rb, name, 1, NULL);
	const char *key = st && st->as ? st->as : name;
	char *at = rb_mock_step_at(ctx->rb, name, 1);
	struct buf snip = BUF_INIT;
	json_t *u = json_object();
	int plain = key[0] && strspn(key, "abcdefghijklmnopqrstuvwxyz"
					  "0123456789_-.") == strlen(key);

	buf_printf(&snip, "    probes:\n      %s%s%s: { verdict: healthy }\n",
		   plain ? "" : "\"", key, plain ? "" : "\"");
	jset_str(u, "kind", "probe");
	jset_str(u, "text", name);
	jset_str(u, "at", at);
	json_object_set_new(u, "snippet", json_string(buf_str(&snip)));
	json_array_append_new(ctx->unmocked, u);
	buf_free(&snip);
	free(at);
	return ml_err_set(err, ML_EINPUT, "unmocked probe: %s", name);
}

/* Checks args like the real probe would, when the registry knows it and
 * it declares its options (a placeholder probe declares none yet). */
static int check_probe_args(const char *name, const json_t *args,
			    struct ml_err *err)
{
	const struct probe_def *p = probe_find(name);
	json_t *checked = NULL;
	int rc;

	if (!p || !p->opts || !p->opts[0].name)
		return 0;
	rc = probe_args_check(p, args, &checked, err);
	json_decref(checked);
	if (rc)
		ml_err_prefix(err, "probe %s", name);
	return rc;
}

static int mock_run_probe(void *vctx, const char *probe, const char *as,
			  const json_t *args, int dry_run, json_t **facts,
			  struct ml_err *err)
{
	struct rb_mock_ctx *ctx = vctx;
	const struct rb_probe_mock *m;
	const json_t *f;
	size_t slot = 0;
	json_t *ev;
	int rc;

	*facts = NULL;
	if ((rc = too_many(ctx, err)))
		return rc;
	json_array_append_new(ctx->probes, json_string(probe));
	ev = event(ctx, "probe");
	jset_str(ev, "probe", probe);
	if (args)
		json_object_set_new(ev, "with", json_deep_copy(args));
	if ((rc = check_probe_args(probe, args, err)))
		return rc;
	if (!(m = find_probe(ctx, probe, as, &slot))) {
		jset_bool(ev, "unmocked", 1);
		return unmocked_probe(ctx, probe, err);
	}
	f = m->facts[ctx->probe_calls[slot] < m->n ? ctx->probe_calls[slot]
						   : m->n - 1];
	ctx->probe_calls[slot]++;
	mark_used(ctx, m->line, ev);
	if (json_object_get(f, "_error")) {
		jset_str(ev, "error", jget_str(f, "_error", ""));
		return ml_err_set(err, ML_EIO, "probe %s: %s", probe,
				  jget_str(f, "_error", ""));
	}
	*facts = json_deep_copy(f);
	jset_str(ev, "verdict", jget_str(f, "verdict", "healthy"));
	json_object_set_new(ev, "facts", json_deep_copy(f));
	return 0;
}

static int mock_confirm(void *vctx, const char *prompt, int *yes,
			struct ml_err *err)
{
	struct rb_mock_ctx *ctx = vctx;
	const struct rb_mocks *m =
	    ctx->sc->m.n_confirm ? &ctx->sc->m : &ctx->suite->defaults;
	size_t i = ctx->confirm_calls++;
	json_t *ev;
	int rc;

	if ((rc = too_many(ctx, err)))
		return rc;
	*yes = m->n_confirm
		   ? m->confirm[i < m->n_confirm ? i : m->n_confirm - 1]
		   : 1;
	ev = event(ctx, "confirm");
	jset_str(ev, "prompt", prompt);
	jset_bool(ev, "answer", *yes);
	return 0;
}

static void mock_sleep_ms(void *vctx, int64_t ms)
{
	struct rb_mock_ctx *ctx = vctx;
	json_t *ev;

	if (ctx->n_calls > RB_MOCK_MAX_CALLS) {
		ctx->now_ms += RB_MOCK_RUNAWAY_JUMP_MS;
		return;
	}
	ev = event(ctx, "wait");

	jset_int(ev, "ms", ms);
	if (ms > 0)
		ctx->now_ms += ms;
}

static int64_t mock_now_ms(void *vctx)
{
	return ((struct rb_mock_ctx *)vctx)->now_ms;
}

static int mock_notify(void *vctx, const char *channel, const char *message,
		       struct ml_err *err)
{
	struct rb_mock_ctx *ctx = vctx;
	json_t *ev;
	int rc;

	if ((rc = too_many(ctx, err)))
		return rc;
	json_array_append_new(ctx->notified,
			      json_string(message ? message : ""));
	ev = event(ctx, "notify");
	jset_str(ev, "channel", channel);
	jset_str(ev, "message", message);
	return 0;
}

void rb_mock_ops(struct rb_mock_ctx *ctx, struct rb_exec_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = ctx;
	ops->run_cmd = mock_run_cmd;
	ops->run_probe = mock_run_probe;
	ops->confirm = mock_confirm;
	ops->sleep_ms = mock_sleep_ms;
	ops->now_ms = mock_now_ms;
	ops->notify = mock_notify;
}
