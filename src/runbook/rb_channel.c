/* rb_channel.c: engine ops that carry a run's talk with the incident
 * service through the store: notify -> an outbox row, confirm -> an
 * approval row and a cancellable wait for a person's answer, step start
 * and end -> event rows, take_slot -> an atomic budget slot. Commands,
 * probes, sleep and the clock are the wrapped ops'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/out.h"
#include "runbook/rb_channel.h"
#include "store/store_chan.h"

static int ch_run_cmd(void *ctx, const char *shell, const char *const *env,
		      int64_t timeout_ms, struct rb_cmd_result *res,
		      struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	return ch->inner->run_cmd(ch->inner->ctx, shell, env, timeout_ms, res,
				  err);
}

static int ch_run_probe(void *ctx, const char *probe, const char *as,
			const json_t *args, int dry_run, json_t **facts,
			struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	return ch->inner->run_probe(ch->inner->ctx, probe, as, args, dry_run,
				    facts, err);
}

static void ch_sleep_ms(void *ctx, int64_t ms)
{
	struct rb_channel *ch = ctx;
	ch->inner->sleep_ms(ch->inner->ctx, ms);
}

static int64_t ch_now_ms(void *ctx)
{
	struct rb_channel *ch = ctx;
	return ch->inner->now_ms(ch->inner->ctx);
}

static int ch_notify(void *ctx, const char *channel, const char *message,
		     struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	int rc;

	pthread_mutex_lock(&ch->lock);
	rc = store_outbox_add(ch->store, ch->run_id, channel, message,
			      ch_now_ms(ch), NULL, err);
	pthread_mutex_unlock(&ch->lock);
	if (rc)
		ml_err_prefix(err, "notify: the message could not be queued "
				   "for the service");
	return rc;
}

/* Status of approval id, under the lock. */
static int approval_now(struct rb_channel *ch, int64_t id, char st[16],
			struct ml_err *err)
{
	int rc;

