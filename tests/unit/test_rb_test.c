/* test_rb_test.c: unit tests of the scenario tester (`runbook test`): the
 * test-file loader and its errors on broken input, command patterns, the
 * mocked engine ops (commands, probes, confirm, clock, unmocked calls and
 * their paste-able snippets), the expectations checker, and whole
 * scenarios through the real engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/out.h"
#include "runbook/rb.h"
#include "runbook/rb_exec.h"
#include "runbook/rb_test.h"
#include "runbook/rb_test_check.h"
#include "runbook/rb_test_mock.h"

static struct rb_test_suite *load_ok(const char *yaml)
{
	struct rb_test_suite *s = NULL;
	struct ml_err err = {0};
	int rc =
	    rb_test_load_string(yaml, strlen(yaml), "t/x.test.yaml", &s, &err);

	if (rc)
		fail_msg("unexpected load error: %d:%d: %s", err.line, err.col,
			 err.msg);
	return s;
}

/* Loads yaml, which must fail at line with a message containing want. */
static void load_bad(const char *yaml, size_t len, int line, const char *want)
{
	struct rb_test_suite *s = NULL;
	struct ml_err err = {0};
	int rc = rb_test_load_string(yaml, len, "t/x.test.yaml", &s, &err);

	if (rc == 0)
		fail_msg("loaded, expected an error containing `%s`:\n%s", want,
			 yaml);
	assert_null(s);
	assert_int_equal(rc, ML_EINPUT);
	if (!strstr(err.msg, want))
		fail_msg("message `%s` lacks `%s`", err.msg, want);
	if (line && err.line != line)
		fail_msg("`%s`: line %d, expected %d", err.msg, err.line, line);
	assert_string_equal(err.file, "t/x.test.yaml");
}

#define BAD(yaml, line, want) load_bad(yaml, strlen(yaml), line, want)

static const char *full =
    "runbook: ../gpu-oom.yaml\n"
    "defaults:\n"
    "  params: { deployment: llm-serve }\n"
    "  probes:\n"
    "    k8s: { ready: true }\n"
    "scenarios:\n"
    "  - name: fragmentation\n"
    "    now: 2026-11-23T03:00:00Z\n"
    "    params: { batch_size: 32 }\n"
    "    probes:\n"
    "      gpu: { memory_used_pct: 97, verdict: degraded }\n"
    "      oom: [ {reserved_gib: 70}, {reserved_gib: 10} ]\n"
    "    commands:\n"
    "      - match: \"kubectl * set env *\"\n"
    "        env: { deployment: llm-serve }\n"
    "        stdout: updated\n"
    "      - re: \"rollout (status|undo)\"\n"
    "        results:\n"
    "          - { exit: 1, stderr: boom, duration: 2s }\n"
    "          - { timeout: true }\n"
    "    confirm: [yes, no]\n"
    "    expect:\n"
    "      status: succeeded\n"
    "      cause: fragmentation\n"
    "      remedy: ~\n"
    "      ran: [\"kubectl * set env *\", {re: \"rollout\"}]\n"
    "      not_ran: [\"*undo*\"]\n"
    "      probed: [gpu, oom]\n"
    "      facts: { gpu.memory_used_pct: 97 }\n";

static void test_load_full(void **state)
{
	struct rb_test_suite *s = load_ok(full);
	const struct rb_scenario *sc;

	(void)state;
	assert_string_equal(s->runbook, "t/../gpu-oom.yaml");
	assert_int_equal(s->runbook_line, 1);
	assert_int_equal(s->n, 1);
	sc = &s->v[0];
	assert_string_equal(sc->name, "fragmentation");
	assert_int_equal(sc->line, 7);
	assert_true(sc->m.has_now);
	assert_string_equal(jget_str(sc->m.params, "batch_size", ""), "32");
	assert_int_equal(sc->m.n_probes, 2);
	assert_int_equal(sc->m.probes[1].n, 2);
	/* defaults added to mocked facts */
	assert_string_equal(jget_str(sc->m.probes[1].facts[0], "verdict", ""),
			    "healthy");
	assert_string_equal(jget_str(sc->m.probes[1].facts[0], "probe", ""),
			    "oom");
	assert_int_equal(sc->m.n_cmds, 2);
	assert_false(sc->m.cmds[0].pat.is_re);
	assert_string_equal(sc->m.cmds[0].results[0].output, "updated");
	assert_true(sc->m.cmds[1].pat.is_re);
	assert_int_equal(sc->m.cmds[1].n_results, 2);
	assert_int_equal(sc->m.cmds[1].results[0].exit_code, 1);
	assert_int_equal(sc->m.cmds[1].results[0].duration_ms, 2000);
	assert_string_equal(sc->m.cmds[1].results[0].output, "boom");
	assert_true(sc->m.cmds[1].results[1].timed_out);
	assert_int_equal(sc->m.n_confirm, 2);
	assert_int_equal(sc->m.confirm[0], 1);
	assert_int_equal(sc->m.confirm[1], 0);
	assert_string_equal(sc->expect.status.value, "succeeded");
	assert_true(sc->expect.remedy.set);
	assert_null(sc->expect.remedy.value);
	assert_int_equal(sc->expect.ran.n, 2);
	assert_true(sc->expect.ran.v[1].is_re);
	assert_int_equal(sc->expect.n_probed, 2);
	assert_int_equal(sc->expect.triggered, -1);
	assert_int_equal(s->defaults.n_probes, 1);
	rb_test_suite_free(s);
	rb_test_suite_free(NULL);
}

