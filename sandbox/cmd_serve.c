/* cmd_serve.c: `irisd serve`: options, start, and a graceful stop on
 * SIGTERM/SIGINT (queued requests get 503, running ones finish, a
 * corrupted model file is restored, then the process exits 0). */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "serve.h"

static const char serve_help[] =
    "Usage: irisd serve --registry DIR [options]\n"
    "\n"
    "Serves a model from the registry over HTTP:\n"
    "  POST /predict   {\"features\":[5.1,3.5,1.4,0.2]} or named features\n"
    "  POST /feedback  {\"id\":N,\"label\":\"setosa\"} (or features + label)\n"
    "  GET  /metrics   Prometheus text; GET /healthz\n"
    "  POST /admin/deploy {\"version\":\"v2\",\"canary_weight\":0.1}\n"
    "  POST /admin/rollback, /admin/scale {\"workers\":N}\n"
    "  POST /admin/fault {\"latency_ms\":200,\"error_rate\":0.2,\n"
    "       \"bad_model\":true,\"shift\":2.0,\"corrupt_file\":true,\n"
    "       \"memory_mb\":200} or {\"clear\":true}\n"
    "  GET  /admin/state, /admin/events (deploys, canaries, rollbacks)\n"
    "\n"
    "Options:\n"
    "  --registry DIR     registry written by `irisd train`\n"
    "  --listen HOST:PORT IPv4 address and port (default 127.0.0.1:8081;\n"
    "                     port 0 = any free port)\n"
    "  --port-file FILE   write the bound port there once listening\n"
    "  --version NAME     version to serve first (default v1, else the\n"
    "                     first registered)\n"
    "  --workers N        /predict requests handled at once (default 4)\n"
    "  --window N         feedbacks in the online-accuracy window "
    "(default 200)\n"
    "  --id-cache N       predictions remembered for feedback by id\n"
    "                     (default 10000)\n"
    "  --seed N           seed of canary routing and error injection\n"
    "  --header-timeout S seconds a client has to send its request headers\n"
    "                     (default 10; counted from accept, not reset by\n"
    "                     each byte)\n"
    "  --body-timeout S   seconds from headers to the whole body (default 30)\n"
    "  --max-connections N  connections at once (default 1000)\n"
    "  --max-per-client N connections of one client address (default 64)\n"
    "  --trusted-proxy NET  IPv4 address or network (10.0.0.0/8) of a\n"
    "                     proxy exempt from --max-per-client; repeatable\n"
    "\n"
    "Examples:\n"
    "  irisd serve --registry reg --listen 127.0.0.1:0 --port-file port &\n"
    "  curl -s localhost:$(cat port)/predict -d "
    "'{\"features\":[6.3,3.3,6.0,2.5]}'\n"
    "  curl -s localhost:$(cat port)/admin/deploy -d "
    "'{\"version\":\"v2\",\"canary_weight\":0.1}'\n";

struct serve_args {
	struct srv_opts o;
	char host[64];
	int port;
	const char *port_file;
};

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "irisd serve: %s%s\n(see irisd serve --help)\n", msg,
		arg ? arg : "");
	return ML_EXIT_USAGE;
}

/* An integer option in [lo, hi]. */
static int int_opt(const char *name, const char *s, long long lo, long long hi,
		   long long *v)
{
	int64_t x;

	if (str_to_i64(s, &x) != 0 || x < lo || x > hi) {
		fprintf(stderr,
			"irisd serve: --%s: `%s` is not an integer in "
			"%lld-%lld\n",
			name, s, lo, hi);
		return -1;
	}
	*v = x;
	return 0;
}

static int parse_listen(const char *s, struct serve_args *a)
{
	const char *colon = strrchr(s, ':');
	long long p;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(a->host))
		return usage_err("--listen: expected HOST:PORT, got ", s);
	if (int_opt("listen", colon + 1, 0, 65535, &p))
		return ML_EXIT_USAGE;
	memcpy(a->host, s, (size_t)(colon - s));
	a->host[colon - s] = '\0';
	a->port = (int)p;
	return 0;
}

/* The connection options (--header-timeout ... --trusted-proxy). */
static int http_opt(int c, const char *arg, struct srv_opts *o)
{
	struct connguard_opts *h = &o->http;
	long long v = 0;
	int rc = 0;

	switch (c) {
	case 'H':
		rc = int_opt("header-timeout", arg, 1, 3600, &v);
		h->header_timeout_s = (int)v;
		break;
	case 'B':
		rc = int_opt("body-timeout", arg, 1, 3600, &v);
		h->body_timeout_s = (int)v;
		break;
	case 'M':
		rc = int_opt("max-connections", arg, 1, 4096, &v);
		h->max_conns = (int)v;
		break;
	case 'P':
		rc = int_opt("max-per-client", arg, 1, 4096, &v);
		h->max_per_client = (int)v;
		break;
	case 'T':
		if (h->n_trusted == SRV_MAX_TRUSTED)
			return usage_err("--trusted-proxy: too many (max 16)",
					 NULL);
		if (connguard_parse_net(arg, &o->trusted[h->n_trusted]))
			return usage_err("--trusted-proxy: expected an IPv4 "
					 "address or network, got ",
					 arg);
		h->trusted = o->trusted;
		h->n_trusted++;
		break;
	default:
		return usage_err("bad option", NULL);
	}
	return rc ? ML_EXIT_USAGE : 0;
}

