/* test_rb_load.c: unit tests of the runbook loader (rb_load*.c, rb_match.c,
 * rb_files.c): the example runbooks load with every field, matchers follow
 * Alertmanager semantics, every broken runbook under
 * tests/fixtures/runbooks/broken/ fails with its expected message, and a
 * folder loads as a whole (rb_load_dir) or by id (rb_find_by_id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "runbook/rb.h"

static char *src_path(const char *rel)
{
	struct buf b = BUF_INIT;
	const char *src = getenv("ML_SRC");

	buf_printf(&b, "%s/%s", src ? src : "../..", rel);
	return buf_detach(&b, NULL);
}

static struct rb_runbook *load_ok(const char *text)
{
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	ml_err_clear(&err);
	if (rb_load_string(text, strlen(text), "t.yaml", &rb, &err) != 0)
		fail_msg("unexpected error: %s:%d:%d: %s", err.file, err.line,
			 err.col, err.msg);
	return rb;
}

/* Loads text that must fail; checks line and that msg contains want. */
static void load_bad(const char *text, int line, const char *want)
{
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	ml_err_clear(&err);
	assert_int_not_equal(
	    rb_load_string(text, strlen(text), "t.yaml", &rb, &err), 0);
	assert_null(rb);
	if (!strstr(err.msg, want))
		fail_msg("message `%s` lacks `%s`", err.msg, want);
	if (line && err.line != line)
		fail_msg("line %d, expected %d (%s)", err.line, line, err.msg);
}

static void test_gpu_oom_example(void **state)
{
	char *path = src_path("runbooks/examples/gpu-oom.yaml");
	struct rb_runbook *rb = NULL;
	struct ml_err err;
	const struct rb_param *p;

	(void)state;
	ml_err_clear(&err);
	if (rb_load_file(path, &rb, &err) != 0)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	assert_string_equal(rb->id, "gpu-oom");
	assert_int_equal(rb->severity, RB_P2);
	assert_string_equal(rb->owner, "ml-platform");
	assert_int_equal(rb->n_trigger, 1);
	assert_int_equal(rb->trigger[0].op, RB_MATCH_RE);
	assert_string_equal(rb->trigger[0].value,
			    "CUDAOutOfMemory|PodOOMKilled");
	assert_int_equal(rb->n_params, 4);
	p = rb_param_find(rb, "batch_size");
	assert_non_null(p);
	assert_int_equal(p->type, RB_PT_INT);
	assert_string_equal(p->dflt, "32");
	assert_true(rb_param_find(rb, "deployment")->required);
	assert_null(rb_param_find(rb, "nope"));
	assert_int_equal(rb->prechecks.n, 1);
	assert_true(rb->prechecks.v[0].read_only);
	assert_int_equal(rb->diagnose.n, 2);
	assert_int_equal(rb->diagnose.v[1].kind, RB_STEP_PROBE);
	assert_string_equal(
	    json_string_value(json_object_get(rb->diagnose.v[1].with, "from")),
	    "{{log_file}}");
	assert_int_equal(rb->n_cases, 2);
	assert_string_equal(rb->cases[1].remedy, "halve-batch");
	assert_non_null(rb_remedy_find(rb, "halve-batch"));
	assert_int_equal(rb_remedy_find(rb, "halve-batch")->steps.n, 3);
	assert_int_equal(rb_remedy_find(rb, "halve-batch")->steps.v[0].kind,
			 RB_STEP_CONFIRM);
	assert_int_equal(rb->verify.v[0].wait_ms, 120000);
	assert_int_equal(rb->verify.v[1].retries, 5);
	assert_int_equal(rb->verify.v[1].interval_ms, 30000);
	assert_int_equal(rb->rollback.n, 2);
	assert_int_equal(rb->rollback.v[1].timeout_ms, 150000);
	assert_int_equal(rb->reviewed_ms, 1793491200000LL);
	assert_int_equal(rb->review_every_ms, 90LL * 86400000);
	assert_int_equal(rb->max_attempts, 1);
	assert_string_equal(jget_str(rb->contacts, "primary", ""), "ml-oncall");
	assert_int_equal(rb->n_acceptance, 1);
	assert_int_equal(rb->at_verify.line > 0, 1);
	rb_free(rb);
	free(path);
}

