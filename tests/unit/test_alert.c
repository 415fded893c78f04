/* test_alert.c: parsing Alertmanager v4 and generic alert payloads,
 * including broken and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "incident/alert.h"

static const char am_payload[] =
    "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"GPUHot\\\"}\","
    "\"status\":\"firing\",\"receiver\":\"mloncall\","
    "\"groupLabels\":{\"alertname\":\"GPUHot\"},"
    "\"commonLabels\":{\"alertname\":\"GPUHot\"},"
    "\"externalURL\":\"http://am:9093\",\"alerts\":["
    "{\"status\":\"firing\",\"labels\":{\"alertname\":\"GPUHot\","
    "\"severity\":\"critical\",\"node\":\"gpu-1\"},"
    "\"annotations\":{\"summary\":\"GPU 3 at 91C\"},"
    "\"startsAt\":\"2026-11-23T03:00:00.123Z\","
    "\"endsAt\":\"0001-01-01T00:00:00Z\","
    "\"generatorURL\":\"http://prom/"
    "graph\",\"fingerprint\":\"0f1e2d3c4b5a6978\"},"
    "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"GPUHot\","
    "\"node\":\"gpu-2\"},\"annotations\":{},"
    "\"startsAt\":\"2026-11-23T02:00:00Z\",\"endsAt\":\"2026-11-23T02:30:00Z\"}"
    "]}";

static void test_alertmanager_v4(void **state)
{
	struct alert_batch b;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(alert_parse_alertmanager(
			     am_payload, strlen(am_payload), 3, &b, &err),
			 0);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.v[0].rec.fingerprint, "0f1e2d3c4b5a6978");
	assert_string_equal(b.v[0].rec.status, "firing");
	assert_int_equal(b.v[0].rec.severity, 1);
	assert_string_equal(b.v[0].rec.title, "GPU 3 at 91C");
	assert_string_equal(b.v[0].rec.group_key, "{}:{alertname=\"GPUHot\"}");
	assert_int_equal(b.v[0].rec.ends_at, 0); /* zero time = unset */
	assert_int_equal(b.v[0].rec.starts_at % 1000, 123);
	/* no fingerprint: hash of labels, 16 hex chars; default severity */
	assert_int_equal(strlen(b.v[1].rec.fingerprint), 16);
	assert_int_equal(b.v[1].rec.severity, 3);
	assert_string_equal(b.v[1].rec.status, "resolved");
	assert_string_equal(b.v[1].rec.title, "GPUHot");
	alert_batch_free(&b);
}

static void test_fingerprint_order_independent(void **state)
{
	json_t *a = json_pack("{s:s, s:s}", "a", "1", "b", "2");
	json_t *b = json_pack("{s:s, s:s}", "b", "2", "a", "1");
	json_t *c = json_pack("{s:s, s:s}", "a", "1", "b", "3");
	char fa[17], fb[17], fc[17];
	(void)state;
	alert_fingerprint(a, fa);
	alert_fingerprint(b, fb);
	alert_fingerprint(c, fc);
	assert_string_equal(fa, fb);
	assert_string_not_equal(fa, fc);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* Label sets whose "name=value\n" joins are equal must not share a
 * fingerprint: they are different alerts. */
static void test_fingerprint_collisions(void **state)
{
	static const char *const pairs[][2] = {
	    {"{\"k=v\": \"w\"}", "{\"k\": \"v=w\"}"},
	    {"{\"a\": \"1\\nb=2\"}", "{\"a\": \"1\", \"b\": \"2\"}"},
	    {"{\"a\": \"x\\n\", \"b\": \"\"}", "{\"a\": \"x\\nb=\"}"},
	    {"{\"a\": \"\"}", "{\"a=\": \"\"}"},
	    {"{\"a\": \"1:2\"}", "{\"a\": \"1\", \"\": \":2\"}"},
	};
	char fa[17], fb[17];
	(void)state;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *a = json_loads(pairs[i][0], 0, NULL);
		json_t *b = json_loads(pairs[i][1], 0, NULL);
		assert_non_null(a);
		assert_non_null(b);
		alert_fingerprint(a, fa);
		alert_fingerprint(b, fb);
		if (!strcmp(fa, fb))
			fail_msg("pair %zu shares fingerprint %s", i, fa);
		assert_int_equal(strlen(fa), 16);
		json_decref(a);
		json_decref(b);
	}
}

/* The sender's own fingerprint wins; without one, two alerts whose old
 * joins collide get different fingerprints and so different incidents. */
static void test_fingerprint_sender_kept(void **state)
{
	static const char both[] =
	    "[{\"labels\": {\"k=v\": \"w\"}},"
	    " {\"labels\": {\"k\": \"v=w\"}},"
	    " {\"labels\": {\"k\": \"v=w\"}, \"fingerprint\": \"c0ffee\"}]";
	struct alert_batch b = {0};
	struct ml_err err = {0};
	(void)state;

	assert_int_equal(alert_parse_generic(both, strlen(both), 3, &b, &err),
			 0);
	assert_int_equal(b.n, 3);
	assert_string_not_equal(b.v[0].rec.fingerprint, b.v[1].rec.fingerprint);
	assert_string_not_equal(b.v[0].rec.group_key, b.v[1].rec.group_key);
	assert_string_equal(b.v[2].rec.fingerprint, "c0ffee");
	alert_batch_free(&b);
}

