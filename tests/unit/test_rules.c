/* test_rules.c: the alert rules of `mloncall serve`: the pending/firing
 * state machine with an injected clock, `when:` over facts, the config
 * loader's errors (file:line:col), and the Alertmanager payload the
 * intake receives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/out.h"
#include "core/ydoc.h"
#include "incident/alert.h"
#include "incident/svc_config.h"
#include "incident/svc_rules.h"

static const char good[] =
    "rules:\n"
    "  - name: IrisAccuracyLow\n"
    "    every: 5s\n"
    "    probe: prom\n"
    "    with: {metrics_url: \"http://127.0.0.1:9/metrics\",\n"
    "           select: irisd_online_accuracy}\n"
    "    when: \"prom.value ~= nil and prom.value < 0.9\"\n"
    "    for: 20s\n"
    "    keep_firing_for: 1m\n"
    "    labels: {severity: P2, service: irisd}\n"
    "    annotations: {summary: accuracy low}\n";

/* Loads a config text; returns rc and fills cfg and err. */
static int load(const char *text, struct svc_config *cfg, struct ml_err *err)
{
	char path[] = "/tmp/test_rules_XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	rc = svc_config_load(path, cfg, err);
	unlink(path);
	return rc;
}

static void test_state_machine_for(void **state)
{
	struct svc_rule_eval st = {0};
	(void)state;
	/* 20s `for:`, evaluated every 5s */
	assert_int_equal(svc_rule_step(&st, 0, 20000, 0, 0), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 5000),
			 RULE_EV_PENDING);
	assert_int_equal(st.state, RULE_PENDING);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 10000), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 24999), RULE_EV_NONE);
	assert_int_equal(st.state, RULE_PENDING);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 25000), RULE_EV_FIRE);
	assert_int_equal(st.state, RULE_FIRING);
	assert_int_equal(st.fired_at, 25000);
	/* firing stays firing without new events */
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 30000), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 0, 20000, 0, 35000),
			 RULE_EV_RESOLVE);
	assert_int_equal(st.state, RULE_INACTIVE);
	assert_int_equal(st.resolved_at, 35000);
	assert_int_equal(svc_rule_step(&st, 0, 20000, 0, 40000), RULE_EV_NONE);
}

static void test_state_machine_flap(void **state)
{
	struct svc_rule_eval st = {0};
	(void)state;
	/* a dip shorter than `for:` never fires; the clock restarts */
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 0), RULE_EV_PENDING);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 15000), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 0, 20000, 0, 19000),
			 RULE_EV_CANCEL);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 21000),
			 RULE_EV_PENDING);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 40000), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 1, 20000, 0, 41000), RULE_EV_FIRE);
	/* for: 0 fires at the first true evaluation */
	memset(&st, 0, sizeof(st));
	assert_int_equal(svc_rule_step(&st, 1, 0, 0, 7), RULE_EV_FIRE);
	assert_int_equal(svc_rule_step(&st, 1, 0, 0, 8), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 0, 0, 0, 9), RULE_EV_RESOLVE);
	assert_int_equal(svc_rule_step(&st, 1, 0, 0, 10), RULE_EV_FIRE);
}

static void test_keep_firing_for(void **state)
{
	struct svc_rule_eval st = {0};
	(void)state;
	/* for: 0, keep_firing_for: 10s */
	assert_int_equal(svc_rule_step(&st, 1, 0, 10000, 1000), RULE_EV_FIRE);
	assert_int_equal(svc_rule_step(&st, 0, 0, 10000, 5000), RULE_EV_NONE);
	assert_int_equal(st.state, RULE_FIRING);
	/* true again: the 10s count restarts from here */
	assert_int_equal(svc_rule_step(&st, 1, 0, 10000, 8000), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 0, 0, 10000, 17999), RULE_EV_NONE);
	assert_int_equal(svc_rule_step(&st, 0, 0, 10000, 18000),
			 RULE_EV_RESOLVE);
	assert_int_equal(st.resolved_at, 18000);
	/* a pending rule is cancelled at once, keep_firing_for or not */
	assert_int_equal(svc_rule_step(&st, 1, 5000, 10000, 20000),
			 RULE_EV_PENDING);
	assert_int_equal(svc_rule_step(&st, 0, 5000, 10000, 21000),
			 RULE_EV_CANCEL);
}

