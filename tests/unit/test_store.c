/* test_store.c: the SQLite incident store: dedup by fingerprint, grouping,
 * auto-resolve, actions, timers and runs that survive a reopen, tokens. */
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

#include <sqlite3.h>

#include "core/fingerprint.h"
#include "core/out.h"
#include "incident/alert.h"
#include "store/store.h"
#include "store/store_int.h"

struct fx {
	char path[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ml_err err = {0};

	snprintf(f->path, sizeof(f->path), "test-store-%d.db", getpid());
	unlink(f->path);
	if (store_open(f->path, &f->s, &err) != 0)
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

static void apply(struct store *s, const char *fp, const char *group,
		  const char *status, int64_t now,
		  struct store_alert_result *res)
{
	json_t *labels = json_pack("{s:s}", "alertname", "GPUHot");
	struct store_alert a = {.fingerprint = fp,
				.group_key = group,
				.status = status,
				.alertname = "GPUHot",
				.severity = 2,
				.labels = labels,
				.source = "test",
				.payload = labels};
	struct ml_err err = {0};

	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_alert_apply(s, &a, now, res, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	json_decref(labels);
}

static void test_dedup_and_autoresolve(void **state)
{
	struct fx *f = *state;
	struct store_alert_result r;
	struct ml_err err = {0};
	json_t *inc;

	apply(f->s, "fp1", "g1", "firing", 1000, &r);
	assert_true(r.created_incident);
	assert_int_equal(r.incident_id, 1);
	apply(f->s, "fp1", "g1", "firing", 2000, &r); /* repeat */
	assert_true(r.repeat);
	assert_false(r.created_incident);
	apply(f->s, "fp2", "g1", "firing", 3000, &r); /* same group */
	assert_false(r.created_incident);
	assert_int_equal(r.incident_id, 1);
	apply(f->s, "fp1", "g1", "resolved", 4000, &r);
	assert_true(r.resolved_alert);
	assert_false(r.resolved_incident); /* fp2 still firing */
	apply(f->s, "fp2", "g1", "resolved", 5000, &r);
	assert_true(r.resolved_incident);
	assert_int_equal(store_incident_get(f->s, 1, &inc, &err), 0);
	assert_string_equal(jget_str(inc, "status", ""), "resolved");
	assert_int_equal(jget_int(inc, "auto_resolved", 0), 1);
	assert_int_equal(json_array_size(json_object_get(inc, "alerts")), 2);
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(inc, "alerts"), 0), "count",
		     0),
	    2);
	json_decref(inc);
	/* firing again after resolution opens a new incident */
	apply(f->s, "fp1", "g1", "firing", 6000, &r);
	assert_true(r.created_incident);
	assert_int_equal(r.incident_id, 2);
	/* resolved for an alert never seen: ignored */
	apply(f->s, "nope", "g9", "resolved", 7000, &r);
	assert_true(r.ignored);
}