static void test_load_sibling_runbook(void **state)
{
	struct rb_test_suite *s =
	    load_ok("scenarios: [{name: a, expect: {status: succeeded}}]\n");

	(void)state;
	assert_string_equal(s->runbook, "t/x.yaml");
	assert_int_equal(s->runbook_line, 0);
	rb_test_suite_free(s);
}

static void test_load_broken(void **state)
{
	(void)state;
	BAD("", 1, "empty test file");
	BAD("- a\n- b\n", 1, "must be a mapping");
	BAD("scenarois: []\n", 1, "did you mean `scenarios`");
	BAD("runbook: x.yaml\n", 1, "needs `scenarios:`");
	BAD("scenarios: []\n", 1, "tests nothing");
	BAD("scenarios: 5\n", 1, "must be a list");
	BAD("scenarios:\n  - expect: {status: succeeded}\n", 2,
	    "needs a `name:`");
	BAD("scenarios:\n  - name: a\n", 2, "needs an `expect:`");
	BAD("scenarios:\n  - name: a\n    expect: {cause: x}\n", 3,
	    "needs `status:`");
	BAD("scenarios:\n  - name: a\n    expect: {status: a, error: b}\n", 3,
	    "exclude each other");
	BAD("scenarios:\n  - name: a\n    expect: {statsu: ok}\n", 3,
	    "did you mean `status`");
	BAD("scenarios:\n  - name: a\n    comands: []\n"
	    "    expect: {status: s}\n",
	    3, "did you mean `commands`");
	BAD("scenarios:\n  - {name: a, expect: {status: s}}\n"
	    "  - {name: a, expect: {status: s}}\n",
	    3, "duplicate scenario name `a` (first at line 2)");
	BAD("scenarios:\n  - name: a\n    commands:\n      - exit: 0\n"
	    "    expect: {status: s}\n",
	    4, "exactly one of `match:`");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, re: y}\n    expect: {status: s}\n",
	    4, "exactly one of");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {re: \"a(\"}\n    expect: {status: s}\n",
	    4, "bad regex");
	/* A pattern in an expectation that fails to load is freed (LSan
	 * reported its text leaked): a bad regex, alone or after a good
	 * one, an empty glob, a bad env after a compiled regex. */
	BAD("scenarios:\n  - name: a\n"
	    "    expect: {status: s, ran: [{re: \"a(\"}]}\n",
	    3, "bad regex");
	BAD("scenarios:\n  - name: a\n"
	    "    expect: {status: s, not_ran: [x, {re: \"[\"}]}\n",
	    3, "bad regex");
	BAD("scenarios:\n  - name: a\n"
	    "    expect: {status: s, ran_include: [x, \"\"]}\n",
	    3, "must not be empty");
	BAD("scenarios:\n  - name: a\n"
	    "    expect: {status: s, ran: [{re: x, env: {A: [1]}}]}\n",
	    3, "must be a string");
	BAD("scenarios:\n  - name: a\n"
	    "    expect: {status: s, notified: [{re: \"(\"}]}\n",
	    3, "bad regex");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, exit: 300}\n    expect: {status: s}\n",
	    4, "from 0 to 255");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, exit: one}\n    expect: {status: s}\n",
	    4, "whole number");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, exit: 1, results: [{exit: 0}]}\n"
	    "    expect: {status: s}\n",
	    4, "inside each item of `results:`");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, results: []}\n    expect: {status: s}\n",
	    4, "must not be empty");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, duration: soon}\n    expect: {status: s}\n",
	    4, "must be a duration");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: x, timeout: true, signal: 9}\n"
	    "    expect: {status: s}\n",
	    4, "either `signal` or `timeout`");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: \"\"}\n    expect: {status: s}\n",
	    4, "must not be empty");
	BAD("scenarios:\n  - name: a\n    commands:\n"
	    "      - {match: [x]}\n    expect: {status: s}\n",
	    4, "must be a string, not a list");
	BAD("scenarios:\n  - name: a\n    now: yesterday\n"
	    "    expect: {status: s}\n",
	    3, "RFC 3339");
	BAD("scenarios:\n  - name: a\n    probes: {gpu: {verdict: degarded}}\n"
	    "    expect: {status: s}\n",
	    3, "did you mean `degraded`");
	BAD("scenarios:\n  - name: a\n    probes: {gpu: 5}\n"
	    "    expect: {status: s}\n",
	    3, "must be a mapping");
	BAD("scenarios:\n  - name: a\n    probes: {gpu: []}\n"
	    "    expect: {status: s}\n",
	    3, "must not be empty");
	BAD("scenarios:\n  - name: a\n    probes: {gpu: {_error: \"\"}}\n"
	    "    expect: {status: s}\n",
	    3, "error message");
	BAD("scenarios:\n  - name: a\n    confirm: maybe\n"
	    "    expect: {status: s}\n",
	    3, "yes or no");
	BAD("scenarios:\n  - name: a\n    params: {x: [1]}\n"
	    "    expect: {status: s}\n",
	    3, "`params.x` must be a string");
	BAD("scenarios:\n  - name: a\n    expect: {status: s, ran: x}\n", 3,
	    "`ran` must be a list");
	BAD("scenarios:\n  - name: a\n    expect: {status: s, ran: [{rx: "
	    "a}]}\n",
	    3, "did you mean `re`");
	BAD("scenarios:\n  - name: a\n    expect: {status: s, ran: [{env: "
	    "{}}]}\n",
	    3, "exactly one of `match:`");
	BAD("scenarios:\n  - name: a\n    expect: {status: s, triggered: 2}\n",
	    3, "yes or no");
	BAD("scenarios:\n  - name: a\n    expect: {status: ~}\n", 3,
	    "must not be empty");
	BAD("defaults: {expect: {}}\nscenarios: []\n", 1,
	    "unknown key `expect` in defaults");
}

