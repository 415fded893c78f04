/* test_store_chan.c: the channel between a run and the service in the
 * store: budget slots (limit, double take, release, concurrent takers in
 * several processes and threads never over the limit), the outbox
 * (delivered once, retried, given up), approvals (approve, deny, expire,
 * timeline) and rb_channel's confirm waiting on a decision another
 * process writes. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tstore.h"

#include "core/out.h"
#include "runbook/rb_channel.h"
#include "store/store.h"
#include "store/store_chan.h"

struct fx {
	char path[64];
	struct store *s;
	int64_t incident, run;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ml_err err = {0};

	snprintf(f->path, sizeof(f->path), "test-chan-%d.db", getpid());
	if (tstore_open_incident(f->path, "fp", "GPUHot", &f->s, &f->incident,
				 &err) ||
	    store_run_create(f->s, f->incident, "rb", "remediate", 1000,
			     &f->run, &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tstore_unlink(f->path);
	free(f);
	return 0;
}

static enum store_slot_res take(struct store *s, const char *key, int64_t run,
				int limit, int64_t *holder)
{
	enum store_slot_res res;
	struct ml_err err = {0};

	assert_int_equal(
	    store_slot_take(s, "nodes", key, run, limit, 5, &res, holder, &err),
	    0);
	return res;
}

static void test_slot_limit_double_release(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	int64_t h = 0;
	int n = 0;
	json_t *l;

	assert_int_equal(take(f->s, "n1", 1, 2, &h), STORE_SLOT_TAKEN);
	assert_int_equal(take(f->s, "n1", 1, 2, &h), STORE_SLOT_ALREADY);
	assert_int_equal(take(f->s, "n1", 2, 2, &h), STORE_SLOT_HELD);
	assert_int_equal(h, 1);
	assert_int_equal(take(f->s, "n2", 2, 2, &h), STORE_SLOT_TAKEN);
	assert_int_equal(take(f->s, "n3", 3, 2, &h), STORE_SLOT_FULL);
	/* another pool has its own budget */
	{
		enum store_slot_res res;
		assert_int_equal(store_slot_take(f->s, "racks", "n3", 3, 1, 5,
						 &res, NULL, &err),
				 0);
		assert_int_equal(res, STORE_SLOT_TAKEN);
	}
	/* only the holder releases */
	assert_int_equal(store_slot_release(f->s, "nodes", "n1", 2, &n, &err),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_slot_release(f->s, "nodes", "n1", 1, &n, &err),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(take(f->s, "n3", 3, 2, &h), STORE_SLOT_TAKEN);
	assert_int_equal(store_slot_list(f->s, "nodes", &l, &err), 0);
	assert_int_equal(json_array_size(l), 2);
	json_decref(l);
	/* taking inside an open transaction is refused: not atomic */
	assert_int_equal(store_begin(f->s, &err), 0);
	{
		enum store_slot_res res;
		assert_int_equal(store_slot_take(f->s, "nodes", "n9", 9, 9, 5,
						 &res, NULL, &err),
				 ML_EINTERNAL);
	}
	store_rollback(f->s);
}

#define TAKERS 4
#define KEYS 40
#define LIMIT 7

/* One taker: its own connection, every key once; the number it got. */
static int taker(const char *path, int64_t run)
{
	struct store *s = NULL;
	struct ml_err err = {0};
	int got = 0;

	if (store_open(path, &s, &err) != 0)
		return -1;
	for (int k = 0; k < KEYS; k++) {
		enum store_slot_res res;
		char key[16];
		snprintf(key, sizeof(key), "node%d", (k * 7 + (int)run) % KEYS);
		if (store_slot_take(s, "fleet", key, run, LIMIT, 1, &res, NULL,
				    &err) != 0) {
			got = -1;
			break;
		}
		got += res == STORE_SLOT_TAKEN;
	}
	store_close(s);
	return got;
}

static void count_fleet(struct store *s, int want)
{
	struct ml_err err = {0};
	json_t *l;

	assert_int_equal(store_slot_list(s, "fleet", &l, &err), 0);
	assert_int_equal(json_array_size(l), want);
	json_decref(l);
}

static void test_slot_concurrent_processes(void **state)
{
	struct fx *f = *state;
	pid_t pid[TAKERS];
	int total = 0;

	for (int i = 0; i < TAKERS; i++) {
		if ((pid[i] = fork()) == 0)
			_exit(taker(f->path, 100 + i) & 0xff);
		assert_true(pid[i] > 0);
	}
	for (int i = 0; i < TAKERS; i++) {
		int st = 0;
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0xff);
		total += WEXITSTATUS(st);
	}
	assert_int_equal(total, LIMIT);
	count_fleet(f->s, LIMIT);
}

struct targ {
	const char *path;
	int64_t run;
	int got;
};

static void *taker_thread(void *p)
{
	struct targ *t = p;
	t->got = taker(t->path, t->run);
	return NULL;
}

