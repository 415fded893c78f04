/* store_misc.c: escalation timers, runbook runs and the
 * counters behind /metrics. */
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "store/store_int.h"

int store_escalation_set(struct store *s, int64_t incident_id, int level,
			 int64_t next_at, int repeats_done, struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO escalations (incident_id, level, next_at,"
	    " repeats_done) VALUES (?, ?, ?, ?) ON CONFLICT (incident_id)"
	    " DO UPDATE SET level = excluded.level,"
	    " next_at = excluded.next_at,"
	    " repeats_done = excluded.repeats_done";
	return store_exec(s, sql, err, "inin", incident_id, level, next_at,
			  repeats_done);
}

int store_escalation_clear(struct store *s, int64_t incident_id,
			   struct ml_err *err)
{
	return store_exec(s, "DELETE FROM escalations WHERE incident_id = ?",
			  err, "i", incident_id);
}

int store_escalation_due(struct store *s, int64_t now, json_t **out,
			 struct ml_err *err)
{
	static const char sql[] =
	    "SELECT e.incident_id, e.level, e.next_at, e.repeats_done"
	    " FROM escalations e JOIN incidents i ON i.id = e.incident_id"
	    " WHERE e.next_at <= ? AND i.status = 'triggered'"
	    " ORDER BY e.next_at";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", now)) != 0)
		return rc;
	return store_rows(s, st, "due escalations", out, err);
}

int store_run_create(struct store *s, int64_t incident_id,
		     const char *runbook_id, const char *mode, int64_t now,
		     int64_t *run_id, struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO runs (incident_id, runbook_id, mode, status,"
	    " created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)";
	int rc = store_exec(s, sql, err, "ittii", incident_id, runbook_id, mode,
			    now, now);
	if (rc == 0)
		*run_id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_run_update(struct store *s, int64_t run_id, const char *status,
		     int pid, const json_t *record, int64_t now,
		     struct ml_err *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = ?, pid = ?, updated_at = ?,"
	    " record_json = COALESCE(?, record_json) WHERE id = ?";
	return store_exec(s, sql, err, "tniji", status, pid, now, record,
			  run_id);
}

int store_run_interrupt_stale(struct store *s, int64_t now, int *n,
			      struct ml_err *err)
{
	static const char sql[] =
	    "UPDATE runs SET status = 'interrupted', updated_at = ?"
	    " WHERE status = 'running'";
	int rc = store_exec(s, sql, err, "i", now);
	*n = rc ? 0 : sqlite3_changes(s->db);
	return rc;
}

int store_run_list(struct store *s, int64_t incident_id, const char *status,
		   json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id, incident_id, runbook_id, mode, status, pid,"
	    " created_at, updated_at, record_json FROM runs"
	    " WHERE (? = 0 OR incident_id = ?) AND (? IS NULL OR status = ?)"
	    " ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "iitt", incident_id, incident_id,
			  status, status)) != 0)
		return rc;
	return store_rows(s, st, "runs", out, err);
}

static int count_into(struct store *s, const char *sql, json_t *obj,
		      struct ml_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, err, "stats");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		json_object_set_new(obj, k ? k : "",
				    json_integer(sqlite3_column_int64(st, 1)));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "stats");
}

int store_stats(struct store *s, json_t **out, struct ml_err *err)
{
	json_t *o = json_object(), *by_state = json_object(),
	       *by_sev = json_object(), *runs = json_object(),
	       *alerts = json_object();
	int rc;

	json_object_set_new(o, "incidents_by_state", by_state);
	json_object_set_new(o, "incidents_by_severity", by_sev);
	json_object_set_new(o, "runs_by_status", runs);
	json_object_set_new(o, "alerts", alerts);
	if ((rc = count_into(s,
			     "SELECT status, COUNT(*) FROM incidents"
			     " WHERE drill = 0 GROUP BY status",
			     by_state, err)) ||
	    (rc = count_into(s,
			     "SELECT 'P' || severity, COUNT(*) FROM"
			     " incidents WHERE drill = 0 GROUP BY severity",
			     by_sev, err)) ||
	    (rc = count_into(s,
			     "SELECT status, COUNT(*) FROM runs WHERE"
			     " incident_id NOT IN (SELECT id FROM"
			     " incidents WHERE drill = 1) GROUP BY status",
			     runs, err)) ||
	    (rc = count_into(s,
			     "SELECT 'received', COALESCE(SUM(count), 0)"
			     " FROM alerts",
			     alerts, err))) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}
