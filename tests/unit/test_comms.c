/* test_comms.c: incident communication: the update log in the store
 * (valid and hostile texts), the reminder's view of open incidents, the
 * reminder cadence (a fake clock passed to svc_remind_tick), its config
 * (errors with file:line:col) and the drill participant filter. */
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
#include "incident/drill_notify.h"
#include "incident/svc.h"
#include "incident/svc_remind.h"
#include "store/store_comms.h"

#define T0 1800000000000LL /* a fixed "now" in 2027 */
#define MIN 60000LL

struct fx {
	char path[64];
	struct svc svc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ml_err err = {0};

	snprintf(f->path, sizeof(f->path), "test-comms-%d.db", getpid());
	unlink(f->path);
	svc_config_defaults(&f->svc.cfg);
	pthread_mutex_init(&f->svc.store_lock, NULL);
	pthread_mutex_init(&f->svc.metrics_lock, NULL);
	if (store_open(f->path, &f->svc.store, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[80];

	store_close(f->svc.store);
	svc_config_free(&f->svc.cfg);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* Opens an incident at time `at` with severity sev; returns its id. */
static int64_t open_incident(struct store *s, const char *fp, int sev,
			     int drill, const char *participants, int64_t at)
{
	json_t *labels = json_pack("{s:s, s:s}", "alertname", "ModelDown",
				   "drill", drill ? "true" : "false");
	json_t *ann = participants
			  ? json_pack("{s:s}", DRILL_PARTICIPANTS, participants)
			  : NULL;
	struct store_alert a = {.fingerprint = fp,
				.status = "firing",
				.alertname = "ModelDown",
				.severity = sev,
				.labels = labels,
				.annotations = ann,
				.source = "test",
				.payload = labels,
				.drill = drill};
	struct store_alert_result r;
	struct ml_err err = {0};

	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_alert_apply(s, &a, at, &r, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	json_decref(labels);
	json_decref(ann);
	return r.incident_id;
}

/* Counts timeline entries of kind (and, when msg_part, containing it). */
static int count_kind(struct store *s, int64_t id, const char *kind,
		      const char *msg_part)
{
	struct ml_err err = {0};
	json_t *inc = NULL, *e;
	size_t i;
	int n = 0;

	assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
	json_array_foreach(
	    json_object_get(inc, "timeline"), i,
	    e) if (!strcmp(jget_str(e, "kind", ""), kind) &&
		   (!msg_part || strstr(jget_str(e, "message", ""), msg_part)))
	    n++;
	json_decref(inc);
	return n;
}

static void test_update_log(void **state)
{
	struct fx *f = *state;
	struct store *s = f->svc.store;
	struct ml_err err = {0};
	int64_t id = open_incident(s, "u1", 2, 0, NULL, T0);
	json_t *inc = NULL, *last;

	assert_int_equal(
	    store_incident_update(s, id, "ana",
				  "Rolled back model v42; error "
				  "rate falling. Next update 14:30.",
				  T0 + MIN, &err),
	    0);
	assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
	last = json_array_get(
	    json_object_get(inc, "timeline"),
	    json_array_size(json_object_get(inc, "timeline")) - 1);
	assert_string_equal(jget_str(last, "kind", ""), "update");
	assert_string_equal(jget_str(last, "actor", ""), "ana");
	assert_int_equal(jget_int(last, "at", 0), T0 + MIN);
	assert_non_null(strstr(jget_str(last, "message", ""), "v42"));
	json_decref(inc);
	/* no actor: "cli" */
	assert_int_equal(store_incident_update(s, id, NULL, "x", T0, &err), 0);
	assert_int_equal(count_kind(s, id, "update", NULL), 2);
}

static void test_update_rejects(void **state)
{
	struct fx *f = *state;
	struct store *s = f->svc.store;
	struct ml_err err = {0};
	int64_t id = open_incident(s, "u2", 2, 0, NULL, T0);
	static const char *const bad[] = {
	    "",			/* empty */
	    " \t\n ",		/* blank */
	    "caf\xc3",		/* truncated sequence */
	    "\xff\xfe",		/* never UTF-8 */
	    "\xc0\xaf",		/* overlong '/' */
	    "\xed\xa0\x80",	/* a surrogate */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "ok \x80 bare continuation",
	};
	char *huge = malloc(STORE_UPDATE_MAX + 2);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ml_err_clear(&err);
		assert_int_equal(
		    store_incident_update(s, id, "x", bad[i], T0, &err),
		    ML_EINPUT);
	}
	assert_int_equal(store_incident_update(s, id, "x", NULL, T0, &err),
			 ML_EINPUT);
	memset(huge, 'a', STORE_UPDATE_MAX + 1);
	huge[STORE_UPDATE_MAX + 1] = '\0';
	assert_int_equal(store_incident_update(s, id, "x", huge, T0, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "at most"));
	huge[STORE_UPDATE_MAX] = '\0'; /* exactly the limit is fine */
	assert_int_equal(store_incident_update(s, id, "x", huge, T0, &err), 0);
	free(huge);
	/* hostile but valid text is stored as is: never interpreted */
	assert_int_equal(store_incident_update(s, id, "x",
					       "'; DROP TABLE incidents; -- "
					       "$(rm -rf /) \xe2\x9c\x85",
					       T0, &err),
			 0);
	assert_int_equal(count_kind(s, id, "update", "DROP TABLE"), 1);
	assert_int_equal(store_incident_update(s, 999, "x", "hi", T0, &err),
			 ML_ENOTFOUND);
	/* a resolved incident still takes the all-clear */
	assert_int_equal(store_incident_resolve(s, id, "x", NULL, T0, &err), 0);
	assert_int_equal(
	    store_incident_update(s, id, "x", "all clear", T0, &err), 0);
}

static void test_comms_open(void **state)
{
	struct fx *f = *state;
	struct store *s = f->svc.store;
	struct ml_err err = {0};
	int64_t a = open_incident(s, "o1", 1, 0, NULL, T0);
	int64_t b = open_incident(s, "o2", 3, 0, NULL, T0 + 1);
	int64_t c = open_incident(s, "o3", 2, 0, NULL, T0 + 2);
	json_t *open = NULL, *ra, *rb;

	assert_int_equal(store_incident_update(s, a, "x", "one", T0 + 10, &err),
			 0);
	assert_int_equal(store_incident_update(s, a, "x", "two", T0 + 20, &err),
			 0);
	assert_int_equal(store_timeline_add(s, a, T0 + 30, "reminder",
					    "mloncall", "r", NULL, &err),
			 0);
	assert_int_equal(store_incident_role(s, a, "x", "incident_commander",
					     "carol", T0, &err),
			 0);
	assert_int_equal(store_incident_resolve(s, c, "x", NULL, T0, &err), 0);
	assert_int_equal(store_comms_open(s, &open, &err), 0);
	assert_int_equal(json_array_size(open), 2); /* c is resolved */
	ra = json_array_get(open, 0);
	rb = json_array_get(open, 1);
	assert_int_equal(jget_int(ra, "id", 0), a);
	assert_int_equal(jget_int(ra, "last_update_at", 0), T0 + 20);
	assert_int_equal(jget_int(ra, "last_reminder_at", 0), T0 + 30);
	assert_string_equal(jget_str(ra, "commander", ""), "carol");
	assert_int_equal(jget_int(rb, "id", 0), b);
	assert_true(json_is_null(json_object_get(rb, "last_update_at")));
	assert_true(json_is_null(json_object_get(rb, "commander")));
	json_decref(open);
}

static void test_due_at(void **state)
{
	(void)state;
	/* never: no cadence */
	assert_int_equal(svc_remind_due_at(0, T0, 0, 0), 0);
	/* first one a cadence after opening */
	assert_int_equal(svc_remind_due_at(30 * MIN, T0, 0, 0), T0 + 30 * MIN);
	/* an update resets it */
	assert_int_equal(svc_remind_due_at(30 * MIN, T0, T0 + 20 * MIN, 0),
			 T0 + 50 * MIN);
	/* after a reminder: again a cadence later */
	assert_int_equal(svc_remind_due_at(30 * MIN, T0, 0, T0 + 30 * MIN),
			 T0 + 60 * MIN);
	/* an update after the reminder wins */
	assert_int_equal(
	    svc_remind_due_at(30 * MIN, T0, T0 + 45 * MIN, T0 + 30 * MIN),
	    T0 + 75 * MIN);
}

/* The reminder over a fake clock: P1 every 30m, P4 never. */
static void test_tick_cadence(void **state)
{
	struct fx *f = *state;
	struct svc *svc = &f->svc;
	struct ml_err err = {0};
	int64_t p1 = open_incident(svc->store, "t1", 1, 0, NULL, T0);
	int64_t p4 = open_incident(svc->store, "t4", 4, 0, NULL, T0);

	assert_int_equal(svc_remind_tick(svc, T0 + 29 * MIN), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 30 * MIN), 1);
	assert_int_equal(count_kind(svc->store, p1, "reminder",
				    "30m since the incident opened"),
			 1);
	/* no channel: the notification is on the timeline, to primary */
	assert_int_equal(
	    count_kind(svc->store, p1, "page", "reminder to primary (primary)"),
	    1);
	/* not again within the cadence, again after it */
	assert_int_equal(svc_remind_tick(svc, T0 + 59 * MIN), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 60 * MIN), 1);
	assert_int_equal(count_kind(svc->store, p1, "reminder", NULL), 2);
	/* an update resets the clock; the commander gets the next one */
	assert_int_equal(store_incident_update(svc->store, p1, "ana", "status",
					       T0 + 70 * MIN, &err),
			 0);
	assert_int_equal(store_incident_role(svc->store, p1, "x",
					     "incident_commander", "carol", T0,
					     &err),
			 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 99 * MIN), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 100 * MIN), 1);
	assert_int_equal(
	    count_kind(svc->store, p1, "reminder", "30m since the last update"),
	    1);
	assert_int_equal(count_kind(svc->store, p1, "page",
				    "reminder to carol (incident_commander)"),
			 1);
	/* resolved: no more */
	assert_int_equal(
	    store_incident_resolve(svc->store, p1, "x", NULL, T0, &err), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 1000 * MIN), 0);
	assert_int_equal(count_kind(svc->store, p4, "reminder", NULL), 0);
}

