/* artifact.c: the `artifact` probe: sha256 of every file under a path
 * against a manifest (missing, extra, mismatched, unreadable files), and
 * writing a manifest. The walk, the hashing and the manifest formats are
 * in artifact_walk.c, artifact_hash.c and artifact_manifest.c. */
#include <errno.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/training/artifact.h"
#include "probe/probe.h"

/* A problem list in the facts, capped at ART_MAX_LIST entries. */
static void list_add(json_t *f, const char *key, json_t *item)
{
	json_t *a = json_object_get(f, key);
	char ck[64];

	snprintf(ck, sizeof(ck), "%s_count", key);
	jset_int(f, ck, jget_int(f, ck, 0) + 1);
	if (json_array_size(a) < ART_MAX_LIST)
		json_array_append_new(a, item);
	else
		json_decref(item);
}

static json_t *hex_json(const unsigned char sha[32])
{
	char hex[65];

	artifact_hex(sha, hex);
	return json_string(hex);
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* The manifest entry for file f, or NULL. For a single-file check the
 * entry may name the file with a folder in front. */
static const struct artifact_entry *entry_for(const struct artifact_manifest *m,
					      const struct artifact_file *f,
					      int is_dir)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->v[mid].name, f->rel);
		if (!c)
			return &m->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; !is_dir && i < m->n; i++)
		if (!strcmp(base_name(m->v[i].name), f->rel))
			return &m->v[i];
	return NULL;
}

static void check_file(json_t *f, const struct artifact_file *a,
		       const struct artifact_entry *e, int64_t *ok)
{
	if (a->err) {
		list_add(f, "unreadable",
			 json_pack("{s:o, s:s}", "path",
				   artifact_json_name(a->rel), "error",
				   strerror(a->err)));
	} else if (!e) {
		list_add(f, "extra", artifact_json_name(a->rel));
	} else if (memcmp(e->sha, a->sha, 32) ||
		   (e->size >= 0 && e->size != a->size)) {
		json_t *j = json_pack(
		    "{s:o, s:o, s:o, s:I}", "path", artifact_json_name(a->rel),
		    "expected", hex_json(e->sha), "actual", hex_json(a->sha),
		    "size", (json_int_t)a->size);
		if (e->size >= 0)
			jset_int(j, "expected_size", e->size);
		list_add(f, "mismatched", j);
	} else {
		(*ok)++;
	}
}

/* Compares the hashed files with the manifest, filling the lists. */
static void compare(json_t *f, const struct artifact_list *l,
		    const struct artifact_manifest *m, int is_dir)
{
	char *used = xcalloc(m->n ? m->n : 1, 1);
	int64_t ok = 0, ignored = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct artifact_entry *e;
		if (l->v[i].skip)
			continue;
		e = entry_for(m, &l->v[i], is_dir);
		if (e)
			used[e - m->v] = 1;
		check_file(f, &l->v[i], e, &ok);
	}
	for (size_t i = 0; i < m->n; i++) {
		if (used[i])
			continue;
		if (is_dir)
			list_add(f, "missing",
				 artifact_json_name(m->v[i].name));
		else
			ignored++;
	}
	if (!is_dir && !ok && !jget_int(f, "mismatched_count", 0) &&
	    !jget_int(f, "unreadable_count", 0)) {
		/* the one file is not in the manifest: it is missing there */
		json_array_clear(json_object_get(f, "extra"));
		jset_int(f, "extra_count", 0);
		list_add(f, "missing",
			 artifact_json_name(l->n ? l->v[0].rel : ""));
	}
	jset_int(f, "ok", ok);
	jset_int(f, "ignored", ignored);
	free(used);
}

static void verdict(json_t *f)
{
	long long n;

	if ((n = jget_int(f, "mismatched_count", 0)))
		probe_reason(f, PV_FAILED, "mismatch",
			     "%lld file(s) differ from the manifest", n);
	if ((n = jget_int(f, "missing_count", 0)))
		probe_reason(f, PV_FAILED, "missing",
			     "%lld file(s) of the manifest are not there", n);
	if ((n = jget_int(f, "unreadable_count", 0)))
		probe_reason(f, PV_FAILED, "unreadable",
			     "%lld file(s) could not be read", n);
	if ((n = jget_int(f, "extra_count", 0)))
		probe_reason(f, PV_DEGRADED, "extra",
			     "%lld file(s) are not in the manifest", n);
}

