/* serve.c: `mloncall serve`: the incident service. Alertmanager webhook
 * in, runbooks run, people paged; SQLite store; graceful shutdown on
 * SIGTERM/SIGINT (in-flight requests finish, runs stop cleanly). */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "incident/svc.h"
#include "server/http.h"

struct serve_opts {
	char host[64];
	int port;
	const char *db;
	const char *config;
	const char *runbooks;
	const char *port_file;
};

/* --listen HOST:PORT */
static int parse_listen(void *opts, const struct cmd_opt *opt, const char *s,
			struct ml_err *err)
{
	struct serve_opts *o = opts;
	const char *colon = strrchr(s, ':');
	int64_t port;

	(void)opt;
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(o->host) ||
	    str_to_i64(colon + 1, &port) != 0 || port < 0 || port > 65535)
		return ml_err_set(err, ML_EUSAGE,
				  "--listen: expected HOST:PORT such as "
				  "127.0.0.1:9094 (port 0: any free port)");
	snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - s), s);
	o->port = (int)port;
	return 0;
}

static const struct cmd_opt serve_table[] = {
    CMD_FN("listen", 'l', parse_listen),
    CMD_STR("config", 'c', struct serve_opts, config),
    CMD_STR("runbooks", 'r', struct serve_opts, runbooks),
    CMD_STR("port-file", 'p', struct serve_opts, port_file),
    {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct serve_opts *o)
{
	struct cmd_args ca = {0};
	int rc;

	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->port = 9094;
	rc = cmd_parse(self, 1, argc, argv, o, &ca);
	cmd_parsed_free(self, &ca, o);
	o->db = ca.db;
	if (!rc && ca.nargs)
		rc = cmd_usage(self, "unexpected argument `%s`", ca.args[0]);
	return rc;
}

static int write_port(const char *path, int port, struct ml_err *err)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d\n", port);

	if (buf_write_file_atomic(path, text, (size_t)n) != 0)
		return ml_err_set(err, ML_EIO, "cannot write %s", path);
	return 0;
}

static int serve_exec(const struct cmd_entry *self, int argc, char **argv)
{
	struct serve_opts o = {0};
	struct svc_config cfg;
	struct svc svc;
	struct http_server *h = NULL;
	struct ml_err err = {0};
	char exe[4096];
	sigset_t set;
	ssize_t n;
	int rc, port = 0, sig = 0;

	if ((rc = parse(self, argc, argv, &o)) != 0)
		return rc;
	/* One thread per connection: without a cap, glibc gives each
	 * thread its own malloc arena and RSS grows with connections. */
	mallopt(M_ARENA_MAX, 2);
	if ((rc = svc_config_load(o.config, &cfg, &err)) != 0) {
		svc_config_free(&cfg);
		return cmd_fail(&err);
	}
	if (o.runbooks) {
		free(cfg.runbooks_dir);
		cfg.runbooks_dir = xstrdup(o.runbooks);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((rc = svc_start(&svc, o.db, &cfg, exe, &err)) != 0) {
		svc_stop(&svc);
		return cmd_fail(&err);
	}
	if ((rc = http_start(&svc, o.host, o.port, &port, &h, &err)) != 0 ||
	    (o.port_file && (rc = write_port(o.port_file, port, &err)) != 0)) {
		http_stop(h);
		svc_stop(&svc);
		return cmd_fail(&err);
	}
	fprintf(stderr,
		"mloncall serve: listening on http://%s:%d (db %s, %zu "
		"runbooks)\n",
		o.host, port, o.db, svc.n_runbooks);
	sigwait(&set, &sig);
	fprintf(stderr, "mloncall serve: %s: finishing in-flight work\n",
		strsignal(sig));
	http_stop(h);
	svc_stop(&svc);
	fprintf(stderr, "mloncall serve: stopped\n");
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_serve_entry = {
    .path = "serve",
    .summary = "run the incident service (Alertmanager webhook in, pages "
	       "out)",
    .help =
	"Usage: mloncall serve [options]\n"
	"\n"
	"Runs the incident service: takes alerts in (Alertmanager webhook\n"
	"and generic JSON), opens and deduplicates incidents, routes them\n"
	"to runbooks, runs the diagnosis, escalates and pages, and serves\n"
	"the REST API, /metrics and /healthz. See docs/serve.md.\n"
	"\n"
	"Options:\n"
	"  --listen HOST:PORT  address to listen on (default "
	"127.0.0.1:9094;\n"
	"                      port 0 picks a free port)\n"
	"  --db PATH           SQLite database (default MLONCALL_DB, "
	"else\n"
	"                      oncall.db; created)\n"
	"  --config FILE       service config: SLA, escalation, on-call,\n"
	"                      notification channels (YAML)\n"
	"  --runbooks DIR      runbooks to route alerts to\n"
	"  --port-file FILE    write the bound port there (for scripts)\n"
	"  -h, --help          this help\n"
	"\n"
	"Examples:\n"
	"  mloncall token add alertmanager --role responder --db oncall.db\n"
	"  mloncall serve --db oncall.db --runbooks runbooks/ --config "
	"oncall.yaml\n"
	"\n"
	"SIGTERM or SIGINT: stop accepting, finish in-flight requests and\n"
	"runs, then exit 0.\n",
    .exec = serve_exec,
    .opts = serve_table,
    .flags = CMD_DB,
};
