/* store_chan.h: the channel between a runbook run and the incident
 * service, kept in the store so it survives restarts and, with a shared
 * store, works across replicas: step events and outgoing messages the
 * run appends and the service delivers (store_events.c, store_outbox.c),
 * approvals of `confirm:` steps that a person decides (store_approvals.c)
 * and fleet budget slots taken atomically (store_slots.c). The run (a
 * child `mloncall run --run-id ID --db PATH`) and the service open the
 * same store: both write in short BEGIN IMMEDIATE transactions and wait
 * out each other's locks with the busy timeout. See
 * docs/internals.md, "How a run talks to the service". */
#ifndef ML_STORE_CHAN_H
#define ML_STORE_CHAN_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* 0 when run id exists, ML_ENOTFOUND "no run ID in this store" when not;
 * *incident_id (when not NULL) gets its incident (0: none). */
int store_run_find(struct store *s, int64_t run_id, int64_t *incident_id,
		   struct ml_err *err);

/* --- step events (store_events.c) --- */

/* One step event as the run reports it; strings borrowed, NULL allowed
 * except event. */
struct store_run_event {
	const char *event;  /* "started" or "finished" */
	const char *phase;  /* "prechecks", "diagnose", "remedy", ... */
	const char *step;   /* what the step is: name, command or probe */
	int line;	    /* line of the step in the runbook */
	const char *item;   /* batch item */
	const char *status; /* finished: ok, failed, declined, ... */
	int has_exit;	    /* exit_code is meaningful */
	int exit_code;
	int64_t duration_ms;
	const char *output_tail; /* last bytes of the output (masked) */
};

/* Appends an event of run_id at now. Own transaction (nests). */
int store_event_add(struct store *s, int64_t run_id,
		    const struct store_run_event *ev, int64_t now,
		    struct ml_err *err);

/* Events not yet put on a timeline, oldest first, at most limit (0: 100):
 * a new JSON array of {id, run_id, incident_id, at, event, phase, step,
 * line, item, status, exit_code, duration_ms, output_tail}. */
int store_event_unposted(struct store *s, int limit, json_t **out,
			 struct ml_err *err);

/* Marks event id posted (the service put it on the timeline). */
int store_event_posted(struct store *s, int64_t id, struct ml_err *err);

/* Every event of run_id, oldest first (new JSON array). */
int store_event_list(struct store *s, int64_t run_id, json_t **out,
		     struct ml_err *err);

/* --- outgoing messages (store_outbox.c) --- */

/* Attempts after which an undeliverable message is marked failed (each
 * attempt is itself retried by the notifier; each failure is on the
 * timeline). */
#define STORE_OUTBOX_ATTEMPTS 5

/* Queues a message of run_id for the service to deliver: channel is the
 * runbook's channel name (NULL: the service's channels). *id (when not
 * NULL) gets the row id. Own transaction (nests). */
int store_outbox_add(struct store *s, int64_t run_id, const char *channel,
		     const char *message, int64_t now, int64_t *id,
		     struct ml_err *err);

/* Messages due for delivery (pending, next_at <= now), oldest first, at
 * most limit (0: 100): a new JSON array of {id, run_id, incident_id,
 * channel, message, attempts, created_at}. */
int store_outbox_due(struct store *s, int64_t now, int limit, json_t **out,
		     struct ml_err *err);

/* Records one delivery attempt of message id: delivered -> status
 * "delivered" (never listed as due again); else attempts + 1, error kept,
 * next try at retry_at, or status "failed" once STORE_OUTBOX_ATTEMPTS is
 * reached (*gave_up set when not NULL). */
int store_outbox_mark(struct store *s, int64_t id, int delivered,
		      const char *error, int64_t retry_at, int64_t now,
		      int *gave_up, struct ml_err *err);

/* Every message of run_id (new JSON array). */
int store_outbox_list(struct store *s, int64_t run_id, json_t **out,
		      struct ml_err *err);

/* --- approvals of confirm steps (store_approvals.c) --- */

#define STORE_APPROVAL_PENDING "pending"
#define STORE_APPROVAL_APPROVED "approved"
#define STORE_APPROVAL_DENIED "denied"
#define STORE_APPROVAL_EXPIRED "expired"

/* Asks for an approval of run_id with prompt; the answer is due by
 * expires_at. *id gets the approval's id. Own transaction (nests). */
int store_approval_add(struct store *s, int64_t run_id, const char *prompt,
		       int64_t now, int64_t expires_at, int64_t *id,
		       struct ml_err *err);

/* Status of approval id ("pending", "approved", "denied", "expired") into
 * status (at least 16 bytes); *by (when not NULL) gets who decided
 * (malloc'ed, caller frees; NULL when nobody). ML_ENOTFOUND when none. */
int store_approval_status(struct store *s, int64_t id, char *status, char **by,
			  struct ml_err *err);

/* Decides the pending approval of run_id: approve (1) or deny (0), by
 * who, at now; writes a timeline entry "approval" on the run's incident.
 * ML_ENOTFOUND when the run has no pending approval (none asked, already
 * decided or expired). *id (when not NULL) gets the approval decided.
 * Own transaction (nests). */
int store_approval_decide(struct store *s, int64_t run_id, int approve,
			  const char *who, int64_t now, int64_t *id,
			  struct ml_err *err);

/* Marks approval id expired when it is still pending (the run waited
 * long enough), with a timeline entry; *status gets the final status
 * (a decision that came first wins). */
int store_approval_expire(struct store *s, int64_t id, int64_t now,
			  char status[16], struct ml_err *err);

/* Pending approvals not yet announced to people (new JSON array of
 * {id, run_id, incident_id, prompt, created_at, expires_at}), and the
 * mark that one was. */
int store_approval_unannounced(struct store *s, json_t **out,
			       struct ml_err *err);
int store_approval_announced(struct store *s, int64_t id, struct ml_err *err);

/* Approvals of run_id, or every pending one when run_id is 0 (new JSON
 * array). */
int store_approval_list(struct store *s, int64_t run_id, json_t **out,
			struct ml_err *err);

/* --- fleet budget slots (store_slots.c) --- */

enum store_slot_res {
	STORE_SLOT_TAKEN = 0, /* the slot is now held by run_id */
	STORE_SLOT_ALREADY,   /* run_id already held this key */
	STORE_SLOT_HELD,      /* another run holds this key (*holder) */
	STORE_SLOT_FULL	      /* the pool is at its limit (held-by-budget) */
};

/* Takes the slot key (e.g. a node name) of pool for run_id when the pool
 * holds fewer than limit slots: the count and the insert are ONE
 * transaction (BEGIN IMMEDIATE on SQLite), so concurrent takers, in any
 * process, never exceed limit. *res says what happened; *holder (when
 * not NULL) the run holding the key for STORE_SLOT_HELD. Must not be
 * called inside an open transaction of the caller's (ML_EINTERNAL): the
 * check would not be atomic with a deferred outer one. */
int store_slot_take(struct store *s, const char *pool, const char *key,
		    int64_t run_id, int limit, int64_t now,
		    enum store_slot_res *res, int64_t *holder,
		    struct ml_err *err);

/* Releases key of pool if run_id holds it (*released 0 or 1); key NULL
 * releases every slot run_id holds in pool (pool NULL: in all pools). */
int store_slot_release(struct store *s, const char *pool, const char *key,
		       int64_t run_id, int *released, struct ml_err *err);

/* Slots held in pool (NULL: all), by pool and key: a new JSON array of
 * {pool, key, run_id, taken_at}. */
int store_slot_list(struct store *s, const char *pool, json_t **out,
		    struct ml_err *err);

#endif
