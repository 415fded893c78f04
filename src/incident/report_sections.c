/* report_sections.c: the report's sections beyond response times: pages
 * per person per week, noisy alerts and alerts without runbook, action
 * item velocity and overdue items, runbooks past their review date. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "incident/report_int.h"
#include "runbook/rb.h"
#include "store/store_practice.h"

#define DAY_MS 86400000LL
#define WEEK_MS (7 * DAY_MS)

/* Sorts a JSON array of objects in place with cmp over (json_t **). */
static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

/* Descending by integer field a, then b, then ascending by string k. */
static int cmp_desc(const json_t *x, const json_t *y, const char *a,
		    const char *b, const char *k)
{
	long long p = jget_int(x, a, 0), q = jget_int(y, a, 0);
	if (p != q)
		return p < q ? 1 : -1;
	p = b ? jget_int(x, b, 0) : 0;
	q = b ? jget_int(y, b, 0) : 0;
	if (p != q)
		return p < q ? 1 : -1;
	return strcmp(jget_str(x, k, ""), jget_str(y, k, ""));
}

static int cmp_people(const void *a, const void *b)
{
	return cmp_desc(*(json_t *const *)a, *(json_t *const *)b, "pages",
			"max_week", "person");
}

static int cmp_noisy(const void *a, const void *b)
{
	return cmp_desc(*(json_t *const *)a, *(json_t *const *)b, "no_action",
			"fired", "alertname");
}

char *report_page_person(const char *message)
{
	const char *p, *end;

	if (!message || strncmp(message, "paged ", 6))
		return NULL;
	p = message + 6;
	end = strstr(p, " (");
	if (!end || end == p)
		return NULL;
	return strndup(p, (size_t)(end - p));
}

/* Whether a page entry starts a new page (not the same page on another
 * channel): seen maps "paged P (T, level L)" -> {channel: true} for the
 * current incident. */
static int new_page(json_t *seen, const char *msg, const char *ch)
{
	const char *close = strchr(msg, ')');
	char *key;
	json_t *chans;
	int fresh = 1;

	if (!ch || !close)
		return 1;
	key = strndup(msg, (size_t)(close - msg + 1));
	chans = json_object_get(seen, key);
	if (chans && !json_object_get(chans, ch)) {
		fresh = 0; /* the same page, delivered on one more channel */
	} else {
		chans = json_object();
		json_object_set_new(seen, key, chans);
	}
	json_object_set_new(chans, ch, json_true());
	free(key);
	return fresh;
}

/* Page counting: people (name -> index) and counts[index * nw + week]. */
struct pages {
	int64_t first;
	size_t nw, npeople;
	json_t *people, *seen;
	long long *counts, total;
	int64_t cur;
};

static int count_page(void *ctx, const struct store_report_page *p)
{
	struct pages *c = ctx;
	char *person = report_page_person(p->message);
	const json_t *idx;
	size_t i, w;

	if (!person)
		return 0;
	if (p->incident_id != c->cur || !c->seen) {
		c->cur = p->incident_id;
		json_decref(c->seen);
		c->seen = json_object();
	}
	if (new_page(c->seen, p->message, p->channel)) {
		if (!(idx = json_object_get(c->people, person))) {
			i = c->npeople++;
			c->counts = xrealloc(c->counts, c->npeople * c->nw *
							    sizeof(long long));
			memset(c->counts + i * c->nw, 0,
			       c->nw * sizeof(long long));
			json_object_set_new(c->people, person,
					    json_integer((json_int_t)i));
		} else {
			i = (size_t)json_integer_value(idx);
		}
		w = (size_t)((report_week_start(p->at) - c->first) / WEEK_MS);
		if (w < c->nw) {
			c->counts[i * c->nw + w]++;
			c->total++;
		}
	}
	free(person);
	return 0;
}

