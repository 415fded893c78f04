/* schedule.c: answering questions about a loaded on-call schedule: who
 * holds a role at an instant, where that may change, and the shifts over
 * a period. Loading is in schedule_load.c. */
#include "incident/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* Changes walked at most when looking for the true bounds of a shift. */
#define SCHED_WALK_MAX 1000
/* Stretches computed at most by sched_shifts (a safety net). */
#define SCHED_SHIFTS_MAX 2000000

static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* Epoch seconds of handoff j of layer l. */
static int64_t handoff(const struct sched_layer *l, int64_t j)
{
	if (l->calendar)
		return tz_first_instant(l->tz, l->anchor + j * l->period);
	return l->anchor + j * l->period;
}

int64_t sched_handoff_index(const struct sched_layer *l, int64_t u)
{
	int64_t j;

	if (!l->calendar)
		return fdiv(u - l->anchor, l->period);
	j = fdiv(tz_local(l->tz, u) - l->anchor, l->period);
	while (handoff(l, j + 1) <= u)
		j++;
	while (handoff(l, j) > u)
		j--;
	return j;
}

/* Window w of layer l opened on local day d: [*open, *close) in epoch
 * seconds. Bounds are wall times read by the handoff rule (the first
 * instant the clock reads them or later), so a window never flaps in a
 * repeated hour. */
static void window_span(const struct sched_layer *l,
			const struct sched_window *w, int64_t d, int64_t *open,
			int64_t *close)
{
	*open = tz_first_instant(l->tz, d * 86400 + w->from);
	*close = tz_first_instant(l->tz, (w->from < w->to ? d : d + 1) * 86400 +
					     w->to);
}

static unsigned day_bit(int64_t d)
{
	return 1u << (int)((d % 7 + 11) % 7); /* day 0 was a Thursday */
}

/* Nonzero when layer l's windows cover epoch second u. */
static int in_window(const struct sched_layer *l, int64_t u)
{
	int64_t day, open, close;

	if (!l->n_win)
		return 1;
	day = fdiv(tz_local(l->tz, u), 86400);
	for (int64_t d = day - 1; d <= day + 1; d++)
		for (size_t i = 0; i < l->n_win; i++) {
			if (!(l->win[i].days & day_bit(d)))
				continue;
			window_span(l, &l->win[i], d, &open, &close);
			if (open <= u && u < close)
				return 1;
		}
	return 0;
}

/* Person index of layer l at epoch second u, or -1 when it is off. */
static long layer_at(const struct sched_layer *l, int64_t u)
{
	int64_t k;

	if (u < l->start || !in_window(l, u))
		return -1;
	k = sched_handoff_index(l, u) - l->j_start;
	return (long)(((k % (int64_t)l->n_people) + (int64_t)l->n_people) %
		      (int64_t)l->n_people);
}

const struct sched_role *sched_role(const struct schedule *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_roles; i++)
		if (!strcmp(s->roles[i].name, name))
			return &s->roles[i];
	return NULL;
}

void sched_who(const struct schedule *s, const struct sched_role *r, int64_t t,
	       struct sched_who *who)
{
	int64_t u = fdiv(t, 1000);

	memset(who, 0, sizeof(*who));
	who->layer_index = -1;
	who->tz = r->n_layers ? r->layers[0].tz : NULL;
	for (size_t i = 0; i < s->n_ov; i++) {
		const struct sched_override *o = &s->ov[i];
		if (!strcmp(o->role, r->name) && t >= o->from && t < o->to) {
			who->person = o->person;
			who->override = 1;
			return;
		}
	}
	for (size_t i = r->n_layers; i-- > 0;) {
		const struct sched_layer *l = &r->layers[i];
		long p = layer_at(l, u);
		if (p < 0)
			continue;
		who->person = l->people[p];
		who->layer = l->name;
		who->layer_index = (int)i;
		who->tz = l->tz;
		return;
	}
}

/* Window edges of l: the first instant > u (dir 1) or the last <= u
 * (dir -1) at which a window opens or closes, in epoch seconds;
 * INT64_MAX / INT64_MIN when none. Windows repeat weekly, so the days
 * around u are enough. */
static int64_t window_edge(const struct sched_layer *l, int64_t u, int dir)
{
	int64_t best = dir > 0 ? INT64_MAX : INT64_MIN;
	int64_t day = fdiv(tz_local(l->tz, u), 86400), c[2];

	for (int64_t d = day - 9; d <= day + 9; d++)
		for (size_t i = 0; i < l->n_win; i++) {
			if (!(l->win[i].days & day_bit(d)))
				continue;
			window_span(l, &l->win[i], d, &c[0], &c[1]);
			for (int m = 0; m < 2; m++) {
				if (dir > 0 && c[m] > u && c[m] < best)
					best = c[m];
				if (dir < 0 && c[m] <= u && c[m] > best)
					best = c[m];
			}
		}
	return best;
}

