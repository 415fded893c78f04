/* rb_test.c: runs one scenario of a NAME.test.yaml: the real engine
 * (rb_exec) with mocked effects, then the expectations checker; and the
 * checks of a test file against its runbook (names that must exist). */
#include "runbook/rb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "runbook/rb_exec.h"
#include "runbook/rb_test_check.h"
#include "runbook/rb_test_mock.h"

/* Params for the engine: defaults' labels and params, then the
 * scenario's; labels count only where the runbook declares a param of
 * that name (the rest are alert metadata). New reference. */
static json_t *merged_params(const struct rb_test_suite *s,
			     const struct rb_scenario *sc,
			     const struct rb_runbook *rb)
{
	const json_t *srcs[] = {s->defaults.labels, sc->m.labels,
				s->defaults.params, sc->m.params};
	json_t *out = json_object(), *v;
	const char *k;

	for (size_t i = 0; i < 4; i++)
		json_object_foreach((json_t *)srcs[i], k,
				    v) if (i >= 2 || rb_param_find(rb, k))
		    json_object_set(out, k, v);
	return out;
}

/* Labels the alert would carry, or NULL when the scenario gives none. */
static json_t *merged_labels(const struct rb_test_suite *s,
			     const struct rb_scenario *sc)
{
	json_t *out;

	if (!s->defaults.labels && !sc->m.labels)
		return NULL;
	out = json_object();
	if (s->defaults.labels)
		json_object_update(out, s->defaults.labels);
	if (sc->m.labels)
		json_object_update(out, sc->m.labels);
	return out;
}

static void check_trigger(const struct rb_test_suite *s,
			  const struct rb_scenario *sc,
			  const struct rb_runbook *rb, json_t *fails)
{
	json_t *labels = merged_labels(s, sc);
	int want = sc->expect.triggered, got;

	if (!labels && want < 0)
		return;
	got = labels ? rb_matches(rb, labels) : 0;
	if (want < 0)
		want = 1;
	if (got != want) {
		json_t *f = json_object();
		jset_str(f, "check", "triggered");
		jset_int(f, "line",
			 sc->expect.triggered_line ? sc->expect.triggered_line
						   : sc->line);
		jset_str(f, "message",
			 want ? "triggered: the runbook's trigger does not "
				"match these labels"
			      : "triggered: expected the trigger not to "
				"match these labels, but it does");
		jset_bool(f, "expected", want);
		jset_bool(f, "actual", got);
		json_array_append_new(fails, f);
	}
	json_decref(labels);
}

/* Reads status/cause/remedy/facts out of the run record. */
static void actual_from_record(const json_t *rec, enum rb_run_status st,
			       struct rb_actual *a)
{
	const json_t *d = json_object_get(rec, "diagnosis");

	a->status = rb_run_status_name(st);
	if (!d)
		d = rec;
	a->cause = jget_str(d, "cause", NULL);
	a->remedy = jget_str(d, "remedy", NULL);
	a->facts = json_object_get(rec, "facts");
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Lines of the scenario's mocks (and per-call results) that never
 * answered, ascending: likely stale or mistyped patterns. */
static json_t *unused_mocks(const struct rb_mock_ctx *ctx,
			    const struct rb_scenario *sc)
{
	size_t n = 0, cap = sc->m.n_probes + 1;
	json_t *out = json_array();
	char key[32];
	int *lines;

	for (size_t i = 0; i < sc->m.n_cmds; i++)
		cap += sc->m.cmds[i].n_results;
	lines = xcalloc(cap, sizeof(int));
	for (size_t i = 0; i < sc->m.n_cmds; i++)
		for (size_t j = 0; j < sc->m.cmds[i].n_results; j++)
			lines[n++] = sc->m.cmds[i].results[j].line;
	for (size_t i = 0; i < sc->m.n_probes; i++)
		lines[n++] = sc->m.probes[i].line;
	qsort(lines, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%d", lines[i]);
		if (!json_object_get(ctx->used, key))
			json_array_append_new(out, json_integer(lines[i]));
	}
	free(lines);
	return out;
}

/* Errors the engine recorded on steps (a probe that failed in diagnose
 * does not stop the run, but explains a surprising status). */
static json_t *step_errors(const json_t *rec, const struct rb_runbook *rb)
{
	json_t *out = json_array(), *st;
	size_t i;

	json_array_foreach(json_object_get(rec, "steps"), i, st)
	{
		const char *e = jget_str(st, "error", NULL);
		/* unmocked calls are reported on their own, with a snippet */
		if (!e || strstr(e, "unmocked command: ") ||
		    strstr(e, "unmocked probe: "))
			continue;
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:s, s:I, s:s}", "phase",
			      jget_str(st, "phase", ""), "file",
			      rb->file ? rb->file : "", "line",
			      (json_int_t)jget_int(st, "line", 0), "error", e));
	}
	return out;
}

