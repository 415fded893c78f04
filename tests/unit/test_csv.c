/* test_csv.c: unit tests of the CSV reader and column store: RFC 4180
 * cases, BOM, CRLF, delimiters, gzip, and broken input (truncated at every
 * byte, unterminated quote, ragged rows, NaN/inf, text in numbers, 1 MiB
 * field, empty file, header only, non-UTF-8), plus exact number parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "core/buf.h"
#include "csv/csv.h"
#include "csv/csv_table.h"

static char tmpl[64];

static const char *put(const char *data, size_t n)
{
	FILE *f;
	strcpy(tmpl, "/tmp/test_csv_XXXXXX");
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	f = fopen(tmpl, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return tmpl;
}

/* All rows of data as "a|b|c\n" lines (fields joined by '|'). */
static void rows_of(const char *data, size_t n, char delim, struct buf *out,
		    struct csv_reader_issues *is)
{
	struct csv_reader *r;
	struct ml_err err = {0};
	struct csv_field *f;
	size_t nf;
	uint64_t line;

	assert_int_equal(csv_open(put(data, n), delim, 0, &r, &err), 0);
	while (csv_next(r, &f, &nf, &line, &err) == 1) {
		buf_printf(out, "%llu:", (unsigned long long)line);
		for (size_t i = 0; i < nf; i++) {
			assert_int_equal(f[i].p[f[i].len], '\0');
			buf_printf(out, "%s%.*s", i ? "|" : "", (int)f[i].len,
				   f[i].p);
		}
		buf_putc(out, '\n');
	}
	if (is)
		*is = *csv_reader_issues(r);
	csv_close(r);
	unlink(tmpl);
}

static void expect_rows(const char *data, char delim, const char *want)
{
	struct buf b = BUF_INIT;
	rows_of(data, strlen(data), delim, &b, NULL);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_rfc4180(void **state)
{
	(void)state;
	expect_rows("a,b,c\n1,2,3\n", ',', "1:a|b|c\n2:1|2|3\n");
	expect_rows("a,b\r\n1,2\r\n", ',', "1:a|b\n2:1|2\n");
	expect_rows("a,b\n1,2", ',', "1:a|b\n2:1|2\n"); /* no final newline */
	expect_rows("a,\"b,c\",\"say \"\"hi\"\"\"\n", ',',
		    "1:a|b,c|say \"hi\"\n");
	expect_rows("x,\"line1\nline2\",y\nz,w,v\n", ',',
		    "1:x|line1\nline2|y\n3:z|w|v\n");
	expect_rows("a,,\"\"\n,\n", ',', "1:a||\n2:|\n");
	expect_rows("\xEF\xBB\xBFid,v\n1,2\n", ',', "1:id|v\n2:1|2\n");
	expect_rows("a;b\n1;\"2;3\"\n", ';', "1:a|b\n2:1|2;3\n");
	expect_rows("a\tb\n1\t2\n", '\t', "1:a|b\n2:1|2\n");
	expect_rows("", ',', "");
	expect_rows("a\n\nb\n", ',', "1:a\n2:\n3:b\n");
	expect_rows("a,b\r1,2\r", ',', "1:a|b\n2:1|2\n"); /* old Mac */
}

static void test_broken_quotes(void **state)
{
	struct buf b = BUF_INIT;
	struct csv_reader_issues is;
	const char *d1 = "a,b\n1,\"open\n2,3\n";
	(void)state;
	rows_of(d1, strlen(d1), ',', &b, &is);
	assert_string_equal(buf_str(&b),
			    "1:a|b\n2:1|open\n2,3\n\n"); /* to EOF */
	assert_int_equal(is.unterminated.count, 1);
	assert_int_equal(is.unterminated.lines[0], 2);
	buf_reset(&b);
	const char *d2 = "a,b\n\"x\"junk,2\n3,4\n";
	rows_of(d2, strlen(d2), ',', &b, &is);
	assert_string_equal(buf_str(&b), "1:a|b\n2:x|2\n3:3|4\n");
	assert_int_equal(is.bad_quote.count, 1);
	buf_free(&b);
}

static int load(const char *data, size_t n, int strict, struct csv_table *t,
		struct ml_err *err)
{
	struct csv_load_opts o = {.delim = ',', .strict = strict};
	int rc = csv_table_load(put(data, n), &o, t, err);
	unlink(tmpl);
	return rc;
}

static void test_truncated_everywhere(void **state)
{
	const char *d = "id,name,score,ok\n1,\"Ann, \"\"A\"\"\",0.5,true\r\n"
			"2,\"multi\nline\",1e3,false\n3,Bob,,TRUE\n4,"
			"\xC3\xA9t\xC3\xA9,-2.25,false\n";
	size_t n = strlen(d);
	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		struct csv_table t;
		struct ml_err err = {0};
		int rc = load(d, cut, 0, &t, &err);
		if (cut == 0) {
			assert_int_equal(rc, ML_EINPUT);
			assert_non_null(strstr(err.msg, "empty file"));
			continue;
		}
		assert_int_equal(rc, 0);
		assert_true(t.nrows <= 4);
		csv_table_free(&t);
	}
}