static json_t *new_facts(const struct probe_ctx *ctx)
{
	json_t *f = probe_facts_new("artifact");
	const char *keys[] = {"mismatched", "missing", "extra", "unreadable",
			      "skipped"};

	jset_str(f, "path", jget_str(ctx->args, "path", NULL));
	jset_str(f, "manifest", jget_str(ctx->args, "manifest", NULL));
	jset_str(f, "manifest_format", NULL);
	jset_int(f, "manifest_entries", 0);
	jset_int(f, "files", 0);
	jset_int(f, "bytes", 0);
	jset_int(f, "threads", 0);
	jset_int(f, "ok", 0);
	jset_int(f, "ignored", 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char ck[64];
		snprintf(ck, sizeof(ck), "%s_count", keys[i]);
		jset_int(f, ck, 0);
		json_object_set_new(f, keys[i], json_array());
	}
	return f;
}

/* The manifest files themselves are not part of the artifact. */
static size_t skip_list(const struct probe_ctx *ctx, struct artifact_skip *s)
{
	const char *paths[] = {jget_str(ctx->args, "manifest", NULL),
			       jget_str(ctx->args, "write-manifest", NULL)};
	size_t n = 0;
	struct stat st;

	for (size_t i = 0; i < 2; i++)
		if (paths[i] && stat(paths[i], &st) == 0) {
			s[n].dev = st.st_dev;
			s[n++].ino = st.st_ino;
		}
	return n;
}

static void summarize(json_t *f, const struct artifact_list *l, int threads)
{
	int64_t bytes = 0, files = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].skip) {
			list_add(f, "skipped",
				 json_pack("{s:o, s:s}", "path",
					   artifact_json_name(l->v[i].rel),
					   "reason", l->v[i].skip));
			continue;
		}
		if (!l->v[i].err) {
			files++;
			bytes += l->v[i].size;
		}
	}
	jset_int(f, "files", files);
	jset_int(f, "bytes", bytes);
	jset_int(f, "threads", threads);
}

/* Without a manifest the facts list every hash, like sha256sum. */
static void list_hashes(json_t *f, const struct artifact_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].skip && !l->v[i].err)
			json_array_append_new(
			    a, json_pack("{s:o, s:o, s:I}", "path",
					 artifact_json_name(l->v[i].rel),
					 "sha256", hex_json(l->v[i].sha),
					 "size", (json_int_t)l->v[i].size));
		else if (l->v[i].err)
			list_add(f, "unreadable",
				 json_pack("{s:o, s:s}", "path",
					   artifact_json_name(l->v[i].rel),
					   "error", strerror(l->v[i].err)));
	json_object_set_new(f, "entries", a);
}

static int write_manifest(const struct probe_ctx *ctx, json_t *f,
			  const struct artifact_list *l, struct ml_err *err)
{
	const char *out = jget_str(ctx->args, "write-manifest", NULL);

	if (!out)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].err)
			return ml_err_set(err, ML_EIO, "%s: %s; not writing %s",
					  l->v[i].path, strerror(l->v[i].err),
					  out);
	if (ctx->dry_run) {
		probe_reason(f, PV_HEALTHY, "dry-run",
			     "would write %s (dry run)", out);
		return 0;
	}
	jset_str(f, "written", out);
	return artifact_manifest_write(out, l, err);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *path = jget_str(ctx->args, "path", ".");
	const char *mpath = jget_str(ctx->args, "manifest", NULL);
	struct artifact_manifest m = {0};
	struct artifact_list l = {0};
	struct artifact_skip skip[2];
	int is_dir = 0, threads = 0, rc;

	*facts = NULL;
	if (mpath && (rc = artifact_manifest_load(mpath, &m, err)) != 0) {
		artifact_manifest_free(&m);
		return rc;
	}
	rc = artifact_walk(path, skip, skip_list(ctx, skip), &l, &is_dir, err);
	if (!rc)
		rc = artifact_hash(&l, (int)jget_int(ctx->args, "threads", 0),
				   ctx->progress, ctx->cancel, &threads, err);
	if (!rc) {
		*facts = new_facts(ctx);
		jset_str(*facts, "manifest_format", mpath ? m.format : NULL);
		jset_int(*facts, "manifest_entries", (long long)m.n);
		summarize(*facts, &l, threads);
		if (mpath && is_dir)
			artifact_manifest_strip(&m, path);
		if (mpath)
			compare(*facts, &l, &m, is_dir);
		else
			list_hashes(*facts, &l);
		verdict(*facts);
		rc = write_manifest(ctx, *facts, &l, err);
	}
	artifact_list_free(&l);
	artifact_manifest_free(&m);
	return rc;
}

