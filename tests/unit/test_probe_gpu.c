/* test_probe_gpu.c: unit tests of the `gpu` probe: value parsing, the
 * nvidia-smi CSV (by header name, old and new names) and XML readers on
 * real H100 fixtures and edited ones, broken input (truncated at every
 * byte, [N/A], non-UTF-8, hostile XML), thresholds, verdict rules,
 * --watch, and live mode without a GPU or with a fake nvidia-smi. */
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
#include "probe/gpu/gpu.h"
#include "probe/probe.h"

static char *fixture(const char *name, size_t *len)
{
	const char *dir = getenv("ML_FIXTURES");
	char path[1024];
	struct buf b = BUF_INIT;

	snprintf(path, sizeof(path), "%s/gpu/%s", dir ? dir : "tests/fixtures",
		 name);
	assert_int_equal(buf_read_file(&b, path, 0), 0);
	return buf_detach(&b, len);
}

static void fixture_path(const char *name, char *out, size_t n)
{
	const char *dir = getenv("ML_FIXTURES");
	snprintf(out, n, "%s/gpu/%s", dir ? dir : "tests/fixtures", name);
}

static const json_t *gpu_at(const struct gpu_read *r, size_t i)
{
	return json_array_get(r->gpus, i);
}

static void test_parse_num(void **state)
{
	double d;
	(void)state;
	assert_int_equal(gpu_parse_num("81559 MiB", &d), GPU_VAL_OK);
	assert_true(d == 81559);
	assert_int_equal(gpu_parse_num(" 116.93 W", &d), GPU_VAL_OK);
	assert_true(d == 116.93);
	assert_int_equal(gpu_parse_num("100 %", &d), GPU_VAL_OK);
	assert_int_equal(gpu_parse_num("3771 KB/s", &d), GPU_VAL_OK);
	assert_int_equal(gpu_parse_num("0x10", &d), GPU_VAL_OK);
	assert_true(d == 16);
	assert_int_equal(gpu_parse_num("[N/A]", &d), GPU_VAL_NA);
	assert_int_equal(gpu_parse_num("[Not Supported]", &d), GPU_VAL_NA);
	assert_int_equal(gpu_parse_num("N/A", &d), GPU_VAL_NA);
	assert_int_equal(gpu_parse_num("", &d), GPU_VAL_NA);
	assert_int_equal(gpu_parse_num("[GPU requires reset]", &d), GPU_VAL_NA);
	assert_int_equal(gpu_parse_num("abc", &d), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_num("12abc3", &d), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_num("1e400", &d), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_num("nan", &d), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_num("0x", &d), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_num("1 2", &d), GPU_VAL_BAD);
}

static void test_parse_bool_mask(void **state)
{
	int b = -1;
	uint64_t m = 0;
	(void)state;
	assert_int_equal(gpu_parse_bool("Enabled", &b), GPU_VAL_OK);
	assert_int_equal(b, 1);
	assert_int_equal(gpu_parse_bool(" Not Active ", &b), GPU_VAL_OK);
	assert_int_equal(b, 0);
	assert_int_equal(gpu_parse_bool("No", &b), GPU_VAL_OK);
	assert_int_equal(b, 0);
	assert_int_equal(gpu_parse_bool("[N/A]", &b), GPU_VAL_NA);
	assert_int_equal(gpu_parse_bool("Maybe", &b), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_mask("0x0000000000000044", &m), GPU_VAL_OK);
	assert_int_equal(m, 0x44);
	assert_int_equal(gpu_parse_mask("68", &m), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_mask("0x-1", &m), GPU_VAL_BAD);
	assert_int_equal(gpu_parse_mask("0xFFFFFFFFFFFFFFFFFF", &m),
			 GPU_VAL_BAD);
}

