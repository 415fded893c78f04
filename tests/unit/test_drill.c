/* test_drill.c: drill scenarios (loading, every truncation of a good
 * file, hostile values), participants from the command line, the fault
 * and clear actions as commands, and the debrief computed from a known
 * timeline (times, actions, counts, Markdown that stays a table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/out.h"
#include "incident/drill.h"

static const char good[] =
    "name: irisd-bad-model\n"
    "description: >\n"
    "  the model goes bad\n"
    "participants: [ana, ben]\n"
    "timeout: 2m\n"
    "fault:\n"
    "  http:\n"
    "    method: POST\n"
    "    url: http://127.0.0.1:8081/admin/fault\n"
    "    body: { bad_model: true, shift: 2.5 }\n"
    "  timeout: 5s\n"
    "alert:\n"
    "  labels: { alertname: ModelQualityDegraded, severity: P2 }\n"
    "  annotations: { summary: accuracy low }\n"
    "clear:\n"
    "  run: echo cleared\n";

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static int load_text(const char *text, size_t n, struct drill_scenario *sc,
		     struct ml_err *err)
{
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "test-drill-%d.yaml", getpid());
	write_file(path, text, n);
	rc = drill_scenario_load(path, sc, err);
	unlink(path);
	return rc;
}

static void test_load_good(void **state)
{
	struct drill_scenario sc;
	struct ml_err err = {0};
	json_t *j;

	(void)state;
	assert_int_equal(load_text(good, strlen(good), &sc, &err), 0);
	assert_string_equal(sc.name, "irisd-bad-model");
	assert_string_equal(sc.description, "the model goes bad");
	assert_int_equal(sc.n_participants, 2);
	assert_string_equal(sc.participants[1], "ben");
	assert_int_equal(sc.timeout_ms, 120000);
	assert_string_equal(sc.fault.method, "POST");
	assert_int_equal(sc.fault.timeout_ms, 5000);
	assert_string_equal(sc.fault.body,
			    "{\"bad_model\":true,\"shift\":2.5}");
	assert_string_equal(sc.clear.run, "echo cleared");
	assert_int_equal(sc.clear.timeout_ms, 30000);
	assert_string_equal(jget_str(sc.labels, "severity", ""), "P2");
	j = drill_scenario_json(&sc);
	assert_string_equal(
	    jget_str(json_object_get(json_object_get(j, "fault"), "http"),
		     "url", ""),
	    "http://127.0.0.1:8081/admin/fault");
	json_decref(j);
	drill_scenario_free(&sc);
}

/* Every prefix of a good file loads or fails cleanly with a position. */
static void test_truncations(void **state)
{
	size_t n = strlen(good);
	int ok = 0;

	(void)state;
	for (size_t cut = 0; cut < n; cut++) {
		struct drill_scenario sc;
		struct ml_err err = {0};
		int rc = load_text(good, cut, &sc, &err);
		if (rc == 0)
			ok++;
		else if (rc != ML_EINPUT || err.line < 1)
			fail_msg("cut %zu: rc %d, %d:%d %s", cut, rc, err.line,
				 err.col, err.msg);
		drill_scenario_free(&sc);
	}
	/* only cuts inside the last line's command can still be valid */
	assert_true(ok > 0 && ok < 20);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
	    "name: x\nfault: {run: \"\"}\nalert: {labels: {alertname: A}}\n"
	    "clear: {run: \"true\"}\n",
	    "name: x\nfault: {run: [a]}\nalert: {labels: {alertname: A}}\n"
	    "clear: {run: \"true\"}\n",
	    "name: x\nfault: {run: \"true\", timeout: -5s}\nalert: {labels: "
	    "{alertname: A}}\nclear: {run: \"true\"}\n",
	    "name: x\nfault: {run: \"true\"}\nalert: {labels: {alertname: "
	    "[1]}}\nclear: {run: \"true\"}\n",
	    "name: x\nfault: {run: \"true\"}\nalert: {labels: {alertname: "
	    "A}, extra: 1}\nclear: {run: \"true\"}\n",
	    "name: x\nparticipants: []\nfault: {run: \"true\"}\nalert: "
	    "{labels: {alertname: A}}\nclear: {run: \"true\"}\n",
	    "name: x\nparticipants: [{a: b}]\nfault: {run: \"true\"}\nalert: "
	    "{labels: {alertname: A}}\nclear: {run: \"true\"}\n",
	    "name: x\nfault: {http: {url: \"http://h/\", headers: {}}}\n"
	    "alert: {labels: {alertname: A}}\nclear: {run: \"true\"}\n",
	    "name: &a x\nfault: *a\n",
	    "name: x\nname: y\n",
	    "\t\x01\x02",
	};
	char *huge;
	struct drill_scenario sc;
	struct ml_err err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ml_err_clear(&err);
		if (load_text(bad[i], strlen(bad[i]), &sc, &err) != ML_EINPUT ||
		    err.line < 1)
			fail_msg("case %zu accepted or no position: %s", i,
				 err.msg);
		drill_scenario_free(&sc);
	}
	/* a very long alertname is fine (it is data), a 64 KiB one too */
	huge = malloc(70000);
	strcpy(huge, "name: x\nfault: {run: \"true\"}\nclear: {run: \"true\"}\n"
		     "alert: {labels: {alertname: \"");
	memset(huge + strlen(huge), 'A', 65536);
	strcpy(huge + strlen(huge) - 0, "\"}}\n");
	assert_int_equal(load_text(huge, strlen(huge), &sc, &err), 0);
	assert_int_equal(strlen(jget_str(sc.labels, "alertname", "")), 65536);
	drill_scenario_free(&sc);
	free(huge);
	assert_int_equal(drill_scenario_load("/nonexistent/x.yaml", &sc, &err),
			 ML_ENOTFOUND);
	drill_scenario_free(&sc);
}

