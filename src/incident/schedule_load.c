/* schedule_load.c: the `oncall:` section of the service configuration ->
 * struct schedule, with file:line:col errors. Formats in docs/oncall.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "incident/schedule.h"

struct ld {
	const char *file;
	struct schedule *s;
	struct ml_err *err;
};

static int fail(struct ld *ld, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct ld *ld, const struct ydoc_node *n, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ml_err_at(ld->err, ML_EINPUT, ld->file, n ? n->line : 0,
			 n ? n->col : 0, "%s", msg);
}

static int want_scalar(struct ld *ld, const struct ydoc_node *n,
		       const char *what)
{
	if (n && n->type == YDOC_SCALAR && n->value && *n->value &&
	    strlen(n->value) == n->len)
		return 0;
	if (n && n->type == YDOC_SCALAR && n->value && *n->value)
		return fail(ld, n, "expected %s, found a NUL byte", what);
	return fail(ld, n, "expected %s, found %s", what,
		    n && n->type == YDOC_SCALAR ? "an empty value"
						: ydoc_type_name(n));
}

static int check_keys(struct ld *ld, const struct ydoc_node *m,
		      const char *const *known)
{
	return ydoc_check_keys(m, known, NULL, ld->file, ld->err);
}

/* The zone named by n (NULL: UTC), loaded once per schedule. */
static int get_zone(struct ld *ld, const struct ydoc_node *n,
		    const struct tz **out)
{
	const char *name = "UTC";
	struct tz *z;

	if (n) {
		if (want_scalar(ld, n, "a time zone like Europe/Berlin"))
			return ML_EINPUT;
		name = n->value;
	}
	for (size_t i = 0; i < ld->s->n_zones; i++)
		if (!strcmp(tz_name(ld->s->zones[i]), name)) {
			*out = ld->s->zones[i];
			return 0;
		}
	if (!strcmp(name, "local") || tz_load(name, &z, ld->err) != 0)
		return fail(ld, n,
			    "unknown time zone `%s`: expected an IANA "
			    "name like Europe/Berlin or UTC (see "
			    "/usr/share/zoneinfo)",
			    name);
	ld->s->zones = xrealloc(ld->s->zones,
				(ld->s->n_zones + 1) * sizeof(*ld->s->zones));
	ld->s->zones[ld->s->n_zones++] = z;
	*out = z;
	return 0;
}

/* "2026-11-02", "2026-11-02 09:00[:00]" or "...T09:00" are wall-clock
 * times in z; anything with Z or an offset is absolute (RFC 3339). Dates
 * go through core's strict parser (no Feb 31). Returns 0 and *ms, or -1. */
static int parse_time(const char *v, const struct tz *z, int64_t *ms)
{
	struct time_civil c;

	if (time_parse_civil(v, &c) != 0)
		return -1;
	if (c.has_zone)
		return time_parse(v, ms);
	if (c.ms || c.y < 1970 || c.y > 2099)
		return -1;
	*ms = tz_first_instant(
		  z, tz_local_from_civil(c.y, c.mo, c.d, c.h, c.mi, c.s)) *
	      1000;
	return 0;
}

static int weekday_of(const char *w, size_t len)
{
	static const char *const names[] = {"sunday",	 "monday",   "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday"};
	for (int i = 0; i < 7; i++)
		if ((len == 3 || len == strlen(names[i])) &&
		    !strncasecmp(w, names[i], len))
			return i;
	return -1;
}

/* "HH:MM" (24:00 only when allow24) -> seconds of the day, or -1. */
static int parse_hhmm(const char *v, size_t len, int allow24)
{
	int h, m, n = 0;

	if (len < 4 || len > 5 || sscanf(v, "%2d:%2d%n", &h, &m, &n) != 2 ||
	    (size_t)n != len || !(v[0] >= '0' && v[0] <= '9') || h < 0 ||
	    m < 0 || m > 59 || h > 24 || (h == 24 && (m || !allow24)))
		return -1;
	return h * 3600 + m * 60;
}

