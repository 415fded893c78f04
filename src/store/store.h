/* store.h: the incident store interface. Everything the incident service
 * and the CLI keep (alerts, incidents, timeline, roles, escalation timers,
 * runs, notifications, tokens) goes through these functions, so that a
 * PostgreSQL store can replace the SQLite one (store_sqlite.c) without
 * touching the callers. Every write runs in a transaction; times are epoch
 * milliseconds. */
#ifndef ML_STORE_H
#define ML_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct store;

/* Incident states. */
#define STORE_ST_TRIGGERED "triggered"
#define STORE_ST_ACKNOWLEDGED "acknowledged"
#define STORE_ST_RESOLVED "resolved"

/* Opens (creating and migrating when needed) the store at url: a file
 * path or "sqlite:PATH". SQLite runs in WAL mode with synchronous=FULL, so
 * a committed write survives a crash. *out is owned by the caller. */
int store_open(const char *url, struct store **out, struct ml_err *err);

/* Closes the store; NULL is a no-op. */
void store_close(struct store *s);

/* Schema version the store is at (for `serve --version` and tests). */
int store_schema_version(struct store *s);

/* Transactions: intake batches several requests into one (group commit).
 * store_begin/commit/rollback nest: only the outermost pair acts. */
int store_begin(struct store *s, struct ml_err *err);
int store_commit(struct store *s, struct ml_err *err);
void store_rollback(struct store *s);

/* Savepoints inside a transaction: one request of a group commit can fail
 * without failing the others. name must be an SQL identifier. */
int store_savepoint(struct store *s, const char *name, struct ml_err *err);
int store_release(struct store *s, const char *name, struct ml_err *err);
void store_rollback_to(struct store *s, const char *name);

/* One alert as received. Strings are borrowed for the call. */
struct store_alert {
	const char *fingerprint; /* never NULL (hash of labels if absent) */
	const char *group_key;	 /* incident grouping key; NULL: fingerprint */
	const char *status;	 /* "firing" or "resolved" */
	const char *alertname;
	const char *title;	/* summary annotation or alertname */
	int severity;		/* 1..4 */
	const char *runbook_id; /* routed runbook, or NULL (coverage gap) */
	const json_t *labels;
	const json_t *annotations;
	int64_t starts_at, ends_at; /* 0: unknown */
	const char *generator_url;
	const char *source;    /* "alertmanager", "api", "drill" */
	const json_t *payload; /* the whole alert object as received */
	int drill;
};

/* What store_alert_apply did. */
struct store_alert_result {
	int64_t incident_id;
	int64_t alert_id;
	int created_incident;  /* a new incident was opened */
	int repeat;	       /* the fingerprint was already firing */
	int resolved_alert;    /* status resolved closed the alert */
	int resolved_incident; /* ... and with it the incident (auto) */
	int ignored;	       /* resolved for an alert we never saw open */
};

/* Applies one alert: dedup by fingerprint within the open incident of its
 * group; a repeat firing updates the alert (count, last_seen, payload) and
 * the incident's latest payload; `resolved` closes the alert and, when all
 * alerts of the incident are resolved, auto-resolves the incident. Writes
 * timeline entries. Call inside store_begin/commit. */
int store_alert_apply(struct store *s, const struct store_alert *a, int64_t now,
		      struct store_alert_result *res, struct ml_err *err);

/* Filters for store_incident_list. Zero/NULL fields do not filter. */
struct store_filter {
	const char *status; /* one state, or "open" = not resolved */
	int severity;
	const char *runbook_id;
	int64_t since; /* created at or after */
	int include_drills;
	int limit; /* 0: 100 */
};

/* Lists incidents (newest first) as a JSON array (new reference). */
int store_incident_list(struct store *s, const struct store_filter *f,
			json_t **out, struct ml_err *err);

/* One incident with its alerts, roles and timeline (new reference).
 * ML_ENOTFOUND when there is none. */
int store_incident_get(struct store *s, int64_t id, json_t **out,
		       struct ml_err *err);

/* Incident actions; each writes a timeline entry with the actor.
 * ack: triggered -> acknowledged (idempotent; stops escalation).
 * resolve: -> resolved. note: adds text. role: incident_commander,
 * communications, operations. severity: 1..4. bridge: a URL.
 * ML_ENOTFOUND / ML_EINPUT (e.g. resolving twice is fine, acking a
 * resolved incident is ML_EINPUT). */
