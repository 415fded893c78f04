/* test_probe_prom.c: unit tests of the prom probe's parts: the exposition
 * parser on good and broken input (every truncation of a small file, bad
 * escapes, huge label sets, NaN/+Inf, duplicate series, non-UTF-8),
 * selectors, histogram_quantile semantics against hand-computed values,
 * and burn rates with counter resets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/probe.h"
#include "probe/serving/prom_api.h"
#include "probe/serving/prom_burn.h"
#include "probe/serving/prom_expo.h"
#include "probe/serving/prom_hist.h"
#include "probe/serving/prom_quantile.h"
#include "probe/serving/prom_slo.h"

static const char small[] =
    "# HELP req_seconds Latency of \\\\ requests.\\nSecond line.\n"
    "# TYPE req_seconds histogram\n"
    "req_seconds_bucket{path=\"/a\\\"b\",le=\"0.1\"} 10\n"
    "req_seconds_bucket{path=\"/a\\\"b\",le=\"0.5\"} 30 1795424400000\n"
    "req_seconds_bucket{path=\"/a\\\"b\",le=\"+Inf\"} 40\n"
    "req_seconds_count{path=\"/a\\\"b\"} 40\n"
    "req_seconds_sum{path=\"/a\\\"b\"} 9.5\n"
    "# a comment\n"
    "\n"
    "temp_celsius{sensor=\"\xc3\xa9t\xc3\xa9\\n2\"} -Inf\n"
    "ratio NaN\n"
    "up{} +Inf\n";

static int parse(const char *text, size_t len, struct prom_expo *e,
		 struct ml_err *err)
{
	ml_err_clear(err);
	return prom_expo_parse(text, len, "t.prom", e, err);
}

static void test_parse_good(void **state)
{
	struct prom_expo e;
	struct ml_err err;
	(void)state;

	assert_int_equal(parse(small, strlen(small), &e, &err), 0);
	assert_int_equal(e.nsamples, 8);
	assert_int_equal(e.nfamilies, 1);
	assert_string_equal(e.families[0].type, "histogram");
	assert_string_equal(e.families[0].help,
			    "Latency of \\ requests.\nSecond line.");
	assert_string_equal(prom_sample_label(&e.samples[0], "path"), "/a\"b");
	assert_string_equal(prom_sample_label(&e.samples[0], "le"), "0.1");
	assert_int_equal(e.samples[1].has_ts, 1);
	assert_int_equal(e.samples[1].ts_ms, 1795424400000LL);
	assert_int_equal(e.samples[1].line, 4);
	assert_true(e.samples[2].value == 40);
	assert_string_equal(prom_sample_label(&e.samples[5], "sensor"),
			    "\xc3\xa9t\xc3\xa9\n2");
	assert_true(isinf(e.samples[5].value) && e.samples[5].value < 0);
	assert_true(isnan(e.samples[6].value));
	assert_true(isinf(e.samples[7].value) && e.samples[7].value > 0);
	assert_int_equal(e.samples[7].nlabels, 0);
	assert_string_equal(prom_expo_type(&e, "req_seconds"), "histogram");
	prom_expo_free(&e);
	prom_expo_free(NULL);
}

/* Every prefix of a small file parses or fails cleanly (ASan watches). */
static void test_truncated_every_byte(void **state)
{
	size_t n = strlen(small), ok = 0, bad = 0;
	(void)state;

	for (size_t i = 0; i <= n; i++) {
		struct prom_expo e;
		struct ml_err err;
		char *copy = malloc(i + 1);
		int rc;

		memcpy(copy, small, i); /* exact length: no NUL to lean on */
		rc = parse(copy, i, &e, &err);
		if (rc == 0) {
			ok++;
			prom_expo_free(&e);
		} else {
			assert_int_equal(rc, ML_EINPUT);
			assert_true(err.line > 0);
			assert_string_equal(err.file, "t.prom");
			assert_null(e.samples);
			bad++;
		}
		free(copy);
	}
	assert_true(ok > 10 && bad > 10);
}

