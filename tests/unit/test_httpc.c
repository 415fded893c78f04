/* test_httpc.c: the one HTTP client helper (core/httpc) against a tiny
 * libmicrohttpd server on 127.0.0.1: status is not an error, body cap
 * (truncate and fail), timeout, connection refused, no redirect followed,
 * request headers and body. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/httpc.h"

struct upload {
	struct buf b;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code,
			      const char *body, const char *loc)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (loc)
		MHD_add_response_header(r, "Location", loc);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* /missing: 404; /big: 100 bytes; /slow: 1.5 s; /moved: 302 to /;
 * /echo: method, X-Test header and the request body. */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct upload *u = *con_cls;
	char big[101];

	(void)cls, (void)version;
	if (!u) {
		*con_cls = u = calloc(1, sizeof(*u));
		return MHD_YES;
	}
	if (*upload_size) {
		buf_add(&u->b, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/missing"))
		return answer(c, 404, "no such thing", NULL);
	if (!strcmp(url, "/big")) {
		memset(big, 'x', 100);
		big[100] = 0;
		return answer(c, 200, big, NULL);
	}
	if (!strcmp(url, "/slow"))
		usleep(1500 * 1000);
	if (!strcmp(url, "/moved"))
		return answer(c, 302, "moved", "/");
	if (!strcmp(url, "/echo")) {
		const char *h =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
		struct buf b = BUF_INIT;
		enum MHD_Result ret;
		buf_printf(&b, "%s %s %s", method, h ? h : "-", buf_str(&u->b));
		ret = answer(c, 200, buf_str(&b), NULL);
		buf_free(&b);
		return ret;
	}
	return answer(c, 200, "home", NULL);
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls, (void)c, (void)toe;
	if (u) {
		buf_free(&u->b);
		free(u);
	}
}

static struct MHD_Daemon *start_server(unsigned *port)
{
	struct sockaddr_in a = {0};
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				 MHD_USE_THREAD_PER_CONNECTION,
			     0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED,
			     done, NULL, MHD_OPTION_END);
	assert_non_null(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	*port = info->port;
	return d;
}

static struct MHD_Daemon *daemon_;
static unsigned port_;

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	daemon_ = start_server(&port_);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(daemon_);
	curl_global_cleanup();
	return 0;
}

static const char *url(const char *path)
{
	static char u[128];
	snprintf(u, sizeof(u), "http://127.0.0.1:%u%s", port_, path);
	return u;
}

static void test_status_is_not_error(void **state)
{
	struct httpc_req q = {.url = url("/missing"), .timeout_ms = 5000};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(buf_str(&r.body), "no such thing");
	assert_int_equal(r.body_total, 13);
	assert_int_equal(r.curl_code, 0);
	httpc_resp_free(&r);
}

static void test_body_cap(void **state)
{
	struct httpc_req q = {.url = url("/big"), .body_cap = 10};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_int_equal(r.body.len, 10);
	assert_int_equal(r.body_total, 100);
	httpc_resp_free(&r);
	q.cap_mode = HTTPC_CAP_FAIL;
	assert_int_equal(httpc_request(&q, &r, &err), ML_EIO);
	assert_true(r.too_big);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(err.msg, "answer larger than 10 bytes"));
	httpc_resp_free(&r);
	q.discard_body = 1;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_int_equal(r.body.len, 0);
	assert_int_equal(r.body_total, 100);
	httpc_resp_free(&r);
}

static void test_timeout(void **state)
{
	struct httpc_req q = {.url = url("/slow"), .timeout_ms = 200};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), ML_ETIMEOUT);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.error_short, "Timeout was reached");
	assert_non_null(strstr(err.msg, url("/slow")));
	httpc_resp_free(&r);
}

static void test_refused(void **state)
{
	struct sockaddr_in a = {0};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char u[128], want[256];
	struct httpc_req q = {.url = u};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd); /* nothing listens there now */
	snprintf(u, sizeof(u), "http://127.0.0.1:%u/", ntohs(a.sin_port));
	assert_int_equal(httpc_request(&q, &r, &err), ML_EIO);
	assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
	assert_string_equal(r.error_short, "Couldn't connect to server");
	snprintf(want, sizeof(want), "%s: %s", u, r.error);
	assert_string_equal(err.msg, want);
	assert_non_null(strstr(r.error, "127.0.0.1"));
	httpc_resp_free(&r);
}

static void test_no_redirect(void **state)
{
	struct httpc_req q = {.url = url("/moved")};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_int_equal(r.status, 302);
	assert_string_equal(buf_str(&r.body), "moved");
	httpc_resp_free(&r);
	q.follow_redirects = 5;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(buf_str(&r.body), "home");
	httpc_resp_free(&r);
}

static void test_method_headers_body(void **state)
{
	const char *const hdrs[] = {"X-Test: yes", NULL};
	struct httpc_req q = {.url = url("/echo"),
			      .method = "PUT",
			      .headers = hdrs,
			      .body = "{\"a\":1}"};
	struct httpc_resp r;
	struct ml_err err = {0};

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_string_equal(buf_str(&r.body), "PUT yes {\"a\":1}");
	httpc_resp_free(&r);
	q.method = NULL; /* a body without a method: POST */
	q.headers = NULL;
	assert_int_equal(httpc_request(&q, &r, &err), 0);
	assert_string_equal(buf_str(&r.body), "POST - {\"a\":1}");
	httpc_resp_free(&r);
}

static void test_bad_url_and_escape(void **state)
{
	struct httpc_req q = {.url = "ftp://127.0.0.1/x"};
	struct httpc_resp r;
	struct ml_err err = {0};
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(httpc_request(&q, &r, &err), ML_EINPUT);
	assert_true(r.bad_url);
	httpc_resp_free(&r);
	httpc_escape(&b, "up{job=\"a b\"}");
	assert_string_equal(buf_str(&b), "up%7Bjob%3D%22a%20b%22%7D");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_is_not_error),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_no_redirect),
	    cmocka_unit_test(test_method_headers_body),
	    cmocka_unit_test(test_bad_url_and_escape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
