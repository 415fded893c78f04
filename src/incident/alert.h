/* alert.h: parsing alert payloads (Alertmanager webhook version 4, and a
 * generic JSON alert) into the store's alert records, with errors that
 * name the offending field. */
#ifndef ML_ALERT_H
#define ML_ALERT_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "store/store.h"

/* A parsed alert: the store record plus the JSON it points into. */
struct alert {
	struct store_alert rec; /* strings borrowed from json below */
	json_t *json;		/* the alert object (owned reference) */
	json_t *labels;		/* owned */
	char fingerprint[65];
	char *group_key; /* owned */
};

struct alert_batch {
	struct alert *v;
	size_t n;
	json_t *root; /* the whole payload (owned) */
};

/* Severity mapping from a `severity` label value: P1..P4, p1..p4, 1..4,
 * critical/page -> 1, high/error/major -> 2, warning/medium/minor -> 3,
 * info/low/none -> 4. Returns 0 and sets *sev, or -1 when unknown. */
int alert_severity_parse(const char *s, int *sev);

/* Parses an Alertmanager v4 webhook body. Fingerprints are Alertmanager's
 * own when present, else alert_fingerprint of the labels (16 hex chars,
 * the length Alertmanager uses). The group key is the payload's groupKey.
 * default_sev applies when an alert has no usable severity label.
 * Errors are ML_EINPUT with the field path ("alerts[2].labels"). */
int alert_parse_alertmanager(const char *body, size_t len, int default_sev,
			     struct alert_batch *out, struct ml_err *err);

/* Parses a generic alert: one object {labels: {...}, annotations?,
 * status?, fingerprint?, startsAt?, endsAt?, generatorURL?} or
 * {alerts: [...]} or a list of such objects. */
int alert_parse_generic(const char *body, size_t len, int default_sev,
			struct alert_batch *out, struct ml_err *err);

/* The computed fingerprint of a label set: fingerprint_labels (sha256 of
 * the sorted, length-prefixed name/value pairs, first 16 hex chars). */
void alert_fingerprint(const json_t *labels, char out[17]);

void alert_batch_free(struct alert_batch *b);

#endif
