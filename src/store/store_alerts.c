/* store_alerts.c: applying received alerts to incidents (dedup by
 * fingerprint, grouping, auto-resolve) and the timeline. */
#include <string.h>

#include "store/store_int.h"

int store_timeline_add(struct store *s, int64_t incident_id, int64_t now,
		       const char *kind, const char *actor, const char *message,
		       const json_t *data, struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO timeline (incident_id, at, kind, actor, message,"
	    " data_json) VALUES (?, ?, ?, ?, ?, ?)";
	return store_exec(s, sql, err, "iitttj", incident_id, now, kind, actor,
			  message, data);
}

/* The firing alert with this fingerprint in an open incident: ids or 0. */
static int find_firing(struct store *s, const char *fp, int64_t *alert_id,
		       int64_t *incident_id, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT a.id, a.incident_id FROM alerts a JOIN incidents i"
	    " ON i.id = a.incident_id WHERE a.fingerprint = ? AND"
	    " a.status = 'firing' AND i.status != 'resolved'"
	    " ORDER BY a.id DESC LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	*alert_id = *incident_id = 0;
	if ((rc = store_q(s, sql, &st, err, "t", fp)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*alert_id = sqlite3_column_int64(st, 0);
		*incident_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : store_fail(s, err, "finding alert");
}

static int find_open_incident(struct store *s, const char *group_key,
			      int64_t *id, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id FROM incidents WHERE group_key = ? AND"
	    " status != 'resolved' ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	if ((rc = store_q(s, sql, &st, err, "t", group_key)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : store_fail(s, err, "finding incident");
}

static int open_incident(struct store *s, const struct store_alert *a,
			 int64_t now, int64_t *id, struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO incidents (group_key, title, severity, status,"
	    " runbook_id, source, drill, created_at, updated_at,"
	    " last_payload_json) VALUES (?, ?, ?, 'triggered', ?, ?, ?, ?,"
	    " ?, ?)";
	json_t *data;
	char msg[512];
	int rc;

	rc = store_exec(s, sql, err, "ttnttniij",
			a->group_key ? a->group_key : a->fingerprint,
			a->title ? a->title : a->alertname, a->severity,
			a->runbook_id, a->source, a->drill, now, now,
			a->payload);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	snprintf(msg, sizeof(msg), "incident opened: P%d %s", a->severity,
		 a->title	? a->title
		 : a->alertname ? a->alertname
				: "alert");
	rc = store_timeline_add(s, *id, now, "opened", a->source, msg, NULL,
				err);
	if (rc)
		return rc;
	snprintf(msg, sizeof(msg), "%s",
		 a->runbook_id
		     ? "routed to runbook"
		     : "no runbook matches this alert (coverage gap)");
	data =
	    a->runbook_id ? json_pack("{s:s}", "runbook", a->runbook_id) : NULL;
	rc = store_timeline_add(s, *id, now, "route", "mloncall", msg, data,
				err);
	json_decref(data);
	return rc;
}

static int insert_alert(struct store *s, const struct store_alert *a,
			int64_t incident_id, int64_t now, int64_t *alert_id,
			struct ml_err *err)
{
	static const char ins[] =
	    "INSERT INTO alerts (incident_id, fingerprint, status,"
	    " alertname, labels_json, annotations_json, starts_at, ends_at,"
	    " generator_url, first_seen, last_seen, payload_json)"
	    " VALUES (?, ?, 'firing', ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char upd[] =
	    "UPDATE incidents SET alert_count = alert_count + 1,"
	    " updated_at = ?, last_payload_json = ?,"
	    " severity = MIN(severity, ?) WHERE id = ?";
	json_t *data;
	char msg[512];
	int rc;

	rc = store_exec(s, ins, err, "ittjjiitiij", incident_id, a->fingerprint,
			a->alertname, a->labels, a->annotations, a->starts_at,
			a->ends_at, a->generator_url, now, now, a->payload);
	if (rc)
		return rc;
	*alert_id = sqlite3_last_insert_rowid(s->db);
	if ((rc = store_exec(s, upd, err, "ijni", now, a->payload, a->severity,
			     incident_id)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "alert firing: %s",
		 a->alertname ? a->alertname : a->fingerprint);
	data = json_pack("{s:s}", "fingerprint", a->fingerprint);
	rc = store_timeline_add(s, incident_id, now, "alert", a->source, msg,
				data, err);
	json_decref(data);
	return rc;
}

static int apply_firing(struct store *s, const struct store_alert *a,
			int64_t now, struct store_alert_result *res,
			struct ml_err *err)
{
	static const char rep_alert[] =
	    "UPDATE alerts SET count = count + 1, last_seen = ?,"
	    " labels_json = ?, annotations_json = ?, payload_json = ?"
	    " WHERE id = ?";
	static const char rep_inc[] =
	    "UPDATE incidents SET updated_at = ?, last_payload_json = ?"
	    " WHERE id = ?";
	int rc;

	if ((rc = find_firing(s, a->fingerprint, &res->alert_id,
			      &res->incident_id, err)) != 0)
		return rc;
	if (res->alert_id) {
		res->repeat = 1;
		if ((rc = store_exec(s, rep_alert, err, "ijjji", now, a->labels,
				     a->annotations, a->payload,
				     res->alert_id)) != 0)
			return rc;
		return store_exec(s, rep_inc, err, "iji", now, a->payload,
				  res->incident_id);
	}
	if ((rc = find_open_incident(
		 s, a->group_key ? a->group_key : a->fingerprint,
		 &res->incident_id, err)) != 0)
		return rc;
	if (!res->incident_id) {
		if ((rc = open_incident(s, a, now, &res->incident_id, err)))
			return rc;
		res->created_incident = 1;
	}
	return insert_alert(s, a, res->incident_id, now, &res->alert_id, err);
}

static int count_firing(struct store *s, int64_t incident_id, int *n,
			struct ml_err *err)
{
	static const char sql[] = "SELECT COUNT(*) FROM alerts WHERE"
				  " incident_id = ? AND status = 'firing'";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", incident_id)) != 0)
		return rc;
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

static int apply_resolved(struct store *s, const struct store_alert *a,
			  int64_t now, struct store_alert_result *res,
			  struct ml_err *err)
{
	static const char res_alert[] =
	    "UPDATE alerts SET status = 'resolved', ends_at = ?,"
	    " last_seen = ?, payload_json = ? WHERE id = ?";
	static const char res_inc[] =
	    "UPDATE incidents SET status = 'resolved', auto_resolved = 1,"
	    " resolved_at = ?, resolved_by = ?, updated_at = ?,"
	    " last_payload_json = ? WHERE id = ?";
	char msg[512];
	int rc, left;

	if ((rc = find_firing(s, a->fingerprint, &res->alert_id,
			      &res->incident_id, err)) != 0)
		return rc;
	if (!res->alert_id) {
		res->ignored = 1;
		return 0;
	}
	res->resolved_alert = 1;
	if ((rc = store_exec(s, res_alert, err, "iiji",
			     a->ends_at ? a->ends_at : now, now, a->payload,
			     res->alert_id)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "alert resolved: %s",
		 a->alertname ? a->alertname : a->fingerprint);
	if ((rc = store_timeline_add(s, res->incident_id, now, "alert",
				     a->source, msg, NULL, err)) != 0)
		return rc;
	if ((rc = count_firing(s, res->incident_id, &left, err)) != 0 || left)
		return rc;
	res->resolved_incident = 1;
	if ((rc = store_exec(s, res_inc, err, "itiji", now, a->source, now,
			     a->payload, res->incident_id)) != 0)
		return rc;
	if ((rc = store_escalation_clear(s, res->incident_id, err)) != 0)
		return rc;
	return store_timeline_add(
	    s, res->incident_id, now, "resolved", a->source,
	    "all alerts resolved: incident auto-resolved", NULL, err);
}

int store_alert_apply(struct store *s, const struct store_alert *a, int64_t now,
		      struct store_alert_result *res, struct ml_err *err)
{
	memset(res, 0, sizeof(*res));
	if (!a->fingerprint || !*a->fingerprint)
		return ml_err_set(err, ML_EINPUT, "alert without fingerprint");
	if (a->status && !strcmp(a->status, "resolved"))
		return apply_resolved(s, a, now, res, err);
	return apply_firing(s, a, now, res, err);
}