static json_t *person_row(const char *name, const long long *counts, size_t nw,
			  int64_t first)
{
	json_t *row = json_object(), *weeks = json_array();
	long long total = 0, max = 0;

	for (size_t w = 0; w < nw; w++) {
		json_t *wk = json_object();
		report_set_time(wk, "start", first + (int64_t)w * WEEK_MS);
		jset_int(wk, "pages", counts[w]);
		jset_str(wk, "band", report_band(counts[w]));
		json_array_append_new(weeks, wk);
		total += counts[w];
		max = counts[w] > max ? counts[w] : max;
	}
	jset_str(row, "person", name);
	jset_int(row, "pages", total);
	jset_int(row, "max_week", max);
	jset_real(row, "mean_per_week",
		  round(100.0 * (double)total / (double)(nw ? nw : 1)) / 100);
	jset_str(row, "band", report_band(max));
	json_object_set_new(row, "weeks", weeks);
	return row;
}

int report_pages(struct store *s, const struct report_opts *o, json_t *r,
		 struct ml_err *err)
{
	int64_t since = o->now - o->since_ms;
	struct pages c = {.first = report_week_start(since),
			  .people = json_object(),
			  .cur = -1};
	json_t *people = json_array(), *v;
	const char *name;
	int rc;

	c.nw =
	    (size_t)((report_week_start(o->now - 1) - c.first) / WEEK_MS) + 1;
	rc = store_report_pages(s, since, o->now, count_page, &c, err);
	if (rc == 0) {
		json_object_foreach(c.people, name, v) json_array_append_new(
		    people,
		    person_row(name,
			       c.counts + (size_t)json_integer_value(v) * c.nw,
			       c.nw, c.first));
		sort_array(people, cmp_people);
		json_object_set_new(r, "pages",
				    json_pack("{s:I, s:{s:s, s:s, s:s}, s:O}",
					      "total", (json_int_t)c.total,
					      "bands", "healthy", "1-2",
					      "warning", "3-9", "unhealthy",
					      ">=10", "people", people));
	}
	json_decref(people);
	json_decref(c.seen);
	json_decref(c.people);
	free(c.counts);
	return rc;
}

int report_alerts(struct store *s, const struct report_opts *o, json_t *r,
		  struct ml_err *err)
{
	int64_t since = o->now - o->since_ms;
	int min = o->noisy_min > 0 ? o->noisy_min : 5;
	json_t *stats = NULL, *gaps = NULL, *noisy = json_array(), *g;
	size_t k;
	int rc;

	if ((rc = store_report_alert_stats(s, since, o->now, &stats, err)) ||
	    (rc = store_report_no_runbook(s, since, o->now, &gaps, err))) {
		json_decref(stats);
		json_decref(noisy);
		return rc;
	}
	json_array_foreach(stats, k, g)
	{
		long long n = jget_int(g, "incidents", 0),
			  none = jget_int(g, "no_action", 0);
		if (jget_int(g, "fired", 0) < min || !n ||
		    (double)none < REPORT_NOISY_SHARE * (double)n)
			continue;
		jset_real(g, "no_action_pct",
			  round(1000.0 * (double)none / (double)n) / 10);
		json_array_append(noisy, g);
	}
	sort_array(noisy, cmp_noisy);
	json_object_set_new(r, "noisy_alerts", noisy);
	json_object_set_new(r, "no_runbook", gaps);
	json_decref(stats);
	return 0;
}

static json_t *overdue_item(const json_t *a, int64_t now)
{
	json_t *o = json_object();

	jset_int(o, "id", jget_int(a, "id", 0));
	jset_int(o, "incident_id", jget_int(a, "incident_id", 0));
	jset_str(o, "text", jget_str(a, "text", ""));
	jset_str(o, "owner", jget_str(a, "owner", NULL));
	report_set_time(o, "due_at", jget_int(a, "due_at", 0));
	jset_int(o, "days_overdue", (now - jget_int(a, "due_at", 0)) / DAY_MS);
	return o;
}

int report_actions(struct store *s, const struct report_opts *o, json_t *r,
		   struct ml_err *err)
{
	struct store_action_filter f = {0};
	int64_t since = o->now - o->since_ms,
		limit = REPORT_ACTION_DAYS * DAY_MS;
	json_t *items = NULL, *a, *res, *overdue = json_array();
	long long cohort = 0, in_time = 0, open = 0, unowned = 0;
	size_t k;
	int rc;

