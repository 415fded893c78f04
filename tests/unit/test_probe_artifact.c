/* test_probe_artifact.c: unit tests of the artifact probe: hashes checked
 * against GNU sha256sum run in the test (names with spaces, newlines,
 * backslashes and non-UTF-8 bytes), missing / extra / mismatched files,
 * manifests written and read back in both formats, the symlink policy,
 * and broken manifests (every truncation, bad hex, bad escapes,
 * duplicates, wrong JSON types, random bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/training/artifact.h"
#include "probe/probe.h"

struct tree {
	char dir[256]; /* the artifact folder */
	char top[256]; /* its parent, for manifests */
};

static void put(const char *dir, const char *name, size_t n, unsigned seed)
{
	struct buf p = BUF_INIT;
	char *data = malloc(n ? n : 1);
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (char)(seed >> 16);
	}
	buf_printf(&p, "%s/%s", dir, name);
	f = fopen(buf_str(&p), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	free(data);
	buf_free(&p);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	struct buf p = BUF_INIT;

	snprintf(t->top, sizeof(t->top), "/tmp/mloncall-art-XXXXXX");
	assert_non_null(mkdtemp(t->top));
	snprintf(t->dir, sizeof(t->dir), "%s/model", t->top);
	mkdir(t->dir, 0755);
	buf_printf(&p, "%s/sub", t->dir);
	mkdir(buf_str(&p), 0755);
	put(t->dir, "empty", 0, 1);
	put(t->dir, "one", 1, 2);
	put(t->dir, "exactly-1mib", ART_READ_BYTES, 3);
	put(t->dir, "1mib-plus-one", ART_READ_BYTES + 1, 4);
	put(t->dir, "weights 3mib.bin", 3 * ART_READ_BYTES + 17, 5);
	put(t->dir, "new\nline", 10, 6);
	put(t->dir, "back\\slash", 11, 7);
	put(t->dir, "bad\xff\xfename", 12, 8);
	put(t->dir, "sub/config.json", 300, 9);
	*state = t;
	buf_free(&p);
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	struct buf c = BUF_INIT;

	buf_printf(&c, "rm -rf '%s'", t->top);
	assert_int_equal(system(buf_str(&c)), 0);
	buf_free(&c);
	free(t);
	return 0;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	struct buf c = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&c, fmt, ap);
	va_end(ap);
	rc = system(buf_str(&c));
	buf_free(&c);
	return rc;
}

/* Runs the probe; returns its status, facts in *f (caller decrefs). */
static int check(const char *path, const char *manifest, const char *write,
		 int threads, json_t **f)
{
	struct ml_err err = {0};
	json_t *args =
	    json_pack("{s:s, s:i}", "path", path, "threads", threads);
	int rc;

	if (manifest)
		json_object_set_new(args, "manifest", json_string(manifest));
	if (write)
		json_object_set_new(args, "write-manifest", json_string(write));
	rc = probe_run(probe_find("artifact"), args, 0, NULL, NULL, f, &err);
	if (rc)
		fprintf(stderr, "probe: %s\n", err.msg);
	json_decref(args);
	return rc;
}

/* Our walk and hashes agree, file by file, with GNU sha256sum's output
 * (which exercises the escaped-name parser too). */
static void test_matches_sha256sum(void **state)
{
	struct tree *t = *state;
	struct artifact_manifest m = {0};
	struct artifact_list l = {0};
	struct ml_err err = {0};
	char sums[300];
	int is_dir, used;

	snprintf(sums, sizeof(sums), "%s/gnu.sha256", t->top);
	assert_int_equal(sh("cd '%s' && find . -type f -print0 | sort -z | "
			    "xargs -0 sha256sum > '%s'",
			    t->dir, sums),
			 0);
	assert_int_equal(artifact_manifest_load(sums, &m, &err), 0);
	assert_int_equal(artifact_walk(t->dir, NULL, 0, &l, &is_dir, &err), 0);
	assert_true(is_dir);
	assert_int_equal(artifact_hash(&l, 3, NULL, NULL, &used, &err), 0);
	assert_int_equal(used, 3);
	assert_int_equal(l.n, 9);
	assert_int_equal(m.n, l.n);
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(m.v[i].name, l.v[i].rel); /* both sorted */
		assert_memory_equal(m.v[i].sha, l.v[i].sha, 32);
		assert_int_equal(l.v[i].err, 0);
	}
	artifact_list_free(&l);
	artifact_manifest_free(&m);
}

