/* test_probe_dcgm.c: unit tests of the `dcgm` probe: facts of every
 * fixture (dcgmi diag text at levels 1-3, -j JSON in the 3.x and 4.x
 * layouts, health -c, a dcgmi error), text and JSON of the same run giving
 * the same findings, wrapped messages joined exactly, broken input
 * (every truncation, empty, huge, hostile strings, wrong JSON types) and
 * live mode with a fake dcgmi. */
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
#include "core/xmalloc.h"
#include "probe/gpu/dcgm.h"
#include "probe/probe.h"

static char *fixture(const char *name, size_t *len)
{
	const char *dir = getenv("ML_FIXTURES");
	char path[512];
	struct buf b = BUF_INIT;

	snprintf(path, sizeof(path), "%s/dcgm/%s", dir ? dir : "tests/fixtures",
		 name);
	assert_int_equal(buf_read_file(&b, path, 1 << 20), 0);
	return buf_detach(&b, len);
}

/* Parses text and finishes the report; facts or NULL (err filled). */
static json_t *parse(const char *text, size_t len, struct ml_err *err)
{
	struct dcgm_report r;
	json_t *f;

	dcgm_report_init(&r);
	if (dcgm_parse(&r, text, len, "t", err) != 0) {
		dcgm_report_free(&r);
		return NULL;
	}
	dcgm_report_finish(&r);
	f = r.facts;
	r.facts = NULL;
	return f;
}

static json_t *parse_fixture(const char *name)
{
	struct ml_err err = {0};
	size_t len;
	char *t = fixture(name, &len);
	json_t *f = parse(t, len, &err);

	free(t);
	assert_non_null(f);
	return f;
}

static const json_t *test_named(const json_t *f, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(
	    json_object_get(f, "tests"), i,
	    t) if (!strcmp(jget_str(t, "name", ""), name)) return t;
	return NULL;
}

static void ids_equal(const json_t *a, const char *want)
{
	char *got = json_dumps(a, JSON_COMPACT);
	assert_string_equal(got, want);
	free(got);
}

static void test_level1_pass(void **state)
{
	json_t *f = parse_fixture("diag-r1-pass.txt");
	(void)state;

	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(f, "result", ""), "pass");
	assert_int_equal(jget_int(f, "level", 0), 1);
	assert_int_equal(json_array_size(json_object_get(f, "tests")), 9);
	assert_string_equal(jget_str(f, "dcgm_version", ""), "3.3.9");
	assert_string_equal(jget_str(f, "driver_version", ""), "570.195.03");
	assert_int_equal(json_array_size(json_object_get(f, "gpu_device_ids")),
			 8);
	ids_equal(json_object_get(f, "failed_gpus"), "[]");
	json_decref(f);
}

static void test_level3_fail(void **state)
{
	json_t *f = parse_fixture("diag-r3-fail.txt");
	const json_t *mem, *tp, *m;
	(void)state;

	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_string_equal(jget_str(f, "result", ""), "fail");
	assert_int_equal(jget_int(f, "level", 0), 3);
	assert_true(jget_bool(f, "level_inferred", 0));
	ids_equal(json_object_get(f, "failed_gpus"), "[3]");
	ids_equal(json_object_get(f, "warned_gpus"), "[5]");
	mem = test_named(f, "GPU Memory");
	assert_non_null(mem);
	assert_string_equal(jget_str(mem, "category", ""), "Hardware");
	ids_equal(json_object_get(json_object_get(mem, "gpus"), "pass"),
		  "[0,1,2,4,5,6,7]");
	ids_equal(json_object_get(json_object_get(mem, "gpus"), "fail"), "[3]");
	m = json_array_get(json_object_get(mem, "messages"), 0);
	/* the 45-character chunks join back exactly */
	assert_string_equal(jget_str(m, "text", ""),
			    "GPU 3 had uncorrectable memory errors and row "
			    "remapping failed.");
	assert_int_equal(jget_int(m, "gpu", -1), 3);
	tp = test_named(f, "Targeted Power");
	m = json_array_get(json_object_get(tp, "messages"), 0);
	assert_string_equal(
	    jget_str(m, "text", ""),
	    "Max power of 512.3 did not reach desired power "
	    "minimum target_power_min_ratio of 560.0 for GPU 5");
	assert_string_equal(jget_str(tp, "result", ""), "warn");
	assert_string_equal(jget_str(test_named(f, "PCIe"), "all_gpus", ""),
			    "pass");
	json_decref(f);
}

