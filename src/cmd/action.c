/* action.c: `mloncall action add|ls|done`: postmortem action items with
 * owners and due dates, kept in the incident store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "incident/md.h"
#include "store/store_practice.h"

struct act_opts {
	const char *db, *owner, *due, *actor;
	int open_only, overdue;
	int64_t incident;
	enum out_fmt fmt;
	char **args;
	int nargs;
};

static int set_incident(void *opts, const struct cmd_opt *opt, const char *v,
			struct ml_err *err)
{
	struct act_opts *o = opts;

	(void)opt;
	if (str_to_i64(v, &o->incident) || o->incident < 1)
		return ml_err_set(err, ML_EUSAGE,
				  "--incident: expected an incident ID");
	return 0;
}

static const struct cmd_opt add_table[] = {
    CMD_STR("owner", 0, struct act_opts, owner),
    CMD_STR("due", 0, struct act_opts, due),
    CMD_STR("as", 0, struct act_opts, actor),
    {0}};
static const struct cmd_opt ls_table[] = {
    CMD_FN("incident", 0, set_incident),
    CMD_FLAG("open", 0, struct act_opts, open_only),
    CMD_FLAG("overdue", 0, struct act_opts, overdue),
    CMD_STR("as", 0, struct act_opts, actor),
    {0}};
static const struct cmd_opt done_table[] = {
    CMD_STR("as", 0, struct act_opts, actor), {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct act_opts *o)
{
	struct cmd_args ca = {0};
	int rc;

	o->actor = "cli";
	rc = cmd_parse(self, 1, argc, argv, o, &ca);
	cmd_parsed_free(self, &ca, o);
	o->db = ca.db;
	o->fmt = ca.fmt;
	o->args = ca.args;
	o->nargs = ca.nargs;
	return rc;
}

/* --due: a date, an RFC 3339 time, or a duration from now ("14d"). */
static int parse_due(const char *s, int64_t now, int64_t *out)
{
	int64_t d;

	if (time_parse(s, out) == 0)
		return 0;
	if (dur_parse(s, &d) == 0 && d > 0) {
		*out = now + d;
		return 0;
	}
	return -1;
}

static int exec_add(const struct cmd_entry *self, int argc, char **argv)
{
	struct act_opts o = {0};
	struct store_action a = {0};
	struct ml_err err = {0};
	struct buf text = BUF_INIT;
	struct store *s = NULL;
	int64_t now = time_now_ms(), id = 0;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs < 2 || str_to_i64(o.args[0], &a.incident_id) ||
	    a.incident_id < 1)
		return cmd_usage(self, "expected an incident ID and the text "
				       "of the action item");
	if (o.due && parse_due(o.due, now, &a.due_at))
		return cmd_usage(self,
				 "--due: expected a date (2026-12-01), "
				 "an RFC 3339 time or a duration (14d), "
				 "got `%s`",
				 o.due);
	for (int i = 1; i < o.nargs; i++)
		buf_printf(&text, "%s%s", i > 1 ? " " : "", o.args[i]);
	a.text = buf_str(&text);
	a.owner = o.owner;
	a.actor = o.actor;
	if ((rc = store_open_existing(o.db, &s, &err)) == 0)
		rc = store_action_add(s, &a, now, &id, &err);
	store_close(s);
	buf_free(&text);
	if (rc)
		return cmd_fail(&err);
	if (o.fmt == OUT_JSON) {
		json_t *j = json_pack("{s:I, s:I}", "id", (json_int_t)id,
				      "incident_id", (json_int_t)a.incident_id);
		out_json(stdout, j);
		json_decref(j);
	} else {
		printf("action item #%lld added to incident #%lld%s\n",
		       (long long)id, (long long)a.incident_id,
		       o.owner ? "" : " (no owner: pass --owner NAME)");
	}
	return ML_EXIT_OK;
}

static void print_items(const json_t *items, int64_t now)
{
	const json_t *a;
	size_t i;

	printf("%-5s %-8s %-8s %-10s %-12s %s\n", "ID", "INCIDENT", "STATUS",
	       "DUE", "OWNER", "ACTION");
	json_array_foreach(items, i, a)
	{
		int64_t due = jget_int(a, "due_at", 0);
		const char *st = jget_str(a, "status", "?");
		char d[40], inc[24];
		md_time(due, d, sizeof(d));
		d[10] = '\0';
		snprintf(inc, sizeof(inc), "#%lld",
			 jget_int(a, "incident_id", 0));
		printf("%-5lld %-8s %-8s %-10s %-12s %s\n",
		       jget_int(a, "id", 0), inc,
		       !strcmp(st, "open") && due && due < now ? "overdue" : st,
		       due ? d : "-", jget_str(a, "owner", "-"),
		       jget_str(a, "text", ""));
	}
	if (!json_array_size(items))
		printf("(no action items)\n");
}