static void test_verdicts(void **state)
{
	struct tree *t = *state;
	char sums[300];
	json_t *f;

	snprintf(sums, sizeof(sums), "%s/gnu2.sha256", t->top);
	assert_int_equal(sh("cd '%s' && find . -type f -print0 | xargs -0 "
			    "sha256sum -b > '%s'",
			    t->dir, sums),
			 0);
	assert_int_equal(check(t->dir, sums, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "ok", 0), 9);
	assert_int_equal(jget_int(f, "bytes", 0), 1 + 2 * ART_READ_BYTES + 1 +
						      3 * ART_READ_BYTES + 17 +
						      10 + 11 + 12 + 300);
	json_decref(f);
	/* One byte changed, one file gone, one new. */
	put(t->dir, "one", 1, 99);
	assert_int_equal(sh("rm '%s/sub/config.json'", t->dir), 0);
	put(t->dir, "notes.txt", 5, 1);
	assert_int_equal(check(t->dir, sums, NULL, 1, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_int_equal(jget_int(f, "mismatched_count", 0), 1);
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "mismatched"), 0),
		     "path", ""),
	    "one");
	assert_int_equal(jget_int(f, "missing_count", 0), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(f, "missing"), 0)),
	    "sub/config.json");
	assert_int_equal(jget_int(f, "extra_count", 0), 1);
	assert_int_equal(jget_int(f, "ok", 0), 7);
	json_decref(f);
	/* Only an extra file: degraded, not failed. */
	put(t->dir, "one", 1, 2);
	put(t->dir, "sub/config.json", 300, 9);
	assert_int_equal(check(t->dir, sums, NULL, 2, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	assert_int_equal(sh("rm '%s/notes.txt'", t->dir), 0);
}

/* Names with the folder in front, as `sha256sum dir/...` writes them,
 * relative (checked from the parent folder) and absolute. */
static void test_prefixed_names(void **state)
{
	struct tree *t = *state;
	char sums[300], cwd[1024];
	json_t *f;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(t->top), 0);
	for (int abs = 0; abs < 2; abs++) {
		const char *root = abs ? t->dir : "model/";
		snprintf(sums, sizeof(sums), "%s/pre%d.sha256", t->top, abs);
		assert_int_equal(
		    sh("sha256sum %s/one %s/sub/config.json > '%s'",
		       abs ? t->dir : "model", abs ? t->dir : "./model", sums),
		    0);
		assert_int_equal(check(root, sums, NULL, 0, &f), 0);
		assert_int_equal(jget_int(f, "ok", 0), 2);
		assert_int_equal(jget_int(f, "missing_count", 0), 0);
		assert_int_equal(jget_int(f, "extra_count", 0), 7);
		assert_string_equal(jget_str(f, "verdict", ""), "degraded");
		json_decref(f);
	}
	assert_int_equal(chdir(cwd), 0);
}