/* Acked incidents still owe updates; a changed severity changes the
 * cadence. */
static void test_tick_acked_and_severity(void **state)
{
	struct fx *f = *state;
	struct svc *svc = &f->svc;
	struct ml_err err = {0};
	int64_t id = open_incident(svc->store, "a1", 3, 0, NULL, T0);

	assert_int_equal(store_incident_ack(svc->store, id, "x", T0, &err), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 60 * MIN), 0); /* P3: 4h */
	assert_int_equal(
	    store_incident_severity(svc->store, id, "x", 1, T0, &err), 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 60 * MIN), 1);
}

/* A drill's reminder reaches a participant, and nobody else. */
static void test_tick_drill(void **state)
{
	struct fx *f = *state;
	struct svc *svc = &f->svc;
	struct ml_err err = {0};
	int64_t d = open_incident(svc->store, "d1", 1, 1, "carol, dan", T0);

	assert_int_equal(svc_remind_tick(svc, T0 + 30 * MIN), 1);
	assert_int_equal(count_kind(svc->store, d, "suppressed",
				    "suppressed (drill): reminder to primary"),
			 1);
	assert_int_equal(count_kind(svc->store, d, "page", NULL), 0);
	assert_int_equal(store_incident_role(svc->store, d, "x",
					     "incident_commander", "dan", T0,
					     &err),
			 0);
	assert_int_equal(svc_remind_tick(svc, T0 + 60 * MIN), 1);
	assert_int_equal(count_kind(svc->store, d, "page",
				    "reminder to dan (incident_commander)"),
			 1);
	assert_int_equal(count_kind(svc->store, d, "suppressed", NULL), 1);
}

