/* csv_table.c: loads a CSV file into typed columns (see csv_table.h). The
 * first CSV_INFER_ROWS data rows are kept aside, types are inferred from
 * them, then they and the rest of the file stream into the columns. */
#include "core/dur.h"
#include "csv/csv_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/buf.h"
#include "csv/csv_dict.h"

/* Rows kept for type inference: their field bytes and offsets. */
struct sample {
	struct buf text;
	size_t *off, *len; /* per field */
	size_t nfield, fcap;
	size_t *row_first, *row_nf; /* per row */
	uint64_t *row_line;
	size_t nrow;
};

struct loader {
	struct csv_table *t;
	const struct csv_load_opts *o;
	size_t cap; /* rows allocated in every column */
	struct ml_err *err;
};

const char *csv_type_name(enum csv_type t)
{
	static const char *n[] = {"empty", "bool", "int", "float", "string"};
	return t <= CSV_STRING ? n[t] : "?";
}

int csv_type_parse(const char *s, enum csv_type *t)
{
	static const struct {
		const char *name;
		enum csv_type t;
	} m[] = {{"bool", CSV_BOOL},	     {"boolean", CSV_BOOL},
		 {"int", CSV_INT},	     {"integer", CSV_INT},
		 {"float", CSV_FLOAT},	     {"number", CSV_FLOAT},
		 {"double", CSV_FLOAT},	     {"string", CSV_STRING},
		 {"str", CSV_STRING},	     {"category", CSV_STRING},
		 {"categorical", CSV_STRING}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(s, m[i].name)) {
			*t = m[i].t;
			return 0;
		}
	return -1;
}

int csv_type_numeric(enum csv_type t)
{
	return t == CSV_INT || t == CSV_FLOAT;
}

struct csv_col *csv_table_col(const struct csv_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

void csv_table_free(struct csv_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncols; i++) {
		struct csv_col *c = &t->cols[i];
		free(c->name);
		free(c->num);
		free(c->fix);
		free(c->code);
		for (uint32_t k = 0; k < c->nlevels; k++)
			free(c->levels[k]);
		free(c->levels);
		csv_dict_free(c->dict);
	}
	free(t->cols);
	free(t->lines);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

/* Valid UTF-8 copy of s: bytes that do not start a valid sequence become
 * '?'. Caller frees. */
static char *utf8_copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	for (size_t i = 0; i < n;) {
		unsigned char b = (unsigned char)c[i];
		size_t need = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
		if (need &&
		    (i + need >= n || !csv_utf8_valid(c + i, need + 1))) {
			c[i++] = '?';
			continue;
		}
		i += need + 1;
	}
	return c;
}

static int set_header(struct csv_table *t, struct csv_field *f, size_t nf,
		      struct ml_err *err)
{
	t->cols = calloc(nf, sizeof(*t->cols));
	if (!t->cols)
		return ml_err_set(err, ML_ENOMEM, "out of memory");
	t->ncols = nf;
	for (size_t i = 0; i < nf; i++) {
		struct csv_col *c = &t->cols[i];
		if (f[i].len == 0) {
			struct buf b = BUF_INIT;
			buf_printf(&b, "column_%zu", i + 1);
			c->name = buf_detach(&b, NULL);
		} else {
			c->name = utf8_copy(f[i].p, f[i].len);
		}
		if (!c->name)
			return ml_err_set(err, ML_ENOMEM, "out of memory");
		for (size_t k = 0; k < i; k++)
			if (!strcmp(t->cols[k].name, c->name))
				return ml_err_at(err, ML_EINPUT, t->file, 1, 0,
						 "duplicate column name `%s` "
						 "(columns %zu and %zu)",
						 c->name, k + 1, i + 1);
	}
	return 0;
}

static int is_bool(const char *s, size_t n, int *v)
{
	if (n == 4 && !strncasecmp(s, "true", 4))
		return *v = 1, 1;
	if (n == 5 && !strncasecmp(s, "false", 5))
		return *v = 0, 1;
	return 0;
}