/* "Mon 09:00" or "09:00": *wday -1 when no weekday. */
static int parse_handoff(const char *v, int *wday, int *sod)
{
	const char *sp = strchr(v, ' ');

	*wday = -1;
	if (sp) {
		if ((*wday = weekday_of(v, (size_t)(sp - v))) < 0)
			return -1;
		v = sp + 1;
	}
	*sod = parse_hhmm(v, strlen(v), 0);
	return *sod < 0 ? -1 : 0;
}

/* Days: a list of names, or "Mon-Fri", "Sat,Sun", "weekdays", "weekend". */
static int parse_days_str(const char *v, unsigned *mask)
{
	const char *p = v;

	if (!strcasecmp(v, "weekdays"))
		return *mask = 0x3e, 0;
	if (!strcasecmp(v, "weekend") || !strcasecmp(v, "weekends"))
		return *mask = 0x41, 0;
	while (*p) {
		size_t a = strcspn(p, "-,"), b;
		int d0 = weekday_of(p, a), d1 = d0;
		p += a;
		if (*p == '-') {
			b = strcspn(++p, ",");
			d1 = weekday_of(p, b);
			p += b;
		}
		if (d0 < 0 || d1 < 0)
			return -1;
		for (int d = d0;; d = (d + 1) % 7) {
			*mask |= 1u << d;
			if (d == d1)
				break;
		}
		if (*p == ',')
			p++;
	}
	return *mask ? 0 : -1;
}

static int load_window(struct ld *ld, const struct ydoc_node *m,
		       struct sched_window *w)
{
	static const char *const keys[] = {"days", "hours", NULL};
	const struct ydoc_node *d, *h;
	const char *dash;

	if (!m || m->type != YDOC_MAP)
		return fail(ld, m,
			    "expected a window like {days: Mon-Fri, "
			    "hours: \"09:00-17:00\"}");
	if (check_keys(ld, m, keys))
		return ML_EINPUT;
	w->days = 0x7f;
	w->from = 0;
	w->to = 86400;
	if ((d = ydoc_get(m, "days"))) {
		w->days = 0;
		if (d->type == YDOC_SEQ && d->n > 0) {
			for (size_t i = 0; i < d->n; i++) {
				int wd = d->items[i]->value
					     ? weekday_of(d->items[i]->value,
							  d->items[i]->len)
					     : -1;
				if (wd < 0)
					return fail(ld, d->items[i],
						    "expected a weekday like "
						    "Mon or Monday");
				w->days |= 1u << wd;
			}
		} else if (d->type != YDOC_SCALAR || !d->value ||
			   parse_days_str(d->value, &w->days)) {
			return fail(ld, d,
				    "expected days like Mon-Fri, "
				    "\"Sat,Sun\", weekdays or a list "
				    "[Mon, Tue]");
		}
	}
	if ((h = ydoc_get(m, "hours"))) {
		if (want_scalar(ld, h, "hours like \"09:00-17:00\""))
			return ML_EINPUT;
		dash = strchr(h->value, '-');
		if (!dash ||
		    (w->from = parse_hhmm(h->value, (size_t)(dash - h->value),
					  0)) < 0 ||
		    (w->to = parse_hhmm(dash + 1, strlen(dash + 1), 1)) < 0 ||
		    w->from == w->to)
			return fail(ld, h,
				    "expected hours like \"09:00-17:00\" "
				    "or \"22:00-07:00\" (from and to "
				    "differ)");
		if (w->to == 86400 && w->from == 0)
			w->to = 86400;
	}
	return 0;
}

static int load_restrict(struct ld *ld, const struct ydoc_node *n,
			 struct sched_layer *l)
{
	size_t cnt = n->type == YDOC_SEQ ? n->n : 1;

	if (n->type == YDOC_SEQ && n->n == 0)
		return fail(ld, n, "`restrict` needs at least one window");
	l->win = xcalloc(cnt, sizeof(*l->win));
	for (size_t i = 0; i < cnt; i++) {
		l->n_win = i + 1;
		if (load_window(ld, n->type == YDOC_SEQ ? n->items[i] : n,
				&l->win[i]))
			return ML_EINPUT;
	}
	return 0;
}

