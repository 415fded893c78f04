/* rb_files.c: finding runbook files under a path: *.yaml / *.yml,
 * recursively, skipping scenario tests (*.test.yaml), contacts.yaml (the
 * rotations file), hidden entries and symlinked folders; sorted so output
 * is stable. Also the two ways every caller loads them: all of a folder
 * (rb_load_dir) and the one with an id (rb_find_by_id). */
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

int rb_load_dir(const char *path, struct rb_dir *d, struct ml_err *err)
{
	size_t first = d->n;
	int rc = rb_find_files(path, &d->paths, &d->n, err);

	d->rbs = xrealloc(d->rbs, (d->n + 1) * sizeof(*d->rbs));
	d->errs = xrealloc(d->errs, (d->n + 1) * sizeof(*d->errs));
	for (size_t i = first; i < d->n; i++) {
		d->rbs[i] = NULL;
		ml_err_clear(&d->errs[i]);
		if (rb_load_file(d->paths[i], &d->rbs[i], &d->errs[i]) == 0)
			d->loaded++;
		else
			d->rbs[i] = NULL;
	}
	return rc;
}

void rb_dir_free(struct rb_dir *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->rbs)
			rb_free(d->rbs[i]);
		free(d->paths[i]);
	}
	free(d->paths);
	free(d->rbs);
	free(d->errs);
	memset(d, 0, sizeof(*d));
}

static int not_found(const char *dir, const char *id, const char **ids,
		     struct ml_err *err)
{
	const char *near = str_nearest(id, ids);

	return ml_err_set(err, ML_ENOTFOUND,
			  "no runbook with id `%s` under %s%s%s%s", id, dir,
			  near ? "; did you mean `" : "", near ? near : "",
			  near ? "`?" : "");
}

int rb_find_by_id(const char *dir, const char *id, struct rb_runbook **out,
		  struct ml_err *err)
{
	char **paths = NULL;
	const char **ids;
	size_t n = 0, nid = 0;
	int rc;

	*out = NULL;
	if ((rc = rb_find_files(dir, &paths, &n, err)) != 0)
		ml_err_prefix(err, "runbook id `%s`", id);
	ids = xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n && !rc && !*out; i++) {
		struct rb_runbook *rb = NULL;
		struct ml_err e2;

		if (rb_load_file(paths[i], &rb, &e2) != 0)
			continue;
		if (rb->id && !strcmp(rb->id, id))
			*out = rb;
		else {
			ids[nid++] = xstrdup(rb->id ? rb->id : "");
			rb_free(rb);
		}
	}
	if (!rc && !*out)
		rc = not_found(dir, id, ids, err);
	for (size_t i = 0; i < nid; i++)
		free((char *)ids[i]);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(ids);
	free(paths);
	return rc;
}
