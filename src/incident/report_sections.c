/* report_sections.c: the report's sections beyond response times: pages
 * per person per week, noisy alerts and alerts without runbook, action
 * item velocity and overdue items, runbooks past their review date. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
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

static int cmp_gap(const void *a, const void *b)
{
	return cmp_desc(*(json_t *const *)a, *(json_t *const *)b, "incidents",
			"last_at", "alertname");
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

/* Whether entry e starts a new page (not the same page on another
 * channel): seen maps "paged P (T, level L)" -> {channel: true}. */
static int new_page(json_t *seen, const char *msg, const json_t *data)
{
	const char *close = strchr(msg, ')');
	const char *ch = jget_str(data, "channel", NULL);
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

static json_t *person_row(const char *name, const json_t *counts,
			  int64_t first)
{
	json_t *row = json_object(), *weeks = json_array(), *c;
	long long total = 0, max = 0;
	size_t w;

	json_array_foreach(counts, w, c)
	{
		long long n = json_integer_value(c);
		json_t *wk = json_object();
		report_set_time(wk, "start", first + (int64_t)w * WEEK_MS);
		jset_int(wk, "pages", n);
		jset_str(wk, "band", report_band(n));
		json_array_append_new(weeks, wk);
		total += n;
		max = n > max ? n : max;
	}
	jset_str(row, "person", name);
	jset_int(row, "pages", total);
	jset_int(row, "max_week", max);
	jset_real(row, "mean_per_week",
		  round(100.0 * (double)total /
			(double)(json_array_size(counts) ? json_array_size(counts)
							 : 1)) /
			  100);
	jset_str(row, "band", report_band(max));
	json_object_set_new(row, "weeks", weeks);
	return row;
}

int report_pages(struct store *s, const struct report_opts *o, json_t *r,
		 struct ml_err *err)
{
	int64_t since = o->now - o->since_ms, first = report_week_start(since);
	size_t nw = (size_t)((report_week_start(o->now - 1) - first) / WEEK_MS) +
		    1, k;
	json_t *pages = NULL, *counts = json_object(), *seen = NULL, *e, *v;
	json_t *people = json_array();
	long long cur = -1, total = 0;
	const char *name;
	int rc;

	if ((rc = store_report_pages(s, since, o->now, &pages, err)) != 0) {
		json_decref(counts);
		json_decref(people);
		return rc;
	}
	json_array_foreach(pages, k, e)
	{
		const char *msg = jget_str(e, "message", "");
		char *person = report_page_person(msg);
		json_t *arr;
		size_t w;
		if (!person)
			continue;
		if (jget_int(e, "incident_id", 0) != cur) {
			cur = jget_int(e, "incident_id", 0);
			json_decref(seen);
			seen = json_object();
		}
		if (new_page(seen, msg, json_object_get(e, "data"))) {
			if (!(arr = json_object_get(counts, person))) {
				arr = json_array();
				for (size_t i = 0; i < nw; i++)
					json_array_append_new(arr,
							      json_integer(0));
				json_object_set_new(counts, person, arr);
			}
			w = (size_t)((report_week_start(jget_int(e, "at", 0)) -
				      first) /
				     WEEK_MS);
			if (w < nw) {
				json_array_set_new(
					arr, w,
					json_integer(json_integer_value(
							     json_array_get(arr, w)) +
						     1));
				total++;
			}
		}
		free(person);
	}
	json_object_foreach(counts, name, v)
		json_array_append_new(people, person_row(name, v, first));
	sort_array(people, cmp_people);
	json_object_set_new(
		r, "pages",
		json_pack("{s:I, s:{s:s, s:s, s:s}, s:o}", "total",
			  (json_int_t)total, "bands", "healthy", "1-2",
			  "warning", "3-9", "unhealthy", ">=10", "people",
			  people));
	json_decref(seen);
	json_decref(counts);
	json_decref(pages);
	return 0;
}

/* Incidents without runbook, grouped by alert name. */
static json_t *no_runbook(const json_t *incs)
{
	json_t *by = json_object(), *out = json_array(), *i, *g;
	const char *name;
	size_t k;

	json_array_foreach(incs, k, i)
	{
		const char *a = jget_str(i, "alertname", "(unnamed)");
		if (jget_str(i, "runbook_id", NULL))
			continue;
		if (!(g = json_object_get(by, a))) {
			g = json_pack("{s:s, s:I, s:I}", "alertname", a,
				      "incidents", (json_int_t)0, "last_at",
				      (json_int_t)0);
			json_object_set_new(by, a, g);
		}
		jset_int(g, "incidents", jget_int(g, "incidents", 0) + 1);
		if (jget_int(i, "created_at", 0) > jget_int(g, "last_at", 0))
			jset_int(g, "last_at", jget_int(i, "created_at", 0));
	}
	json_object_foreach(by, name, g) json_array_append(out, g);
	json_decref(by);
	sort_array(out, cmp_gap);
	return out;
}

/* incident id -> true when it closed on its own with no ack, no note. */
static json_t *no_action_map(const json_t *incs)
{
	json_t *m = json_object(), *i;
	size_t k;
	char key[32];

	json_array_foreach(incs, k, i)
	{
		int none = jget_int(i, "auto_resolved", 0) &&
			   !jget_int(i, "acked_at", 0) &&
			   !jget_int(i, "notes", 0);
		snprintf(key, sizeof(key), "%lld", jget_int(i, "id", 0));
		json_object_set_new(m, key, json_boolean(none));
	}
	return m;
}

static json_t *noisy(const json_t *alerts, const json_t *incs, int min)
{
	json_t *acts = no_action_map(incs), *by = json_object(),
	       *out = json_array(), *a, *g;
	const char *name;
	size_t k;
	char key[32];

	json_array_foreach(alerts, k, a)
	{
		const char *n = jget_str(a, "alertname", "(unnamed)");
		json_t *ids;
		if (!(g = json_object_get(by, n))) {
			g = json_pack("{s:s, s:I, s:I, s:{}}", "alertname", n,
				      "fired", (json_int_t)0, "repeats",
				      (json_int_t)0, "ids");
			json_object_set_new(by, n, g);
		}
		jset_int(g, "fired", jget_int(g, "fired", 0) + 1);
		jset_int(g, "repeats",
			 jget_int(g, "repeats", 0) + jget_int(a, "count", 1));
		ids = json_object_get(g, "ids");
		snprintf(key, sizeof(key), "%lld", jget_int(a, "incident_id", 0));
		json_object_set(ids, key, json_object_get(acts, key));
	}
	json_object_foreach(by, name, g)
	{
		json_t *ids = json_object_get(g, "ids"), *v;
		const char *id;
		long long n = 0, none = 0;
		json_object_foreach(ids, id, v)
		{
			n++;
			none += json_is_true(v);
		}
		json_object_del(g, "ids");
		jset_int(g, "incidents", n);
		jset_int(g, "no_action", none);
		jset_real(g, "no_action_pct",
			  n ? round(1000.0 * (double)none / (double)n) / 10 : 0);
		if (jget_int(g, "fired", 0) >= min && n &&
		    (double)none >= REPORT_NOISY_SHARE * (double)n)
			json_array_append(out, g);
	}
	json_decref(by);
	json_decref(acts);
	sort_array(out, cmp_noisy);
	return out;
}

int report_alerts(struct store *s, const struct report_opts *o,
		  const json_t *incs, json_t *r, struct ml_err *err)
{
	json_t *alerts = NULL;
	int rc;

	if ((rc = store_report_alerts(s, o->now - o->since_ms, o->now, &alerts,
				      err)) != 0)
		return rc;
	json_object_set_new(r, "noisy_alerts",
			    noisy(alerts, incs,
				  o->noisy_min > 0 ? o->noisy_min : 5));
	json_object_set_new(r, "no_runbook", no_runbook(incs));
	json_decref(alerts);
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
	json_object_set_new(res, "target_met",
			    cohort ? json_boolean(100 * in_time >=
						  REPORT_ACTION_TARGET_PCT *
							  cohort)
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
	char **paths = NULL;
	size_t n = 0, loaded = 0;

	if (!o->runbooks_dir) {
		json_decref(past);
		json_decref(due);
		json_decref(errors);
		json_object_set_new(r, "runbooks", json_null());
		return;
	}
	if (rb_find_files(o->runbooks_dir, &paths, &n, &err) != 0)
		json_array_append_new(errors,
				      json_pack("{s:s, s:s}", "file",
						o->runbooks_dir, "error",
						err.msg));
	for (size_t i = 0; i < n; i++) {
		struct rb_runbook *rb = NULL;
		int64_t days = 0;
		enum rb_review st;
		char msg[2200];
		if (rb_load_file(paths[i], &rb, &err) != 0) {
			ml_err_format(&err, msg, sizeof(msg));
			json_array_append_new(errors,
					      json_pack("{s:s, s:s}", "file",
							paths[i], "error", msg));
		} else {
			loaded++;
			st = rb_review_status(rb, o->now, &days);
			if (st == RB_REVIEW_OVERDUE || st == RB_REVIEW_NEVER)
				json_array_append_new(past,
						      review_entry(rb, st, days));
			else if (st == RB_REVIEW_DUE)
				json_array_append_new(due,
						      review_entry(rb, st, days));
		}
		rb_free(rb);
		free(paths[i]);
	}
	free(paths);
	res = json_pack("{s:s, s:I, s:o, s:o, s:o}", "dir", o->runbooks_dir,
			"checked", (json_int_t)loaded, "past_review", past,
			"due_soon", due, "errors", errors);
	json_object_set_new(r, "runbooks", res);
}
