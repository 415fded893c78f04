/* store_incidents.c: reading incidents and the actions people take on
 * them (ack, resolve, note, roles, severity, bridge). */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "store/store_int.h"

static const char incident_cols[] =
    "id, group_key, title, severity, status, runbook_id, source, drill,"
    " created_at, updated_at, acked_at, acked_by, resolved_at,"
    " resolved_by, auto_resolved, bridge_url, alert_count";

int store_incident_list(struct store *s, const struct store_filter *f,
			json_t **out, struct ml_err *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	json_t *arr;
	int rc, i = 1;

	buf_printf(&sql, "SELECT %s FROM incidents WHERE 1", incident_cols);
	if (f->status && !strcmp(f->status, "open"))
		buf_puts(&sql, " AND status != 'resolved'");
	else if (f->status)
		buf_puts(&sql, " AND status = ?");
	if (f->severity)
		buf_puts(&sql, " AND severity = ?");
	if (f->runbook_id)
		buf_puts(&sql, " AND runbook_id = ?");
	if (f->since)
		buf_puts(&sql, " AND created_at >= ?");
	if (!f->include_drills)
		buf_puts(&sql, " AND drill = 0");
	buf_printf(&sql, " ORDER BY id DESC LIMIT %d",
		   f->limit > 0 ? f->limit : 100);
	if (sqlite3_prepare_v2(s->db, buf_str(&sql), -1, &st, NULL) !=
	    SQLITE_OK) {
		buf_free(&sql);
		return store_fail(s, err, "listing incidents");
	}
	buf_free(&sql);
	if (f->status && strcmp(f->status, "open"))
		sqlite3_bind_text(st, i++, f->status, -1, SQLITE_TRANSIENT);
	if (f->severity)
		sqlite3_bind_int(st, i++, f->severity);
	if (f->runbook_id)
		sqlite3_bind_text(st, i++, f->runbook_id, -1, SQLITE_TRANSIENT);
	if (f->since)
		sqlite3_bind_int64(st, i++, f->since);
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, store_row_json(st));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_fail(s, err, "listing incidents");
	}
	*out = arr;
	return 0;
}

/* Runs sql with one int64 parameter; appends rows to a new array. */
static int rows(struct store *s, const char *sql, int64_t id, json_t **out,
		struct ml_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", id)) != 0)
		return rc;
	return store_rows(s, st, "reading incident", out, err);
}

int store_incident_get(struct store *s, int64_t id, json_t **out,
		       struct ml_err *err)
{
	static const char one[] =
	    "SELECT id, group_key, title, severity, status, runbook_id,"
	    " source, drill, created_at, updated_at, acked_at, acked_by,"
	    " resolved_at, resolved_by, auto_resolved, bridge_url,"
	    " alert_count, last_payload_json FROM incidents WHERE id = ?";
	static const char alerts[] =
	    "SELECT id, fingerprint, status, alertname, labels_json,"
	    " annotations_json, starts_at, ends_at, generator_url,"
	    " first_seen, last_seen, count FROM alerts WHERE"
	    " incident_id = ? ORDER BY id";
	static const char roles[] = "SELECT role, person FROM roles WHERE"
				    " incident_id = ? ORDER BY role";
	static const char tl[] = "SELECT at, kind, actor, message, data_json"
				 " FROM timeline WHERE incident_id = ?"
				 " ORDER BY id";
	static const char runs[] =
	    "SELECT id, runbook_id, mode, status, pid, created_at,"
	    " updated_at FROM runs WHERE incident_id = ? ORDER BY id";
	json_t *arr = NULL, *inc;
	int rc;

	*out = NULL;
	if ((rc = rows(s, one, id, &arr, err)) != 0)
		return rc;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return ml_err_set(err, ML_ENOTFOUND, "no incident %lld",
				  (long long)id);
	}
	inc = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	if ((rc = rows(s, alerts, id, &arr, err)) != 0)
		goto fail;
	json_object_set_new(inc, "alerts", arr);
	if ((rc = rows(s, roles, id, &arr, err)) != 0)
		goto fail;
	json_object_set_new(inc, "roles", arr);
	if ((rc = rows(s, runs, id, &arr, err)) != 0)
		goto fail;
	json_object_set_new(inc, "runs", arr);
	if ((rc = rows(s, tl, id, &arr, err)) != 0)
		goto fail;
	json_object_set_new(inc, "timeline", arr);
	*out = inc;
	return 0;
fail:
	json_decref(inc);
	return rc;
}

/* The status of incident id into st (size n), or ML_ENOTFOUND. */
static int status_of(struct store *s, int64_t id, char *out, size_t n,
		     struct ml_err *err)
{
	static const char sql[] = "SELECT status FROM incidents WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", id)) != 0)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ml_err_set(err, ML_ENOTFOUND, "no incident %lld",
				  (long long)id);
	}
	snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return 0;
}

/* Runs one action in a transaction: checks the incident exists, runs
 * sql (bound with fmt args by the caller through a callback would be
 * heavier; actions are few, so each is written out below). */
#define TX(s, err, body)                                                       \
	do {                                                                   \
		int rc_;                                                       \
		if ((rc_ = store_begin(s, err)) != 0)                          \
			return rc_;                                            \
		if ((rc_ = (body)) != 0) {                                     \
			store_rollback(s);                                     \
			return rc_;                                            \
		}                                                              \
		return store_commit(s, err);                                   \
	} while (0)