static void test_batch_example(void **state)
{
	char *path = src_path("runbooks/examples/rolling-restart.yaml");
	struct rb_runbook *rb = NULL;
	struct ml_err err;
	const struct rb_step *b;

	(void)state;
	ml_err_clear(&err);
	if (rb_load_file(path, &rb, &err) != 0)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	b = &rb->procedure.v[1];
	assert_int_equal(b->kind, RB_STEP_BATCH);
	assert_string_equal(b->items, "nodes");
	assert_int_equal(b->parallel, 1);
	assert_int_equal(b->before.n, 2);
	assert_int_equal(b->steps.n, 2);
	assert_int_equal(b->after.n, 1);
	assert_int_equal(b->steps.v[1].kind, RB_STEP_WAIT);
	assert_string_equal(rb->procedure.v[0].prompt,
			    "Restart the listed nodes one at a time?");
	assert_string_equal(rb->procedure.v[2].channel, "ml-serving");
	rb_free(rb);
	free(path);
}

static void test_disk_full_example(void **state)
{
	char *path = src_path("runbooks/examples/disk-full.yaml");
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	if (rb_load_file(path, &rb, &err) != 0)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	assert_true(rb->rollback_none);
	assert_non_null(rb->rollback_reason);
	assert_int_equal(rb->rollback.n, 0);
	assert_string_equal(rb->diagnose.v[0].as, "disk");
	rb_free(rb);
	free(path);
}

static void test_minimal_defaults(void **state)
{
	struct rb_runbook *rb = load_ok("id: x\n");

	(void)state;
	assert_int_equal(rb->severity, RB_SEV_NONE);
	assert_int_equal(rb->max_attempts, 1);
	assert_int_equal(rb->review_every_ms, 90LL * 86400000);
	assert_int_equal(rb->reviewed_ms, 0);
	assert_int_equal(rb->n_trigger, 0);
	assert_false(rb_matches(rb, NULL));
	rb_free(rb);
}

static void test_step_forms(void **state)
{
	struct rb_runbook *rb = load_ok("id: x\n"
					"procedure:\n"
					"  - confirm: true\n"
					"    prompt: sure?\n"
					"  - notify: true\n"
					"    message: hi\n"
					"  - batch: true\n"
					"    items: \"facts.nodes\"\n"
					"    parallel: 3\n"
					"    steps: [ {run: \"echo $ITEM\"} ]\n"
					"  - run: |\n"
					"      echo one\n"
					"      echo two\n"
					"    timeout: 1h30m\n"
					"    expect: \"true\"\n"
					"    within: 2m\n");
	const struct rb_steps *s = &rb->procedure;

	(void)state;
	assert_int_equal(s->n, 4);
	assert_string_equal(s->v[0].prompt, "sure?");
	assert_string_equal(s->v[1].message, "hi");
	assert_string_equal(s->v[2].items, "facts.nodes");
	assert_int_equal(s->v[2].parallel, 3);
	assert_string_equal(s->v[3].run, "echo one\necho two\n");
	assert_int_equal(s->v[3].timeout_ms, 5400000);
	assert_int_equal(s->v[3].within_ms, 120000);
	assert_int_equal(s->v[3].expect_line, 15);
	rb_free(rb);
}

static void test_params_forms(void **state)
{
	struct rb_runbook *rb = load_ok(
	    "id: x\n"
	    "params:\n"
	    "  a:\n"
	    "  b: hello\n"
	    "  c: { type: bool, default: false }\n"
	    "  d: { enum: [small, large], default: small, secret: true }\n"
	    "  e: { type: duration, default: 5m }\n");
	struct ml_err err;

	(void)state;
	assert_int_equal(rb->n_params, 5);
	assert_null(rb->params[0].dflt);
	assert_string_equal(rb->params[1].dflt, "hello");
	assert_int_equal(rb->params[2].type, RB_PT_BOOL);
	assert_int_equal(rb->params[3].n_choices, 2);
	assert_true(rb->params[3].secret);
	ml_err_clear(&err);
	assert_int_equal(rb_param_validate(&rb->params[3], "large", &err), 0);
	assert_int_not_equal(rb_param_validate(&rb->params[3], "huge", &err),
			     0);
	assert_non_null(strstr(err.msg, "not one of"));
	assert_int_not_equal(rb_param_validate(&rb->params[4], "5", &err), 0);
	assert_int_equal(rb_param_validate(&rb->params[4], "90s", &err), 0);
	rb_free(rb);
}