/* Epoch second -> ms without overflow at the sentinels. */
static int64_t to_ms(int64_t u)
{
	if (u == INT64_MAX || u == INT64_MIN)
		return u;
	return u * 1000;
}

static int64_t layer_next(const struct sched_layer *l, int64_t t)
{
	int64_t u = fdiv(t, 1000), best = INT64_MAX, c;

	if (l->start * 1000 > t)
		best = l->start * 1000;
	c = to_ms(handoff(l, sched_handoff_index(l, u) + 1));
	if (c > t && c < best)
		best = c;
	if (l->n_win) {
		c = to_ms(window_edge(l, u, 1));
		if (c > t && c < best)
			best = c;
	}
	return best;
}

static int64_t layer_prev(const struct sched_layer *l, int64_t t)
{
	int64_t u = fdiv(t, 1000), best = INT64_MIN, c;

	if (l->start * 1000 <= t)
		best = l->start * 1000;
	c = to_ms(handoff(l, sched_handoff_index(l, u)));
	if (c <= t && c > best)
		best = c;
	if (l->n_win) {
		c = to_ms(window_edge(l, u, -1));
		if (c <= t && c > best)
			best = c;
	}
	return best;
}

int64_t sched_next_change(const struct schedule *s, const struct sched_role *r,
			  int64_t t)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < r->n_layers; i++) {
		int64_t c = layer_next(&r->layers[i], t);
		if (c < best)
			best = c;
	}
	for (size_t i = 0; i < s->n_ov; i++) {
		const struct sched_override *o = &s->ov[i];
		if (strcmp(o->role, r->name))
			continue;
		if (o->from > t && o->from < best)
			best = o->from;
		if (o->to > t && o->to < best)
			best = o->to;
	}
	return best;
}

int64_t sched_prev_change(const struct schedule *s, const struct sched_role *r,
			  int64_t t)
{
	int64_t best = INT64_MIN;

	for (size_t i = 0; i < r->n_layers; i++) {
		int64_t c = layer_prev(&r->layers[i], t);
		if (c > best)
			best = c;
	}
	for (size_t i = 0; i < s->n_ov; i++) {
		const struct sched_override *o = &s->ov[i];
		if (strcmp(o->role, r->name))
			continue;
		if (o->from <= t && o->from > best)
			best = o->from;
		if (o->to <= t && o->to > best)
			best = o->to;
	}
	return best;
}

static int same_who(const struct sched_who *a, const struct sched_who *b)
{
	if (a->override != b->override || a->layer_index != b->layer_index)
		return 0;
	if (!a->person || !b->person)
		return a->person == b->person;
	return !strcmp(a->person, b->person);
}

void sched_current(const struct schedule *s, const struct sched_role *r,
		   int64_t t, struct sched_shift *out)
{
	struct sched_who w;
	int64_t c;
	int i;

	sched_who(s, r, t, &out->who);
	c = sched_next_change(s, r, t);
	for (i = 0; c != INT64_MAX && i < SCHED_WALK_MAX; i++) {
		sched_who(s, r, c, &w);
		if (!same_who(&w, &out->who))
			break;
		c = sched_next_change(s, r, c);
	}
	out->to = i < SCHED_WALK_MAX ? c : INT64_MAX;
	c = sched_prev_change(s, r, t);
	for (i = 0; c != INT64_MIN && i < SCHED_WALK_MAX; i++) {
		sched_who(s, r, c - 1, &w);
		if (!same_who(&w, &out->who))
			break;
		c = sched_prev_change(s, r, c - 1);
	}
	out->from = i < SCHED_WALK_MAX ? c : INT64_MIN;
}

size_t sched_shifts(const struct schedule *s, const struct sched_role *r,
		    int64_t from, int64_t to, struct sched_shift **out)
{
	size_t n = 0, cap = 16;
	int64_t t = from;

	*out = xcalloc(cap, sizeof(**out));
	for (int i = 0; t < to && i < SCHED_SHIFTS_MAX; i++) {
		struct sched_who w;
		int64_t next = sched_next_change(s, r, t);

		if (next > to)
			next = to;
		sched_who(s, r, t, &w);
		if (n && (*out)[n - 1].to == t &&
		    same_who(&(*out)[n - 1].who, &w)) {
			(*out)[n - 1].to = next;
		} else {
			if (n == cap)
				*out =
				    xrealloc(*out, (cap *= 2) * sizeof(**out));
			(*out)[n].from = t;
			(*out)[n].to = next;
			(*out)[n].who = w;
			n++;
		}
		t = next;
	}
	return n;
}

const struct tz *sched_person_tz(const struct schedule *s, const char *person)
{
	for (size_t i = 0; s && i < s->n_roles; i++)
		for (size_t j = 0; j < s->roles[i].n_layers; j++) {
			const struct sched_layer *l = &s->roles[i].layers[j];
			for (size_t k = 0; k < l->n_people; k++)
				if (!strcmp(l->people[k], person))
					return l->tz;
		}
	return NULL;
}