static void test_text_clean(void **state)
{
	char *s;
	(void)state;
	s = gpu_text_clean("  caf\xc3\xa9 \xff\xfe x\x01 ", 13);
	assert_string_equal(s, "caf\xc3\xa9 ?? x?");
	free(s);
	s = gpu_text_clean("\xc0\xaf\xed\xa0\x80", 5); /* overlong, surrogate */
	assert_string_equal(s, "?????");
	free(s);
	s = gpu_text_clean("", 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_reason_names(void **state)
{
	json_t *a = gpu_reason_names(0x44 | (1ULL << 40));
	(void)state;
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 0)),
			    "sw_power_cap");
	assert_string_equal(json_string_value(json_array_get(a, 1)),
			    "hw_thermal_slowdown");
	assert_string_equal(json_string_value(json_array_get(a, 2)),
			    "unknown_0x10000000000");
	json_decref(a);
}

static void test_csv_real(void **state)
{
	struct gpu_read r = {0};
	struct ml_err err = {0};
	size_t len;
	char *t = fixture("query-gpu.csv", &len);
	const json_t *g;
	(void)state;

	assert_int_equal(gpu_csv_parse(t, len, "q.csv", NULL, &r, &err), 0);
	assert_int_equal(json_array_size(r.gpus), 1);
	g = gpu_at(&r, 0);
	assert_int_equal(jget_int(g, "memory_total_mib", 0), 81559);
	assert_int_equal(jget_int(g, "memory_free_mib", 0), 81079);
	assert_true(jget_num(g, "power_draw_w", 0) == 116.93);
	assert_true(jget_num(g, "power_limit_w", 0) == 700);
	assert_int_equal(jget_int(g, "clock_sm_mhz", 0), 405);
	assert_int_equal(jget_int(g, "temp_c", 0), 32);
	assert_true(jget_bool(g, "persistence_mode", 0));
	assert_string_equal(jget_str(g, "mig_mode", ""), "Disabled");
	assert_true(json_is_null(json_object_get(g, "retired_pages_pending")));
	assert_true(json_is_false(json_object_get(g, "remapped_rows_pending")));
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(g, "clocks_event_reasons"), 0)),
			    "gpu_idle");
	assert_string_equal(r.driver, "580.159.04");
	gpu_read_free(&r);
	free(t);
}

static void test_csv_old_names(void **state)
{
	struct gpu_read r = {0};
	struct ml_err err = {0};
	size_t len;
	char *t = fixture("query-gpu-old-names.csv", &len);
	const json_t *g;
	char *ign;
	(void)state;

	assert_int_equal(gpu_csv_parse(t, len, "old.csv", NULL, &r, &err), 0);
	g = gpu_at(&r, 1);
	assert_int_equal(jget_int(g, "clock_sm_mhz", 0), 705);
	assert_int_equal(jget_int(g, "clock_mem_mhz", 0), 1215);
	assert_int_equal(jget_int(g, "clocks_event_reasons_mask", 0), 8);
	assert_true(jget_num(g, "power_limit_w", 0) == 400);
	ign = json_dumps(r.ignored, JSON_COMPACT);
	assert_string_equal(ign, "[\"fan.speed\",\"pstate\"]");
	free(ign);
	gpu_read_free(&r);
	free(t);
}

/* Live mode parses noheader output with the field list it asked for. */
static void test_csv_noheader_names(void **state)
{
	struct gpu_read r = {0};
	struct ml_err err = {0};
	size_t len, hlen;
	char *t = fixture("query-gpu-nounits.csv", &len);
	char *h = fixture("query-gpu.csv", &hlen);
	(void)state;

	*strchr(h, '\n') = '\0';
	assert_int_equal(gpu_csv_parse(t, len, "live", h, &r, &err), 0);
	assert_int_equal(jget_int(gpu_at(&r, 0), "memory_used_mib", -1), 0);
	assert_int_equal(jget_int(gpu_at(&r, 0), "memory_total_mib", -1),
			 81559);
	gpu_read_free(&r);
	/* The same file without header names is refused with a hint. */
	assert_int_equal(gpu_csv_parse(t, len, "nohdr.csv", NULL, &r, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "not csv,noheader"));
	free(t);
	free(h);
}

