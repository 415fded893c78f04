/* rb_channel.h: the store-backed channel of a run to the incident
 * service: engine ops that wrap others (the real ones) so that a notify
 * step queues a message the service delivers, a confirm step asks for an
 * approval a person gives through the service and waits for it, each
 * step start and end is a step event, and budget slots are taken in the
 * store. See docs/internals.md, "How a run talks to the service". */
#ifndef ML_RB_CHANNEL_H
#define ML_RB_CHANNEL_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "core/err.h"
#include "runbook/rb_exec.h"
#include "store/store.h"

struct rb_channel {
	struct store *store; /* borrowed; the caller opened it */
	int64_t run_id;
	const struct rb_exec_ops *inner; /* the wrapped ops (borrowed) */
	int64_t approval_timeout_ms;	 /* 0: ML_APPROVAL_TIMEOUT_MS */
	int64_t poll_ms;		 /* 0: ML_APPROVAL_POLL_MS */
	volatile sig_atomic_t *cancel;	 /* stops an approval wait */
	pthread_mutex_t lock;		 /* one store connection, batch
					    threads */
};

/* Sets ch up for run_id of s, wrapping inner; fails (ML_ENOTFOUND) when
 * the store has no such run. Other fields may be set afterwards. */
int rb_channel_init(struct rb_channel *ch, struct store *s, int64_t run_id,
		    const struct rb_exec_ops *inner, struct ml_err *err);

/* Releases what init took (not the store; slots the run holds stay held
 * until released: a budget outlives one process on purpose). */
void rb_channel_free(struct rb_channel *ch);

/* Fills *out with the channel's ops (ctx = ch); ch must outlive them. */
void rb_channel_ops(struct rb_channel *ch, struct rb_exec_ops *out);

#endif
