/* store_int.h: internals shared by the SQLite store's files: the handle,
 * the statement cache and binding helpers. Not for callers of store.h. */
#ifndef ML_STORE_INT_H
#define ML_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* Statements the cache holds before it first grows. */
#define STORE_STMT_CACHE 64

struct store {
	sqlite3 *db;
	char *path;
	int tx_depth;
	/* Every statement prepared, one per SQL text: it grows (the texts
	 * are the program's literals, so it stays bounded), never drops one
	 * that a caller may still be stepping; store_close finalizes all. */
	struct store_stmt {
		const char *sql; /* a string literal: compared by address */
		sqlite3_stmt *st;
	} * cache;
	int ncache, cache_cap;
};

/* Prepares (or takes from the cache, reset) sql and binds args described
 * by fmt: 'i' int64_t, 'n' int, 't' const char * (NULL binds null),
 * 'j' const json_t * (compact JSON; NULL binds null), 'd' double.
 * The statement stays owned by the cache; sql must outlive the store
 * (a literal or other static text). */
int store_q(struct store *s, const char *sql, sqlite3_stmt **st,
	    struct ml_err *err, const char *fmt, ...);

/* Runs a statement that returns no rows (store_q + step). */
int store_exec(struct store *s, const char *sql, struct ml_err *err,
	       const char *fmt, ...);

/* sqlite error -> err; returns ML_EIO. */
int store_fail(struct store *s, struct ml_err *err, const char *what);

/* Column helpers: text column as JSON (parsed), string or null. */
json_t *store_col_json(sqlite3_stmt *st, int col);
json_t *store_col_str(sqlite3_stmt *st, int col);
/* Row -> JSON object with the column names as keys: integers, reals and
 * text; columns named *_json are parsed; *_at of 0/NULL become null and
 * others also get an RFC 3339 twin "<name>_iso"... kept simple: ints. */
json_t *store_row_json(sqlite3_stmt *st);
/* Steps a prepared, bound statement to the end: *out gets a new array of
 * its rows (store_row_json), or NULL on failure (then store_fail names
 * what). Resets st. */
int store_rows(struct store *s, sqlite3_stmt *st, const char *what,
	       json_t **out, struct ml_err *err);
/* 0 when incident id exists, ML_ENOTFOUND "no incident ID" when not. */
/* Migration 3 (store_migrate.c): rewrites old-form computed fingerprints
 * and the group keys made from them. Runs inside the migration's
 * transaction. Returns an SQLite result code (SQLITE_OK). */
int store_migrate_fingerprints(sqlite3 *db);

int store_incident_exists(struct store *s, int64_t id, struct ml_err *err);

#endif