static void test_load_and_eval(void **state)
{
	struct svc_config cfg;
	struct ml_err err = {0};
	struct svc_rule_eval st = {0};
	enum svc_rule_event ev;
	const struct svc_rule *r;
	json_t *low =
	    json_pack("{s:s, s:f}", "verdict", "healthy", "value", 0.4);
	json_t *ok =
	    json_pack("{s:s, s:f}", "verdict", "healthy", "value", 0.97);
	json_t *none = json_pack("{s:s, s:n}", "verdict", "unknown", "value");
	(void)state;

	assert_int_equal(load(good, &cfg, &err), 0);
	assert_non_null(cfg.rules);
	assert_int_equal(cfg.rules->n, 1);
	r = &cfg.rules->v[0];
	assert_string_equal(r->name, "IrisAccuracyLow");
	assert_int_equal(r->every_ms, 5000);
	assert_int_equal(r->for_ms, 20000);
	assert_int_equal(r->keep_firing_ms, 60000);
	assert_string_equal(jget_str(r->labels, "alertname", ""),
			    "IrisAccuracyLow");
	assert_string_equal(jget_str(r->labels, "severity", ""), "P2");

	assert_int_equal(svc_rule_eval(r, &st, low, 1000, &ev, &err), 0);
	assert_int_equal(ev, RULE_EV_PENDING);
	/* a missing value (nil) is false: the rule stops pending */
	assert_int_equal(svc_rule_eval(r, &st, none, 6000, &ev, &err), 0);
	assert_int_equal(ev, RULE_EV_CANCEL);
	assert_int_equal(svc_rule_eval(r, &st, low, 11000, &ev, &err), 0);
	assert_int_equal(svc_rule_eval(r, &st, low, 31000, &ev, &err), 0);
	assert_int_equal(ev, RULE_EV_FIRE);
	assert_int_equal(svc_rule_eval(r, &st, ok, 36000, &ev, &err), 0);
	assert_int_equal(ev, RULE_EV_NONE); /* keep_firing_for: 1m */
	assert_int_equal(svc_rule_eval(r, &st, ok, 91000, &ev, &err), 0);
	assert_int_equal(ev, RULE_EV_RESOLVE);
	json_decref(low);
	json_decref(ok);
	json_decref(none);
	svc_config_free(&cfg);
}

static void test_eval_error_keeps_state(void **state)
{
	struct svc_config cfg;
	struct ml_err err = {0};
	struct svc_rule_eval st = {0};
	enum svc_rule_event ev;
	json_t *facts = json_pack("{s:s}", "verdict", "healthy");
	(void)state;

	assert_int_equal(load("rules:\n  - name: R\n    probe: prom\n"
			      "    with: {from: x.prom}\n"
			      "    when: \"prom.nothing.deeper > 1\"\n",
			      &cfg, &err),
			 0);
	st.state = RULE_FIRING;
	assert_int_not_equal(
	    svc_rule_eval(&cfg.rules->v[0], &st, facts, 5, &ev, &err), 0);
	assert_int_equal(st.state, RULE_FIRING);
	assert_non_null(strstr(err.msg, "nothing"));
	json_decref(facts);
	svc_config_free(&cfg);
}

