/* thinprobe.h: helpers shared by the unit tests of the thin tool-output
 * probes (nvlink, ipmi, nccl, loss): run a probe on JSON arguments, build
 * fixture paths, write temporary inputs, and the broken-input battery
 * (every truncation of a fixture, empty, random bytes, non-UTF-8, a huge
 * line, a file over the size limit). Included by one test file each. */
#ifndef ML_TEST_THINPROBE_H
#define ML_TEST_THINPROBE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/out.h"
#include "probe/probe.h"

/* 1 when facts has a reason with this code. */
static int tp_has_reason(const json_t *facts, const char *code)
{
	size_t i;
	json_t *r;

	json_array_foreach(
	    json_object_get(facts, "reasons"), i,
	    r) if (!strcmp(jget_str(r, "code", ""), code)) return 1;
	return 0;
}

/* Runs probe name with args (a JSON object text). */
static int tp_run(const char *name, const char *args_json, json_t **facts,
		  struct ml_err *err)
{
	json_error_t je;
	json_t *args = json_loads(args_json, 0, &je);
	int rc;

	if (!args)
		fail_msg("bad test args %s: %s", args_json, je.text);
	*facts = NULL;
	memset(err, 0, sizeof(*err));
	rc = probe_run(probe_find(name), args, 0, NULL, NULL, facts, err);
	json_decref(args);
	return rc;
}

/* The path of fixture file in tests/fixtures/<dir>/ (static storage:
 * overwritten by the next call). */
static const char *tp_fixture(const char *dir, const char *file)
{
	static char path[1024];
	const char *root = getenv("ML_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s/%s", root ? root : "tests/fixtures",
		 dir, file);
	return path;
}

/* Runs the probe on a fixture with extra arguments (`, "k": v` text). */
static int tp_fix(const char *name, const char *dir, const char *file,
		  const char *extra, json_t **facts, struct ml_err *err)
{
	char args[2048];

	snprintf(args, sizeof(args), "{\"from\": \"%s\"%s}",
		 tp_fixture(dir, file), extra ? extra : "");
	return tp_run(name, args, facts, err);
}

/* Writes n bytes to a new temporary file; returns its path (caller
 * unlinks and frees). */
static char *tp_tmp(const void *data, size_t n)
{
	char *path = strdup("/tmp/mloncall-tp-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Runs the probe on data (n bytes; (size_t)-1: a C string); the run
 * must either succeed with a verdict or fail with an input error: never
 * crash, never another error. */
static void tp_robust(const char *name, const void *data, size_t n,
		      const char *extra)
{
	char *path, args[2048];
	json_t *facts;
	struct ml_err err;
	int rc;

	if (n == (size_t)-1)
		n = strlen(data);
	path = tp_tmp(data, n);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"%s}", path,
		 extra ? extra : "");
	rc = tp_run(name, args, &facts, &err);
	if (rc != 0 && rc != ML_EINPUT)
		fail_msg("%s on %zu bytes: status %d: %s", name, n, rc,
			 err.msg);
	if (rc == 0) {
		assert_non_null(json_object_get(facts, "verdict"));
		assert_non_null(json_object_get(facts, "reasons"));
	} else {
		assert_true(err.msg[0] != '\0');
	}
	json_decref(facts);
	unlink(path);
	free(path);
}

/* Prefixes of the fixture through tp_robust: every length up to 256
 * bytes (headers), then every step-th, then the whole file. (Each run
 * costs a few ms under ASan; the step keeps a test file under ~5 s.) */
static void tp_truncations(const char *name, const char *dir, const char *file,
			   size_t step, const char *extra)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, tp_fixture(dir, file), 0), 0);
	for (size_t n = 0; n < b.len; n += n < 256 ? 1 : step)
		tp_robust(name, b.data ? b.data : "", n, extra);
	tp_robust(name, b.data ? b.data : "", b.len, extra);
	buf_free(&b);
}

/* Empty input is an input error naming the file; random bytes, non-UTF-8
 * text and a 1 MiB line never crash; a file over the limit is refused. */
static void tp_hostile(const char *name)
{
	static const char bad_utf8[] =
	    "\xff\xfe GPU 0: \xc3\x28 (UUID: \xe2\x82)\n\t Link 0: \x80 GB/s\n"
	    "step \xff loss 1.0\n| \xff | 12 | ok\n";
	size_t big = 1u << 20;
	char *junk = malloc(big), *path;
	json_t *facts;
	struct ml_err err;
	char args[256];
	unsigned seed = 7;
	FILE *f;

	path = tp_tmp("", 0);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", path);
	assert_int_equal(tp_run(name, args, &facts, &err), ML_EINPUT);
	assert_non_null(strstr(err.file[0] ? err.file : err.msg, path));
	unlink(path);
	free(path);
	for (size_t i = 0; i < big; i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (char)(seed >> 16);
	}
	tp_robust(name, junk, big, NULL);
	memset(junk, 'x', big);
	tp_robust(name, junk, big, NULL);
	tp_robust(name, bad_utf8, sizeof(bad_utf8) - 1, NULL);
	free(junk);
	path = tp_tmp("", 0);
	f = fopen(path, "r+");
	assert_int_equal(ftruncate(fileno(f), (off_t)300 << 20), 0);
	fclose(f);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", path);
	assert_int_equal(tp_run(name, args, &facts, &err), ML_EIO);
	assert_non_null(strstr(err.msg, "too large"));
	unlink(path);
	free(path);
}

#endif
