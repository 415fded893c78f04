/* nvlink_topo.c: parser of `nvidia-smi topo -m`: the header of device
 * names (GPU0.., NIC0.. or mlx5_0..) and affinity columns, one row per
 * device with its connection to every other (X, SYS, NODE, PHB, PXB, PIX,
 * NV#) and its CPU / NUMA affinity, and the "NIC Legend". Fields are
 * tab-separated; pasted copies with blanks instead of tabs are accepted
 * too. ANSI underline codes (printed on a terminal) are ignored. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"
#include "probe/gpu/nvlink.h"

/* Removes ESC [ ... letter sequences; returns a new string. */
static char *strip_ansi(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\x1b' && i + 1 < n && s[i + 1] == '[') {
			i += 2;
			while (i < n && !(s[i] >= '@' && s[i] <= '~'))
				i++;
			continue;
		}
		o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

static void push(char ***f, size_t *n, const char *s, size_t len)
{
	*f = xrealloc(*f, (*n + 1) * sizeof(**f));
	(*f)[(*n)++] = gpu_text_clean(s, len);
}

/* Merges blank-split words of the multi-word header names. */
static void merge_words(char **f, size_t *n)
{
	static const char *const two[][2] = {{"CPU", "Affinity"},
					     {"NUMA", "Affinity"}};
	size_t o = 0;

	for (size_t i = 0; i < *n; i++) {
		int merged = 0;
		for (size_t k = 0; k < 2 && i + 1 < *n; k++)
			if (!strcmp(f[i], two[k][0]) &&
			    !strcmp(f[i + 1], two[k][1])) {
				char *m = xmalloc(strlen(f[i]) + 10);
				sprintf(m, "%s Affinity", f[i]);
				free(f[i]);
				free(f[i + 1]);
				f[o++] = m;
				i++;
				merged = 1;
				break;
			}
		if (merged)
			continue;
		if (i + 2 < *n && !strcmp(f[i], "GPU") &&
		    !strcmp(f[i + 1], "NUMA") && !strcmp(f[i + 2], "ID")) {
			free(f[i]);
			free(f[i + 1]);
			free(f[i + 2]);
			f[o++] = xstrdup("GPU NUMA ID");
			i += 2;
			continue;
		}
		f[o++] = f[i];
	}
	*n = o;
}

/* Splits a raw line into cleaned fields: on tabs when it has any, else on
 * runs of blanks (a leading blank gives an empty first field). */
static size_t fields_of(const char *raw, size_t len, char ***out)
{
	char *s = strip_ansi(raw, len);
	char **f = NULL;
	size_t n = 0;
	const char *p = s;

	if (strchr(s, '\t')) {
		for (;;) {
			const char *e = strchr(p, '\t');
			push(&f, &n, p, e ? (size_t)(e - p) : strlen(p));
			if (!e)
				break;
			p = e + 1;
		}
	} else {
		if (*p == ' ')
			push(&f, &n, "", 0);
		while (*p) {
			const char *b;
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			b = p;
			while (*p && *p != ' ')
				p++;
			push(&f, &n, b, (size_t)(p - b));
		}
		merge_words(f, &n);
	}
	free(s);
	*out = f;
	return n;
}

static int is_dev_name(const char *s)
{
	const char *p = s;

	if (!strncmp(s, "GPU", 3) || !strncmp(s, "NIC", 3))
		p = s + 3;
	else if (!strncmp(s, "mlx", 3) || !strncmp(s, "CX", 2))
		return 1; /* older drivers named NIC columns mlx5_0 */
	else
		return 0;
	if (!*p)
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

static int aff_kind(const char *s)
{
	if (!strcmp(s, "CPU Affinity"))
		return 0;
	if (!strcmp(s, "NUMA Affinity"))
		return 1;
	if (!strcmp(s, "GPU NUMA ID"))
		return 2;
	return -1;
}

static void header(struct nvlink_topo *t, char **f, size_t n)
{
	nvlink_topo_free(t);
	t->nic_names = json_object();
	for (size_t i = 1; i < n; i++) {
		int k = aff_kind(f[i]);
		if (k >= 0 && t->naff < 3)
			t->aff_kind[t->naff++] = k;
		else if (k < 0 && *f[i] && !t->naff && t->ndev < NVL_MAX_DEVS) {
			t->dev =
			    xrealloc(t->dev, (t->ndev + 1) * sizeof(*t->dev));
			t->dev[t->ndev++] = xstrdup(f[i]);
		}
	}
	t->cell = xcalloc(t->ndev * t->ndev + 1, sizeof(*t->cell));
	t->cpu_aff = xcalloc(t->ndev + 1, sizeof(char *));
	t->numa_aff = xcalloc(t->ndev + 1, sizeof(char *));
	t->gpu_numa = xcalloc(t->ndev + 1, sizeof(char *));
	t->row_seen = xcalloc(t->ndev + 1, sizeof(int));
	t->in_matrix = 1;
}

static void row(struct nvlink_topo *t, size_t r, char **f, size_t n)
{
	size_t a = 0;

	t->row_seen[r] = 1;
	for (size_t j = 0; j < t->ndev && j + 1 < n; j++) {
		free(t->cell[r * t->ndev + j]);
		t->cell[r * t->ndev + j] = xstrdup(f[j + 1]);
	}
	for (size_t i = t->ndev + 1; i < n && a < t->naff; i++) {
		char ***col;
		if (!*f[i])
			continue;
		col = t->aff_kind[a] == 0   ? &t->cpu_aff
		      : t->aff_kind[a] == 1 ? &t->numa_aff
					    : &t->gpu_numa;
		free((*col)[r]);
		(*col)[r] = xstrdup(f[i]);
		a++;
	}
}

/* "  NIC0: mlx5_0" in the NIC legend (s is the raw line). */
static int nic_legend(struct nvlink_topo *t, const char *s, size_t n)
{
	char *raw = strip_ansi(s, n), *c = gpu_text_clean(raw, strlen(raw));
	char *colon = strchr(c, ':'), *v;
	int ok = 0;

	free(raw);
	if (colon && !strncmp(c, "NIC", 3)) {
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ')
			v++;
		if (is_dev_name(c) && *v && !strchr(v, ' ')) {
			if (!t->nic_names)
				t->nic_names = json_object();
			json_object_set_new(t->nic_names, c, json_string(v));
			ok = 1;
		}
	}
	free(c);
	return ok;
}

static int has_gpu_col(char **f, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!strncmp(f[i], "GPU", 3) && is_dev_name(f[i]))
			return 1;
	return 0;
}

int nvlink_topo_line(struct nvlink_data *d, const char *s, size_t n)
{
	struct nvlink_topo *t = &d->topo;
	char **f;
	size_t nf = fields_of(s, n, &f);
	int used = 0;

	if (nf >= 2 && !*f[0] && has_gpu_col(f, nf)) {
		header(t, f, nf);
		d->saw_topo = used = 1;
	} else if (t->in_matrix && nf >= 1 && *f[0]) {
		for (size_t i = 0; i < t->ndev && !used; i++)
			if (!strcmp(f[0], t->dev[i])) {
				row(t, i, f, nf);
				used = 1;
			}
		if (!used)
			t->in_matrix = 0;
	} else if (t->in_matrix) {
		t->in_matrix = 0;
	}
	if (!used && t->ndev)
		used = nic_legend(t, s, n);
	for (size_t i = 0; i < nf; i++)
		free(f[i]);
	free(f);
	return used;
}

void nvlink_topo_free(struct nvlink_topo *t)
{
	for (size_t i = 0; i < t->ndev; i++) {
		for (size_t j = 0; t->cell && j < t->ndev; j++)
			free(t->cell[i * t->ndev + j]);
		free(t->dev[i]);
		if (t->cpu_aff) {
			free(t->cpu_aff[i]);
			free(t->numa_aff[i]);
			free(t->gpu_numa[i]);
		}
	}
	free(t->dev);
	free(t->cell);
	free(t->cpu_aff);
	free(t->numa_aff);
	free(t->gpu_numa);
	free(t->row_seen);
	json_decref(t->nic_names);
	memset(t, 0, sizeof(*t));
}