static void test_load_hostile(void **state)
{
	struct buf big = BUF_INIT;
	static const char nul[] = "scenarios:\n  - name: \"a\\0b\"\n"
				  "    expect: {status: s}\n";

	(void)state;
	/* truncated in the middle of a flow mapping */
	BAD("scenarios:\n  - {name: a, expect: {status: s", 0, "");
	/* non-UTF-8 */
	BAD("scenarios:\n  - name: \xff\xfe\n", 0, "");
	/* anchors and aliases are refused (billion laughs) */
	BAD("a: &x [1]\nscenarios: [*x]\n", 0, "");
	/* NUL byte in a name */
	load_bad(nul, sizeof(nul) - 1, 2, "NUL byte");
	/* a long but valid file loads; a huge one is refused */
	buf_puts(&big, "scenarios:\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&big,
			   "  - {name: s%d, commands: [{match: \"x*\"}], "
			   "expect: {status: succeeded}}\n",
			   i);
	struct rb_test_suite *s = load_ok(big.data);
	assert_int_equal(s->n, 2000);
	rb_test_suite_free(s);
	buf_reset(&big);
	buf_grow(&big, 17 * 1024 * 1024);
	memset(big.data, ' ', 17 * 1024 * 1024);
	big.len = 17 * 1024 * 1024;
	big.data[big.len] = 0;
	load_bad(big.data, big.len, 0, "larger than");
	buf_free(&big);
}

static void test_load_file_missing(void **state)
{
	struct rb_test_suite *s = NULL;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(
	    rb_test_load_file("/nonexistent/x.test.yaml", &s, &err),
	    ML_ENOTFOUND);
	assert_null(s);
}

static struct rb_pattern glob(const char *text)
{
	struct rb_pattern p = {0};

	p.text = (char *)text;
	return p;
}

static void test_patterns(void **state)
{
	struct rb_pattern p = glob("kubectl * set env *");
	struct rb_pattern r = {0};
	char *n;

	(void)state;
	assert_true(rb_pattern_match(
	    &p, "kubectl -n \"$namespace\" set env deploy/\"$d\" X=1"));
	assert_false(rb_pattern_match(&p, "kubectl rollout undo x"));
	/* whitespace, newlines and continuations are normalized */
	assert_true(rb_pattern_match(&p, "  kubectl -n x \\\n  set   env\ty"));
	n = rb_mock_normalize(" a \\\n b\n\n c  ");
	assert_string_equal(n, "a b c");
	free(n);
	/* no wildcard: exact */
	p = glob("true");
	assert_true(rb_pattern_match(&p, "true"));
	assert_false(rb_pattern_match(&p, "true; rm -rf /"));
	/* escaped wildcards are literal */
	p = glob("echo \\*");
	assert_true(rb_pattern_match(&p, "echo *"));
	assert_false(rb_pattern_match(&p, "echo x"));
	/* regex: unanchored ERE */
	r.text = "rollout (status|undo)";
	r.is_re = 1;
	assert_int_equal(regcomp(&r.re, r.text, REG_EXTENDED | REG_NOSUB), 0);
	assert_true(rb_pattern_match(&r, "kubectl rollout undo deploy/x"));
	assert_false(rb_pattern_match(&r, "kubectl rollout restart"));
	regfree(&r.re);
}

/* A tiny runbook model built by hand, to locate steps. */
struct mini {
	struct rb_runbook rb;
	struct rb_step steps[3];
};