	pthread_mutex_lock(&ch->lock);
	rc = store_approval_status(ch->store, id, st, NULL, err);
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

/* Polls approval id until decided, expired, the deadline or a cancel. */
static int approval_wait(struct rb_channel *ch, int64_t id, int64_t deadline,
			 char st[16], struct ml_err *err)
{
	int64_t poll = ch->poll_ms > 0 ? ch->poll_ms : ML_APPROVAL_POLL_MS;
	int rc;

	for (;;) {
		if ((rc = approval_now(ch, id, st, err)) != 0)
			return rc;
		if (strcmp(st, STORE_APPROVAL_PENDING))
			return 0;
		if ((ch->cancel && *ch->cancel) || ch_now_ms(ch) >= deadline)
			break;
		ch_sleep_ms(ch, poll);
	}
	pthread_mutex_lock(&ch->lock);
	rc = store_approval_expire(ch->store, id, ch_now_ms(ch), st, err);
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

static int ch_confirm(void *ctx, const char *prompt, int *yes,
		      struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	int64_t wait = ch->approval_timeout_ms > 0 ? ch->approval_timeout_ms
						   : ML_APPROVAL_TIMEOUT_MS;
	int64_t now = ch_now_ms(ch), id = 0;
	char st[16] = "";
	int rc;

	*yes = 0;
	pthread_mutex_lock(&ch->lock);
	rc = store_approval_add(ch->store, ch->run_id, prompt, now, now + wait,
				&id, err);
	pthread_mutex_unlock(&ch->lock);
	if (!rc)
		rc = approval_wait(ch, id, now + wait, st, err);
	if (rc) {
		ml_err_prefix(err, "confirm: asking the service for approval");
		return rc;
	}
	*yes = !strcmp(st, STORE_APPROVAL_APPROVED);
	if (!strcmp(st, STORE_APPROVAL_EXPIRED) && !(ch->cancel && *ch->cancel))
		return ml_err_set(err, ML_ETIMEOUT,
				  "no one approved or denied within %llds: "
				  "approval %lld expired",
				  (long long)(wait / 1000), (long long)id);
	return 0;
}

/* The last ML_EVENT_TAIL_BYTES of s, starting on a UTF-8 boundary. */
static const char *tail_of(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *t;

	if (n <= ML_EVENT_TAIL_BYTES)
		return s;
	t = s + n - ML_EVENT_TAIL_BYTES;
	while (*t && ((unsigned char)*t & 0xC0) == 0x80)
		t++;
	return t;
}

static void ch_step_event(void *ctx, const char *event, const json_t *rec)
{
	struct rb_channel *ch = ctx;
	const json_t *ec = json_object_get(rec, "exit_code");
	int fin = !strcmp(event, "finished");
	struct store_run_event ev = {
	    .event = event,
	    .phase = jget_str(rec, "phase", NULL),
	    .step = jget_str(rec, "what", NULL),
	    .line = (int)jget_int(rec, "line", 0),
	    .item = jget_str(rec, "item", NULL),
	    .status = fin ? jget_str(rec, "result", NULL) : NULL,
	    .has_exit = fin && json_is_integer(ec),
	    .exit_code = (int)json_integer_value(ec),
	    .duration_ms = fin ? jget_int(rec, "duration_ms", 0) : 0,
	    .output_tail = fin ? tail_of(jget_str(rec, "output", NULL)) : NULL};
	struct ml_err err = {0};
	int rc;

	pthread_mutex_lock(&ch->lock);
	rc = store_event_add(ch->store, ch->run_id, &ev, ch_now_ms(ch), &err);
	pthread_mutex_unlock(&ch->lock);
	if (rc) { /* the step goes on; the record still has it */
		ml_err_prefix(&err, "run %lld: step event not stored",
			      (long long)ch->run_id);
		ml_err_print(&err);
	}
}

static int ch_take_slot(void *ctx, const char *pool, const char *key, int limit,
			int *taken, struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	enum store_slot_res res;
	int64_t holder = 0;
	int rc;

	*taken = 0;
	pthread_mutex_lock(&ch->lock);
	rc = store_slot_take(ch->store, pool, key, ch->run_id, limit,
			     ch_now_ms(ch), &res, &holder, err);
	pthread_mutex_unlock(&ch->lock);
	if (rc)
		return rc;
	*taken = res == STORE_SLOT_TAKEN || res == STORE_SLOT_ALREADY;
	if (res == STORE_SLOT_HELD)
		ml_err_set(err, ML_EINPUT, "%s %s is held by run %lld", pool,
			   key, (long long)holder);
	else if (res == STORE_SLOT_FULL)
		ml_err_set(err, ML_EINPUT,
			   "held by budget: %s already holds its limit of %d",
			   pool, limit);
	return 0;
}

static int ch_release_slot(void *ctx, const char *pool, const char *key,
			   struct ml_err *err)
{
	struct rb_channel *ch = ctx;
	int rc;

	pthread_mutex_lock(&ch->lock);
	rc = store_slot_release(ch->store, pool, key, ch->run_id, NULL, err);
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

int rb_channel_init(struct rb_channel *ch, struct store *s, int64_t run_id,
		    const struct rb_exec_ops *inner, struct ml_err *err)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
	if ((rc = store_run_find(s, run_id, NULL, err)) != 0)
		return rc;
	ch->store = s;
	ch->run_id = run_id;
	ch->inner = inner;
	pthread_mutex_init(&ch->lock, NULL);
	return 0;
}

void rb_channel_free(struct rb_channel *ch)
{
	if (ch && ch->store)
		pthread_mutex_destroy(&ch->lock);
}

void rb_channel_ops(struct rb_channel *ch, struct rb_exec_ops *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = ch;
	out->run_cmd = ch_run_cmd;
	out->run_probe = ch_run_probe;
	out->confirm = ch_confirm;
	out->sleep_ms = ch_sleep_ms;
	out->now_ms = ch_now_ms;
	out->notify = ch_notify;
	out->thread_safe = ch->inner->thread_safe;
	out->step_event = ch_step_event;
	out->take_slot = ch_take_slot;
	out->release_slot = ch_release_slot;
}
