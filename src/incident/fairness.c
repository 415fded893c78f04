/* fairness.c: per-person on-call load (hours, weekend hours, pages, night
 * pages) over a period, from a schedule and the pages on the timeline. */
#include "incident/fairness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"

struct fp {
	char *name;
	int64_t ms, weekend_ms;
	long pages, night;
};

struct fair {
	struct fp *p;
	size_t n, cap;
};

static struct fp *person(struct fair *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->p[i].name, name))
			return &f->p[i];
	if (f->n == f->cap)
		f->p =
		    xrealloc(f->p, (f->cap = f->cap * 2 + 8) * sizeof(*f->p));
	memset(&f->p[f->n], 0, sizeof(*f->p));
	f->p[f->n].name = xstrdup(name);
	return &f->p[f->n++];
}

static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Milliseconds of [a, b) that fall on a Saturday or Sunday in z (UTC when
 * z is NULL). */
static int64_t weekend_ms(const struct tz *z, int64_t a, int64_t b)
{
	int64_t sum = 0;

	while (a < b) {
		int64_t u = fdiv(a, 1000), l = z ? tz_local(z, u) : u;
		int64_t day = fdiv(l, 86400), next, wd = (day % 7 + 11) % 7;
		next = (z ? tz_first_instant(z, (day + 1) * 86400)
			  : (day + 1) * 86400) *
		       1000;
		if (next <= a) /* cannot happen; guards the loop */
			next = a + 1000;
		if (next > b)
			next = b;
		if (wd == 0 || wd == 6)
			sum += next - a;
		a = next;
	}
	return sum;
}

static void add_hours(struct fair *f, const struct schedule *s, int64_t from,
		      int64_t to)
{
	for (size_t i = 0; i < s->n_roles; i++) {
		struct sched_shift *sh;
		size_t n = sched_shifts(s, &s->roles[i], from, to, &sh);
		for (size_t k = 0; k < n; k++) {
			struct fp *p;
			if (!sh[k].who.person)
				continue;
			p = person(f, sh[k].who.person);
			p->ms += sh[k].to - sh[k].from;
			p->weekend_ms +=
			    weekend_ms(sh[k].who.tz, sh[k].from, sh[k].to);
		}
		free(sh);
	}
}

int fair_parse_page(const char *msg, char *who, char *role, size_t n)
{
	const char *p, *open = NULL, *lvl;

	if (!msg || strncmp(msg, "paged ", 6) != 0)
		return -1;
	p = msg + 6;
	if (!(lvl = strstr(p, ", level ")))
		return -1;
	for (const char *q = p; q < lvl; q++)
		if (q[0] == ' ' && q[1] == '(')
			open = q;
	if (!open || open == p || (size_t)(open - p) >= n ||
	    (size_t)(lvl - open - 2) >= n || lvl == open + 2)
		return -1;
	snprintf(who, n, "%.*s", (int)(open - p), p);
	snprintf(role, n, "%.*s", (int)(lvl - open - 2), open + 2);
	return 0;
}

/* Zone in which a page of person for role at ms is judged. */
static const struct tz *page_tz(const struct schedule *s, const char *who,
				const char *role, int64_t ms)
{
	const struct sched_role *r = sched_role(s, role);
	struct sched_who w;

	if (r) {
		sched_who(s, r, ms, &w);
		if (w.person && !strcmp(w.person, who) && w.tz)
			return w.tz;
	}
	return sched_person_tz(s, who);
}

static int is_night(const struct tz *z, int64_t ms)
{
	int64_t u = fdiv(ms, 1000), l = z ? tz_local(z, u) : u;
	int64_t hour = (l - fdiv(l, 86400) * 86400) / 3600;

	return hour >= 22 || hour < 7;
}

/* Counts pages; one page through several channels counts once. */
static void add_pages(struct fair *f, const struct schedule *s,
		      const json_t *pages)
{
	char who[256], role[256], key[600], last_key[600] = "";
	int64_t last_inc = -1, last_at = 0;
	const json_t *e;
	size_t i;

	json_array_foreach(pages, i, e)
	{
		int64_t inc = jget_int(e, "incident_id", 0);
		int64_t at = jget_int(e, "at", 0);
		struct fp *p;
		if (fair_parse_page(jget_str(e, "message", NULL), who, role,
				    sizeof(who)) != 0)
			continue;
		snprintf(key, sizeof(key), "%s\n%s", who, role);
		if (inc == last_inc && !strcmp(key, last_key) &&
		    at - last_at < FAIR_PAGE_MERGE_MS)
			continue;
		last_inc = inc;
		last_at = at;
		snprintf(last_key, sizeof(last_key), "%s", key);
		p = person(f, who);
		p->pages++;
		if (is_night(page_tz(s, who, role, at), at))
			p->night++;
	}
}

static int by_load(const void *a, const void *b)
{
	const struct fp *x = a, *y = b;
	long lx = x->pages + x->night, ly = y->pages + y->night;

	if (lx != ly)
		return lx > ly ? -1 : 1;
	if (x->ms != y->ms)
		return x->ms > y->ms ? -1 : 1;
	return strcmp(x->name, y->name);
}

json_t *fair_compute(const struct schedule *s, const json_t *pages,
		     int64_t from, int64_t to)
{
	struct fair f = {0};
	double weeks = (double)(to - from) / (7 * 86400000.0);
	json_t *doc = json_object(), *arr = json_array();

	for (size_t i = 0; i < s->n_roles; i++)
		for (size_t j = 0; j < s->roles[i].n_layers; j++)
			for (size_t k = 0; k < s->roles[i].layers[j].n_people;
			     k++)
				person(&f, s->roles[i].layers[j].people[k]);
	for (size_t i = 0; i < s->n_ov; i++)
		person(&f, s->ov[i].person);
	add_hours(&f, s, from, to);
	if (pages)
		add_pages(&f, s, pages);
	qsort(f.p, f.n, sizeof(*f.p), by_load);
	for (size_t i = 0; i < f.n; i++) {
		json_t *j = json_object();
		jset_str(j, "person", f.p[i].name);
		jset_real(j, "hours", (double)f.p[i].ms / 3600000.0);
		jset_real(j, "weekend_hours",
			  (double)f.p[i].weekend_ms / 3600000.0);
		json_object_set_new(j, "pages",
				    pages ? json_integer(f.p[i].pages)
					  : json_null());
		json_object_set_new(j, "night_pages",
				    pages ? json_integer(f.p[i].night)
					  : json_null());
		if (pages && weeks > 0)
			jset_real(j, "pages_per_week",
				  (double)f.p[i].pages / weeks);
		else
			json_object_set_new(j, "pages_per_week", json_null());
		json_array_append_new(arr, j);
	}
	json_object_set_new(doc, "people", arr);
	jset_str(doc, "most_loaded", f.n ? f.p[0].name : NULL);
	jset_str(doc, "least_loaded", f.n > 1 ? f.p[f.n - 1].name : NULL);
	for (size_t i = 0; i < f.n; i++)
		free(f.p[i].name);
	free(f.p);
	return doc;
}
