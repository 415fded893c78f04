/* test_rb_status.c: the one spelling table of final run statuses and
 * lifecycle transitions (rb_run_status_name/parse, rb_trans_name/parse)
 * checked against itself and against docs/run-record.md, and the one
 * rendering of a matched diagnosis (rb_summary_diagnosis). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "runbook/rb.h"
#include "runbook/rb_exec.h"

static void test_status_names(void **state)
{
	(void)state;
	for (int i = 0; i < RB_RUN_STATUS_LAST; i++) {
		const char *n = rb_run_status_name((enum rb_run_status)i);
		enum rb_run_status back = RB_RUN_STATUS_LAST;
		enum rb_trans t;
		assert_string_not_equal(n, "unknown");
		assert_int_equal(rb_run_status_parse(n, &back), 0);
		assert_int_equal(back, i);
		/* a status is never also spelled as a transition */
		assert_int_equal(rb_trans_parse(n, &t), -1);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
			    n, rb_run_status_name((enum rb_run_status)j));
	}
	assert_string_equal(rb_run_status_name(RB_RUN_STATUS_LAST), "unknown");
}

static void test_trans_names(void **state)
{
	(void)state;
	for (int i = 0; i < RB_TRANS_LAST; i++) {
		const char *n = rb_trans_name((enum rb_trans)i);
		enum rb_trans back = RB_TRANS_LAST;
		assert_string_not_equal(n, "unknown");
		assert_int_equal(rb_trans_parse(n, &back), 0);
		assert_int_equal(back, i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
			    n, rb_trans_name((enum rb_trans)j));
	}
	assert_string_equal(rb_trans_name(RB_TRANS_LAST), "unknown");
}

static void test_parse_rejects(void **state)
{
	enum rb_run_status s = RB_RUN_ABORTED;
	enum rb_trans t = RB_TRANS_RETRY;

	(void)state;
	assert_int_equal(rb_run_status_parse("prechecks-failed", &s), -1);
	assert_int_equal(rb_run_status_parse("Succeeded", &s), -1);
	assert_int_equal(rb_run_status_parse("", &s), -1);
	assert_int_equal(rb_run_status_parse(NULL, &s), -1);
	assert_int_equal(s, RB_RUN_ABORTED);
	assert_int_equal(rb_trans_parse("failed_prechecks", &t), -1);
	assert_int_equal(rb_trans_parse("unknown", &t), -1);
	assert_int_equal(t, RB_TRANS_RETRY);
}

static char *read_doc(void)
{
	char path[4096];
	const char *src = getenv("ML_SRC");
	FILE *f;
	char *s = calloc(1, 1 << 20);
	size_t n;

	snprintf(path, sizeof(path), "%s/docs/run-record.md", src ? src : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(s);
	n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = 0;
	fclose(f);
	return s;
}

/* Every `name` in the doc's final-status table and transitions section is
 * in a table, and every name of the tables is in the doc. */
static void test_doc_lists_match(void **state)
{
	char *doc = read_doc();
	char *tab = strstr(doc, "### Final status");
	char *tr = strstr(doc, "## `transitions[]`");
	char *end, *p;
	char word[64];
	int found_s[RB_RUN_STATUS_LAST] = {0}, found_t[RB_TRANS_LAST] = {0};

	(void)state;
	assert_non_null(tab);
	assert_non_null(tr);
	/* status table rows: "| `name` | exit | ..." */
	end = strstr(tab + 4, "\n## ");
	for (p = strstr(tab, "\n| `"); p && p < end;
	     p = strstr(p + 1, "\n| `")) {
		enum rb_run_status s;
		assert_int_equal(sscanf(p, "\n| `%63[^`]`", word), 1);
		if (rb_run_status_parse(word, &s) != 0)
			fail_msg("doc status `%s` is not in the table", word);
		found_s[s] = 1;
	}
	/* transitions section: every `name` is a transition or status */
	tr = strchr(tr, '\n'); /* past the heading's own backticks */
	end = strstr(tr, "\n## ");
	assert_non_null(end);
	for (p = strchr(tr, '`'); p && p < end; p = strchr(p + 1, '`')) {
		enum rb_run_status s;
		enum rb_trans t;
		if (sscanf(p, "`%63[^`]`", word) != 1)
			break;
		p = strchr(p + 1, '`');
		if (word[strspn(word, "abcdefghijklmnopqrstuvwxyz_-")])
			continue; /* not a name: the record's form */
		if (rb_trans_parse(word, &t) == 0)
			found_t[t] = 1;
		else if (rb_run_status_parse(word, &s) != 0)
			fail_msg("doc transition `%s` is not in a table", word);
	}
	for (int i = 0; i < RB_RUN_STATUS_LAST; i++)
		if (!found_s[i])
			fail_msg("status %s is missing from the doc's table",
				 rb_run_status_name((enum rb_run_status)i));
	for (int i = 0; i < RB_TRANS_LAST; i++)
		if (!found_t[i])
			fail_msg("transition %s is missing from the doc",
				 rb_trans_name((enum rb_trans)i));
	free(doc);
}

static void test_summary_diagnosis(void **state)
{
	json_t *rec = json_loads(
	    "{\"diagnosis\": {\"matched\": true, \"case\": 1, \"line\": 21,"
	    " \"cause\": \"disk-full\", \"when\": \"disk.used_pct >= 95\","
	    " \"seen\": {\"disk.used_pct\": 97}}}",
	    0, NULL);
	json_t *none =
	    json_loads("{\"diagnosis\": {\"matched\": false}}", 0, NULL);
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(rb_summary_diagnosis(rec, &b), 0);
	assert_string_equal(buf_str(&b),
			    "Diagnosis: disk-full (case 2, line 21: "
			    "disk.used_pct >= 95)\n"
			    "  because disk.used_pct = 97\n");
	buf_free(&b);
	assert_int_equal(rb_summary_diagnosis(none, &b), 1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	json_decref(rec);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_names),
	    cmocka_unit_test(test_trans_names),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_doc_lists_match),
	    cmocka_unit_test(test_summary_diagnosis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
