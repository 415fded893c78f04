/* store_approvals.c: approvals of `confirm:` steps of runs: the run asks
 * (a pending row with the prompt) and polls; a person approves or denies
 * through the API or the CLI; the run marks it expired when it waited
 * long enough. Every decision is on the incident timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/store_chan.h"
#include "store/store_int.h"

int store_approval_add(struct store *s, int64_t run_id, const char *prompt,
		       int64_t now, int64_t expires_at, int64_t *id,
		       struct ml_err *err)
{
	static const char sql[] =
	    "INSERT INTO run_approvals (run_id, created_at, prompt,"
	    " expires_at) VALUES (?, ?, ?, ?)";
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = store_exec(s, sql, err, "iiti", run_id, now,
			prompt ? prompt : "Continue?", expires_at);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	return store_commit(s, err);
}

int store_approval_status(struct store *s, int64_t id, char *status, char **by,
			  struct ml_err *err)
{
	static const char sql[] =
	    "SELECT status, decided_by FROM run_approvals WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if (by)
		*by = NULL;
	if ((rc = store_q(s, sql, &st, err, "i", id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *b = (const char *)sqlite3_column_text(st, 1);
		snprintf(status, 16, "%s", t ? t : "");
		if (by && b)
			*by = xstrdup(b);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "reading an approval");
	return ml_err_set(err, ML_ENOTFOUND, "no approval %lld", (long long)id);
}

/* Timeline entry about approval id on its run's incident (if any). */
static int approval_timeline(struct store *s, int64_t id, const char *who,
			     const char *status, int64_t now,
			     struct ml_err *err)
{
	static const char sql[] =
	    "SELECT a.run_id, COALESCE(r.incident_id, 0), a.prompt"
	    " FROM run_approvals a LEFT JOIN runs r ON r.id = a.run_id"
	    " WHERE a.id = ?";
	sqlite3_stmt *st;
	int64_t run = 0, inc = 0;
	char msg[700];
	json_t *data;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", id)) != 0)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 2);
		run = sqlite3_column_int64(st, 0);
		inc = sqlite3_column_int64(st, 1);
		snprintf(msg, sizeof(msg), "run %lld: approval %s%s%s: %.500s",
			 (long long)run, status, who ? " by " : "",
			 who ? who : "", p ? p : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading an approval");
	if (!inc)
		return 0;
	data = json_pack("{s:I, s:I, s:s}", "run", (json_int_t)run, "approval",
			 (json_int_t)id, "status", status);
	rc = store_timeline_add(s, inc, now, "approval", who ? who : "mloncall",
				msg, data, err);
	json_decref(data);
	return rc;
}

static int decide(struct store *s, int64_t run_id, int approve, const char *who,
		  int64_t now, int64_t *id, struct ml_err *err)
{
	static const char find[] =
	    "SELECT id FROM run_approvals WHERE run_id = ?"
	    " AND status = 'pending' ORDER BY id DESC LIMIT 1";
	static const char upd[] =
	    "UPDATE run_approvals SET status = ?, decided_by = ?,"
	    " decided_at = ? WHERE id = ?";
	const char *to =
	    approve ? STORE_APPROVAL_APPROVED : STORE_APPROVAL_DENIED;
	sqlite3_stmt *st;
	int64_t a = 0;
	int rc;

	if ((rc = store_q(s, find, &st, err, "i", run_id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		a = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ml_err_set(err, ML_ENOTFOUND,
				  "run %lld waits for no approval (none "
				  "asked, or already decided or expired)",
				  (long long)run_id);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "finding an approval");
	if ((rc = store_exec(s, upd, err, "ttii", to, who, now, a)) != 0)
		return rc;
	if (id)
		*id = a;
	return approval_timeline(s, a, who, to, now, err);
}

int store_approval_decide(struct store *s, int64_t run_id, int approve,
			  const char *who, int64_t now, int64_t *id,
			  struct ml_err *err)
{
	int rc;

	if (!who || !*who)
		return ml_err_set(err, ML_EINPUT,
				  "an approval needs who decides");
	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = decide(s, run_id, approve, who, now, id, err);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_approval_expire(struct store *s, int64_t id, int64_t now,
			  char status[16], struct ml_err *err)
{
	static const char upd[] =
	    "UPDATE run_approvals SET status = 'expired', decided_at = ?"
	    " WHERE id = ? AND status = 'pending'";
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = store_exec(s, upd, err, "ii", now, id);
	if (!rc && sqlite3_changes(s->db) == 1)
		rc = approval_timeline(s, id, NULL, STORE_APPROVAL_EXPIRED, now,
				       err);
	if (!rc)
		rc = store_approval_status(s, id, status, NULL, err);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_approval_unannounced(struct store *s, json_t **out,
			       struct ml_err *err)
{
	static const char sql[] =
	    "SELECT a.id, a.run_id, COALESCE(r.incident_id, 0) AS"
	    " incident_id, a.prompt, a.created_at, a.expires_at"
	    " FROM run_approvals a LEFT JOIN runs r ON r.id = a.run_id"
	    " WHERE a.announced = 0 AND a.status = 'pending' ORDER BY a.id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "")) != 0)
		return rc;
	return store_rows(s, st, "unannounced approvals", out, err);
}

int store_approval_announced(struct store *s, int64_t id, struct ml_err *err)
{
	return store_exec(s,
			  "UPDATE run_approvals SET announced = 1"
			  " WHERE id = ?",
			  err, "i", id);
}

int store_approval_list(struct store *s, int64_t run_id, json_t **out,
			struct ml_err *err)
{
	static const char sql[] =
	    "SELECT id, run_id, created_at, prompt, status, expires_at,"
	    " decided_by, decided_at FROM run_approvals"
	    " WHERE (?1 = 0 AND status = 'pending') OR run_id = ?1"
	    " ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", run_id)) != 0)
		return rc;
	return store_rows(s, st, "approvals", out, err);
}
