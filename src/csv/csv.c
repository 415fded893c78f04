/* csv.c: the streaming RFC 4180 tokenizer (see csv.h). Input comes through
 * zlib's gzread, which reads plain files transparently and inflates gzip
 * ones. Rows are cut out of one large buffer; a row that crosses the end of
 * the buffer is moved to the front and parsing of that row restarts after
 * the next read, so fields are only unescaped once a row is complete. */
#include "csv/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CSV_READ_CHUNK (4u * 1024 * 1024)

struct csv_reader {
	gzFile gz;
	char *path;
	char *buf;
	size_t cap, beg, end; /* data is buf[beg..end) */
	int eof;
	char delim;
	size_t max_row;
	uint64_t max_bytes; /* 0: unbounded */
	struct csv_field *f;
	size_t fcap;
	uint64_t line; /* line where the next row starts */
	int started;
	struct csv_reader_issues is;
};

void csv_issue_add(struct csv_issue *is, uint64_t line)
{
	if (is->count < CSV_FIRST_LINES)
		is->lines[is->count] = line;
	is->count++;
}

int csv_open(const char *path, char delim, size_t max_row,
	     struct csv_reader **out, struct ml_err *err)
{
	struct csv_reader *r;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);

	*out = NULL;
	if (fd < 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "%s: %s", path, strerror(errno));
	r = calloc(1, sizeof(*r));
	if (!r || !(r->gz = gzdopen(fd, "rb"))) {
		close(fd);
		free(r);
		return ml_err_set(err, ML_ENOMEM, "%s: out of memory", path);
	}
	gzbuffer(r->gz, 1u << 20);
	r->path = strdup(path);
	r->delim = delim ? delim : ',';
	r->max_row = max_row ? max_row : CSV_MAX_ROW_DEFAULT;
	r->cap = CSV_READ_CHUNK;
	r->buf = malloc(r->cap + 1);
	r->line = 1;
	if (!r->buf || !r->path) {
		csv_close(r);
		return ml_err_set(err, ML_ENOMEM, "%s: out of memory", path);
	}
	*out = r;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	free(r->path);
	free(r->buf);
	free(r->f);
	free(r);
}

void csv_set_max_bytes(struct csv_reader *r, uint64_t max_bytes)
{
	r->max_bytes = max_bytes;
}

/* How much fill() may ask gzread for: the free space, capped at 1 GiB and
 * at one byte past max_bytes (so going over is seen, not read in full). */
static unsigned read_size(const struct csv_reader *r)
{
	size_t want = r->cap - r->end;

	if (want > (1u << 30))
		want = 1u << 30;
	if (r->max_bytes && r->max_bytes + 1 - r->is.bytes < want)
		want = (size_t)(r->max_bytes + 1 - r->is.bytes);
	return (unsigned)want;
}

const struct csv_reader_issues *csv_reader_issues(const struct csv_reader *r)
{
	return &r->is;
}

/* Reads more input after buf[end]; compacts or grows first. Returns 0
 * (maybe with eof set) or -1. */
static int fill(struct csv_reader *r, struct ml_err *err)
{
	size_t have = r->end - r->beg;
	int n;

	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, have);
		r->beg = 0;
		r->end = have;
	}
	if (have >= r->max_row) /* buf[beg..end) is one unfinished row */
		return ml_err_at(err, ML_EINPUT, r->path, (int)r->line, 0,
				 "row longer than %zu bytes (an unterminated "
				 "quote?)",
				 r->max_row);
	if (r->cap - r->end < CSV_READ_CHUNK / 2) {
		size_t ncap = r->cap * 2;
		char *nb;
		nb = realloc(r->buf, ncap + 1);
		if (!nb)
			return ml_err_set(err, ML_ENOMEM, "out of memory");
		r->buf = nb;
		r->cap = ncap;
	}
	n = gzread(r->gz, r->buf + r->end, read_size(r));
	if (n < 0) {
		int zerr;
		const char *m = gzerror(r->gz, &zerr);
		if (zerr == Z_ERRNO)
			return ml_err_set(err, ML_EIO, "%s: %s", r->path,
					  strerror(errno));
		(void)m;
		csv_issue_add(&r->is.truncated, r->line);
		n = 0;
	}
	if (n == 0) {
		int zerr = Z_OK;
		gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR)
			if (!r->is.truncated.count)
				csv_issue_add(&r->is.truncated, r->line);
		r->eof = 1;
	}
	r->end += (size_t)n;
	r->is.bytes += (uint64_t)n;
	r->buf[r->end] = '\0';
	if (r->max_bytes && r->is.bytes > r->max_bytes)
		return ml_err_at(err, ML_EINPUT, r->path, (int)r->line, 0,
				 "more than %llu bytes of CSV (after gzip "
				 "decompression): over the limit; raise it "
				 "with --max-bytes if the file is genuine",
				 (unsigned long long)r->max_bytes);
	return 0;
}

static int add_field(struct csv_reader *r, size_t nf, char *p, size_t len,
		     int quoted)
{
	if (nf >= r->fcap) {
		size_t ncap = r->fcap ? r->fcap * 2 : 64;
		struct csv_field *nfp = realloc(r->f, ncap * sizeof(*nfp));
		if (!nfp)
			return -1;
		r->f = nfp;
		r->fcap = ncap;
	}
	r->f[nf].p = p;
	r->f[nf].len = len;
	r->f[nf].quoted = quoted;
	return 0;
}

