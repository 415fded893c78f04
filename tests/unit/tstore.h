/* tstore.h: shared by the unit tests that open a scratch store: a fresh
 * store holding one firing alert (and so one incident), and the removal
 * of a store file with its WAL and shared-memory companions. */
#ifndef ML_TEST_TSTORE_H
#define ML_TEST_TSTORE_H

#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "store/store.h"

static inline void tstore_unlink(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Opens a new store at path (removed first) and applies one firing P2
 * alert named alertname with fingerprint fp at time 1000; *incident is
 * the incident it opened. 0, or -1 with err set. */
static inline int tstore_open_incident(const char *path, const char *fp,
				       const char *alertname, struct store **s,
				       int64_t *incident, struct ml_err *err)
{
	json_t *labels = json_pack("{s:s}", "alertname", alertname);
	struct store_alert a = {.fingerprint = fp,
				.status = "firing",
				.alertname = alertname,
				.severity = 2,
				.labels = labels,
				.source = "test",
				.payload = labels};
	struct store_alert_result r;
	int rc;

	tstore_unlink(path);
	*s = NULL;
	rc = store_open(path, s, err) || store_begin(*s, err) ||
	     store_alert_apply(*s, &a, 1000, &r, err) || store_commit(*s, err);
	json_decref(labels);
	if (rc)
		return -1;
	*incident = r.incident_id;
	return 0;
}

#endif