static void expect_error(const char *text, int line, const char *needle)
{
	struct prom_expo e;
	struct ml_err err;
	int rc = parse(text, strlen(text), &e, &err);

	if (rc == 0)
		fail_msg("parsed, expected an error with `%s`: %s", needle,
			 text);
	assert_int_equal(rc, ML_EINPUT);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, needle))
		fail_msg("error `%s` lacks `%s`", err.msg, needle);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_error("a{b=\"\\t\"} 1\n", 1, "bad escape");
	expect_error("a 1\nb{c=\"x\\\"} 1\n", 2, "unterminated");
	expect_error("a{b=\"x\" 1\n", 1, "`,` or `}`");
	expect_error("a{b=x} 1\n", 1, "to open label value");
	expect_error("a{=\"x\"} 1\n", 1, "label name");
	expect_error("a{1b=\"x\"} 1\n", 1, "label name");
	expect_error("a\n", 1, "sample value");
	expect_error("a one\n", 1, "bad sample value");
	expect_error("a 1 12.5\n", 1, "bad timestamp");
	expect_error("a 1 12 13\n", 1, "after timestamp");
	expect_error("9a 1\n", 1, "metric name");
	expect_error("a{b=\"c\"}1\n", 1, "space before the value");
	expect_error("a -nan\n", 1, "bad sample value");
	expect_error("a 0x1p3\n", 1, "bad sample value");
	expect_error("# TYPE a histo\n", 1, "unknown TYPE");
	expect_error("# TYPE a gauge\n# TYPE a gauge\n", 2, "second TYPE");
	expect_error("# HELP\n", 1, "metric name");
	expect_error("a{b=\"1\",b=\"2\"} 1\n", 1, "appears twice");
	expect_error("a 1\nb 2\na 3\n", 3, "duplicate series");
	expect_error("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 3\n", 2,
		     "as line 1");
	expect_error("a{b=\"\xff\"} 1\n", 1, "UTF-8");
	expect_error("a{b=\"\xc0\xaf\"} 1\n", 1, "UTF-8");     /* overlong */
	expect_error("a{b=\"\xed\xa0\x80\"} 1\n", 1, "UTF-8"); /* surrogate */
	expect_error("a{b=\"\xe2\x82\"} 1\n", 1, "UTF-8");     /* cut */
	expect_error("# HELP a caf\xe9\n", 1, "UTF-8");
}

static void test_edge_inputs(void **state)
{
	struct prom_expo e;
	struct ml_err err;
	static const char nul[] = "a 1\nb\0 2\n";
	(void)state;

	assert_int_equal(parse("", 0, &e, &err), 0);
	assert_int_equal(e.nsamples, 0);
	prom_expo_free(&e);
	assert_int_equal(parse("\n\n# just a comment\n", 18, &e, &err), 0);
	prom_expo_free(&e);
	assert_int_equal(parse(nul, sizeof(nul) - 1, &e, &err), ML_EINPUT);
	assert_int_equal(err.line, 2);
	/* CRLF line ends, trailing comma, blanks, no final newline */
	static const char crlf[] = "a{b=\"1\",} 2\r\n  c   3   \r\nd 4";
	assert_int_equal(parse(crlf, strlen(crlf), &e, &err), 0);
	assert_int_equal(e.nsamples, 3);
	assert_true(e.samples[2].value == 4);
	prom_expo_free(&e);
}

/* A sample with 5000 labels, and the same with one name repeated. */
static void test_huge_label_set(void **state)
{
	struct buf b = BUF_INIT;
	struct prom_expo e;
	struct ml_err err;
	(void)state;

	buf_puts(&b, "wide{");
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "%sl%d=\"v%d\"", i ? "," : "", i, i);
	buf_puts(&b, "} 1\n");
	assert_int_equal(parse(b.data, b.len, &e, &err), 0);
	assert_int_equal(e.samples[0].nlabels, 5000);
	assert_string_equal(prom_sample_label(&e.samples[0], "l4999"), "v4999");
	prom_expo_free(&e);
	b.len -= 4;
	buf_puts(&b, ",l17=\"again\"} 1\n");
	assert_int_equal(parse(b.data, b.len, &e, &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "`l17` appears twice"));
	buf_free(&b);
}