/* Removes the doubled quotes of a quoted field in place. */
static void unescape(struct csv_field *f)
{
	char *w = f->p, *s = f->p, *e = f->p + f->len;

	while (s < e) {
		char c = *s++;
		*w++ = c;
		if (c == '"' && s < e && *s == '"')
			s++;
	}
	f->len = (size_t)(w - f->p);
}

/* States of try_row. */
enum { ROW_OK = 0, ROW_MORE = 1, ROW_NONE = 2, ROW_ERR = -1, ROW_LONG = -2 };

/* scan_quoted: the quote is still open at end of input. */
#define QUOTE_OPEN_AT_EOF 3

/* Scans a quoted field starting after the opening quote at *ip. Sets
 * *flen, *esc and leaves *ip after the closing quote. Returns ROW_OK,
 * ROW_MORE (need data) or QUOTE_OPEN_AT_EOF. */
static int scan_quoted(struct csv_reader *r, size_t *ip, size_t *flen, int *esc,
		       uint64_t *nl)
{
	size_t i = *ip, start = i;
	char *b = r->buf;

	for (;;) {
		char *q = memchr(b + i, '"', r->end - i);
		size_t stop = q ? (size_t)(q - b) : r->end;
		for (char *c = memchr(b + i, '\n', stop - i); c;
		     c = memchr(c + 1, '\n', (size_t)(b + stop - c - 1)))
			(*nl)++;
		if (!q) {
			if (!r->eof)
				return ROW_MORE;
			*flen = r->end - start;
			*ip = r->end;
			return QUOTE_OPEN_AT_EOF;
		}
		i = stop + 1;
		if (i == r->end && !r->eof)
			return ROW_MORE;
		if (i < r->end && b[i] == '"') {
			*esc = 1;
			i++;
			continue;
		}
		*flen = stop - start;
		*ip = i;
		return ROW_OK;
	}
}

/* Tries to cut one complete row at buf[beg]. */
static int try_row(struct csv_reader *r, size_t *nfp, uint64_t *nl)
{
	char *b = r->buf;
	size_t i = r->beg, nf = 0;
	char d = r->delim;

	*nl = 0;
	if (i == r->end)
		return r->eof ? ROW_NONE : ROW_MORE;
	for (;;) {
		size_t fs = i, flen;
		int esc = 0, quoted = 0;
		if (i < r->end && b[i] == '"') {
			int st;
			quoted = 1;
			i++;
			fs = i;
			st = scan_quoted(r, &i, &flen, &esc, nl);
			if (st == ROW_MORE)
				return ROW_MORE;
			if (st == QUOTE_OPEN_AT_EOF)
				csv_issue_add(&r->is.unterminated, r->line);
			if (i < r->end && b[i] != d && b[i] != '\n' &&
			    b[i] != '\r') {
				csv_issue_add(&r->is.bad_quote, r->line + *nl);
				while (i < r->end && b[i] != d &&
				       b[i] != '\n' && b[i] != '\r')
					i++;
			}
		} else {
			while (i < r->end && b[i] != d && b[i] != '\n' &&
			       b[i] != '\r')
				i++;
			flen = i - fs;
		}
		if (add_field(r, nf, b + fs, flen, quoted))
			return ROW_ERR;
		r->f[nf++].quoted = quoted | (esc << 1);
		if (i == r->end) {
			if (!r->eof)
				return ROW_MORE;
			break;
		}
		if (b[i] == d) {
			i++;
			continue;
		}
		if (b[i] == '\r') {
			if (i + 1 == r->end && !r->eof)
				return ROW_MORE;
			i++;
			if (i < r->end && b[i] == '\n')
				i++;
		} else {
			i++;
		}
		(*nl)++;
		break;
	}
	if (i - r->beg > r->max_row)
		return ROW_LONG;
	*nfp = nf;
	r->beg = i;
	return ROW_OK;
}

int csv_next(struct csv_reader *r, struct csv_field **fields, size_t *nfields,
	     uint64_t *line, struct ml_err *err)
{
	size_t nf = 0;
	uint64_t nl = 0;
	int st;

	for (;;) {
		st = try_row(r, &nf, &nl);
		if (st == ROW_OK)
			break;
		if (st == ROW_NONE)
			return 0;
		if (st == ROW_ERR)
			return ml_err_set(err, ML_ENOMEM, "out of memory"), -1;
		if (st == ROW_LONG)
			return ml_err_at(err, ML_EINPUT, r->path, (int)r->line,
					 0,
					 "row longer than %zu bytes (an "
					 "unterminated quote?)",
					 r->max_row),
			       -1;
		if (fill(r, err))
			return -1;
		if (!r->started) {
			r->started = 1;
			if (r->end >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3)) {
				r->beg = 3;
				r->is.had_bom = 1;
			}
		}
	}
	for (size_t k = 0; k < nf; k++) {
		struct csv_field *f = &r->f[k];
		if (f->quoted & 2)
			unescape(f);
		f->quoted &= 1;
		f->p[f->len] = '\0';
	}
	*fields = r->f;
	*nfields = nf;
	*line = r->line;
	r->line += nl;
	return 1;
}
