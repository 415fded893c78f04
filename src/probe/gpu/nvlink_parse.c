/* nvlink_parse.c: parser of `nvidia-smi nvlink -s` (per-link speed or
 * <inactive>), `nvidia-smi nvlink -e` (per-link error counters, one
 * "Link N: Name: value" line each, or a "Link N:" line followed by
 * "Name: value" lines) and `nvidia-smi topo -m` (the tab-separated
 * connection matrix, its affinity columns and the NIC legend). The three
 * may be concatenated in one file in any order. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"
#include "probe/gpu/nvlink.h"
#include "probe/toolio.h"

/* Bounds on what hostile input can make us keep. */
#define NVL_MAX_GPUS 1024
#define NVL_MAX_LINKS 256

struct nvlink_parser {
	struct nvlink_data *d;
	struct nvlink_gpu *gpu;	  /* GPU block of -s / -e output, or NULL */
	struct nvlink_link *link; /* "Link N:" block of counters, or NULL */
};

/* Parses a non-negative decimal integer at *p (advancing); -1 if none. */
static long take_uint(const char **p)
{
	long v = 0;
	int any = 0;

	while (isdigit((unsigned char)**p)) {
		if (v < 100000000)
			v = v * 10 + (**p - '0');
		(*p)++;
		any = 1;
	}
	return any ? v : -1;
}

static struct nvlink_gpu *gpu_of(struct nvlink_data *d, long index)
{
	for (size_t i = 0; i < d->ngpus; i++)
		if (d->gpus[i].index == index)
			return &d->gpus[i];
	if (d->ngpus >= NVL_MAX_GPUS)
		return NULL;
	d->gpus = xrealloc(d->gpus, (d->ngpus + 1) * sizeof(*d->gpus));
	memset(&d->gpus[d->ngpus], 0, sizeof(*d->gpus));
	d->gpus[d->ngpus].index = (int)index;
	return &d->gpus[d->ngpus++];
}

static struct nvlink_link *link_of(struct nvlink_gpu *g, long id)
{
	struct nvlink_link *l;

	for (size_t i = 0; i < g->nlinks; i++)
		if (g->links[i].id == id)
			return &g->links[i];
	if (g->nlinks >= NVL_MAX_LINKS)
		return NULL;
	g->links = xrealloc(g->links, (g->nlinks + 1) * sizeof(*g->links));
	l = &g->links[g->nlinks++];
	memset(l, 0, sizeof(*l));
	l->id = (int)id;
	l->speed_gbs = -1;
	return l;
}

/* "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-...)" */
static int gpu_line(struct nvlink_parser *ps, const char *s)
{
	const char *p = s + 4, *u;
	long idx;

	if (strncmp(s, "GPU ", 4) || (idx = take_uint(&p)) < 0 || *p != ':')
		return 0;
	ps->gpu = gpu_of(ps->d, idx);
	ps->link = NULL;
	if (!ps->gpu)
		return 1;
	p++;
	while (*p == ' ')
		p++;
	u = strstr(p, " (UUID: ");
	free(ps->gpu->name);
	ps->gpu->name = xstrdup(p);
	if (u) {
		const char *e = strrchr(u, ')');
		ps->gpu->name[u - p] = '\0';
		u += 8;
		free(ps->gpu->uuid);
		ps->gpu->uuid = xstrdup(u);
		if (e && e > u)
			ps->gpu->uuid[e - u] = '\0';
	}
	return 1;
}

/* Turns "Replay Errors" into "replay_errors". Caller frees. */
static char *counter_key(const char *s, size_t n)
{
	char *k = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c))
			k[o++] = (char)tolower(c);
		else if (o && k[o - 1] != '_')
			k[o++] = '_';
	}
	while (o && k[o - 1] == '_')
		o--;
	k[o] = '\0';
	return k;
}