static void test_selectors(void **state)
{
	struct prom_expo e;
	struct prom_sel *s;
	struct ml_err err;
	static const char t[] = "r{code=\"200\",h=\"/a\"} 1\n"
				"r{code=\"503\",h=\"/a\"} 2\n"
				"q{code=\"500\"} 3\n";
	(void)state;

	assert_int_equal(parse(t, strlen(t), &e, &err), 0);
	assert_int_equal(prom_sel_parse("r{code=~\"5..\"}", &s, &err), 0);
	assert_string_equal(prom_sel_name(s), "r");
	assert_false(prom_sel_match(s, &e.samples[0], 0));
	assert_true(prom_sel_match(s, &e.samples[1], 0));
	assert_false(prom_sel_match(s, &e.samples[2], 0));
	assert_true(prom_sel_match(s, &e.samples[2], 1)); /* name ignored */
	prom_sel_free(s);
	assert_int_equal(prom_sel_parse("code!=\"200\", h=\"/a\"", &s, &err),
			 0);
	assert_null(prom_sel_name(s));
	assert_false(prom_sel_match(s, &e.samples[0], 0));
	assert_true(prom_sel_match(s, &e.samples[1], 0));
	assert_false(prom_sel_match(s, &e.samples[2], 0)); /* h="" */
	prom_sel_free(s);
	/* the regex is anchored: "5" does not match "503" */
	assert_int_equal(prom_sel_parse("{code=~\"5\"}", &s, &err), 0);
	assert_false(prom_sel_match(s, &e.samples[1], 0));
	prom_sel_free(s);
	assert_int_equal(
	    prom_sel_parse("{code!~\"2..\",__name__=\"q\"}", &s, &err), 0);
	assert_true(prom_sel_match(s, &e.samples[2], 0));
	assert_false(prom_sel_match(s, &e.samples[1], 0));
	prom_sel_free(s);
	assert_int_equal(prom_sel_parse("", &s, &err), 0);
	assert_true(prom_sel_match(s, &e.samples[0], 0));
	prom_sel_free(s);
	assert_int_equal(prom_sel_parse("r{code=\"x\"", &s, &err), ML_EUSAGE);
	assert_int_equal(prom_sel_parse("r{code=x}", &s, &err), ML_EUSAGE);
	assert_int_equal(prom_sel_parse("r{code~\"x\"}", &s, &err), ML_EUSAGE);
	assert_int_equal(prom_sel_parse("r{code=~\"(\"}", &s, &err), ML_EUSAGE);
	assert_int_equal(prom_sel_parse("r x", &s, &err), ML_EUSAGE);
	assert_null(s);
	/* every prefix of a selector parses or fails cleanly */
	{
		static const char full[] =
		    "r{code=~\"5..\", h!=\"/a\\\"b\",x!~\"(a|b)+\"} ";
		char cut[sizeof(full)];
		int ok = 0;
		for (size_t i = 0; i < sizeof(full); i++) {
			memcpy(cut, full, i);
			cut[i] = 0;
			if (prom_sel_parse(cut, &s, &err) == 0) {
				ok++;
				prom_sel_free(s);
			} else {
				assert_null(s);
			}
		}
		assert_true(ok >= 3);
	}
	prom_expo_free(&e);
}

/* histogram_quantile on buckets given as le,count pairs (le INFINITY). */
static double hq(double q, const double *pairs, size_t n)
{
	struct prom_bucket b[16];
	size_t nb = n;

	for (size_t i = 0; i < n; i++) {
		b[i].le = pairs[2 * i];
		b[i].count = pairs[2 * i + 1];
	}
	return prom_bucket_quantile(q, b, &nb);
}

#define HQ(q, ...)                                                             \
	hq(q, (const double[]){__VA_ARGS__},                                   \
	   sizeof((const double[]){__VA_ARGS__}) / sizeof(double) / 2)

static void test_quantile_values(void **state)
{
	(void)state;
	/* 10 obs <= 0.1, 20 in (0.1,0.5], 10 in (0.5,1] */
	assert_float_equal(HQ(0.5, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 40), 0.3,
			   1e-12);
	assert_float_equal(HQ(0.25, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 40), 0.1,
			   1e-12);
	assert_float_equal(HQ(0.1, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 40), 0.04,
			   1e-12); /* lowest bucket from 0 */
	assert_float_equal(HQ(0, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 40), 0, 0);
	assert_float_equal(HQ(1, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 40), 1,
			   1e-12);
	/* rank in the +Inf bucket: upper bound of the second highest */
	assert_float_equal(HQ(0.9, 0.1, 10, 0.5, 30, INFINITY, 40), 0.5, 0);
	assert_float_equal(HQ(1, 0.1, 10, 0.5, 30, INFINITY, 40), 0.5, 0);
	/* lowest bucket with le <= 0 returns its le, no interpolation */
	assert_float_equal(HQ(0.2, -1, 5, 0, 10, INFINITY, 10), -1, 0);
	assert_float_equal(HQ(0.25, 0, 5, 1, 10, INFINITY, 10), 0, 0);
	assert_float_equal(HQ(0.75, 0, 5, 1, 10, INFINITY, 10), 0.5, 1e-12);
	/* unsorted input is sorted by le */
	assert_float_equal(HQ(0.5, INFINITY, 40, 1, 40, 0.1, 10, 0.5, 30), 0.3,
			   1e-12);
	/* non-monotonic counts: 8 after 10 becomes 10 */
	assert_float_equal(HQ(0.5, 0.1, 10, 0.5, 8, 1, 12, INFINITY, 12), 0.06,
			   1e-12);
	assert_float_equal(HQ(0.9, 0.1, 10, 0.5, 8, 1, 12, INFINITY, 12), 0.7,
			   1e-12);
	/* equal bounds are merged by adding */
	assert_float_equal(HQ(0.25, 0.1, 5, 0.1, 5, INFINITY, 20), 0.05, 1e-12);
}

