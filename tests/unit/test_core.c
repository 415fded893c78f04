/* test_core.c: unit tests of src/core: durations, times, buffers, YAML
 * documents, process running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "core/ydoc.h"

static void test_dur_parse(void **state)
{
	int64_t ms;
	(void)state;
	assert_int_equal(dur_parse("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(dur_parse("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(dur_parse("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(dur_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(dur_parse("90d", &ms), 0);
	assert_int_equal(ms, 90LL * 86400000);
	assert_int_equal(dur_parse("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(dur_parse("", &ms), -1);
	assert_int_equal(dur_parse("5", &ms), -1);
	assert_int_equal(dur_parse("5x", &ms), -1);
	assert_int_equal(dur_parse("m5", &ms), -1);
	assert_int_equal(dur_parse("-5s", &ms), -1);
	assert_int_equal(dur_parse("99999999999999999999d", &ms), -1);
	assert_int_equal(dur_parse("9999999999999999w", &ms), -1);
}

static void test_dur_format(void **state)
{
	char b[32];
	(void)state;
	dur_format(5400000, b, sizeof(b));
	assert_string_equal(b, "1h30m");
	dur_format(500, b, sizeof(b));
	assert_string_equal(b, "500ms");
	dur_format(0, b, sizeof(b));
	assert_string_equal(b, "0s");
	dur_format(1500, b, sizeof(b));
	assert_string_equal(b, "1s500ms");
}

static void test_time_roundtrip(void **state)
{
	int64_t ms;
	char b[40];
	(void)state;
	assert_int_equal(time_parse("2026-11-23T08:59:05.123Z", &ms), 0);
	time_format(ms, b, sizeof(b));
	assert_string_equal(b, "2026-11-23T08:59:05.123Z");
	assert_int_equal(time_parse("2026-11-23T10:59:05+02:00", &ms), 0);
	time_format(ms, b, sizeof(b));
	assert_string_equal(b, "2026-11-23T08:59:05.000Z");
	assert_int_equal(time_parse("2026-11-01", &ms), 0);
	assert_int_equal(ms, 1793491200000LL);
	assert_int_equal(time_parse("2026-13-01", &ms), -1);
	assert_int_equal(time_parse("2026-11-01T", &ms), -1);
	assert_int_equal(time_parse("yesterday", &ms), -1);
}

/* Impossible dates and times are refused (Feb 31 used to become March 3),
 * and whatever is accepted formats back to the same text. */
static void test_time_strict(void **state)
{
	static const char *const bad[] = {"2026-02-31",
					  "2026-02-29",
					  "2100-02-29",
					  "2026-04-31",
					  "2026-06-31",
					  "2026-09-31",
					  "2026-11-31",
					  "2026-00-10",
					  "2026-01-00",
					  "2026-01-32",
					  "2026-02-30T00:00:00Z",
					  "2026-01-01T24:00:00Z",
					  "2026-01-01T23:60:00Z",
					  "2026-01-01T23:59:60Z",
					  "2026-01-01T23:59:59+24:00",
					  "2026-01-01T23:59:59+01:60",
					  "2026-01-01T10:00Z",
					  "2026-01-01T10:00:00",
					  "2026-1-01",
					  "2026-01-1",
					  "+026-01-01",
					  " 2026-01-01",
					  "2026-01-01Z",
					  "2026-01-01 ",
					  "2026-01-01T1:00:00Z"};
	static const char *const good[] = {
	    "2024-02-29T00:00:00.000Z", "2000-02-29T23:59:59.999Z",
	    "2026-12-31T23:59:59.000Z", "2026-01-31T00:00:00.000Z",
	    "2026-04-30T12:30:00.000Z", "1970-01-01T00:00:00.000Z"};
	struct time_civil c;
	int64_t ms;
	char out[32];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (time_parse(bad[i], &ms) != -1)
			fail_msg("accepted %s", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(time_parse(good[i], &ms), 0);
		time_format(ms, out, sizeof(out));
		assert_string_equal(out, good[i]);
	}
	/* every day of four years: valid ones round-trip, day+1 is refused */
	for (int y = 2023; y <= 2026; y++)
		for (int mo = 1; mo <= 12; mo++) {
			char d[16];
			int last = time_days_in_month(y, mo);
			snprintf(d, sizeof(d), "%04d-%02d-%02d", y, mo, last);
			assert_int_equal(time_parse(d, &ms), 0);
			time_format(ms, out, sizeof(out));
			assert_memory_equal(out, d, 10);
			snprintf(d, sizeof(d), "%04d-%02d-%02d", y, mo,
				 last + 1);
			assert_int_equal(time_parse(d, &ms), -1);
		}
	assert_int_equal(time_days_in_month(2024, 2), 29);
	assert_int_equal(time_days_in_month(1900, 2), 28);
	/* the civil form keeps local times (no zone) for configs */
	assert_int_equal(time_parse_civil("2026-03-29 02:30", &c), 0);
	assert_true(c.has_time && !c.has_sec && !c.has_zone);
	assert_int_equal(time_parse_civil("2026-02-29 02:30", &c), -1);
	assert_int_equal(time_parse_civil("2026-01-01T10:00:00-05:30", &c), 0);
	assert_int_equal(c.off_min, -330);
}

