/* store_sqlite.c: the SQLite store: open, migrations, transactions and
 * statement helpers. WAL mode, synchronous=FULL: a commit is durable when
 * it returns. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jdepth.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "store/store_int.h"

/* Migrations, in order; the store's version is the number applied. Never
 * edit one that has shipped: add a new one. A migration is SQL, then
 * optionally a C step (store_migrate.c) in the same transaction. */
static const struct migration {
	const char *sql;
	int (*fn)(sqlite3 *db); /* an SQLite result code; NULL: none */
} migrations[] = {
    {/* 1: the first schema */
     "CREATE TABLE incidents ("
     " id INTEGER PRIMARY KEY, group_key TEXT NOT NULL, title TEXT,"
     " severity INTEGER NOT NULL, status TEXT NOT NULL,"
     " runbook_id TEXT, source TEXT, drill INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
     " acked_at INTEGER, acked_by TEXT, resolved_at INTEGER,"
     " resolved_by TEXT, auto_resolved INTEGER NOT NULL DEFAULT 0,"
     " bridge_url TEXT, alert_count INTEGER NOT NULL DEFAULT 0,"
     " last_payload_json TEXT);"
     "CREATE INDEX incidents_open ON incidents(group_key, status);"
     "CREATE INDEX incidents_created ON incidents(created_at);"
     "CREATE TABLE alerts ("
     " id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL,"
     " fingerprint TEXT NOT NULL, status TEXT NOT NULL, alertname TEXT,"
     " labels_json TEXT, annotations_json TEXT, starts_at INTEGER,"
     " ends_at INTEGER, generator_url TEXT, first_seen INTEGER NOT NULL,"
     " last_seen INTEGER NOT NULL, count INTEGER NOT NULL DEFAULT 1,"
     " payload_json TEXT);"
     "CREATE INDEX alerts_fp ON alerts(fingerprint, status);"
     "CREATE INDEX alerts_incident ON alerts(incident_id);"
     "CREATE TABLE timeline ("
     " id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL,"
     " at INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT,"
     " message TEXT, data_json TEXT);"
     "CREATE INDEX timeline_incident ON timeline(incident_id, id);"
     "CREATE TABLE roles (incident_id INTEGER NOT NULL, role TEXT NOT NULL,"
     " person TEXT NOT NULL, PRIMARY KEY (incident_id, role));"
     "CREATE TABLE escalations (incident_id INTEGER PRIMARY KEY,"
     " level INTEGER NOT NULL, next_at INTEGER NOT NULL,"
     " repeats_done INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE runs (id INTEGER PRIMARY KEY, incident_id INTEGER,"
     " runbook_id TEXT, mode TEXT NOT NULL, status TEXT NOT NULL,"
     " pid INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER,"
     " record_json TEXT);"
     "CREATE INDEX runs_status ON runs(status);"
     "CREATE TABLE tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
     " role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
     " created_at INTEGER NOT NULL);",
     NULL},
    /* 2: postmortem action items (store_practice.h) */
    {"CREATE TABLE action_items ("
     " id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL,"
     " text TEXT NOT NULL, owner TEXT, due_at INTEGER,"
     " status TEXT NOT NULL DEFAULT 'open', created_at INTEGER NOT NULL,"
     " created_by TEXT, done_at INTEGER, done_by TEXT);"
     "CREATE INDEX action_items_incident ON action_items(incident_id);"
     "CREATE INDEX action_items_status ON action_items(status, due_at);",
     NULL},
    /* 3: computed fingerprints in the length-prefixed form */
    {"", store_migrate_fingerprints},
    /* 4: who a token is for and when it was last used (token ls) */
    {"ALTER TABLE tokens ADD COLUMN person TEXT;"
     "ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;"
     "CREATE INDEX tokens_name ON tokens(name);",
     NULL},
    /* 5: the channel between a run and the service (store_chan.h) */
    {"CREATE TABLE run_events (id INTEGER PRIMARY KEY,"
     " run_id INTEGER NOT NULL, at INTEGER NOT NULL, event TEXT NOT NULL,"
     " phase TEXT, step TEXT, line INTEGER, item TEXT, status TEXT,"
     " exit_code INTEGER, duration_ms INTEGER, output_tail TEXT,"
     " posted INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX run_events_run ON run_events(run_id, id);"
     "CREATE INDEX run_events_posted ON run_events(posted, id);"
     "CREATE TABLE run_outbox (id INTEGER PRIMARY KEY,"
     " run_id INTEGER NOT NULL, created_at INTEGER NOT NULL, channel TEXT,"
     " message TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
     " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
     " delivered_at INTEGER, last_error TEXT);"
     "CREATE INDEX run_outbox_due ON run_outbox(status, next_at);"
     "CREATE TABLE run_approvals (id INTEGER PRIMARY KEY,"
     " run_id INTEGER NOT NULL, created_at INTEGER NOT NULL,"
     " prompt TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
     " expires_at INTEGER, decided_by TEXT, decided_at INTEGER,"
     " announced INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX run_approvals_run ON run_approvals(run_id, status);"
     "CREATE TABLE run_slots (pool TEXT NOT NULL, key TEXT NOT NULL,"
     " run_id INTEGER NOT NULL, taken_at INTEGER NOT NULL,"
     " PRIMARY KEY (pool, key));"
     "CREATE INDEX run_slots_run ON run_slots(run_id);",
     NULL},
    {NULL, NULL}};