/* The JSON of the same run gives the same findings as the text. */
static void test_json_matches_text(void **state)
{
	json_t *t = parse_fixture("diag-r3-fail.txt");
	json_t *j = parse_fixture("diag-r3-fail.json");
	const char *keys[] = {"verdict",      "result",		"failed_gpus",
			      "warned_gpus",  "counts",		"level",
			      "dcgm_version", "driver_version", NULL};
	const json_t *m;
	(void)state;

	for (int i = 0; keys[i]; i++)
		assert_true(json_equal(json_object_get(t, keys[i]),
				       json_object_get(j, keys[i])));
	assert_string_equal(jget_str(j, "format", ""), "json");
	m = json_array_get(
	    json_object_get(test_named(j, "GPU Memory"), "messages"), 0);
	assert_int_equal(jget_int(m, "error_id", 0), 80);
	assert_string_equal(jget_str(m, "level", ""), "error");
	json_decref(t);
	json_decref(j);
}

static void test_json_4x(void **state)
{
	json_t *f = parse_fixture("diag-4x.json");
	(void)state;

	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_string_equal(jget_str(f, "dcgm_version", ""), "4.5.2");
	assert_string_equal(jget_str(f, "driver_version", ""), "580.82.07");
	ids_equal(json_object_get(f, "failed_gpus"), "[0]");
	json_decref(f);
}

static void test_warn_skip_deploy(void **state)
{
	json_t *f = parse_fixture("diag-r2-warn.txt");
	const json_t *pm;
	(void)state;

	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_string_equal(jget_str(f, "result", ""), "warn");
	assert_int_equal(jget_int(json_object_get(f, "counts"), "skip", 0), 1);
	ids_equal(json_object_get(f, "warned_gpus"), "[1]");
	/* an Info under a passed check is not a finding */
	pm = test_named(f, "Persistence Mode");
	assert_string_equal(jget_str(pm, "result", ""), "pass");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(pm, "messages"), 0),
		     "level", ""),
	    "info");
	json_decref(f);

	f = parse_fixture("diag-deploy-fail.txt");
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	ids_equal(json_object_get(f, "failed_gpus"), "[0]");
	assert_non_null(strstr(
	    jget_str(json_array_get(
			 json_object_get(test_named(f, "Persistence Mode"),
					 "messages"),
			 0),
		     "text", ""),
	    "requires peristence mode to be enabled. Enable persistence"));
	json_decref(f);
}

static void test_health_and_error(void **state)
{
	json_t *f = parse_fixture("health-warn.txt");
	const json_t *e;
	(void)state;

	assert_string_equal(jget_str(f, "kind", ""), "health");
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_string_equal(jget_str(f, "overall_health", ""), "Failure");
	ids_equal(json_object_get(f, "failed_gpus"), "[6]");
	ids_equal(json_object_get(f, "warned_gpus"), "[1]");
	e = json_array_get(json_object_get(f, "entities"), 0);
	assert_int_equal(jget_int(e, "id", -1), 1);
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(e, "incidents"), 0),
		     "message", ""),
	    "Detected more than 8 PCIe replays per minute for GPU 1 : 13 "
	    "Reconnect PCIe card. Run system side PCIE diagnostic utilities "
	    "to verify hops off the GPU board. If issue is on the board, run "
	    "the field diagnostic.");
	json_decref(f);
	f = parse_fixture("health-ok.txt");
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	f = parse_fixture("diag-hostengine-error.txt");
	assert_string_equal(jget_str(f, "verdict", ""), "unknown");
	assert_null(jget_str(f, "result", NULL));
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "reasons"), 0), "code",
		     ""),
	    "dcgmi-error");
	json_decref(f);
}

/* Every prefix of text and JSON fixtures: facts or a clean input error,
 * never a crash (ASan watches); the whole file parses. */