static int exec_ls(const struct cmd_entry *self, int argc, char **argv)
{
	struct act_opts o = {0};
	struct ml_err err = {0};
	struct store *s = NULL;
	json_t *items = NULL, *a;
	int64_t now = time_now_ms();
	size_t i;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs)
		return cmd_usage(self, "unexpected argument `%s`", o.args[0]);
	struct store_action_filter f = {.incident_id = o.incident,
					.open_only = o.open_only,
					.overdue_at = o.overdue ? now : 0,
					.include_drills = 1};
	if ((rc = store_open_existing(o.db, &s, &err)) == 0)
		rc = store_action_list(s, &f, &items, &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	json_array_foreach(items, i, a)
	{
		int64_t due = jget_int(a, "due_at", 0);
		jset_bool(a, "overdue",
			  !strcmp(jget_str(a, "status", ""), "open") && due &&
			      due < now);
	}
	if (o.fmt == OUT_JSON) {
		json_t *j = json_pack("{s:O}", "action_items", items);
		out_json(stdout, j);
		json_decref(j);
	} else {
		print_items(items, now);
	}
	json_decref(items);
	return ML_EXIT_OK;
}

static int exec_done(const struct cmd_entry *self, int argc, char **argv)
{
	struct act_opts o = {0};
	struct ml_err err = {0};
	struct store *s = NULL;
	int64_t id;
	int rc;

	if ((rc = parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs != 1 || str_to_i64(o.args[0], &id) || id < 1)
		return cmd_usage(self, "expected one action item ID");
	if ((rc = store_open_existing(o.db, &s, &err)) == 0)
		rc = store_action_done(s, id, o.actor, time_now_ms(), &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	if (o.fmt == OUT_JSON) {
		json_t *j = json_pack("{s:I, s:s}", "id", (json_int_t)id,
				      "status", "done");
		out_json(stdout, j);
		json_decref(j);
	} else {
		printf("action item #%lld done\n", (long long)id);
	}
	return ML_EXIT_OK;
}

#define COMMON                                                                 \
	"  --db PATH    the service's database (default MLONCALL_DB, else\n"   \
	"               oncall.db); never created by this command\n"           \
	"  --as NAME    who acts (default cli)\n"                              \
	"  -o FORMAT    text (default) or json\n"

static const struct cmd_entry add_entry = {
    .path = "action add",
    .summary = "add an action item to an incident",
    .help = "Usage: mloncall action add INCIDENT TEXT... [--owner NAME]"
	    " [--due DATE]\n\n"
	    "Adds a postmortem action item to incident INCIDENT; it shows\n"
	    "in the postmortem, and in `mloncall report` when overdue.\n\n"
	    "Options:\n"
	    "  --owner NAME  who does it (items without owner are flagged)\n"
	    "  --due DATE    2026-12-01, an RFC 3339 time, or a duration\n"
	    "                from now (14d)\n" COMMON "\nExample:\n"
	    "  mloncall action add 42 \"alert on allocator fragmentation\" "
	    "--owner ana --due 2026-12-15\n",
    .exec = exec_add,
    .opts = add_table,
    .flags = CMD_OUTPUT | CMD_DB,
};
static const struct cmd_entry ls_entry = {
    .path = "action ls",
    .summary = "list action items",
    .help = "Usage: mloncall action ls [--open] [--overdue] "
	    "[--incident ID]\n\n"
	    "Lists action items, oldest first (drills included).\n\n"
	    "Options:\n"
	    "  --open         only open items\n"
	    "  --overdue      only open items past their due date\n"
	    "  --incident ID  only the items of one incident\n" COMMON
	    "\nExamples:\n"
	    "  mloncall action ls --overdue --db oncall.db\n"
	    "  mloncall action ls --incident 42 -o json\n",
    .exec = exec_ls,
    .opts = ls_table,
    .flags = CMD_OUTPUT | CMD_DB,
};
static const struct cmd_entry done_entry = {
    .path = "action done",
    .summary = "mark an action item done",
    .help = "Usage: mloncall action done ID\n\n"
	    "Marks action item ID done (again: no change).\n\n"
	    "Options:\n" COMMON "\nExample:\n  mloncall action done 7\n",
    .exec = exec_done,
    .opts = done_table,
    .flags = CMD_OUTPUT | CMD_DB,
};

static const struct cmd_entry *const subs[] = {&add_entry, &ls_entry,
					       &done_entry, NULL};

const struct cmd_entry cmd_action_entry = {
    .path = "action",
    .summary = "postmortem action items (add, ls, done)",
    .help = "Usage: mloncall action COMMAND [options]\n",
    .subs = subs,
};
