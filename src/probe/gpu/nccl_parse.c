/* nccl_parse.c: parser of nccl-tests output (all_reduce_perf,
 * all_gather_perf, ...): the "# nThread 1 nGpus 8 minBytes ..." parameter
 * line, "#  Rank  0 Group  0 Pid ... on host device 0 [0x07] NAME" lines,
 * the column header (current: size count type redop root time algbw busbw
 * #wrong x2; older: without root, or with a float "error" column instead of
 * #wrong, or without redop), the result rows, "# Out of bounds values" and
 * "# Avg bus bandwidth", and NCCL / CUDA failure lines. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/gpu/nccl.h"
#include "probe/toolio.h"

/* Most rows and ranks kept (a sweep has ~30 sizes; jobs a few 1000 GPUs). */
#define NCCL_MAX_ROWS 10000
#define NCCL_MAX_RANKS 65536
#define NCCL_MAX_ERRORS 50

/* Splits a cleaned line on blanks into words (caller frees). */
static size_t words(const char *s, char ***out)
{
	char **w = NULL;
	size_t n = 0;

	while (*s) {
		const char *b;
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		b = s;
		while (*s && *s != ' ')
			s++;
		w = xrealloc(w, (n + 1) * sizeof(*w));
		w[n] = xmalloc((size_t)(s - b) + 1);
		memcpy(w[n], b, (size_t)(s - b));
		w[n++][s - b] = '\0';
	}
	*out = w;
	return n;
}

static enum nccl_col col_of(const char *w, int *is_error)
{
	static const char *const names[] = {"size",  "count", "type",
					    "redop", "root",  "time",
					    "algbw", "busbw", "#wrong"};

	for (int i = 0; i < 9; i++)
		if (!strcmp(w, names[i]))
			return (enum nccl_col)i;
	if (!strcmp(w, "error")) {
		*is_error = 1;
		return NC_WRONG;
	}
	return NC_OTHER;
}

/* "#       size   count   type ..." (after the '#'). */
static int header(struct nccl_data *d, char **w, size_t n)
{
	int has_size = 0, has_busbw = 0, err = 0;

	for (size_t i = 0; i < n; i++) {
		has_size |= !strcmp(w[i], "size");
		has_busbw |= !strcmp(w[i], "busbw");
	}
	if (!has_size || !has_busbw || n > 32)
		return 0;
	d->ncols = n;
	for (size_t i = 0; i < n; i++)
		d->cols[i] = col_of(w[i], &err);
	d->error_col = err;
	d->header_seen = 1;
	return 1;
}

/* "nThread 1 nGpus 8 minBytes 8 maxBytes 134217728 step: 2(factor) ..." */
static void params(struct nccl_data *d, char **w, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		char *end;
		long long v = strtoll(w[i + 1], &end, 10);
		size_t l = strlen(w[i]);
		if (end == w[i + 1] || !isalpha((unsigned char)w[i][0]))
			continue;
		if (!strcmp(w[i], "step:")) {
			jset_int(d->params, "step", v);
			jset_str(d->params, "step_kind",
				 strstr(end, "factor") ? "factor" : "bytes");
		} else if (w[i][l - 1] != ':' &&
			   json_object_size(d->params) < 32) {
			jset_int(d->params, w[i], v);
		}
	}
}

/* "Rank  0 Group  0 Pid  12345 on  host device  0 [0x07] NVIDIA H100" */
static void rank_line(struct nccl_data *d, char **w, size_t n)
{
	json_t *o;
	size_t i, gpu = 0;

	if (n < 4 || strcmp(w[0], "Rank") ||
	    json_array_size(d->ranks) >= NCCL_MAX_RANKS)
		return;
	o = json_object();
	jset_int(o, "rank", strtoll(w[1], NULL, 10));
	for (i = 2; i + 1 < n; i++) {
		if (!strcmp(w[i], "on"))
			jset_str(o, "host", w[i + 1]);
		else if (!strcmp(w[i], "device")) {
			jset_int(o, "device", strtoll(w[i + 1], NULL, 10));
			gpu = i + 2;
		}
	}
	if (gpu && gpu < n && w[gpu][0] == '[')
		gpu++;
	if (gpu && gpu < n) {
		struct buf b = BUF_INIT;
		for (i = gpu; i < n; i++)
			buf_printf(&b, "%s%s", i > gpu ? " " : "", w[i]);
		jset_str(o, "gpu", buf_str(&b));
		buf_free(&b);
	}
	json_array_append_new(d->ranks, o);
}

