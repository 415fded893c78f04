/* fingerprint.h: the fingerprint of an alert's label set, computed when
 * the sender gives none. Lives in core because the incident layer computes
 * it and the store's migration recomputes stored ones. */
#ifndef ML_FINGERPRINT_H
#define ML_FINGERPRINT_H

#include <jansson.h>

/* The first 16 hex chars (Alertmanager's length) of sha256 over the
 * labels sorted by name, each name and value length-prefixed
 * ("<len>:<name><len>:<value>"), so no label set shares its encoding with
 * another: {"k=v":"w"} and {"k":"v=w"} differ, as do values holding
 * newlines. A non-string value hashes as "". labels: a JSON object
 * (borrowed); out: 17 bytes, NUL-terminated. */
void fingerprint_labels(const json_t *labels, char out[17]);

/* The form used before store schema 3: sha256 of the sorted, unescaped
 * "name=value\n" pairs, which collides. Only the store migration that
 * rewrites old stored fingerprints calls it. */
void fingerprint_labels_v1(const json_t *labels, char out[17]);

#endif