static void test_table_types(void **state)
{
	const char *d = "i,f,b,s,e,mix\n1,0.5,true,x,,1\n2,1.25,False,y,,2\n"
			"-3,1e2,TRUE,x,,2.5\n";
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(load(d, strlen(d), 0, &t, &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_int_equal(t.cols[0].type, CSV_INT);
	assert_int_equal(t.cols[1].type, CSV_FLOAT);
	assert_int_equal(t.cols[2].type, CSV_BOOL);
	assert_int_equal(t.cols[3].type, CSV_STRING);
	assert_int_equal(t.cols[4].type, CSV_EMPTY);
	assert_int_equal(t.cols[5].type, CSV_FLOAT);
	assert_true(csv_col_num(&t.cols[0], 2) == -3);
	assert_true(csv_col_num(&t.cols[1], 2) == 100);
	assert_int_equal(t.cols[2].code[1], 0);
	assert_int_equal(t.cols[2].code[2], 1);
	assert_int_equal(t.cols[3].nlevels, 2);
	assert_int_equal(t.cols[4].missing, 3);
	assert_int_equal(t.cols[4].null_lines.lines[2], 4);
	assert_int_equal(t.lines[2], 4);
	csv_table_free(&t);
}

static void test_problems(void **state)
{
	struct buf b = BUF_INIT;
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	buf_puts(&b, "x,y\n");
	for (int i = 0; i < 40; i++)
		buf_printf(&b, "%d,%d\n", i, i);
	buf_puts(&b, "oops,1\nnan,2\ninf,3\n-Infinity,4\n5\n6,7,8\n9,10\n");
	assert_int_equal(load(b.data, b.len, 0, &t, &err), 0);
	assert_int_equal(t.nrows, 47);
	assert_int_equal(t.cols[0].type, CSV_INT);
	assert_int_equal(t.cols[0].non_numeric.count, 1);
	assert_int_equal(t.cols[0].non_numeric.lines[0], 42);
	assert_int_equal(t.cols[0].nan.count, 1);
	assert_int_equal(t.cols[0].inf.count, 2);
	assert_int_equal(t.cols[0].inf.lines[1], 45);
	assert_true(isnan(csv_col_num(&t.cols[0], 43)));
	assert_int_equal(t.ragged_short.count, 1);
	assert_int_equal(t.ragged_short.lines[0], 46);
	assert_int_equal(t.ragged_long.count, 1);
	assert_int_equal(t.cols[1].missing, 1);
	assert_true(csv_col_num(&t.cols[1], 46) == 10);
	csv_table_free(&t);
	/* strict: the first problem is an error naming the line */
	assert_int_equal(load(b.data, b.len, 1, &t, &err), ML_EINPUT);
	assert_int_equal(err.line, 46);
	buf_free(&b);
}

static void test_edge_files(void **state)
{
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(load("a,b\n", 4, 0, &t, &err), 0); /* header only */
	assert_int_equal(t.nrows, 0);
	assert_int_equal(t.ncols, 2);
	csv_table_free(&t);
	assert_int_equal(load("a,b,a\n1,2,3\n", 12, 0, &t, &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "duplicate column name `a`"));
	assert_int_equal(load(",x\n1,2\n", 7, 0, &t, &err), 0);
	assert_string_equal(t.cols[0].name, "column_1");
	csv_table_free(&t);
	struct csv_load_opts o = {.delim = ','};
	assert_int_equal(csv_table_load("/nonexistent/x.csv", &o, &t, &err),
			 ML_ENOTFOUND);
}

static void test_big_field(void **state)
{
	size_t big = 1u << 20;
	struct buf b = BUF_INIT;
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	buf_puts(&b, "k,v\n1,\"");
	for (size_t i = 0; i < big; i++)
		buf_putc(&b, i % 100 == 99 ? '\n' : 'x');
	buf_puts(&b, "\"\n2,");
	for (size_t i = 0; i < big; i++)
		buf_putc(&b, 'y');
	buf_puts(&b, "\n3,z\n");
	assert_int_equal(load(b.data, b.len, 0, &t, &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_int_equal(t.cols[1].nlevels, 3);
	assert_int_equal(strlen(t.cols[1].levels[0]), big);
	assert_int_equal(strlen(t.cols[1].levels[1]), big);
	assert_int_equal(t.lines[2], 2 + big / 100 + 2); /* row 3 */
	csv_table_free(&t);
	/* a row over the limit is an error, not a crash */
	struct csv_load_opts o = {.delim = ',', .max_row = 4096};
	assert_int_equal(csv_table_load(put(b.data, b.len), &o, &t, &err),
			 ML_EINPUT);
	unlink(tmpl);
	assert_non_null(strstr(err.msg, "row longer than"));
	buf_free(&b);
}

static void test_gzip(void **state)
{
	const char *d = "a,b\n1,x\n2,y\n3,z\n";
	char path[] = "/tmp/test_csv_gz_XXXXXX";
	struct csv_table t;
	struct ml_err err = {0};
	struct csv_load_opts o = {.delim = ','};
	(void)state;
	int fd = mkstemp(path);
	close(fd);
	gzFile gz = gzopen(path, "wb");
	gzwrite(gz, d, (unsigned)strlen(d));
	gzclose(gz);
	assert_int_equal(csv_table_load(path, &o, &t, &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_true(csv_col_num(&t.cols[0], 2) == 3);
	assert_int_equal(t.rd.truncated.count, 0);
	csv_table_free(&t);
	/* cut the gzip stream: what was inflated is kept, the cut is reported
	 */
	struct buf b = BUF_INIT;
	assert_int_equal(buf_read_file(&b, path, 0), 0);
	FILE *f = fopen(path, "wb");
	fwrite(b.data, 1, b.len - 6, f);
	fclose(f);
	assert_int_equal(csv_table_load(path, &o, &t, &err), 0);
	assert_int_equal(t.rd.truncated.count, 1);
	csv_table_free(&t);
	o.strict = 1;
	assert_int_equal(csv_table_load(path, &o, &t, &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "gzip"));
	unlink(path);
	buf_free(&b);
}

static void test_utf8(void **state)
{
	const char *d = "name\nok\n\xff\xfe bad\n\xC3\xA9\n\xC3\n";
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	assert_true(csv_utf8_valid("\xC3\xA9", 2));
	assert_false(csv_utf8_valid("\xC0\xAF", 2));	     /* overlong */
	assert_false(csv_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
	assert_false(csv_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_int_equal(load(d, strlen(d), 0, &t, &err), 0);
	assert_int_equal(t.cols[0].bad_utf8.count, 2);
	assert_int_equal(t.cols[0].bad_utf8.lines[0], 3);
	for (uint32_t i = 0; i < t.cols[0].nlevels; i++)
		assert_true(csv_utf8_valid(t.cols[0].levels[i],
					   strlen(t.cols[0].levels[i])));
	csv_table_free(&t);
}

static void test_parse_num(void **state)
{
	static const char *bad[] = {"",	   " ",	   "+",	    "-",   ".",	  "1e",
				    "1e+", "0x10", "1.2.3", "1,5", "abc", "--1",
				    "1 2", "nanx", "e5",    "in"};
	static const char *good[] = {"0",
				     "-0",
				     "1.",
				     ".5",
				     "+3",
				     " 7 ",
				     "1e5",
				     "1E-5",
				     "123456789012345678901234567890",
				     "0.000000000000000000000000001",
				     "1e308",
				     "4.9e-324",
				     "2.2250738585072011e-308",
				     "9007199254740993",
				     "0.1",
				     "179769313486231570000e288"};
	double v;
	int isint;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    csv_parse_num(bad[i], strlen(bad[i]), &v, &isint), -1);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
		    csv_parse_num(good[i], strlen(good[i]), &v, &isint), 0);
		assert_true(v == strtod(good[i], NULL));
	}
	assert_int_equal(csv_parse_num("NaN", 3, &v, &isint), 0);
	assert_true(isnan(v));
	assert_int_equal(csv_parse_num("-inf", 4, &v, &isint), 0);
	assert_true(isinf(v) && v < 0);
	assert_int_equal(csv_parse_num("12", 2, &v, &isint), 0);
	assert_true(isint);
	assert_int_equal(csv_parse_num("12.0", 4, &v, &isint), 0);
	assert_false(isint);
	/* random decimals: bit-identical to glibc's correctly rounded strtod */
	srand(11);
	for (int k = 0; k < 200000; k++) {
		char s[64];
		int nd = 1 + rand() % 20, pos = rand() % (nd + 1), o = 0;
		if (rand() % 2)
			s[o++] = '-';
		for (int i = 0; i < nd; i++) {
			if (i == pos)
				s[o++] = '.';
			s[o++] = (char)('0' + rand() % 10);
		}
		if (rand() % 3 == 0)
			o += snprintf(s + o, sizeof(s) - (size_t)o, "e%d",
				      rand() % 80 - 40);
		s[o] = '\0';
		assert_int_equal(csv_parse_num(s, (size_t)o, &v, &isint), 0);
		if (v != strtod(s, NULL)) {
			print_error("%s: %.17g vs %.17g\n", s, v,
				    strtod(s, NULL));
			fail();
		}
	}
}

static void test_fixed_point(void **state)
{
	/* a column stays fixed-point while values fit, rescales for more
	 * decimals and turns to doubles when a value does not fit */
	struct buf b = BUF_INIT;
	struct csv_table t;
	struct ml_err err = {0};
	static const char *vals[] = {"1",	    "2.5", "-3.125",
				     "0.000001",    "1e3", "2147.483647",
				     "12345678901", "0.1"};
	(void)state;
	buf_puts(&b, "v\n");
	for (size_t i = 0; i < 8; i++)
		buf_printf(&b, "%s\n", vals[i]);
	assert_int_equal(load(b.data, b.len, 0, &t, &err), 0);
	assert_false(t.cols[0].is_fix); /* 12345678901 did not fit */
	for (size_t i = 0; i < 8; i++)
		assert_true(csv_col_num(&t.cols[0], i) ==
			    strtod(vals[i], NULL));
	csv_table_free(&t);
	buf_reset(&b);
	buf_puts(&b, "v\n");
	for (size_t i = 0; i < 6; i++)
		buf_printf(&b, "%s\n", vals[i]);
	assert_int_equal(load(b.data, b.len, 0, &t, &err), 0);
	assert_true(t.cols[0].is_fix);
	assert_int_equal(t.cols[0].scale, 6);
	for (size_t i = 0; i < 6; i++)
		assert_true(csv_col_num(&t.cols[0], i) ==
			    strtod(vals[i], NULL));
	csv_table_free(&t);
	buf_free(&b);
}

static void test_many_columns(void **state)
{
	struct buf b = BUF_INIT;
	struct csv_table t;
	struct ml_err err = {0};
	(void)state;
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "%sc%d", i ? "," : "", i);
	buf_putc(&b, '\n');
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "%s%d", i ? "," : "", i);
	buf_putc(&b, '\n');
	assert_int_equal(load(b.data, b.len, 0, &t, &err), 0);
	assert_int_equal(t.ncols, 5000);
	assert_true(csv_col_num(&t.cols[4999], 0) == 4999);
	csv_table_free(&t);
	buf_free(&b);
}

static void test_random_bytes(void **state)
{
	/* hostile input: random bytes biased to CSV syntax never crash the
	 * reader (ASan checks the reads) and always give a clear result */
	static const char alpha[] = ",,\"\"\n\r\xff\xc3"
				    "a1.e-";
	char data[600];
	(void)state;
	srand(3);
	for (int k = 0; k < 300; k++) {
		size_t n = (size_t)(rand() % (int)sizeof(data));
		struct csv_table t;
		struct ml_err err = {0};
		for (size_t i = 0; i < n; i++)
			data[i] = rand() % 4
				      ? alpha[rand() % (sizeof(alpha) - 1)]
				      : (char)rand();
		int rc = load(data, n, 0, &t, &err);
		assert_true(rc == 0 || rc == ML_EINPUT);
		if (rc == 0)
			csv_table_free(&t);
		else
			assert_true(err.msg[0] != '\0');
	}
}

/* max_bytes: a file of exactly the limit loads; one byte more is an input
 * error naming the file and the limit; max_rows likewise (issue 14). */
static void test_limits(void **state)
{
	const char *data = "a,b\n1,2\n3,4\n"; /* 12 bytes, 2 rows */
	struct csv_load_opts o = {.delim = ','};
	struct csv_table t;
	struct ml_err err = {0};

	(void)state;
	o.max_bytes = 12;
	assert_int_equal(csv_table_load(put(data, 12), &o, &t, &err), 0);
	assert_int_equal(t.nrows, 2);
	csv_table_free(&t);
	o.max_bytes = 11;
	assert_int_equal(csv_table_load(put(data, 12), &o, &t, &err),
			 ML_EINPUT);
	assert_string_equal(err.file, tmpl);
	assert_non_null(strstr(err.msg, "more than 11 bytes"));
	o.max_bytes = 0;
	o.max_rows = 2;
	assert_int_equal(csv_table_load(put(data, 12), &o, &t, &err), 0);
	csv_table_free(&t);
	o.max_rows = 1;
	assert_int_equal(csv_table_load(put(data, 12), &o, &t, &err),
			 ML_EINPUT);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "more than 1 rows"));
	unlink(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4180),
	    cmocka_unit_test(test_broken_quotes),
	    cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_table_types),
	    cmocka_unit_test(test_problems),
	    cmocka_unit_test(test_edge_files),
	    cmocka_unit_test(test_big_field),
	    cmocka_unit_test(test_gzip),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_parse_num),
	    cmocka_unit_test(test_fixed_point),
	    cmocka_unit_test(test_many_columns),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
