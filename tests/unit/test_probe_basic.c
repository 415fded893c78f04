/* test_probe_basic.c: the basic probes. `file` on good and broken inputs
 * (empty, truncated, wrong top-level type, duplicate keys, non-UTF-8,
 * too large, deep nesting); `command` (JSON stdout, exit codes, bad
 * stdout, timeout, env, dry run); `http` against a libmicrohttpd server
 * started here on a free loopback port (status, body match, latency,
 * refused connections, timeouts, protocols other than http refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/out.h"
#include "probe/probe.h"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ml-probe-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[400];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *put(const char *name, const char *data, size_t n)
{
	static char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return p;
}

#define PUT(name, lit) put(name, lit, sizeof(lit) - 1)

/* Runs probe name with args (a JSON text); returns the status code. */
static int run_probe(const char *name, json_t *args, int dry, json_t **facts,
		     struct ml_err *err)
{
	int rc = probe_run(probe_find(name), args, dry, NULL, NULL, facts, err);
	json_decref(args);
	return rc;
}

/* ---- file ---- */

static void test_file_json_and_yaml(void **state)
{
	struct ml_err err;
	json_t *f;
	const char *p;
	(void)state;
	p = PUT("a.json", "{\"used_pct\": 97, \"mounts\": [\"/\"]}");
	assert_int_equal(
	    run_probe("file", json_pack("{s:s}", "from", p), 0, &f, &err), 0);
	assert_int_equal(jget_int(f, "used_pct", 0), 97);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(f, "probe", ""), "file");
	json_decref(f);

	p = PUT("a.yaml", "used_pct: 12.5\nname: n1\nok: true\n");
	assert_int_equal(
	    run_probe("file", json_pack("{s:s}", "from", p), 0, &f, &err), 0);
	assert_true(jget_num(f, "used_pct", 0) == 12.5);
	assert_true(jget_bool(f, "ok", 0));
	json_decref(f);

	/* replaying recorded facts keeps their verdict */
	p = PUT(
	    "rec.json",
	    "{\"probe\": \"gpu\", \"verdict\": \"failed\", \"reasons\": []}");
	assert_int_equal(
	    run_probe("file", json_pack("{s:s}", "from", p), 0, &f, &err), 0);
	assert_int_equal(probe_verdict_of(f), PV_FAILED);
	assert_string_equal(jget_str(f, "probe", ""), "gpu");
	json_decref(f);
}

static void expect_input_error(const char *name, const char *data, size_t n,
			       const char *msg_part)
{
	struct ml_err err;
	json_t *f = NULL;
	const char *p = put(name, data, n);

	ml_err_clear(&err);
	assert_int_equal(
	    run_probe("file", json_pack("{s:s}", "from", p), 0, &f, &err),
	    ML_EINPUT);
	assert_null(f);
	if (!strstr(err.msg, msg_part))
		fail_msg("%s: message `%s` lacks `%s`", name, err.msg,
			 msg_part);
}

#define BAD(name, lit, msg) expect_input_error(name, lit, sizeof(lit) - 1, msg)

static void test_file_broken(void **state)
{
	static char deep[300000];
	(void)state;
	BAD("empty.json", "", "empty");
	BAD("blank.yaml", "  \n\n ", "empty");
	BAD("trunc.json", "{\"a\": [1, 2", "invalid JSON");
	BAD("list.json", "[1, 2]", "mapping");
	BAD("scalar.yaml", "just text\n", "mapping");
	BAD("dup.json", "{\"a\": 1, \"a\": 2}", "invalid JSON");
	BAD("bad-utf8.json", "{\"a\": \"\xff\xfe\"}", "invalid JSON");
	BAD("trunc.yaml", "a: [1, 2\n", "");
	memset(deep, '[', sizeof(deep) - 1);
	expect_input_error("deep.json", deep, sizeof(deep) - 1, "");
	memset(deep, '{', sizeof(deep) - 1);
	expect_input_error("deep2.json", deep, sizeof(deep) - 1, "");
}