/* A '#' line: parameters, ranks, header, out of bounds, average. */
static void comment(struct nccl_data *d, const char *s)
{
	char **w;
	size_t n = words(s + 1, &w);
	const char *c;
	double v;

	if (n && !strcmp(w[0], "nThread"))
		params(d, w, n);
	else if (n && !strcmp(w[0], "Rank"))
		rank_line(d, w, n);
	else if (strstr(s, "Avg bus bandwidth") && (c = strchr(s, ':')) &&
		 toolio_num(c + 1, 0, &v) == 0)
		d->avg_busbw = v;
	else if (strstr(s, "Out of bounds values") && (c = strchr(s, ':')))
		d->out_of_bounds = strtol(c + 1, NULL, 10);
	else
		header(d, w, n);
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static void num_or_null(json_t *o, const char *k, const char *w)
{
	double v;

	if (toolio_num(w, 0, &v) == 0)
		jset_real(o, k, v);
	else
		json_object_set_new(o, k, json_null());
}

/* Fills the oop / ip halves; returns how many halves were complete. */
static int halves(struct nccl_data *d, json_t *row, char **w, size_t n)
{
	json_t *half = NULL;
	int seen_time = 0, complete = 0;

	for (size_t i = 0; i < d->ncols && i < n; i++) {
		switch (d->cols[i]) {
		case NC_TIME:
			half = json_object();
			json_object_set_new(row, seen_time++ ? "ip" : "oop",
					    half);
			num_or_null(half, "time_us", w[i]);
			break;
		case NC_ALGBW:
			if (half)
				num_or_null(half, "algbw_gbs", w[i]);
			break;
		case NC_BUSBW:
			if (half)
				num_or_null(half, "busbw_gbs", w[i]);
			break;
		case NC_WRONG:
			if (half) {
				num_or_null(half,
					    d->error_col ? "error" : "wrong",
					    w[i]);
				complete++;
			}
			break;
		default:
			break;
		}
	}
	return complete;
}

/* A result row: "  134217728  33554432  float  sum  -1  1234.5 ...". */
static int row(struct nccl_data *d, const char *s, long lineno)
{
	char **w;
	size_t n = words(s, &w);
	double size;
	json_t *o;
	int ok = 0;

	if (d->ncols && n >= 3 && toolio_num(w[0], 0, &size) == 0 &&
	    size >= 0 && size < 9e18 &&
	    strspn(w[0], "0123456789") == strlen(w[0]) &&
	    json_array_size(d->rows) < NCCL_MAX_ROWS) {
		o = json_object();
		jset_int(o, "size_bytes", (long long)size);
		for (size_t i = 1; i < d->ncols && i < n && i < 5; i++)
			if (d->cols[i] == NC_COUNT)
				jset_int(o, "count", strtoll(w[i], NULL, 10));
			else if (d->cols[i] == NC_TYPE)
				jset_str(o, "type", w[i]);
			else if (d->cols[i] == NC_REDOP)
				jset_str(o, "redop", w[i]);
			else if (d->cols[i] == NC_ROOT)
				jset_int(o, "root", strtoll(w[i], NULL, 10));
		jset_int(o, "line", lineno);
		if (halves(d, o, w, n) < 2 || n != d->ncols) {
			d->partial_row = lineno;
			jset_bool(o, "partial", 1);
		} else {
			d->partial_row = 0;
		}
		json_array_append_new(d->rows, o);
		ok = 1;
	}
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
	return ok;
}

static int is_error_line(const char *s)
{
	return strstr(s, "NCCL WARN") || strstr(s, "Test NCCL failure") ||
	       strstr(s, "Test CUDA failure") || strstr(s, "Test failure") ||
	       strstr(s, "NCCL error") || strstr(s, "unhandled system error") ||
	       strstr(s, "Watchdog caught collective operation timeout");
}

void nccl_parse(struct nccl_data *d, const char *text, size_t len)
{
	struct toolio_lines it;
	const char *s;
	size_t n;

	d->rows = json_array();
	d->ranks = json_array();
	d->params = json_object();
	d->errors = json_array();
	d->avg_busbw = -1;
	d->out_of_bounds = -1;
	toolio_lines_init(&it, text, len);
	while (toolio_line(&it, &s, &n)) {
		char *c = toolio_clean(s, n);
		d->lines++;
		if (is_error_line(c)) {
			if (json_array_size(d->errors) < NCCL_MAX_ERRORS)
				json_array_append_new(d->errors,
						      json_string(c));
		} else if (c[0] == '#') {
			comment(d, c);
		} else {
			row(d, c, it.lineno);
		}
		free(c);
	}
}

void nccl_free(struct nccl_data *d)
{
	json_decref(d->rows);
	json_decref(d->ranks);
	json_decref(d->params);
	json_decref(d->errors);
	memset(d, 0, sizeof(*d));
}
