/* store_events.c: step events of runs (started / finished, with status,
 * exit code, duration and the output's tail) appended by the run and put
 * on the incident timeline by the service; and the lookup of a run. */
#include "store/store_chan.h"
#include "store/store_int.h"

int store_run_find(struct store *s, int64_t run_id, int64_t *incident_id,
		   struct ml_err *err)
{
	static const char sql[] =
	    "SELECT COALESCE(incident_id, 0) FROM runs WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", run_id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && incident_id)
		*incident_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "finding run");
	return ml_err_at(err, ML_ENOTFOUND, s->path, 0, 0,
			 "no run %lld in this store", (long long)run_id);
}

int store_event_add(struct store *s, int64_t run_id,
		    const struct store_run_event *ev, int64_t now,
		    struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO run_events (run_id, at, event, phase, step, line,"
	    " item, status, exit_code, duration_ms, output_tail)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN ? END, ?, ?)";
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = store_exec(s, sql, err, "iitttnttnnit", run_id, now, ev->event,
			ev->phase, ev->step, ev->line, ev->item, ev->status,
			ev->has_exit, ev->exit_code, ev->duration_ms,
			ev->output_tail);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_event_unposted(struct store *s, int limit, json_t **out,
			 struct ml_err *err)
{
	static const char sql[] =
	    "SELECT e.id, e.run_id, COALESCE(r.incident_id, 0) AS"
	    " incident_id, e.at, e.event, e.phase, e.step, e.line, e.item,"
	    " e.status, e.exit_code, e.duration_ms, e.output_tail"
	    " FROM run_events e LEFT JOIN runs r ON r.id = e.run_id"
	    " WHERE e.posted = 0 ORDER BY e.id LIMIT ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "n", limit > 0 ? limit : 100)))
		return rc;
	return store_rows(s, st, "unposted events", out, err);
}

int store_event_posted(struct store *s, int64_t id, struct ml_err *err)
{
	return store_exec(s, "UPDATE run_events SET posted = 1 WHERE id = ?",
			  err, "i", id);
}

int store_event_list(struct store *s, int64_t run_id, json_t **out,
		     struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id, at, event, phase, step, line, item, status,"
	    " exit_code, duration_ms, output_tail FROM run_events"
	    " WHERE run_id = ? ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", run_id)) != 0)
		return rc;
	return store_rows(s, st, "run events", out, err);
}
