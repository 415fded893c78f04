/* store_comms.c: the update log and the reminder's view of open
 * incidents (see store_comms.h). */
#include "store/store_comms.h"

#include <string.h>

#include "store/store_int.h"

/* Nonzero when s[0..n) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, min = 0x80, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, min = 0x800, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int do_update(struct store *s, int64_t id, const char *by,
		     const char *text, int64_t now, struct ml_err *err)
{
	size_t n = text ? strlen(text) : 0;
	int rc;

	if (n == 0 || strspn(text, " \t\r\n") == n)
		return ml_err_set(err, ML_EINPUT, "an update needs text");
	if (n > STORE_UPDATE_MAX)
		return ml_err_set(err, ML_EINPUT,
				  "an update is at most %d bytes (this one is "
				  "%zu): put long material in a note",
				  STORE_UPDATE_MAX, n);
	if (!utf8_ok((const unsigned char *)text, n))
		return ml_err_set(err, ML_EINPUT,
				  "an update must be valid UTF-8 text");
	if ((rc = store_incident_exists(s, id, err)) != 0)
		return rc;
	return store_timeline_add(s, id, now, "update", by && *by ? by : "cli",
				  text, NULL, err);
}

int store_incident_update(struct store *s, int64_t id, const char *by,
			  const char *text, int64_t now, struct ml_err *err)
{
	int rc;

	if ((rc = store_begin(s, err)) != 0)
		return rc;
	if ((rc = do_update(s, id, by, text, now, err)) != 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

int store_comms_open(struct store *s, json_t **out, struct ml_err *err)
{
	static const char sql[] =
	    "SELECT i.id, i.severity, i.drill, i.created_at,"
	    " (SELECT MAX(at) FROM timeline t WHERE t.incident_id = i.id"
	    "  AND t.kind = 'update') AS last_update_at,"
	    " (SELECT MAX(at) FROM timeline t WHERE t.incident_id = i.id"
	    "  AND t.kind = 'reminder') AS last_reminder_at,"
	    " (SELECT person FROM roles r WHERE r.incident_id = i.id"
	    "  AND r.role = 'incident_commander') AS commander"
	    " FROM incidents i WHERE i.status != 'resolved' ORDER BY i.id";
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = store_q(s, sql, &st, err, "")) != 0)
		return rc;
	return store_rows(s, st, "open incidents", out, err);
}
