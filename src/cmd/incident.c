/* incident.c: `mloncall incident ls|show|ack|resolve|note|role|severity|
 * bridge`: people acting on incidents, through a running service
 * (--server, MLONCALL_SERVER; token in MLONCALL_TOKEN) or the database
 * file (--db, MLONCALL_DB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "incident/client.h"
#include "incident/filter.h"

struct inc_opts {
	struct client c;
	enum out_fmt fmt;
	const char *actor;
	struct buf query; /* ls filters */
	char **args;	  /* positional words */
	int nargs;
	int all;
};

static void add_query(struct buf *q, const char *k, const char *v)
{
	filter_query_add(q, k, v);
}

/* --status, --severity, --since, --limit: a filter of `incident ls`, in
 * the order given; --drills: drill incidents too (drill.c's game days). */
static int ls_filter(void *opts, const struct cmd_opt *o, const char *v,
		     struct ml_err *err)
{
	struct inc_opts *io = opts;

	(void)err;
	add_query(&io->query, !strcmp(o->name, "drills") ? "drills" : o->name,
		  v ? v : "1");
	return 0;
}

static const struct cmd_opt inc_table[] = {
    CMD_STR("as", 0, struct inc_opts, actor), {0}};

static const struct cmd_opt ls_table[] = {
    CMD_STR("as", 0, struct inc_opts, actor),
    CMD_FN("status", 0, ls_filter),
    CMD_FN("severity", 0, ls_filter),
    CMD_FN("since", 0, ls_filter),
    CMD_FN("limit", 0, ls_filter),
    CMD_FLAG("all", 0, struct inc_opts, all),
    CMD_FN_FLAG("drills", 0, ls_filter),
    {0}};

/* Parses common options; returns 0 or an exit code. */
static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct inc_opts *o)
{
	struct cmd_args ca = {0};
	int rc = cmd_parse(self, 1, argc, argv, o, &ca);

	cmd_parsed_free(self, &ca, o);
	if (rc)
		return rc;
	o->c = ca.client;
	o->fmt = ca.fmt;
	if (!strcmp(self->path, "incident ls") && !o->all &&
	    !strstr(buf_str(&o->query), "status="))
		add_query(&o->query, "status", "open");
	o->args = ca.args;
	o->nargs = ca.nargs;
	return 0;
}

static void fmt_time(const json_t *v, char *out, size_t n)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_format(json_integer_value(v), out, n);
	out[16] = '\0'; /* 2026-11-23T08:59 */
	out[10] = ' ';
}

static void print_list(const json_t *incidents)
{
	const json_t *i;
	size_t k;

	printf("%-6s %-3s %-13s %-17s %-22s %s\n", "ID", "SEV", "STATUS",
	       "OPENED", "RUNBOOK", "TITLE");
	json_array_foreach(incidents, k, i)
	{
		char t[40];
		fmt_time(json_object_get(i, "created_at"), t, sizeof(t));
		printf("%-6lld P%-2lld %-13s %-17s %-22s %s%s\n",
		       (long long)jget_int(i, "id", 0),
		       (long long)jget_int(i, "severity", 0),
		       jget_str(i, "status", "?"), t,
		       jget_str(i, "runbook_id", "(none)"),
		       jget_int(i, "drill", 0) ? "[drill] " : "",
		       jget_str(i, "title", ""));
	}
	if (json_array_size(incidents) == 0)
		printf("(no incidents)\n");
}