static void test_participants(void **state)
{
	struct drill_scenario sc;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(load_text(good, strlen(good), &sc, &err), 0);
	assert_int_equal(drill_set_participants(&sc, "carol,dan.e@x", &err), 0);
	assert_int_equal(sc.n_participants, 2);
	assert_string_equal(sc.participants[1], "dan.e@x");
	assert_int_equal(drill_set_participants(&sc, ",,", &err), ML_EINPUT);
	assert_int_equal(drill_set_participants(&sc, "a,b c", &err), ML_EINPUT);
	assert_int_equal(drill_set_participants(&sc, "a;reboot", &err),
			 ML_EINPUT);
	drill_scenario_free(&sc);
}

static void test_actions(void **state)
{
	struct drill_action ok = {.run = "echo hi", .timeout_ms = 5000},
			    bad = {.run = "echo nope >&2; exit 3",
				   .timeout_ms = 5000},
			    slow = {.run = "sleep 5", .timeout_ms = 200},
			    refused = {.method = "POST",
				       .url = "http://127.0.0.1:1/x",
				       .timeout_ms = 2000};
	struct ml_err err = {0};
	char *detail = NULL;

	(void)state;
	assert_int_equal(drill_action_do(&ok, "fault", NULL, &detail, &err), 0);
	assert_string_equal(detail, "`echo hi`: exit 0");
	free(detail);
	assert_int_equal(drill_action_do(&bad, "fault", NULL, NULL, &err),
			 ML_EIO);
	assert_non_null(strstr(err.msg, "exit 3"));
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(drill_action_do(&slow, "clear", NULL, NULL, &err),
			 ML_EIO);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_int_equal(drill_action_do(&refused, "fault", NULL, NULL, &err),
			 ML_EIO);
	assert_non_null(strstr(err.msg, "http://127.0.0.1:1/x"));
}