static void mini_init(struct mini *m)
{
	memset(m, 0, sizeof(*m));
	m->rb.file = "rb/gpu-oom.yaml";
	m->steps[0].kind = RB_STEP_PROBE;
	m->steps[0].probe = "gpu";
	m->steps[0].line = 10;
	m->steps[1].kind = RB_STEP_RUN;
	m->steps[1].run = "kubectl -n \"$ns\" rollout undo deploy/\"$d\"";
	m->steps[1].line = 20;
	m->steps[2].kind = RB_STEP_RUN;
	m->steps[2].run = "echo '*it''s*' [x]\n  done";
	m->steps[2].line = 30;
	m->rb.diagnose.v = &m->steps[0];
	m->rb.diagnose.n = 1;
	m->rb.rollback.v = &m->steps[1];
	m->rb.rollback.n = 2;
}

static const char *mocks_yaml =
    "scenarios:\n"
    "  - name: a\n"
    "    probes:\n"
    "      gpu: [ {n: 1}, {n: 2, verdict: degraded} ]\n"
    "      oom: { _error: \"no such file\" }\n"
    "    commands:\n"
    "      - match: \"kubectl * undo *\"\n"
    "        env: { d: prod }\n"
    "        stdout: prod-undo\n"
    "      - match: \"kubectl *\"\n"
    "        results:\n"
    "          - { exit: 3, stdout: first, duration: 5s }\n"
    "          - { timeout: true }\n"
    "    confirm: [no, yes]\n"
    "    expect: { status: succeeded }\n";

static void test_mock_commands(void **state)
{
	struct rb_test_suite *s = load_ok(mocks_yaml);
	struct mini m;
	struct rb_mock_ctx ctx;
	struct rb_exec_ops ops;
	struct rb_cmd_result res;
	struct ml_err err = {0};
	const char *env_prod[] = {"ns=x", "d=prod", NULL};
	const char *env_dev[] = {"ns=x", "d=dev", NULL};

	(void)state;
	mini_init(&m);
	rb_mock_init(&ctx, s, &s->v[0], &m.rb);
	rb_mock_ops(&ctx, &ops);
	/* env selects the first mock */
	assert_int_equal(
	    ops.run_cmd(ops.ctx, m.steps[1].run, env_prod, 0, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.output, "prod-undo");
	free(res.output);
	/* another env falls through to the second; results per call */
	assert_int_equal(
	    ops.run_cmd(ops.ctx, m.steps[1].run, env_dev, 0, &res, &err), 0);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(res.output, "first");
	assert_int_equal(ops.now_ms(ops.ctx) - ctx.start_ms, 5000);
	free(res.output);
	for (int i = 0; i < 2; i++) { /* the last result repeats */
		assert_int_equal(ops.run_cmd(ops.ctx, "kubectl get x", env_dev,
					     60000, &res, &err),
				 0);
		assert_true(res.timed_out);
		assert_int_equal(res.duration_ms, 60000);
		free(res.output);
	}
	assert_int_equal(ops.now_ms(ops.ctx) - ctx.start_ms, 125000);
	assert_int_equal(json_array_size(ctx.commands), 4);
	assert_int_equal(json_array_size(ctx.unmocked), 0);
	rb_mock_free(&ctx);
	rb_test_suite_free(s);
}

/* An unmocked command fails with the step's file:line and a snippet
 * that, pasted into a test file, matches exactly that command. */
static void test_mock_unmocked_snippet(void **state)
{
	struct rb_test_suite *s = load_ok(mocks_yaml), *s2;
	struct mini m;
	struct rb_mock_ctx ctx;
	struct rb_exec_ops ops;
	struct rb_cmd_result res;
	struct ml_err err = {0};
	const json_t *u;
	struct buf y = BUF_INIT;

	(void)state;
	mini_init(&m);
	rb_mock_init(&ctx, s, &s->v[0], &m.rb);
	rb_mock_ops(&ctx, &ops);
	assert_int_equal(
	    ops.run_cmd(ops.ctx, m.steps[2].run, NULL, 0, &res, &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "unmocked command"));
	u = json_array_get(ctx.unmocked, 0);
	assert_string_equal(jget_str(u, "at", ""), "rb/gpu-oom.yaml:30");
	assert_string_equal(jget_str(u, "text", ""), "echo '*it''s*' [x] done");
	buf_printf(&y, "scenarios:\n  - name: b\n%s    expect: {status: x}\n",
		   jget_str(u, "snippet", ""));
	s2 = load_ok(y.data);
	assert_int_equal(s2->v[0].m.n_cmds, 1);
	assert_true(rb_pattern_match(&s2->v[0].m.cmds[0].pat, m.steps[2].run));
	assert_false(rb_pattern_match(&s2->v[0].m.cmds[0].pat,
				      "echo 'Xit''s*' [x] done"));
	rb_test_suite_free(s2);
	buf_free(&y);
	rb_mock_free(&ctx);
	rb_test_suite_free(s);
}

static void test_mock_probes_confirm_clock(void **state)
{
	struct rb_test_suite *s = load_ok(mocks_yaml);
	json_t *oom_args;
	struct mini m;
	struct rb_mock_ctx ctx;
	struct rb_exec_ops ops;
	struct ml_err err = {0};
	json_t *f = NULL;
	int yes = -1;

	(void)state;
	mini_init(&m);
	rb_mock_init(&ctx, s, &s->v[0], &m.rb);
	rb_mock_ops(&ctx, &ops);
	assert_int_equal(ops.run_probe(ops.ctx, "gpu", NULL, NULL, 0, &f, &err),
			 0);
	assert_int_equal(jget_int(f, "n", 0), 1);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    ops.run_probe(ops.ctx, "gpu", NULL, NULL, 0, &f, &err), 0);
		assert_int_equal(jget_int(f, "n", 0), 2);
		json_decref(f);
	}
	/* the real oom probe requires `from`: the mock checks args first */
	assert_int_equal(ops.run_probe(ops.ctx, "oom", NULL, NULL, 0, &f, &err),
			 ML_EUSAGE);
	oom_args = json_pack("{s:s}", "from", "train.log");
	assert_int_equal(
	    ops.run_probe(ops.ctx, "oom", NULL, oom_args, 0, &f, &err), ML_EIO);
	json_decref(oom_args);
	assert_null(f);
	assert_non_null(strstr(err.msg, "no such file"));
	/* a probe the scenario does not mock (not a registered probe either,
	 * so its arguments are not checked first) */
	assert_int_equal(
	    ops.run_probe(ops.ctx, "dcgm", NULL, NULL, 0, &f, &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "unmocked probe: dcgm"));
	assert_non_null(
	    strstr(jget_str(json_array_get(ctx.unmocked, 0), "snippet", ""),
		   "dcgm: { verdict: healthy }"));
	assert_int_equal(ops.confirm(ops.ctx, "go?", &yes, &err), 0);
	assert_int_equal(yes, 0);
	assert_int_equal(ops.confirm(ops.ctx, "go?", &yes, &err), 0);
	assert_int_equal(yes, 1);
	assert_int_equal(ops.confirm(ops.ctx, "go?", &yes, &err), 0);
	assert_int_equal(yes, 1);
	ops.sleep_ms(ops.ctx, 120000);
	assert_int_equal(ops.now_ms(ops.ctx) - ctx.start_ms, 120000);
	assert_int_equal(ops.notify(ops.ctx, "oncall", "rolled back", &err), 0);
	assert_int_equal(json_array_size(ctx.notified), 1);
	assert_int_equal(json_array_size(ctx.probes),
			 6); /* 3 gpu, 2 oom, dcgm */
	rb_mock_free(&ctx);
	rb_test_suite_free(s);
}