/* Infers one column's type from the sample. */
static enum csv_type infer(const struct sample *s, size_t col)
{
	size_t nonempty = 0, nbool = 0, nnum = 0, nint = 0, nfin = 0;

	for (size_t r = 0; r < s->nrow; r++) {
		size_t k = s->row_first[r] + col;
		const char *p;
		double v;
		int isint, b;
		if (col >= s->row_nf[r] || s->len[k] == 0)
			continue;
		p = s->text.data + s->off[k];
		nonempty++;
		if (is_bool(p, s->len[k], &b))
			nbool++;
		else if (!csv_parse_num(p, s->len[k], &v, &isint)) {
			nnum++;
			nfin += isfinite(v) != 0;
			nint += isint && fabs(v) <= 9007199254740992.0;
		}
	}
	if (!nonempty)
		return CSV_EMPTY;
	if (nbool == nonempty)
		return CSV_BOOL;
	if (nnum == nonempty || (nonempty >= 10 && nnum * 10 >= nonempty * 9))
		return nint == nfin ? CSV_INT : CSV_FLOAT;
	return CSV_STRING;
}

static int grow_rows(struct loader *L)
{
	struct csv_table *t = L->t;
	size_t ncap = L->cap ? L->cap * 2 : 1024;

	if (!L->o->no_lines) {
		uint32_t *ln = realloc(t->lines, ncap * sizeof(*ln));
		if (!ln)
			return -1;
		t->lines = ln;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		struct csv_col *c = &t->cols[i];
		if (csv_type_numeric(c->type) && c->is_fix) {
			int32_t *p = realloc(c->fix, ncap * sizeof(*p));
			if (!p)
				return -1;
			c->fix = p;
		} else if (csv_type_numeric(c->type)) {
			double *p = realloc(c->num, ncap * sizeof(*p));
			if (!p)
				return -1;
			c->num = p;
		} else {
			uint32_t *p = realloc(c->code, ncap * sizeof(*p));
			if (!p)
				return -1;
			c->code = p;
		}
	}
	L->cap = ncap;
	return 0;
}

static const int64_t pow10i[10] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

double csv_col_num(const struct csv_col *c, size_t row)
{
	if (!c->is_fix)
		return c->num[row];
	if (c->fix[row] == CSV_FIX_NA)
		return NAN;
	return (double)c->fix[row] / csv_pow10[c->scale];
}

uint64_t csv_table_line(const struct csv_table *t, size_t row)
{
	return t->lines ? t->lines[row] : 0;
}

/* Stores an exact decimal in fixed-point form, rescaling the rows before
 * it when it has more fraction digits. Returns -1 when it does not fit
 * (the caller switches the column to doubles). */
static int fix_put(struct csv_col *c, size_t row, const struct csv_dec *d)
{
	int64_t m = d->m, lim = INT32_MAX;
	int e = d->e10;

	for (; e > 0; e--) {
		if (m > lim / 10 || m < -lim / 10)
			return -1;
		m *= 10;
	}
	if (-e > 9)
		return -1;
	if (-e > c->scale) {
		int64_t mult = pow10i[-e - c->scale];
		if (c->fixmax > lim / mult)
			return -1;
		for (size_t i = 0; i < row; i++)
			if (c->fix[i] != CSV_FIX_NA)
				c->fix[i] = (int32_t)(c->fix[i] * mult);
		c->fixmax *= mult;
		c->scale = -e;
	}
	int64_t mult = pow10i[c->scale + e];
	if (m > lim / mult || m < -lim / mult)
		return -1;
	m *= mult;
	c->fix[row] = (int32_t)m;
	if ((m < 0 ? -m : m) > c->fixmax)
		c->fixmax = m < 0 ? -m : m;
	return 0;
}

