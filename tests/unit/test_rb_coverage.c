/* test_rb_coverage.c: the rules-file reader of `runbook coverage` on a
 * real-shaped rules file cut at every byte, on a huge file and on hostile
 * names; and the alert-name table and matching on runbooks loaded from
 * YAML strings (alternations, negative matchers, labels only known at run
 * time). The CLI output is covered by tests/golden/runbook-coverage/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "runbook/rb_coverage.h"

static char tmpdir[] = "/tmp/ml-cov-XXXXXX";

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void read_fixture(struct buf *b, const char *name)
{
	const char *dir = getenv("ML_FIXTURES");
	struct buf p = BUF_INIT;

	buf_printf(&p, "%s/coverage/%s", dir ? dir : "tests/fixtures", name);
	assert_int_equal(buf_read_file(b, buf_str(&p), 1 << 20), 0);
	buf_free(&p);
}

/* Every prefix of the fixture loads or fails cleanly with a position;
 * never more rules than the whole file has. */
static void test_truncated_every_byte(void **state)
{
	struct buf b = BUF_INIT, p = BUF_INIT;
	struct rb_cov_rules full = {0};
	struct ml_err err;

	(void)state;
	read_fixture(&b, "kube-rules.yaml");
	buf_printf(&p, "%s/r.yaml", tmpdir);
	write_file(buf_str(&p), buf_str(&b), b.len);
	ml_err_clear(&err);
	assert_int_equal(rb_cov_rules_load(buf_str(&p), &full, &err), 0);
	assert_int_equal(full.n, 9);
	for (size_t cut = 0; cut < b.len; cut++) {
		struct rb_cov_rules r = {0};
		int rc;

		write_file(buf_str(&p), buf_str(&b), cut);
		ml_err_clear(&err);
		rc = rb_cov_rules_load(buf_str(&p), &r, &err);
		if (rc) {
			assert_int_equal(rc, ML_EINPUT);
			assert_true(err.line >= 1);
			assert_non_null(strstr(err.file, "r.yaml"));
		}
		assert_true(r.n <= full.n);
		rb_cov_rules_free(&r);
	}
	rb_cov_rules_free(&full);
	buf_free(&b);
	buf_free(&p);
}

/* 10,000 rules load; a file over the 16 MiB limit is refused. */
static void test_huge(void **state)
{
	struct buf b = BUF_INIT, p = BUF_INIT;
	struct rb_cov_rules r = {0};
	struct ml_err err;

	(void)state;
	buf_puts(&b, "groups:\n  - name: g\n    rules:\n");
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "      - alert: A%d\n        expr: up\n", i);
	buf_printf(&p, "%s/big.yaml", tmpdir);
	write_file(buf_str(&p), buf_str(&b), b.len);
	ml_err_clear(&err);
	assert_int_equal(rb_cov_rules_load(buf_str(&p), &r, &err), 0);
	assert_int_equal(r.n, 10000);
	assert_string_equal(r.v[9999].alert, "A9999");
	rb_cov_rules_free(&r);
	while (b.len <= 17u << 20)
		buf_puts(&b, "# padding padding padding padding padding pad\n");
	write_file(buf_str(&p), buf_str(&b), b.len);
	assert_int_not_equal(rb_cov_rules_load(buf_str(&p), &r, &err), 0);
	assert_non_null(strstr(err.msg, "too large"));
	rb_cov_rules_free(&r);
	buf_free(&b);
	buf_free(&p);
}

static struct rb_runbook *load_rb(const char *trigger)
{
	struct buf b = BUF_INIT;
	struct rb_runbook *rb = NULL;
	struct ml_err err;

	buf_printf(&b, "id: t\n%s", trigger);
	ml_err_clear(&err);
	if (rb_load_string(buf_str(&b), b.len, "t.yaml", &rb, &err) != 0)
		fail_msg("%s", err.msg);
	buf_free(&b);
	return rb;
}

static char *names_of(const char *trigger)
{
	struct rb_runbook *rb = load_rb(trigger);
	json_t *j = rb_cov_names(rb);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	rb_free(rb);
	return s;
}

static void expect_names(const char *trigger, const char *want)
{
	char *s = names_of(trigger);

	assert_string_equal(s, want);
	free(s);
}

