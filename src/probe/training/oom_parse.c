/* oom_parse.c: reads PyTorch CUDA out-of-memory messages (current and
 * legacy form), the traceback frame before them, and hands table lines to
 * oom_summary.c. Works on a byte range: no NUL terminator needed, never
 * reads past the end, any bytes accepted. */
#include "probe/training/oom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* A line of the log: [p, end). */
struct line {
	const char *p, *end;
	long no;
};

static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	if (p >= end || (size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), needle, n);
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Reads a decimal integer of at most 18 digits. Returns -1 if none. */
static int parse_int(const char *p, const char *end, const char **next,
		     long long *out)
{
	long long v = 0;
	int n = 0;

	p = skip_blank(p, end);
	while (p < end && *p >= '0' && *p <= '9' && n < 18) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (!n || (p < end && *p >= '0' && *p <= '9'))
		return -1;
	*out = v;
	if (next)
		*next = p;
	return 0;
}

static int unit_shift(const char *u, size_t n)
{
	static const struct {
		const char *name;
		int shift;
	} units[] = {{"B", 0},	  {"bytes", 0}, {"byte", 0}, {"KiB", 10},
		     {"MiB", 20}, {"GiB", 30},	{"TiB", 40}, {"PiB", 50}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !memcmp(units[i].name, u, n))
			return units[i].shift;
	return -1;
}

int oom_parse_size(const char *p, const char *end, const char **next,
		   int64_t *bytes)
{
	double v = 0, scale = 1;
	int digits = 0, shift;
	const char *u;

	p = skip_blank(p, end);
	while (p < end && *p >= '0' && *p <= '9' && digits < 24) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (p < end && *p == '.') {
		p++;
		while (p < end && *p >= '0' && *p <= '9' && digits < 24) {
			scale /= 10;
			v += (*p++ - '0') * scale;
			digits++;
		}
	}
	if (!digits || (p < end && *p >= '0' && *p <= '9'))
		return -1;
	p = skip_blank(p, end);
	u = p;
	while (p < end &&
	       ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		p++;
	if ((shift = unit_shift(u, (size_t)(p - u))) < 0)
		return -1;
	v = ldexp(v, shift);
	if (!isfinite(v) || v >= 4611686018427387904.0) /* 2^62 */
		return -1;
	*bytes = (int64_t)llround(v);
	if (next)
		*next = p;
	return 0;
}

/* Notes the first field that could not be read. */
static void unparsed(struct oom_event *e, const char *what, long line)
{
	char tmp[160];

	if (e->unparsed)
		return;
	snprintf(tmp, sizeof(tmp), "%s (line %ld)", what, line);
	e->unparsed = xstrdup(tmp);
}

/* Reads the size right after needle, if needle is on the line. */
static void size_after(struct oom_event *e, const struct line *l,
		       const char *needle, int64_t *dst)
{
	const char *q = find(l->p, l->end, needle);

	if (!q)
		return;
	if (oom_parse_size(q + strlen(needle), l->end, NULL, dst) < 0) {
		*dst = -1;
		unparsed(e, needle, l->no);
	}
}

static void add_proc(struct oom_event *e, long long pid, int64_t bytes)
{
	if (e->nprocs == e->capprocs) {
		e->capprocs = e->capprocs ? e->capprocs * 2 : 4;
		e->procs = xrealloc(e->procs, e->capprocs * sizeof(*e->procs));
	}
	e->procs[e->nprocs].pid = pid;
	e->procs[e->nprocs++].bytes = bytes;
}

/* "Process 1234 has 10.00 GiB memory in use." (any number per line) */
static int scan_procs(struct oom_event *e, const struct line *l)
{
	const char *q = l->p, *r;
	int found = 0;
	long long pid;
	int64_t b;

	while ((q = find(q, l->end, "Process ")) != NULL) {
		q += 8;
		if (parse_int(q, l->end, &r, &pid) < 0)
			continue;
		r = skip_blank(r, l->end);
		if (l->end - r < 4 || memcmp(r, "has ", 4))
			continue;
		found = 1;
		if (oom_parse_size(r + 4, l->end, &r, &b) < 0) {
			unparsed(e, "Process ... has", l->no);
			continue;
		}
		add_proc(e, pid, b);
		q = r;
	}
	return found;
}

/* Legacy form: "(GPU 0; 79.11 GiB total capacity; 70.00 GiB already
 * allocated; 1.50 GiB free; 75.00 GiB reserved in total by PyTorch)". */
static void parse_legacy(struct oom_event *e, const struct line *l,
			 const char *p)
{
	const char *end = memchr(p, ')', (size_t)(l->end - p));
	long long gpu;

	if (!end)
		end = l->end;
	e->form = OOM_FORM_LEGACY;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *item_end = semi ? semi : end, *lab;
		int64_t b;

		p = skip_blank(p, item_end);
		if (item_end - p >= 4 && !memcmp(p, "GPU ", 4)) {
			if (parse_int(p + 4, item_end, NULL, &gpu) == 0 &&
			    gpu < 1 << 20)
				e->gpu = (int)gpu;
		} else if (oom_parse_size(p, item_end, &lab, &b) == 0) {
			lab = skip_blank(lab, item_end);
			if (find(lab, item_end, "total capacity"))
				e->capacity = b;
			else if (find(lab, item_end, "already allocated"))
				e->allocated = b;
			else if (find(lab, item_end, "reserved in total") ||
				 find(lab, item_end, "cached"))
				e->reserved = b;
			else if (item_end - lab >= 4 && !memcmp(lab, "free", 4))
				e->free = b;
		} else if (p < item_end) {
			unparsed(e, "legacy field", l->no);
		}
		p = item_end + 1;
	}
}

