/* store_tokens.c: API bearer tokens: add (unique names), the role lookup
 * the HTTP server does per request (with last-use stamps), list, revoke.
 * Only the token's sha256 is stored. */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/store_int.h"

/* A token's last-use stamp is rewritten at most this often (ms). */
#define TOKEN_TOUCH_MS 60000

static int name_taken(struct store *s, const char *name, int *taken,
		      struct ml_err *err)
{
	static const char sql[] = "SELECT 1 FROM tokens WHERE name = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "t", name)) != 0)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	*taken = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? 0
		   : store_fail(s, err, "tokens");
}

int store_token_add(struct store *s, const char *name, const char *role,
		    const char *person, const char *hash, int64_t now,
		    struct ml_err *err)
{
	static const char sql[] = "INSERT INTO tokens (name, role, person,"
				  " hash, created_at) VALUES (?, ?, ?, ?, ?)";
	int taken = 0, rc;

	if (strcmp(role, "viewer") && strcmp(role, "responder") &&
	    strcmp(role, "admin"))
		return ml_err_set(err, ML_EINPUT,
				  "unknown role `%s` (expected viewer, "
				  "responder or admin)",
				  role);
	if (!*name)
		return ml_err_set(err, ML_EINPUT, "a token needs a name");
	if ((rc = store_begin(s, err)) != 0)
		return rc;
	if ((rc = name_taken(s, name, &taken, err)) == 0 && taken)
		rc = ml_err_set(err, ML_EINPUT,
				"a token named `%s` already exists; pick "
				"another name or revoke it first (mloncall "
				"token revoke %s)",
				name, name);
	if (!rc)
		rc = store_exec(s, sql, err, "tttti", name, role, person, hash,
				now);
	if (!rc)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}

/* Compares two equal-length strings without an early exit. */
static int ct_equal(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int store_token_lookup(struct store *s, const char *hash, int64_t now,
		       char **role, char **who, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT hash, role, id, COALESCE(last_used_at, 0),"
	    " COALESCE(NULLIF(person, ''), name) FROM tokens";
	static const char touch[] =
	    "UPDATE tokens SET last_used_at = ? WHERE id = ?";
	size_t n = strlen(hash);
	int64_t id = 0, last = 0;
	sqlite3_stmt *st;
	int rc;

	*role = NULL;
	if (who)
		*who = NULL;
	if ((rc = store_q(s, sql, &st, err, "")) != 0)
		return rc;
	/* Every stored hash is compared in full, so timing does not tell
	 * which prefix matched or where the match is. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		int eq = h && strlen(h) == n && ct_equal(h, hash, n);
		if (eq && !*role) {
			*role =
			    xstrdup((const char *)sqlite3_column_text(st, 1));
			id = sqlite3_column_int64(st, 2);
			last = sqlite3_column_int64(st, 3);
			if (who)
				*who = xstrdup(
				    (const char *)sqlite3_column_text(st, 4));
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "tokens");
	if (*role && now - last >= TOKEN_TOUCH_MS)
		return store_exec(s, touch, err, "ii", now, id);
	return 0;
}

int store_token_list(struct store *s, json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT name, role, person, created_at, last_used_at"
	    " FROM tokens ORDER BY name, id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "")) != 0)
		return rc;
	return store_rows(s, st, "tokens", out, err);
}

int store_token_revoke(struct store *s, const char *name, int *n,
		       struct ml_err *err)
{
	static const char sql[] = "DELETE FROM tokens WHERE name = ?";
	int rc;

	*n = 0;
	if ((rc = store_exec(s, sql, err, "t", name)) != 0)
		return rc;
	*n = sqlite3_changes(s->db);
	if (!*n)
		return ml_err_set(err, ML_ENOTFOUND,
				  "no token named `%s` (see mloncall token ls)",
				  name);
	return 0;
}