static int load_people(struct ld *ld, const struct ydoc_node *n,
		       struct sched_layer *l)
{
	if (n->type == YDOC_SCALAR) {
		if (want_scalar(ld, n, "a person"))
			return ML_EINPUT;
		l->people = xcalloc(1, sizeof(char *));
		l->people[l->n_people++] = xstrdup(n->value);
		return 0;
	}
	if (n->type != YDOC_SEQ)
		return fail(ld, n, "expected a list of people, found %s",
			    ydoc_type_name(n));
	if (n->n == 0)
		return fail(ld, n, "a rotation needs at least one person");
	l->people = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if (want_scalar(ld, n->items[i], "a person's name"))
			return ML_EINPUT;
		l->people[l->n_people++] = xstrdup(n->items[i]->value);
	}
	return 0;
}

/* Sets l->period from `rotation:` and `every:`. */
static int load_period(struct ld *ld, const struct ydoc_node *m,
		       struct sched_layer *l)
{
	const struct ydoc_node *r = ydoc_get(m, "rotation"),
			       *e = ydoc_get(m, "every");
	int64_t ms = 7 * 86400000LL;

	if (r) {
		if (want_scalar(ld, r, "weekly, daily or custom"))
			return ML_EINPUT;
		if (!strcmp(r->value, "daily"))
			ms = 86400000LL;
		else if (strcmp(r->value, "weekly") &&
			 strcmp(r->value, "custom"))
			return fail(ld, r, "expected weekly, daily or custom");
		if (!strcmp(r->value, "custom") && !e)
			return fail(ld, r,
				    "a custom rotation needs `every:` "
				    "(e.g. every: 12h)");
		if (strcmp(r->value, "custom") && e)
			return fail(ld, e,
				    "`every` goes with `rotation: "
				    "custom` (weekly is 7d, daily 1d)");
	}
	if (e) {
		if (want_scalar(ld, e, "a duration like 12h") ||
		    dur_parse(e->value, &ms) != 0)
			return fail(ld, e,
				    "expected a duration like 12h, 1d "
				    "or 14d");
		if (ms < 60000 || ms % 1000)
			return fail(ld, e,
				    "`every` must be whole seconds and "
				    "at least 1m");
	}
	l->period = ms / 1000;
	l->calendar = l->period % 86400 == 0 || 86400 % l->period == 0;
	return 0;
}

static int64_t sdiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Sets l->anchor: one handoff, the first on or after the start. With a
 * `handoff:`, the layer begins at that handoff (the first person takes
 * the first full shift); without, the start is the first handoff. */
static int load_anchor(struct ld *ld, const struct ydoc_node *h,
		       struct sched_layer *l)
{
	int64_t ls = tz_local(l->tz, l->start), day, cand;
	int wday, sod;

	if (!h) {
		l->anchor = l->calendar ? ls : l->start;
		return 0;
	}
	if (want_scalar(ld, h, "a handoff like \"Mon 09:00\"") ||
	    parse_handoff(h->value, &wday, &sod))
		return fail(ld, h,
			    "expected a handoff like \"Mon 09:00\" "
			    "(weekday and 24-hour time) or \"09:00\"");
	if (wday >= 0 && l->period % (7 * 86400))
		return fail(ld, h,
			    "a weekday in `handoff` needs a weekly "
			    "rotation (every: 7d, 14d, ...)");
	if (l->calendar && l->period < 86400) {
		l->anchor =
		    sod + sdiv(ls - sod + l->period - 1, l->period) * l->period;
		l->start = tz_first_instant(l->tz, l->anchor);
		return 0;
	}
	day = sdiv(ls, 86400);
	while (wday >= 0 && (int)((day % 7 + 11) % 7) != wday)
		day++;
	cand = day * 86400 + sod;
	if (cand < ls)
		cand += (wday >= 0 ? 7 : 1) * 86400;
	l->anchor = l->calendar ? cand : tz_first_instant(l->tz, cand);
	l->start = l->calendar ? tz_first_instant(l->tz, cand) : l->anchor;
	return 0;
}

