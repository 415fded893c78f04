/* artifact_manifest.c: reads and writes the manifests of the artifact
 * probe: GNU sha256sum lines (with its backslash escaping and BSD --tag
 * form) and JSON ({"files": {NAME: HASH}}, {"files": [{"path", "sha256",
 * "size"}]} or a bare list). Formats: docs/probes/artifact.md. */
#include "probe/training/artifact.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 64 hex digits at p (n bytes available) into sha. Returns 0 or -1. */
static int parse_hex(const char *p, size_t n, unsigned char sha[32])
{
	if (n < 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = hexval((unsigned char)p[2 * i]);
		int lo = hexval((unsigned char)p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		sha[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void add_entry(struct artifact_manifest *m, char *name,
		      const unsigned char sha[32], int64_t size, long line)
{
	struct artifact_entry *e;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	e = &m->v[m->n++];
	e->name = name;
	memcpy(e->sha, sha, 32);
	e->size = size;
	e->line = line;
}

/* "./x" is "x"; "./" alone leaves "" (refused by the callers). */
static void strip_dot(char *name)
{
	while (name[0] == '.' && name[1] == '/')
		memmove(name, name + 2, strlen(name + 2) + 1);
}

/* Undoes GNU escaping (\\ \n \r) of n bytes. Returns a new string, or
 * NULL on a bad escape or a NUL byte. */
static char *unescape(const char *p, size_t n, int escaped)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\0')
			goto bad;
		if (escaped && c == '\\') {
			if (++i >= n)
				goto bad;
			c = p[i] == '\\'  ? '\\'
			    : p[i] == 'n' ? '\n'
			    : p[i] == 'r' ? '\r'
					  : 0;
			if (!c)
				goto bad;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* One non-blank line of a sha256sum manifest. */
static int parse_line(struct artifact_manifest *m, const char *p, size_t n,
		      const char *file, long line, struct ml_err *err)
{
	int escaped = n > 0 && p[0] == '\\';
	unsigned char sha[32];
	const char *name;
	size_t nlen;
	char *s;

	if (escaped) {
		p++;
		n--;
	} else if (n > 0 && p[n - 1] == '\r') {
		n--; /* a manifest written on Windows */
	}
	if (n > 8 && !memcmp(p, "SHA256 (", 8)) {
		/* BSD tag form: SHA256 (NAME) = HASH */
		if (n < 8 + 4 + 64 || memcmp(p + n - 68, ") = ", 4) ||
		    parse_hex(p + n - 64, 64, sha) < 0)
			return ml_err_at(err, ML_EINPUT, file, (int)line, 1,
					 "expected `SHA256 (NAME) = ` and 64 "
					 "hex digits");
		name = p + 8;
		nlen = n - 68 - 8;
	} else {
		if (parse_hex(p, n, sha) < 0)
			return ml_err_at(err, ML_EINPUT, file, (int)line, 1,
					 "expected 64 hex digits of a sha256 "
					 "(sha256sum format)");
		if (n < 67 || p[64] != ' ' || (p[65] != ' ' && p[65] != '*'))
			return ml_err_at(err, ML_EINPUT, file, (int)line, 65,
					 "expected two spaces (or ` *`) and a "
					 "file name after the hash");
		name = p + 66;
		nlen = n - 66;
	}
	s = unescape(name, nlen, escaped);
	if (s)
		strip_dot(s);
	if (!s || !*s) {
		free(s);
		return ml_err_at(err, ML_EINPUT, file, (int)line, 67,
				 "bad file name (empty, NUL byte or a bad "
				 "backslash escape)");
	}
	add_entry(m, s, sha, -1, line);
	return 0;
}

static int parse_sums(struct artifact_manifest *m, const char *data, size_t len,
		      const char *file, struct ml_err *err)
{
	const char *p = data, *end = data + len;
	long line = 0;
	int rc;

	m->format = "sha256sum";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p;

		line++;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e && *q != '#' &&
		    (rc = parse_line(m, p, (size_t)(e - p), file, line, err)))
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* One JSON entry: name + hash (+ optional size). */
static int json_entry(struct artifact_manifest *m, const char *name,
		      const json_t *hash, const json_t *size, long idx,
		      const char *file, struct ml_err *err)
{
	unsigned char sha[32];
	const char *h = json_string_value(hash);

	while (name && name[0] == '.' && name[1] == '/')
		name += 2;
	if (!name || !*name)
		return ml_err_set(err, ML_EINPUT, "%s: entry %ld: bad path",
				  file, idx);
	if (!h || strlen(h) != 64 || parse_hex(h, 64, sha) < 0)
		return ml_err_set(err, ML_EINPUT,
				  "%s: entry %ld (%s): sha256 must be 64 hex "
				  "digits",
				  file, idx, name);
	if (size && (!json_is_integer(size) || json_integer_value(size) < 0))
		return ml_err_set(err, ML_EINPUT,
				  "%s: entry %ld (%s): size must be a "
				  "non-negative integer",
				  file, idx, name);
	add_entry(m, xstrdup(name), sha,
		  size ? (int64_t)json_integer_value(size) : -1, idx);
	return 0;
}

static int parse_json(struct artifact_manifest *m, const char *data, size_t len,
		      const char *file, struct ml_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	json_t *files, *v;
	const char *key, *alg;
	size_t i;
	int rc = 0;

	m->format = "json";
	if (!root)
		return ml_err_at(err, ML_EINPUT, file, je.line, je.column, "%s",
				 je.text);
	files = json_is_array(root) ? root : json_object_get(root, "files");
	alg = json_is_object(root)
		  ? json_string_value(json_object_get(root, "algorithm"))
		  : NULL;
	if (alg && strcmp(alg, "sha256"))
		rc = ml_err_set(err, ML_EINPUT,
				"%s: algorithm `%s` is not supported (sha256)",
				file, alg);
	else if (json_is_object(files)) {
		json_object_foreach(files, key, v) if (!rc) rc =
		    json_entry(m, key, v, NULL, (long)m->n + 1, file, err);
	} else if (json_is_array(files)) {
		json_array_foreach(files, i, v)
		{
			if (rc)
				break;
			if (!json_is_object(v))
				rc = ml_err_set(err, ML_EINPUT,
						"%s: entry %zu: expected an "
						"object with path and sha256",
						file, i + 1);
			else
				rc = json_entry(m,
						json_string_value(
						    json_object_get(v, "path")),
						json_object_get(v, "sha256"),
						json_object_get(v, "size"),
						(long)i + 1, file, err);
		}
	} else {
		rc = ml_err_set(
		    err, ML_EINPUT,
		    "%s: expected {\"files\": {PATH: SHA256}}, "
		    "{\"files\": [{\"path\", \"sha256\"}]} or a list",
		    file);
	}
	json_decref(root);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct artifact_entry *)a)->name,
		      ((const struct artifact_entry *)b)->name);
}

/* Sorts by name; drops exact duplicates, refuses conflicting ones. On
 * either outcome every name is owned by exactly one of m->v[0..m->n): a
 * conflict keeps both entries (no early return mid-compaction, which left
 * one name in two slots and freed it twice). */
static int sort_entries(struct artifact_manifest *m, const char *file,
			struct ml_err *err)
{
	size_t o = 0;
	int rc = 0;

	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), by_name);
	for (size_t i = 0; i < m->n; i++) {
		if (o && !strcmp(m->v[o - 1].name, m->v[i].name)) {
			long a = m->v[o - 1].line, b = m->v[i].line;
			if (!memcmp(m->v[o - 1].sha, m->v[i].sha, 32)) {
				free(m->v[i].name);
				continue;
			}
			if (!rc)
				rc = ml_err_at(err, ML_EINPUT, file,
					       (int)(a > b ? a : b), 1,
					       "two different hashes for "
					       "one file (entries %ld and "
					       "%ld)",
					       a < b ? a : b, a > b ? a : b);
		}
		m->v[o++] = m->v[i];
	}
	m->n = o;
	return rc;
}

