/* incident_update.c: `mloncall incident update ID TEXT... [--by NAME]`:
 * posts a status update (timeline kind "update") that stakeholders read,
 * that resets the status-update reminder, and that the postmortem
 * quotes. Through a running service (--server) or the database (--db). */
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

static const struct cmd_opt upd_table[] = {
    CMD_STR("by", 0, struct upd_opts, by),
    CMD_STR("as", 0, struct upd_opts, by),
    {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct upd_opts *o)
{
	struct cmd_args ca = {0};
	int rc = cmd_parse(self, 1, argc, argv, o, &ca);
	int64_t v;

	cmd_parsed_free(self, &ca, o);
	if (rc)
		return rc;
	o->c = ca.client;
	o->fmt = ca.fmt;
	if (!ca.nargs || str_to_i64(ca.args[0], &v) != 0 || v < 1)
		return cmd_usage(self, "expected an incident ID");
	o->id = v;
	for (int i = 1; i < ca.nargs; i++)
		buf_printf(&o->text, "%s%s", i > 1 ? " " : "", ca.args[i]);
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
		rc =
		    client_action(&o.c, o.id, "update", body, o.by, &res, &err);
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
	    "cli);\n"
	    "                  --as NAME is the same\n"
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
    .opts = upd_table,
    .flags = CMD_OUTPUT | CMD_CLIENT,
};