static void test_buf(void **state)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t n;
	(void)state;
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_true(str_starts(buf_str(&b), "0,1,2,"));
	assert_true(str_ends(buf_str(&b), "998,999,"));
	s = buf_detach(&b, &n);
	assert_int_equal(strlen(s), n);
	free(s);
	assert_null(b.data);
}

static void test_nearest(void **state)
{
	const char *const words[] = {"remedies", "rollback", "verify", NULL};
	(void)state;
	assert_string_equal(str_nearest("remedys", words), "remedies");
	assert_string_equal(str_nearest("verfy", words), "verify");
	assert_null(str_nearest("zzzzzz", words));
}

static void test_ydoc_positions(void **state)
{
	const char *y = "id: x\nsteps:\n  - run: true\n  - wait: 2m\n";
	struct ml_err err = {0};
	struct ydoc doc;
	const struct ydoc_node *steps;
	(void)state;
	assert_int_equal(ydoc_load_string(y, strlen(y), "t.yaml", &doc, &err),
			 0);
	steps = ydoc_get(doc.root, "steps");
	assert_non_null(steps);
	assert_int_equal(steps->type, YDOC_SEQ);
	assert_int_equal(steps->n, 2);
	assert_int_equal(steps->items[1]->line, 4);
	assert_int_equal(steps->items[1]->col, 5);
	ydoc_free(&doc);
}

static void test_ydoc_errors(void **state)
{
	static const char *const bad[] = {
	    "a: 1\na: 2\n",	  /* duplicate key */
	    "a: &x [1]\nb: *x\n", /* anchors */
	    "a: [1, 2\n",	  /* unterminated */
	    "a:\n\t- x\n",	  /* tab */
	    "{a: b}: c\n",	  /* non-scalar key */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ml_err err = {0};
		struct ydoc doc;
		assert_int_not_equal(ydoc_load_string(bad[i], strlen(bad[i]),
						      "bad.yaml", &doc, &err),
				     0);
		assert_string_equal(err.file, "bad.yaml");
		assert_true(err.line >= 1);
		ydoc_free(&doc);
	}
}

static void test_ydoc_deep(void **state)
{
	struct buf b = BUF_INIT;
	struct ml_err err = {0};
	struct ydoc doc;
	(void)state;
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, '[');
	assert_int_equal(
	    ydoc_load_string(b.data, b.len, "deep.yaml", &doc, &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "nesting"));
	ydoc_free(&doc);
	buf_free(&b);
}

static void test_ydoc_json_types(void **state)
{
	const char *y = "i: 42\nf: 1.5\nb: true\nn: ~\ns: \"42\"\nt: hello\n";
	struct ml_err err = {0};
	struct ydoc doc;
	json_t *j;
	(void)state;
	assert_int_equal(ydoc_load_string(y, strlen(y), "t", &doc, &err), 0);
	j = ydoc_to_json(doc.root);
	assert_true(json_is_integer(json_object_get(j, "i")));
	assert_true(json_is_real(json_object_get(j, "f")));
	assert_true(json_is_true(json_object_get(j, "b")));
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_true(json_is_string(json_object_get(j, "s")));
	assert_true(json_is_string(json_object_get(j, "t")));
	json_decref(j);
	ydoc_free(&doc);
}

static void test_proc_basic(void **state)
{
	struct proc_opts o = {.shell_cmd = "echo out; echo err >&2; exit 3",
			      .timeout_ms = 10000};
	struct proc_result r;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 3);
	assert_string_equal(buf_str(&r.out), "out\n");
	assert_string_equal(buf_str(&r.err), "err\n");
	proc_result_free(&r);
}

static void test_proc_env_not_spliced(void **state)
{
	const char *env[] = {"ML_X=$(touch pwned-by-test); `touch pwned2`",
			     NULL};
	struct proc_opts o = {.shell_cmd = "printf %s \"$ML_X\"",
			      .env_add = env,
			      .timeout_ms = 10000};
	struct proc_result r;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_string_equal(buf_str(&r.out), env[0] + 5);
	assert_int_equal(access("pwned-by-test", F_OK), -1);
	assert_int_equal(access("pwned2", F_OK), -1);
	proc_result_free(&r);
}