static int parse(int argc, char **argv, struct serve_args *a)
{
	static const struct option lo[] = {{"registry", 1, NULL, 'r'},
					   {"listen", 1, NULL, 'l'},
					   {"port-file", 1, NULL, 'p'},
					   {"version", 1, NULL, 'v'},
					   {"workers", 1, NULL, 'w'},
					   {"window", 1, NULL, 'W'},
					   {"id-cache", 1, NULL, 'i'},
					   {"seed", 1, NULL, 's'},
					   {"header-timeout", 1, NULL, 'H'},
					   {"body-timeout", 1, NULL, 'B'},
					   {"max-connections", 1, NULL, 'M'},
					   {"max-per-client", 1, NULL, 'P'},
					   {"trusted-proxy", 1, NULL, 'T'},
					   {"help", 0, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	long long v;
	int c, rc = 0;

	a->o.workers = 4;
	a->o.window = 200;
	a->o.id_cache = 10000;
	a->o.seed = 1;
	a->o.http = (struct connguard_opts){.header_timeout_s = 10,
					    .body_timeout_s = 30,
					    .max_conns = 1000,
					    .max_per_client = 64,
					    .name = "irisd serve"};
	snprintf(a->host, sizeof(a->host), "127.0.0.1");
	a->port = 8081;
	while (!rc && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			a->o.registry = optarg;
			break;
		case 'l':
			rc = parse_listen(optarg, a);
			break;
		case 'p':
			a->port_file = optarg;
			break;
		case 'v':
			a->o.version = optarg;
			break;
		case 'w':
			rc = int_opt("workers", optarg, 1, SRV_MAX_WORKERS, &v);
			a->o.workers = (int)v;
			break;
		case 'W':
			rc = int_opt("window", optarg, 1, 1000000, &v);
			a->o.window = (int)v;
			break;
		case 'i':
			rc = int_opt("id-cache", optarg, 1, 10000000, &v);
			a->o.id_cache = (int)v;
			break;
		case 's':
			rc = int_opt("seed", optarg, 0, INT64_MAX, &v);
			a->o.seed = (uint64_t)v;
			break;
		case 'h':
			fputs(serve_help, stdout);
			return -1;
		default:
			rc = http_opt(c, optarg, &a->o);
		}
	}
	if (rc)
		return ML_EXIT_USAGE;
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	if (!a->o.registry)
		return usage_err("--registry DIR is required", NULL);
	if (a->o.version && !iris_version_ok(a->o.version))
		return usage_err("--version: expected 1-63 of [A-Za-z0-9._-], "
				 "got ",
				 a->o.version);
	return 0;
}

static int write_port(const char *path, int port, struct ml_err *err)
{
	char s[16];
	int n = snprintf(s, sizeof(s), "%d\n", port);

	if (buf_write_file_atomic(path, s, (size_t)n) != 0)
		return ml_err_at(err, ML_EIO, path, 0, 0, "cannot write");
	return 0;
}

int irisd_serve_main(int argc, char **argv)
{
	struct serve_args a = {0};
	struct ml_err err = {0};
	struct srv s;
	sigset_t set;
	void *h = NULL;
	char ver[64];
	int rc = parse(argc, argv, &a), port = 0, sig = 0;

	if (rc)
		return rc < 0 ? 0 : rc;
	/* one thread per connection: cap glibc's per-thread arenas */
	mallopt(M_ARENA_MAX, 2);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* what the log line says is read before other threads run */
	if ((rc = srv_init(&s, &a.o, &err)) == 0)
		snprintf(ver, sizeof(ver), "%s", s.stable->version);
	if (rc || !(h = srv_http_start(&s, a.host, a.port, &port, &err)) ||
	    (a.port_file && (rc = write_port(a.port_file, port, &err)))) {
		srv_stop(&s);
		srv_http_stop(&s, h);
		srv_free(&s);
		return irisd_fail(&err);
	}
	fprintf(stderr,
		"irisd serve: listening on http://%s:%d (registry %s, "
		"version %s, %d workers)\n",
		a.host, port, a.o.registry, ver, a.o.workers);
	sigwait(&set, &sig);
	fprintf(stderr, "irisd serve: %s: stopping\n", strsignal(sig));
	srv_stop(&s);
	srv_http_stop(&s, h);
	srv_free(&s);
	fprintf(stderr, "irisd serve: stopped\n");
	return 0;
}
