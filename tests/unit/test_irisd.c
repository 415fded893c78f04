/* test_irisd.c: unit tests of irisd's trainer and files: the shipped Iris
 * data (150 rows, 50 per class), held-out accuracy of the default model
 * (>= 0.9), determinism with a seed, the label-flip regression, model.json
 * round trip, the registry manifest, and broken data and model files
 * (empty, truncated, wrong types, NaN/inf, hostile and non-UTF-8 strings,
 * huge values, a folder instead of a file). Linked with irisd_lib (see
 * sandbox/CMakeLists.txt). */
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
#include "irisd.h"

static char tmpdir[64];

static const char *data_path(void)
{
	static char p[4096];
	const char *src = getenv("ML_SRC");

	snprintf(p, sizeof(p), "%s/sandbox/data/iris.csv", src ? src : "..");
	return p;
}

/* Writes n bytes to tmpdir/name; returns the path (static). */
static const char *put(const char *name, const char *data, size_t n)
{
	static char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return p;
}

static void test_data(void **st)
{
	struct iris_data d;
	struct ml_err err = {0};
	int per[IRIS_NCLASS] = {0};

	(void)st;
	assert_int_equal(iris_data_load(data_path(), &d, &err), 0);
	assert_int_equal(d.n, 150);
	for (size_t i = 0; i < d.n; i++)
		per[d.rows[i].y]++;
	assert_int_equal(per[0], 50);
	assert_int_equal(per[1], 50);
	assert_int_equal(per[2], 50);
	/* first row of Fisher's table */
	assert_true(d.rows[0].x[0] == 5.1 && d.rows[0].x[3] == 0.2);
	assert_int_equal(strlen(d.sha256), 64);
	iris_data_free(&d);
}