static const char *expect_yaml =
    "scenarios:\n"
    "  - name: a\n"
    "    expect:\n"
    "      status: succeeded\n"
    "      cause: fragmentation\n"
    "      remedy: set-alloc-conf\n"
    "      ran: [\"kubectl * set env *\", \"kubectl * rollout status *\"]\n"
    "      ran_include: [\"*set env*\", \"*status*\"]\n"
    "      not_ran: [\"*undo*\"]\n"
    "      probed: [gpu, oom]\n"
    "      notified: [\"*fixed*\"]\n"
    "      facts: { gpu.memory_used_pct: 97, gpu.gpus.0.id: 0 }\n";

static json_t *strs(const char *a, const char *b, const char *c)
{
	json_t *j = json_array();
	const char *v[] = {a, b, c};

	for (int i = 0; i < 3; i++)
		if (v[i])
			json_array_append_new(j, json_string(v[i]));
	return j;
}

static void test_check_pass_and_fail(void **state)
{
	struct rb_test_suite *s = load_ok(expect_yaml);
	json_t *cmds = strs("kubectl -n x set env deploy/y A=1",
			    "kubectl -n x rollout status deploy/y", NULL);
	json_t *probes = strs("gpu", "oom", NULL);
	json_t *notes = strs("OOM fixed on llm", NULL, NULL);
	json_t *facts = json_loads("{\"gpu\": {\"memory_used_pct\": 97.0,"
				   " \"gpus\": [{\"id\": 0}]}}",
				   0, NULL);
	struct rb_actual a = {"succeeded",
			      "fragmentation",
			      "set-alloc-conf",
			      NULL,
			      cmds,
			      NULL,
			      probes,
			      notes,
			      facts};
	json_t *fails = json_array(), *f, *rows;

	(void)state;
	rb_test_check(&s->v[0].expect, &a, fails);
	if (json_array_size(fails))
		fail_msg("%s", json_dumps(fails, 0));
	/* now make everything go wrong */
	json_array_set_new(cmds, 1,
			   json_string("kubectl -n x rollout undo deploy/y"));
	json_array_append_new(cmds, json_string("kubectl rollout status y"));
	a.status = "rolled_back";
	a.cause = NULL;
	json_array_clear(notes);
	json_object_set_new(json_object_get(facts, "gpu"), "memory_used_pct",
			    json_integer(50));
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_string_equal(jget_str(json_array_get(fails, 0), "message", ""),
			    "status: expected succeeded, got rolled_back");
	assert_int_equal(jget_int(json_array_get(fails, 0), "line", 0), 4);
	assert_string_equal(jget_str(json_array_get(fails, 1), "message", ""),
			    "cause: expected fragmentation, got none");
	f = json_array_get(fails, 2);
	assert_string_equal(jget_str(f, "check", ""), "ran");
	assert_non_null(strstr(jget_str(f, "message", ""),
			       "from command #2 on (2 expected, 3 ran)"));
	rows = json_object_get(f, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_string_equal(jget_str(json_array_get(rows, 0), "op", ""),
			    "same");
	assert_false(jget_bool(json_array_get(rows, 0), "diverges", 1));
	assert_string_equal(jget_str(json_array_get(rows, 1), "op", ""),
			    "extra");
	assert_true(jget_bool(json_array_get(rows, 1), "diverges", 0));
	assert_int_equal(jget_int(json_array_get(rows, 1), "index", 0), 2);
	assert_string_equal(jget_str(json_array_get(rows, 3), "op", ""),
			    "missing");
	assert_true(
	    json_is_null(json_object_get(json_array_get(rows, 3), "actual")));
	/* ran_include still holds: "*status*" matches the third command */
	f = json_array_get(fails, 3);
	assert_string_equal(jget_str(f, "check", ""), "not_ran");
	assert_non_null(strstr(jget_str(f, "message", ""), "but #2 did"));
	assert_string_equal(jget_str(json_array_get(fails, 4), "check", ""),
			    "notified");
	assert_string_equal(jget_str(json_array_get(fails, 5), "message", ""),
			    "facts: gpu.memory_used_pct: expected 97, got 50");
	assert_int_equal(json_array_size(fails), 6);
	/* an engine error replaces status checks */
	json_array_clear(fails);
	a.error = "param deployment: does not match ^[a-z-]+$";
	json_array_clear(cmds);
	json_array_append_new(cmds, json_string("kubectl -n x set env y"));
	json_array_append_new(cmds,
			      json_string("kubectl -n x rollout status y"));
	json_array_append_new(notes, json_string("fixed"));
	json_object_set_new(json_object_get(facts, "gpu"), "memory_used_pct",
			    json_integer(97));
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 1);
	assert_non_null(
	    strstr(jget_str(json_array_get(fails, 0), "message", ""),
		   "stopped with an error: param deployment"));
	json_decref(fails);
	json_decref(cmds);
	json_decref(probes);
	json_decref(notes);
	json_decref(facts);
	rb_test_suite_free(s);
}