/* Turns a fixed-point column into doubles (rows before row). */
static int fix_to_double(struct csv_col *c, size_t cap, size_t row)
{
	double *n = malloc((cap ? cap : 1) * sizeof(*n));
	if (!n)
		return -1;
	for (size_t i = 0; i < row; i++)
		n[i] = csv_col_num(c, i);
	free(c->fix);
	c->fix = NULL;
	c->num = n;
	c->is_fix = 0;
	return 0;
}

static void set_na(struct csv_col *c, size_t row)
{
	if (c->is_fix)
		c->fix[row] = CSV_FIX_NA;
	else
		c->num[row] = NAN;
}

static int add_num(struct csv_col *c, size_t row, size_t cap,
		   const struct csv_field *f, uint64_t line)
{
	struct csv_dec dec;
	double v;
	int isint;

	if (f->len == 0) {
		set_na(c, row);
		c->missing++;
		csv_issue_add(&c->null_lines, line);
		return 0;
	}
	if (csv_parse_numx(f->p, f->len, &v, &isint, &dec)) {
		set_na(c, row);
		csv_issue_add(&c->non_numeric, line);
		return 0;
	}
	if (!isfinite(v)) {
		csv_issue_add(isnan(v) ? &c->nan : &c->inf, line);
		set_na(c, row);
		return 0;
	}
	if (!isint && c->type == CSV_INT)
		c->type = CSV_FLOAT;
	if (c->is_fix && dec.ok && !fix_put(c, row, &dec))
		return 0;
	if (c->is_fix && fix_to_double(c, cap, row))
		return -1;
	c->num[row] = v;
	return 0;
}

static int add_code(struct csv_col *c, size_t row, const struct csv_field *f,
		    uint64_t line)
{
	uint32_t code;
	int is_new, b;

	if (f->len == 0) {
		c->code[row] = CSV_NA_CODE;
		c->missing++;
		csv_issue_add(&c->null_lines, line);
		return 0;
	}
	if (c->type == CSV_BOOL) {
		if (is_bool(f->p, f->len, &b)) {
			c->code[row] = (uint32_t)b;
			return 0;
		}
		c->code[row] = CSV_NA_CODE;
		csv_issue_add(&c->non_numeric, line);
		return 0;
	}
	if (c->type == CSV_EMPTY)
		c->type = CSV_STRING;
	if (csv_dict_code(c, f->p, f->len, &code, &is_new))
		return -1;
	if (is_new && !csv_utf8_valid(f->p, f->len)) {
		csv_issue_add(&c->bad_utf8, line);
		char *fixed = utf8_copy(f->p, f->len);
		if (!fixed)
			return -1;
		/* the dictionary keeps matching on the raw bytes; only the
		 * level text shown to users is repaired */
		memcpy(c->levels[code], fixed, f->len);
		free(fixed);
	}
	c->code[row] = code;
	return 0;
}

/* Adds one data row to the columns. */
static int add_row(struct loader *L, struct csv_field *f, size_t nf,
		   uint64_t line)
{
	struct csv_table *t = L->t;
	static const struct csv_field empty = {(char *)"", 0, 0};
	size_t row = t->nrows;

	if (nf == 1 && f[0].len == 0 && !f[0].quoted)
		return 0; /* blank line */
	if (row >= L->cap && grow_rows(L))
		return ml_err_set(L->err, ML_ENOMEM, "out of memory");
	if (nf < t->ncols)
		csv_issue_add(&t->ragged_short, line);
	else if (nf > t->ncols)
		csv_issue_add(&t->ragged_long, line);
	if (t->lines)
		t->lines[row] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	for (size_t i = 0; i < t->ncols; i++) {
		struct csv_col *c = &t->cols[i];
		const struct csv_field *fi = i < nf ? &f[i] : &empty;
		if (csv_type_numeric(c->type)
			? add_num(c, row, L->cap, fi, line)
			: add_code(c, row, fi, line))
			return ml_err_set(L->err, ML_ENOMEM,
					  "out of memory (or over 4 billion "
					  "distinct values in `%s`)",
					  c->name);
	}
	t->nrows++;
	return 0;
}