int store_fail(struct store *s, struct ml_err *err, const char *what)
{
	return ml_err_at(err, ML_EIO, s->path, 0, 0, "%s: %s", what,
			 sqlite3_errmsg(s->db));
}

static int bind_args(struct store *s, sqlite3_stmt *st, const char *fmt,
		     va_list ap, struct ml_err *err)
{
	int rc = SQLITE_OK, i = 1;

	for (const char *f = fmt; f && *f; f++, i++) {
		switch (*f) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'n':
			rc = sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		case 't': {
			const char *t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i, t, -1,
						   SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i);
			break;
		}
		case 'j': {
			const json_t *j = va_arg(ap, const json_t *);
			char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
			rc = t ? sqlite3_bind_text(st, i, t, -1, free)
			       : sqlite3_bind_null(st, i);
			break;
		}
		default:
			return ml_err_set(err, ML_EINTERNAL,
					  "store: bad bind format %c", *f);
		}
		if (rc != SQLITE_OK)
			return store_fail(s, err, "bind");
	}
	return 0;
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st,
		   struct ml_err *err)
{
	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			*st = s->cache[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return 0;
		}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return store_fail(s, err, "prepare");
	if (s->ncache == s->cache_cap) {
		s->cache_cap =
		    s->cache_cap ? s->cache_cap * 2 : STORE_STMT_CACHE;
		s->cache = xrealloc(s->cache,
				    (size_t)s->cache_cap * sizeof(*s->cache));
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache++].st = *st;
	return 0;
}

int store_q(struct store *s, const char *sql, sqlite3_stmt **st,
	    struct ml_err *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if ((rc = prepare(s, sql, st, err)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = bind_args(s, *st, fmt, ap, err);
	va_end(ap);
	return rc;
}

int store_exec(struct store *s, const char *sql, struct ml_err *err,
	       const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if ((rc = prepare(s, sql, &st, err)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = bind_args(s, st, fmt, ap, err);
	va_end(ap);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(s, err, "write");
	return 0;
}

/* A stored JSON column that cannot be shown (over-deep, which would
 * overflow a thread's stack in jansson, or unparsable): a placeholder
 * object the reader sees, and a line in the log for the operator. */
static json_t *col_placeholder(sqlite3_stmt *st, int col, const char *why)
{
	const char *table = sqlite3_column_table_name(st, col);
	const char *name = sqlite3_column_name(st, col);

	fprintf(stderr,
		"mloncall: store: %s.%s of a row is %s; shown as an "
		"error field\n",
		table ? table : "?", name ? name : "?", why);
	return json_pack("{s:s}", "error", why);
}

json_t *store_col_json(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	json_error_t je;
	json_t *j;

	if (!t)
		return json_null();
	if (jdepth_over(t, (size_t)n, ML_JSON_MAX_DEPTH))
		return col_placeholder(st, col,
				       "stored JSON nested too deep to show");
	j = json_loadb(t, (size_t)n, 0, &je);
	return j ? j : col_placeholder(st, col, "stored JSON unparsable");
}

json_t *store_col_str(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	return t ? json_string(t) : json_null();
}

json_t *store_row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		size_t len = strlen(name);
		json_t *v;

		if (len > 5 && !strcmp(name + len - 5, "_json")) {
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(len - 5),
				 name);
			json_object_set_new(o, key, store_col_json(st, i));
			continue;
		}
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		case SQLITE_NULL:
			v = json_null();
			break;
		default:
			v = store_col_str(st, i);
		}
		json_object_set_new(o, name, v ? v : json_null());
	}
	return o;
}