static void test_write_roundtrip(void **state)
{
	struct tree *t = *state;
	char path[300];
	json_t *f;

	snprintf(path, sizeof(path), "%s/out.sha256", t->top);
	assert_int_equal(check(t->dir, NULL, path, 0, &f), 0);
	assert_string_equal(jget_str(f, "written", ""), path);
	assert_int_equal(json_array_size(json_object_get(f, "entries")), 9);
	json_decref(f);
	/* GNU sha256sum accepts what we write, escaped names included. */
	assert_int_equal(
	    sh("cd '%s' && sha256sum --quiet --strict -c '%s'", t->dir, path),
	    0);
	assert_int_equal(check(t->dir, path, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "ok", 0), 9);
	json_decref(f);
	/* --dry-run writes nothing. */
	{
		struct ml_err err = {0};
		json_t *args = json_pack("{s:s, s:s}", "path", t->dir,
					 "write-manifest", "dry.sha256");
		char dry[300];

		snprintf(dry, sizeof(dry), "%s/dry.sha256", t->top);
		json_object_set_new(args, "write-manifest", json_string(dry));
		assert_int_equal(probe_run(probe_find("artifact"), args, 1,
					   NULL, NULL, &f, &err),
				 0);
		assert_int_not_equal(access(dry, F_OK), 0);
		assert_true(json_is_null(json_object_get(f, "written")) ||
			    !json_object_get(f, "written"));
		json_decref(f);
		json_decref(args);
	}
	/* A non-UTF-8 name cannot be in JSON: refused, nothing written. */
	snprintf(path, sizeof(path), "%s/out.json", t->top);
	assert_int_equal(check(t->dir, NULL, path, 0, &f), ML_EINPUT);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_json_manifest(void **state)
{
	struct tree *t = *state;
	char path[300], sums[300];
	json_t *f;

	/* Without the non-UTF-8 file, the JSON manifest round-trips. */
	assert_int_equal(sh("mv '%s/bad\xff\xfename' '%s/'", t->dir, t->top),
			 0);
	snprintf(path, sizeof(path), "%s/m.json", t->top);
	assert_int_equal(check(t->dir, NULL, path, 0, &f), 0);
	json_decref(f);
	assert_int_equal(check(t->dir, path, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "manifest_format", ""), "json");
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "ok", 0), 8);
	json_decref(f);
	/* A manifest inside the folder is not an extra file. */
	snprintf(sums, sizeof(sums), "%s/SHA256SUMS", t->dir);
	assert_int_equal(check(t->dir, NULL, sums, 0, &f), 0);
	json_decref(f);
	assert_int_equal(check(t->dir, sums, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	assert_int_equal(sh("rm '%s' && mv '%s/bad\xff\xfename' '%s/'", sums,
			    t->top, t->dir),
			 0);
}

static void test_symlinks_and_single_file(void **state)
{
	struct tree *t = *state;
	char sums[300], file[300];
	json_t *f;

	assert_int_equal(sh("cd '%s' && ln -s one link-to-file && ln -s sub "
			    "link-to-dir && ln -s nowhere dangling",
			    t->dir),
			 0);
	assert_int_equal(check(t->dir, NULL, NULL, 0, &f), 0);
	assert_int_equal(jget_int(f, "files", 0), 10); /* + link-to-file */
	assert_int_equal(jget_int(f, "skipped_count", 0), 1);
	assert_int_equal(jget_int(f, "unreadable_count", 0), 1);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	json_decref(f);
	assert_int_equal(
	    sh("cd '%s' && rm link-to-file link-to-dir dangling", t->dir), 0);
	/* A single file is matched by name, also with a folder in front. */
	snprintf(sums, sizeof(sums), "%s/one.sha256", t->top);
	snprintf(file, sizeof(file), "%s/one", t->dir);
	assert_int_equal(sh("cd '%s' && sha256sum model/one model/empty > '%s'",
			    t->top, sums),
			 0);
	assert_int_equal(check(file, sums, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "ignored", 0), 1);
	json_decref(f);
	snprintf(file, sizeof(file), "%s/1mib-plus-one", t->dir);
	assert_int_equal(check(file, sums, NULL, 0, &f), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_int_equal(jget_int(f, "missing_count", 0), 1);
	json_decref(f);
}

static void test_errors(void **state)
{
	struct tree *t = *state;
	char path[300];
	json_t *f = NULL;
	struct ml_err err = {0};
	json_t *args = json_pack("{s:s, s:s}", "path", "/nonexistent/x",
				 "manifest", "/nonexistent/m");
	(void)t;
	assert_int_equal(
	    probe_run(probe_find("artifact"), args, 0, NULL, NULL, &f, &err),
	    ML_ENOTFOUND);
	json_decref(args);
	assert_int_equal(check("/nonexistent/x", NULL, NULL, 0, &f),
			 ML_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/nodir/out.sha256", t->top);
	assert_int_equal(check(t->dir, NULL, path, 0, &f), ML_EIO);
}

/* Parses text as a manifest; returns the status, fills err. */
static int parse(const char *text, size_t n, struct artifact_manifest *m,
		 struct ml_err *err)
{
	char *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
	int rc;

	memcpy(copy, text, n);
	memset(m, 0, sizeof(*m));
	rc = artifact_manifest_parse(copy, n, "m.txt", m, err);
	free(copy);
	return rc;
}

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H64B "f3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_manifest_parser(void **state)
{
	static const struct {
		const char *text;
		int rc;
		size_t n;
		int line;
	} cases[] = {
	    {"", 0, 0, 0},
	    {"\n\n# comment\n", 0, 0, 0},
	    {H64 "  a\n" H64 " *b\r\n./" H64 "  c\n", ML_EINPUT, 0, 3},
	    {H64 "  a\n" H64 " *b\r\n" H64 "  ./c\n", 0, 3, 0},
	    {"\\" H64 "  a\\nb\\\\c\n", 0, 1, 0},
	    {"\\" H64 "  a\\qb\n", ML_EINPUT, 0, 1},
	    {"\\" H64 "  ab\\\n", ML_EINPUT, 0, 1},
	    {"SHA256 (x y) = " H64 "\n", 0, 1, 0},
	    {"SHA256 (x y) = 123\n", ML_EINPUT, 0, 1},
	    {H64 " a\n", ML_EINPUT, 0, 1},
	    {H64 "  \n", ML_EINPUT, 0, 1},
	    {"zz" H64 "  a\n", ML_EINPUT, 0, 1},
	    {"e3b0  a\n", ML_EINPUT, 0, 1},
	    {H64 "  a\n" H64 "  a\n", 0, 1, 0},
	    {H64 "  a\n" H64B "  x\n" H64B "  a\n", ML_EINPUT, 0, 3},
	    /* a dropped duplicate, then a conflict after entries moved:
	     * this freed one name twice */
	    {H64 "  a\n" H64 "  a\n" H64 "  b\n" H64 "  c\n" H64B "  c\n",
	     ML_EINPUT, 0, 5},
	    {H64 "  ./\n", ML_EINPUT, 0, 1},
	    {H64 "  ././\n", ML_EINPUT, 0, 1},
	    {"SHA256 () = " H64 "\n", ML_EINPUT, 0, 1},
	    {"SHA256 (./) = " H64 "\n", ML_EINPUT, 0, 1},
	    {"{\"files\": {\"./\": \"" H64 "\"}}", ML_EINPUT, 0, 0},
	    {"{\"files\": {\"a\": \"" H64 "\", \"b/c\": \"" H64 "\"}}", 0, 2,
	     0},
	    {"[{\"path\": \"a\", \"sha256\": \"" H64 "\", \"size\": 0}]", 0, 1,
	     0},
	    {"{\"algorithm\": \"sha256\", \"files\": [{\"path\": \"a\", "
	     "\"sha256\": \"" H64 "\"}]}",
	     0, 1, 0},
	    {"{\"algorithm\": \"md5\", \"files\": []}", ML_EINPUT, 0, 0},
	    {"{\"files\": {\"a\": 5}}", ML_EINPUT, 0, 0},
	    {"{\"files\": {\"a\": \"xyz\"}}", ML_EINPUT, 0, 0},
	    {"{\"files\": [{\"path\": 1, \"sha256\": \"" H64 "\"}]}", ML_EINPUT,
	     0, 0},
	    {"{\"files\": [{\"path\": \"a\", \"sha256\": \"" H64 "\", "
	     "\"size\": -1}]}",
	     ML_EINPUT, 0, 0},
	    {"{\"files\": [7]}", ML_EINPUT, 0, 0},
	    {"{\"files\": 7}", ML_EINPUT, 0, 0},
	    {"{\"files\": {\"a\": \"" H64 "\", \"a\": \"" H64 "\"}}", ML_EINPUT,
	     0, 1},
	    {"{\"files\": {\n\"a\": ", ML_EINPUT, 0, 2},
	    {"{\"files\": {\"a\\u0000b\": \"" H64 "\"}}", ML_EINPUT, 0, 1},
	};
	struct artifact_manifest m;
	struct ml_err err;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		memset(&err, 0, sizeof(err));
		rc = parse(cases[i].text, strlen(cases[i].text), &m, &err);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc,
				 cases[i].rc, err.msg);
		if (!rc)
			assert_int_equal(m.n, cases[i].n);
		if (rc && cases[i].line)
			assert_int_equal(err.line, cases[i].line);
		if (rc)
			assert_true(err.msg[0] != '\0');
		artifact_manifest_free(&m);
	}
	/* The escaped name is read back exactly. */
	static const char esc[] = "\\" H64 "  a\\nb\\\\c\n";
	assert_int_equal(parse(esc, sizeof(esc) - 1, &m, &err), 0);
	assert_string_equal(m.v[0].name, "a\nb\\c");
	artifact_manifest_free(&m);
	/* A NUL byte inside a name. */
	assert_int_equal(parse(H64 "  a\0b\n", 64 + 6, &m, &err), ML_EINPUT);
	artifact_manifest_free(&m);
}

/* Each malformed line shape, after valid lines that include duplicates
 * (dropped) and before or after a conflict: always ML_EINPUT with a
 * message, and artifact_manifest_free frees each name once (ASan). */
static void test_manifest_malformed_lines(void **state)
{
	static const char *const bad[] = {"e3b0\n",
					  H64 "\n",
					  H64 " a\n",
					  H64 "\ta\n",
					  H64 "  \n",
					  H64 "  ./\n",
					  "\\" H64 "  a\\\n",
					  "\\" H64 "  a\\x\n",
					  "\\\n",
					  "\\" H64 "\n",
					  "SHA256 (\n",
					  "SHA256 () = " H64 "\n",
					  "SHA256 (a) = \n",
					  "SHA256 (a) " H64 "\n",
					  "SHA256 (a) = zz\n",
					  "zz" H64 "  a\n",
					  H64 "zz  a\n",
					  "  " H64 "  a\n",
					  "{\n",
					  "sha256:" H64 "  a\n",
					  H64 "  a\n" H64B
					      "  a\n" /* conflict */};
	static const char *const pre[] = {
	    "", H64 "  a\n", H64 "  a\n" H64 "  a\n",
	    H64 "  a\n" H64 "  a\n" H64 "  b\n" H64 "  c\n",
	    H64 "  c\n" H64 "  a\n" H64 "  a\n" H64 "  b\n" H64B "  b\n"};
	struct artifact_manifest m;
	struct ml_err err;
	struct buf b = BUF_INIT;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t j = 0; j < sizeof(pre) / sizeof(pre[0]); j++)
			for (int after = 0; after < 2; after++) {
				buf_reset(&b);
				buf_puts(&b, pre[j]);
				buf_puts(&b, bad[i]);
				if (after)
					buf_puts(&b, H64 "  d\n" H64 "  d\n" H64
							 "  e\n");
				memset(&err, 0, sizeof(err));
				if (parse(b.data, b.len, &m, &err) != ML_EINPUT)
					fail_msg("bad %zu pre %zu: accepted", i,
						 j);
				assert_true(err.msg[0] != '\0');
				artifact_manifest_free(&m);
			}
	buf_free(&b);
}