static void test_quantile_nan_cases(void **state)
{
	size_t n = 0;
	(void)state;
	assert_true(isnan(HQ(0.5, 0.1, 10, 0.5, 30)));	  /* no +Inf */
	assert_true(isnan(HQ(0.5, INFINITY, 30)));	  /* one bucket */
	assert_true(isnan(HQ(0.5, 0.1, 0, INFINITY, 0))); /* no obs */
	assert_true(isnan(HQ(NAN, 0.1, 10, INFINITY, 20)));
	assert_true(isinf(HQ(-0.1, 0.1, 10, INFINITY, 20)) &&
		    HQ(-0.1, 0.1, 10, INFINITY, 20) < 0);
	assert_true(isinf(HQ(1.1, 0.1, 10, INFINITY, 20)) &&
		    HQ(1.1, 0.1, 10, INFINITY, 20) > 0);
	assert_true(isnan(prom_bucket_quantile(0.5, NULL, &n)));
	assert_true(isinf(HQ(1.1, 0.1, 10))); /* q checked first */
}

static void test_fraction_over(void **state)
{
	struct prom_bucket b[] = {{0.1, 10}, {0.5, 30}, {INFINITY, 40}};
	(void)state;
	assert_float_equal(prom_bucket_fraction_over(b, 3, 0.5), 0.25, 1e-12);
	assert_float_equal(prom_bucket_fraction_over(b, 3, 0.3), -1, 0);
	assert_float_equal(prom_bucket_fraction_over(b, 2, 0.1), -1, 0);
}