static void test_names(void **state)
{
	(void)state;
	expect_names("trigger: alertname = A\n",
		     "{\"alerts\":[\"A\"],\"patterns\":[],\"conditions\":[]}");
	expect_names("trigger: 'alertname =~ \"(A|B_c:d|A)\"'\n",
		     "{\"alerts\":[\"A\",\"B_c:d\"],\"patterns\":[],"
		     "\"conditions\":[]}");
	/* not a plain list: empty alternative, regex syntax, trailing bar */
	expect_names(
	    "trigger: 'alertname =~ \"A||B\"'\n",
	    "{\"alerts\":[],\"patterns\":[\"A||B\"],\"conditions\":[]}");
	expect_names("trigger: 'alertname =~ \"Kube.+\"'\n",
		     "{\"alerts\":[],\"patterns\":[\"Kube.+\"],"
		     "\"conditions\":[]}");
	expect_names("trigger: 'alertname =~ \"A|\"'\n",
		     "{\"alerts\":[],\"patterns\":[\"A|\"],\"conditions\":[]}");
	expect_names("trigger: 'alertname =~ \"(A)|(B)\"'\n",
		     "{\"alerts\":[],\"patterns\":[\"(A)|(B)\"],"
		     "\"conditions\":[]}");
	/* a negative matcher removes a name and is kept as a condition */
	expect_names(
	    "trigger:\n  - alertname =~ \"A|B\"\n  - alertname != "
	    "B\n  - 'env = \"x\\\"y\"'\n",
	    "{\"alerts\":[\"A\"],\"patterns\":[],\"conditions\":["
	    "\"alertname != \\\"B\\\"\",\"env = \\\"x\\\\\\\"y\\\"\"]}");
	expect_names("procedure: []\n",
		     "{\"alerts\":[],\"patterns\":[],\"conditions\":[]}");
}

static enum rb_cov_status match(const char *trigger, const char *alert,
				json_t *labels, json_t *conds)
{
	struct rb_runbook *rb = load_rb(trigger);
	struct rb_cov_rule r = {0};
	enum rb_cov_status s;

	r.alert = (char *)alert;
	r.labels = labels;
	s = rb_cov_match(rb, &r, conds);
	rb_free(rb);
	json_decref(labels);
	return s;
}

static void test_match(void **state)
{
	json_t *conds = json_array();

	(void)state;
	assert_int_equal(
	    match("trigger: alertname = A\n", "A", json_object(), NULL),
	    RB_COV_FULL);
	assert_int_equal(
	    match("trigger: alertname = A\n", "AB", json_object(), NULL),
	    RB_COV_NONE);
	assert_int_equal(match("trigger:\n  - alertname = A\n  - severity = "
			       "page\n",
			       "A", json_pack("{s:s}", "severity", "page"),
			       NULL),
			 RB_COV_FULL);
	assert_int_equal(match("trigger:\n  - alertname = A\n  - severity = "
			       "page\n",
			       "A", json_pack("{s:s}", "severity", "info"),
			       conds),
			 RB_COV_NONE);
	assert_int_equal(json_array_size(conds), 0);
	assert_int_equal(match("trigger:\n  - alertname = A\n  - namespace "
			       "!~ \"test-.*\"\n",
			       "A", json_object(), conds),
			 RB_COV_PARTIAL);
	assert_int_equal(json_array_size(conds), 1);
	assert_string_equal(json_string_value(json_array_get(conds, 0)),
			    "namespace !~ \"test-.*\"");
	json_array_clear(conds);
	/* a partial matcher first, then a static one that fails: none */
	assert_int_equal(match("trigger:\n  - pod = x\n  - alertname = B\n",
			       "A", json_object(), conds),
			 RB_COV_NONE);
	assert_int_equal(json_array_size(conds), 0);
	assert_int_equal(match("procedure: []\n", "A", json_object(), NULL),
			 RB_COV_NONE);
	json_decref(conds);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct buf p = BUF_INIT;

	(void)state;
	buf_printf(&p, "%s/r.yaml", tmpdir);
	unlink(buf_str(&p));
	buf_reset(&p);
	buf_printf(&p, "%s/big.yaml", tmpdir);
	unlink(buf_str(&p));
	buf_free(&p);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncated_every_byte),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
