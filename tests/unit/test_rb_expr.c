/* test_rb_expr.c: unit tests of the Lua expression sandbox (rb_expr.c,
 * rb_expr_lua.c): evaluation over facts and params, error positions, and
 * attempts to escape the sandbox or exhaust it, which must all fail with
 * a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runbook/rb_expr.h"

struct fx {
	struct rb_expr_env *env;
};

static int setup(void **state)
{
	static struct fx f;
	json_error_t je;
	json_t *facts = json_loads(
	    "{\"gpu\": {\"memory_used_pct\": 97.5, \"count\": 8,"
	    "  \"gpus\": [{\"index\": 0, \"temp_c\": 81},"
	    "             {\"index\": 1, \"temp_c\": 60}],"
	    "  \"verdict\": \"degraded\", \"mig\": null},"
	    " \"oom\": {\"reserved_gib\": 20.5, \"allocated_gib\": 10,"
	    "  \"capacity_gib\": 30},"
	    " \"flag\": true, \"name\": \"llm\"}",
	    0, &je);
	json_t *params = json_pack("{s:s, s:s}", "deployment", "llm-serve",
				   "batch_size", "32");
	struct ml_err err;

	ml_err_clear(&err);
	assert_non_null(facts);
	if (rb_expr_env_new(facts, params, &f.env, &err) != 0)
		fail_msg("env: %s", err.msg);
	json_decref(facts);
	json_decref(params);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rb_expr_env_free(f->env);
	return 0;
}

static int eval(void **state, const char *expr, int *res, struct ml_err *err)
{
	struct fx *f = *state;

	ml_err_clear(err);
	return rb_expr_eval_bool(f->env, expr, "rb.yaml", 10, 5, res, err);
}

static void is_true(void **state, const char *expr)
{
	struct ml_err err;
	int r = -1;

	if (eval(state, expr, &r, &err) != 0)
		fail_msg("`%s`: %s", expr, err.msg);
	if (r != 1)
		fail_msg("`%s` should be true", expr);
}

static void is_false(void **state, const char *expr)
{
	struct ml_err err;
	int r = -1;

	if (eval(state, expr, &r, &err) != 0)
		fail_msg("`%s`: %s", expr, err.msg);
	if (r != 0)
		fail_msg("`%s` should be false", expr);
}

/* expr must fail; the message must contain want. */
static void fails(void **state, const char *expr, const char *want)
{
	struct ml_err err;
	int r = -1;

	if (eval(state, expr, &r, &err) == 0)
		fail_msg("`%s` should fail, gave %d", expr, r);
	if (!strstr(err.msg, want))
		fail_msg("`%s`: message `%s` lacks `%s`", expr, err.msg, want);
	assert_string_equal(err.file, "rb.yaml");
	assert_true(err.line >= 10);
}

static void test_facts(void **state)
{
	is_true(state, "gpu.memory_used_pct > 95");
	is_true(
	    state,
	    "oom.reserved_gib - oom.allocated_gib > 0.3 * oom.capacity_gib");
	is_true(state, "gpu.gpus[1].temp_c == 81 and #gpu.gpus == 2");
	is_true(state, "gpu.verdict == 'degraded'");
	is_true(state, "flag and name == 'llm'");
	is_true(state, "params.deployment == 'llm-serve'");
	is_true(state, "tonumber(params.batch_size) // 2 == 16");
	is_true(state, "gpu.mig == nil");
	is_true(state, "string.find(name, 'll') == 1");
	is_true(state, "math.max(1, 2) == 2");
	is_true(state, "(function() local n = 0; for _, g in ipairs(gpu.gpus) "
		       "do if g.temp_c > 70 then n = n + 1 end end; return n "
		       "end)() == 1");
	is_true(state, "(function() local n = 0; for k in pairs(oom) do n = "
		       "n + 1 end; return n end)() == 3");
	is_true(state, "name:upper() == 'LLM'");
	is_false(state, "missing_probe");
	is_false(state, "gpu.no_such_fact");
	is_false(state, "nil");
	is_true(state, "gpu.count == 8 -- a trailing comment");
}

static void test_json_and_set(void **state)
{
	struct fx *f = *state;
	struct ml_err err;
	json_t *j = NULL, *v = json_pack("{s:i}", "status", 200);
	int r = 0;

	ml_err_clear(&err);
	assert_int_equal(rb_expr_eval_json(f->env, "{gpu.count, 'a', {x = 1}}",
					   "f", 1, 1, &j, &err),
			 0);
	assert_true(json_is_array(j));
	assert_int_equal(json_integer_value(json_array_get(j, 0)), 8);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(j, 2), "x")), 1);
	json_decref(j);
	assert_int_equal(
	    rb_expr_eval_json(f->env, "gpu.gpus", "f", 1, 1, &j, &err), 0);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	assert_int_equal(rb_expr_env_set(f->env, "http", v, &err), 0);
	json_decref(v);
	assert_int_equal(rb_expr_eval_bool(f->env, "http.status == 200", "f", 1,
					   1, &r, &err),
			 0);
	assert_int_equal(r, 1);
	assert_int_equal(rb_expr_env_set(f->env, "http", NULL, &err), 0);
	assert_int_equal(
	    rb_expr_eval_bool(f->env, "http == nil", "f", 1, 1, &r, &err), 0);
	assert_int_equal(r, 1);
}