int artifact_manifest_parse(const char *data, size_t len, const char *name,
			    struct artifact_manifest *m, struct ml_err *err)
{
	size_t i = 0;
	int rc;

	while (i < len && (data[i] == ' ' || data[i] == '\t' ||
			   data[i] == '\n' || data[i] == '\r'))
		i++;
	if (i < len && (data[i] == '{' || data[i] == '['))
		rc = parse_json(m, data, len, name, err);
	else
		rc = parse_sums(m, data, len, name, err);
	return rc ? rc : sort_entries(m, name, err);
}

int artifact_manifest_load(const char *path, struct artifact_manifest *m,
			   struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc;

	if (buf_read_file(&b, path, ART_MAX_MANIFEST_BYTES) < 0) {
		int e = errno;
		buf_free(&b);
		return ml_err_set(err, e == ENOENT ? ML_ENOTFOUND : ML_EINPUT,
				  "manifest %s: %s", path,
				  e == EFBIG ? "too large" : strerror(e));
	}
	rc = artifact_manifest_parse(b.data ? b.data : "", b.len, path, m, err);
	buf_free(&b);
	return rc;
}

void artifact_manifest_strip(struct artifact_manifest *m, const char *prefix)
{
	size_t n = strlen(prefix);
	int changed = 0;

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	while (n > 2 && prefix[0] == '.' && prefix[1] == '/') {
		prefix += 2;
		n -= 2;
	}
	for (size_t i = 0; n && i < m->n; i++) {
		char *name = m->v[i].name;
		if (!strncmp(name, prefix, n) && name[n] == '/' &&
		    name[n + 1]) {
			memmove(name, name + n + 1, strlen(name + n + 1) + 1);
			changed = 1;
		}
	}
	if (changed && m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), by_name);
}