static void test_pattern_anchored(void **state)
{
	struct rb_runbook *rb =
	    load_ok("id: x\nparams:\n  d: { pattern: \"[a-z]+\" }\n"
		    "  e: { pattern: \"^[a-z]+$\" }\n");
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	assert_int_equal(rb_param_validate(&rb->params[0], "abc", &err), 0);
	assert_int_not_equal(rb_param_validate(&rb->params[0], "abc1", &err),
			     0);
	assert_int_not_equal(rb_param_validate(&rb->params[0], "1abc", &err),
			     0);
	assert_int_not_equal(rb_param_validate(&rb->params[0], "$(x)", &err),
			     0);
	assert_int_equal(rb_param_validate(&rb->params[1], "abc", &err), 0);
	assert_int_not_equal(rb_param_validate(&rb->params[1], "ab c", &err),
			     0);
	rb_free(rb);
}

static void test_matchers(void **state)
{
	struct rb_runbook *rb =
	    load_ok("id: x\ntrigger:\n"
		    "  - alertname =~ \"CUDAOutOfMemory|PodOOMKilled\"\n"
		    "  - 'team != infra'\n"
		    "  - env !~ \"dev.*\"\n"
		    "  - 'sev=\"a \\\" b\"'\n");
	json_t *l = json_pack("{s:s, s:s, s:s}", "alertname", "PodOOMKilled",
			      "env", "prod", "sev", "a \" b");

	(void)state;
	assert_int_equal(rb->n_trigger, 4);
	assert_int_equal(rb->trigger[1].op, RB_MATCH_NE);
	assert_string_equal(rb->trigger[1].value, "infra");
	assert_string_equal(rb->trigger[3].value, "a \" b");
	assert_true(rb_matches(rb, l));
	/* anchored: a prefix or suffix is not a match */
	json_object_set_new(l, "alertname", json_string("PodOOMKilledX"));
	assert_false(rb_matches(rb, l));
	json_object_set_new(l, "alertname", json_string("CUDAOutOfMemory"));
	assert_true(rb_matches(rb, l));
	/* !~ dev.* : dev-1 excluded; a missing env is "" and passes */
	json_object_set_new(l, "env", json_string("dev-1"));
	assert_false(rb_matches(rb, l));
	json_object_del(l, "env");
	assert_true(rb_matches(rb, l));
	json_object_set_new(l, "team", json_string("infra"));
	assert_false(rb_matches(rb, l));
	json_decref(l);
	rb_free(rb);
}

static void test_matcher_parse_errors(void **state)
{
	struct rb_matcher m;
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	assert_int_not_equal(rb_matcher_parse("alertname", &m, &err), 0);
	assert_non_null(strstr(err.msg, "operator"));
	assert_int_not_equal(rb_matcher_parse("= x", &m, &err), 0);
	assert_int_not_equal(rb_matcher_parse("a = \"x", &m, &err), 0);
	assert_int_not_equal(rb_matcher_parse("a = \"x\" y", &m, &err), 0);
	assert_int_equal(rb_matcher_parse("a==b", &m, &err), 0);
	assert_int_equal(m.op, RB_MATCH_EQ);
	assert_string_equal(m.value, "b");
	rb_matcher_free(&m);
	assert_int_equal(rb_matcher_parse("  a =  ", &m, &err), 0);
	assert_string_equal(m.value, "");
	rb_matcher_free(&m);
	rb_matcher_free(NULL);
}

static void test_severity(void **state)
{
	enum rb_severity s;

	(void)state;
	assert_int_equal(rb_severity_parse("p3", &s), 0);
	assert_int_equal(s, RB_P3);
	assert_int_equal(rb_severity_parse("critical", &s), 0);
	assert_int_equal(s, RB_P1);
	assert_int_equal(rb_severity_parse("Warning", &s), 0);
	assert_int_equal(s, RB_P3);
	assert_int_equal(rb_severity_parse("P5", &s), -1);
	assert_int_equal(rb_severity_parse("", &s), -1);
	assert_int_equal(rb_severity_parse(NULL, &s), -1);
	assert_string_equal(rb_severity_name(RB_P4), "P4");
	assert_string_equal(rb_severity_name(RB_SEV_NONE), "");
	assert_string_equal(rb_step_kind_name(RB_STEP_BATCH), "batch");
	assert_string_equal(rb_param_type_name(RB_PT_DURATION), "duration");
}

