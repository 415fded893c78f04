/* runbook_show.c: `mloncall runbook show FILE [-o md|json]`: a runbook as
 * Markdown (to read, link from an alert, paste in a wiki) or as JSON. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "runbook/rb.h"

static int exec_runbook_show(const struct cmd_entry *self, int argc,
			     char **argv)
{
	struct cmd_args ca = {.fmt = OUT_MARKDOWN};
	enum out_fmt fmt;
	const char *file = NULL;
	struct rb_runbook *rb = NULL;
	struct ml_err err;
	int rc = cmd_parse(self, 1, argc, argv, NULL, &ca);

	if (!rc && ca.nargs > 1)
		rc =
		    cmd_usage(self, "one runbook at a time (got `%s` and `%s`)",
			      ca.args[0], ca.args[1]);
	file = ca.nargs ? ca.args[0] : NULL;
	fmt = ca.fmt;
	cmd_parsed_free(self, &ca, NULL);
	if (rc)
		return rc;
	if (!file)
		return cmd_usage(self, "which runbook? give a FILE");
	if (fmt == OUT_HTML)
		return cmd_usage(self, "-o: show prints md (or text) and json");
	ml_err_clear(&err);
	if (rb_load_file(file, &rb, &err) != 0)
		return cmd_fail(&err);
	if (fmt == OUT_JSON) {
		json_t *j = rb_to_json(rb, time_now_ms());
		out_json(stdout, j);
		json_decref(j);
	} else {
		struct buf b = BUF_INIT;

		rb_render_md(rb, time_now_ms(), &b);
		fwrite(buf_str(&b), 1, b.len, stdout);
		buf_free(&b);
	}
	rb_free(rb);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_runbook_show_entry = {
    .path = "runbook show",
    .summary = "print a runbook as Markdown (for a wiki) or JSON",
    .help =
	"Usage: mloncall runbook show FILE [-o md|json]\n"
	"\n"
	"Renders a runbook as Markdown: title, severity and response\n"
	"time, owner, review status, triggers, params table, numbered\n"
	"steps per phase (prechecks, diagnose, remedies, procedure,\n"
	"verify, rollback), the cases that pick a remedy, acceptance\n"
	"criteria and contacts. Paste it in a wiki or link it from an\n"
	"alert. Secret param defaults are shown as ***.\n"
	"\n"
	"Options:\n"
	"  -o FORMAT   md (default; `text` is the same) or json (the\n"
	"              loaded runbook, schema in docs/runbook-format.md)\n"
	"\n"
	"Examples:\n"
	"  mloncall runbook show runbooks/examples/gpu-oom.yaml\n"
	"  mloncall runbook show runbooks/examples/gpu-oom.yaml > gpu-oom.md\n"
	"  mloncall runbook show runbooks/examples/disk-full.yaml -o json\n"
	"\n"
	"Exit status: 0 shown, 2 the file does not load (the message\n"
	"names file:line:col).\n",
    .exec = exec_runbook_show,
    .flags = CMD_OUTPUT,
};