static int load_layer(struct ld *ld, const struct ydoc_node *m, size_t idx,
		      struct sched_layer *l)
{
	static const char *const keys[] = {"name",  "people",	"rotation",
					   "every", "handoff",	"tz",
					   "start", "restrict", NULL};
	const struct ydoc_node *n;
	int64_t ms;
	char def[32];

	snprintf(def, sizeof(def), "layer%zu", idx + 1);
	l->line = m->line;
	l->col = m->col;
	if (m->type == YDOC_SCALAR || m->type == YDOC_SEQ) {
		l->name = xstrdup(def);
		l->period = 7 * 86400;
		l->calendar = 1;
		if (load_people(ld, m, l) || get_zone(ld, NULL, &l->tz))
			return ML_EINPUT;
		return 0;
	}
	if (m->type != YDOC_MAP)
		return fail(ld, m,
			    "expected a rotation {people, rotation, "
			    "handoff, tz}, found %s",
			    ydoc_type_name(m));
	if (check_keys(ld, m, keys))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "name")) && want_scalar(ld, n, "a layer name"))
		return ML_EINPUT;
	l->name = xstrdup(n ? n->value : def);
	if (!(n = ydoc_get(m, "people")))
		return fail(ld, m, "a rotation needs `people:`");
	if (load_people(ld, n, l) || load_period(ld, m, l) ||
	    get_zone(ld, ydoc_get(m, "tz"), &l->tz))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "start"))) {
		if (want_scalar(ld, n, "a start date") ||
		    parse_time(n->value, l->tz, &ms) != 0)
			return fail(ld, n,
				    "expected a start date like "
				    "2026-11-02, \"2026-11-02 09:00\" "
				    "(in the layer's tz) or an RFC 3339 "
				    "time");
		l->start = sdiv(ms, 1000);
	}
	if (load_anchor(ld, ydoc_get(m, "handoff"), l))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "restrict")) && load_restrict(ld, n, l))
		return ML_EINPUT;
	return 0;
}

static int load_role(struct ld *ld, const struct ydoc_node *k,
		     const struct ydoc_node *v, struct sched_role *r)
{
	static const char *const keys[] = {"layers", NULL};
	const struct ydoc_node *ls =
	    v->type == YDOC_MAP ? ydoc_get(v, "layers") : NULL;

	r->name = xstrdup(k->value);
	if (!ls) {
		r->layers = xcalloc(1, sizeof(*r->layers));
		r->n_layers = 1;
		return load_layer(ld, v, 0, &r->layers[0]);
	}
	if (check_keys(ld, v, keys))
		return ML_EINPUT;
	if (ls->type != YDOC_SEQ || ls->n == 0)
		return fail(ld, ls, "expected a list of one or more layers");
	r->layers = xcalloc(ls->n, sizeof(*r->layers));
	for (size_t i = 0; i < ls->n; i++) {
		r->n_layers = i + 1;
		if (load_layer(ld, ls->items[i], i, &r->layers[i]))
			return ML_EINPUT;
	}
	return 0;
}

static int load_override(struct ld *ld, const struct ydoc_node *o,
			 struct sched_override *ov)
{
	static const char *const keys[] = {"role", "person", "from",
					   "to",   "tz",     NULL};
	const struct ydoc_node *r, *p, *f, *t;
	const struct tz *z;
	const char **names;
	const char *near;