static void test_manifest_truncated_and_random(void **state)
{
	struct buf b = BUF_INIT;
	struct artifact_manifest m;
	struct ml_err err;
	uint32_t x = 7;
	(void)state;

	buf_puts(&b, H64 "  a\n\\" H64 " *x\\ny\nSHA256 (z) = " H64 "\n");
	for (size_t i = 0; i <= b.len; i++) {
		int rc = parse(b.data, i, &m, &err);
		assert_true(rc == 0 || rc == ML_EINPUT);
		artifact_manifest_free(&m);
	}
	buf_reset(&b);
	buf_puts(&b, "{\"files\": [{\"path\": \"a\", \"sha256\": \"" H64
		     "\", \"size\": 3}, {\"path\": \"b\", \"sha256\": \"" H64
		     "\"}]}");
	for (size_t i = 0; i <= b.len; i++) {
		int rc = parse(b.data, i, &m, &err);
		assert_true(i == b.len || i == 0 ? rc == 0 : rc == ML_EINPUT);
		artifact_manifest_free(&m);
	}
	buf_reset(&b);
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		buf_putc(&b, (x >> 16) % 7 == 0 ? '\n' : (char)(x >> 8));
	}
	assert_int_equal(parse(b.data, b.len, &m, &err), ML_EINPUT);
	artifact_manifest_free(&m);
	buf_free(&b);
}

static void test_json_name(void **state)
{
	json_t *j = artifact_json_name("ok \xc3\xa9 bad\xff\xfe end");
	(void)state;
	assert_string_equal(json_string_value(j),
			    "ok \xc3\xa9 bad\\xff\\xfe end");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_matches_sha256sum, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_verdicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prefixed_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_write_roundtrip, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_manifest, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks_and_single_file,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test(test_manifest_parser),
	    cmocka_unit_test(test_manifest_malformed_lines),
	    cmocka_unit_test(test_manifest_truncated_and_random),
	    cmocka_unit_test(test_json_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
