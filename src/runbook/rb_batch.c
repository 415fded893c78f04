/* rb_batch.c: the `batch` step: for each item (node, shard, replica) of a
 * list, run before -> steps -> after with ITEM in the environment,
 * `parallel` items at a time, stopping at the first failure. Never all at
 * once: when parallel would cover every item, the first wave is made one
 * item smaller, so at least one item waits for the others to pass. Items
 * run in threads only when the ops say they are thread-safe. */
#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "runbook/rb_exec_int.h"

/* Splits a comma/space separated list into a JSON array of strings. */
static json_t *split_list(const char *s)
{
	json_t *a = json_array();

	while (*s) {
		size_t n;
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		n = strcspn(s, ", \t\r\n");
		if (n) {
			char *w = xmalloc(n + 1);
			memcpy(w, s, n);
			w[n] = 0;
			json_array_append_new(a, json_string(w));
			free(w);
		}
		s += n;
	}
	return a;
}

/* Items of the batch as an array of strings; NULL with err on failure. */
static json_t *batch_items(struct rb_lane *ln, const struct rb_step *st,
			   struct ml_err *err)
{
	struct rb_run *run = ln->run;
	struct rb_expr_env *env;
	json_t *v = NULL, *a, *e;
	const char *p;
	size_t i;

	if (!st->items)
		return ml_err_at(err, ML_EINPUT, run->rb->file, st->line,
				 st->col, "batch needs `items`"),
		       NULL;
	if ((p = json_string_value(json_object_get(run->params, st->items))))
		return split_list(p);
	if (rb_param_find(run->rb, st->items))
		return json_array(); /* declared, no value: nothing to do */
	if (rb_lane_expr(ln, &env, err) ||
	    rb_expr_eval_json(env, st->items, run->rb->file, st->line, st->col,
			      &v, err))
		return NULL;
	if (json_is_string(v)) {
		a = split_list(json_string_value(v));
		json_decref(v);
		return a;
	}
	if (!json_is_array(v)) {
		json_decref(v);
		return ml_err_at(err, ML_EINPUT, run->rb->file, st->line,
				 st->col, "batch items `%s` is not a list",
				 st->items),
		       NULL;
	}
	a = json_array();
	json_array_foreach(v, i, e)
	{
		if (json_is_string(e))
			json_array_append(a, e);
		else if (json_is_integer(e)) {
			char t[32];
			snprintf(t, sizeof(t), "%lld",
				 (long long)json_integer_value(e));
			json_array_append_new(a, json_string(t));
		} else {
			json_decref(v);
			json_decref(a);
			return ml_err_at(err, ML_EINPUT, run->rb->file,
					 st->line, st->col,
					 "batch item %zu is not a string",
					 i + 1),
			       NULL;
		}
	}
	json_decref(v);
	return a;
}

struct item_job {
	struct rb_lane lane;
	const struct rb_step *st;
	json_t *rec;
	enum rb_step_res res;
};

static void *item_run(void *arg)
{
	struct item_job *j = arg;
	enum rb_step_res r = rb_steps_run(&j->lane, &j->st->before);

	if (r == RB_SR_OK)
		r = rb_steps_run(&j->lane, &j->st->steps);
	if (r == RB_SR_OK)
		r = rb_steps_run(&j->lane, &j->st->after);
	j->res = r;
	return NULL;
}

static void job_init(struct item_job *j, struct rb_lane *ln,
		     const struct rb_step *st, const char *item)
{
	memset(j, 0, sizeof(*j));
	j->lane.run = ln->run;
	j->lane.phase = ln->phase;
	j->lane.item = item;
	j->lane.remedy = ln->remedy;
	j->lane.env = rb_env_build(ln->run->rb, ln->run->params, item);
	j->lane.facts = json_deep_copy(ln->facts);
	j->rec = json_object();
	j->lane.steps = json_array();
	j->st = st;
}

static void job_finish(struct item_job *j, json_t *runs, char *const *sec)
{
	static const char *const n[] = {"ok", "failed", "declined",
					"interrupted", "error"};

	rb_jset_masked(j->rec, sec, "item", j->lane.item);
	jset_str(j->rec, "result", n[j->res]);
	json_object_set_new(j->rec, "steps", j->lane.steps);
	json_array_append_new(runs, j->rec);
	rb_env_free(j->lane.env);
	json_decref(j->lane.facts);
	if (j->lane.expr)
		rb_expr_env_free(j->lane.expr);
}

/* Runs items [from, from+n) at once (threads) or in order; returns the
 * first result that is not OK, in item order. */
static enum rb_step_res run_wave(struct rb_lane *ln, const struct rb_step *st,
				 json_t *items, size_t from, size_t n,
				 json_t *runs)
{
	struct item_job *jobs = xcalloc(n, sizeof(*jobs));
	pthread_t *th = xcalloc(n, sizeof(*th));
	int *started = xcalloc(n, sizeof(*started));
	int threads = ln->run->ops->thread_safe && n > 1;
	enum rb_step_res res = RB_SR_OK;
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		job_init(&jobs[i], ln, st,
			 json_string_value(json_array_get(items, from + i)));
		if (threads)
			started[i] =
			    !pthread_create(&th[i], NULL, item_run, &jobs[i]);
		if (!started[i]) {
			item_run(&jobs[i]);
			if (!threads && jobs[i].res != RB_SR_OK) {
				done = i + 1;
				break;
			}
		}
		done = i + 1;
	}
	for (size_t i = 0; i < done; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		if (res == RB_SR_OK)
			res = jobs[i].res;
		job_finish(&jobs[i], runs, ln->run->secrets);
	}
	for (size_t i = done; i < n; i++) { /* never started */
		json_t *r = json_object();
		rb_jset_masked(
		    r, ln->run->secrets, "item",
		    json_string_value(json_array_get(items, from + i)));
		jset_str(r, "result", "skipped");
		json_array_append_new(runs, r);
	}
	free(jobs);
	free(th);
	free(started);
	return res;
}

enum rb_step_res rb_batch_run(struct rb_lane *ln, const struct rb_step *st,
			      json_t *rec)
{
	struct ml_err err;
	json_t *items, *runs;
	size_t n, par, i;
	enum rb_step_res res = RB_SR_OK;

	ml_err_clear(&err);
	if (!(items = batch_items(ln, st, &err))) {
		char msg[2200];
		ml_err_format(&err, msg, sizeof(msg));
		rb_jset_masked(rec, ln->run->secrets, "error", msg);
		return RB_SR_ERROR;
	}
	n = json_array_size(items);
	par = st->parallel > 0 ? (size_t)st->parallel : 1;
	if (n > 1 && par >= n) {
		par = n - 1;
		jset_str(rec, "note",
			 "parallel lowered so that not every item "
			 "changes at once");
	}
	json_object_set_new(rec, "items",
			    rb_mask_json(ln->run->secrets, items));
	jset_int(rec, "parallel", (long long)par);
	runs = json_array();
	json_object_set_new(rec, "runs", runs);
	rb_say(ln->run, "   batch of %zu item(s), %zu at a time", n, par);
	for (i = 0; i < n && res == RB_SR_OK; i += par) {
		size_t w = n - i < par ? n - i : par;
		res = run_wave(ln, st, items, i, w, runs);
	}
	for (; i < n; i++) {
		json_t *r = json_object();
		rb_jset_masked(r, ln->run->secrets, "item",
			       json_string_value(json_array_get(items, i)));
		jset_str(r, "result", "skipped");
		json_array_append_new(runs, r);
	}
	json_decref(items);
	return res;
}
