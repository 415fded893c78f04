/* ckpt_dir.c: folder mode of the checkpoint probe: checks every file of a
 * folder (and of its immediate subfolders, as in checkpoint-500/), orders
 * them by training progress (step/epoch from the file, else from the
 * name, then mtime), flags files much smaller than their predecessors,
 * and names the newest valid checkpoint for the recovery runbook. */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

#define SHRINK_RATIO 0.5 /* smaller than this x predecessor: flagged */
#define MAX_FILES 10000

struct item {
	char *path;
	json_t *ff;
	long long step, epoch;
	double mtime;
};

static const char *const exts[] = {".pt",	   ".pth", ".bin", ".ckpt",
				   ".safetensors", ".tar", NULL};

static int ckpt_name(const char *p)
{
	for (size_t i = 0; exts[i]; i++)
		if (str_ends(p, exts[i]))
			return 1;
	return 0;
}

/* The number after word in name ("step_1200", "epoch=5", "checkpoint-500"),
 * or -1. */
static long long num_after(const char *name, const char *word)
{
	long long v = -1;

	for (const char *p = strcasestr(name, word); p;
	     p = strcasestr(p + 1, word)) {
		const char *q = p + strlen(word);
		while (*q == '_' || *q == '-' || *q == '=')
			q++;
		if (isdigit((unsigned char)*q))
			v = strtoll(q, NULL, 10);
	}
	return v;
}

static void order_keys(struct item *it, const char *rel)
{
	it->step = jget_int(it->ff, "step", -1);
	it->epoch = jget_int(it->ff, "epoch", -1);
	if (it->step < 0) {
		static const char *const w[] = {"global_step", "step", "iter",
						"checkpoint",  "ckpt", NULL};
		for (size_t i = 0; w[i] && it->step < 0; i++)
			it->step = num_after(rel, w[i]);
	}
	if (it->epoch < 0)
		it->epoch = num_after(rel, "epoch");
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->step >= 0 && y->step >= 0 && x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->epoch >= 0 && y->epoch >= 0 && x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->path, y->path);
}

struct list {
	struct item *v;
	size_t n, cap;
	json_t *skipped;
};

static void add_file(struct list *l, const char *path, const char *rel,
		     const struct stat *st, const struct ckpt_opts *o)
{
	struct ml_err err = {0};
	json_t *ff = NULL, *name = ckpt_jstr(rel, strlen(rel), 4096);
	struct item it = {0};

	rel = json_string_value(name); /* valid UTF-8 from here on */
	if (l->n >= MAX_FILES) {
		json_decref(name);
		return;
	}
	if (o->progress && o->deep)
		fprintf(o->progress, "checking %s\n", path);
	if (ckpt_check_file(path, o, &ff, &err)) {
		ff = json_pack("{s:s, s:s, s:[]}", "path", rel, "verdict",
			       "failed", "reasons");
		probe_reason(ff, PV_FAILED, "unreadable", "%s", err.msg);
	}
	if (!strcmp(jget_str(ff, "format", "unknown"), "unknown") &&
	    !ckpt_name(path)) {
		json_array_append_new(l->skipped, json_string(rel));
		json_decref(ff);
		json_decref(name);
		return;
	}
	jset_str(ff, "path", rel);
	it.path = xstrdup(rel);
	it.ff = ff;
	it.mtime = (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec / 1e9;
	order_keys(&it, rel);
	json_decref(name);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = it;
}

/* Adds the regular files of dir (and, when depth is 0, of its
 * subfolders). */
static int scan(struct list *l, const char *dir, const char *rel, int depth,
		const struct ckpt_opts *o, struct ml_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf p = BUF_INIT, r = BUF_INIT;

	if (!d)
		return depth ? 0
			     : ml_err_set(err, ML_EIO, "%s: cannot read folder",
					  dir);
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_reset(&r);
		buf_printf(&p, "%s/%s", dir, de->d_name);
		buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (stat(buf_str(&p), &st))
			continue;
		if (S_ISREG(st.st_mode))
			add_file(l, buf_str(&p), buf_str(&r), &st, o);
		else if (S_ISDIR(st.st_mode) && depth == 0)
			scan(l, buf_str(&p), buf_str(&r), 1, o, err);
	}
	closedir(d);
	buf_free(&p);
	buf_free(&r);
	return 0;
}

