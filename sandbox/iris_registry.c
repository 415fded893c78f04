/* iris_registry.c: the model registry folder: DIR/<version>/model.json and
 * meta.json per version, and DIR/manifest.sha256 (sha256sum format) over
 * all of them, which `mloncall check artifact DIR --manifest
 * DIR/manifest.sha256` verifies. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "irisd.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t iris_registry_list(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct buf p = BUF_INIT;
		struct stat st;

		if (!iris_version_ok(e->d_name))
			continue;
		buf_printf(&p, "%s/%s/model.json", dir, e->d_name);
		if (stat(buf_str(&p), &st) == 0 && S_ISREG(st.st_mode)) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = xstrdup(e->d_name);
		}
		buf_free(&p);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

void iris_registry_next_version(const char *dir, char *out, size_t n)
{
	char **v;
	size_t cnt = iris_registry_list(dir, &v);
	long best = 0;

	for (size_t i = 0; i < cnt; i++) {
		char *end;
		long k;

		if (v[i][0] == 'v' && v[i][1] >= '0' && v[i][1] <= '9') {
			k = strtol(v[i] + 1, &end, 10);
			if (*end == '\0' && k > best && k < 1000000)
				best = k;
		}
		free(v[i]);
	}
	free(v);
	snprintf(out, n, "v%ld", best + 1);
}

/* Appends "<sha>  <version>/<file>\n" for one file when it exists. */
static int add_line(struct buf *m, const char *dir, const char *ver,
		    const char *file, struct ml_err *err)
{
	struct buf p = BUF_INIT;
	char sha[65];
	int rc = 0;

	buf_printf(&p, "%s/%s/%s", dir, ver, file);
	if (iris_sha256_file(buf_str(&p), sha) == 0)
		buf_printf(m, "%s  %s/%s\n", sha, ver, file);
	else if (errno != ENOENT)
		rc = ml_err_at(err, ML_EIO, buf_str(&p), 0, 0,
			       "cannot read: %s", strerror(errno));
	buf_free(&p);
	return rc;
}

int iris_registry_write_manifest(const char *dir, struct ml_err *err)
{
	struct buf m = BUF_INIT, p = BUF_INIT;
	char **v;
	size_t n = iris_registry_list(dir, &v);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = add_line(&m, dir, v[i], "meta.json", err);
		if (!rc)
			rc = add_line(&m, dir, v[i], "model.json", err);
		free(v[i]);
	}
	free(v);
	buf_printf(&p, "%s/manifest.sha256", dir);
	if (!rc && buf_write_file_atomic(buf_str(&p), buf_str(&m), m.len))
		rc = ml_err_at(err, ML_EIO, buf_str(&p), 0, 0,
			       "cannot write: %s", strerror(errno));
	buf_free(&m);
	buf_free(&p);
	return rc;
}