/* A drill incident's timeline with known times (opened at 1000). */
static json_t *incident(void)
{
	return json_pack(
	    "{s:i, s:i, s:s, s:s, s:i, s:i, s:[{s:i, s:s, s:s, s:s},"
	    "{s:i, s:s, s:s, s:s},{s:i, s:s, s:s, s:s, s:{s:s, s:{s:s}}},"
	    "{s:i, s:s, s:s, s:s},{s:i, s:s, s:s, s:s},"
	    "{s:i, s:s, s:s, s:s},{s:i, s:s, s:s, s:s},"
	    "{s:i, s:s, s:s, s:s, s:{s:s}},{s:i, s:s, s:s, s:s}]}",
	    "id", 7, "severity", 2, "status", "resolved", "runbook_id",
	    "disk-full", "drill", 1, "created_at", 1000, "timeline", "at", 1000,
	    "kind", "page", "actor", "mloncall", "message", "paged ana", "at",
	    1100, "kind", "suppressed", "actor", "mloncall", "message",
	    "suppressed (drill): paged bob", "at", 5000, "kind", "run", "actor",
	    "mloncall", "message",
	    "diagnose run of x: diagnosed; cause: disk-full", "data", "status",
	    "diagnosed", "diagnosis", "cause", "disk-full", "at", 31000, "kind",
	    "ack", "actor", "ana", "message", "acknowledged by ana", "at",
	    40000, "kind", "update", "actor", "ben", "message",
	    "cleaning | caches\nnext update 10:30", "at", 50000, "kind",
	    "reminder", "actor", "mloncall", "message", "due", "at", 60000,
	    "kind", "note", "actor", "ana", "message", "df", "at", 90000,
	    "kind", "run", "actor", "mloncall", "message",
	    "remediate run of x: succeeded", "data", "status", "succeeded",
	    "at", 95000, "kind", "resolved", "actor", "ana", "message",
	    "resolved by ana");
}

static void test_debrief(void **state)
{
	struct drill_scenario sc;
	struct ml_err err = {0};
	struct drill_clock c = {.started_at = 900,
				.fault_at = 950,
				.alert_at = 990,
				.ended_at = 96000,
				.cleared_at = 96100,
				.outcome = "mitigated"};
	json_t *inc = incident(), *d, *t;
	struct buf md = BUF_INIT;

	(void)state;
	assert_int_equal(load_text(good, strlen(good), &sc, &err), 0);
	d = drill_debrief(&sc, inc, &c);
	t = json_object_get(d, "times");
	assert_int_equal(
	    jget_int(json_object_get(t, "acknowledge"), "after_ms", 0), 30000);
	assert_string_equal(
	    jget_str(json_object_get(t, "acknowledge"), "by", ""), "ana");
	assert_int_equal(
	    jget_int(json_object_get(t, "diagnose"), "after_ms", 0), 4000);
	/* the successful remediation mitigates, before the resolve */
	assert_int_equal(
	    jget_int(json_object_get(t, "mitigate"), "after_ms", 0), 89000);
	assert_string_equal(jget_str(json_object_get(t, "mitigate"), "by", ""),
			    "runbook");
	assert_int_equal(json_array_size(json_object_get(d, "actions")), 6);
	assert_int_equal(
	    jget_int(json_object_get(d, "notifications"), "sent", 0), 1);
	assert_int_equal(
	    jget_int(json_object_get(d, "notifications"), "suppressed", 0), 1);
	assert_int_equal(
	    jget_int(json_object_get(d, "notifications"), "reminders", 0), 1);
	assert_true(jget_bool(d, "fault_cleared", 0));
	drill_debrief_markdown(d, &md);
	assert_non_null(strstr(buf_str(&md), "| Acknowledge | 30s | ana |"));
	assert_non_null(strstr(buf_str(&md), "| Mitigate | 1m29s | runbook: "));
	/* a | and a newline in a message do not break the table */
	assert_non_null(strstr(
	    buf_str(&md), "| +39s | ben | update: cleaning \\| caches next "
			  "update 10:30 |"));
	assert_non_null(strstr(buf_str(&md), "suppressed (drill, not a "
					     "participant): 1"));
	buf_free(&md);
	json_decref(d);
	/* no incident, fault not cleared */
	c.outcome = "error";
	c.clear_error = "clear: `x`: exit 1";
	d = drill_debrief(&sc, NULL, &c);
	assert_true(json_is_null(json_object_get(d, "incident")));
	assert_true(json_is_null(
	    json_object_get(json_object_get(d, "times"), "acknowledge")));
	drill_debrief_markdown(d, &md);
	assert_non_null(
	    strstr(buf_str(&md), "| Fault cleared | **NO**: clear"));
	assert_non_null(strstr(buf_str(&md), "none was opened"));
	assert_non_null(strstr(buf_str(&md), "| Acknowledge | not reached"));
	buf_free(&md);
	json_decref(d);
	json_decref(inc);
	drill_scenario_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_good),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_participants),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_debrief),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
