/* incident_update.c: `mloncall incident update ID TEXT... [--by NAME]`:
 * posts a status update (timeline kind "update") that stakeholders read,
 * that resets the status-update reminder, and that the postmortem
 * quotes. Through a running service (--server) or the database (--db). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "incident/client.h"

struct upd_opts {
	struct client c;
	enum out_fmt fmt;
	const char *by;
	long long id;
	struct buf text;
};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct upd_opts *o)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"db", required_argument, NULL, 'd'},
	    {"output", required_argument, NULL, 'o'},
	    {"by", required_argument, NULL, 'b'},
	    {"as", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0}};
	int ch;
	int64_t v;

	o->c.server = getenv("MLONCALL_SERVER");
	o->c.token = getenv("MLONCALL_TOKEN");
	o->c.db = getenv("MLONCALL_DB");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:d:o:", longopts, NULL)) != -1) {
		if (ch == 's')
			o->c.server = optarg;
		else if (ch == 'd')
			o->c.db = optarg, o->c.server = NULL;
		else if (ch == 'o') {
			if (cmd_output(self, optarg, &o->fmt))
				return ML_EXIT_USAGE;
		} else if (ch == 'b')
			o->by = optarg;
		else
			return cmd_usage(self,
					 "unknown option or missing "
					 "value: %s",
					 argv[optind - 1]);
	}
	if (optind >= argc || str_to_i64(argv[optind], &v) != 0 || v < 1)
		return cmd_usage(self, "expected an incident ID");
	o->id = v;
	for (int i = optind + 1; i < argc; i++)
		buf_printf(&o->text, "%s%s", i > optind + 1 ? " " : "",
			   argv[i]);
	if (!o->text.len)
		return cmd_usage(self, "expected the update's text");
	return 0;
}

static int exec_update(const struct cmd_entry *self, int argc, char **argv)
{
	struct upd_opts o = {0};
	struct ml_err err = {0};
	json_t *res = NULL, *body;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) != 0) {
		buf_free(&o.text);
		return rc;
	}
	body = json_pack("{s:s?}", "text", buf_str(&o.text));
	if (!body) /* not UTF-8: jansson refuses the string */
		rc = ml_err_set(&err, ML_EINPUT,
				"an update must be valid UTF-8 text");
	else
		rc = client_action(&o.c, o.id, "update", body, o.by, &res,
				   &err);
	json_decref(body);
	buf_free(&o.text);
	if (rc)
		return cmd_fail(&err);
	if (o.fmt == OUT_JSON)
		out_json(stdout, res);
	else
		printf("incident #%lld: update posted (%s)\n", o.id,
		       jget_str(res, "status", "?"));
	json_decref(res);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_incident_update_entry = {
    .path = "incident update",
    .summary = "post a status update (resets the update reminder)",
    .help = "Usage: mloncall incident update ID TEXT... [--by NAME] "
	    "[options]\n\n"
	    "Posts a status update on the incident's timeline (kind "
	    "\"update\"): what is\nknown, what is being done, when the next "
	    "update comes. Stakeholders read\nthese; the postmortem quotes "
	    "them; each one resets the status-update reminder\n(config "
	    "`status_updates:`, P1 every 30m by default). Resolved "
	    "incidents\nstill take updates (the all-clear).\n\n"
	    "Options:\n"
	    "  --by NAME       who posts it (default: the token's name, or "
	    "cli)\n"
	    "  --server URL    a running `mloncall serve` (or "
	    "MLONCALL_SERVER);\n"
	    "                  token from MLONCALL_TOKEN\n"
	    "  --db PATH       use the database file directly (or "
	    "MLONCALL_DB)\n"
	    "  -o FORMAT       text (default) or json (the incident after "
	    "the update)\n\n"
	    "Examples:\n"
	    "  mloncall incident update 12 \"Error rate back under 1%; "
	    "watching for 30m. Next update 14:30 UTC.\" --by ana\n"
	    "  mloncall incident update 12 --db oncall.db Rolled back "
	    "model v42\n",
    .exec = exec_update,
};