static void test_xml_real(void **state)
{
	struct gpu_read r = {0};
	struct ml_err err = {0};
	size_t len;
	char *t = fixture("nvidia-smi-q-busy.xml", &len);
	const json_t *g, *p;
	(void)state;

	assert_int_equal(gpu_xml_parse(t, len, "busy.xml", &r, &err), 0);
	g = gpu_at(&r, 0);
	assert_string_equal(jget_str(g, "bus_id", ""), "00000000:00:06.0");
	assert_int_equal(jget_int(g, "memory_used_mib", 0), 78563);
	assert_int_equal(jget_int(g, "util_gpu_pct", 0), 100);
	assert_true(jget_num(g, "power_draw_w", 0) == 689.99);
	assert_int_equal(jget_int(g, "clock_sm_max_mhz", 0), 1980);
	assert_int_equal(jget_int(g, "ecc_uncorrected_volatile", -1), 0);
	assert_int_equal(jget_int(g, "clocks_event_reasons_mask", -1), 0);
	p = json_array_get(json_object_get(g, "processes"), 0);
	assert_int_equal(jget_int(p, "pid", 0), 423);
	assert_int_equal(jget_int(p, "used_memory_mib", 0), 78554);
	assert_string_equal(jget_str(p, "name", ""), "python3");
	gpu_read_free(&r);
	free(t);
}

static void test_xml_multi_and_old(void **state)
{
	struct gpu_read r = {0};
	struct ml_err err = {0};
	size_t len;
	char *t = fixture("nvidia-smi-q-multi.xml", &len);
	const json_t *g;
	(void)state;

	assert_int_equal(gpu_xml_parse(t, len, "multi.xml", &r, &err), 0);
	assert_int_equal(json_array_size(r.gpus), 4);
	g = gpu_at(&r, 1);
	assert_int_equal(jget_int(g, "ecc_uncorrected_volatile", 0), 2);
	assert_int_equal(jget_int(g, "ecc_corrected_volatile", 0), 12);
	assert_true(jget_bool(g, "remapped_rows_failure", 0));
	g = gpu_at(&r, 3);
	assert_int_equal(jget_int(g, "clocks_event_reasons_mask", 0), 0x44);
	assert_true(json_is_null(json_object_get(g, "memory_used_mib")));
	assert_true(json_is_null(json_object_get(g, "memory_used_pct")));
	assert_true(json_is_null(json_object_get(g, "util_memory_pct")));
	gpu_read_free(&r);
	free(t);

	t = fixture("nvidia-smi-q-old-driver.xml", &len);
	assert_int_equal(gpu_xml_parse(t, len, "old.xml", &r, &err), 0);
	g = gpu_at(&r, 0);
	assert_int_equal(jget_int(g, "ecc_corrected_volatile", 0), 3);
	assert_true(jget_num(g, "power_draw_w", 0) == 301.24);
	assert_true(jget_num(g, "power_limit_w", 0) == 400);
	assert_string_equal(r.driver, "470.82.01");
	gpu_read_free(&r);
	free(t);
}

/* Every prefix of a CSV and an XML file: a clean error or facts, never a
 * crash (ASan watches), and the complete file parses. */
static void test_truncated_every_byte(void **state)
{
	const char *files[] = {"query-gpu-multi.csv", "nvidia-smi-q-small.xml"};
	(void)state;

	for (int f = 0; f < 2; f++) {
		size_t len, errors = 0;
		char *t = fixture(files[f], &len);
		for (size_t n = 0; n <= len; n++) {
			struct gpu_read r = {0};
			struct ml_err err = {0};
			char *cut = malloc(n ? n : 1);
			int rc;
			memcpy(cut, t, n);
			rc = f ? gpu_xml_parse(cut, n, "cut", &r, &err)
			       : gpu_csv_parse(cut, n, "cut", NULL, &r, &err);
			assert_true(rc == 0 || rc == ML_EINPUT);
			if (rc) {
				errors++;
				assert_true(strlen(err.msg) > 0);
			} else {
				assert_true(json_is_array(r.gpus));
			}
			if (n == len)
				assert_int_equal(rc, 0);
			gpu_read_free(&r);
			free(cut);
		}
		assert_true(errors > len / 2); /* most cuts are broken input */
		free(t);
	}
}