struct bad_case {
	const char *body;
	const char *expect; /* substring of the message */
};

static void test_broken_payloads(void **state)
{
	static const struct bad_case cases[] = {
	    {"", "malformed JSON"},
	    {"{", "malformed JSON"},
	    {"[]", "expected an Alertmanager webhook object"},
	    {"{\"version\":\"3\",\"alerts\":[]}", "version"},
	    {"{\"version\":\"4\"}", "alerts: missing"},
	    {"{\"alerts\":{}}", "alerts: missing or not a list"},
	    {"{\"alerts\":[1]}", "alerts[0]."},
	    {"{\"alerts\":[{}]}", "alerts[0].labels"},
	    {"{\"alerts\":[{\"labels\":{}}]}", "must not be empty"},
	    {"{\"alerts\":[{\"labels\":{\"a\":1}}]}", "labels.a"},
	    {"{\"alerts\":[{\"labels\":{\"a\":\"b\"},\"status\":\"odd\"}]}",
	     "alerts[0].status"},
	    {"{\"alerts\":[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"soon\"}]}",
	     "alerts[0].startsAt"},
	    {"{\"alerts\":[{\"labels\":{\"a\":\"b\"},\"annotations\":[]}]}",
	     "annotations"},
	    {"{\"alerts\":[],\"alerts\":[]}", "duplicate"},
	    {"{\"alerts\":[{\"labels\":{\"a\":\"\xff\xfe\"}}]}", "malformed"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct alert_batch b;
		struct ml_err err = {0};
		int rc = alert_parse_alertmanager(
		    cases[i].body, strlen(cases[i].body), 3, &b, &err);
		if (rc == 0 || !strstr(err.msg, cases[i].expect))
			fail_msg("case %zu (%s): rc=%d msg=%s", i,
				 cases[i].body, rc, err.msg);
		assert_int_equal(rc, ML_EINPUT);
	}
}

static void test_hostile_labels_are_strings(void **state)
{
	const char *body = "{\"labels\":{\"alertname\":\"$(touch pwned)\","
			   "\"x\":\"`id`; rm -rf /\\n\"}}";
	struct alert_batch b;
	struct ml_err err = {0};
	(void)state;
	assert_int_equal(alert_parse_generic(body, strlen(body), 2, &b, &err),
			 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].rec.alertname, "$(touch pwned)");
	assert_int_equal(b.v[0].rec.severity, 2);
	alert_batch_free(&b);
}

static void test_huge_label_set(void **state)
{
	struct buf body = BUF_INIT;
	struct alert_batch b;
	struct ml_err err = {0};
	(void)state;
	buf_puts(&body, "{\"labels\":{");
	for (int i = 0; i < 600; i++)
		buf_printf(&body, "%s\"l%d\":\"v\"", i ? "," : "", i);
	buf_puts(&body, "}}");
	assert_int_equal(alert_parse_generic(body.data, body.len, 3, &b, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "too many labels"));
	buf_free(&body);
}

static void test_generic_forms(void **state)
{
	const char *forms[] = {
	    "{\"labels\":{\"alertname\":\"A\"}}",
	    "[{\"labels\":{\"alertname\":\"A\"}},{\"labels\":{\"alertname\":"
	    "\"B\"}}]",
	    "{\"alerts\":[{\"labels\":{\"alertname\":\"A\"}}]}"};
	const size_t want[] = {1, 2, 1};
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct alert_batch b;
		struct ml_err err = {0};
		assert_int_equal(alert_parse_generic(forms[i], strlen(forms[i]),
						     3, &b, &err),
				 0);
		assert_int_equal(b.n, want[i]);
		alert_batch_free(&b);
	}
}

static void test_severity_map(void **state)
{
	int s;
	(void)state;
	assert_int_equal(alert_severity_parse("P2", &s), 0);
	assert_int_equal(s, 2);
	assert_int_equal(alert_severity_parse("critical", &s), 0);
	assert_int_equal(s, 1);
	assert_int_equal(alert_severity_parse("warning", &s), 0);
	assert_int_equal(s, 3);
	assert_int_equal(alert_severity_parse("info", &s), 0);
	assert_int_equal(s, 4);
	assert_int_equal(alert_severity_parse("P5", &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alertmanager_v4),
	    cmocka_unit_test(test_fingerprint_order_independent),
	    cmocka_unit_test(test_fingerprint_collisions),
	    cmocka_unit_test(test_fingerprint_sender_kept),
	    cmocka_unit_test(test_broken_payloads),
	    cmocka_unit_test(test_hostile_labels_are_strings),
	    cmocka_unit_test(test_huge_label_set),
	    cmocka_unit_test(test_generic_forms),
	    cmocka_unit_test(test_severity_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
