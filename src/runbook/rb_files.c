/* rb_files.c: finding runbook files under a path: *.yaml / *.yml,
 * recursively, skipping scenario tests (*.test.yaml), contacts.yaml (the
 * rotations file), hidden entries and symlinked folders; sorted so output
 * is stable. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb.h"

/* Deepest folder nesting searched. */
#define RB_FILES_MAX_DEPTH 16

struct list {
	char ***v;
	size_t *n;
	size_t cap;
};

static void push(struct list *l, char *path)
{
	if (*l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		*l->v = xrealloc(*l->v, l->cap * sizeof(char *));
	}
	(*l->v)[(*l->n)++] = path;
}

/* contacts.yaml is the team's rotations (an `mloncall serve --config`
 * file kept next to the catalogue, runbooks/contacts.yaml), not a
 * runbook. */
static int is_runbook_name(const char *name)
{
	if (str_ends(name, ".test.yaml") || str_ends(name, ".test.yml"))
		return 0;
	if (!strcmp(name, "contacts.yaml") || !strcmp(name, "contacts.yml"))
		return 0;
	return str_ends(name, ".yaml") || str_ends(name, ".yml");
}

static int walk(const char *dir, int depth, struct list *l, struct ml_err *err)
{
	DIR *d;
	struct dirent *e;

	if (depth > RB_FILES_MAX_DEPTH)
		return 0;
	if (!(d = opendir(dir)))
		return ml_err_at(err, ML_EIO, dir, 0, 0,
				 "cannot open folder: %s", strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct buf p = BUF_INIT;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		buf_printf(&p, "%s%s%s", dir, str_ends(dir, "/") ? "" : "/",
			   e->d_name);
		if (lstat(buf_str(&p), &st) != 0) {
			buf_free(&p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int rc = walk(buf_str(&p), depth + 1, l, err);

			buf_free(&p);
			if (rc) {
				closedir(d);
				return rc;
			}
		} else if (is_runbook_name(e->d_name) &&
			   (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
			push(l, buf_detach(&p, NULL));
		} else {
			buf_free(&p);
		}
	}
	closedir(d);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rb_find_files(const char *path, char ***paths, size_t *n,
		  struct ml_err *err)
{
	struct list l = {paths, n, *n};
	size_t first = *n;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0)
		return ml_err_at(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				 path, 0, 0, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		push(&l, xstrdup(path));
		return 0;
	}
	if ((rc = walk(path, 0, &l, err)) != 0)
		return rc;
	qsort(*paths + first, *n - first, sizeof(char *), cmp_str);
	return 0;
}