/* "Name: 123" into l->errors; 1 when the text had that form. */
static int counter(struct nvlink_parser *ps, struct nvlink_link *l,
		   const char *s)
{
	const char *c = strrchr(s, ':');
	double v;
	char *k;

	if (!c || c == s || toolio_num(c + 1, 0, &v) != 0 || v < 0)
		return 0;
	k = counter_key(s, (size_t)(c - s));
	if (!*k) {
		free(k);
		return 0;
	}
	if (!l->errors)
		l->errors = json_object();
	json_object_set_new(l->errors, k, json_integer((json_int_t)v));
	free(k);
	ps->d->saw_errors = 1;
	return 1;
}

/* The text after "Link N:" of -s output: a speed, <inactive> or other. */
static void link_status(struct nvlink_parser *ps, struct nvlink_link *l,
			const char *rest)
{
	size_t n = strlen(rest);
	double v;

	ps->d->saw_status = 1;
	if (!strcmp(rest, "<inactive>") || !strcasecmp(rest, "inactive")) {
		l->state = NVL_INACTIVE;
		return;
	}
	if (n > 4 && !strcmp(rest + n - 4, "GB/s")) {
		char *num = xstrdup(rest);
		num[n - 4] = '\0';
		if (toolio_num(num, 0, &v) == 0 && v >= 0) {
			l->speed_gbs = v;
			l->state = v > 0 ? NVL_ACTIVE : NVL_INACTIVE;
			free(num);
			return;
		}
		free(num);
	}
	l->state = NVL_UNKNOWN;
	free(l->status);
	l->status = xstrdup(rest);
}

/* "Link 3: 26.562 GB/s", "Link 3: <inactive>", "Link 3: CRC Errors: 0",
 * "Link 3:" (counters follow on their own lines). */
static int link_line(struct nvlink_parser *ps, const char *s)
{
	const char *p = s + 5;
	struct nvlink_link *l;
	long id;

	if (strncmp(s, "Link ", 5) || (id = take_uint(&p)) < 0)
		return 0;
	if (*p != ':') /* "Link 0, P2P is supported: true" and the like */
		return 1;
	p++;
	while (*p == ' ')
		p++;
	if (!ps->gpu || !(l = link_of(ps->gpu, id)))
		return 1;
	ps->link = NULL;
	if (!*p)
		ps->link = l; /* counters on the next lines */
	else if (!counter(ps, l, p))
		link_status(ps, l, p);
	return 1;
}

static void status_line(struct nvlink_parser *ps, const char *s)
{
	if (gpu_line(ps, s) || link_line(ps, s))
		return;
	if (ps->gpu && strstr(s, "all links are inActive")) {
		ps->gpu->all_inactive_msg = 1;
		ps->d->saw_status = 1;
		return;
	}
	if (ps->link && counter(ps, ps->link, s))
		return;
	ps->link = NULL;
}

void nvlink_parse(struct nvlink_data *d, const char *text, size_t len)
{
	struct nvlink_parser ps = {0};
	struct toolio_lines it;
	const char *s;
	size_t n;

	ps.d = d;
	toolio_lines_init(&it, text, len);
	while (toolio_line(&it, &s, &n)) {
		char *c;
		d->lines++;
		if (nvlink_topo_line(d, s, n))
			continue;
		c = toolio_clean(s, n);
		if (!*c)
			ps.link = NULL;
		else
			status_line(&ps, c);
		free(c);
	}
}

void nvlink_free(struct nvlink_data *d)
{
	for (size_t i = 0; i < d->ngpus; i++) {
		struct nvlink_gpu *g = &d->gpus[i];
		for (size_t k = 0; k < g->nlinks; k++) {
			free(g->links[k].status);
			json_decref(g->links[k].errors);
		}
		free(g->links);
		free(g->name);
		free(g->uuid);
	}
	free(d->gpus);
	nvlink_topo_free(&d->topo);
	memset(d, 0, sizeof(*d));
}