/* Current form, all phrases that may be on this line. */
static void parse_current(struct oom_event *e, const struct line *l)
{
	const char *q, *cap = find(l->p, l->end, " has a total capacity of ");
	const char *gpu_at = NULL;
	long long gpu;

	/* "GPU N" is the last one before the capacity (a log prefix may
	 * name a GPU too). */
	for (q = l->p; cap && (q = find(q, cap, "GPU ")) != NULL; q += 4)
		gpu_at = q;
	if (gpu_at) {
		e->form = OOM_FORM_CURRENT;
		if (parse_int(gpu_at + 4, l->end, NULL, &gpu) == 0 &&
		    gpu < 1 << 20)
			e->gpu = (int)gpu;
	}
	size_after(e, l, "has a total capacity of ", &e->capacity);
	if ((q = find(l->p, l->end, "has a total capacity of ")) &&
	    (q = find(q, l->end, " of which ")))
		if (oom_parse_size(q + 10, l->end, NULL, &e->free) < 0)
			unparsed(e, "of which ... is free", l->no);
	size_after(e, l, "this process has ", &e->process);
	size_after(e, l, "Of the allocated memory ", &e->allocated);
	if ((q = find(l->p, l->end, "is allocated by PyTorch,")) &&
	    (q = find(q, l->end, "and ")) &&
	    find(q, l->end, "is reserved by PyTorch but unallocated"))
		if (oom_parse_size(q + 4, l->end, NULL, &e->reserved_unalloc) <
		    0)
			unparsed(e, "reserved by PyTorch but unallocated",
				 l->no);
}

/* The exception class right before the message: "torch.OutOfMemoryError:"
 * or "RuntimeError:". */
static char *error_class(const char *start, const char *msg)
{
	const char *e = msg, *b;

	while (e > start && e[-1] == ' ')
		e--;
	if (e == start || e[-1] != ':')
		return NULL;
	e--;
	b = e;
	while (b > start && b[-1] != ' ' && b[-1] != '\t' && b[-1] != ']')
		b--;
	if (b == e || e - b > 120)
		return NULL;
	return strndup(b, (size_t)(e - b));
}

static void event_free(struct oom_event *e)
{
	free(e->error);
	free(e->procs);
	free(e->frame.file);
	free(e->frame.func);
	free(e->unparsed);
	memset(e, 0, sizeof(*e));
}

static void event_start(struct oom_report *r, const struct line *l,
			const char *msg, struct oom_frame *frame)
{
	struct oom_event *e = &r->last;

	event_free(e);
	e->line = l->no;
	e->gpu = -1;
	e->requested = e->capacity = e->free = e->allocated = -1;
	e->reserved_unalloc = e->reserved = e->process = -1;
	e->error = error_class(l->p, msg);
	e->frame = *frame; /* takes the frame seen before the message */
	memset(frame, 0, sizeof(*frame));
	if (!r->nevents++)
		r->first_line = l->no;
}

/* `  File "x.py", line 7, in f` */
static void read_frame(const struct line *l, const char *q, struct oom_frame *f)
{
	const char *name = q + 6, *sep = NULL, *s, *fn;
	long long no;

	for (s = name; (s = find(s, l->end, "\", line ")) != NULL; s++)
		sep = s;
	if (!sep || parse_int(sep + 8, l->end, &fn, &no) < 0)
		return;
	free(f->file);
	free(f->func);
	f->file = strndup(name, (size_t)(sep - name));
	f->line = (long)no;
	f->func = NULL;
	if (l->end - fn >= 5 && !memcmp(fn, ", in ", 5)) {
		const char *e = l->end;
		while (e > fn + 5 && (e[-1] == ' ' || e[-1] == '\r'))
			e--;
		f->func = strndup(fn + 5, (size_t)(e - fn - 5));
	}
}