static int csv_err(const char *text, struct ml_err *err)
{
	struct gpu_read r = {0};
	int rc = gpu_csv_parse(text, strlen(text), "bad.csv", NULL, &r, err);
	gpu_read_free(&r);
	return rc;
}

static void test_csv_broken(void **state)
{
	struct ml_err err = {0};
	struct gpu_read r = {0};
	const char *nul = "index, memory.used\n0, 1\0junk";
	char *huge;
	(void)state;

	assert_int_equal(csv_err("", &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "empty input"));
	assert_int_equal(csv_err("\n \n", &err), ML_EINPUT);
	assert_int_equal(csv_err("foo, bar\n1, 2\n", &err), ML_EINPUT);
	assert_int_equal(
	    csv_err("index, memory.used [MiB]\n0, abc MiB\n", &err), ML_EINPUT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "memory.used"));
	assert_int_equal(csv_err("index, memory.used\n0, 1, 2\n", &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "expected 2"));
	assert_int_equal(csv_err("index, memory.used\n0, 1e400\n", &err),
			 ML_EINPUT);
	assert_int_equal(
	    csv_err("index, persistence_mode\n0, Sometimes\n", &err),
	    ML_EINPUT);
	assert_int_equal(
	    csv_err("index, clocks_event_reasons.active\n0, 12\n", &err),
	    ML_EINPUT);
	assert_int_equal(csv_err("index\n-3\n", &err), ML_EINPUT);
	assert_int_equal(gpu_csv_parse(nul, 27, "nul.csv", NULL, &r, &err),
			 ML_EINPUT);
	/* Non-UTF-8 in a name cell is cleaned, not fatal. */
	assert_int_equal(gpu_csv_parse("index, name\n0, GPU\xff\xfe\n", 21,
				       "u.csv", NULL, &r, &err),
			 0);
	assert_string_equal(jget_str(gpu_at(&r, 0), "name", ""), "GPU??");
	gpu_read_free(&r);
	/* Huge values stay numbers; a 100 kB cell is refused cleanly. */
	assert_int_equal(gpu_csv_parse("index, memory.used\n0, 1e300\n", 28,
				       "h.csv", NULL, &r, &err),
			 0);
	gpu_read_free(&r);
	huge = malloc(100032);
	strcpy(huge, "index, memory.used\n0, ");
	memset(huge + 22, '9', 100000);
	huge[100022] = '\0';
	assert_int_equal(csv_err(huge, &err), ML_EINPUT);
	free(huge);
}

static int xml_err(const char *text, struct ml_err *err)
{
	struct gpu_read r = {0};
	int rc = gpu_xml_parse(text, strlen(text), "bad.xml", &r, err);
	if (!rc) {
		char *s = json_dumps(r.gpus, 0);
		assert_null(strstr(s, "root:")); /* no /etc/passwd content */
		free(s);
	}
	gpu_read_free(&r);
	return rc;
}

static void test_xml_hostile(void **state)
{
	struct ml_err err = {0};
	(void)state;

	assert_int_equal(xml_err("", &err), ML_EINPUT);
	assert_int_equal(xml_err("<nvidia_smi_log><gpu id=\"x\">", &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "not well-formed"));
	assert_int_equal(xml_err("<other/>", &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "<nvidia_smi_log>"));
	assert_int_equal(xml_err("<nvidia_smi_log><gpu><product_name>\xff\xfe"
				 "</product_name></gpu></nvidia_smi_log>",
				 &err),
			 ML_EINPUT);
	/* External entity: never read. */
	xml_err("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
		"\"file:///etc/passwd\">]><nvidia_smi_log><gpu id=\"1\">"
		"<product_name>&e;</product_name></gpu></nvidia_smi_log>",
		&err);
	/* Billion laughs: refused or bounded, never a blow-up. */
	xml_err("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
		"<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>"
		"<nvidia_smi_log><gpu id=\"1\"><product_name>&e;&e;&e;"
		"</product_name></gpu></nvidia_smi_log>",
		&err);
	assert_int_equal(
	    xml_err("<nvidia_smi_log><gpu id=\"1\"><fb_memory_usage>"
		    "<used>lots</used></fb_memory_usage></gpu>"
		    "</nvidia_smi_log>",
		    &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "<used>"));
	assert_int_equal(err.line, 1);
	/* No GPU at all is not an error: the verdict says so. */
	assert_int_equal(xml_err("<nvidia_smi_log></nvidia_smi_log>", &err), 0);
}

