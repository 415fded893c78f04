/* test_incident_filter.c: the incident list filter parser
 * (incident/filter.c) that the API and the CLI's --db path share: each
 * key, bad values named by key, strict dates, duplicates, percent
 * decoding, and queries far longer than the old 512-byte copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "incident/filter.h"

#define NOW 1795424400000LL /* 2026-11-23T09:00:00Z */

static int parse(const char *q, struct filter *f, struct ml_err *err)
{
	filter_init(f, NOW);
	ml_err_clear(err);
	return filter_parse_query(f, q, err);
}

static void test_keys(void **state)
{
	struct filter f;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(parse("status=open&severity=p2&runbook=gpu-oom&"
			       "limit=20&drills=1&since=7d&other=x",
			       &f, &err),
			 0);
	assert_string_equal(f.sf.status, "open");
	assert_int_equal(f.sf.severity, 2);
	assert_string_equal(f.sf.runbook_id, "gpu-oom");
	assert_int_equal(f.sf.limit, 20);
	assert_int_equal(f.sf.include_drills, 1);
	assert_int_equal(f.sf.since, NOW - 7LL * 86400000);
	filter_free(&f);
	assert_int_equal(parse(NULL, &f, &err), 0);
	assert_null(f.sf.status);
	assert_int_equal(f.sf.limit, 0);
	filter_free(&f);
	assert_int_equal(parse("&&drills=0&", &f, &err), 0);
	assert_int_equal(f.sf.include_drills, 0);
	filter_free(&f);
}

static void test_since_rfc3339(void **state)
{
	struct filter f;
	struct ml_err err = {0};

	(void)state;
	/* '+' of an offset arrives encoded (filter_query_add does it) */
	assert_int_equal(parse("since=2026-11-01T10:00:00%2B02:00", &f, &err),
			 0);
	assert_int_equal(f.sf.since, 1793520000000LL); /* 08:00Z */
	filter_free(&f);
	assert_int_equal(parse("since=2026-11-01", &f, &err), 0);
	assert_int_equal(f.sf.since, 1793491200000LL);
	filter_free(&f);
	assert_int_equal(parse("since=2026-02-31", &f, &err), ML_EINPUT);
	assert_string_equal(err.msg, "since: expected a duration (30d) or an "
				     "RFC 3339 time");
	filter_free(&f);
	assert_int_equal(parse("since=2026-01-01T24:00:00Z", &f, &err),
			 ML_EINPUT);
	filter_free(&f);
}

static void expect_bad(const char *q, const char *msg)
{
	struct filter f;
	struct ml_err err = {0};

	assert_int_equal(parse(q, &f, &err), ML_EINPUT);
	assert_string_equal(err.msg, msg);
	filter_free(&f);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_bad("limit=abc", "limit: expected 1 to 10000");
	expect_bad("limit=0", "limit: expected 1 to 10000");
	expect_bad("limit=10001", "limit: expected 1 to 10000");
	expect_bad("limit=5x", "limit: expected 1 to 10000");
	expect_bad("limit", "limit: expected 1 to 10000");
	expect_bad("severity=P5", "severity: expected P1, P2, P3 or P4");
	expect_bad("status=opened", "status: expected open, triggered, "
				    "acknowledged or resolved");
	expect_bad("runbook=", "runbook: expected a runbook id");
	expect_bad("drills=yes", "drills: expected 1 (drills too) or 0");
	expect_bad("since=yesterday",
		   "since: expected a duration (30d) or an RFC 3339 time");
	expect_bad("status=open&status=resolved",
		   "status: given more than once");
}

static void test_long_query_and_encoding(void **state)
{
	struct filter f;
	struct ml_err err = {0};
	struct buf q = BUF_INIT;
	char *rb = malloc(3001);

	(void)state;
	memset(rb, 'r', 3000);
	rb[3000] = '\0';
	rb[10] = '&'; /* encoded, so not a separator */
	rb[11] = ' ';
	filter_query_add(&q, "runbook", rb);
	filter_query_add(&q, "limit", "3");
	filter_query_add(&q, "status", "open");
	assert_true(q.len > 3000);
	assert_int_equal(parse(buf_str(&q), &f, &err), 0);
	assert_string_equal(f.sf.runbook_id, rb);
	assert_int_equal(f.sf.limit, 3);
	assert_string_equal(f.sf.status, "open");
	filter_free(&f);
	assert_int_equal(parse("runbook=a+b%2fc%zz", &f, &err), 0);
	assert_string_equal(f.sf.runbook_id, "a b/c%zz");
	filter_free(&f);
	buf_free(&q);
	free(rb);
}

static void test_set_pairs(void **state)
{
	struct filter f;
	struct ml_err err = {0};

	(void)state;
	filter_init(&f, NOW);
	assert_int_equal(filter_set(&f, "limit", "7", &err), 0);
	assert_int_equal(filter_set(&f, "nope", NULL, &err), 0);
	assert_int_equal(filter_set(&f, "drills", NULL, &err), ML_EINPUT);
	assert_int_equal(filter_set(&f, "limit", "8", &err), ML_EINPUT);
	assert_string_equal(err.msg, "limit: given more than once");
	assert_int_equal(f.sf.limit, 7);
	filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_since_rfc3339),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_long_query_and_encoding),
	    cmocka_unit_test(test_set_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