static void test_train_accuracy_and_determinism(void **st)
{
	struct iris_data d;
	struct ml_err err = {0};
	struct iris_train_opts o;
	struct iris_model a = {0}, b = {0}, c = {0};
	struct iris_train_result ra, rb, rc;

	(void)st;
	assert_int_equal(iris_data_load(data_path(), &d, &err), 0);
	iris_train_defaults(&o);
	assert_int_equal(iris_train(&d, &o, &a, &ra, &err), 0);
	assert_true(ra.accuracy >= 0.9);
	assert_true(ra.train_accuracy >= 0.9);
	assert_int_equal(ra.n_test, 45);
	assert_int_equal(ra.n_train, 105);
	assert_int_equal(iris_train(&d, &o, &b, &rb, &err), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(ra.accuracy == rb.accuracy);
	o.seed = 7;
	assert_int_equal(iris_train(&d, &o, &c, &rc, &err), 0);
	assert_memory_not_equal(&a, &c, sizeof(a));
	assert_true(rc.accuracy >= 0.9);
	iris_data_free(&d);
}

/* The flipped model learns its labels well but is wrong on true labels
 * except for setosa. */
static void test_flip_labels(void **st)
{
	struct iris_data d;
	struct ml_err err = {0};
	struct iris_train_opts o;
	struct iris_model m = {0};
	struct iris_train_result r;
	double p[IRIS_NCLASS];
	size_t ok = 0;

	(void)st;
	assert_int_equal(iris_data_load(data_path(), &d, &err), 0);
	iris_train_defaults(&o);
	o.flip_labels = 1;
	assert_int_equal(iris_train(&d, &o, &m, &r, &err), 0);
	assert_true(r.accuracy >= 0.9); /* on its own (wrong) labels */
	for (size_t i = 0; i < d.n; i++)
		ok += iris_predict(&m, d.rows[i].x, p) == d.rows[i].y;
	assert_true(ok >= 45 && ok <= 65); /* ~setosa only */
	iris_data_free(&d);
}

static void test_predict_probs(void **st)
{
	struct iris_model m = {0};
	double x[IRIS_NFEAT] = {5, 3, 1e300, -1e300}, p[IRIS_NCLASS];

	(void)st;
	for (int k = 0; k < IRIS_NFEAT; k++)
		m.scale[k] = 1;
	m.w[0][2] = 1;
	m.w[1][3] = 1;
	/* huge inputs: still finite probabilities that sum to 1 */
	assert_int_equal(iris_predict(&m, x, p), 0);
	assert_true(p[0] + p[1] + p[2] > 0.999999 &&
		    p[0] + p[1] + p[2] < 1.000001);
}

static void test_model_roundtrip(void **st)
{
	struct iris_data d;
	struct ml_err err = {0};
	struct iris_train_opts o;
	struct iris_model m = {0}, back;
	struct iris_train_result r;
	json_t *j;
	char *s;

	(void)st;
	assert_int_equal(iris_data_load(data_path(), &d, &err), 0);
	iris_train_defaults(&o);
	o.epochs = 50;
	assert_int_equal(iris_train(&d, &o, &m, &r, &err), 0);
	snprintf(m.version, sizeof(m.version), "v1");
	j = iris_model_to_json(&m);
	s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	assert_int_equal(
	    iris_model_load(put("m.json", s, strlen(s)), &back, &err), 0);
	free(s);
	/* doubles printed with 17 digits come back exactly */
	assert_memory_equal(&m, &back, sizeof(m));
	iris_data_free(&d);
}

/* Each broken data file is an input error naming the file, never a
 * crash; expect_line > 0 checks the line too. */
static void bad_data(const char *content, size_t n, int expect_line,
		     const char *needle)
{
	struct iris_data d;
	struct ml_err err = {0};
	const char *p = put("bad.csv", content, n);

	assert_int_equal(iris_data_load(p, &d, &err), ML_EINPUT);
	assert_non_null(strstr(err.file, "bad.csv"));
	if (expect_line)
		assert_int_equal(err.line, expect_line);
	if (needle && !strstr(err.msg, needle))
		fail_msg("message `%s` lacks `%s`", err.msg, needle);
	assert_null(d.rows);
}

#define H "sepal_length,sepal_width,petal_length,petal_width,species\n"

static void test_bad_data(void **st)
{
	static const char nonutf8[] = H "5,3,1,0.2,set\xff\xfeosa\n";
	struct buf big = BUF_INIT;
	struct iris_data d;
	struct ml_err err = {0};

	(void)st;
	bad_data("", 0, 1, "header");
	bad_data("\n\n", 2, 1, "header");
	bad_data(H, strlen(H), 2, "no data rows");
	bad_data("a,b,c\n1,2,3\n", 12, 1, "sepal_length");
	bad_data(H "5.1,3.5,1.4\n", strlen(H) + 12, 2, "fields");
	bad_data(H "5.1,3.5,1.4,0.2,setosa\n5.1,3.", strlen(H) + 29, 3,
		 "fields");
	bad_data(H "5.1,x,1.4,0.2,setosa\n", strlen(H) + 21, 2, "sepal_width");
	bad_data(H "nan,3,1.4,0.2,setosa\n", strlen(H) + 21, 2, "finite");
	bad_data(H "1e999,3,1.4,0.2,setosa\n", strlen(H) + 23, 2, "finite");
	bad_data(H "5,3,1.4,0.2,rose\n", strlen(H) + 17, 2, "rose");
	bad_data(nonutf8, sizeof(nonutf8) - 1, 2, "set??osa");
	bad_data(H "5,3,1.4,0.2,\"setosa\0x\"\n", strlen(H) + 23, 2, NULL);
	bad_data(H "5,3,1.4,0.2,\"setosa\n", strlen(H) + 20, 0, NULL);
	bad_data("\x89PNG\r\n\x1a\n\0\0\0", 11, 1, NULL);
	/* a hostile species name is cut and made printable */
	buf_puts(&big, H "5,3,1.4,0.2,");
	for (int i = 0; i < 100000; i++)
		buf_puts(&big, "\x1b[31m");
	buf_puts(&big, "\n");
	bad_data(big.data, big.len, 2, "...");
	buf_free(&big);
	/* more rows than allowed */
	buf_puts(&big, H);
	for (int i = 0; i <= IRIS_MAX_ROWS; i++)
		buf_puts(&big, "5,3,1.4,0.2,setosa\n");
	bad_data(big.data, big.len, IRIS_MAX_ROWS + 2, "rows");
	buf_free(&big);
	/* not there, a folder */
	assert_int_equal(iris_data_load("/nonexistent/iris.csv", &d, &err),
			 ML_ENOTFOUND);
	assert_int_not_equal(iris_data_load(tmpdir, &d, &err), 0);
}

/* Extra columns and another order are fine; Iris- prefixes too. */
static void test_data_columns(void **st)
{
	static const char csv[] =
	    "id,species,petal_width,petal_length,sepal_width,sepal_length\n"
	    "1,Iris-virginica,2.5,6.0,3.3,6.3\n\n"
	    "2,setosa,0.2,1.4,3.5,5.1\r\n";
	struct iris_data d;
	struct ml_err err = {0};

	(void)st;
	assert_int_equal(
	    iris_data_load(put("ok.csv", csv, sizeof(csv) - 1), &d, &err), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.rows[0].y, 2);
	assert_true(d.rows[0].x[0] == 6.3 && d.rows[0].x[3] == 2.5);
	assert_int_equal(d.rows[1].y, 0);
	iris_data_free(&d);
}

static void bad_model(const char *content, const char *needle)
{
	struct iris_model m;
	struct ml_err err = {0};
	const char *p = put("bad.json", content, strlen(content));

	assert_int_equal(iris_model_load(p, &m, &err), ML_EINPUT);
	assert_non_null(strstr(err.file, "bad.json"));
	if (needle && !strstr(err.msg, needle))
		fail_msg("message `%s` lacks `%s`", err.msg, needle);
}

#define MHEAD "{\"format\":\"irisd-softmax-v1\",\"version\":\"v1\","
#define MOK                                                                    \
	"\"mean\":[0,0,0,0],\"scale\":[1,1,1,1],\"bias\":[0,0,0],"             \
	"\"weights\":[[0,0,0,0],[0,0,0,0],[0,0,0,0]]}"

static void test_bad_model(void **st)
{
	struct iris_model m;
	struct ml_err err = {0};
	char *trunc = strdup(MHEAD MOK);

	(void)st;
	assert_int_equal(
	    iris_model_load(put("ok.json", MHEAD MOK, strlen(MHEAD MOK)), &m,
			    &err),
	    0);
	bad_model("", "not a model file");
	bad_model("[]", "object");
	bad_model("{\"format\":\"pickle\"}", "format");
	bad_model("{\"format\":\"irisd-softmax-v1\",\"version\":\"../x\"}",
		  "version");
	bad_model(MHEAD "\"mean\":[0,0,0],\"scale\":[1,1,1,1]}", "mean");
	bad_model(MHEAD "\"mean\":[0,0,0,\"0\"],\"scale\":[1,1,1,1]}",
		  "mean[3]");
	bad_model(MHEAD
		  "\"mean\":[0,0,0,0],\"scale\":[1,1,1,0],\"bias\":[0,0,0]}",
		  "scale[3]");
	bad_model(MHEAD
		  "\"mean\":[0,0,0,0],\"scale\":[1,1,1,1],\"bias\":[0,0,0],"
		  "\"weights\":[[0,0,0,0],[0,0,0,0]]}",
		  "weights");
	bad_model(MHEAD
		  "\"mean\":[0,0,0,0],\"scale\":[1,1,1,1],\"bias\":[0,0,0],"
		  "\"weights\":[[0,0,0,0],[0,0,0,0],[0,0,0,1e999]]}",
		  NULL);
	bad_model(MHEAD "\"version\":\"v2\"}", "not a model file"); /* dup */
	bad_model("{\"format\":\"irisd-softmax-v1\xff\"}", "not a model file");
	/* every truncation of a good file fails cleanly */
	for (size_t n = strlen(trunc); n > 0; n--) {
		trunc[n - 1] = '\0';
		bad_model(trunc, NULL);
	}
	free(trunc);
}

static void test_version_names(void **st)
{
	char longname[80];

	(void)st;
	assert_true(iris_version_ok("v1"));
	assert_true(iris_version_ok("v2.1-canary_x"));
	assert_false(iris_version_ok(""));
	assert_false(iris_version_ok(".."));
	assert_false(iris_version_ok(".hidden"));
	assert_false(iris_version_ok("../etc"));
	assert_false(iris_version_ok("v1/x"));
	assert_false(iris_version_ok("v 1"));
	assert_false(iris_version_ok("v\xc3\xa9"));
	memset(longname, 'v', 64);
	longname[64] = '\0';
	assert_false(iris_version_ok(longname));
	longname[63] = '\0';
	assert_true(iris_version_ok(longname));
}

static void test_registry(void **st)
{
	struct buf dir = BUF_INIT, p = BUF_INIT, man = BUF_INIT;
	struct ml_err err = {0};
	char next[64], **v;
	size_t n;

	(void)st;
	buf_printf(&dir, "%s/reg", tmpdir);
	iris_registry_next_version(buf_str(&dir), next, sizeof(next));
	assert_string_equal(next, "v1"); /* no folder yet */
	mkdir(buf_str(&dir), 0755);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {"v1", "v10", "v9"};

		buf_reset(&p);
		buf_printf(&p, "%s/%s", buf_str(&dir), names[i]);
		mkdir(buf_str(&p), 0755);
		buf_puts(&p, "/model.json");
		assert_int_equal(buf_write_file_atomic(buf_str(&p), "{}", 2),
				 0);
	}
	buf_reset(&p);
	buf_printf(&p, "%s/notes",
		   buf_str(&dir)); /* no model.json: not a version */
	mkdir(buf_str(&p), 0755);
	iris_registry_next_version(buf_str(&dir), next, sizeof(next));
	assert_string_equal(next, "v11");
	n = iris_registry_list(buf_str(&dir), &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "v1");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(iris_registry_write_manifest(buf_str(&dir), &err), 0);
	buf_reset(&p);
	buf_printf(&p, "%s/manifest.sha256", buf_str(&dir));
	assert_int_equal(buf_read_file(&man, buf_str(&p), 0), 0);
	/* sha256("{}") for each model.json, sorted by name */
	assert_string_equal(buf_str(&man),
			    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310"
			    "c060f61caaff8a  v1/model.json\n"
			    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310"
			    "c060f61caaff8a  v10/model.json\n"
			    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310"
			    "c060f61caaff8a  v9/model.json\n");
	buf_free(&man);
	buf_free(&p);
	buf_free(&dir);
}

static int setup(void **st)
{
	(void)st;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/irisd-unit-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_train_accuracy_and_determinism),
	    cmocka_unit_test(test_flip_labels),
	    cmocka_unit_test(test_predict_probs),
	    cmocka_unit_test(test_model_roundtrip),
	    cmocka_unit_test(test_bad_data),
	    cmocka_unit_test(test_data_columns),
	    cmocka_unit_test(test_bad_model),
	    cmocka_unit_test(test_version_names),
	    cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
