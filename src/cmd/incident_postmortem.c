/* incident_postmortem.c: `mloncall incident postmortem ID`: writes the
 * blameless postmortem of an incident (Markdown) from the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "incident/postmortem.h"
#include "incident/svc_config.h"
#include "store/store_practice.h"

static int render(const char *db, const char *config, int64_t id,
		  struct buf *out, struct ml_err *err)
{
	struct svc_config cfg;
	struct store *s = NULL;
	struct postmortem_opts o;
	int rc;

	if ((rc = svc_config_load(config, &cfg, err)) == 0 &&
	    (rc = store_open_existing(db, &s, err)) == 0) {
		o.now = time_now_ms();
		o.sla_ms = cfg.sla_ms;
		rc = postmortem_write(s, id, &o, out, err);
	}
	store_close(s);
	svc_config_free(&cfg);
	return rc;
}

struct pm_opts {
	const char *file, *config;
};

/* -o is a FILE here (the postmortem is Markdown), not CMD_OUTPUT. */
static const struct cmd_opt pm_table[] = {
    CMD_STR("output", 'o', struct pm_opts, file),
    CMD_STR("config", 0, struct pm_opts, config),
    {0}};

static int exec_postmortem(const struct cmd_entry *self, int argc, char **argv)
{
	struct pm_opts po = {0};
	struct cmd_args ca = {0};
	const char *file;
	struct ml_err err = {0};
	struct buf out = BUF_INIT;
	int64_t id;
	int rc = cmd_parse(self, 1, argc, argv, &po, &ca);

	cmd_parsed_free(self, &ca, &po);
	if (rc)
		return rc;
	file = po.file;
	if (ca.nargs != 1 || str_to_i64(ca.args[0], &id) || id < 1)
		return cmd_usage(self, "expected one incident ID");
	if ((rc = render(ca.db, po.config, id, &out, &err)) != 0) {
		buf_free(&out);
		return cmd_fail(&err);
	}
	if (file && strcmp(file, "-")) {
		if (buf_write_file_atomic(file, out.data, out.len) != 0) {
			ml_err_at(&err, ML_EIO, file, 0, 0, "cannot write: %m");
			buf_free(&out);
			return cmd_fail(&err);
		}
		printf("postmortem of incident #%lld written to %s\n",
		       (long long)id, file);
	} else {
		fwrite(buf_str(&out), 1, out.len, stdout);
	}
	buf_free(&out);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_incident_postmortem_entry = {
    .path = "incident postmortem",
    .summary = "write a blameless postmortem (Markdown) of an incident",
    .help = "Usage: mloncall incident postmortem ID [--db PATH] [-o FILE]"
	    " [--config FILE]\n"
	    "\n"
	    "Writes a blameless postmortem of incident ID in Markdown, from\n"
	    "its timeline, its runbook runs and its action items: summary,\n"
	    "impact (duration, MTTR, severity, the alerts' summaries),\n"
	    "detection (how, MTTA against the SLA, pages), timeline with\n"
	    "status updates, root cause (the runbook's diagnosis and probe\n"
	    "facts), actions taken (steps with results), sections for\n"
	    "people to fill (what went well, badly, where we got lucky),\n"
	    "action items, and runbook changes the run suggests.\n"
	    "See docs/postmortem.md.\n"
	    "\n"
	    "Options:\n"
	    "  --db PATH      the service's database (default MLONCALL_DB,\n"
	    "                 else oncall.db); never created by this command\n"
	    "  -o FILE        write to FILE (atomically) instead of stdout\n"
	    "  --config FILE  the service's config, for its SLA targets\n"
	    "                 (default P1 15m, P2 1h, P3 4h, P4 24h)\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall incident postmortem 42 --db oncall.db -o pm-42.md\n"
	    "  mloncall action add 42 \"alert on fragmentation\" --owner ana "
	    "--due 2026-12-15\n",
    .exec = exec_postmortem,
    .opts = pm_table,
    .flags = CMD_DB,
};