static void test_actions(void **state)
{
	struct fx *f = *state;
	struct store_alert_result r;
	struct ml_err err = {0};
	json_t *inc;

	apply(f->s, "fpA", "gA", "firing", 1000, &r);
	assert_int_equal(store_incident_ack(f->s, 1, "alice", 2000, &err), 0);
	assert_int_equal(store_incident_ack(f->s, 1, "alice", 2500, &err), 0);
	assert_int_equal(
	    store_incident_note(f->s, 1, "bob", "looking", 3000, &err), 0);
	assert_int_equal(store_incident_note(f->s, 1, "bob", "", 3000, &err),
			 ML_EINPUT);
	assert_int_equal(store_incident_role(f->s, 1, "bob",
					     "incident_commander", "carol",
					     3100, &err),
			 0);
	assert_int_equal(
	    store_incident_role(f->s, 1, "bob", "king", "x", 3100, &err),
	    ML_EINPUT);
	assert_int_equal(store_incident_severity(f->s, 1, "bob", 1, 3200, &err),
			 0);
	assert_int_equal(store_incident_severity(f->s, 1, "bob", 7, 3200, &err),
			 ML_EINPUT);
	assert_int_equal(
	    store_incident_bridge(f->s, 1, "bob", "https://meet/x", 3300, &err),
	    0);
	assert_int_equal(
	    store_incident_resolve(f->s, 1, "alice", "fixed", 4000, &err), 0);
	assert_int_equal(store_incident_ack(f->s, 1, "alice", 5000, &err),
			 ML_EINPUT);
	assert_int_equal(store_incident_ack(f->s, 42, "alice", 5000, &err),
			 ML_ENOTFOUND);
	assert_int_equal(store_incident_get(f->s, 1, &inc, &err), 0);
	assert_int_equal(jget_int(inc, "acked_at", 0), 2000);
	assert_int_equal(jget_int(inc, "severity", 0), 1);
	assert_string_equal(jget_str(inc, "bridge_url", ""), "https://meet/x");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(inc, "roles"), 0), "person",
		     ""),
	    "carol");
	/* opened, route, alert, ack, note, role, severity, bridge, resolved */
	assert_int_equal(json_array_size(json_object_get(inc, "timeline")), 9);
	json_decref(inc);
}

