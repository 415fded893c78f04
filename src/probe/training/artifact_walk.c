/* artifact_walk.c: lists the files under a path for the artifact probe,
 * iteratively (one open directory at a time, no recursion), with the
 * symlink policy documented in docs/probes/artifact.md. */
#include "probe/training/artifact.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"

static struct artifact_file *add(struct artifact_list *l, const char *rel,
				 const char *path)
{
	struct artifact_file *f;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->rel = xstrdup(rel);
	f->path = xstrdup(path);
	return f;
}

void artifact_list_free(struct artifact_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].rel);
		free(l->v[i].path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int skipped(const struct stat *st, const struct artifact_skip *skip,
		   size_t nskip)
{
	for (size_t i = 0; i < nskip; i++)
		if (skip[i].dev == st->st_dev && skip[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* Stack of folders still to read (relative names). */
struct dirstack {
	char **v;
	size_t n, cap;
};

static void push_dir(struct dirstack *s, const char *rel)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = xstrdup(rel);
}

/* Classifies one directory entry and adds it to l or the stack. */
static void visit(const char *root, const char *rel, int dfd, const char *name,
		  const struct artifact_skip *skip, size_t nskip,
		  struct artifact_list *l, struct dirstack *dirs)
{
	struct buf r = BUF_INIT, p = BUF_INIT;
	struct stat st, tst;
	struct artifact_file *f;

	buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", name);
	buf_printf(&p, "%s/%s", root, buf_str(&r));
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		add(l, buf_str(&r), buf_str(&p))->err = errno;
	} else if (S_ISDIR(st.st_mode)) {
		push_dir(dirs, buf_str(&r));
	} else if (S_ISREG(st.st_mode)) {
		if (!skipped(&st, skip, nskip))
			add(l, buf_str(&r), buf_str(&p))->size = st.st_size;
	} else if (S_ISLNK(st.st_mode)) {
		if (fstatat(dfd, name, &tst, 0) < 0) {
			add(l, buf_str(&r), buf_str(&p))->err = errno;
		} else if (S_ISREG(tst.st_mode)) {
			if (!skipped(&tst, skip, nskip))
				add(l, buf_str(&r), buf_str(&p))->size =
				    tst.st_size;
		} else {
			f = add(l, buf_str(&r), buf_str(&p));
			f->skip = S_ISDIR(tst.st_mode)
				      ? "symlink to a folder (not followed)"
				      : "symlink to a special file";
		}
	} else {
		add(l, buf_str(&r), buf_str(&p))->skip =
		    "not a regular file (fifo, socket or device)";
	}
	buf_free(&r);
	buf_free(&p);
}

/* Reads one folder of the walk. An unreadable folder becomes an entry
 * with err set. */
static void read_dir(const char *root, const char *rel,
		     const struct artifact_skip *skip, size_t nskip,
		     struct artifact_list *l, struct dirstack *dirs)
{
	struct buf p = BUF_INIT;
	struct dirent *de;
	DIR *d;

	buf_printf(&p, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(buf_str(&p));
	if (!d) {
		add(l, *rel ? rel : ".", buf_str(&p))->err = errno;
		buf_free(&p);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		visit(root, rel, dirfd(d), de->d_name, skip, nskip, l, dirs);
	}
	closedir(d);
	buf_free(&p);
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const struct artifact_file *)a)->rel,
		      ((const struct artifact_file *)b)->rel);
}

int artifact_walk(const char *root, const struct artifact_skip *skip,
		  size_t nskip, struct artifact_list *out, int *is_dir,
		  struct ml_err *err)
{
	struct dirstack dirs = {0};
	struct stat st;
	const char *base;

	if (stat(root, &st) < 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "%s: %s", root, strerror(errno));
	*is_dir = S_ISDIR(st.st_mode);
	if (!*is_dir) {
		if (!S_ISREG(st.st_mode))
			return ml_err_set(err, ML_EINPUT,
					  "%s: not a file or folder", root);
		base = strrchr(root, '/');
		add(out, base && base[1] ? base + 1 : root, root)->size =
		    st.st_size;
		return 0;
	}
	push_dir(&dirs, "");
	while (dirs.n) {
		char *rel = dirs.v[--dirs.n];
		read_dir(root, rel, skip, nskip, out, &dirs);
		free(rel);
	}
	free(dirs.v);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_rel);
	return 0;
}
