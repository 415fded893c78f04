/* store_timeline.c: reading timeline entries of one kind across
 * incidents (pages for `mloncall oncall fairness`). */
#include "store/store_int.h"

int store_timeline_by_kind(struct store *s, const char *kind, int64_t from,
			   int64_t to, json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT t.incident_id, t.at, t.actor, t.message"
	    " FROM timeline t JOIN incidents i ON i.id = t.incident_id"
	    " WHERE t.kind = ? AND t.at >= ? AND t.at < ? AND i.drill = 0"
	    " ORDER BY t.incident_id, t.at, t.id";
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = store_q(s, sql, &st, err, "tii", kind, from, to)) != 0)
		return rc;
	*out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, store_row_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return store_fail(s, err, "timeline by kind");
	}
	return 0;
}
