/* store_slots.c: fleet budget slots: a row per held key (a node) of a
 * pool, checked against the pool's limit and inserted in one BEGIN
 * IMMEDIATE transaction, so the budget holds across runs, processes and
 * restarts. */
#include <string.h>

#include "store/store_chan.h"
#include "store/store_int.h"

/* Who holds key of pool: 0 and *holder = run, or ML_ENOTFOUND. */
static int holder_of(struct store *s, const char *pool, const char *key,
		     int64_t *holder, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT run_id FROM run_slots WHERE pool = ? AND key = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "tt", pool, key)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*holder = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "reading a slot");
	return ML_ENOTFOUND;
}

static int pool_count(struct store *s, const char *pool, int64_t *n,
		      struct ml_err *err)
{
	static const char sql[] =
	    "SELECT count(*) FROM run_slots WHERE pool = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "t", pool)) != 0)
		return rc;
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "counting slots");
}

/* The check and the insert; inside the transaction. */
static int take(struct store *s, const char *pool, const char *key,
		int64_t run_id, int limit, int64_t now,
		enum store_slot_res *res, int64_t *holder, struct ml_err *err)
{
	static const char ins[] = "INSERT INTO run_slots (pool, key, run_id,"
				  " taken_at) VALUES (?, ?, ?, ?)";
	int64_t who = 0, n = 0;
	int rc = holder_of(s, pool, key, &who, err);

	if (rc == 0) {
		*res = who == run_id ? STORE_SLOT_ALREADY : STORE_SLOT_HELD;
		*holder = who;
		return 0;
	}
	if (rc != ML_ENOTFOUND)
		return rc;
	if ((rc = pool_count(s, pool, &n, err)) != 0)
		return rc;
	if (n >= limit) {
		*res = STORE_SLOT_FULL;
		return 0;
	}
	*res = STORE_SLOT_TAKEN;
	*holder = run_id;
	return store_exec(s, ins, err, "ttii", pool, key, run_id, now);
}

int store_slot_take(struct store *s, const char *pool, const char *key,
		    int64_t run_id, int limit, int64_t now,
		    enum store_slot_res *res, int64_t *holder,
		    struct ml_err *err)
{
	int64_t h = 0;
	int rc;

	*res = STORE_SLOT_FULL;
	if (holder)
		*holder = 0;
	if (!pool || !*pool || !key || !*key || limit < 0)
		return ml_err_set(err, ML_EINPUT,
				  "a slot needs a pool, a key and a limit");
	if (s->tx_depth > 0)
		return ml_err_set(err, ML_EINTERNAL,
				  "store_slot_take inside a transaction");
	if ((rc = store_begin(s, err)) != 0)
		return rc;
	rc = take(s, pool, key, run_id, limit, now, res, &h, err);
	if (rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (rc)
		*res = STORE_SLOT_FULL;
	else if (holder)
		*holder = h;
	return rc;
}

int store_slot_release(struct store *s, const char *pool, const char *key,
		       int64_t run_id, int *released, struct ml_err *err)
{
	static const char one[] = "DELETE FROM run_slots WHERE pool = ?"
				  " AND key = ? AND run_id = ?";
	static const char pool_all[] =
	    "DELETE FROM run_slots WHERE pool = ? AND run_id = ?";
	static const char all[] = "DELETE FROM run_slots WHERE run_id = ?";
	int rc;

	if (pool && key)
		rc = store_exec(s, one, err, "tti", pool, key, run_id);
	else if (pool)
		rc = store_exec(s, pool_all, err, "ti", pool, run_id);
	else
		rc = store_exec(s, all, err, "i", run_id);
	if (released)
		*released = rc ? 0 : sqlite3_changes(s->db);
	return rc;
}

int store_slot_list(struct store *s, const char *pool, json_t **out,
		    struct ml_err *err)
{
	static const char sql[] =
	    "SELECT pool, key, run_id, taken_at FROM run_slots"
	    " WHERE ?1 IS NULL OR pool = ?1 ORDER BY pool, key";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "t", pool)) != 0)
		return rc;
	return store_rows(s, st, "listing slots", out, err);
}