/* Flags files much smaller than the largest valid predecessor of the same
 * format. */
static void shrunk(struct list *l, json_t *facts)
{
	json_t *out = json_array();

	for (size_t i = 1; i < l->n; i++) {
		long long big = 0, sz = jget_int(l->v[i].ff, "size", 0);
		const char *fmt = jget_str(l->v[i].ff, "format", "");
		for (size_t k = 0; k < i; k++)
			if (probe_verdict_of(l->v[k].ff) < PV_DEGRADED &&
			    !strcmp(jget_str(l->v[k].ff, "format", ""), fmt) &&
			    jget_int(l->v[k].ff, "size", 0) > big)
				big = jget_int(l->v[k].ff, "size", 0);
		if (big && sz < SHRINK_RATIO * (double)big) {
			probe_reason(l->v[i].ff, PV_DEGRADED, "shrunk",
				     "%lld bytes, less than half of an earlier "
				     "checkpoint (%lld bytes)",
				     sz, big);
			json_array_append_new(out, json_string(l->v[i].path));
		}
	}
	json_object_set_new(facts, "shrunk", out);
}

static void summarize(struct list *l, const char *dir, json_t *facts)
{
	json_t *files = json_array();
	long long valid = 0, bad = 0;
	const struct item *newest = NULL, *last = l->n ? &l->v[l->n - 1] : NULL;

	for (size_t i = 0; i < l->n; i++) {
		json_t *ff = l->v[i].ff;
		if (probe_verdict_of(ff) < PV_DEGRADED) {
			valid++;
			newest = &l->v[i];
		} else {
			bad++;
		}
		json_object_del(ff, "tensors");
		json_array_append(files, ff);
	}
	json_object_set_new(facts, "files", files);
	jset_int(facts, "checked", (long long)l->n);
	jset_int(facts, "valid", valid);
	jset_int(facts, "invalid", bad);
	json_object_set(facts, "skipped", l->skipped);
	jset_str(facts, "newest", last ? last->path : NULL);
	jset_str(facts, "newest_valid", newest ? newest->path : NULL);
	if (newest) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s%s%s", dir, str_ends(dir, "/") ? "" : "/",
			   newest->path);
		jset_str(facts, "resume_path", buf_str(&b));
		buf_free(&b);
	} else {
		json_object_set_new(facts, "resume_path", json_null());
	}
	if (newest && newest->step >= 0)
		jset_int(facts, "resume_step", newest->step);
	else
		json_object_set_new(facts, "resume_step", json_null());
	if (newest && newest->epoch >= 0)
		jset_int(facts, "resume_epoch", newest->epoch);
	else
		json_object_set_new(facts, "resume_epoch", json_null());
	if (!l->n)
		probe_reason(facts, PV_FAILED, "no_checkpoints",
			     "no checkpoint files in the folder");
	else if (!newest)
		probe_reason(facts, PV_FAILED, "no_valid_checkpoint",
			     "none of the %zu checkpoints is valid", l->n);
	else if (bad)
		probe_reason(facts, PV_DEGRADED, "invalid_checkpoints",
			     "%lld of %zu checkpoints failed a check; resume "
			     "from %s",
			     bad, l->n, newest->path);
	if (newest && last && newest != last)
		probe_reason(facts, PV_DEGRADED, "newest_invalid",
			     "the newest checkpoint %s is not valid",
			     last->path);
}

int ckpt_check_dir(const char *path, const struct ckpt_opts *o, json_t *facts,
		   struct ml_err *err)
{
	struct list l = {0};
	int rc;

	l.skipped = json_array();
	rc = scan(&l, path, "", 0, o, err);
	if (!rc) {
		if (l.n)
			qsort(l.v, l.n, sizeof(*l.v), cmp_item);
		shrunk(&l, facts);
		summarize(&l, path, facts);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].path);
		json_decref(l.v[i].ff);
	}
	free(l.v);
	json_decref(l.skipped);
	return rc;
}
