/* test_rb_lint.c: unit tests of runbook lint (rb_lint*.c): every broken
 * runbook under tests/fixtures/runbooks/broken/ gives the finding its
 * first line announces ("# expect: LINE:COL CODE: MESSAGE"), the example
 * runbooks pass --strict, and each check fires on a small runbook and
 * stays quiet on the fixed one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/xmalloc.h"
#include "runbook/rb_lint.h"

/* 2026-11-23T00:00:00Z, so review dates are deterministic. */
static const struct rb_lint_opts opts = {0, 1795392000000LL};
static const struct rb_lint_opts strict = {1, 1795392000000LL};

static char *path_of(const char *base, const char *rel)
{
	struct buf b = BUF_INIT;
	const char *v = getenv(base);

	buf_printf(&b, "%s/%s", v ? v : ".", rel);
	return buf_detach(&b, NULL);
}

static void check_broken(const char *file)
{
	struct buf text = BUF_INIT;
	struct rb_lint l = {0};
	struct ml_err err;
	char *paths[1] = {(char *)file}, code[64], *nl;
	const char *want;
	int line, col, n = 0;

	assert_int_equal(buf_read_file(&text, file, 1 << 20), 0);
	if (sscanf(buf_str(&text), "# expect: %d:%d %63[a-z-]: %n", &line, &col,
		   code, &n) != 3 ||
	    !n)
		fail_msg("%s: first line must be `# expect: L:C code: message`",
			 file);
	want = buf_str(&text) + n;
	if ((nl = strchr(want, '\n')))
		*nl = '\0';
	ml_err_clear(&err);
	assert_int_equal(rb_lint_paths(paths, 1, &opts, &l, &err), 0);
	for (size_t i = 0; i < l.n; i++) {
		const struct rb_finding *f = &l.v[i];

		if (f->line == line && f->col == col &&
		    !strcmp(f->code, code) && !strcmp(f->message, want) &&
		    f->level == RB_LINT_ERROR) {
			rb_lint_free(&l);
			buf_free(&text);
			return;
		}
	}
	for (size_t i = 0; i < l.n; i++)
		print_message("  got %d:%d %s: %s\n", l.v[i].line, l.v[i].col,
			      l.v[i].code, l.v[i].message);
	fail_msg("%s: no error %d:%d %s: %s", file, line, col, code, want);
}

static void test_broken_fixtures(void **state)
{
	char *dir = path_of("ML_FIXTURES", "runbooks/broken");
	char **files = NULL;
	size_t n = 0;
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	assert_int_equal(rb_find_files(dir, &files, &n, &err), 0);
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		check_broken(files[i]);
		free(files[i]);
	}
	free(files);
	free(dir);
}

static void test_examples_strict(void **state)
{
	char *dir = path_of("ML_SRC", "runbooks/examples");
	char *paths[1] = {dir};
	struct rb_lint l = {0};
	struct ml_err err;

	(void)state;
	ml_err_clear(&err);
	assert_int_equal(rb_lint_paths(paths, 1, &strict, &l, &err), 0);
	assert_true(l.files >= 3);
	for (size_t i = 0; i < l.n; i++)
		print_message("%s:%d: %s\n", l.v[i].file, l.v[i].line,
			      l.v[i].message);
	assert_int_equal(l.n, 0);
	rb_lint_free(&l);
	free(dir);
}

/* Lints text; returns the number of findings with code at level lv. */
static size_t count(const char *text, const struct rb_lint_opts *o,
		    const char *code, enum rb_lint_level lv)
{
	struct rb_runbook *rb = NULL;
	struct rb_lint l = {0};
	struct ml_err err;
	size_t n = 0;

	ml_err_clear(&err);
	if (rb_load_string(text, strlen(text), "t.yaml", &rb, &err) != 0)
		fail_msg("load: %d:%d %s", err.line, err.col, err.msg);
	rb_lint_runbook(rb, o, &l);
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.v[i].code, code) && l.v[i].level == lv)
			n++;
	rb_lint_free(&l);
	rb_free(rb);
	return n;
}