static void render_list(struct buf *out, const json_t *f, const char *key,
			const char *label)
{
	const json_t *v;
	char ck[64];
	size_t i;

	snprintf(ck, sizeof(ck), "%s_count", key);
	json_array_foreach(json_object_get(f, key), i, v)
	{
		if (json_is_string(v)) {
			buf_printf(out, "  %-10s %s\n", label,
				   json_string_value(v));
			continue;
		}
		buf_printf(out, "  %-10s %s", label, jget_str(v, "path", "?"));
		if (json_object_get(v, "expected"))
			buf_printf(out,
				   "\n             expected %s\n"
				   "             actual   %s",
				   jget_str(v, "expected", ""),
				   jget_str(v, "actual", ""));
		if (json_object_get(v, "error"))
			buf_printf(out, ": %s", jget_str(v, "error", ""));
		if (json_object_get(v, "reason"))
			buf_printf(out, ": %s", jget_str(v, "reason", ""));
		buf_putc(out, '\n');
	}
	if (jget_int(f, ck, 0) >
	    (long long)json_array_size(json_object_get(f, key)))
		buf_printf(out, "  ... and more (see -o json *_count)\n");
}

/* A sha256sum-style line, escaped as GNU does for \\ and newlines. */
static void render_entry(struct buf *out, const json_t *v)
{
	const char *name = jget_str(v, "path", "");
	int esc = strpbrk(name, "\\\n\r") != NULL;

	buf_printf(out, "%s%s  ", esc ? "\\" : "", jget_str(v, "sha256", ""));
	for (; *name; name++)
		if (esc && strchr("\\\n\r", *name))
			buf_printf(out, "\\%c",
				   *name == '\n'   ? 'n'
				   : *name == '\r' ? 'r'
						   : '\\');
		else
			buf_putc(out, *name);
	buf_putc(out, '\n');
}

static void render(const json_t *f, struct buf *out)
{
	const json_t *v;
	size_t i;

	buf_printf(out, "artifact: %s\n", jget_str(f, "verdict", "unknown"));
	json_array_foreach(json_object_get(f, "reasons"), i, v)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(v, "level", "?"),
		       jget_str(v, "code", "?"), jget_str(v, "message", ""));
	buf_printf(out, "%lld files, %.1f MiB hashed on %lld threads",
		   jget_int(f, "files", 0),
		   (double)jget_int(f, "bytes", 0) / (1024.0 * 1024.0),
		   jget_int(f, "threads", 0));
	if (json_is_string(json_object_get(f, "manifest")))
		buf_printf(out, "; manifest %s (%s, %lld entries), %lld match",
			   jget_str(f, "manifest", ""),
			   jget_str(f, "manifest_format", ""),
			   jget_int(f, "manifest_entries", 0),
			   jget_int(f, "ok", 0));
	buf_putc(out, '\n');
	if (json_is_string(json_object_get(f, "written")))
		buf_printf(out, "wrote %s\n", jget_str(f, "written", ""));
	render_list(out, f, "mismatched", "MISMATCH");
	render_list(out, f, "missing", "MISSING");
	render_list(out, f, "extra", "EXTRA");
	render_list(out, f, "unreadable", "UNREADABLE");
	render_list(out, f, "skipped", "SKIPPED");
	json_array_foreach(json_object_get(f, "entries"), i, v)
	    render_entry(out, v);
}

static const struct probe_opt opts[] = {
    {"path", PO_PATH, "file or folder to check", NULL, 1, 1},
    {"manifest", PO_PATH, "manifest to compare with (sha256sum format or JSON)",
     NULL, 0, 0},
    {"write-manifest", PO_PATH,
     "write the hashes to this file (.json: JSON, else sha256sum format)", NULL,
     0, 0},
    {"threads", PO_INT, "hashing threads (0: one per CPU)", "0", 0, 0},
    {0}};

const struct probe_def probe_artifact = {
    .name = "artifact",
    .summary = "sha256 of every file against a manifest (missing, extra, "
	       "changed)",
    .help = "Hashes every file under PATH with sha256, in parallel on all\n"
	    "CPUs, and compares with a manifest: `sha256sum` output (also\n"
	    "binary `*` entries, GNU backslash-escaped names and --tag lines)\n"
	    "or JSON ({\"files\": {\"PATH\": \"SHA256\"}} or a list of\n"
	    "{\"path\", \"sha256\", \"size\"}). Names are relative to PATH.\n"
	    "Symlinks to files are followed; symlinks to folders are not.\n"
	    "Details: docs/probes/artifact.md.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check artifact models/llm-7b --write-manifest "
	    "llm-7b.sha256\n"
	    "  mloncall check artifact models/llm-7b --manifest "
	    "llm-7b.sha256\n"
	    "  (cd models/llm-7b && sha256sum *) > sums; mloncall check "
	    "artifact models/llm-7b --manifest sums -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
