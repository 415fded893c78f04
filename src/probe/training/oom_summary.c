/* oom_summary.c: reads torch.cuda.memory_summary() tables out of a log,
 * one line at a time: the device, "CUDA OOMs" and "cudaMalloc retries",
 * and the Cur/Peak/Tot Alloc/Tot Freed cells of the memory rows. Lines may
 * carry a log prefix before the first '|'. */
#include "probe/training/oom.h"

#include <string.h>

#include "core/xmalloc.h"

static const char *const metric_names[OOM_M_COUNT] = {
    "Allocated memory",	   "Active memory",	    "Requested memory",
    "GPU reserved memory", "Non-releasable memory", "Allocations"};

static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	if (p >= end || (size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, n);
}

/* A count of at most 18 digits after optional blanks; -1 if none. */
static long long count_at(const char *p, const char *end)
{
	long long v = 0;
	int n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p >= '0' && *p <= '9' && n < 18) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	return n && !(p < end && *p >= '0' && *p <= '9') ? v : -1;
}

static void push(struct oom_sumstate *st, struct oom_report *r)
{
	if (st->active && st->cur.v[OOM_M_ALLOCATED][OOM_COL_CUR] >= 0) {
		if (r->nsums == r->capsums) {
			r->capsums = r->capsums ? r->capsums * 2 : 8;
			r->sums =
			    xrealloc(r->sums, r->capsums * sizeof(*r->sums));
		}
		r->sums[r->nsums++] = st->cur;
	}
	st->active = 0;
}

static void start(struct oom_sumstate *st, const char *id, const char *end,
		  long lineno)
{
	long long dev = count_at(id, end);

	memset(&st->cur, 0, sizeof(st->cur));
	st->active = 1;
	st->cur.line = lineno;
	st->cur.device = dev >= 0 && dev < 1 << 20 ? (int)dev : -1;
	st->cur.cuda_ooms = st->cur.alloc_retries = -1;
	for (int m = 0; m < OOM_M_COUNT; m++)
		for (int c = 0; c < OOM_NCOL; c++)
			st->cur.v[m][c] = -1;
}

/* Which metric a row names, or -1 ("from large pool" rows and others). */
static int row_metric(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	for (int m = 0; m < OOM_M_COUNT; m++)
		if (strlen(metric_names[m]) == (size_t)(end - p) &&
		    !memcmp(metric_names[m], p, (size_t)(end - p)))
			return m;
	return -1;
}

static void read_row(struct oom_summary *s, const char *bar, const char *end)
{
	const char *cell = bar + 1;
	const char *next = memchr(cell, '|', (size_t)(end - cell));
	int m;

	if (!next || (m = row_metric(cell, next)) < 0)
		return;
	for (int c = 0; c < OOM_NCOL && next; c++) {
		int64_t b;

		cell = next + 1;
		next = memchr(cell, '|', (size_t)(end - cell));
		if (!next)
			break;
		if (m == OOM_M_ALLOCS)
			s->v[m][c] = count_at(cell, next);
		else if (oom_parse_size(cell, next, NULL, &b) == 0)
			s->v[m][c] = b;
	}
}

void oom_summary_line(struct oom_sumstate *st, struct oom_report *r,
		      const char *p, const char *end, long lineno)
{
	const char *q = find(p, end, "memory summary, device ID");
	const char *bar;

	if (q) {
		push(st, r);
		start(st, q + 25, end, lineno);
		return;
	}
	if (!st->active)
		return;
	bar = memchr(p, '|', (size_t)(end - p));
	if (!bar) {
		push(st, r);
		return;
	}
	if ((q = find(bar, end, "CUDA OOMs:")))
		st->cur.cuda_ooms = count_at(q + 10, end);
	if ((q = find(bar, end, "cudaMalloc retries:")))
		st->cur.alloc_retries = count_at(q + 19, end);
	read_row(&st->cur, bar, end);
}

void oom_summary_finish(struct oom_sumstate *st, struct oom_report *r)
{
	push(st, r);
}
