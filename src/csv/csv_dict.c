/* csv_dict.c: the string -> code dictionary of a string column (open
 * addressing, power-of-two table). Codes are dense, in order of first
 * appearance; the texts live in col->levels. */
#include <stdlib.h>
#include <string.h>

#include "csv/csv_dict.h"

struct csv_dict {
	uint32_t *slots; /* code + 1, 0 = empty */
	size_t cap;	 /* power of two */
	uint64_t *hash;	 /* per code */
	size_t *len;	 /* per code */
	size_t lcap;	 /* capacity of hash/len/levels */
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

void csv_dict_free(struct csv_dict *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d->hash);
	free(d->len);
	free(d);
}

static int rehash(struct csv_dict *d, uint32_t nlevels)
{
	size_t ncap = d->cap ? d->cap * 2 : 64;
	uint32_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (uint32_t c = 0; c < nlevels; c++) {
		size_t i = d->hash[c] & (ncap - 1);
		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = c + 1;
	}
	free(d->slots);
	d->slots = ns;
	d->cap = ncap;
	return 0;
}

static int grow_levels(struct csv_col *col, struct csv_dict *d)
{
	size_t n = d->lcap ? d->lcap * 2 : 16;
	char **lv = realloc(col->levels, n * sizeof(*lv));
	if (!lv)
		return -1;
	col->levels = lv;
	uint64_t *h = realloc(d->hash, n * sizeof(*h));
	if (!h)
		return -1;
	d->hash = h;
	size_t *l = realloc(d->len, n * sizeof(*l));
	if (!l)
		return -1;
	d->len = l;
	d->lcap = n;
	return 0;
}

int csv_dict_code(struct csv_col *col, const char *s, size_t n, uint32_t *code,
		  int *is_new)
{
	struct csv_dict *d = col->dict;
	uint64_t h = hash_bytes(s, n);
	size_t i;

	if (!d && !(d = col->dict = calloc(1, sizeof(*d))))
		return -1;
	*is_new = 0;
	if (!d->cap || (size_t)col->nlevels * 2 >= d->cap)
		if (rehash(d, col->nlevels))
			return -1;
	for (i = h & (d->cap - 1); d->slots[i]; i = (i + 1) & (d->cap - 1)) {
		uint32_t c = d->slots[i] - 1;
		if (d->hash[c] == h && d->len[c] == n &&
		    !memcmp(col->levels[c], s, n)) {
			*code = c;
			return 0;
		}
	}
	if (col->nlevels >= CSV_NA_CODE - 1)
		return -1;
	if (col->nlevels >= d->lcap && grow_levels(col, d))
		return -1;
	char *copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	col->levels[col->nlevels] = copy;
	d->hash[col->nlevels] = h;
	d->len[col->nlevels] = n;
	d->slots[i] = col->nlevels + 1;
	*code = col->nlevels++;
	*is_new = 1;
	return 0;
}