static void test_file_missing_and_huge(void **state)
{
	struct ml_err err;
	json_t *f = NULL;
	char p[512];
	FILE *fp;
	(void)state;
	assert_int_equal(run_probe("file",
				   json_pack("{s:s}", "from", "/nonexistent/x"),
				   0, &f, &err),
			 ML_ENOTFOUND);
	snprintf(p, sizeof(p), "%s/huge.json", tmpdir);
	fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), ML_MAX_CONFIG_BYTES + 10), 0);
	fclose(fp);
	assert_int_equal(
	    run_probe("file", json_pack("{s:s}", "from", p), 0, &f, &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "too large"));
	/* no `from` at all: a usage error from the argument table */
	assert_int_equal(run_probe("file", json_object(), 0, &f, &err),
			 ML_EUSAGE);
}

/* ---- command ---- */

static void test_command_facts(void **state)
{
	struct ml_err err;
	json_t *f;
	(void)state;
	assert_int_equal(
	    run_probe("command",
		      json_pack("{s:s}", "cmd", "echo '{\"queue\": 12}'"), 0,
		      &f, &err),
	    0);
	assert_int_equal(jget_int(f, "queue", 0), 12);
	assert_int_equal(jget_int(f, "exit_code", -1), 0);
	assert_int_equal(probe_verdict_of(f), PV_HEALTHY);
	json_decref(f);

	/* nonzero exit: a finding with stderr kept */
	assert_int_equal(
	    run_probe("command",
		      json_pack("{s:s}", "cmd", "echo boom >&2; exit 4"), 0, &f,
		      &err),
	    0);
	assert_int_equal(probe_verdict_of(f), PV_FAILED);
	assert_int_equal(jget_int(f, "exit_code", 0), 4);
	assert_non_null(strstr(jget_str(f, "stderr", ""), "boom"));
	json_decref(f);

	/* env reaches the command as variables */
	assert_int_equal(run_probe("command",
				   json_pack("{s:s, s:[s]}", "cmd",
					     "printf '{\"v\": \"%s\"}' \"$X\"",
					     "env", "X=$(touch nope)"),
				   0, &f, &err),
			 0);
	assert_string_equal(jget_str(f, "v", ""), "$(touch nope)");
	assert_int_equal(access("nope", F_OK), -1);
	json_decref(f);
}

static void test_command_broken(void **state)
{
	struct ml_err err;
	json_t *f = NULL;
	int64_t t0;
	(void)state;
	assert_int_equal(run_probe("command",
				   json_pack("{s:s}", "cmd", "echo not json"),
				   0, &f, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "JSON object"));
	assert_int_equal(run_probe("command", json_pack("{s:s}", "cmd", "true"),
				   0, &f, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "nothing"));
	assert_int_equal(run_probe("command",
				   json_pack("{s:s}", "cmd", "echo '[1]'"), 0,
				   &f, &err),
			 ML_EINPUT);
	assert_int_equal(
	    run_probe("command",
		      json_pack("{s:s}", "cmd", "printf '{\"a\": \"\\377\"}'"),
		      0, &f, &err),
	    ML_EINPUT);
	t0 = time_mono_ms();
	assert_int_equal(run_probe("command",
				   json_pack("{s:s, s:s}", "cmd", "sleep 20",
					     "timeout", "300ms"),
				   0, &f, &err),
			 ML_ETIMEOUT);
	assert_true(time_mono_ms() - t0 < 5000);
	/* not read-only: refused in a dry run */
	assert_int_equal(run_probe("command",
				   json_pack("{s:s}", "cmd", "echo {}"), 1, &f,
				   &err),
			 ML_EUSAGE);
	assert_non_null(strstr(err.msg, "read_only"));
	assert_false(probe_find("command")->read_only);
	assert_true(probe_find("file")->read_only);
	assert_true(probe_find("http")->read_only);
}

