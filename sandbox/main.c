/* main.c: `irisd`, the sandbox model service: dispatch of its three
 * subcommands (train, serve, load). See docs/irisd.md. */
#include <stdio.h>
#include <string.h>

#include "irisd.h"

static const char main_help[] =
    "Usage: irisd COMMAND [options]   (irisd COMMAND --help for details)\n"
    "\n"
    "A small Iris classifier service that misbehaves on request, for\n"
    "demos and end-to-end tests of mloncall.\n"
    "\n"
    "Commands:\n"
    "  train   fit a model and register it as a new version\n"
    "  serve   serve the registry over HTTP (predict, feedback, metrics,\n"
    "          deploy/rollback/scale, fault injection)\n"
    "  load    send Iris rows (and feedback) at a rate; print a summary\n"
    "\n"
    "Example:\n"
    "  irisd train --registry reg && irisd train --registry reg "
    "--flip-labels\n"
    "  irisd serve --registry reg --listen 127.0.0.1:8081 &\n"
    "  irisd load --url http://127.0.0.1:8081 --rate 50 --duration 10s "
    "--feedback\n";

int irisd_fail(const struct ml_err *err)
{
	char msg[2300];

	ml_err_format(err, msg, sizeof(msg));
	fprintf(stderr, "irisd: %s\n", msg);
	return ml_exit_code(err->code ? err->code : ML_EINTERNAL);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(main_help, stderr);
		return ML_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(main_help, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("irisd %s\n", MLONCALL_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "train"))
		return irisd_train_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "serve"))
		return irisd_serve_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return irisd_load_main(argc - 1, argv + 1);
	fprintf(stderr, "irisd: unknown command `%s` (train, serve, load)\n",
		argv[1]);
	return ML_EXIT_USAGE;
}