static void test_errors(void **state)
{
	struct ml_err err;

	fails(state, "gpu.memory_used_pct >", "unexpected symbol");
	fails(state, "missing.x > 1", "attempt to index a nil value");
	fails(state, "gpu.verdict > 3", "attempt to compare");
	fails(state, "", "empty expression");
	fails(state, "1) ; os.exit((1", "expected");
	ml_err_clear(&err);
	assert_int_equal(rb_expr_check("a >", "x.yaml", 3, 7, &err), ML_EINPUT);
	assert_string_equal(err.file, "x.yaml");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 7);
	assert_int_equal(
	    rb_expr_check("a and\n b and\n )", "x.yaml", 3, 7, &err),
	    ML_EINPUT);
	assert_int_equal(err.line, 5);
	assert_int_equal(
	    rb_expr_check("gpu.x > 1 and params.y == 'z'", "x", 1, 1, &err), 0);
	assert_int_not_equal(rb_expr_check("   ", "x", 1, 1, &err), 0);
	/* statements are not expressions */
	assert_int_not_equal(rb_expr_check("x = 1", "x", 1, 1, &err), 0);
}

static void test_escapes(void **state)
{
	fails(state, "io.open('/etc/passwd')", "attempt to index a nil value");
	fails(state, "os.execute('touch /tmp/pwned')",
	      "attempt to index a nil");
	fails(state, "require('os')", "attempt to call a nil value");
	fails(state, "load('return 1')()", "attempt to call a nil value");
	fails(state, "loadstring('return 1')", "attempt to call a nil value");
	fails(state, "dofile('/etc/passwd')", "attempt to call a nil value");
	fails(state, "loadfile('/etc/passwd')", "attempt to call a nil value");
	fails(state, "collectgarbage('count')", "attempt to call a nil value");
	fails(state, "debug.getinfo(1)", "attempt to index a nil value");
	fails(state, "rawset(gpu, 'x', 1)", "attempt to call a nil value");
	fails(state, "rawget(gpu, 'x')", "attempt to call a nil value");
	fails(state, "setmetatable(gpu, nil)", "attempt to call a nil value");
	fails(state, "getmetatable('').__index.dump", "attempt to call a nil");
	fails(state, "string.dump(function() end)", "attempt to call a nil");
	fails(state, "('').dump(function() end)", "attempt to call a nil");
	fails(state, "coroutine.wrap(function() end)",
	      "attempt to index a nil");
	fails(state, "pcall(error, 'x')", "attempt to call a nil value");
	fails(state, "print('x')", "attempt to call a nil value");
	fails(state, "_G.os", "attempt to index a nil value");
	fails(state, "package.loaded.os", "attempt to index a nil value");
	is_true(state, "_ENV.os == nil and _ENV.io == nil");
	/* writes: facts, libraries, globals */
	fails(state, "(function() gpu.count = 0 end)()", "read-only");
	fails(state, "(function() gpu.gpus[1].temp_c = 0 end)()", "read-only");
	fails(state, "(function() table.insert(gpu.gpus, 1) end)()",
	      "read-only");
	fails(state, "(function() string.rep = nil end)()", "read-only");
	fails(state, "(function() params.deployment = 'x' end)()", "read-only");
	fails(state, "(function() tostring = print end)()", "cannot assign");
	fails(state, "(function() x = 1 end)()", "cannot assign the global");
	fails(state, "(function() _ENV.gpu = nil end)()", "cannot assign");
	is_true(state, "gpu.count == 8"); /* unchanged after the attempts */
	/* pairs must not hand out the writable table behind a proxy */
	fails(state, "(function() local _, t = pairs(gpu); t.count = 1 end)()",
	      "read-only");
	is_true(state, "gpu.count == 8");
}

static void test_limits(void **state)
{
	fails(state, "string.rep('x', 1e10)", "string.rep: result too large");
	fails(state, "('x'):rep(1e9)", "string.rep: result too large");
	fails(state, "string.rep('', 1e12)", "string.rep: result too large");
	is_true(state, "#string.rep('ab', 3, ',') == 8");
	fails(state, "(function() while true do end end)()",
	      "instruction limit exceeded");
	fails(state,
	      "(function() local function f() return f() end "
	      "return f() end)()",
	      "instruction limit exceeded");
	fails(state,
	      "(function() local function f(n) return 1 + f(n + 1) "
	      "end return f(1) end)()",
	      "memory limit exceeded");
	fails(state,
	      "(function() local t = {} for i = 1, 1e8 do t[i] = "
	      "('x'):rep(100) .. i end end)()",
	      "limit exceeded");
	fails(state,
	      "(function() local s = ('x'):rep(1000000) local t = {} "
	      "for i = 1, 100 do t[i] = s .. i end end)()",
	      "memory limit exceeded");
	fails(state, "string.find(('a'):rep(100000), '.-.-.-.-b')",
	      "too costly");
	is_true(state, "string.find(('a'):rep(100000) .. 'b', 'b', 1, true) "
		       "== 100001");
	fails(state,
	      "(function() local s = 'x' for i = 1, 40 do s = s .. s "
	      "end end)()",
	      "memory limit exceeded");
	/* the environment still works after hitting the limits */
	is_true(state, "gpu.count == 8");
}

static void test_deep_facts(void **state)
{
	json_t *root = json_object(), *cur = root;
	struct rb_expr_env *env = NULL;
	struct ml_err err;

	(void)state;
	for (int i = 0; i < 200; i++) {
		json_t *n = json_object();
		json_object_set_new(cur, "a", n);
		cur = n;
	}
	ml_err_clear(&err);
	assert_int_not_equal(rb_expr_env_new(root, NULL, &env, &err), 0);
	assert_null(env);
	assert_non_null(strstr(err.msg, "nested deeper"));
	json_decref(root);
	rb_expr_env_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_facts),  cmocka_unit_test(test_json_and_set),
	    cmocka_unit_test(test_errors), cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_limits), cmocka_unit_test(test_deep_facts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