int store_incident_ack(struct store *s, int64_t id, const char *actor,
		       int64_t now, struct ml_err *err);
int store_incident_resolve(struct store *s, int64_t id, const char *actor,
			   const char *reason, int64_t now, struct ml_err *err);
int store_incident_note(struct store *s, int64_t id, const char *actor,
			const char *text, int64_t now, struct ml_err *err);
int store_incident_role(struct store *s, int64_t id, const char *actor,
			const char *role, const char *person, int64_t now,
			struct ml_err *err);
int store_incident_severity(struct store *s, int64_t id, const char *actor,
			    int severity, int64_t now, struct ml_err *err);
int store_incident_bridge(struct store *s, int64_t id, const char *actor,
			  const char *url, int64_t now, struct ml_err *err);

/* Appends a timeline entry (kind e.g. "alert", "ack", "run", "notify",
 * "escalate", "note"); data may be NULL. */
int store_timeline_add(struct store *s, int64_t incident_id, int64_t now,
		       const char *kind, const char *actor, const char *message,
		       const json_t *data, struct ml_err *err);

/* Timeline entries of one kind with from <= at < to, of incidents that
 * are not drills: a JSON array of {incident_id, at, actor, message},
 * by incident then time (new reference). */
int store_timeline_by_kind(struct store *s, const char *kind, int64_t from,
			   int64_t to, json_t **out, struct ml_err *err);

/* Escalation timers (live in the store so they survive restarts). */
int store_escalation_set(struct store *s, int64_t incident_id, int level,
			 int64_t next_at, int repeats_done, struct ml_err *err);
int store_escalation_clear(struct store *s, int64_t incident_id,
			   struct ml_err *err);
/* Due timers (next_at <= now) of incidents still triggered: a JSON array
 * of {incident_id, level, next_at, repeats_done} (new reference). */
int store_escalation_due(struct store *s, int64_t now, json_t **out,
			 struct ml_err *err);

/* Runbook runs attached to incidents. */
int store_run_create(struct store *s, int64_t incident_id,
		     const char *runbook_id, const char *mode, int64_t now,
		     int64_t *run_id, struct ml_err *err);
int store_run_update(struct store *s, int64_t run_id, const char *status,
		     int pid, const json_t *record, int64_t now,
		     struct ml_err *err);
/* Marks every run still "running" as "interrupted" (at startup: a crash
 * cut it off); queued runs stay queued and start. *n: how many. */
int store_run_interrupt_stale(struct store *s, int64_t now, int *n,
			      struct ml_err *err);
/* Runs that are queued (to start after a restart), JSON array. */
int store_run_list(struct store *s, int64_t incident_id, const char *status,
		   json_t **out, struct ml_err *err);

/* Bearer tokens (store_tokens.c), stored as sha256 hex; role
 * viewer|responder|admin; person: who holds it (NULL: not said). Names
 * are unique: a second token of one name is ML_EINPUT. */
int store_token_add(struct store *s, const char *name, const char *role,
		    const char *person, const char *token_sha256_hex,
		    int64_t now, struct ml_err *err);
/* Finds the role for a token hash and who holds it (its person, else its
 * name); *role and *who (when who is not NULL) are malloc'ed (caller
 * frees) or NULL when unknown. Comparison is constant-time over stored
 * hashes. On a match, records now as the token's last use when the stored
 * one is a minute or more older (one write a minute per token at most).
 * A nonzero return is a store error, not an unknown token. */
int store_token_lookup(struct store *s, const char *token_sha256_hex,
		       int64_t now, char **role, char **who,
		       struct ml_err *err);
/* Every token without its hash, by name: [{name, role, person,
 * created_at, last_used_at}] (new reference in *out). */
int store_token_list(struct store *s, json_t **out, struct ml_err *err);
/* Deletes the token(s) named name; ML_ENOTFOUND when there is none.
 * *n: how many went (older stores may hold two of one name). */
int store_token_revoke(struct store *s, const char *name, int *n,
		       struct ml_err *err);

/* Counters for /metrics: JSON object (new reference) with incidents by
 * state and severity, alerts total, runs by status, notifications
 * failed. */
int store_stats(struct store *s, json_t **out, struct ml_err *err);

/* PRAGMA integrity_check result: 0 when "ok". */
int store_check(struct store *s, struct ml_err *err);

#endif