static void test_slot_concurrent_threads(void **state)
{
	struct fx *f = *state;
	pthread_t th[TAKERS];
	struct targ a[TAKERS];
	int total = 0;

	for (int i = 0; i < TAKERS; i++) {
		a[i] = (struct targ){f->path, 200 + i, 0};
		assert_int_equal(
		    pthread_create(&th[i], NULL, taker_thread, &a[i]), 0);
	}
	for (int i = 0; i < TAKERS; i++) {
		pthread_join(th[i], NULL);
		assert_true(a[i].got >= 0);
		total += a[i].got;
	}
	assert_int_equal(total, LIMIT);
	count_fleet(f->s, LIMIT);
}

static void test_outbox_once_retry_giveup(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	int64_t a = 0, b = 0;
	int gave_up = 0;
	json_t *due;

	assert_int_equal(
	    store_outbox_add(f->s, f->run, "#ml-oncall", "hello", 10, &a, &err),
	    0);
	assert_int_equal(
	    store_outbox_add(f->s, f->run, NULL, "bye", 10, &b, &err), 0);
	assert_int_equal(store_outbox_due(f->s, 10, 0, &due, &err), 0);
	assert_int_equal(json_array_size(due), 2);
	assert_int_equal(jget_int(json_array_get(due, 0), "incident_id", 0),
			 f->incident);
	assert_string_equal(jget_str(json_array_get(due, 0), "channel", ""),
			    "#ml-oncall");
	json_decref(due);
	/* delivered: never due again, and a second mark changes nothing */
	assert_int_equal(store_outbox_mark(f->s, a, 1, NULL, 0, 20, NULL, &err),
			 0);
	assert_int_equal(
	    store_outbox_mark(f->s, a, 0, "late", 0, 30, &gave_up, &err), 0);
	assert_false(gave_up);
	/* failed: due again at retry_at, given up after the last attempt */
	for (int i = 1; i <= STORE_OUTBOX_ATTEMPTS; i++) {
		assert_int_equal(store_outbox_due(f->s, 100 * i, 0, &due, &err),
				 0);
		assert_int_equal(json_array_size(due), 1);
		assert_int_equal(jget_int(json_array_get(due, 0), "id", 0), b);
		json_decref(due);
		assert_int_equal(store_outbox_mark(f->s, b, 0, "HTTP 500",
						   100 * (i + 1), 100 * i,
						   &gave_up, &err),
				 0);
		assert_int_equal(gave_up, i == STORE_OUTBOX_ATTEMPTS);
	}
	assert_int_equal(store_outbox_due(f->s, 1000000, 0, &due, &err), 0);
	assert_int_equal(json_array_size(due), 0);
	json_decref(due);
	assert_int_equal(store_outbox_list(f->s, f->run, &due, &err), 0);
	assert_string_equal(jget_str(json_array_get(due, 0), "status", ""),
			    "delivered");
	assert_string_equal(jget_str(json_array_get(due, 1), "status", ""),
			    "failed");
	assert_string_equal(jget_str(json_array_get(due, 1), "last_error", ""),
			    "HTTP 500");
	json_decref(due);
}

static int timeline_has(struct store *s, int64_t inc, const char *text)
{
	struct ml_err err = {0};
	json_t *i = NULL, *e;
	size_t k;
	int found = 0;

	assert_int_equal(store_incident_get(s, inc, &i, &err), 0);
	json_array_foreach(json_object_get(i, "timeline"), k, e) found |=
	    strstr(jget_str(e, "message", ""), text) != NULL;
	json_decref(i);
	return found;
}

static void test_approval_decide_expire(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	char st[16];
	char *by = NULL;
	int64_t a = 0, b = 0, got = 0;
	json_t *l;

	/* nothing asked: nothing to decide */
	assert_int_equal(
	    store_approval_decide(f->s, f->run, 1, "ana", 5, NULL, &err),
	    ML_ENOTFOUND);
	assert_int_equal(
	    store_approval_add(f->s, f->run, "Drain n1?", 10, 99, &a, &err), 0);
	assert_int_equal(store_approval_unannounced(f->s, &l, &err), 0);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	assert_int_equal(store_approval_announced(f->s, a, &err), 0);
	assert_int_equal(store_approval_unannounced(f->s, &l, &err), 0);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	assert_int_equal(
	    store_approval_decide(f->s, f->run, 1, "ana", 20, &got, &err), 0);
	assert_int_equal(got, a);
	assert_int_equal(store_approval_status(f->s, a, st, &by, &err), 0);
	assert_string_equal(st, "approved");
	assert_string_equal(by, "ana");
	free(by);
	assert_true(
	    timeline_has(f->s, f->incident, "approval approved by ana"));
	/* decided once: a second decision and a late expiry change nothing */
	assert_int_equal(
	    store_approval_decide(f->s, f->run, 0, "bo", 30, NULL, &err),
	    ML_ENOTFOUND);
	assert_int_equal(store_approval_expire(f->s, a, 40, st, &err), 0);
	assert_string_equal(st, "approved");
	/* deny, and expire */
	assert_int_equal(
	    store_approval_add(f->s, f->run, "Reboot?", 50, 99, &b, &err), 0);
	assert_int_equal(
	    store_approval_decide(f->s, f->run, 0, "bo", 60, NULL, &err), 0);
	assert_int_equal(store_approval_status(f->s, b, st, NULL, &err), 0);
	assert_string_equal(st, "denied");
	assert_int_equal(
	    store_approval_add(f->s, f->run, "Again?", 70, 99, &b, &err), 0);
	assert_int_equal(store_approval_expire(f->s, b, 100, st, &err), 0);
	assert_string_equal(st, "expired");
	assert_true(timeline_has(f->s, f->incident, "approval expired"));
	assert_int_equal(store_approval_list(f->s, f->run, &l, &err), 0);
	assert_int_equal(json_array_size(l), 3);
	json_decref(l);
}