static void sample_free(struct sample *s)
{
	buf_free(&s->text);
	free(s->off);
	free(s->len);
	free(s->row_first);
	free(s->row_nf);
	free(s->row_line);
}

static int sample_add(struct sample *s, struct csv_field *f, size_t nf,
		      uint64_t line)
{
	size_t r = s->nrow;

	if (s->nfield + nf > s->fcap) {
		size_t n = (s->fcap + nf) * 2;
		size_t *o = realloc(s->off, n * sizeof(*o));
		if (!o)
			return -1;
		s->off = o;
		size_t *l = realloc(s->len, n * sizeof(*l));
		if (!l)
			return -1;
		s->len = l;
		s->fcap = n;
	}
	if (r == 0) {
		s->row_first = malloc(CSV_INFER_ROWS * sizeof(size_t));
		s->row_nf = malloc(CSV_INFER_ROWS * sizeof(size_t));
		s->row_line = malloc(CSV_INFER_ROWS * sizeof(uint64_t));
		if (!s->row_first || !s->row_nf || !s->row_line)
			return -1;
	}
	s->row_first[r] = s->nfield;
	s->row_nf[r] = nf;
	s->row_line[r] = line;
	for (size_t i = 0; i < nf; i++) {
		s->off[s->nfield] = s->text.len;
		s->len[s->nfield++] = f[i].len;
		buf_add(&s->text, f[i].p, f[i].len + 1); /* with its NUL */
	}
	s->nrow++;
	return 0;
}

/* Decides column types from the sample, then feeds the sample rows. */
static int sample_flush(struct loader *L, struct sample *s)
{
	struct csv_table *t = L->t;
	const struct csv_load_opts *o = L->o;
	struct csv_field *f = NULL;
	size_t fcap = 0;
	int rc = 0;

	for (size_t i = 0; i < t->ncols; i++) {
		struct csv_col *c = &t->cols[i];
		uint32_t code;
		int is_new;
		c->type = infer(s, i);
		c->is_fix = 1;
		for (size_t k = 0; o->force_names && o->force_names[k]; k++)
			if (!strcmp(o->force_names[k], c->name))
				c->type = o->force_types[k];
		if (c->type == CSV_BOOL &&
		    (csv_dict_code(c, "false", 5, &code, &is_new) ||
		     csv_dict_code(c, "true", 4, &code, &is_new)))
			return ml_err_set(L->err, ML_ENOMEM, "out of memory");
	}
	for (size_t r = 0; r < s->nrow && !rc; r++) {
		size_t nf = s->row_nf[r];
		if (nf > fcap) {
			free(f);
			fcap = nf;
			f = malloc(fcap * sizeof(*f));
			if (!f)
				return ml_err_set(L->err, ML_ENOMEM,
						  "out of memory");
		}
		for (size_t i = 0; i < nf; i++) {
			size_t k = s->row_first[r] + i;
			f[i].p = s->text.data + s->off[k];
			f[i].len = s->len[k];
			f[i].quoted = 1; /* a blank row was skipped already */
		}
		rc = add_row(L, f, nf, s->row_line[r]);
	}
	free(f);
	return rc;
}

/* The first problem of the table, for --strict. Returns 0 or ML_EINPUT. */
static int strict_check(const struct csv_table *t, struct ml_err *err)
{
	const struct {
		const struct csv_issue *is;
		const char *what;
	} tab[] = {{&t->rd.unterminated, "unterminated quoted field"},
		   {&t->rd.bad_quote, "text after a closing quote"},
		   {&t->rd.truncated, "truncated or corrupt gzip data"},
		   {&t->ragged_short, "fewer fields than the header"},
		   {&t->ragged_long, "more fields than the header"}};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].is->count)
			return ml_err_at(err, ML_EINPUT, t->file,
					 (int)tab[i].is->lines[0], 0,
					 "%s (--strict)", tab[i].what);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct csv_col *c = &t->cols[i];
		if (c->non_numeric.count)
			return ml_err_at(err, ML_EINPUT, t->file,
					 (int)c->non_numeric.lines[0], 0,
					 "column `%s`: value is not a %s "
					 "(--strict)",
					 c->name, csv_type_name(c->type));
		if (c->nan.count || c->inf.count)
			return ml_err_at(err, ML_EINPUT, t->file,
					 (int)(c->nan.count ? c->nan.lines[0]
							    : c->inf.lines[0]),
					 0,
					 "column `%s`: NaN or infinity "
					 "(--strict)",
					 c->name);
		if (c->bad_utf8.count)
			return ml_err_at(
			    err, ML_EINPUT, t->file, (int)c->bad_utf8.lines[0],
			    0, "column `%s`: invalid UTF-8 (--strict)",
			    c->name);
	}
	return 0;
}