static void test_proc_timeout_kills_group(void **state)
{
	/* The grandchild writes a file after 2 s unless it is killed. */
	struct proc_opts o = {
	    .shell_cmd = "(sleep 2; touch grandchild-survived) & sleep 30",
	    .timeout_ms = 300,
	    .grace_ms = 200};
	struct proc_result r;
	struct ml_err err = {0};
	(void)state;
	unlink("grandchild-survived");
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_true(r.timed_out);
	assert_true(r.duration_ms < 5000);
	proc_result_free(&r);
	sleep(3);
	assert_int_equal(access("grandchild-survived", F_OK), -1);
}

static void test_proc_cap(void **state)
{
	struct proc_opts o = {.shell_cmd = "head -c 100000 /dev/zero",
			      .cap = 1000,
			      .timeout_ms = 10000};
	struct proc_result r;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_int_equal(r.out.len, 1000);
	assert_int_equal(r.out_total, 100000);
	proc_result_free(&r);
}

static void test_proc_stdin(void **state)
{
	struct proc_opts o = {.shell_cmd = "cat",
			      .input = "hello",
			      .input_len = 5,
			      .timeout_ms = 10000};
	struct proc_opts o2 = {.shell_cmd = "cat", .timeout_ms = 10000};
	struct proc_result r;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_string_equal(buf_str(&r.out), "hello");
	proc_result_free(&r);
	/* default stdin is /dev/null: cat ends at once */
	assert_int_equal(proc_run(&o2, &r, &err), 0);
	assert_string_equal(buf_str(&r.out), "");
	proc_result_free(&r);
}

/* The three monotonic readings are one clock: they never go back and
 * agree with each other. */
static void test_time_mono(void **state)
{
	int64_t ms = time_mono_ms(), us = time_mono_us();
	double sec = time_mono_s();

	(void)state;
	assert_true(us / 1000 >= ms);
	assert_true(us / 1000 - ms < 1000);
	assert_true(sec >= (double)us / 1e6);
	assert_true(time_mono_us() >= us);
}

/* Reals print in their shortest round-trip form, spelled as jansson
 * spells reals; strings and integers that look alike are untouched. */
static void test_json_reals_shortest(void **state)
{
	json_t *j =
	    json_pack("[f,f,f,f,f,f,f,I,s]", 96.33, 0.35, 0.1 + 0.2, 1e20, 1e-5,
		      3.0, -2.5, (json_int_t)7, "0.90000000000000002 \\\" 0.1");
	char *t = out_json_dumps(j, JSON_COMPACT);

	(void)state;
	assert_string_equal(t, "[96.33,0.35,0.30000000000000004,1e20,1e-5,"
			       "3.0,-2.5,7,\"0.90000000000000002 \\\\\\\" "
			       "0.1\"]");
	free(t);
	json_decref(j);
}

/* One message for an unknown key everywhere: the nearest known key, or
 * the list of them, at the key's position. */
static void test_ydoc_check_keys(void **state)
{
	static const char *const keys[] = {"name", "every", NULL};
	const char *text = "name: a\nevrey: 1\n", *far = "zzzzzz: 1\n";
	struct ydoc d;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(
	    ydoc_load_string(text, strlen(text), "r.yaml", &d, &err), 0);
	assert_int_equal(ydoc_check_keys(d.root, keys, "rule", "r.yaml", &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "unknown key `evrey` in rule; did you "
				     "mean `every`?");
	assert_int_equal(err.line, 2);
	ydoc_free(&d);
	assert_int_equal(ydoc_load_string(far, strlen(far), "r.yaml", &d, &err),
			 0);
	assert_int_equal(ydoc_check_keys(d.root, keys, NULL, "r.yaml", &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "unknown key `zzzzzz` (expected one of: "
				     "name, every)");
	ydoc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dur_parse),
	    cmocka_unit_test(test_dur_format),
	    cmocka_unit_test(test_time_mono),
	    cmocka_unit_test(test_json_reals_shortest),
	    cmocka_unit_test(test_ydoc_check_keys),
	    cmocka_unit_test(test_time_roundtrip),
	    cmocka_unit_test(test_time_strict),
	    cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_nearest),
	    cmocka_unit_test(test_ydoc_positions),
	    cmocka_unit_test(test_ydoc_errors),
	    cmocka_unit_test(test_ydoc_deep),
	    cmocka_unit_test(test_ydoc_json_types),
	    cmocka_unit_test(test_proc_basic),
	    cmocka_unit_test(test_proc_env_not_spliced),
	    cmocka_unit_test(test_proc_timeout_kills_group),
	    cmocka_unit_test(test_proc_cap),
	    cmocka_unit_test(test_proc_stdin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