	if (!o || o->type != YDOC_MAP)
		return fail(ld, o,
			    "expected an override {role, person, from, "
			    "to}");
	if (check_keys(ld, o, keys))
		return ML_EINPUT;
	r = ydoc_get(o, "role");
	p = ydoc_get(o, "person");
	f = ydoc_get(o, "from");
	t = ydoc_get(o, "to");
	if (!r || !p || !f || !t)
		return fail(ld, o,
			    "an override needs role, person, from and "
			    "to");
	if (want_scalar(ld, r, "a role") || want_scalar(ld, p, "a person") ||
	    get_zone(ld, ydoc_get(o, "tz"), &z))
		return ML_EINPUT;
	ov->role = xstrdup(r->value);
	ov->person = xstrdup(p->value);
	ov->line = o->line;
	ov->col = o->col;
	if (!sched_role(ld->s, r->value)) {
		names = xcalloc(ld->s->n_roles + 1, sizeof(*names));
		for (size_t i = 0; i < ld->s->n_roles; i++)
			names[i] = ld->s->roles[i].name;
		near = str_nearest(r->value, names);
		fail(ld, r, "override for unknown role `%s`%s%s%s", r->value,
		     near ? "; did you mean `" : "", near ? near : "",
		     near ? "`?" : "");
		free(names);
		return ML_EINPUT;
	}
	if (want_scalar(ld, f, "a time") || parse_time(f->value, z, &ov->from))
		return fail(ld, f,
			    "expected an RFC 3339 time or a local "
			    "\"2026-11-24 09:00\"");
	if (want_scalar(ld, t, "a time") || parse_time(t->value, z, &ov->to))
		return fail(ld, t,
			    "expected an RFC 3339 time or a local "
			    "\"2026-11-24 09:00\"");
	if (ov->to <= ov->from)
		return fail(ld, t, "an override must end after it starts");
	return 0;
}

static int load_overrides(struct ld *ld, const struct ydoc_node *n)
{
	struct schedule *s = ld->s;

	if (n->type != YDOC_SEQ)
		return fail(ld, n, "expected a list of overrides, found %s",
			    ydoc_type_name(n));
	s->ov = xcalloc(n->n ? n->n : 1, sizeof(*s->ov));
	for (size_t i = 0; i < n->n; i++) {
		struct sched_override *o = &s->ov[i];
		s->n_ov = i + 1;
		if (load_override(ld, n->items[i], o))
			return ML_EINPUT;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->ov[j].role, o->role) &&
			    o->from < s->ov[j].to && s->ov[j].from < o->to)
				return fail(ld, n->items[i],
					    "this override of `%s` overlaps "
					    "the one at line %d",
					    o->role, s->ov[j].line);
	}
	return 0;
}

int sched_load(const struct ydoc_node *n, const char *file,
	       struct schedule **out, struct ml_err *err)
{
	struct ld ld = {file, xcalloc(1, sizeof(struct schedule)), err};
	const struct ydoc_node *ov = NULL;
	int rc = 0;

	*out = ld.s;
	if (!n || n->type != YDOC_MAP) {
		fail(&ld, n, "expected a mapping role -> rotation, found %s",
		     ydoc_type_name(n));
		sched_free(ld.s);
		*out = NULL;
		return ML_EINPUT;
	}
	ld.s->roles = xcalloc(n->n ? n->n : 1, sizeof(*ld.s->roles));
	for (size_t i = 0; i < n->n && !rc; i++) {
		const struct ydoc_node *k = ydoc_key(n, i), *v = ydoc_val(n, i);
		if (!strcmp(k->value, "overrides")) {
			ov = v;
			continue;
		}
		ld.s->n_roles++;
		rc = load_role(&ld, k, v, &ld.s->roles[ld.s->n_roles - 1]);
	}
	if (!rc && ov)
		rc = load_overrides(&ld, ov);
	for (size_t i = 0; !rc && i < ld.s->n_roles; i++)
		for (size_t j = 0; j < ld.s->roles[i].n_layers; j++) {
			struct sched_layer *l = &ld.s->roles[i].layers[j];
			l->j_start = sched_handoff_index(l, l->start);
		}
	if (rc) {
		sched_free(ld.s);
		*out = NULL;
	}
	return rc;
}

void sched_free(struct schedule *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_roles; i++) {
		struct sched_role *r = &s->roles[i];
		for (size_t j = 0; j < r->n_layers; j++) {
			struct sched_layer *l = &r->layers[j];
			for (size_t k = 0; k < l->n_people; k++)
				free(l->people[k]);
			free(l->people);
			free(l->name);
			free(l->win);
		}
		free(r->layers);
		free(r->name);
	}
	free(s->roles);
	for (size_t i = 0; i < s->n_ov; i++) {
		free(s->ov[i].role);
		free(s->ov[i].person);
	}
	free(s->ov);
	for (size_t i = 0; i < s->n_zones; i++)
		tz_free(s->zones[i]);
	free(s->zones);
	free(s);
}
