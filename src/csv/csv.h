/* csv.h: a fast RFC 4180 CSV reader (quoted fields, embedded newlines,
 * CRLF, BOM, any one-byte delimiter, gzip input) and a column store built
 * on it with type inference (bool, int, float, string; empty = missing).
 * One pass over large reads; fields are slices into the read buffer,
 * unescaped in place; numbers are parsed exactly (correctly rounded) and
 * independent of the locale. Problems (ragged rows, non-numeric values in
 * numeric columns, NaN/inf, bad quoting, truncated gzip) are counted with
 * the first line numbers and the rest is still read, unless strict. */
#ifndef ML_CSV_H
#define ML_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* One field of the current row: p[len] is NUL, p is valid until the next
 * csv_next(). quoted: the field was in double quotes. */
struct csv_field {
	char *p;
	size_t len;
	int quoted;
};

/* Largest row (bytes) a reader accepts unless told otherwise; a row over
 * it is an input error (an unterminated quote usually, or a gzip bomb
 * without newlines). The read buffer grows to about twice this, so it
 * bounds memory too: 16 MiB is far above any real record (a 4,096-float
 * embedding in text is ~40 KB); raise it only for such data. */
#define CSV_MAX_ROW_DEFAULT (16u * 1024 * 1024)

/* How many line numbers a problem keeps. */
#define CSV_FIRST_LINES 5

/* A kind of problem met while reading: count and first lines. */
struct csv_issue {
	uint64_t count;
	uint64_t lines[CSV_FIRST_LINES];
};

/* Adds one occurrence at line to an issue. */
void csv_issue_add(struct csv_issue *is, uint64_t line);

struct csv_reader;

/* Opens path ("-" = stdin) for reading; gzip is detected by content.
 * delim is the field separator. max_row bounds one row (0: default).
 * Returns 0 and a reader to free with csv_close(), or ML_ENOTFOUND /
 * ML_EIO with err filled. */
int csv_open(const char *path, char delim, size_t max_row,
	     struct csv_reader **out, struct ml_err *err);

/* Bounds the decompressed bytes the reader will read (0: no bound).
 * Reading past max_bytes makes csv_next fail with ML_EINPUT naming the
 * file and the limit; at most max_bytes + 1 bytes are ever read. */
void csv_set_max_bytes(struct csv_reader *r, uint64_t max_bytes);

/* Reads the next row. Returns 1 with *fields and *nfields (borrowed until the
 * next call) and *line (1-based physical line where the row starts), 0 at
 * end of input, or -1 with err filled (I/O error, row over max_row, input
 * over the csv_set_max_bytes bound).
 * A blank line is a row with one empty field. Bad quoting and a truncated
 * gzip stream are not errors here: see csv_reader_issues(). */
int csv_next(struct csv_reader *r, struct csv_field **fields, size_t *nfields,
	     uint64_t *line, struct ml_err *err);

/* Problems seen so far by the reader itself. */
struct csv_reader_issues {
	struct csv_issue bad_quote;    /* text after a closing quote */
	struct csv_issue unterminated; /* quote open at end of input */
	struct csv_issue truncated;    /* gzip stream cut short or corrupt */
	uint64_t bytes;		       /* bytes of (decompressed) input read */
	int had_bom;
};
const struct csv_reader_issues *csv_reader_issues(const struct csv_reader *r);

/* Closes the file and frees the reader; NULL is a no-op. */
void csv_close(struct csv_reader *r);

/* Parses a whole field as a number: optional spaces, sign, digits with an
 * optional '.', optional exponent; also nan, inf, infinity (any case).
 * Hex, empty, "1e", "." are not numbers. Correctly rounded (exact fast
 * path, strtod from glibc in the C locale otherwise). s must have a
 * readable NUL at s[len] (csv_field guarantees it).
 * Returns 0 and *v, *is_int (no '.', no exponent, not nan/inf), or -1. */
int csv_parse_num(const char *s, size_t len, double *v, int *is_int);

/* A decimal as read: the value is exactly m * 10^e10 (ok = 1 when the
 * exact fast path applied: |m| < 2^53, -22 <= e10 <= 22). */
struct csv_dec {
	int64_t m;
	int e10;
	int ok;
};

/* csv_parse_num that also returns the decimal (dec may be NULL). */
int csv_parse_numx(const char *s, size_t len, double *v, int *is_int,
		   struct csv_dec *dec);

/* Exact powers of ten 1e0..1e22. */
extern const double csv_pow10[23];

/* Nonzero when s[0..len) is valid UTF-8. */
int csv_utf8_valid(const char *s, size_t len);

#endif
