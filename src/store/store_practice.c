/* store_practice.c: action items (add, done, list) and the bulk reads
 * behind `mloncall report`, on the SQLite store. */
#include "store/store_practice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dur.h"
#include "store/store_int.h"

int store_open_existing(const char *url, struct store **out, struct ml_err *err)
{
	const char *path = strncmp(url, "sqlite:", 7) ? url : url + 7;

	*out = NULL;
	if (strncmp(url, "postgres", 8) && access(path, F_OK) != 0)
		return ml_err_at(err, ML_ENOTFOUND, path, 0, 0,
				 "no database here (pass --db PATH or set "
				 "MLONCALL_DB)");
	return store_open(url, out, err);
}

static int do_add(struct store *s, const struct store_action *a, int64_t now,
		  int64_t *id, struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO action_items (incident_id, text, owner, due_at,"
	    " status, created_at, created_by) VALUES (?, ?, ?, ?, 'open',"
	    " ?, ?)";
	char due[40] = "no due date";
	json_t *data;
	char *msg;
	int rc;

	if ((rc = store_incident_exists(s, a->incident_id, err)) != 0 ||
	    (rc = store_exec(s, sql, err, "ittiit", a->incident_id, a->text,
			     a->owner, a->due_at ? a->due_at : (int64_t)0, now,
			     a->actor)) != 0)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	if (a->due_at) {
		time_format(a->due_at, due, sizeof(due));
		due[10] = '\0';
	}
	data = json_pack("{s:I}", "action_item", (json_int_t)*id);
	msg = NULL;
	if (asprintf(&msg, "action item #%lld added: %s (owner %s, due %s)",
		     (long long)*id, a->text, a->owner ? a->owner : "none",
		     due) < 0)
		msg = NULL;
	rc = store_timeline_add(s, a->incident_id, now, "action", a->actor,
				msg ? msg : "action item added", data, err);
	free(msg);
	json_decref(data);
	return rc;
}

int store_action_add(struct store *s, const struct store_action *a, int64_t now,
		     int64_t *id, struct ml_err *err)
{
	int rc;

	*id = 0;
	if (!a->text || !*a->text)
		return ml_err_set(err, ML_EINPUT, "an action item needs text");
	if ((rc = store_begin(s, err)) != 0)
		return rc;
	if ((rc = do_add(s, a, now, id, err)) != 0) {
		store_rollback(s);
		*id = 0;
		return rc;
	}
	return store_commit(s, err);
}

static int do_done(struct store *s, int64_t id, const char *actor, int64_t now,
		   struct ml_err *err)
{
	static const char get[] = "SELECT incident_id, status FROM"
				  " action_items WHERE id = ?";
	static const char upd[] =
	    "UPDATE action_items SET status = 'done', done_at = ?,"
	    " done_by = ? WHERE id = ?";
	sqlite3_stmt *st;
	int64_t incident = 0;
	int rc, done = 0;
	char msg[96];

	if ((rc = store_q(s, get, &st, err, "i", id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		incident = sqlite3_column_int64(st, 0);
		done =
		    !strcmp((const char *)sqlite3_column_text(st, 1), "done");
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ml_err_set(err, ML_ENOTFOUND, "no action item %lld",
				  (long long)id);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "finding action item");
	if (done)
		return 0;
	if ((rc = store_exec(s, upd, err, "iti", now, actor, id)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "action item #%lld done", (long long)id);
	return store_timeline_add(s, incident, now, "action", actor, msg, NULL,
				  err);
}

int store_action_done(struct store *s, int64_t id, const char *actor,
		      int64_t now, struct ml_err *err)
{
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	if ((rc = do_done(s, id, actor, now, err)) != 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_action_list(struct store *s, const struct store_action_filter *f,
		      json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT a.id, a.incident_id, a.text, a.owner,"
	    " NULLIF(a.due_at, 0) AS due_at, a.status, a.created_at,"
	    " a.created_by, a.done_at, a.done_by, i.title AS incident_title,"
	    " i.drill FROM action_items a JOIN incidents i"
	    " ON i.id = a.incident_id"
	    " WHERE (? = 0 OR a.incident_id = ?)"
	    " AND (? = 0 OR a.status = 'open')"
	    " AND (? = 0 OR (a.status = 'open' AND a.due_at > 0"
	    "      AND a.due_at < ?))"
	    " AND (? != 0 OR i.drill = 0)"
	    " ORDER BY a.id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "iiniin", f->incident_id,
			  f->incident_id, f->open_only, f->overdue_at,
			  f->overdue_at, f->include_drills)) != 0)
		return rc;
	return store_rows(s, st, "listing action items", out, err);
}

/* Reports read every row of a window once: let SQLite map the file
 * instead of copying pages through its small default cache. */
static void read_mostly(struct store *s)
{
	sqlite3_exec(s->db,
		     "PRAGMA mmap_size=1073741824;"
		     " PRAGMA cache_size=-65536;",
		     NULL, NULL, NULL);
}

int store_report_incidents(struct store *s, int64_t since, int64_t until,
			   store_incident_fn fn, void *ctx, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id, created_at, COALESCE(acked_at, 0),"
	    " COALESCE(resolved_at, 0), severity, auto_resolved"
	    " FROM incidents WHERE drill = 0 AND created_at >= ?"
	    " AND created_at < ? ORDER BY created_at, id";
	struct store_report_incident r;
	sqlite3_stmt *st;
	int rc, stop = 0;

	read_mostly(s);
	if ((rc = store_q(s, sql, &st, err, "ii", since, until)) != 0)
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.created_at = sqlite3_column_int64(st, 1);
		r.acked_at = sqlite3_column_int64(st, 2);
		r.resolved_at = sqlite3_column_int64(st, 3);
		r.severity = sqlite3_column_int(st, 4);
		r.auto_resolved = sqlite3_column_int(st, 5);
		stop = fn(ctx, &r);
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading incidents");
}

int store_report_pages(struct store *s, int64_t since, int64_t until,
		       store_page_fn fn, void *ctx, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT t.incident_id, t.at, t.message,"
	    " CASE WHEN json_valid(t.data_json) AND"
	    "  json_type(t.data_json, '$.channel') = 'text'"
	    "  THEN json_extract(t.data_json, '$.channel') END"
	    " FROM timeline t JOIN incidents i ON i.id = t.incident_id"
	    " WHERE t.kind = 'page' AND i.drill = 0 AND t.at >= ?"
	    " AND t.at < ? ORDER BY t.incident_id, t.id";
	struct store_report_page p;
	sqlite3_stmt *st;
	int rc, stop = 0;

	read_mostly(s);
	if ((rc = store_q(s, sql, &st, err, "ii", since, until)) != 0)
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		p.incident_id = sqlite3_column_int64(st, 0);
		p.at = sqlite3_column_int64(st, 1);
		p.message = (const char *)sqlite3_column_text(st, 2);
		p.channel = (const char *)sqlite3_column_text(st, 3);
		if (!p.message)
			p.message = "";
		stop = fn(ctx, &p);
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading pages");
}

int store_report_alert_stats(struct store *s, int64_t since, int64_t until,
			     json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "WITH w AS (SELECT i.id, (i.auto_resolved = 1 AND"
	    "  i.acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM timeline t"
	    "  WHERE t.incident_id = i.id AND t.kind = 'note')) AS silent"
	    "  FROM incidents i WHERE i.drill = 0 AND i.created_at >= ?"
	    "  AND i.created_at < ?)"
	    " SELECT COALESCE(a.alertname, '(unnamed)') AS alertname,"
	    " COUNT(*) AS fired, SUM(a.count) AS repeats,"
	    " COUNT(DISTINCT a.incident_id) AS incidents,"
	    " COUNT(DISTINCT CASE WHEN w.silent THEN a.incident_id END)"
	    "  AS no_action"
	    " FROM alerts a JOIN w ON w.id = a.incident_id"
	    " GROUP BY 1 ORDER BY 1";
	sqlite3_stmt *st;
	int rc;

	read_mostly(s);
	if ((rc = store_q(s, sql, &st, err, "ii", since, until)) != 0)
		return rc;
	return store_rows(s, st, "reading alerts", out, err);
}

int store_report_no_runbook(struct store *s, int64_t since, int64_t until,
			    json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT COALESCE((SELECT a.alertname FROM alerts a"
	    "  WHERE a.incident_id = i.id ORDER BY a.id LIMIT 1), i.title,"
	    "  '(unnamed)') AS alertname,"
	    " COUNT(*) AS incidents, MAX(i.created_at) AS last_at"
	    " FROM incidents i WHERE i.drill = 0 AND i.runbook_id IS NULL"
	    " AND i.created_at >= ? AND i.created_at < ?"
	    " GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "ii", since, until)) != 0)
		return rc;
	return store_rows(s, st, "reading coverage gaps", out, err);
}
