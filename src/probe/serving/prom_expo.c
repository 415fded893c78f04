/* prom_expo.c: parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Lines
 * are `# HELP name text`, `# TYPE name type`, other `#` comments, blank
 * lines, and samples `name{label="value",...} value [timestamp_ms]`. */
#include "probe/serving/prom_expo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"

/* A cursor over one line. */
struct lexer {
	const char *line; /* start of the line */
	const char *p;	  /* current position */
	const char *end;  /* end of the line (no '\n') */
	const char *file;
	int lineno;
	struct ml_err *err;
	struct prom_expo *e; /* strings and label arrays go to its arena */
	struct prom_label *scratch; /* labels of the sample being read */
	size_t scap;
	json_t *famidx; /* family name -> index in e->families */
	size_t famcap;	/* allocated entries of e->families */
};

/* A block of the arena that holds every string and label array of a
 * parse, freed at once by prom_expo_free: one malloc per 64 KiB instead of
 * ten per sample. */
struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

#define ARENA_BLOCK (64 * 1024)

/* n bytes (8-aligned) from the arena of e; aborts on out-of-memory. */
static void *arena_alloc(struct prom_expo *e, size_t n)
{
	struct arena_block *b = e->arena;

	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = xmalloc(sizeof(*b) + cap);
		b->next = e->arena;
		b->used = 0;
		b->cap = cap;
		e->arena = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

static char *arena_strndup(struct prom_expo *e, const char *s, size_t n)
{
	char *d = arena_alloc(e, n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static int lex_fail(struct lexer *lx, const char *what)
{
	return ml_err_at(lx->err, ML_EINPUT, lx->file, lx->lineno,
			 (int)(lx->p - lx->line) + 1, "%s", what);
}

static void skip_blanks(struct lexer *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
}

static int is_name_start(int c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':');
}

static int is_name_char(int c, int colon)
{
	return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Reads a metric name (colon allowed) or label name into the arena. */
static char *lex_name(struct lexer *lx, int colon)
{
	const char *s = lx->p;

	if (lx->p >= lx->end || !is_name_start((unsigned char)*lx->p, colon))
		return NULL;
	while (lx->p < lx->end && is_name_char((unsigned char)*lx->p, colon))
		lx->p++;
	return arena_strndup(lx->e, s, (size_t)(lx->p - s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

/* Fast path of lex_label_value: a value without escapes is copied in
 * one piece. Returns 1 when it handled the value (ok or error in *rc). */
static int plain_label_value(struct lexer *lx, char **out, int *rc)
{
	const char *s = lx->p + 1, *q = s;

	while (q < lx->end && *q != '"' && *q != '\\')
		q++;
	if (q >= lx->end || *q != '"')
		return 0;
	for (const char *u = s; u < q;) {
		size_t n = utf8_len((const unsigned char *)u, (size_t)(q - u));
		if (!n)
			return 0; /* the slow path reports where */
		u += n;
	}
	*out = arena_strndup(lx->e, s, (size_t)(q - s));
	lx->p = q + 1;
	*rc = 0;
	return 1;
}

/* Reads a quoted label value; lx->p is at the opening quote. */
static int lex_label_value(struct lexer *lx, char **out)
{
	struct buf b = BUF_INIT;
	int rc;

	if (plain_label_value(lx, out, &rc))
		return rc;
	lx->p++;
	while (lx->p < lx->end && *lx->p != '"') {
		const unsigned char *u = (const unsigned char *)lx->p;
		size_t n;

		if (*u == '\\') {
			char c = lx->p + 1 < lx->end ? lx->p[1] : 0;
			if (c != '\\' && c != '"' && c != 'n') {
				buf_free(&b);
				return lex_fail(lx,
						"bad escape in label value: "
						"only \\\\, \\\" and \\n "
						"are allowed");
			}
			buf_putc(&b, c == 'n' ? '\n' : c);
			lx->p += 2;
			continue;
		}
		n = utf8_len(u, (size_t)(lx->end - lx->p));
		if (n == 0) {
			buf_free(&b);
			return lex_fail(lx, "label value is not valid UTF-8");
		}
		buf_add(&b, lx->p, n);
		lx->p += n;
	}
	if (lx->p >= lx->end) {
		buf_free(&b);
		return lex_fail(lx, "unterminated label value: expected `\"`");
	}
	lx->p++;
	*out = arena_strndup(lx->e, buf_str(&b), b.len);
	buf_free(&b);
	return 0;
}

/* Moves the scratch labels into the arena as s's label array. */
static void keep_labels(struct lexer *lx, struct prom_sample *s, size_t n)
{
	s->nlabels = n;
	if (!n)
		return;
	s->labels = arena_alloc(lx->e, n * sizeof(*s->labels));
	memcpy(s->labels, lx->scratch, n * sizeof(*s->labels));
}

/* Reads one `name="value"` into l. */
static int lex_label(struct lexer *lx, struct prom_label *l)
{
	if (!(l->name = lex_name(lx, 0)))
		return lex_fail(lx, "expected a label name or `}`");
	skip_blanks(lx);
	if (lx->p >= lx->end || *lx->p != '=')
		return lex_fail(lx, "expected `=` after label name");
	lx->p++;
	skip_blanks(lx);
	if (lx->p >= lx->end || *lx->p != '"')
		return lex_fail(lx, "expected `\"` to open label value");
	return lex_label_value(lx, &l->value);
}

/* Parses `{name="value",...}`; lx->p is at '{'. */
static int lex_labels(struct lexer *lx, struct prom_sample *s)
{
	size_t n = 0;
	int rc;

	lx->p++;
	for (;;) {
		skip_blanks(lx);
		if (lx->p < lx->end && *lx->p == '}')
			break;
		if (n == lx->scap) {
			lx->scap = lx->scap ? lx->scap * 2 : 16;
			lx->scratch = xrealloc(lx->scratch,
					       lx->scap * sizeof(*lx->scratch));
		}
		if ((rc = lex_label(lx, &lx->scratch[n])) != 0)
			return rc;
		n++;
		skip_blanks(lx);
		if (lx->p < lx->end && *lx->p == ',') {
			lx->p++;
			continue;
		}
		if (lx->p < lx->end && *lx->p == '}')
			break;
		return lex_fail(lx, "expected `,` or `}` after label value");
	}
	lx->p++;
	keep_labels(lx, s, n);
	return 0;
}

int prom_parse_value(const char *s, size_t len, double *out)
{
	char small[64], *tmp = small;
	int rc;

	if (len == 0 || memchr(s, '(', len) || memchr(s, 0, len))
		return -1;
	if (len < sizeof(small)) { /* the common case; longer: heap */
		memcpy(small, s, len);
		small[len] = 0;
	} else {
		tmp = strndup(s, len);
	}
	if (!strcasecmp(tmp, "nan")) {
		*out = NAN;
		rc = 0;
	} else if (!strcasecmp(tmp, "+inf") || !strcasecmp(tmp, "inf")) {
		*out = INFINITY;
		rc = 0;
	} else if (!strcasecmp(tmp, "-inf")) {
		*out = -INFINITY;
		rc = 0;
	} else if (!strchr("0123456789.+-", tmp[0]) || strpbrk(tmp, "nNiIxX")) {
		rc = -1; /* "-nan", "infinity", hex floats */
	} else {
		rc = str_to_double(tmp, out);
	}
	if (tmp != small)
		free(tmp);
	return rc;
}

/* Reads a whitespace-delimited token. */
static void lex_token(struct lexer *lx, const char **s, size_t *n)
{
	*s = lx->p;
	while (lx->p < lx->end && *lx->p != ' ' && *lx->p != '\t')
		lx->p++;
	*n = (size_t)(lx->p - *s);
}

/* Parses the rest of a sample line after the name. */
static int lex_sample_tail(struct lexer *lx, struct prom_sample *s)
{
	const char *tok;
	size_t n;
	int rc;

	if (lx->p < lx->end && *lx->p == '{' && (rc = lex_labels(lx, s)))
		return rc;
	if (lx->p < lx->end && *lx->p != ' ' && *lx->p != '\t')
		return lex_fail(lx, "expected a space before the value");
	skip_blanks(lx);
	lex_token(lx, &tok, &n);
	if (n == 0)
		return lex_fail(lx, "expected a sample value");
	if (prom_parse_value(tok, n, &s->value)) {
		lx->p = tok;
		return lex_fail(lx, "bad sample value: expected a float, NaN, "
				    "+Inf or -Inf");
	}
	skip_blanks(lx);
	if (lx->p < lx->end) {
		char tmp[32];
		int64_t ts;
		lex_token(lx, &tok, &n);
		if (n >= sizeof(tmp)) {
			lx->p = tok;
			return lex_fail(lx, "bad timestamp: expected integer "
					    "milliseconds");
		}
		memcpy(tmp, tok, n);
		tmp[n] = 0;
		if (str_to_i64(tmp, &ts)) {
			lx->p = tok;
			return lex_fail(lx, "bad timestamp: expected integer "
					    "milliseconds");
		}
		s->ts_ms = ts;
		s->has_ts = 1;
		skip_blanks(lx);
		if (lx->p < lx->end)
			return lex_fail(lx, "unexpected text after timestamp");
	}
	return 0;
}

static int add_sample(struct lexer *lx, struct prom_expo *e, size_t *cap)
{
	struct prom_sample s = {0};
	int rc;

	s.line = lx->lineno;
	if (!(s.name = lex_name(lx, 1)))
		return lex_fail(lx, "expected a metric name, `#` or an empty "
				    "line");
	if ((rc = lex_sample_tail(lx, &s)) != 0)
		return rc; /* its strings are in the arena */
	if (e->nsamples == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		e->samples = xrealloc(e->samples, *cap * sizeof(*e->samples));
	}
	e->samples[e->nsamples++] = s;
	return 0;
}

/* The family called name, added at the end when new. A hash index (name
 * -> position) keeps this O(1), so a page of n families parses in O(n);
 * families stay in the order they first appear. */
static struct prom_family *family_get(struct lexer *lx, const char *name)
{
	struct prom_expo *e = lx->e;
	const json_t *j;

	if (!lx->famidx)
		lx->famidx = json_object();
	if ((j = json_object_get(lx->famidx, name)))
		return &e->families[json_integer_value(j)];
	if (e->nfamilies == lx->famcap) {
		lx->famcap = lx->famcap ? 2 * lx->famcap : 16;
		e->families =
		    xrealloc(e->families, lx->famcap * sizeof(*e->families));
	}
	json_object_set_new_nocheck(lx->famidx, name,
				    json_integer((json_int_t)e->nfamilies));
	memset(&e->families[e->nfamilies], 0, sizeof(*e->families));
	e->families[e->nfamilies].name = xstrdup(name);
	return &e->families[e->nfamilies++];
}

/* Unescapes HELP text (\\ and \n; other backslashes stay as written). */
static int help_text(struct lexer *lx, char **out)
{
	struct buf b = BUF_INIT;

	while (lx->p < lx->end) {
		size_t n;
		if (*lx->p == '\\' && lx->p + 1 < lx->end &&
		    (lx->p[1] == '\\' || lx->p[1] == 'n')) {
			buf_putc(&b, lx->p[1] == 'n' ? '\n' : '\\');
			lx->p += 2;
			continue;
		}
		n = utf8_len((const unsigned char *)lx->p,
			     (size_t)(lx->end - lx->p));
		if (!n) {
			buf_free(&b);
			return lex_fail(lx, "HELP text is not valid UTF-8");
		}
		buf_add(&b, lx->p, n);
		lx->p += n;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

static int valid_type(const char *t)
{
	static const char *const types[] = {"counter", "gauge",	  "histogram",
					    "summary", "untyped", NULL};
	for (int i = 0; types[i]; i++)
		if (!strcmp(t, types[i]))
			return 1;
	return 0;
}

/* `# HELP name text` or `# TYPE name type`; other comments are ignored. */
static int lex_comment(struct lexer *lx)
{
	struct prom_family *f;
	int help;
	char *name, *text = NULL;
	int rc = 0;

	lx->p++;
	skip_blanks(lx);
	if (lx->end - lx->p >= 4 &&
	    (!strncmp(lx->p, "HELP", 4) || !strncmp(lx->p, "TYPE", 4)) &&
	    (lx->end - lx->p == 4 || lx->p[4] == ' ' || lx->p[4] == '\t'))
		help = lx->p[0] == 'H';
	else
		return 0;
	lx->p += 4;
	skip_blanks(lx);
	if (!(name = lex_name(lx, 1)))
		return lex_fail(lx, "expected a metric name after HELP/TYPE");
	if (lx->p < lx->end && *lx->p != ' ' && *lx->p != '\t')
		return lex_fail(lx, "expected a space after the metric name");
	skip_blanks(lx);
	f = family_get(lx, name);
	if (help) {
		if (f->help)
			return lex_fail(lx, "second HELP line for this metric");
		if ((rc = help_text(lx, &text)) == 0)
			f->help = text;
		return rc;
	}
	text = strndup(lx->p, (size_t)(lx->end - lx->p));
	while (*text && strchr(" \t", text[strlen(text) - 1]))
		text[strlen(text) - 1] = 0;
	if (f->type)
		rc = lex_fail(lx, "second TYPE line for this metric");
	else if (!valid_type(text))
		rc = lex_fail(lx, "unknown TYPE: expected counter, gauge, "
				  "histogram, summary or untyped");
	if (rc) {
		free(text);
		return rc;
	}
	f->type = text;
	return 0;
}

static int cmp_label_ptr(const void *a, const void *b)
{
	const struct prom_label *x = *(const struct prom_label *const *)a;
	const struct prom_label *y = *(const struct prom_label *const *)b;
	return strcmp(x->name, y->name);
}

/* Appends the identity of a series to key: name and labels sorted by
 * name, with 0xff separators (never in UTF-8). Fails on a repeated label
 * name. Exporters mostly write labels sorted, so sorting is skipped then. */
static int series_key(const struct prom_sample *s, struct buf *key,
		      const char *file, struct ml_err *err)
{
	const struct prom_label *few[16], **ls = few;
	int sorted = 1, rc = 0;

	buf_puts(key, s->name);
	if (s->nlabels > 16)
		ls = xmalloc(s->nlabels * sizeof(*ls));
	for (size_t i = 0; i < s->nlabels; i++) {
		ls[i] = &s->labels[i];
		if (i && strcmp(ls[i - 1]->name, ls[i]->name) >= 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(ls, s->nlabels, sizeof(*ls), cmp_label_ptr);
	for (size_t i = 0; i < s->nlabels && !rc; i++) {
		if (i && !strcmp(ls[i]->name, ls[i - 1]->name)) {
			rc = ml_err_at(err, ML_EINPUT, file, s->line, 0,
				       "label `%s` appears twice in one sample",
				       ls[i]->name);
			break;
		}
		buf_putc(key, '\xff');
		buf_puts(key, ls[i]->name);
		buf_putc(key, '\xff');
		buf_puts(key, ls[i]->value);
	}
	if (ls != few)
		free(ls);
	return rc;
}

struct keyed {
	size_t off, len; /* in the shared key buffer */
	int line;
};

static int cmp_keyed(const void *a, const void *b, void *base)
{
	const struct keyed *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp((char *)base + x->off, (char *)base + y->off, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->line - y->line;
}

/* Rejects two samples of the same series (Prometheus refuses such a
 * scrape too), in O(n log n), with all keys in one buffer. */
static int check_duplicates(const struct prom_expo *e, const char *file,
			    struct ml_err *err)
{
	struct keyed *k = xcalloc(e->nsamples ? e->nsamples : 1, sizeof(*k));
	struct buf keys = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < e->nsamples && !rc; i++) {
		k[i].off = keys.len;
		rc = series_key(&e->samples[i], &keys, file, err);
		k[i].len = keys.len - k[i].off;
		k[i].line = e->samples[i].line;
	}
	if (!rc && e->nsamples) {
		qsort_r(k, e->nsamples, sizeof(*k), cmp_keyed, keys.data);
		for (i = 1; i < e->nsamples; i++) {
			if (k[i].len != k[i - 1].len ||
			    memcmp(keys.data + k[i].off,
				   keys.data + k[i - 1].off, k[i].len))
				continue;
			rc = ml_err_at(err, ML_EINPUT, file, k[i].line, 0,
				       "duplicate series: the same metric and "
				       "labels as line %d",
				       k[i - 1].line);
			break;
		}
	}
	free(k);
	buf_free(&keys);
	return rc;
}

/* Parses one line (without its newline). */
static int parse_line(struct lexer *lx, struct prom_expo *e, size_t *cap)
{
	skip_blanks(lx);
	if (lx->p == lx->end)
		return 0;
	if (*lx->p == '#')
		return lex_comment(lx);
	return add_sample(lx, e, cap);
}

int prom_expo_parse(const char *text, size_t len, const char *name,
		    struct prom_expo *out, struct ml_err *err)
{
	struct lexer lx = {0};
	const char *p = text, *end = text + len;
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	lx.file = name;
	lx.err = err;
	lx.e = out;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *nul = memchr(p, 0, (size_t)(le - p));

		lx.lineno++;
		lx.line = lx.p = p;
		lx.end = le;
		if (lx.end > p && lx.end[-1] == '\r')
			lx.end--;
		if (nul) {
			lx.p = nul;
			rc = lex_fail(&lx, "NUL byte in exposition text");
			break;
		}
		rc = parse_line(&lx, out, &cap);
		p = nl ? nl + 1 : end;
	}
	free(lx.scratch);
	json_decref(lx.famidx);
	if (!rc)
		rc = check_duplicates(out, name, err);
	if (rc)
		prom_expo_free(out);
	return rc;
}

void prom_expo_free(struct prom_expo *e)
{
	if (!e)
		return;
	while (e->arena) {
		struct arena_block *b = e->arena;
		e->arena = b->next;
		free(b);
	}
	for (size_t i = 0; i < e->nfamilies; i++) {
		free(e->families[i].name);
		free(e->families[i].type);
		free(e->families[i].help);
	}
	free(e->samples);
	free(e->families);
	memset(e, 0, sizeof(*e));
}

const char *prom_sample_label(const struct prom_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i].name, name))
			return s->labels[i].value;
	return NULL;
}

const char *prom_expo_type(const struct prom_expo *e, const char *name)
{
	for (size_t i = 0; i < e->nfamilies; i++)
		if (!strcmp(e->families[i].name, name))
			return e->families[i].type;
	return NULL;
}

json_t *prom_labels_json(const struct prom_sample *s, const char *skip)
{
	json_t *o = json_object();

	for (size_t i = 0; i < s->nlabels; i++)
		if (!skip || strcmp(s->labels[i].name, skip))
			json_object_set_new(o, s->labels[i].name,
					    json_string(s->labels[i].value));
	return o;
}
