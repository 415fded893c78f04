/* test_parse_scale.c: the YAML document layer and the Prometheus exposition
 * parser stay linear in the number of map keys / metric families (issue
 * 14, item 9). Not timed: 200,000 keys or families took minutes with the
 * old linear-scan lookups (over the ctest TIMEOUT of 120 s) and take about
 * a second now. Each case also checks that behaviour is unchanged on the
 * large input: a duplicate at the end is still found and names the line of
 * the first occurrence, and order is preserved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/ydoc.h"
#include "probe/serving/prom_expo.h"

#define MANY 200000

/* MANY keys `kN: N`, one a line, then an optional duplicate of `dup`. */
static void big_yaml(struct buf *b, const char *dup)
{
	for (int i = 0; i < MANY; i++)
		buf_printf(b, "k%d: %d\n", i, i);
	if (dup)
		buf_printf(b, "%s: again\n", dup);
}

static void yaml_many_keys(void **state)
{
	struct buf b = BUF_INIT;
	struct ydoc doc;
	struct ml_err err = {0};

	(void)state;
	big_yaml(&b, NULL);
	assert_int_equal(
	    ydoc_load_string(b.data, b.len, "big.yaml", &doc, &err), 0);
	assert_int_equal(doc.root->n, MANY);
	assert_string_equal(ydoc_key(doc.root, 0)->value, "k0");
	assert_string_equal(ydoc_key(doc.root, MANY - 1)->value, "k199999");
	assert_string_equal(ydoc_get(doc.root, "k12345")->value, "12345");
	ydoc_free(&doc);
	buf_free(&b);
}

static void yaml_dup_in_big_map(void **state)
{
	struct buf b = BUF_INIT;
	struct ydoc doc;
	struct ml_err err = {0};

	(void)state;
	big_yaml(&b, "k150000");
	assert_int_equal(
	    ydoc_load_string(b.data, b.len, "big.yaml", &doc, &err), ML_EINPUT);
	assert_string_equal(err.file, "big.yaml");
	assert_int_equal(err.line, 200001);
	assert_non_null(
	    strstr(err.msg, "duplicate key `k150000` (first at line 150001)"));
	ydoc_free(&doc);
	buf_free(&b);
}

/* A small map (scanned, no index) and one just past the index threshold
 * give the same duplicate error. */
static void yaml_dup_small_and_threshold(void **state)
{
	for (int n = 1; n <= 40; n++) {
		struct buf b = BUF_INIT;
		struct ydoc doc;
		struct ml_err err = {0};
		char want[64];

		(void)state;
		for (int i = 0; i < n; i++)
			buf_printf(&b, "k%d: %d\n", i, i);
		buf_printf(&b, "k%d: again\n", n / 2);
		assert_int_equal(
		    ydoc_load_string(b.data, b.len, "s.yaml", &doc, &err),
		    ML_EINPUT);
		snprintf(want, sizeof(want), "(first at line %d)", n / 2 + 1);
		assert_non_null(strstr(err.msg, want));
		ydoc_free(&doc);
		buf_free(&b);
	}
}

/* MANY families, each with HELP, TYPE and one sample. */
static void big_expo(struct buf *b)
{
	for (int i = 0; i < MANY; i++)
		buf_printf(b, "# HELP m%d help %d\n# TYPE m%d gauge\nm%d %d\n",
			   i, i, i, i, i);
}

static void prom_many_families(void **state)
{
	struct buf b = BUF_INIT;
	struct prom_expo e = {0};
	struct ml_err err = {0};

	(void)state;
	big_expo(&b);
	assert_int_equal(prom_expo_parse(b.data, b.len, "big.prom", &e, &err),
			 0);
	assert_int_equal(e.nfamilies, MANY);
	assert_int_equal(e.nsamples, MANY);
	assert_string_equal(e.families[0].name, "m0");
	assert_string_equal(e.families[MANY - 1].name, "m199999");
	assert_string_equal(e.families[777].help, "help 777");
	assert_string_equal(prom_expo_type(&e, "m4242"), "gauge");
	prom_expo_free(&e);
	buf_free(&b);
}

static void prom_second_type_in_big_page(void **state)
{
	struct buf b = BUF_INIT;
	struct prom_expo e = {0};
	struct ml_err err = {0};

	(void)state;
	big_expo(&b);
	buf_puts(&b, "# TYPE m123456 counter\n");
	assert_int_equal(prom_expo_parse(b.data, b.len, "big.prom", &e, &err),
			 ML_EINPUT);
	assert_string_equal(err.file, "big.prom");
	assert_int_equal(err.line, 600001);
	assert_non_null(strstr(err.msg, "second TYPE line for this metric"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(yaml_many_keys),
	    cmocka_unit_test(yaml_dup_in_big_map),
	    cmocka_unit_test(yaml_dup_small_and_threshold),
	    cmocka_unit_test(prom_many_families),
	    cmocka_unit_test(prom_second_type_in_big_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