static void print_incident(const json_t *inc)
{
	const json_t *e;
	char t[40];
	size_t k;

	printf("Incident #%lld  P%lld  %s\n", (long long)jget_int(inc, "id", 0),
	       (long long)jget_int(inc, "severity", 0),
	       jget_str(inc, "status", "?"));
	printf("Title:    %s\n", jget_str(inc, "title", ""));
	printf("Runbook:  %s\n",
	       jget_str(inc, "runbook_id", "(none: coverage gap)"));
	fmt_time(json_object_get(inc, "created_at"), t, sizeof(t));
	printf("Opened:   %s UTC\n", t);
	if (jget_str(inc, "bridge_url", NULL))
		printf("Bridge:   %s\n", jget_str(inc, "bridge_url", ""));
	json_array_foreach(json_object_get(inc, "roles"), k, e)
	    printf("Role:     %s = %s\n", jget_str(e, "role", ""),
		   jget_str(e, "person", ""));
	printf("\nAlerts:\n");
	json_array_foreach(json_object_get(inc, "alerts"), k, e) printf(
	    "  %-9s %-24s x%lld  %s\n", jget_str(e, "status", ""),
	    jget_str(e, "alertname", "?"), (long long)jget_int(e, "count", 1),
	    jget_str(e, "fingerprint", ""));
	printf("\nTimeline (UTC):\n");
	json_array_foreach(json_object_get(inc, "timeline"), k, e)
	{
		fmt_time(json_object_get(e, "at"), t, sizeof(t));
		printf("  %s  %-11s %s", t, jget_str(e, "kind", ""),
		       jget_str(e, "message", ""));
		if (!strcmp(jget_str(e, "kind", ""),
			    "update")) /* who said it */
			printf("  (%s)", jget_str(e, "actor", "?"));
		putchar('\n');
	}
}

static int finish(struct inc_opts *o, int rc, json_t *res,
		  const struct ml_err *err, int is_list)
{
	buf_free(&o->query);
	if (rc)
		return cmd_fail(err);
	if (o->fmt == OUT_JSON)
		out_json(stdout, res);
	else if (is_list)
		print_list(json_object_get(res, "incidents"));
	else
		print_incident(res);
	json_decref(res);
	return ML_EXIT_OK;
}

static int exec_ls(const struct cmd_entry *self, int argc, char **argv)
{
	struct inc_opts o = {0};
	struct ml_err err = {0};
	json_t *res = NULL;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) != 0)
		return buf_free(&o.query), rc;
	if (o.nargs)
		return buf_free(&o.query),
		       cmd_usage(self, "unexpected argument `%s`", o.args[0]);
	rc = client_incidents(&o.c, buf_str(&o.query), &res, &err);
	return finish(&o, rc, res, &err, 1);
}

static int get_id(const struct cmd_entry *self, struct inc_opts *o,
		  long long *id)
{
	int64_t v;

	if (o->nargs < 1 || str_to_i64(o->args[0], &v) != 0 || v < 1)
		return cmd_usage(self, "expected an incident ID");
	*id = v;
	return 0;
}

static int exec_show(const struct cmd_entry *self, int argc, char **argv)
{
	struct inc_opts o = {0};
	struct ml_err err = {0};
	json_t *res = NULL;
	long long id = 0;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) || (rc = get_id(self, &o, &id)))
		return buf_free(&o.query), rc;
	rc = client_incident(&o.c, id, &res, &err);
	return finish(&o, rc, res, &err, 0);
}

/* ack/resolve/note/role/severity/bridge: ID then the action's words. */
static int exec_action(const struct cmd_entry *self, int argc, char **argv)
{
	const char *action = strchr(self->path, ' ') + 1;
	struct inc_opts o = {0};
	struct ml_err err = {0};
	json_t *body, *res = NULL;
	long long id = 0;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) || (rc = get_id(self, &o, &id)))
		return buf_free(&o.query), rc;
	/* JSON carries only UTF-8: say so instead of dropping the word */
	for (int i = 1; i < o.nargs; i++) {
		json_t *t = json_string(o.args[i]);
		if (!t) {
			buf_free(&o.query);
			return cmd_usage(self, "argument %d is not valid UTF-8",
					 i + 1);
		}
		json_decref(t);
	}
	body = json_object();
	if (!strcmp(action, "note") || !strcmp(action, "resolve")) {
		struct buf text = BUF_INIT;
		for (int i = 1; i < o.nargs; i++)
			buf_printf(&text, "%s%s", i > 1 ? " " : "", o.args[i]);
		if (text.len)
			json_object_set_new(
			    body, !strcmp(action, "note") ? "text" : "reason",
			    json_string(buf_str(&text)));
		buf_free(&text);
	} else if (!strcmp(action, "role") && o.nargs == 3) {
		json_object_set_new(body, "role", json_string(o.args[1]));
		json_object_set_new(body, "person", json_string(o.args[2]));
	} else if (!strcmp(action, "severity") && o.nargs == 2) {
		json_object_set_new(body, "severity", json_string(o.args[1]));
	} else if (!strcmp(action, "bridge") && o.nargs == 2) {
		json_object_set_new(body, "url", json_string(o.args[1]));
	} else if (strcmp(action, "ack")) {
		json_decref(body);
		buf_free(&o.query);
		return cmd_usage(self, "wrong number of arguments");
	}
	rc = client_action(&o.c, id, action, body, o.actor, &res, &err);
	json_decref(body);
	if (rc == 0 && o.fmt == OUT_TEXT) {
		printf("incident #%lld: %s done (now %s)\n", id, action,
		       jget_str(res, "status", "?"));
		json_decref(res);
		buf_free(&o.query);
		return ML_EXIT_OK;
	}
	return finish(&o, rc, res, &err, 0);
}