static void test_timers_and_runs_survive_reopen(void **state)
{
	struct fx *f = *state;
	struct store_alert_result r;
	struct ml_err err = {0};
	json_t *due, *runs;
	int64_t run_id;
	int n;

	apply(f->s, "fpT", "gT", "firing", 1000, &r);
	assert_int_equal(store_escalation_set(f->s, 1, 1, 5000, 0, &err), 0);
	assert_int_equal(store_run_create(f->s, 1, "gpu-oom", "diagnose", 1000,
					  &run_id, &err),
			 0);
	assert_int_equal(
	    store_run_update(f->s, run_id, "running", 123, NULL, 1100, &err),
	    0);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(store_escalation_due(f->s, 4999, &due, &err), 0);
	assert_int_equal(json_array_size(due), 0);
	json_decref(due);
	assert_int_equal(store_escalation_due(f->s, 5000, &due, &err), 0);
	assert_int_equal(json_array_size(due), 1);
	assert_int_equal(jget_int(json_array_get(due, 0), "level", -1), 1);
	json_decref(due);
	assert_int_equal(store_run_interrupt_stale(f->s, 6000, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_run_list(f->s, 1, NULL, &runs, &err), 0);
	assert_string_equal(jget_str(json_array_get(runs, 0), "status", ""),
			    "interrupted");
	json_decref(runs);
	/* an acked incident has no due timer */
	assert_int_equal(store_incident_ack(f->s, 1, "a", 7000, &err), 0);
	assert_int_equal(store_escalation_due(f->s, 9000, &due, &err), 0);
	assert_int_equal(json_array_size(due), 0);
	json_decref(due);
	assert_int_equal(store_check(f->s, &err), 0);
}

static void test_tokens(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	char *role = NULL;

	assert_int_equal(
	    store_token_add(f->s, "am", "responder", NULL, "abcd", 1, &err), 0);
	assert_int_equal(
	    store_token_add(f->s, "x", "god", NULL, "ef01", 1, &err),
	    ML_EINPUT);
	assert_int_equal(store_token_lookup(f->s, "abcd", 1, &role, NULL, &err),
			 0);
	assert_string_equal(role, "responder");
	free(role);
	assert_int_equal(store_token_lookup(f->s, "abce", 1, &role, NULL, &err),
			 0);
	assert_null(role);
	assert_int_equal(store_token_lookup(f->s, "abc", 1, &role, NULL, &err),
			 0);
	assert_null(role);
}

static void test_token_ls_revoke_dup(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	json_t *list = NULL;
	char *role = NULL;
	int n = 0;

	assert_int_equal(
	    store_token_add(f->s, "am", "responder", "ops", "aaaa", 1000, &err),
	    0);
	/* a second token of one name is refused, the first kept */
	assert_int_equal(
	    store_token_add(f->s, "am", "admin", NULL, "bbbb", 2000, &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(
	    store_token_lookup(f->s, "bbbb", 3000, &role, NULL, &err), 0);
	assert_null(role);
	/* last use: stamped on success, then at most once a minute */
	assert_int_equal(
	    store_token_lookup(f->s, "aaaa", 100000, &role, NULL, &err), 0);
	free(role);
	assert_int_equal(
	    store_token_lookup(f->s, "aaaa", 130000, &role, NULL, &err), 0);
	free(role);
	assert_int_equal(store_token_list(f->s, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(jget_str(json_array_get(list, 0), "person", ""),
			    "ops");
	assert_int_equal(jget_int(json_array_get(list, 0), "last_used_at", 0),
			 100000);
	assert_null(json_object_get(json_array_get(list, 0), "hash"));
	json_decref(list);
	assert_int_equal(
	    store_token_lookup(f->s, "aaaa", 160000, &role, NULL, &err), 0);
	free(role);
	assert_int_equal(store_token_list(f->s, &list, &err), 0);
	assert_int_equal(jget_int(json_array_get(list, 0), "last_used_at", 0),
			 160000);
	json_decref(list);
	/* revoke: the hash no longer authenticates; unknown name: ENOTFOUND */
	assert_int_equal(store_token_revoke(f->s, "am", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    store_token_lookup(f->s, "aaaa", 200000, &role, NULL, &err), 0);
	assert_null(role);
	assert_int_equal(store_token_revoke(f->s, "am", &n, &err),
			 ML_ENOTFOUND);
}

static void test_list_filters(void **state)
{
	struct fx *f = *state;
	struct store_alert_result r;
	struct store_filter flt = {0};
	struct ml_err err = {0};
	json_t *list;

	apply(f->s, "a", "ga", "firing", 1000, &r);
	apply(f->s, "b", "gb", "firing", 2000, &r);
	assert_int_equal(store_incident_resolve(f->s, 1, "x", NULL, 3000, &err),
			 0);
	flt.status = "open";
	assert_int_equal(store_incident_list(f->s, &flt, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(jget_int(json_array_get(list, 0), "id", 0), 2);
	json_decref(list);
	flt.status = NULL;
	flt.since = 1500;
	assert_int_equal(store_incident_list(f->s, &flt, &list, &err), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
}

/* Runs sql on the store's file with a connection of its own. */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* Applies a generic alert payload (fingerprint computed or given). */
static void apply_generic(struct store *s, const char *body, int64_t now,
			  struct store_alert_result *res)
{
	struct alert_batch b = {0};
	struct ml_err err = {0};

	assert_int_equal(alert_parse_generic(body, strlen(body), 3, &b, &err),
			 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_alert_apply(s, &b.v[0].rec, now, res, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	alert_batch_free(&b);
}

/* A store written before schema 3 holds fingerprints (and group keys) in
 * the old "name=value\n" form. After the upgrade, the open incident still
 * matches its alert: the next `resolved` (new form) closes it, and a
 * sender's own fingerprint is left as it was. */
static void test_fingerprint_migration(void **state)
{
	static const char fire[] =
	    "{\"labels\": {\"alertname\": \"GPUHot\", \"node\": \"n1\"}}";
	static const char done[] =
	    "{\"labels\": {\"alertname\": \"GPUHot\", \"node\": \"n1\"},"
	    " \"status\": \"resolved\"}";
	struct fx *f = *state;
	struct store_alert_result r;
	struct ml_err err = {0};
	json_t *labels =
		   json_pack("{s:s, s:s}", "alertname", "GPUHot", "node", "n1"),
	       *inc = NULL;
	char old[17], neu[17], sql[512];

	fingerprint_labels_v1(labels, old);
	fingerprint_labels(labels, neu);
	assert_string_not_equal(old, neu);
	apply_generic(f->s, fire, 1000, &r); /* incident 1, computed fp */
	apply_generic(f->s,
		      "{\"labels\": {\"alertname\": \"Other\"},"
		      " \"fingerprint\": \"am0123456789abcd\"}",
		      1000, &r); /* incident 2, the sender's fp */
	store_close(f->s);
	f->s = NULL;
	/* make it the store an older mloncall wrote: schema 2, old form */
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE alerts SET fingerprint = '%s' WHERE fingerprint = '%s';"
	    "UPDATE incidents SET group_key = '%s' WHERE group_key = '%s';"
	    "DROP INDEX tokens_name; ALTER TABLE tokens DROP COLUMN person;"
	    "ALTER TABLE tokens DROP COLUMN last_used_at;"
	    "DROP TABLE run_events; DROP TABLE run_outbox;"
	    "DROP TABLE run_approvals; DROP TABLE run_slots;"
	    "PRAGMA user_version = 2;",
	    old, neu, old, neu);
	raw_sql(f->path, sql);
	assert_int_equal(store_open(f->path, &f->s, &err), 0);
	assert_int_equal(store_schema_version(f->s), 5);
	apply_generic(f->s, fire, 2000, &r); /* a repeat, not a new incident */
	assert_true(r.repeat);
	assert_int_equal(r.incident_id, 1);
	apply_generic(f->s, done, 3000, &r);
	assert_true(r.resolved_incident);
	assert_int_equal(r.incident_id, 1);
	assert_int_equal(store_incident_get(f->s, 1, &inc, &err), 0);
	assert_string_equal(jget_str(inc, "group_key", ""), neu);
	json_decref(inc);
	assert_int_equal(store_incident_get(f->s, 2, &inc, &err), 0);
	assert_string_equal(jget_str(inc, "status", ""), "triggered");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(inc, "alerts"), 0),
		     "fingerprint", ""),
	    "am0123456789abcd");
	json_decref(inc);
	json_decref(labels);
}

static void test_not_a_database(void **state)
{
	struct store *s = NULL;
	struct ml_err err = {0};
	FILE *fp = fopen("not-a-db.db", "w");
	(void)state;
	fputs("this is not sqlite, just text that is long enough to matter\n",
	      fp);
	fclose(fp);
	assert_int_not_equal(store_open("not-a-db.db", &s, &err), 0);
	assert_null(s);
	assert_non_null(strstr(err.file, "not-a-db.db"));
	unlink("not-a-db.db");
	assert_int_equal(store_open("postgres://x/y", &s, &err),
			 ML_EUNSUPPORTED);
}

/* Statements a connection holds. */
static int live_stmts(struct store *s)
{
	int n = 0;

	for (sqlite3_stmt *st = sqlite3_next_stmt(s->db, NULL); st;
	     st = sqlite3_next_stmt(s->db, st))
		n++;
	return n;
}

/* More distinct statements than the cache's first size, each run twice:
 * every one is prepared once and kept (before, the ones past 64 were
 * prepared again on every use and never finalized: LSan saw them). */
static void test_stmt_cache_past_64(void **state)
{
	static char sql[STORE_STMT_CACHE + 9][48];
	struct fx *f = *state;
	struct ml_err err = {0};
	int base = live_stmts(f->s), n = STORE_STMT_CACHE + 9;

	for (int i = 0; i < n; i++)
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d + ?", i);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++) {
			sqlite3_stmt *st;

			assert_int_equal(
			    store_q(f->s, sql[i], &st, &err, "i", (int64_t)1),
			    0);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(st, 0), i + 1);
		}
	assert_true(base <= n);
	assert_int_equal(live_stmts(f->s), f->s->ncache);
	assert_true(f->s->ncache <= base + n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dedup_and_autoresolve, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timers_and_runs_survive_reopen,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_ls_revoke_dup, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fingerprint_migration, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
	    cmocka_unit_test(test_not_a_database),
	    cmocka_unit_test_setup_teardown(test_stmt_cache_past_64, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