static int user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

static int migrate(struct store *s, struct ml_err *err)
{
	int have = user_version(s), want = 0;
	char pragma[64];

	while (migrations[want].sql)
		want++;
	if (have < 0)
		return store_fail(s, err, "reading schema version");
	if (have > want)
		return ml_err_at(err, ML_EINPUT, s->path, 0, 0,
				 "database schema version %d is newer than "
				 "this mloncall (%d): upgrade mloncall",
				 have, want);
	for (int v = have; v < want; v++) {
		char *msg = NULL;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d;",
			 v + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ||
		    sqlite3_exec(s->db, migrations[v].sql, NULL, NULL, &msg) ||
		    (migrations[v].fn && migrations[v].fn(s->db)) ||
		    sqlite3_exec(s->db, pragma, NULL, NULL, &msg) ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg)) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			ml_err_at(err, ML_EIO, s->path, 0, 0,
				  "migration %d failed: %s", v + 1,
				  msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			return ML_EIO;
		}
	}
	return 0;
}

int store_open(const char *url, struct store **out, struct ml_err *err)
{
	static const char *const pragmas =
	    "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL;"
	    " PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
	struct store *s;
	const char *path = url;
	int rc;

	*out = NULL;
	if (!strncmp(url, "postgres://", 11) ||
	    !strncmp(url, "postgresql://", 13))
		return ml_err_set(err, ML_EUNSUPPORTED,
				  "PostgreSQL stores are not available in this "
				  "build yet; use a SQLite file path");
	if (!strncmp(url, "sqlite:", 7))
		path = url + 7;
	if (!*path)
		return ml_err_set(err, ML_EUSAGE, "empty database path");
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = ml_err_at(err, ML_EIO, path, 0, 0, "cannot open: %s",
			       s->db ? sqlite3_errmsg(s->db) : "no memory");
		store_close(s);
		return rc;
	}
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		rc = store_fail(s, err, "not a usable SQLite database");
		store_close(s);
		return rc;
	}
	if ((rc = migrate(s, err)) != 0) {
		store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

int store_schema_version(struct store *s)
{
	return user_version(s);
}

int store_begin(struct store *s, struct ml_err *err)
{
	if (s->tx_depth++ > 0)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		s->tx_depth = 0;
		return store_fail(s, err, "begin");
	}
	return 0;
}

int store_commit(struct store *s, struct ml_err *err)
{
	if (s->tx_depth <= 0)
		return ml_err_set(err, ML_EINTERNAL, "commit without begin");
	if (--s->tx_depth > 0)
		return 0;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = store_fail(s, err, "commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

void store_rollback(struct store *s)
{
	if (s->tx_depth <= 0)
		return;
	s->tx_depth = 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_check(struct store *s, struct ml_err *err)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st,
			       NULL) != SQLITE_OK)
		return store_fail(s, err, "integrity_check");
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	if (!ok)
		ml_err_at(err, ML_EIO, s->path, 0, 0, "integrity check: %s",
			  sqlite3_column_text(st, 0)
			      ? (const char *)sqlite3_column_text(st, 0)
			      : "failed");
	sqlite3_finalize(st);
	return ok ? 0 : ML_EIO;
}

int store_savepoint(struct store *s, const char *name, struct ml_err *err)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SAVEPOINT %s", name);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, "savepoint");
	return 0;
}

int store_release(struct store *s, const char *name, struct ml_err *err)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "RELEASE %s", name);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, "release");
	return 0;
}

void store_rollback_to(struct store *s, const char *name)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "ROLLBACK TO %s; RELEASE %s", name, name);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int store_rows(struct store *s, sqlite3_stmt *st, const char *what,
	       json_t **out, struct ml_err *err)
{
	int rc;

	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, store_row_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return store_fail(s, err, what);
	}
	return 0;
}

int store_incident_exists(struct store *s, int64_t id, struct ml_err *err)
{
	static const char sql[] = "SELECT 1 FROM incidents WHERE id = ?";
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_q(s, sql, &st, err, "i", id)) != 0)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "finding incident");
	return ml_err_set(err, ML_ENOTFOUND, "no incident %lld", (long long)id);
}