/* ---- http against a local server ---- */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	const char *body = "model ready";
	unsigned code = 200;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls, (void)method, (void)version, (void)upload;
	(void)upload_size, (void)con_cls;
	if (!strcmp(url, "/fail")) {
		code = 503;
		body = "warming up";
	} else if (!strcmp(url, "/slow")) {
		usleep(1500 * 1000);
	}
	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Daemon *start_server(unsigned *port)
{
	struct sockaddr_in a = {0};
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;

	a.sin_family = AF_INET;
	a.sin_port = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				 MHD_USE_THREAD_PER_CONNECTION,
			     0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&a, MHD_OPTION_END);
	assert_non_null(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	*port = info->port;
	assert_true(*port > 0);
	return d;
}

static json_t *http_args(unsigned port, const char *path)
{
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	return json_pack("{s:s}", "url", url);
}

static void test_http(void **state)
{
	unsigned port;
	struct MHD_Daemon *d = start_server(&port);
	struct ml_err err;
	json_t *f, *a;
	int64_t t0;
	(void)state;

	a = http_args(port, "/ok");
	json_object_set_new(a, "body_contains", json_string("ready"));
	assert_int_equal(run_probe("http", a, 0, &f, &err), 0);
	assert_int_equal(jget_int(f, "status", 0), 200);
	assert_true(jget_bool(f, "body_match", 0));
	assert_true(jget_int(f, "latency_ms", -1) >= 0);
	assert_int_equal(probe_verdict_of(f), PV_HEALTHY);
	json_decref(f);

	a = http_args(port, "/fail");
	json_object_set_new(a, "body_contains", json_string("ready"));
	assert_int_equal(run_probe("http", a, 0, &f, &err), 0);
	assert_int_equal(jget_int(f, "status", 0), 503);
	assert_false(jget_bool(f, "body_match", 1));
	assert_int_equal(probe_verdict_of(f), PV_FAILED);
	json_decref(f);

	/* expect_status makes a 503 the healthy answer */
	a = http_args(port, "/fail");
	json_object_set_new(a, "expect_status", json_string("503"));
	assert_int_equal(run_probe("http", a, 0, &f, &err), 0);
	assert_int_equal(probe_verdict_of(f), PV_HEALTHY);
	assert_true(json_is_null(json_object_get(f, "body_match")));
	json_decref(f);

	/* too slow: a finding (timeout), well before the server answers */
	a = http_args(port, "/slow");
	json_object_set_new(a, "timeout", json_string("200ms"));
	t0 = time_mono_ms();
	assert_int_equal(run_probe("http", a, 0, &f, &err), 0);
	assert_true(time_mono_ms() - t0 < 1200);
	assert_int_equal(jget_int(f, "status", -1), 0);
	assert_int_equal(probe_verdict_of(f), PV_FAILED);
	json_decref(f);

	/* a POST is not sent in a dry run */
	a = http_args(port, "/ok");
	json_object_set_new(a, "method", json_string("POST"));
	assert_int_equal(run_probe("http", a, 1, &f, &err), ML_EUSAGE);

	MHD_stop_daemon(d);
	/* nothing listens any more: refused is a finding, not an error */
	assert_int_equal(run_probe("http", http_args(port, "/ok"), 0, &f, &err),
			 0);
	assert_int_equal(jget_int(f, "status", -1), 0);
	assert_int_equal(probe_verdict_of(f), PV_FAILED);
	assert_non_null(jget_str(f, "error", NULL));
	json_decref(f);
}

static void test_http_bad_urls(void **state)
{
	struct ml_err err;
	json_t *f = NULL;
	(void)state;
	assert_int_equal(
	    run_probe("http", json_pack("{s:s}", "url", "file:///etc/passwd"),
		      0, &f, &err),
	    ML_EINPUT);
	assert_null(f);
	assert_int_equal(run_probe("http",
				   json_pack("{s:s}", "url", "gopher://x/"), 0,
				   &f, &err),
			 ML_EINPUT);
	assert_int_equal(run_probe("http", json_pack("{s:s}", "url", "http://"),
				   0, &f, &err),
			 ML_EINPUT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_file_json_and_yaml),	   T(test_file_broken),
	    T(test_file_missing_and_huge), T(test_command_facts),
	    T(test_command_broken),	   T(test_http),
	    T(test_http_bad_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