#define GOOD_TAIL                                                              \
	"title: t\nowner: o\nseverity: P3\nreviewed: 2026-11-01\n"             \
	"trigger: [\"alertname = X\"]\n"                                       \
	"prechecks: [{run: \"true\", read_only: true}]\n"                      \
	"verify: [{run: \"true\"}]\nrollback: {none: true, reason: r}\n"

static void test_standard(void **state)
{
	(void)state;
	assert_int_equal(
	    count("id: a\nprocedure: [{run: \"true\"}]\n" GOOD_TAIL, &strict,
		  "no-procedure", RB_LINT_ERROR),
	    0);
	assert_int_equal(
	    count("id: a\n" GOOD_TAIL, &opts, "no-procedure", RB_LINT_ERROR),
	    1);
	assert_int_equal(count("id: a\nprocedure: [{run: x}]\n", &opts,
			       "no-trigger", RB_LINT_WARNING),
			 1);
	assert_int_equal(count("id: a\nprocedure: [{run: x}]\n", &strict,
			       "no-trigger", RB_LINT_ERROR),
			 1);
	assert_int_equal(
	    count("id: a\nprocedure: [{run: x}]\nverify: [{wait: 1m}]\n", &opts,
		  "no-verify", RB_LINT_ERROR),
	    1);
	assert_int_equal(
	    count("id: a\nprocedure: [{run: x}]\nrollback: {none: true}\n",
		  &opts, "rollback-reason", RB_LINT_ERROR),
	    1);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(count("id: a\nprechecks: [{run: x}]\n", &opts,
			       "not-read-only", RB_LINT_WARNING),
			 1);
	assert_int_equal(count("id: a\nprechecks: [{run: x, read_only: true}]\n"
			       "diagnose: {steps: [{probe: gpu}]}\n",
			       &opts, "not-read-only", RB_LINT_WARNING),
			 0);
	assert_int_equal(count("id: a\nauto: true\nprocedure:\n"
			       "  - batch: n\n    steps: [{confirm: ok?}]\n",
			       &opts, "auto-confirm", RB_LINT_WARNING),
			 1);
	assert_int_equal(count("id: a\nprocedure: [{confirm: ok?}]\n", &opts,
			       "auto-confirm", RB_LINT_WARNING),
			 0);
}

static void test_review(void **state)
{
	(void)state;
	/* reviewed 2026-11-01, now 2026-11-23: fine with 90d, late with 7d */
	assert_int_equal(count("id: a\nreviewed: 2026-11-01\n", &opts,
			       "review-overdue", RB_LINT_WARNING),
			 0);
	assert_int_equal(
	    count("id: a\nreviewed: 2026-11-01\nreview_every: 7d\n", &opts,
		  "review-overdue", RB_LINT_WARNING),
	    1);
	assert_int_equal(
	    count("id: a\nreviewed: 2026-11-01\nreview_every: 7d\n", &strict,
		  "review-overdue", RB_LINT_ERROR),
	    1);
	assert_int_equal(count("id: a\n", &opts, "no-review", RB_LINT_WARNING),
			 1);
	assert_int_equal(count("id: a\nreviewed: 2027-06-01\n", &opts,
			       "review-in-future", RB_LINT_WARNING),
			 1);
}

static void test_params(void **state)
{
	(void)state;
	assert_int_equal(count("id: a\nparams: {ns: {default: d}, n: {}}\n"
			       "procedure:\n  - run: echo \"$ns\"\n",
			       &opts, "unused-param", RB_LINT_WARNING),
			 1);
	/* every way to use a param counts */
	assert_int_equal(
	    count("id: a\nparams: {a: {}, b: {}, c: {}, d: {}, e: {}, f: {}}\n"
		  "procedure:\n"
		  "  - run: echo ${a:-x} $((b / 2)) $ML_PARAM_C\n"
		  "  - probe: oom\n    with: {from: \"{{ d }}\"}\n"
		  "    expect: \"params.e == 'x' and params['f']\"\n",
		  &opts, "unused-param", RB_LINT_WARNING),
	    0);
	assert_int_equal(
	    count("id: a\nparams: {ns: {}}\nprocedure:\n"
		  "  - run: echo \"$nss\" $HOME '$quoted'; for x in 1; "
		  "do echo $x; done; y=1; echo $y\n",
		  &opts, "undefined-param", RB_LINT_WARNING),
	    1); /* only $nss: not $HOME, '$quoted', $x, $y */
}

