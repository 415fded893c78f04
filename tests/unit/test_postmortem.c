/* test_postmortem.c: Markdown escaping (hostile, control, non-UTF-8 and
 * huge text), the postmortem renderer on malformed or extreme input (it
 * must never crash and always write every section), and the action item
 * store functions with their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tstore.h"

#include "core/buf.h"
#include "core/out.h"
#include "incident/md.h"
#include "incident/postmortem.h"
#include "store/store_practice.h"

static const int64_t sla[5] = {0, 900000, 3600000, 14400000, 86400000};
static const char *const sections[] = {
    "## Summary",	  "## Impact",
    "## Detection",	  "## Timeline",
    "### Status updates", "## Root cause",
    "## Actions taken",	  "## What went well",
    "## What went badly", "## Where we got lucky",
    "## Action items",	  "## Suggested runbook changes"};

static char *text(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	md_text(&b, s, max);
	return buf_detach(&b, NULL);
}

static void test_md_text(void **state)
{
	char *t;

	(void)state;
	t = text("<script>x</script> | *a* _b_ [c](d) #e `f` \\ &", 0);
	assert_string_equal(t, "&lt;script&gt;x&lt;/script&gt; \\| \\*a\\* "
			       "\\_b\\_ \\[c\\](d) \\#e \\`f\\` \\\\ &amp;");
	free(t);
	t = text("a\nb\r\tc\x1b[31m\x7f", 0);
	assert_string_equal(t, "a b  c \\[31m ");
	free(t);
	/* cut inside a two-byte character: back to its start */
	t = text("\xc3\xa9\xc3\xa9\xc3\xa9", 3);
	assert_string_equal(t, "\xc3\xa9...");
	free(t);
	/* invalid UTF-8 passes through byte for byte (no read past end) */
	t = text("\xff\xfe\xc3", 0);
	assert_string_equal(t, "\xff\xfe\xc3");
	free(t);
	t = text("\x80\x80\x80\x80", 2);
	assert_string_equal(t, "...");
	free(t);
	t = text(NULL, 0);
	assert_string_equal(t, "");
	free(t);
}

static void test_md_code_and_times(void **state)
{
	struct buf b = BUF_INIT;
	char d[32];

	(void)state;
	md_code(&b, "kubectl get pods", 0);
	md_code(&b, "a`b", 0);
	md_code(&b, "a|b", 0);
	md_code(&b, "abcdef", 3);
	assert_string_equal(buf_str(&b),
			    "`kubectl get pods`a\\`ba\\|b`abc...`");
	buf_free(&b);
	md_dur(0, d, sizeof(d));
	assert_string_equal(d, "0ms");
	md_dur(45000, d, sizeof(d));
	assert_string_equal(d, "45s");
	md_dur(252000, d, sizeof(d));
	assert_string_equal(d, "4m12s");
	md_dur(3600000, d, sizeof(d));
	assert_string_equal(d, "1h");
	md_dur(2 * 86400000 + 3 * 3600000 + 60000, d, sizeof(d));
	assert_string_equal(d, "2d3h");
	md_dur(-5, d, sizeof(d));
	assert_string_equal(d, "-");
	md_time(0, d, sizeof(d));
	assert_string_equal(d, "-");
	md_time(1795996800000, d, sizeof(d));
	assert_string_equal(d, "2026-11-30 00:00:00");
}

static void assert_sections(const char *doc)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(*sections); i++)
		if (!strstr(doc, sections[i]))
			fail_msg("missing %s in:\n%s", sections[i], doc);
}

static void render(const char *inc, const char *runs, const char *actions,
		   struct buf *out)
{
	json_t *i = json_loads(inc, 0, NULL), *r = NULL, *a = NULL;
	struct postmortem_opts o = {.now = 1795996800000, .sla_ms = sla};

	assert_non_null(i);
	if (runs)
		assert_non_null(r = json_loads(runs, 0, NULL));
	if (actions)
		assert_non_null(a = json_loads(actions, 0, NULL));
	postmortem_render(i, r, a, &o, out);
	json_decref(i);
	json_decref(r);
	json_decref(a);
}

static void test_render_malformed(void **state)
{
	static const char *const incs[] = {
	    "{}",
	    "{\"id\": \"x\", \"severity\": 99, \"timeline\": 5,"
	    " \"alerts\": {\"a\": 1}, \"roles\": [1, null, \"x\"]}",
	    "{\"id\": 3, \"severity\": 0, \"created_at\": -5,"
	    " \"acked_at\": 1, \"resolved_at\": -1, \"title\": null,"
	    " \"alerts\": [1, {\"alertname\": 7, \"annotations\": []}],"
	    " \"timeline\": [null, {\"kind\": 1, \"at\": \"x\"}]}"};
	static const char *const runs[] = {
	    "[1, null, {\"record\": \"not an object\"},"
	    " {\"record\": {\"steps\": {\"a\": 1}, \"diagnosis\": 7,"
	    "  \"facts\": [1]}},"
	    " {\"record\": {\"status\": \"no_diagnosis\","
	    "  \"facts\": {\"x\": 5, \"y\": {\"reasons\": [1, {}]}},"
	    "  \"steps\": [null, {\"result\": \"failed\", \"kind\": 5,"
	    "   \"output\": \"\\n\\n\"}],"
	    "  \"diagnosis\": {\"matched\": true, \"cases\": [{\"error\": "
	    "1}]}}}]",
	    "{\"not\": \"an array\"}"};
	struct buf out = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < 2; k++) {
			render(incs[i], runs[k], "[1, {\"due_at\": \"x\"}]",
			       &out);
			assert_sections(buf_str(&out));
			buf_reset(&out);
		}
	render("{}", NULL, NULL, &out);
	assert_sections(buf_str(&out));
	assert_non_null(strstr(buf_str(&out), "No runbook ran"));
	buf_free(&out);
}