/* A confirm through the channel: another process approves (or nobody
 * does and it expires). */
static int confirm_with(struct fx *f, int approver, int *yes)
{
	struct rb_channel ch;
	struct rb_exec_ops ops;
	struct ml_err err = {0};
	pid_t pid = 0;
	int rc, st = 0;

	assert_int_equal(
	    rb_channel_init(&ch, f->s, f->run, rb_exec_real_ops(), &err), 0);
	ch.approval_timeout_ms = approver ? 20000 : 300;
	ch.poll_ms = 20;
	rb_channel_ops(&ch, &ops);
	if (approver && (pid = fork()) == 0) {
		struct store *s = NULL;
		int i;
		if (store_open(f->path, &s, &err))
			_exit(2);
		/* waits until the run has asked */
		for (i = 0; i < 500; i++) {
			if (!store_approval_decide(s, f->run, approver == 1,
						   "ana", 1, NULL, &err))
				break;
			usleep(10000);
		}
		store_close(s);
		_exit(i < 500 ? 0 : 1);
	}
	rc = ops.confirm(ops.ctx, "Drain n1?", yes, &err);
	if (pid) {
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	rb_channel_free(&ch);
	return rc;
}

static void test_channel_confirm(void **state)
{
	struct fx *f = *state;
	int yes = -1;

	assert_int_equal(confirm_with(f, 1, &yes), 0);
	assert_int_equal(yes, 1);
	assert_int_equal(confirm_with(f, 2, &yes), 0); /* denied */
	assert_int_equal(yes, 0);
	assert_int_equal(confirm_with(f, 0, &yes), ML_ETIMEOUT);
	assert_int_equal(yes, 0);
}

static void step_rec(struct rb_exec_ops *ops, const char *event,
		     const char *result, int exit_code)
{
	json_t *rec = json_pack("{s:s, s:s, s:i}", "phase", "remedy", "what",
				"$ systemctl restart x", "line", 12);

	if (result) {
		json_object_set_new(rec, "result", json_string(result));
		json_object_set_new(rec, "exit_code", json_integer(exit_code));
		json_object_set_new(rec, "duration_ms", json_integer(42));
		json_object_set_new(rec, "output", json_string("done\n"));
	}
	ops->step_event(ops->ctx, event, rec);
	json_decref(rec);
}

static void test_channel_events_notify(void **state)
{
	struct fx *f = *state;
	struct rb_channel ch;
	struct rb_exec_ops ops;
	struct ml_err err = {0};
	json_t *l;

	assert_int_equal(
	    rb_channel_init(&ch, f->s, 999, rb_exec_real_ops(), &err),
	    ML_ENOTFOUND);
	assert_int_equal(
	    rb_channel_init(&ch, f->s, f->run, rb_exec_real_ops(), &err), 0);
	rb_channel_ops(&ch, &ops);
	step_rec(&ops, "started", NULL, 0);
	step_rec(&ops, "finished", "failed", 3);
	assert_int_equal(ops.notify(ops.ctx, "#x", "restarted", &err), 0);
	assert_int_equal(store_event_unposted(f->s, 0, &l, &err), 0);
	assert_int_equal(json_array_size(l), 2);
	assert_int_equal(jget_int(json_array_get(l, 1), "exit_code", 0), 3);
	assert_string_equal(jget_str(json_array_get(l, 1), "status", ""),
			    "failed");
	assert_string_equal(jget_str(json_array_get(l, 1), "output_tail", ""),
			    "done\n");
	assert_int_equal(jget_int(json_array_get(l, 0), "incident_id", 0),
			 f->incident);
	assert_int_equal(
	    store_event_posted(f->s, jget_int(json_array_get(l, 0), "id", 0),
			       &err),
	    0);
	json_decref(l);
	assert_int_equal(store_event_unposted(f->s, 0, &l, &err), 0);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	assert_int_equal(store_outbox_due(f->s, INT64_MAX, 0, &l, &err), 0);
	assert_string_equal(jget_str(json_array_get(l, 0), "message", ""),
			    "restarted");
	json_decref(l);
	rb_channel_free(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_slot_limit_double_release,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_concurrent_processes,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_concurrent_threads, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_once_retry_giveup,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_approval_decide_expire, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_channel_confirm, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_channel_events_notify, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