static int do_ack(struct store *s, int64_t id, const char *actor, int64_t now,
		  struct ml_err *err)
{
	static const char sql[] =
	    "UPDATE incidents SET status = 'acknowledged', acked_at = ?,"
	    " acked_by = ?, updated_at = ? WHERE id = ?";
	char status[32], msg[256];
	int rc;

	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0)
		return rc;
	if (!strcmp(status, STORE_ST_RESOLVED))
		return ml_err_set(err, ML_EINPUT,
				  "incident %lld is already resolved",
				  (long long)id);
	if (!strcmp(status, STORE_ST_ACKNOWLEDGED))
		return 0;
	if ((rc = store_exec(s, sql, err, "itii", now, actor, now, id)) ||
	    (rc = store_escalation_clear(s, id, err)))
		return rc;
	snprintf(msg, sizeof(msg), "acknowledged by %s", actor);
	return store_timeline_add(s, id, now, "ack", actor, msg, NULL, err);
}

int store_incident_ack(struct store *s, int64_t id, const char *actor,
		       int64_t now, struct ml_err *err)
{
	TX(s, err, do_ack(s, id, actor, now, err));
}

static int do_resolve(struct store *s, int64_t id, const char *actor,
		      const char *reason, int64_t now, struct ml_err *err)
{
	static const char sql[] =
	    "UPDATE incidents SET status = 'resolved', resolved_at = ?,"
	    " resolved_by = ?, updated_at = ?,"
	    " acked_at = COALESCE(acked_at, ?),"
	    " acked_by = COALESCE(acked_by, ?) WHERE id = ?";
	char status[32], msg[512];
	int rc;

	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0)
		return rc;
	if (!strcmp(status, STORE_ST_RESOLVED))
		return 0;
	if ((rc = store_exec(s, sql, err, "itiiti", now, actor, now, now, actor,
			     id)) ||
	    (rc = store_escalation_clear(s, id, err)))
		return rc;
	snprintf(msg, sizeof(msg), "resolved by %s%s%s", actor,
		 reason ? ": " : "", reason ? reason : "");
	return store_timeline_add(s, id, now, "resolved", actor, msg, NULL,
				  err);
}

int store_incident_resolve(struct store *s, int64_t id, const char *actor,
			   const char *reason, int64_t now, struct ml_err *err)
{
	TX(s, err, do_resolve(s, id, actor, reason, now, err));
}

static int do_note(struct store *s, int64_t id, const char *actor,
		   const char *text, int64_t now, struct ml_err *err)
{
	char status[32];
	int rc;

	if (!text || !*text)
		return ml_err_set(err, ML_EINPUT, "a note needs text");
	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0)
		return rc;
	return store_timeline_add(s, id, now, "note", actor, text, NULL, err);
}

int store_incident_note(struct store *s, int64_t id, const char *actor,
			const char *text, int64_t now, struct ml_err *err)
{
	TX(s, err, do_note(s, id, actor, text, now, err));
}

static int valid_role(const char *role)
{
	return !strcmp(role, "incident_commander") ||
	       !strcmp(role, "communications") || !strcmp(role, "operations");
}

static int do_role(struct store *s, int64_t id, const char *actor,
		   const char *role, const char *person, int64_t now,
		   struct ml_err *err)
{
	static const char sql[] = "INSERT INTO roles (incident_id, role,"
				  " person) VALUES (?, ?, ?) ON CONFLICT"
				  " (incident_id, role) DO UPDATE SET"
				  " person = excluded.person";
	char status[32], msg[512];
	int rc;

	if (!valid_role(role))
		return ml_err_set(err, ML_EINPUT,
				  "unknown role `%s` (expected "
				  "incident_commander, communications or "
				  "operations)",
				  role);
	if (!person || !*person)
		return ml_err_set(err, ML_EINPUT, "a role needs a person");
	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0 ||
	    (rc = store_exec(s, sql, err, "itt", id, role, person)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "%s is %s", person, role);
	return store_timeline_add(s, id, now, "role", actor, msg, NULL, err);
}

int store_incident_role(struct store *s, int64_t id, const char *actor,
			const char *role, const char *person, int64_t now,
			struct ml_err *err)
{
	TX(s, err, do_role(s, id, actor, role, person, now, err));
}

static int do_severity(struct store *s, int64_t id, const char *actor, int sev,
		       int64_t now, struct ml_err *err)
{
	static const char sql[] = "UPDATE incidents SET severity = ?,"
				  " updated_at = ? WHERE id = ?";
	char status[32], msg[64];
	int rc;

	if (sev < 1 || sev > 4)
		return ml_err_set(err, ML_EINPUT,
				  "severity must be P1, P2, P3 or P4");
	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0 ||
	    (rc = store_exec(s, sql, err, "nii", sev, now, id)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "severity set to P%d", sev);
	return store_timeline_add(s, id, now, "severity", actor, msg, NULL,
				  err);
}

int store_incident_severity(struct store *s, int64_t id, const char *actor,
			    int severity, int64_t now, struct ml_err *err)
{
	TX(s, err, do_severity(s, id, actor, severity, now, err));
}

static int do_bridge(struct store *s, int64_t id, const char *actor,
		     const char *url, int64_t now, struct ml_err *err)
{
	static const char sql[] = "UPDATE incidents SET bridge_url = ?,"
				  " updated_at = ? WHERE id = ?";
	char status[32], msg[600];
	int rc;

	if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
		return ml_err_set(err, ML_EINPUT,
				  "a bridge must be an http(s) URL");
	if ((rc = status_of(s, id, status, sizeof(status), err)) != 0 ||
	    (rc = store_exec(s, sql, err, "tii", url, now, id)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "bridge: %s", url);
	return store_timeline_add(s, id, now, "bridge", actor, msg, NULL, err);
}

int store_incident_bridge(struct store *s, int64_t id, const char *actor,
			  const char *url, int64_t now, struct ml_err *err)
{
	TX(s, err, do_bridge(s, id, actor, url, now, err));
}