/* The `ran` diff lines up what matches (LCS) and tells batch items
 * apart by env. */
static void test_check_ran_diff_env(void **state)
{
	struct rb_test_suite *s =
	    load_ok("scenarios:\n  - name: a\n    expect:\n      status: x\n"
		    "      ran:\n"
		    "        - { match: \"cordon *\", env: { ITEM: n1 } }\n"
		    "        - { match: \"drain *\", env: { ITEM: n1 } }\n"
		    "        - { match: \"cordon *\", env: { ITEM: n2 } }\n");
	json_t *cmds = strs("cordon \"$ITEM\"", "cordon \"$ITEM\"", NULL);
	json_t *envs = json_pack("[{s:s},{s:s}]", "ITEM", "n1", "ITEM", "n2");
	json_t *none = json_array(), *fails = json_array(), *rows;
	struct rb_actual a = {"x",  NULL, NULL, NULL, cmds,
			      envs, none, none, NULL};

	(void)state;
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 1);
	assert_non_null(
	    strstr(jget_str(json_array_get(fails, 0), "message", ""),
		   "from command #2 on (3 expected, 2 ran)"));
	rows = json_object_get(json_array_get(fails, 0), "rows");
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(jget_str(json_array_get(rows, 1), "op", ""),
			    "missing");
	assert_true(jget_bool(json_array_get(rows, 1), "diverges", 0));
	assert_string_equal(jget_str(json_array_get(rows, 2), "op", ""),
			    "same");
	/* with the drain in place it passes */
	json_array_clear(fails);
	json_array_insert_new(cmds, 1, json_string("drain \"$ITEM\" --force"));
	json_array_insert_new(envs, 1, json_pack("{s:s}", "ITEM", "n1"));
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 0);
	/* the wrong node is a difference even when the text matches */
	json_object_set_new(json_array_get(envs, 1), "ITEM", json_string("n2"));
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 1);
	json_decref(cmds);
	json_decref(envs);
	json_decref(none);
	json_decref(fails);
	rb_test_suite_free(s);
}

