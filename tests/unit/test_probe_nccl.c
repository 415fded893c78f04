/* test_probe_nccl.c: unit tests of the `nccl` probe: the current
 * all_reduce_perf table (root, #wrong) and the older one (error column, no
 * root), busbw at the largest size against --expect-busbw, wrong results,
 * a hang mid-table and before the first row, NCCL failure lines, and
 * broken input. Expected numbers are recomputed from the fixture text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "thinprobe.h"

static int nc(const char *file, const char *extra, json_t **f,
	      struct ml_err *err)
{
	return tp_fix("nccl", "nccl", file, extra, f, err);
}

static void test_h100(void **state)
{
	json_t *f, *row;
	struct ml_err err;
	(void)state;

	assert_int_equal(nc("h100-8gpu.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_true(jget_bool(f, "complete", 0));
	assert_float_equal(jget_num(f, "avg_busbw_gbs", 0), 172.8281, 1e-9);
	assert_int_equal(jget_int(f, "max_size_bytes", 0), 8589934592LL);
	/* the better of out-of-place 477.73 and in-place 472.99 */
	assert_float_equal(jget_num(f, "max_size_busbw_gbs", 0), 477.73, 1e-9);
	assert_int_equal(jget_int(f, "rows_count", 0), 31);
	assert_int_equal(jget_int(f, "expected_rows", 0), 31);
	assert_int_equal(jget_int(f, "gpus", 0), 8);
	assert_int_equal(jget_int(f, "out_of_bounds", -1), 0);
	row = json_array_get(json_object_get(f, "rows"), 30);
	assert_int_equal(jget_int(row, "count", 0), 2147483648LL);
	assert_string_equal(jget_str(row, "redop", ""), "sum");
	assert_int_equal(jget_int(row, "root", 0), -1);
	assert_float_equal(jget_num(json_object_get(row, "ip"), "time_us", 0),
			   31781.4, 1e-9);
	assert_float_equal(jget_num(json_object_get(row, "oop"), "wrong", 1), 0,
			   0);
	json_decref(f);
	assert_int_equal(
	    nc("h100-8gpu.txt", ", \"expect-busbw\": 480", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_true(tp_has_reason(f, "busbw-low"));
	json_decref(f);
	assert_int_equal(
	    nc("h100-8gpu.txt", ", \"expect-busbw\": 450", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
}

static void test_two_nodes_and_old(void **state)
{
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_int_equal(
	    nc("2node-16gpu-tcp.txt", ", \"expect-busbw\": 300", &f, &err), 0);
	assert_true(tp_has_reason(f, "busbw-low"));
	assert_int_equal(json_array_size(json_object_get(f, "hosts")), 2);
	assert_int_equal(jget_int(f, "gpus", 0), 16);
	json_decref(f);
	assert_int_equal(nc("old-2gpu.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "rows_count", 0), 25);
	assert_float_equal(
	    jget_num(json_object_get(
			 json_array_get(json_object_get(f, "rows"), 0), "oop"),
		     "error", 1),
	    0, 0);
	assert_null(json_object_get(
	    json_object_get(json_array_get(json_object_get(f, "rows"), 0),
			    "oop"),
	    "wrong"));
	json_decref(f);
}

static void test_failures(void **state)
{
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_int_equal(nc("wrong.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_int_equal(jget_int(f, "wrong_total", 0), 6144);
	json_decref(f);
	assert_int_equal(nc("hang.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_false(jget_bool(f, "complete", 1));
	assert_true(tp_has_reason(f, "incomplete"));
	assert_int_equal(jget_int(f, "last_size_bytes", 0), 536870912);
	assert_int_equal(jget_int(f, "max_size_bytes", 0), 268435456);
	assert_int_equal(jget_int(f, "rows_count", 0), 9);
	assert_true(json_is_null(json_object_get(f, "avg_busbw_gbs")));
	json_decref(f);
	assert_int_equal(nc("hang-init.txt", NULL, &f, &err), 0);
	assert_true(tp_has_reason(f, "no-results"));
	assert_true(json_is_null(json_object_get(f, "last_size_bytes")));
	json_decref(f);
	assert_int_equal(nc("nccl-warn.txt", NULL, &f, &err), 0);
	assert_true(tp_has_reason(f, "nccl-error"));
	assert_int_equal(json_array_size(json_object_get(f, "errors")), 3);
	json_decref(f);
}

static void test_broken(void **state)
{
	(void)state;
	tp_truncations("nccl", "nccl", "hang.txt", 7, NULL);
	tp_truncations("nccl", "nccl", "old-2gpu.txt", 23, NULL);
	tp_hostile("nccl");
	tp_robust("nccl",
		  "# size count busbw time #wrong time #wrong\n"
		  "99999999999999999999999 1e308 nan inf -5 1e300 9e99\n"
		  "# nThread 1 minBytes 9999999999999999999 maxBytes 1 step: "
		  "0(factor)\n# Rank\n# Rank x on\n# Avg bus bandwidth : nan\n",
		  (size_t)-1, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_h100),
	    cmocka_unit_test(test_two_nodes_and_old),
	    cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