static void test_shell_refs_scan(void **state)
{
	(void)state;
	/* covered through lint above; a direct look at assignments */
	assert_int_equal(count("id: a\nprocedure:\n  - run: read -r line; echo "
			       "\"$line\"; export v=1; echo $v\n",
			       &opts, "undefined-param", RB_LINT_WARNING),
			 0);
}

static void test_facts_and_remedies(void **state)
{
	(void)state;
	assert_int_equal(
	    count("id: a\ndiagnose:\n  steps: [{probe: gpu}]\n"
		  "  cases: [{when: \"gpus.count > 1\", cause: c}]\n",
		  &opts, "unknown-fact", RB_LINT_WARNING),
	    1);
	assert_int_equal(
	    count(
		"id: a\ndiagnose:\n  steps: [{probe: command, as: d,"
		" with: {cmd: \"true\"}}]\n"
		"  cases: [{when: \"d.x > 1 and (function() local n = 1;"
		" return n end)() == 1 and math.max(1, 2) == 2\", cause: c}]\n",
		&opts, "unknown-fact", RB_LINT_WARNING),
	    0);
	assert_int_equal(count("id: a\nremedies: {r: [{run: x}]}\n", &opts,
			       "unused-remedy", RB_LINT_WARNING),
			 1);
	assert_int_equal(
	    count("id: a\nprocedure: [{run: x}]\ndiagnose:\n"
		  "  cases: [{when: \"true\", cause: c, remedy: r}]\n"
		  "remedies: {r: [{run: x}]}\n",
		  &opts, "procedure-ignored", RB_LINT_WARNING),
	    1);
	assert_int_equal(
	    count("id: a\nparams: {p: {}}\nprocedure:\n"
		  "  - probe: command\n    with: {cmd: \"ls {{p}}\"}\n",
		  &opts, "template-in-shell", RB_LINT_WARNING),
	    1);
	assert_int_equal(
	    count("id: a\nparams: {p: {pattern: \"[a-z]+\"}}\nprocedure:\n"
		  "  - probe: command\n    with: {cmd: \"ls {{p}}\"}\n",
		  &opts, "template-in-shell", RB_LINT_WARNING),
	    0);
	assert_int_equal(
	    count("id: a\nparams: {nodes: {}}\nprocedure:\n"
		  "  - batch: \"gpu.bad_nodes\"\n    steps: [{run: x}]\n",
		  &opts, "unknown-fact", RB_LINT_WARNING),
	    1);
}

static void test_duplicates_and_json(void **state)
{
	char *a = path_of("ML_SRC", "runbooks/examples/gpu-oom.yaml");
	char *paths[2] = {a, a};
	struct rb_lint l = {0};
	struct ml_err err;
	json_t *j, *f;

	(void)state;
	ml_err_clear(&err);
	assert_int_equal(rb_lint_paths(paths, 2, &opts, &l, &err), 0);
	assert_int_equal(l.files, 2);
	assert_int_equal(l.errors, 1);
	j = rb_lint_json(&l);
	f = json_array_get(json_object_get(j, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "code")),
			    "duplicate-id");
	assert_string_equal(json_string_value(json_object_get(f, "level")),
			    "error");
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 1);
	json_decref(j);
	rb_lint_free(&l);
	paths[0] = "/nonexistent/runbooks";
	assert_int_equal(rb_lint_paths(paths, 1, &opts, &l, &err),
			 ML_ENOTFOUND);
	rb_lint_free(&l);
	free(a);
}

/* Loads and lints text; must never crash (ASan watches), and a load
 * failure must carry a message and a position inside the text. */
