/* runs_approve.c: `mloncall runs approve|deny RUN --db PATH`: a person
 * answers the `confirm:` step a run of the incident service waits for,
 * through the store (the same store_approval_decide as the API's
 * POST /api/v1/runs/RUN/approve); the run goes on (or stops before the
 * change) at its next look. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "store/store.h"
#include "store/store_chan.h"

static int exec_decide(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"as", required_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0}};
	int approve = !strcmp(self->path, "runs approve"), ch, rc;
	const char *db = getenv("MLONCALL_DB"), *who = getenv("USER");
	struct ml_err err = {0};
	struct store *s = NULL;
	int64_t run = 0, approval = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "d:", longopts, NULL)) != -1) {
		if (ch == 'd')
			db = optarg;
		else if (ch == 'a')
			who = optarg;
		else
			return cmd_usage(self, "unknown option %s",
					 argv[optind - 1]);
	}
	if (argc - optind != 1 || str_to_i64(argv[optind], &run) || run < 1)
		return cmd_usage(self, "which run? (its number, as on the "
				       "incident's timeline)");
	if (!db)
		return cmd_usage(self, "--db PATH (or MLONCALL_DB) is needed");
	if ((rc = store_open(db, &s, &err)) == 0 &&
	    (rc = store_run_find(s, run, NULL, &err)) == 0)
		rc = store_approval_decide(s, run, approve,
					   who && *who ? who : "cli",
					   time_now_ms(), &approval, &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	printf("run %lld: approval %lld %s\n", (long long)run,
	       (long long)approval, approve ? "approved" : "denied");
	return 0;
}

#define DECIDE_HELP(verb, what)                                                \
	"Usage: mloncall runs " verb " RUN --db PATH [--as WHO]\n"             \
	"\n" what                                                              \
	" the confirm step that run RUN of the incident service waits for\n"   \
	"(the timeline says which run asks, and what). The decision and who\n" \
	"made it go on the incident's timeline.\n"                             \
	"\n"                                                                   \
	"Options:\n"                                                           \
	"  --db PATH   the service's database (or MLONCALL_DB)\n"              \
	"  --as WHO    who decides (default: $USER)\n"                         \
	"\n"                                                                   \
	"Exit status: 0 decided; 2 no such run, or it waits for no approval\n" \
	"(none asked, already decided or expired); 3 store error.\n"

const struct cmd_entry cmd_runs_approve_entry = {
    .path = "runs approve",
    .summary = "approve the confirm step a service run waits for",
    .help = DECIDE_HELP("approve", "Approves"),
    .exec = exec_decide,
};

const struct cmd_entry cmd_runs_deny_entry = {
    .path = "runs deny",
    .summary = "deny the confirm step a service run waits for (it stops "
	       "before the change)",
    .help = DECIDE_HELP("deny", "Denies"),
    .exec = exec_decide,
};