static void test_check_expected_error(void **state)
{
	struct rb_test_suite *s = load_ok(
	    "scenarios:\n  - name: a\n    expect:\n"
	    "      error: \"does not match\"\n      not_ran: [\"*\"]\n");
	json_t *none = json_array(), *fails = json_array();
	struct rb_actual a = {NULL, NULL, NULL, "param d: does not match x",
			      none, NULL, none, none,
			      NULL};

	(void)state;
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 0);
	a.error = "something else";
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 1);
	a.error = NULL;
	a.status = "succeeded";
	rb_test_check(&s->v[0].expect, &a, fails);
	assert_int_equal(json_array_size(fails), 2);
	assert_non_null(
	    strstr(jget_str(json_array_get(fails, 1), "message", ""),
		   "but the run finished: succeeded"));
	json_decref(none);
	json_decref(fails);
	rb_test_suite_free(s);
}

static const char *rb_yaml =
    "id: t\n"
    "title: t\n"
    "severity: P3\n"
    "owner: me\n"
    "reviewed: 2026-11-01\n"
    "trigger:\n  - alertname = \"X\"\n"
    "params:\n  svc: { required: true, pattern: \"[a-z]+\" }\n"
    "prechecks:\n  - run: check \"$svc\"\n"
    "diagnose:\n  steps:\n    - probe: gpu\n      as: card\n"
    "  cases:\n    - when: \"card.util_pct < 5\"\n"
    "      cause: hung\n      remedy: restart\n"
    "remedies:\n  restart:\n    - run: restart \"$svc\"\n"
    "verify:\n  - wait: 1m\n  - probe: gpu\n    as: card\n"
    "    expect: \"card.util_pct > 20\"\n"
    "rollback:\n  - run: stop \"$svc\"\n";

static struct rb_runbook *load_rb(void)
{
	struct rb_runbook *rb = NULL;
	struct ml_err err = {0};

	if (rb_load_string(rb_yaml, strlen(rb_yaml), "t.yaml", &rb, &err))
		fail_msg("runbook: %d:%d: %s", err.line, err.col, err.msg);
	return rb;
}

static json_t *run_one(const char *yaml, size_t i, const struct rb_runbook *rb)
{
	struct rb_test_suite *s = load_ok(yaml);
	struct rb_test_opts o = {NULL, 0};
	struct ml_err err = {0};
	json_t *r = NULL;

	if (rb_test_validate(s, rb, &err))
		fail_msg("validate: %d: %s", err.line, err.msg);
	assert_int_equal(rb_test_run_scenario(s, i, rb, &o, &r, &err), 0);
	rb_test_suite_free(s);
	return r;
}

/* Whole scenarios through the real engine. */
static void test_scenarios_engine(void **state)
{
	struct rb_runbook *rb = load_rb();
	const char *yaml =
	    "defaults:\n  params: { svc: iris }\n"
	    "  commands: [ { match: \"check *\" } ]\n"
	    "scenarios:\n"
	    "  - name: ok\n"
	    "    labels: { alertname: X }\n"
	    "    probes: { card: [ {util_pct: 0}, {util_pct: 50} ] }\n"
	    "    commands: [ { match: \"restart *\", env: {svc: iris} } ]\n"
	    "    expect: { status: succeeded, cause: hung,\n"
	    "      facts: { card.util_pct: 50 }, probed: [gpu, gpu] }\n"
	    "  - name: unmocked probe\n"
	    "    expect: { status: succeeded }\n"
	    "  - name: refused param\n"
	    "    params: { svc: \"a b\" }\n"
	    "    expect: { error: svc, not_ran: [\"*\"] }\n"
	    "  - name: wrong alert\n"
	    "    labels: { alertname: Y }\n"
	    "    probes: { gpu: {util_pct: 90} }\n"
	    "    expect: { status: no_diagnosis }\n";
	json_t *r;
	char *dump;

	(void)state;
	r = run_one(yaml, 0, rb);
	dump = json_dumps(json_object_get(r, "failures"), 0);
	if (!jget_bool(r, "passed", 0))
		fail_msg("scenario failed: %s", dump);
	free(dump);
	assert_int_equal(jget_int(r, "sim_ms", 0), 60000); /* the wait */
	json_decref(r);

	r = run_one(yaml, 1, rb);
	assert_false(jget_bool(r, "passed", 1));
	json_t *f = json_array_get(json_object_get(r, "failures"), 0);
	assert_string_equal(jget_str(f, "check", ""), "unmocked");
	assert_string_equal(jget_str(f, "kind", ""), "probe");
	assert_string_equal(jget_str(f, "at", ""), "t.yaml:14");
	assert_non_null(
	    strstr(jget_str(f, "snippet", ""), "card: { verdict: healthy }"));
	json_decref(r);

	r = run_one(yaml, 2, rb);
	if (!jget_bool(r, "passed", 0))
		fail_msg("refused param: %s",
			 json_dumps(json_object_get(r, "failures"), 0));
	json_decref(r);

	r = run_one(yaml, 3, rb);
	assert_false(jget_bool(r, "passed", 1));
	f = json_array_get(json_object_get(r, "failures"), 0);
	assert_string_equal(jget_str(f, "check", ""), "triggered");
	json_decref(r);
	rb_free(rb);
}