static void test_inline_errors(void **state)
{
	(void)state;
	load_bad("id: x\nremedys: {}\n", 2, "did you mean `remedies`?");
	load_bad("id: x\nverify:\n  - run: a\n    probe: b\n", 4,
		 "has both `run` (line 3) and `probe`");
	load_bad("id: x\nverify:\n  - name: a\n", 3, "exactly one of");
	load_bad("id: x\nverify:\n  - prob: gpu\n", 3, "did you mean `probe`?");
	load_bad("id: x\nverify:\n  - run: a\n    with: {}\n", 4,
		 "`with` does not belong in a run step");
	load_bad("title: t\n", 1, "needs `id:`");
	load_bad("", 0, "empty runbook");
	load_bad("- a\n", 1, "at the top level, got a list");
	load_bad("id: x\nprocedure:\n  - batch: n\n", 3, "needs `steps:`");
	load_bad("id: x\nparams:\n  a: {required: true, default: b}\n", 3,
		 "keep one");
	load_bad("id: x\nparams:\n  a: {type: int, default: many}\n", 3,
		 "expected a whole number");
	load_bad("id: x\nparams:\n  a: {type: integer}\n", 3,
		 "did you mean `int`?");
	load_bad("id: x\nrollback: {none: true, reasn: x}\n", 2,
		 "did you mean `reason`?");
	load_bad("id: x\nrollback: {none: false}\n", 2, "can only be true");
	load_bad("id: x\n\tseverity: P1\n", 2, "tab");
}

static void test_huge_and_nul(void **state)
{
	size_t n = 17u * 1024 * 1024;
	char *big = xmalloc(n);
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	(void)state;
	memset(big, '#', n);
	ml_err_clear(&err);
	assert_int_equal(rb_load_string(big, n, "big.yaml", &rb, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "larger than"));
	free(big);
	load_bad("id: \"a\\0b\"\n", 1, "NUL");
}

/* rb_load_dir keeps every file, loaded or not, in order, across calls;
 * rb_find_by_id finds an id and suggests the nearest one. */
static void test_load_dir(void **state)
{
	char *ex = src_path("runbooks/examples"),
	     *broken = src_path("tests/fixtures/runbooks/broken");
	struct rb_dir d = {0};
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	assert_int_equal(rb_load_dir(ex, &d, &err), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.loaded, 3);
	assert_string_equal(d.rbs[0]->id, "disk-full");
	assert_string_equal(d.rbs[2]->id, "rolling-restart");
	assert_int_equal(rb_load_dir(broken, &d, &err), 0);
	assert_true(d.n > 3);
	assert_true(d.loaded > 3 && d.loaded < d.n); /* some only lint */
	assert_null(d.rbs[3]);
	assert_int_not_equal(d.errs[3].code, 0);
	assert_true(strstr(d.paths[3], "001-empty.yaml") != NULL);
	assert_int_not_equal(rb_load_dir("/nonexistent/rb", &d, &err), 0);
	rb_dir_free(&d);
	rb_dir_free(&d);

	assert_int_equal(rb_find_by_id(ex, "gpu-oom", &rb, &err), 0);
	assert_string_equal(rb->id, "gpu-oom");
	rb_free(rb);
	assert_int_equal(rb_find_by_id(ex, "gpu-om", &rb, &err), ML_ENOTFOUND);
	assert_null(rb);
	assert_non_null(strstr(err.msg, "did you mean `gpu-oom`?"));
	free(ex);
	free(broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gpu_oom_example),
	    cmocka_unit_test(test_batch_example),
	    cmocka_unit_test(test_disk_full_example),
	    cmocka_unit_test(test_minimal_defaults),
	    cmocka_unit_test(test_step_forms),
	    cmocka_unit_test(test_params_forms),
	    cmocka_unit_test(test_pattern_anchored),
	    cmocka_unit_test(test_matchers),
	    cmocka_unit_test(test_matcher_parse_errors),
	    cmocka_unit_test(test_severity),
	    cmocka_unit_test(test_inline_errors),
	    cmocka_unit_test(test_huge_and_nul),
	    cmocka_unit_test(test_load_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
