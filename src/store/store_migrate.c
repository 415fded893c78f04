/* store_migrate.c: schema migrations that need C, not only SQL: schema 3
 * rewrites the fingerprints mloncall computed in the old, colliding form
 * (core/fingerprint.h) so an incident open before the upgrade still
 * matches its next alert and its `resolved`. */
#include <string.h>

#include "core/fingerprint.h"
#include "store/store_int.h"

/* One alert row: when its stored fingerprint is the old computed form of
 * its stored labels, writes the new form to the alert and, where the
 * incident was grouped by that fingerprint, to the incident's group key.
 * A fingerprint the sender gave (Alertmanager's) is left alone. */
static int rewrite_row(sqlite3 *db, sqlite3_stmt *upd_a, sqlite3_stmt *upd_i,
		       sqlite3_stmt *row)
{
	const char *fp = (const char *)sqlite3_column_text(row, 2);
	const char *lj = (const char *)sqlite3_column_text(row, 3);
	json_t *labels = lj ? json_loads(lj, 0, NULL) : NULL;
	char old[17], neu[17];
	int rc = SQLITE_OK;

	if (!fp || !json_is_object(labels)) {
		json_decref(labels);
		return SQLITE_OK;
	}
	fingerprint_labels_v1(labels, old);
	fingerprint_labels(labels, neu);
	json_decref(labels);
	if (strcmp(fp, old) || !strcmp(fp, neu))
		return SQLITE_OK;
	sqlite3_bind_text(upd_a, 1, neu, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(upd_a, 2, sqlite3_column_int64(row, 0));
	sqlite3_bind_text(upd_i, 1, neu, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(upd_i, 2, sqlite3_column_int64(row, 1));
	sqlite3_bind_text(upd_i, 3, old, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(upd_a) != SQLITE_DONE ||
	    sqlite3_step(upd_i) != SQLITE_DONE)
		rc = sqlite3_errcode(db) ? sqlite3_errcode(db) : SQLITE_ERROR;
	sqlite3_reset(upd_a);
	sqlite3_reset(upd_i);
	return rc;
}

int store_migrate_fingerprints(sqlite3 *db)
{
	sqlite3_stmt *row = NULL, *upd_a = NULL, *upd_i = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT id, incident_id, fingerprint,"
				" labels_json FROM alerts ORDER BY id",
				-1, &row, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"UPDATE alerts SET fingerprint = ?"
					" WHERE id = ?",
					-1, &upd_a, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"UPDATE incidents SET group_key = ?"
					" WHERE id = ? AND group_key = ?",
					-1, &upd_i, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(row)) == SQLITE_ROW)
		rc = rewrite_row(db, upd_a, upd_i, row);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(row);
	sqlite3_finalize(upd_a);
	sqlite3_finalize(upd_i);
	return rc;
}
