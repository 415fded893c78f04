/* ckpt_pkl_glob.c: the pickle scanner's table of globals: one inert node
 * per distinct "module.name", found through an open-addressing hash set
 * so that a pickle importing the same names over and over is scanned in
 * linear time, and every distinct name listed (up to
 * CKPT_PKL_MAX_GLOBALS, past which the scan says so) for the safety
 * check. */
#include "probe/training/ckpt_pkl.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

/* The slot holding name s[0..n), or the empty slot where it goes. */
static struct pk **slot(struct pk **tab, size_t cap, const char *s, size_t n)
{
	size_t i = (size_t)hash(s, n) & (cap - 1);

	while (tab[i] && !(tab[i]->slen == n && !memcmp(tab[i]->s, s, n)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Doubles the table (kept at most half full). */
static void grow(struct pk_state *st)
{
	size_t cap = st->gcap ? st->gcap * 2 : 64;
	struct pk **tab = xcalloc(cap, sizeof(*tab));

	for (size_t i = 0; i < st->gcap; i++)
		if (st->gtab[i])
			*slot(tab, cap, st->gtab[i]->s, st->gtab[i]->slen) =
			    st->gtab[i];
	free(st->gtab);
	st->gtab = tab;
	st->gcap = cap;
}

struct pk *pk_global(struct pk_state *st, char *d, size_t n)
{
	struct pk **at = NULL, *v;

	if (st->gcap && *(at = slot(st->gtab, st->gcap, d, n))) {
		free(d);
		return *at;
	}
	if (!(v = pk_new(st, PK_GLOBAL))) {
		free(d);
		return NULL;
	}
	v->own = d;
	v->s = d;
	v->slen = n;
	v->bad_name = strlen(d) != n; /* NUL inside: never a real name */
	if (st->gcount >= CKPT_PKL_MAX_GLOBALS) {
		st->globals_over = 1;
		return v;
	}
	if (2 * (st->gcount + 1) > st->gcap)
		grow(st);
	*slot(st->gtab, st->gcap, d, n) = v;
	st->gcount++;
	if (!st->globals)
		st->globals = json_array();
	json_array_append_new(st->globals, ckpt_jstr(d, n, 200));
	return v;
}
