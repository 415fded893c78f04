/* iris_data.c: reading the Iris data set from CSV (with the project's CSV
 * reader), class and feature names, and sha256 helpers (OpenSSL EVP). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "irisd.h"
#include "csv/csv.h"

const char *const iris_feature_names[IRIS_NFEAT] = {
    "sepal_length", "sepal_width", "petal_length", "petal_width"};
const char *const iris_class_names[IRIS_NCLASS] = {"setosa", "versicolor",
						   "virginica"};

int iris_class_index(const char *name)
{
	if (!strncmp(name, "Iris-", 5))
		name += 5;
	for (int c = 0; c < IRIS_NCLASS; c++)
		if (!strcmp(name, iris_class_names[c]))
			return c;
	return -1;
}

/* Copies at most 40 bytes of s into out, printable ASCII only ('?' for
 * anything else), so hostile input cannot garble an error message. */
static void quote(const char *s, size_t len, char out[48])
{
	size_t i, n = len < 40 ? len : 40;

	for (i = 0; i < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > n)
		memcpy(out + i, "...", 3), i += 3;
	out[i] = '\0';
}

/* Maps header fields to columns: col[0..3] features, col[4] species. */
static int read_header(const char *path, struct csv_field *f, size_t nf,
		       uint64_t line, size_t col[5], struct ml_err *err)
{
	for (int k = 0; k < 5; k++) {
		const char *want = k < 4 ? iris_feature_names[k] : "species";
		size_t i;

		for (i = 0; i < nf; i++)
			if (!strcmp(f[i].p, want))
				break;
		if (i == nf)
			return ml_err_at(
			    err, ML_EINPUT, path, (int)line, 0,
			    "header has no column `%s` (expected "
			    "sepal_length,sepal_width,petal_length,"
			    "petal_width,species)",
			    want);
		col[k] = i;
	}
	return 0;
}

/* Parses one data row into r. */
static int read_row(const char *path, struct csv_field *f, size_t nf,
		    uint64_t line, const size_t col[5], struct iris_row *r,
		    struct ml_err *err)
{
	char q[48];

	for (int k = 0; k < 5; k++)
		if (col[k] >= nf)
			return ml_err_at(err, ML_EINPUT, path, (int)line, 0,
					 "row has %zu fields, expected at "
					 "least %zu",
					 nf, col[k] + 1);
	for (int k = 0; k < IRIS_NFEAT; k++) {
		int is_int;
		struct csv_field *x = &f[col[k]];

		if (csv_parse_num(x->p, x->len, &r->x[k], &is_int) != 0 ||
		    !isfinite(r->x[k])) {
			quote(x->p, x->len, q);
			return ml_err_at(err, ML_EINPUT, path, (int)line,
					 (int)col[k] + 1,
					 "%s: `%s` is not a finite number",
					 iris_feature_names[k], q);
		}
	}
	r->y = iris_class_index(f[col[4]].p);
	if (r->y < 0 || strlen(f[col[4]].p) != f[col[4]].len) {
		quote(f[col[4]].p, f[col[4]].len, q);
		return ml_err_at(err, ML_EINPUT, path, (int)line,
				 (int)col[4] + 1,
				 "species `%s` is not setosa, versicolor or "
				 "virginica",
				 q);
	}
	return 0;
}

/* Reads every row after the header; blank lines are skipped. */
static int read_rows(const char *path, struct csv_reader *rd,
		     struct iris_data *d, struct ml_err *err)
{
	struct csv_field *f;
	size_t nf, col[5], cap = 0;
	uint64_t line;
	int rc, have_header = 0;

	while ((rc = csv_next(rd, &f, &nf, &line, err)) == 1) {
		if (nf == 1 && f[0].len == 0)
			continue;
		if (!have_header) {
			if ((rc = read_header(path, f, nf, line, col, err)))
				return rc;
			have_header = 1;
			continue;
		}
		if (d->n == IRIS_MAX_ROWS)
			return ml_err_at(err, ML_EINPUT, path, (int)line, 0,
					 "more than %d rows", IRIS_MAX_ROWS);
		if (d->n == cap) {
			cap = cap ? 2 * cap : 256;
			d->rows = xrealloc(d->rows, cap * sizeof(*d->rows));
		}
		if ((rc =
			 read_row(path, f, nf, line, col, &d->rows[d->n], err)))
			return rc;
		d->n++;
	}
	if (rc < 0)
		return err->code ? err->code : ML_EIO;
	if (!have_header)
		return ml_err_at(err, ML_EINPUT, path, 1, 0,
				 "empty file: expected a header line");
	if (d->n == 0)
		return ml_err_at(err, ML_EINPUT, path, 2, 0,
				 "no data rows after the header");
	return 0;
}

int iris_data_load(const char *path, struct iris_data *d, struct ml_err *err)
{
	struct csv_reader *rd = NULL;
	const struct csv_reader_issues *is;
	int rc;

	memset(d, 0, sizeof(*d));
	if (iris_sha256_file(path, d->sha256) != 0)
		return ml_err_at(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				 path, 0, 0, "cannot read: %s",
				 strerror(errno));
	if ((rc = csv_open(path, ',', 1 << 20, &rd, err)) != 0)
		return rc;
	rc = read_rows(path, rd, d, err);
	is = csv_reader_issues(rd);
	if (!rc && (is->bad_quote.count || is->unterminated.count))
		rc = ml_err_at(err, ML_EINPUT, path,
			       (int)(is->bad_quote.count
					 ? is->bad_quote.lines[0]
					 : is->unterminated.lines[0]),
			       0, "bad CSV quoting");
	csv_close(rd);
	if (rc)
		iris_data_free(d);
	return rc;
}

void iris_data_free(struct iris_data *d)
{
	free(d->rows);
	d->rows = NULL;
	d->n = 0;
}

void iris_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

int iris_sha256_file(const char *path, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), e = 0;

	if (fd < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		e = ENOMEM;
	while (!e && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = errno;
		else
			EVP_DigestUpdate(ctx, chunk, (size_t)n);
	}
	if (!e)
		EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (e) {
		errno = e;
		return -1;
	}
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}