static void test_qkey_and_list(void **state)
{
	char k[32];
	double *qs;
	size_t n;
	struct ml_err err;
	(void)state;

	prom_hist_qkey(0.5, k, sizeof(k));
	assert_string_equal(k, "p50");
	prom_hist_qkey(0.99, k, sizeof(k));
	assert_string_equal(k, "p99");
	prom_hist_qkey(0.999, k, sizeof(k));
	assert_string_equal(k, "p99_9");
	assert_int_equal(
	    prom_hist_parse_quantiles("0.5, 0.9,0.99", &qs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_float_equal(qs[2], 0.99, 0);
	free(qs);
	assert_int_equal(prom_hist_parse_quantiles("0.5,high", &qs, &n, &err),
			 ML_EUSAGE);
	assert_int_equal(prom_hist_parse_quantiles(",", &qs, &n, &err),
			 ML_EUSAGE);
}

/* Histogram facts from a parsed file: per group and summed by le. */
static void test_hist_facts(void **state)
{
	static const char t[] =
	    "h_bucket{a=\"x\",le=\"0.1\"} 10\nh_bucket{a=\"x\",le=\"0.5\"} "
	    "30\nh_bucket{a=\"x\",le=\"+Inf\"} 40\nh_count{a=\"x\"} 40\n"
	    "h_bucket{a=\"y\",le=\"0.1\"} 0\nh_bucket{a=\"y\",le=\"0.5\"} "
	    "0\nh_bucket{a=\"y\",le=\"+Inf\"} 40\nh_bucket{a=\"z\",le="
	    "\"oops\"} 1\n";
	double qs[] = {0.5};
	struct prom_expo e;
	struct prom_sel *sel;
	struct ml_err err;
	json_t *f = probe_facts_new("prom");
	(void)state;

	assert_int_equal(parse(t, strlen(t), &e, &err), 0);
	assert_int_equal(prom_sel_parse("a!=\"z\"", &sel, &err), 0);
	assert_int_equal(prom_hist_facts(&e, "h", sel, qs, 1, "t", f, &err), 0);
	assert_int_equal(json_array_size(json_object_get(f, "histograms")), 2);
	/* x: 0.3; summed: 10,30,80 -> rank 40 in +Inf -> 0.5 */
	assert_float_equal(
	    jget_num(json_object_get(
			 json_array_get(json_object_get(f, "histograms"), 0),
			 "quantiles"),
		     "p50", 0),
	    0.3, 1e-12);
	assert_float_equal(jget_num(f, "p50", 0), 0.5, 0);
	json_decref(f);
	f = probe_facts_new("prom");
	assert_int_equal(prom_hist_facts(&e, "h", NULL, qs, 1, "t", f, &err),
			 ML_EINPUT);
	assert_int_equal(err.line, 8);
	assert_int_equal(prom_hist_facts(&e, "nope", NULL, qs, 1, "t", f, &err),
			 ML_EINPUT);
	json_decref(f);
	prom_sel_free(sel);
	prom_expo_free(&e);
}

static void test_burn_increase_resets(void **state)
{
	struct prom_point p[] = {
	    {0, 0, 100},
	    {60000, 5, 200},
	    {120000, 2, 50},
	    {180000, 4, 150},
	};
	double part, total;
	int64_t cov;
	(void)state;

	/* 100 + (reset) 50 + 100 */
	prom_burn_increase(p, 4, 0, 180000, &part, &total, &cov);
	assert_float_equal(total, 250, 0);
	assert_float_equal(part, 5 + 2 + 2, 0);
	assert_int_equal(cov, 180000);
	/* window starting before the data: partial coverage */
	prom_burn_increase(p, 4, -60000, 180000, &part, &total, &cov);
	assert_int_equal(cov, 180000);
	prom_burn_increase(p, 4, 60000, 120000, &part, &total, &cov);
	assert_float_equal(total, 50, 0);
	prom_burn_increase(p, 0, 0, 1, &part, &total, &cov);
	assert_float_equal(total, 0, 0);
}

/* 2% errors at SLO 99.9% = burn 20: both page pairs fire. */
static void test_burn_page(void **state)
{
	struct prom_point p[13];
	json_t *f = probe_facts_new("prom");
	(void)state;

	for (int i = 0; i < 13; i++) {
		p[i].t_ms = 1795424400000LL + i * 600000LL;
		p[i].total = 1000.0 * i;
		p[i].part = 20.0 * i;
	}
	prom_burn_facts(p, 13, 0, 0.999, 30LL * 86400000, f);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_float_equal(jget_num(f, "burn_rate_1h", 0), 20, 1e-9);
	assert_true(jget_bool(f, "firing_page", 0));
	assert_true(jget_bool(json_array_get(json_object_get(f, "windows"), 2),
			      "firing", 0)); /* 3d/6h too, over 2h of data */
	assert_float_equal(
	    jget_num(json_array_get(json_object_get(f, "windows"), 0),
		     "budget_consumed", 0),
	    20.0 / 720, 1e-9);
	json_decref(f);
	/* the same with good counts: 98% good at 99.9% */
	f = probe_facts_new("prom");
	for (int i = 0; i < 13; i++)
		p[i].part = 980.0 * i;
	prom_burn_facts(p, 13, 1, 0.999, 30LL * 86400000, f);
	assert_float_equal(jget_num(f, "burn_rate_1h", 0), 20, 1e-9);
	json_decref(f);
	f = probe_facts_new("prom");
	prom_burn_facts(p, 1, 1, 0.999, 30LL * 86400000, f);
	assert_string_equal(jget_str(f, "verdict", ""), "unknown");
	json_decref(f);
}

/* Answers of the HTTP API as Prometheus writes them. */
static void test_api_facts(void **state)
{
	json_t *d = json_loads(
	    "{\"resultType\": \"vector\", \"result\": [{\"metric\": "
	    "{\"job\": \"a\"}, \"value\": [1795424400.5, \"0.25\"]}]}",
	    0, NULL);
	json_t *f = prom_api_facts(d);
	(void)state;

	assert_float_equal(jget_num(f, "value", 0), 0.25, 0);
	assert_int_equal(jget_int(f, "series", 0), 1);
	assert_string_equal(
	    jget_str(
		json_object_get(json_array_get(json_object_get(f, "result"), 0),
				"metric"),
		"job", ""),
	    "a");
	json_decref(f);
	json_decref(d);
	d = json_loads("{\"resultType\": \"matrix\", \"result\": [{\"metric\": "
		       "{}, \"values\": [[1, \"1\"], [2, \"NaN\"], [3, "
		       "\"+Inf\"]]}, {\"metric\": {}, \"values\": []}]}",
		       0, NULL);
	f = prom_api_facts(d);
	assert_null(json_object_get(f, "value"));
	assert_int_equal(jget_int(f, "series", 0), 2);
	assert_true(json_is_null(json_array_get(
	    json_array_get(
		json_object_get(json_array_get(json_object_get(f, "result"), 0),
				"values"),
		1),
	    1)));
	json_decref(f);
	json_decref(d);
	d = json_loads(
	    "{\"resultType\": \"scalar\", \"result\": [7, \"-Inf\"]}", 0, NULL);
	f = prom_api_facts(d);
	assert_true(json_is_null(json_object_get(f, "value")));
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "result"), 0),
		     "value_text", ""),
	    "-Inf");
	json_decref(f);
	json_decref(d);
	/* junk in the right places does not crash */
	d = json_loads(
	    "{\"resultType\": \"vector\", \"result\": [3, {\"value\": "
	    "7}, {\"metric\": [], \"value\": [\"x\"]}]}",
	    0, NULL);
	f = prom_api_facts(d);
	assert_int_equal(jget_int(f, "series", 0), 3);
	json_decref(f);
	json_decref(d);
}