#define COMMON_OPTS                                                            \
	"  --server URL    a running `mloncall serve` (or MLONCALL_SERVER);\n" \
	"                  token from MLONCALL_TOKEN\n"                        \
	"  --db PATH       use the database file directly (or MLONCALL_DB)\n"  \
	"  --as NAME       who acts (default: the token's name, or cli)\n"     \
	"  -o FORMAT       text (default) or json\n"

#define ENTRY(var, name, summ, usage)                                          \
	static const struct cmd_entry var = {                                  \
	    .path = "incident " name,                                          \
	    .summary = summ,                                                   \
	    .help = "Usage: mloncall incident " name " " usage "\n\n" summ     \
		    ".\n\nOptions:\n" COMMON_OPTS,                             \
	    .exec = exec_action,                                               \
	    .opts = inc_table,                                                 \
	    .flags = CMD_OUTPUT | CMD_CLIENT,                                  \
	}

static const struct cmd_entry ls_entry = {
    .path = "incident ls",
    .summary = "list incidents (open ones by default)",
    .help = "Usage: mloncall incident ls [--all] [--status S] [--severity P]"
	    " [--since 7d] [--limit N] [--drills]\n\n"
	    "Lists incidents, newest first; open ones unless --all or "
	    "--status.\nDrill incidents only with --drills (marked "
	    "[drill]).\n\nOptions:\n" COMMON_OPTS "\nExamples:\n"
	    "  mloncall incident ls --db oncall.db\n"
	    "  MLONCALL_SERVER=http://127.0.0.1:9094 mloncall incident ls "
	    "--all -o json\n",
    .exec = exec_ls,
    .opts = ls_table,
    .flags = CMD_OUTPUT | CMD_CLIENT,
};
static const struct cmd_entry show_entry = {
    .path = "incident show",
    .summary = "show an incident: alerts, roles, runs and timeline",
    .help =
	"Usage: mloncall incident show ID [options]\n\nOptions:\n" COMMON_OPTS,
    .exec = exec_show,
    .opts = inc_table,
    .flags = CMD_OUTPUT | CMD_CLIENT,
};
ENTRY(ack_entry, "ack", "acknowledge an incident (stops escalation)", "ID");
ENTRY(resolve_entry, "resolve", "resolve an incident", "ID [REASON...]");
ENTRY(note_entry, "note", "add a note to the timeline", "ID TEXT...");
ENTRY(role_entry, "role",
      "assign a role (incident_commander, communications, operations)",
      "ID ROLE PERSON");
ENTRY(severity_entry, "severity", "change the severity", "ID P1|P2|P3|P4");
ENTRY(bridge_entry, "bridge", "link the call bridge", "ID URL");

extern const struct cmd_entry cmd_incident_postmortem_entry;
extern const struct cmd_entry cmd_incident_update_entry;

static const struct cmd_entry *const subs[] = {&ls_entry,
					       &show_entry,
					       &ack_entry,
					       &resolve_entry,
					       &note_entry,
					       &role_entry,
					       &severity_entry,
					       &bridge_entry,
					       &cmd_incident_update_entry,
					       &cmd_incident_postmortem_entry,
					       NULL};

const struct cmd_entry cmd_incident_entry = {
    .path = "incident",
    .summary = "list and act on incidents (ls, show, ack, resolve, note)",
    .help = "Usage: mloncall incident COMMAND [options]\n",
    .subs = subs,
};
