/* store_outbox.c: messages a run asks the service to send (notify
 * steps): queued by the run, delivered by the service, marked delivered
 * once sent, retried with a delay when a delivery fails, given up (and
 * said so on the timeline by the service) after STORE_OUTBOX_ATTEMPTS. */
#include "store/store_chan.h"
#include "store/store_int.h"

int store_outbox_add(struct store *s, int64_t run_id, const char *channel,
		     const char *message, int64_t now, int64_t *id,
		     struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO run_outbox (run_id, created_at, channel, message,"
	    " next_at) VALUES (?, ?, ?, ?, ?)";
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = store_exec(s, sql, err, "iitti", run_id, now, channel,
			message ? message : "", now);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return store_commit(s, err);
}

int store_outbox_due(struct store *s, int64_t now, int limit, json_t **out,
		     struct ml_err *err)
{
	static const char sql[] =
	    "SELECT o.id, o.run_id, COALESCE(r.incident_id, 0) AS"
	    " incident_id, o.channel, o.message, o.attempts, o.created_at"
	    " FROM run_outbox o LEFT JOIN runs r ON r.id = o.run_id"
	    " WHERE o.status = 'pending' AND o.next_at <= ?"
	    " ORDER BY o.id LIMIT ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "in", now,
			  limit > 0 ? limit : 100)) != 0)
		return rc;
	return store_rows(s, st, "due messages", out, err);
}

int store_outbox_mark(struct store *s, int64_t id, int delivered,
		      const char *error, int64_t retry_at, int64_t now,
		      int *gave_up, struct ml_err *err)
{
	static const char ok[] =
	    "UPDATE run_outbox SET status = 'delivered', delivered_at = ?,"
	    " attempts = attempts + 1, last_error = NULL"
	    " WHERE id = ? AND status = 'pending'";
	static const char bad[] =
	    "UPDATE run_outbox SET attempts = attempts + 1, last_error = ?,"
	    " next_at = ?, status = CASE WHEN attempts + 1 >= ?"
	    " THEN 'failed' ELSE 'pending' END"
	    " WHERE id = ? AND status = 'pending' RETURNING status";
	sqlite3_stmt *st;
	int rc;

	if (gave_up)
		*gave_up = 0;
	if (delivered)
		return store_exec(s, ok, err, "ii", now, id);
	if ((rc = store_q(s, bad, &st, err, "tini", error, retry_at,
			  STORE_OUTBOX_ATTEMPTS, id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && gave_up)
		*gave_up = sqlite3_column_text(st, 0) &&
			   sqlite3_column_text(st, 0)[0] == 'f';
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "marking a message");
}

int store_outbox_list(struct store *s, int64_t run_id, json_t **out,
		      struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id, created_at, channel, message, status, attempts,"
	    " delivered_at, last_error FROM run_outbox WHERE run_id = ?"
	    " ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", run_id)) != 0)
		return rc;
	return store_rows(s, st, "run messages", out, err);
}