static json_t *actual_json(const struct rb_actual *a)
{
	json_t *j = json_object();

	jset_str(j, "status", a->status);
	jset_str(j, "cause", a->cause);
	jset_str(j, "remedy", a->remedy);
	jset_str(j, "error", a->error);
	json_object_set_new(j, "commands", json_deep_copy(a->commands));
	json_object_set_new(j, "probes", json_deep_copy(a->probes));
	json_object_set_new(j, "notified", json_deep_copy(a->notified));
	return j;
}

/* Unmocked calls come first: they explain most other differences. */
static void add_unmocked(const struct rb_mock_ctx *ctx, json_t *fails)
{
	size_t i;
	json_t *u;

	json_array_foreach(ctx->unmocked, i, u)
	{
		json_t *f = json_object();
		char msg[256];
		const char *kind = jget_str(u, "kind", "command");
		snprintf(msg, sizeof(msg), "unmocked %s", kind);
		jset_str(f, "check", "unmocked");
		jset_int(f, "line", 0);
		jset_str(f, "message", msg);
		json_object_update(f, u);
		json_array_insert_new(fails, i, f);
	}
}

int rb_test_run_scenario(const struct rb_test_suite *s, size_t i,
			 const struct rb_runbook *rb,
			 const struct rb_test_opts *opts, json_t **result,
			 struct ml_err *err)
{
	const struct rb_scenario *sc = &s->v[i];
	volatile sig_atomic_t stop = 0;
	struct rb_exec_opts eo = {0};
	struct rb_exec_ops ops;
	struct rb_mock_ctx ctx;
	struct rb_actual a = {0};
	enum rb_run_status st = RB_RUN_ABORTED;
	struct ml_err rerr = {0};
	json_t *record = NULL, *fails = json_array(), *res, *params;
	int64_t t0 = time_mono_ms();
	char emsg[2048], *narr = NULL;
	size_t narr_len = 0;
	int rc;

	rb_mock_init(&ctx, s, sc, rb);
	rb_mock_ops(&ctx, &ops);
	if (opts && opts->verbose)
		ctx.narrate = open_memstream(&narr, &narr_len);
	params = merged_params(s, sc, rb);
	eo.params = params;
	eo.dry_run = sc->dry_run;
	eo.interrupted = &stop;
	eo.progress = ctx.narrate;
	rc = rb_exec(rb, &eo, &ops, &record, &st, &rerr);
	if (ctx.narrate)
		fclose(ctx.narrate);
	ctx.narrate = NULL;
	if (rc) {
		ml_err_format(&rerr, emsg, sizeof(emsg));
		a.error = emsg;
	} else {
		actual_from_record(record, st, &a);
	}
	a.commands = ctx.commands;
	a.envs = ctx.envs;
	a.probes = ctx.probes;
	a.notified = ctx.notified;
	check_trigger(s, sc, rb, fails);
	rb_test_check(&sc->expect, &a, fails);
	add_unmocked(&ctx, fails);
	if (ctx.n_calls > RB_MOCK_MAX_CALLS)
		json_array_insert_new(
		    fails, 0,
		    json_pack("{s:s, s:i, s:s}", "check", "runaway", "line",
			      sc->line, "message",
			      "the run made more than " RB_MOCK_MAX_STR
			      " mocked calls: a retry loop without an end "
			      "(`within:` with a tiny `every:`?)"));

	res = json_object();
	jset_str(res, "name", sc->name);
	jset_int(res, "line", sc->line);
	jset_bool(res, "passed", json_array_size(fails) == 0);
	jset_int(res, "sim_ms", ctx.now_ms - ctx.start_ms);
	jset_int(res, "wall_ms", time_mono_ms() - t0);
	json_object_set_new(res, "failures", fails);
	json_object_set_new(res, "actual", actual_json(&a));
	json_object_set_new(json_object_get(res, "actual"), "step_errors",
			    step_errors(record, rb));
	json_object_set_new(res, "unused_mocks", unused_mocks(&ctx, sc));
	json_object_set(res, "trace", ctx.trace);
	if (opts && opts->verbose && record)
		json_object_set(res, "record", record);
	if (narr) {
		json_t *nj = json_stringn(narr, narr_len);
		json_object_set_new(res, "narration",
				    nj ? nj : json_string("(not UTF-8)"));
	}
	free(narr);
	(void)err;
	*result = res;
	json_decref(record);
	json_decref(params);
	rb_mock_free(&ctx);
	return 0;
}
