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
	return store_rows(s, st, "timeline by kind", out, err);
}