static void survive(const char *text, size_t len)
{
	struct rb_runbook *rb = NULL;
	struct rb_lint l = {0};
	struct ml_err err;

	ml_err_clear(&err);
	if (rb_load_string(text, len, "m.yaml", &rb, &err) != 0) {
		assert_true(err.msg[0] != '\0');
		assert_true(err.line >= 1 && err.line <= 2000);
		return;
	}
	rb_lint_runbook(rb, &opts, &l);
	rb_lint_free(&l);
	rb_free(rb);
}

/* Every prefix of each example (truncated files) and a few thousand
 * seeded byte mutations load or fail cleanly. */
static void test_mutations(void **state)
{
	static const char *const ex[] = {
	    "runbooks/examples/gpu-oom.yaml",
	    "runbooks/examples/rolling-restart.yaml"};
	static const char junk[] = "\t\n\r\0\"'{}[]:-#&*!|>%@`$\\\xff\xc3";
	unsigned seed = 12345;

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		char *path = path_of("ML_SRC", ex[e]);
		struct buf b = BUF_INIT;
		char *copy;

		assert_int_equal(buf_read_file(&b, path, 1 << 20), 0);
		for (size_t n = 0; n <= b.len; n += 7)
			survive(buf_str(&b), n);
		copy = xmalloc(b.len + 1);
		for (int i = 0; i < 1500; i++) {
			memcpy(copy, buf_str(&b), b.len + 1);
			for (int k = 0; k < 3; k++) {
				seed = seed * 1103515245u + 12345u;
				copy[(seed >> 8) % b.len] =
				    junk[(seed >> 20) % (sizeof(junk) - 1)];
			}
			survive(copy, b.len);
		}
		free(copy);
		buf_free(&b);
		free(path);
	}
}

static void count_ref(void *ctx, const char *name, int flag)
{
	(void)flag;
	assert_true(name[0] != '\0');
	(*(int *)ctx)++;
}

/* The lexical scanners see hostile text (random bytes, unterminated
 * quotes, brackets and comments) without reading out of bounds. */
static void test_scanners_random(void **state)
{
	static const char alphabet[] = "ab_$({})[]'\"\\=-.:,#\n \t0e+x"
				       "params.locfunctin[[]]==--";
	unsigned seed = 99;
	char text[200];
	int n = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % (sizeof(text) - 1);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			text[k] =
			    alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		text[len] = '\0';
		rb_lint_shell_refs(text, count_ref, &n);
		rb_lint_lua_refs(text, count_ref, &n);
	}
	assert_true(n > 0);
	n = 0;
	rb_lint_lua_refs("a.b + c:d() + params.x + params['y'] + 'q' .. e "
			 "-- f\n + [[g]] + (function(h) local i = h return i "
			 "end)(j) + {k = 1}",
			 count_ref, &n);
	/* globals a c params params e j, then params x and y */
	assert_int_equal(n, 8);
}

/* A runbook of 5,000 steps loads and lints quickly. */
static void test_large_runbook(void **state)
{
	struct buf b = BUF_INIT;
	struct rb_runbook *rb = NULL;
	struct rb_lint l = {0};
	struct ml_err err;
	int64_t t0 = time_mono_ms();

	(void)state;
	buf_puts(&b, "id: big\nprocedure:\n");
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "  - run: echo %d\n    name: step %d\n", i, i);
	ml_err_clear(&err);
	assert_int_equal(
	    rb_load_string(buf_str(&b), b.len, "big.yaml", &rb, &err), 0);
	assert_int_equal(rb->procedure.n, 5000);
	rb_lint_runbook(rb, &opts, &l);
	assert_true(l.n > 0);
	assert_true(time_mono_ms() - t0 < 10000);
	rb_lint_free(&l);
	rb_free(rb);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_broken_fixtures),
	    cmocka_unit_test(test_examples_strict),
	    cmocka_unit_test(test_standard),
	    cmocka_unit_test(test_review),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_shell_refs_scan),
	    cmocka_unit_test(test_facts_and_remedies),
	    cmocka_unit_test(test_duplicates_and_json),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_scanners_random),
	    cmocka_unit_test(test_large_runbook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