/* Runs the probe with a JSON args text; returns rc and facts. */
static int run_gpu(const char *args_json, json_t **facts, struct ml_err *err)
{
	json_t *args = json_loads(args_json, 0, NULL);
	int rc;

	assert_non_null(args);
	rc = probe_run(probe_find("gpu"), args, 0, NULL, NULL, facts, err);
	json_decref(args);
	return rc;
}

static int has_reason(const json_t *facts, const char *code)
{
	size_t i;
	json_t *r;
	json_array_foreach(
	    json_object_get(facts, "reasons"), i,
	    r) if (!strcmp(jget_str(r, "code", ""), code)) return 1;
	return 0;
}

static void test_rules_and_aggregates(void **state)
{
	char path[1024], args[2048];
	json_t *facts = NULL;
	struct ml_err err = {0};
	const char *codes[] = {
	    "memory-near-cap",	"ecc-uncorrected", "remap-failure",
	    "remap-pending",	"persistence-off", "clocks-slowdown",
	    "temperature-high", "power-capped",	   NULL};
	(void)state;

	fixture_path("query-gpu-multi.csv", path, sizeof(path));
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", path);
	assert_int_equal(run_gpu(args, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "failed");
	for (int i = 0; codes[i]; i++)
		assert_true(has_reason(facts, codes[i]));
	assert_int_equal(jget_int(facts, "count", 0), 4);
	assert_true(jget_num(facts, "memory_used_pct", 0) == 96.33);
	assert_int_equal(jget_int(facts, "ecc_uncorrected", 0), 2);
	assert_int_equal(jget_int(facts, "util_pct", 0), 100);
	assert_int_equal(jget_int(facts, "temp_c", 0), 91);
	assert_true(jget_bool(facts, "remap_pending", 0));
	assert_true(jget_bool(facts, "slowdown", 0));
	json_decref(facts);

	/* The idle real GPU is healthy; the busy one only near its cap. */
	fixture_path("nvidia-smi-q.xml", path, sizeof(path));
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", path);
	assert_int_equal(run_gpu(args, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	assert_int_equal(json_array_size(json_object_get(facts, "reasons")), 0);
	json_decref(facts);
}

static void test_thresholds(void **state)
{
	struct gpu_thresholds t;
	struct ml_err err = {0};
	char path[1024], args[2048];
	json_t *facts = NULL;
	(void)state;

	gpu_thresholds_default(&t);
	fixture_path("thresholds.yaml", path, sizeof(path));
	assert_int_equal(gpu_thresholds_load(path, &t, &err), 0);
	assert_true(t.memory_pct == 99 && t.temp_c == 95);
	assert_int_equal(t.persistence_required, 0);
	assert_true(t.power_limit_pct == 98); /* untouched default */
	fixture_path("thresholds.json", path, sizeof(path));
	assert_int_equal(gpu_thresholds_load(path, &t, &err), 0);
	assert_true(t.memory_pct == 50 && t.util_high_pct == 80);
	fixture_path("thresholds-typo.yaml", path, sizeof(path));
	assert_int_equal(gpu_thresholds_load(path, &t, &err), ML_EINPUT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "did you mean `temp_c`"));
	fixture_path("thresholds-badtype.yaml", path, sizeof(path));
	assert_int_equal(gpu_thresholds_load(path, &t, &err), ML_EINPUT);

	/* Through the probe: a raised memory threshold clears the finding. */
	fixture_path("nvidia-smi-q-busy.xml", path, sizeof(path));
	snprintf(
	    args, sizeof(args),
	    "{\"from\": \"%s\", \"thresholds\": \"%s/gpu/thresholds.yaml\"}",
	    path,
	    getenv("ML_FIXTURES") ? getenv("ML_FIXTURES") : "tests/fixtures");
	assert_int_equal(run_gpu(args, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	json_decref(facts);
}

static void test_watch(void **state)
{
	char path[1024], args[2048];
	json_t *facts = NULL, *w;
	struct ml_err err = {0};
	(void)state;

	fixture_path("nvidia-smi-q-busy.xml", path, sizeof(path));
	snprintf(args, sizeof(args),
		 "{\"from\": \"%s\", \"watch\": \"10ms\", \"count\": 3}", path);
	assert_int_equal(run_gpu(args, &facts, &err), 0);
	w = json_object_get(facts, "watch");
	assert_int_equal(jget_int(w, "samples", 0), 3);
	assert_int_equal(jget_int(w, "interval_ms", 0), 10);
	assert_string_equal(jget_str(w, "interpretation", ""), "flood");
	assert_true(has_reason(facts, "util-flood"));
	assert_int_equal(
	    jget_int(json_object_get(
			 json_array_get(json_object_get(facts, "gpus"), 0),
			 "util_watch"),
		     "samples", 0),
	    3);
	json_decref(facts);

	fixture_path("nvidia-smi-q.xml", path, sizeof(path));
	snprintf(args, sizeof(args),
		 "{\"from\": \"%s\", \"watch\": \"0\", \"count\": 2}", path);
	assert_int_equal(run_gpu(args, &facts, &err), 0);
	w = json_object_get(facts, "watch");
	assert_string_equal(jget_str(w, "interpretation", ""), "starved");
	json_decref(facts);
}

static void test_args(void **state)
{
	json_t *facts = NULL;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(run_gpu("{\"source\": \"cuda\"}", &facts, &err),
			 ML_EUSAGE);
	assert_int_equal(run_gpu("{\"apps\": \"x.csv\"}", &facts, &err),
			 ML_EUSAGE);
	assert_int_equal(
	    run_gpu("{\"from\": \"x.csv\", \"source\": \"smi\"}", &facts, &err),
	    ML_EUSAGE);
	assert_int_equal(
	    run_gpu("{\"from\": \"/nonexistent.csv\"}", &facts, &err),
	    ML_ENOTFOUND);
	assert_int_equal(
	    run_gpu("{\"from\": \"/dev/null\", \"count\": 0}", &facts, &err),
	    ML_EUSAGE);
}

/* A temp folder that becomes PATH, holding fake tools. */
static void make_bin(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/ml-gpu-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void write_exec(const char *dir, const char *name, const char *body)
{
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0755);
}

static void test_live_no_gpu(void **state)
{
	char dir[64], *old = xstrdup(getenv("PATH"));
	json_t *facts = NULL;
	struct ml_err err = {0};
	int rc;
	(void)state;

	make_bin(dir, sizeof(dir));
	setenv("PATH", dir, 1);
	setenv("MLONCALL_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	rc = run_gpu("{}", &facts, &err);
	assert_int_equal(rc, ML_ENOTFOUND);
	assert_int_equal(ml_exit_code(rc), 2);
	assert_non_null(strstr(err.msg, "no NVIDIA GPU: NVML not found and "
					"nvidia-smi not on PATH"));
	assert_int_equal(run_gpu("{\"source\": \"smi\"}", &facts, &err),
			 ML_ENOTFOUND);
	assert_int_equal(run_gpu("{\"source\": \"nvml\"}", &facts, &err),
			 ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no NVIDIA GPU: NVML not found"));
	setenv("PATH", old, 1);
	rmdir(dir);
	free(old);
}

static void test_live_fake_smi(void **state)
{
	char dir[64], path[1024], body[2048], *old = xstrdup(getenv("PATH"));
	json_t *facts = NULL, *g;
	struct ml_err err = {0};
	(void)state;

	make_bin(dir, sizeof(dir));
	fixture_path("query-gpu-busy.csv", path, sizeof(path));
	/* A driver that knows the new names; clocks.max.sm comes last. */
	snprintf(body, sizeof(body),
		 "case \"$1\" in\n"
		 "--query-gpu=*) sed 's/$/, 1980/' '%s';;\n"
		 "--query-compute-apps=*) echo 'GPU-14d8f5cc-e7ab-3160-eece-"
		 "7858177694e5, 423, python3, 78554';;\n"
		 "*) exit 9;;\nesac\n",
		 path);
	write_exec(dir, "nvidia-smi", body);
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", dir); /* sed */
	setenv("PATH", path, 1);
	fixture_path("query-gpu-busy.csv", path, sizeof(path));
	setenv("MLONCALL_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(run_gpu("{}", &facts, &err), 0); /* auto: falls back */
	assert_string_equal(
	    jget_str(json_object_get(facts, "source"), "kind", ""), "smi");
	g = json_array_get(json_object_get(facts, "gpus"), 0);
	assert_int_equal(jget_int(g, "memory_used_mib", 0), 78563);
	assert_int_equal(jget_int(g, "clock_sm_max_mhz", 0), 1980);
	assert_int_equal(json_array_size(json_object_get(g, "processes")), 1);
	assert_string_equal(jget_str(facts, "verdict", ""), "degraded");
	json_decref(facts);

	/* An old driver refuses the new field names: the old ones are used. */
	snprintf(
	    body, sizeof(body),
	    "case \"$1\" in\n"
	    "*clocks_event_reasons*) echo 'Field "
	    "\"clocks_event_reasons.active\" "
	    "is not a valid field to query.'; exit 2;;\n"
	    "--query-gpu=*clocks_throttle_reasons*) sed 's/$/, 1980/' '%s';;\n"
	    "*) exit 0;;\nesac\n",
	    path);
	write_exec(dir, "nvidia-smi", body);
	assert_int_equal(run_gpu("{\"source\": \"smi\"}", &facts, &err), 0);
	assert_int_equal(jget_int(facts, "count", 0), 1);
	json_decref(facts);

	/* nvidia-smi that cannot talk to the driver: its message is shown. */
	write_exec(
	    dir, "nvidia-smi",
	    "echo \"NVIDIA-SMI has failed because it couldn't communicate "
	    "with the NVIDIA driver.\" >&2; exit 9\n");
	assert_int_equal(run_gpu("{\"source\": \"smi\"}", &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "failed");
	assert_int_equal(jget_int(facts, "count", -1), 0);
	assert_true(has_reason(facts, "gpu-unreachable"));
	assert_non_null(strstr(
	    jget_str(json_array_get(json_object_get(facts, "reasons"), 0),
		     "message", ""),
	    "couldn't communicate"));
	json_decref(facts);

	snprintf(path, sizeof(path), "%s/nvidia-smi", dir);
	unlink(path);
	rmdir(dir);
	setenv("PATH", old, 1);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_num),
	    cmocka_unit_test(test_parse_bool_mask),
	    cmocka_unit_test(test_text_clean),
	    cmocka_unit_test(test_reason_names),
	    cmocka_unit_test(test_csv_real),
	    cmocka_unit_test(test_csv_old_names),
	    cmocka_unit_test(test_csv_noheader_names),
	    cmocka_unit_test(test_xml_real),
	    cmocka_unit_test(test_xml_multi_and_old),
	    cmocka_unit_test(test_truncated_every_byte),
	    cmocka_unit_test(test_csv_broken),
	    cmocka_unit_test(test_xml_hostile),
	    cmocka_unit_test(test_rules_and_aggregates),
	    cmocka_unit_test(test_thresholds),
	    cmocka_unit_test(test_watch),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_live_no_gpu),
	    cmocka_unit_test(test_live_fake_smi),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