/* 10,000 timeline entries and a 1 MiB message: the table stops at 500
 * rows and the message is cut; the document stays small. */
static void test_render_huge(void **state)
{
	json_t *inc = json_pack("{s:i, s:i, s:I}", "id", 1, "severity", 2,
				"created_at", (json_int_t)1795996800000);
	json_t *tl = json_array();
	struct postmortem_opts o = {.now = 1795996800000, .sla_ms = sla};
	struct buf out = BUF_INIT;
	char *big = malloc(1 << 20);

	(void)state;
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	for (int i = 0; i < 10000; i++)
		json_array_append_new(tl, json_pack("{s:s, s:s, s:i}", "kind",
						    i % 2 ? "note" : "update",
						    "message", i ? "m" : big,
						    "at", i));
	json_object_set_new(inc, "timeline", tl);
	postmortem_render(inc, NULL, NULL, &o, &out);
	assert_sections(buf_str(&out));
	assert_non_null(strstr(buf_str(&out), "9500 more entries"));
	assert_true(out.len < 400000);
	buf_free(&out);
	json_decref(inc);
	free(big);
}

struct fx {
	char path[64];
	struct store *s;
	int64_t inc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ml_err err = {0};

	snprintf(f->path, sizeof(f->path), "test-pm-%d.db", getpid());
	if (tstore_open_incident(f->path, "fp", "A", &f->s, &f->inc, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tstore_unlink(f->path);
	free(f);
	return 0;
}

static void test_actions_store(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	struct store_action a = {.incident_id = f->inc,
				 .text = "do it",
				 .owner = "bob",
				 .due_at = 5000,
				 .actor = "alice"};
	struct store_action_filter all = {0}, overdue = {.overdue_at = 6000},
				   open = {.open_only = 1};
	json_t *list = NULL;
	int64_t id1 = 0, id2 = 0;

	assert_int_equal(store_schema_version(f->s), 5);
	assert_int_equal(store_action_add(f->s, &a, 2000, &id1, &err), 0);
	a.due_at = 0;
	a.owner = NULL;
	assert_int_equal(store_action_add(f->s, &a, 2100, &id2, &err), 0);
	assert_int_equal(store_action_done(f->s, id2, "bob", 3000, &err), 0);
	assert_int_equal(store_action_done(f->s, id2, "eve", 9000, &err), 0);
	assert_int_equal(store_action_list(f->s, &all, &list, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(jget_int(json_array_get(list, 1), "done_at", 0), 3000);
	assert_string_equal(jget_str(json_array_get(list, 1), "done_by", ""),
			    "bob");
	assert_true(
	    json_is_null(json_object_get(json_array_get(list, 1), "due_at")));
	json_decref(list);
	assert_int_equal(store_action_list(f->s, &overdue, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	overdue.overdue_at = 4000; /* not due yet at 4000 */
	assert_int_equal(store_action_list(f->s, &overdue, &list, &err), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(store_action_list(f->s, &open, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);

	a.incident_id = 999;
	assert_int_equal(store_action_add(f->s, &a, 2000, &id1, &err),
			 ML_ENOTFOUND);
	assert_int_equal(id1, 0);
	a.incident_id = f->inc;
	a.text = "";
	assert_int_equal(store_action_add(f->s, &a, 2000, &id1, &err),
			 ML_EINPUT);
	assert_int_equal(store_action_done(f->s, 999, "bob", 1, &err),
			 ML_ENOTFOUND);
}

static void test_pm_write(void **state)
{
	struct fx *f = *state;
	struct postmortem_opts o = {.now = 10000, .sla_ms = sla};
	struct ml_err err = {0};
	struct buf out = BUF_INIT;

	assert_int_equal(postmortem_write(f->s, 4242, &o, &out, &err),
			 ML_ENOTFOUND);
	assert_int_equal(postmortem_write(f->s, f->inc, &o, &out, &err), 0);
	assert_sections(buf_str(&out));
	assert_non_null(strstr(buf_str(&out), "still open"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest plain[] = {
	    cmocka_unit_test(test_md_text),
	    cmocka_unit_test(test_md_code_and_times),
	    cmocka_unit_test(test_render_malformed),
	    cmocka_unit_test(test_render_huge),
	};
	const struct CMUnitTest store[] = {
	    cmocka_unit_test(test_actions_store),
	    cmocka_unit_test(test_pm_write),
	};
	return cmocka_run_group_tests(plain, NULL, NULL) |
	       cmocka_run_group_tests(store, setup, teardown);
}
