/* report.c: `mloncall report`: the on-call practice measured from the
 * incident store (src/incident/report.h), as text, JSON or one
 * self-contained HTML page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "incident/report.h"
#include "incident/svc_config.h"
#include "store/store_practice.h"

struct rep_args {
	const char *db, *config, *runbooks;
	int64_t since_ms;
	int64_t noisy_min;
	enum out_fmt fmt;
};

static const struct cmd_opt rep_table[] = {
    CMD_DUR("since", 0, struct rep_args, since_ms, 1, 0),
    CMD_STR("runbooks", 0, struct rep_args, runbooks),
    CMD_STR("config", 0, struct rep_args, config),
    CMD_INT("noisy-min", 0, struct rep_args, noisy_min, 1, 1000000),
    {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct rep_args *a)
{
	struct cmd_args ca = {0};
	int rc;

	a->since_ms = 30 * 86400000LL;
	rc = cmd_parse(self, 1, argc, argv, a, &ca);
	cmd_parsed_free(self, &ca, a);
	a->db = ca.db;
	a->fmt = ca.fmt;
	if (!rc && a->fmt == OUT_MARKDOWN)
		rc = cmd_usage(self, "-o: expected text, json or html");
	if (!rc && ca.nargs)
		rc = cmd_usage(self, "unexpected argument `%s`", ca.args[0]);
	return rc;
}

static int build(const struct rep_args *a, json_t **out, struct ml_err *err)
{
	struct svc_config cfg;
	struct store *s = NULL;
	struct report_opts o = {0};
	int rc;

	if ((rc = svc_config_load(a->config, &cfg, err)) == 0 &&
	    (rc = store_open_existing(a->db, &s, err)) == 0) {
		o.now = time_now_ms();
		o.since_ms = a->since_ms;
		o.sla_ms = cfg.sla_ms;
		o.runbooks_dir = a->runbooks ? a->runbooks : cfg.runbooks_dir;
		o.noisy_min = (int)a->noisy_min;
		rc = report_build(s, &o, out, err);
	}
	store_close(s);
	svc_config_free(&cfg);
	return rc;
}

static int exec_report(const struct cmd_entry *self, int argc, char **argv)
{
	struct rep_args a = {0};
	struct ml_err err = {0};
	struct buf out = BUF_INIT;
	json_t *r = NULL;
	int rc;

	if ((rc = parse(self, argc, argv, &a)) != 0)
		return rc;
	if ((rc = build(&a, &r, &err)) != 0)
		return cmd_fail(&err);
	if (a.fmt == OUT_JSON) {
		out_json(stdout, r);
	} else {
		if (a.fmt == OUT_HTML)
			report_html(r, &out);
		else
			report_text(r, &out);
		fwrite(buf_str(&out), 1, out.len, stdout);
	}
	buf_free(&out);
	json_decref(r);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_report_entry = {
    .path = "report",
    .summary = "on-call practice: MTTA/MTTR, SLA breaches, pages/person/week",
    .help = "Usage: mloncall report [--since 30d] [--db PATH] [--runbooks DIR]"
	    " [-o text|json|html]\n"
	    "\n"
	    "Measures the on-call practice from the incident store over the\n"
	    "last --since (drills excluded): MTTA and MTTR per severity\n"
	    "(median and p90), SLA breaches, incidents per week, pages per\n"
	    "person per week (healthy 1-2, warning 3-9, unhealthy >= 10),\n"
	    "noisy alerts, alerts with no runbook, runbooks past their\n"
	    "review date, action items done within 30 days and overdue ones.\n"
	    "See docs/report.md for the definitions and the JSON schema.\n"
	    "\n"
	    "Options:\n"
	    "  --since DUR     window length, ending now (default 30d)\n"
	    "  --db PATH       the service's database (default MLONCALL_DB,\n"
	    "                  else oncall.db); never created\n"
	    "  --runbooks DIR  check review dates of the runbooks in DIR\n"
	    "                  (default: `runbooks:` of --config)\n"
	    "  --config FILE   the service's config: SLA targets, runbooks\n"
	    "  --noisy-min N   firings before an alert can count as noisy (5)\n"
	    "  -o FORMAT       text (default), json, or html (one\n"
	    "                  self-contained page with SVG charts)\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall report --db oncall.db --runbooks runbooks/\n"
	    "  mloncall report --since 12w -o html > oncall-report.html\n"
	    "  mloncall report -o json | jq '.response[] | "
	    "{severity, mtta_median_ms}'\n",
    .exec = exec_report,
    .opts = rep_table,
    .flags = CMD_OUTPUT | CMD_DB,
};