/* Writes text to a temp config and loads it. */
static int load_cfg(const char *text, struct svc_config *c, struct ml_err *err)
{
	char path[64];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "test-comms-%d.yaml", getpid());
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	rc = svc_config_load(path, c, err);
	unlink(path);
	return rc;
}

static void test_config(void **state)
{
	struct svc_config c;
	struct ml_err err = {0};
	static const struct {
		const char *yaml;
		int line, col;
		const char *msg;
	} bad[] = {
	    {"status_updates: {P5: 30m}\n", 1, 18, "expected a severity"},
	    {"status_updates:\n  P1: soon\n", 2, 7, "expected a cadence"},
	    {"status_updates:\n  P1: 500ms\n", 2, 7, "at least 1s"},
	    {"status_updates: [30m]\n", 1, 17, "expected a mapping"},
	    {"status_updates:\n  P1: [1]\n", 2, 7, "expected a cadence"},
	    {"status_update: {P1: 1h}\n", 1, 1,
	     "did you mean `status_updates`"},
	};

	(void)state;
	svc_config_defaults(&c);
	assert_int_equal(c.status_update_ms[1], 30 * MIN);
	assert_int_equal(c.status_update_ms[2], 60 * MIN);
	assert_int_equal(c.status_update_ms[3], 240 * MIN);
	assert_int_equal(c.status_update_ms[4], 0);
	svc_config_free(&c);
	assert_int_equal(load_cfg("status_updates: {P1: 15m, P3: none, "
				  "critical: 10m}\n",
				  &c, &err),
			 0);
	assert_int_equal(c.status_update_ms[1], 10 * MIN); /* later wins */
	assert_int_equal(c.status_update_ms[2], 60 * MIN); /* default kept */
	assert_int_equal(c.status_update_ms[3], 0);
	svc_config_free(&c);
	assert_int_equal(load_cfg("status_updates: none\n", &c, &err), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(c.status_update_ms[i], 0);
	svc_config_free(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ml_err_clear(&err);
		assert_int_equal(load_cfg(bad[i].yaml, &c, &err), ML_EINPUT);
		if (!strstr(err.msg, bad[i].msg) || err.line != bad[i].line ||
		    err.col != bad[i].col)
			fail_msg("case %zu: %d:%d %s", i, err.line, err.col,
				 err.msg);
		svc_config_free(&c);
	}
}

static void test_participants(void **state)
{
	json_t *l;

	(void)state;
	assert_true(drill_is_participant("alice,bob", "bob", NULL));
	assert_true(drill_is_participant(" alice , bob ", "alice", NULL));
	assert_true(drill_is_participant("alice,primary", "zed", "primary"));
	assert_false(drill_is_participant("alice,bob", "bo", NULL));
	assert_false(drill_is_participant("alice,bob", "alice,bob", NULL));
	assert_false(drill_is_participant("alice,,", "", NULL));
	assert_false(drill_is_participant("", "alice", NULL));
	assert_false(drill_is_participant(NULL, "alice", "primary"));
	assert_false(drill_is_participant("alice", NULL, NULL));
	l = json_pack("{s:s}", "drill", "true");
	assert_true(drill_labels_marked(l));
	json_object_set_new(l, "drill", json_string("TRUE"));
	assert_false(drill_labels_marked(l));
	json_object_set_new(l, "drill", json_integer(1));
	assert_false(drill_labels_marked(l));
	json_decref(l);
	assert_false(drill_labels_marked(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_update_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_rejects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_comms_open, setup, teardown),
	    cmocka_unit_test(test_due_at),
	    cmocka_unit_test_setup_teardown(test_tick_cadence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tick_acked_and_severity, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tick_drill, setup, teardown),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_participants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