/* Names in a test file are checked against the runbook. */
static void test_validate_names(void **state)
{
	struct rb_runbook *rb = load_rb();
	static const struct {
		const char *yaml, *want;
	} cases[] = {
	    {"scenarios: [{name: a, expect: {status: sucseeded}}]\n",
	     "did you mean `succeeded`"},
	    {"scenarios: [{name: a, expect: {status: succeeded, "
	     "remedy: restrat}}]\n",
	     "remedy `restrat` is not in t.yaml; did you mean `restart`"},
	    {"scenarios: [{name: a, expect: {status: succeeded, "
	     "cause: hang}}]\n",
	     "did you mean `hung`"},
	    {"scenarios: [{name: a, probes: {gpuu: {}}, "
	     "expect: {status: succeeded}}]\n",
	     "probe `gpuu` is not in t.yaml; did you mean `gpu`"},
	    {"scenarios: [{name: a, params: {sv: x}, "
	     "expect: {status: succeeded}}]\n",
	     "param `sv` is not in t.yaml; did you mean `svc`"},
	    {"defaults: {probes: {oom: {}}}\n"
	     "scenarios: [{name: a, expect: {status: succeeded}}]\n",
	     "probe `oom` is not in t.yaml"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct rb_test_suite *s = load_ok(cases[i].yaml);
		struct ml_err err = {0};
		assert_int_equal(rb_test_validate(s, rb, &err), ML_EINPUT);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("`%s` lacks `%s`", err.msg, cases[i].want);
		rb_test_suite_free(s);
	}
	rb_free(rb);
}

/* The --init skeleton loads and validates against its runbook. */
static void test_skeleton(void **state)
{
	struct rb_runbook *rb = load_rb();
	struct rb_test_suite *s;
	struct ml_err err = {0};
	struct buf b = BUF_INIT;

	(void)state;
	rb_test_skeleton(rb, "t.yaml", &b);
	s = load_ok(b.data);
	assert_int_equal(rb_test_validate(s, rb, &err), 0);
	assert_int_equal(s->n,
			 4); /* 1 case, no diagnosis, precheck, rollback */
	assert_string_equal(s->v[0].name, "case 1: hung");
	assert_string_equal(s->v[0].expect.remedy.value, "restart");
	assert_int_equal(s->defaults.n_cmds, 3);
	assert_string_equal(s->defaults.probes[0].name, "card");
	assert_non_null(strstr(b.data, "svc: todo"));
	rb_test_suite_free(s);
	buf_free(&b);
	rb_free(rb);
}

static void test_find_files(void **state)
{
	char dir[] = "/tmp/rbtestXXXXXX", p[512];
	char **paths = NULL;
	size_t n = 0;
	struct ml_err err = {0};
	const char *files[] = {
	    "b.yaml",	      "b.test.yaml",	     "a.test.yaml",
	    "sub/c.test.yml", ".hidden/d.test.yaml", "notes.txt"};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/.hidden", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	assert_int_equal(rb_test_find_files(dir, &paths, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_non_null(strstr(paths[0], "/a.test.yaml"));
	assert_non_null(strstr(paths[1], "/b.test.yaml"));
	assert_non_null(strstr(paths[2], "/sub/c.test.yml"));
	snprintf(p, sizeof(p), "%s/b.yaml", dir);
	assert_int_equal(rb_test_find_files(p, &paths, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_non_null(strstr(paths[3], "/b.test.yaml"));
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	assert_int_equal(rb_test_find_files(p, &paths, &n, &err), ML_ENOTFOUND);
	assert_int_equal(
	    rb_test_find_files("/nonexistent-dir", &paths, &n, &err),
	    ML_ENOTFOUND);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/.hidden", dir);
	rmdir(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_full),
	    cmocka_unit_test(test_load_sibling_runbook),
	    cmocka_unit_test(test_load_broken),
	    cmocka_unit_test(test_load_hostile),
	    cmocka_unit_test(test_load_file_missing),
	    cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_mock_commands),
	    cmocka_unit_test(test_mock_unmocked_snippet),
	    cmocka_unit_test(test_mock_probes_confirm_clock),
	    cmocka_unit_test(test_check_pass_and_fail),
	    cmocka_unit_test(test_check_ran_diff_env),
	    cmocka_unit_test(test_check_expected_error),
	    cmocka_unit_test(test_scenarios_engine),
	    cmocka_unit_test(test_validate_names),
	    cmocka_unit_test(test_skeleton),
	    cmocka_unit_test(test_find_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