/* Every broken rule is refused with file:line:col and a useful message. */
static void test_broken_configs(void **state)
{
	static const struct {
		const char *text, *want;
		int line;
	} cases[] = {
	    {"rules: {a: 1}\n", "expected a list of rules", 1},
	    {"rules:\n  - 3\n", "expected a rule", 2},
	    {"rules:\n  - {probe: prom, when: \"true\"}\n", "name:", 2},
	    {"rules:\n  - {name: A, probe: nope, when: \"true\"}\n",
	     "unknown probe `nope`", 2},
	    {"rules:\n  - {name: A, probe: prom, with: {bogus: 1}, when: "
	     "\"true\"}\n",
	     "bogus", 2},
	    {"rules:\n  - {name: A, probe: prom, with: [1], when: "
	     "\"true\"}\n",
	     "expected a mapping", 2},
	    {"rules:\n  - {name: A, probe: prom}\n", "when:", 2},
	    {"rules:\n  - name: A\n    probe: prom\n    when: \"1 +\"\n", "",
	     4},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\", every: "
	     "0s}\n",
	     "above 0", 2},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\", for: "
	     "soon}\n",
	     "duration", 2},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\", labels: "
	     "[x]}\n",
	     "mapping of names", 2},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\", labels: "
	     "{a: {b: c}}}\n",
	     "text value", 2},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\", evry: "
	     "1s}\n",
	     "did you mean `every`", 2},
	    {"rules:\n  - {name: A, probe: prom, when: \"true\"}\n"
	     "  - {name: A, probe: prom, when: \"true\"}\n",
	     "same name", 3},
	    {"rules:\n  - {name: \"\", probe: prom, when: \"true\"}\n", "empty",
	     2},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct svc_config cfg;
		struct ml_err err = {0};
		int rc = load(cases[i].text, &cfg, &err);
		if (rc == 0 || !strstr(err.msg, cases[i].want) ||
		    err.line != cases[i].line)
			fail_msg("case %zu: rc %d line %d: %s", i, rc, err.line,
				 err.msg);
		svc_config_free(&cfg);
	}
}

/* The payload is a valid Alertmanager v4 body for the intake parser,
 * with the rule's labels and a severity the service maps to P2. */
static void test_payload_roundtrip(void **state)
{
	struct svc_config cfg;
	struct ml_err err = {0};
	struct svc_rule_eval st = {.fired_at = 1795424400000LL,
				   .resolved_at = 1795424460000LL};
	struct alert_batch b = {0};
	json_t *facts = json_pack("{s:s, s:f}", "verdict", "degraded", "value",
				  0.42),
	       *p;
	char *text;
	(void)state;

	assert_int_equal(load(good, &cfg, &err), 0);
	for (int k = 0; k < 2; k++) {
		const char *status = k ? "resolved" : "firing";
		p = svc_rule_payload(&cfg.rules->v[0], &st, status, facts);
		text = json_dumps(p, JSON_COMPACT);
		assert_int_equal(
		    alert_parse_alertmanager(text, strlen(text), 3, &b, &err),
		    0);
		assert_int_equal(b.n, 1);
		assert_string_equal(b.v[0].rec.status, status);
		assert_string_equal(b.v[0].rec.alertname, "IrisAccuracyLow");
		assert_int_equal(b.v[0].rec.severity, 2);
		assert_string_equal(b.v[0].rec.title, "accuracy low");
		assert_string_equal(
		    jget_str(json_object_get(b.v[0].json, "annotations"),
			     "value", ""),
		    "value = 0.42");
		assert_int_equal(b.v[0].rec.starts_at, 1795424400000LL);
		if (k)
			assert_int_equal(b.v[0].rec.ends_at, 1795424460000LL);
		alert_batch_free(&b);
		free(text);
		json_decref(p);
	}
	json_decref(facts);
	svc_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_machine_for),
	    cmocka_unit_test(test_state_machine_flap),
	    cmocka_unit_test(test_keep_firing_for),
	    cmocka_unit_test(test_load_and_eval),
	    cmocka_unit_test(test_eval_error_keeps_state),
	    cmocka_unit_test(test_broken_configs),
	    cmocka_unit_test(test_payload_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