static void test_snapshot_names(void **state)
{
	char dir[] = "/tmp/snapsXXXXXX";
	struct prom_slo_spec sp = {0};
	struct ml_err err;
	struct buf path = BUF_INIT;
	json_t *f = probe_facts_new("prom");
	FILE *fp;
	(void)state;

	assert_non_null(mkdtemp(dir));
	sp.objective = 0.99;
	sp.period_ms = 30LL * 86400000;
	sp.errors = "e";
	sp.total = "t";
	/* empty folder: no data, unknown */
	assert_int_equal(prom_slo_from_snapshots(dir, &sp, f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "unknown");
	buf_printf(&path, "%s/2026-11-23T09:00:00Z.prom", dir);
	fp = fopen(path.data, "w");
	fputs("e 1\nt 100\n", fp);
	fclose(fp);
	buf_reset(&path);
	buf_printf(&path, "%s/1795420800.txt", dir);
	fp = fopen(path.data, "w");
	fputs("e 0\nt 0\n", fp);
	fclose(fp);
	json_decref(f);
	f = probe_facts_new("prom");
	assert_int_equal(prom_slo_from_snapshots(dir, &sp, f, &err), 0);
	assert_float_equal(
	    jget_num(json_object_get(f, "slo"), "error_ratio", 0), 0.01, 1e-12);
	assert_int_equal(jget_int(json_object_get(f, "slo"), "points", 0), 2);
	buf_reset(&path);
	buf_printf(&path, "%s/yesterday.prom", dir);
	fp = fopen(path.data, "w");
	fclose(fp);
	json_decref(f);
	f = probe_facts_new("prom");
	assert_int_equal(prom_slo_from_snapshots(dir, &sp, f, &err), ML_EINPUT);
	assert_non_null(strstr(err.file, "yesterday.prom"));
	unlink(path.data);
	buf_reset(&path);
	buf_printf(&path, "%s/1795420800.txt", dir);
	unlink(path.data);
	buf_reset(&path);
	buf_printf(&path, "%s/2026-11-23T09:00:00Z.prom", dir);
	unlink(path.data);
	rmdir(dir);
	assert_int_equal(prom_slo_from_snapshots(dir, &sp, f, &err),
			 ML_ENOTFOUND);
	json_decref(f);
	buf_free(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_truncated_every_byte),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_edge_inputs),
	    cmocka_unit_test(test_huge_label_set),
	    cmocka_unit_test(test_selectors),
	    cmocka_unit_test(test_quantile_values),
	    cmocka_unit_test(test_quantile_nan_cases),
	    cmocka_unit_test(test_fraction_over),
	    cmocka_unit_test(test_qkey_and_list),
	    cmocka_unit_test(test_hist_facts),
	    cmocka_unit_test(test_burn_increase_resets),
	    cmocka_unit_test(test_burn_page),
	    cmocka_unit_test(test_api_facts),
	    cmocka_unit_test(test_snapshot_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