	if ((rc = store_action_list(s, &f, &items, err)) != 0) {
		json_decref(overdue);
		return rc;
	}
	json_array_foreach(items, k, a)
	{
		int64_t c = jget_int(a, "created_at", 0),
			d = jget_int(a, "done_at", 0),
			due = jget_int(a, "due_at", 0);
		int done = !strcmp(jget_str(a, "status", ""), "done");
		if (c + limit >= since && c + limit < o->now) {
			cohort++;
			in_time += done && d && d - c <= limit;
		}
		if (done)
			continue;
		open++;
		unowned += !jget_str(a, "owner", NULL);
		if (due && due < o->now)
			json_array_append_new(overdue, overdue_item(a, o->now));
	}
	res = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I}", "days",
			REPORT_ACTION_DAYS, "target_pct",
			REPORT_ACTION_TARGET_PCT, "cohort", (json_int_t)cohort,
			"done_within", (json_int_t)in_time, "open",
			(json_int_t)open, "unowned_open", (json_int_t)unowned);
	jset_real(res, "pct",
		  cohort ? round(1000.0 * (double)in_time / (double)cohort) / 10
			 : NAN);
	json_object_set_new(
	    res, "target_met",
	    cohort ? json_boolean(100 * in_time >=
				  REPORT_ACTION_TARGET_PCT * cohort)
		   : json_null());
	json_object_set_new(res, "overdue", overdue);
	json_object_set_new(r, "action_items", res);
	json_decref(items);
	return 0;
}

static json_t *review_entry(const struct rb_runbook *rb, enum rb_review st,
			    int64_t days)
{
	json_t *e = json_object();

	jset_str(e, "id", rb->id);
	jset_str(e, "file", rb->file);
	jset_str(e, "status", rb_review_name(st));
	if (rb->reviewed_ms)
		report_set_time(e, "reviewed", rb->reviewed_ms);
	else
		json_object_set_new(e, "reviewed", json_null());
	jset_int(e, "review_every_days", rb->review_every_ms / DAY_MS);
	if (st == RB_REVIEW_OVERDUE)
		jset_int(e, "days_overdue", days);
	else if (st == RB_REVIEW_DUE)
		jset_int(e, "days_left", days);
	jset_str(e, "owner", rb->owner);
	return e;
}

void report_runbooks(const struct report_opts *o, json_t *r)
{
	json_t *res, *past = json_array(), *due = json_array(),
		     *errors = json_array();
	struct ml_err err = {0};
	struct rb_dir d = {0};

	if (!o->runbooks_dir) {
		json_decref(past);
		json_decref(due);
		json_decref(errors);
		json_object_set_new(r, "runbooks", json_null());
		return;
	}
	if (rb_load_dir(o->runbooks_dir, &d, &err) != 0)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "file",
							o->runbooks_dir,
							"error", err.msg));
	for (size_t i = 0; i < d.n; i++) {
		const struct rb_runbook *rb = d.rbs[i];
		int64_t days = 0;
		enum rb_review st;
		char msg[2200];
		if (!rb) {
			ml_err_format(&d.errs[i], msg, sizeof(msg));
			json_array_append_new(
			    errors, json_pack("{s:s, s:s}", "file", d.paths[i],
					      "error", msg));
		} else {
			st = rb_review_status(rb, o->now, &days);
			if (st == RB_REVIEW_OVERDUE || st == RB_REVIEW_NEVER)
				json_array_append_new(
				    past, review_entry(rb, st, days));
			else if (st == RB_REVIEW_DUE)
				json_array_append_new(
				    due, review_entry(rb, st, days));
		}
	}
	res = json_pack("{s:s, s:I, s:o, s:o, s:o}", "dir", o->runbooks_dir,
			"checked", (json_int_t)d.loaded, "past_review", past,
			"due_soon", due, "errors", errors);
	json_object_set_new(r, "runbooks", res);
	rb_dir_free(&d);
}