/* Feeds one line to the event reader. Returns 1 if the line belongs to an
 * OOM message. */
static int oom_line(struct oom_report *r, const struct line *l, int in_event,
		    struct oom_frame *frame)
{
	const char *m = find(l->p, l->end, "CUDA out of memory");
	const char *q;
	int part = 0;

	if (!m)
		m = find(l->p, l->end, "CUDA error: out of memory");
	if (m) {
		event_start(r, l, m, frame);
		if (m[5] == 'e')
			r->last.form = OOM_FORM_CUDA_ERROR;
		in_event = part = 1;
	}
	if (!in_event)
		return 0;
	if ((q = find(l->p, l->end, "Tried to allocate "))) {
		part = 1;
		if (oom_parse_size(q + 18, l->end, &q, &r->last.requested) < 0)
			unparsed(&r->last, "Tried to allocate", l->no);
		else if ((q = skip_blank(q, l->end)) < l->end && *q == '(')
			parse_legacy(&r->last, l, q + 1);
	}
	part |= scan_procs(&r->last, l);
	if (find(l->p, l->end, "total capacity of") ||
	    find(l->p, l->end, "this process has") ||
	    find(l->p, l->end, "Of the allocated memory")) {
		part = 1;
		parse_current(&r->last, l);
	}
	return part;
}

void oom_report_free(struct oom_report *r)
{
	if (!r)
		return;
	event_free(&r->last);
	free(r->sums);
	memset(r, 0, sizeof(*r));
}

/* Fills the sizes a form implies but does not print. */
static void derive(struct oom_event *e)
{
	if (e->form == OOM_FORM_CURRENT && e->allocated >= 0 &&
	    e->reserved_unalloc >= 0)
		e->reserved = e->allocated + e->reserved_unalloc;
	if (e->form == OOM_FORM_LEGACY && e->reserved >= 0 && e->allocated >= 0)
		e->reserved_unalloc =
		    e->reserved > e->allocated ? e->reserved - e->allocated : 0;
}

int oom_parse(const char *data, size_t len, struct oom_report *r)
{
	const char *p = data, *end = data + len;
	struct oom_frame frame = {0};
	struct oom_sumstate st = {0};
	int in_event = 0;
	struct line l = {0};

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q;

		l.p = p;
		l.end = nl ? nl : end;
		if (l.end > l.p && l.end[-1] == '\r')
			l.end--;
		l.no++;
		p = nl ? nl + 1 : end;
		if ((q = find(l.p, l.end, "File \"")) &&
		    find(q, l.end, "\", line "))
			read_frame(&l, q, &frame);
		else if (find(l.p, l.end,
			      "Traceback (most recent call last)")) {
			free(frame.file);
			free(frame.func);
			memset(&frame, 0, sizeof(frame));
		}
		in_event = oom_line(r, &l, in_event, &frame);
		if (memchr(l.p, '|', (size_t)(l.end - l.p)) || st.active ||
		    find(l.p, l.end, "memory summary"))
			oom_summary_line(&st, r, l.p, l.end, l.no);
	}
	oom_summary_finish(&st, r);
	free(frame.file);
	free(frame.func);
	r->lines = l.no;
	if (r->nevents)
		derive(&r->last);
	return 0;
}

json_t *oom_json_text(const char *s, size_t n)
{
	char *out = xmalloc(n * 3 + 1);
	size_t o = 0, i = 0;
	json_t *j;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80		   ? 1
			   : c >= 0xc2 && c < 0xe0 ? 2
			   : c >= 0xe0 && c < 0xf0 ? 3
			   : c >= 0xf0 && c < 0xf5 ? 4
						   : 0;
		int ok = k > 0 && c != 0 && i + k <= n;

		for (size_t t = 1; ok && t < k; t++)
			ok = ((unsigned char)s[i + t] & 0xc0) == 0x80;
		if (ok && k > 2) { /* overlong, surrogate, above U+10FFFF */
			unsigned char d = (unsigned char)s[i + 1];
			ok = !((c == 0xe0 && d < 0xa0) ||
			       (c == 0xed && d >= 0xa0) ||
			       (c == 0xf0 && d < 0x90) ||
			       (c == 0xf4 && d >= 0x90));
		}
		if (!ok) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	j = json_stringn(out, o);
	free(out);
	return j;
}