void artifact_manifest_free(struct artifact_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* One sha256sum line with GNU escaping of \\, \n and \r. */
static void sum_line(struct buf *b, const struct artifact_file *f)
{
	char hex[65];
	int esc = strpbrk(f->rel, "\\\n\r") != NULL;

	artifact_hex(f->sha, hex);
	buf_printf(b, "%s%s  ", esc ? "\\" : "", hex);
	for (const char *p = f->rel; *p; p++) {
		if (esc && (*p == '\\' || *p == '\n' || *p == '\r'))
			buf_printf(b, "\\%c",
				   *p == '\\'	? '\\'
				   : *p == '\n' ? 'n'
						: 'r');
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '\n');
}

static int json_manifest(struct buf *b, const struct artifact_list *l,
			 struct ml_err *err)
{
	json_t *root = json_pack("{s:i, s:s, s:[]}", "version", 1, "algorithm",
				 "sha256", "files");
	json_t *files = json_object_get(root, "files");
	char hex[65], *s;

	for (size_t i = 0; i < l->n; i++) {
		const struct artifact_file *f = &l->v[i];
		json_t *name;
		if (f->skip)
			continue;
		name = json_string(f->rel);
		if (!name) {
			json_decref(root);
			return ml_err_set(err, ML_EINPUT,
					  "%s: the name is not UTF-8; write a "
					  "sha256sum manifest (no .json)",
					  f->path);
		}
		artifact_hex(f->sha, hex);
		json_array_append_new(
		    files, json_pack("{s:o, s:s, s:I}", "path", name, "sha256",
				     hex, "size", (json_int_t)f->size));
	}
	s = json_dumps(root, JSON_INDENT(2));
	buf_puts(b, s);
	buf_putc(b, '\n');
	free(s);
	json_decref(root);
	return 0;
}

int artifact_manifest_write(const char *path, const struct artifact_list *l,
			    struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	if (str_ends(path, ".json"))
		rc = json_manifest(&b, l, err);
	else
		for (size_t i = 0; i < l->n; i++)
			if (!l->v[i].skip)
				sum_line(&b, &l->v[i]);
	if (!rc && buf_write_file_atomic(path, buf_str(&b), b.len) < 0)
		rc = ml_err_set(err, ML_EIO, "cannot write %s: %s", path,
				strerror(errno));
	buf_free(&b);
	return rc;
}

json_t *artifact_json_name(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	for (const char *p = s; *p;) {
		size_t k = 1;
		while (k <= 4 && p[k - 1]) {
			json_t *t = json_stringn(p, k);
			if (t) {
				json_decref(t);
				break;
			}
			k++;
		}
		if (k <= 4 && p[k - 1]) {
			buf_add(&b, p, k);
			p += k;
		} else {
			buf_printf(&b, "\\x%02x", (unsigned char)*p);
			p++;
		}
	}
	j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}