static void test_truncated_every_byte(void **state)
{
	const char *files[] = {"diag-r3-fail.txt", "diag-r3-fail.json",
			       "health-warn.txt"};
	(void)state;

	for (int k = 0; k < 3; k++) {
		size_t len, bad = 0;
		char *t = fixture(files[k], &len);
		/* every byte of the text; every 5th of the larger JSON */
		size_t step = k == 1 ? 5 : 1;
		for (size_t n = 0; n <= len;
		     n += (n + step > len && n < len) ? len - n : step) {
			struct ml_err err = {0};
			char *cut = xmalloc(n ? n : 1);
			json_t *f;
			memcpy(cut, t, n);
			f = parse(cut, n, &err);
			if (!f) {
				assert_int_equal(err.code, ML_EINPUT);
				assert_true(strlen(err.msg) > 0);
				bad++;
			} else {
				assert_non_null(jget_str(f, "verdict", NULL));
			}
			if (n == len)
				assert_non_null(f);
			json_decref(f);
			free(cut);
		}
		assert_true(bad > 0);
		free(t);
	}
}

static void expect_bad(const char *text, const char *msg_part)
{
	struct ml_err err = {0};
	json_t *f = parse(text, strlen(text), &err);

	assert_null(f);
	assert_int_equal(err.code, ML_EINPUT);
	assert_non_null(strstr(err.msg, msg_part));
}

static void test_broken_input(void **state)
{
	(void)state;
	expect_bad("", "not dcgmi output");
	expect_bad("hello\nworld\n", "not dcgmi output");
	expect_bad("{\"DCGM GPU Diagnostic\": {\"test_categories\": [", "t:1:");
	expect_bad("{\"a\": 1}", "not `dcgmi diag -j` output");
	expect_bad("[1, 2]", "not dcgmi output");
	expect_bad("{\"DCGM GPU Diagnostic\": {\"test_categories\": \"x\"}}",
		   "not `dcgmi diag -j` output");
	expect_bad("{\"a\": 1, \"a\": 2}", "invalid JSON");
}

/* Wrong types and hostile strings give facts, never a crash. */
static void test_hostile(void **state)
{
	struct ml_err err = {0};
	const char *wrong[] = {
	    "{\"DCGM Diagnostic\": {\"runtime_error\": 7, \"test_categories\": "
	    "[]}, \"metadata\": []}",
	    "{\"DCGM GPU Diagnostic\": {\"test_categories\": [1, "
	    "{\"category\": "
	    "2}, {\"category\": \"Hardware\", \"tests\": {}}]}}",
	    "{\"DCGM GPU Diagnostic\": {\"test_categories\": [{\"category\": "
	    "\"Hardware\", \"tests\": [{\"name\": 3}, {\"name\": \"x\", "
	    "\"results\": [{\"status\": 1, \"gpu_id\": -4}, {\"status\": "
	    "\"Fail\", \"gpu_id\": \"99999999999999\", \"warnings\": [1, "
	    "{\"warning\": 2}, \"GPU 99999999999999999999 broke\"], \"info\": "
	    "{}}]}]}]}, \"GPU Device IDs\": [1, \"x\"]}",
	};
	struct buf b = BUF_INIT;
	json_t *f;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		f = parse(wrong[i], strlen(wrong[i]), &err);
		assert_non_null(f);
		json_decref(f);
	}
	f = parse(wrong[2], strlen(wrong[2]), &err);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	ids_equal(json_object_get(f, "failed_gpus"), "[]");
	json_decref(f);
	/* non-UTF-8, control bytes, bars inside a message, a NUL byte, a
	 * huge GPU list and a huge message */
	buf_puts(&b,
		 "| Diagnostic | Result |\n|-----  Hardware  ---+---|\n"
		 "| GPU Memory | Fail - GPU: 1 |\n| Warning | GPU 1 \xff\xfe "
		 "bad | bytes \x01 here |\n| | more |\n");
	buf_add(&b, "| x\0y | Pass |\n", 15);
	buf_puts(&b, "| PCIe | Pass - GPUs: ");
	for (int i = 0; i < 100; i++)
		buf_printf(&b, "%d, ", i);
	buf_puts(&b, "100 |\n| Info | ");
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "abcdefghij");
	buf_puts(&b, " |\n");
	f = parse(buf_str(&b), b.len, &err);
	assert_non_null(f);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	ids_equal(json_object_get(f, "failed_gpus"), "[1]");
	assert_non_null(strstr(
	    jget_str(json_array_get(json_object_get(test_named(f, "GPU Memory"),
						    "messages"),
				    0),
		     "text", ""),
	    "GPU 1 ?? bad | bytes ? here"));
	assert_true(
	    strlen(jget_str(
		json_array_get(
		    json_object_get(test_named(f, "PCIe"), "messages"), 0),
		"text", "")) <= DCGM_MAX_MSG);
	json_decref(f);
	/* a health incident whose wrapped text never ends stays capped */
	buf_reset(&b);
	buf_puts(&b, "| Health Monitor Report |\n| Overall Health | Warning |\n"
		     "| GPU | |\n| -> 2 | Warning |\n|    -> Errors | |\n"
		     "|       -> Thermal system | Warning |\n");
	for (int i = 0; i < 3; i++) {
		buf_puts(&b, "| | ");
		for (int k = 0; k < 1000; k++)
			buf_puts(&b, "hot \xe2\x82\xac ");
		buf_puts(&b, "|\n");
	}
	f = parse(buf_str(&b), b.len, &err);
	assert_non_null(f);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	ids_equal(json_object_get(f, "warned_gpus"), "[2]");
	assert_true(
	    strlen(jget_str(
		json_array_get(
		    json_object_get(
			json_array_get(json_object_get(f, "entities"), 0),
			"incidents"),
		    0),
		"message", "")) <= DCGM_MAX_MSG + 4);
	json_decref(f);
	buf_free(&b);
}