static int load_rows(struct loader *L, struct csv_reader *rd)
{
	struct sample s = {.text = BUF_INIT};
	struct csv_field *f;
	size_t nf;
	uint64_t line;
	int got, rc = 0, sampling = 1;
	uint64_t nrec = 0, max_rows = L->o->max_rows
					  ? L->o->max_rows
					  : (uint64_t)ML_CSV_MAX_ROWS;

	while ((got = csv_next(rd, &f, &nf, &line, L->err)) == 1) {
		if (++nrec > max_rows) {
			rc = ml_err_at(L->err, ML_EINPUT, L->t->file, (int)line,
				       0,
				       "more than %llu rows: over the "
				       "limit; raise it with --max-rows if the "
				       "file is genuine",
				       (unsigned long long)max_rows);
			break;
		}
		if (!sampling) {
			if ((rc = add_row(L, f, nf, line)))
				break;
			continue;
		}
		if (nf == 1 && f[0].len == 0 && !f[0].quoted)
			continue;
		if (sample_add(&s, f, nf, line)) {
			rc = ml_err_set(L->err, ML_ENOMEM, "out of memory");
			break;
		}
		if (s.nrow == CSV_INFER_ROWS) {
			sampling = 0;
			if ((rc = sample_flush(L, &s)))
				break;
		}
	}
	if (got < 0)
		rc = L->err->code ? L->err->code : ML_EIO;
	if (!rc && sampling)
		rc = sample_flush(L, &s);
	sample_free(&s);
	return rc;
}

int csv_table_load(const char *path, const struct csv_load_opts *o,
		   struct csv_table *t, struct ml_err *err)
{
	struct loader L = {t, o, 0, err};
	struct csv_reader *rd;
	struct csv_field *f;
	size_t nf;
	uint64_t line;
	double t0 = time_mono_s();
	int rc, got;

	memset(t, 0, sizeof(*t));
	t->file = strdup(path);
	if ((rc = csv_open(path, o->delim, o->max_row, &rd, err))) {
		csv_table_free(t);
		return rc;
	}
	csv_set_max_bytes(rd, o->max_bytes ? o->max_bytes
					   : (uint64_t)ML_CSV_MAX_BYTES);
	got = csv_next(rd, &f, &nf, &line, err);
	if (got == 0)
		rc = ml_err_at(err, ML_EINPUT, path, 1, 0,
			       "empty file: expected a header row");
	else if (got < 0)
		rc = err->code;
	else
		rc = set_header(t, f, nf, err);
	if (!rc)
		rc = load_rows(&L, rd);
	if (!rc) {
		t->rd = *csv_reader_issues(rd);
		t->bytes = t->rd.bytes;
		if (o->strict)
			rc = strict_check(t, err);
	}
	csv_close(rd);
	t->t_parse = time_mono_s() - t0;
	if (rc)
		csv_table_free(t);
	return rc;
}

int csv_delim_parse(const char *s, char *d, struct ml_err *err)
{
	if (!strcmp(s, "tab") || !strcmp(s, "\\t"))
		return *d = '\t', 0;
	if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
		return ml_err_set(err, ML_EUSAGE,
				  "--delimiter must be one character (or "
				  "`tab`), not a quote or newline: `%s`",
				  s);
	*d = s[0];
	return 0;
}