static void write_exec(const char *dir, const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0755);
}

static int run_dcgm(const char *args_json, int dry, json_t **facts,
		    struct ml_err *err)
{
	json_t *args = json_loads(args_json, 0, NULL);
	int rc;

	assert_non_null(args);
	rc = probe_run(probe_find("dcgm"), args, dry, NULL, NULL, facts, err);
	json_decref(args);
	return rc;
}

static void test_live(void **state)
{
	char dir[] = "/tmp/ml-dcgm-bin-XXXXXX", body[1024], path[300];
	const char *fx = getenv("ML_FIXTURES");
	char *old = xstrdup(getenv("PATH"));
	json_t *facts = NULL;
	struct ml_err err = {0};
	(void)state;

	assert_non_null(mkdtemp(dir));
	setenv("PATH", dir, 1);
	assert_int_equal(run_dcgm("{}", 0, &facts, &err), ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "dcgmi not found"));
	/* dcgmi exits non-zero when a test fails; its report still counts */
	snprintf(body, sizeof(body),
		 "echo \"$*\" > %s/args\n/bin/cat "
		 "%s/dcgm/diag-r3-fail.txt\nexit 226\n",
		 dir, fx ? fx : "tests/fixtures");
	write_exec(dir, "dcgmi", body);
	assert_int_equal(
	    run_dcgm("{\"level\": 3, \"gpus\": \"0,3\"}", 0, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "failed");
	assert_string_equal(
	    jget_str(json_object_get(facts, "source"), "kind", ""), "live");
	assert_false(jget_bool(facts, "level_inferred", 0));
	json_decref(facts);
	{
		struct buf b = BUF_INIT;
		snprintf(path, sizeof(path), "%s/args", dir);
		assert_int_equal(buf_read_file(&b, path, 4096), 0);
		assert_string_equal(buf_str(&b), "diag -r 3 -i 0,3\n");
		buf_free(&b);
		unlink(path);
	}
	/* a dry run does not start a stress level */
	assert_int_equal(run_dcgm("{\"level\": 2}", 1, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "unknown");
	json_decref(facts);
	assert_int_equal(access(path, F_OK), -1);
	/* bad arguments */
	assert_int_equal(run_dcgm("{\"level\": 5}", 0, &facts, &err),
			 ML_EUSAGE);
	assert_int_equal(run_dcgm("{\"gpus\": \"0;reboot\"}", 0, &facts, &err),
			 ML_EUSAGE);
	assert_int_equal(run_dcgm("{\"mode\": \"stress\"}", 0, &facts, &err),
			 ML_EUSAGE);
	/* dcgmi that prints nothing useful is an input error */
	write_exec(dir, "dcgmi", "echo 'Segmentation fault'\nexit 139\n");
	assert_int_equal(run_dcgm("{\"mode\": \"health\"}", 0, &facts, &err),
			 ML_EINPUT);
	snprintf(path, sizeof(path), "%s/dcgmi", dir);
	unlink(path);
	rmdir(dir);
	setenv("PATH", old, 1);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_level1_pass),
	    cmocka_unit_test(test_level3_fail),
	    cmocka_unit_test(test_json_matches_text),
	    cmocka_unit_test(test_json_4x),
	    cmocka_unit_test(test_warn_skip_deploy),
	    cmocka_unit_test(test_health_and_error),
	    cmocka_unit_test(test_truncated_every_byte),
	    cmocka_unit_test(test_broken_input),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
