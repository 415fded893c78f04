/* command.c: the `command` probe: runs a shell command and reads its
 * stdout as a JSON object of facts. The command runs as /bin/sh -c in its
 * own process group, stdin /dev/null, killed (with its children) at the
 * timeout. Not read-only: a runbook step marks it `read_only: true` when
 * the command only looks. Schema: docs/probes/command.md. */
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/xmalloc.h"
#include "probe/probe.h"

/* Last n bytes of s, at a line start when possible (for messages). */
static const char *tail(const char *s, size_t n)
{
	size_t len = strlen(s);
	const char *t;

	if (len <= n)
		return s;
	t = s + len - n;
	if (strchr(t, '\n') && strchr(t, '\n')[1])
		t = strchr(t, '\n') + 1;
	return t;
}

/* Environment list from the `env` argument ("K=V" strings). */
static const char **env_list(const json_t *env)
{
	const char **v = xcalloc(json_array_size(env) + 1, sizeof(*v));
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(env, i, e) if (strchr(json_string_value(e), '='))
	    v[n++] = json_string_value(e);
	return v;
}

/* Turns a finished process into facts (or an error for bad stdout). */
static int to_facts(const struct proc_result *r, const char *cmd,
		    json_t **facts, struct ml_err *err)
{
	json_error_t je;
	json_t *data = NULL;
	const char *out = buf_str(&r->out);

	*facts = probe_facts_new("command");
	if (r->out.len)
		data = json_loadb(out, r->out.len, JSON_REJECT_DUPLICATES, &je);
	if (data && json_is_object(data))
		json_object_update(*facts, data);
	jset_int(*facts, "exit_code", r->exited ? r->exit_code : -1);
	if (!r->exited || r->exit_code != 0) {
		jset_str(*facts, "stderr", tail(buf_str(&r->err), 2048));
		probe_reason(
		    *facts, PV_FAILED, "exit", "command %s: exit %d%s%s", cmd,
		    r->exited ? r->exit_code : -1, r->err.len ? ": " : "",
		    tail(buf_str(&r->err), 200));
	} else if (!data || !json_is_object(data)) {
		json_decref(*facts);
		*facts = NULL;
		if (!data && r->out.len)
			ml_err_at(err, ML_EINPUT, "command stdout", je.line,
				  je.column,
				  "expected a JSON object of facts: %s",
				  je.text);
		else
			ml_err_set(err, ML_EINPUT,
				   "command stdout: expected a JSON object of "
				   "facts, got %s",
				   r->out.len ? "another JSON value"
					      : "nothing");
		json_decref(data);
		return ML_EINPUT;
	}
	json_decref(data);
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *cmd = jget_str(ctx->args, "cmd", NULL);
	struct proc_opts o = {0};
	struct proc_result r;
	const char **env;
	int rc;

	*facts = NULL;
	if (!cmd)
		return ml_err_set(err, ML_EUSAGE, "probe command needs `cmd`");
	if (ctx->dry_run)
		return ml_err_set(err, ML_EUSAGE,
				  "probe command is not read-only: not run in "
				  "a dry run (mark the step `read_only: "
				  "true` if the command only looks)");
	env = env_list(json_object_get(ctx->args, "env"));
	o.shell_cmd = cmd;
	o.env_add = env;
	o.timeout_ms = jget_int(ctx->args, "timeout", 30000);
	o.cancel = ctx->cancel;
	rc = proc_run(&o, &r, err);
	free(env);
	if (rc)
		return rc;
	if (r.timed_out || r.cancelled) {
		char d[64];
		proc_describe(&r, &o, d, sizeof(d));
		proc_result_free(&r);
		return ml_err_set(err, r.timed_out ? ML_ETIMEOUT : ML_EIO,
				  "command %s: %s", cmd, d);
	}
	rc = to_facts(&r, cmd, facts, err);
	proc_result_free(&r);
	return rc;
}

static const struct probe_opt opts[] = {
    {"cmd", PO_STRING, "shell command whose stdout is a JSON object", NULL, 1,
     1},
    {"timeout", PO_DURATION, "kill the command (and its children) after", "30s",
     0, 0},
    {"env", PO_LIST, "extra environment, K=V (runbooks pass their params)",
     NULL, 0, 0},
    {0}};

const struct probe_def probe_command = {
    .name = "command",
    .summary = "run a command; its JSON stdout is the facts",
    .help = "The command's stdout must be a JSON object; its keys become the\n"
	    "facts, plus exit_code. A nonzero exit is a finding (verdict\n"
	    "failed, stderr kept); stdout that is not a JSON object is an\n"
	    "input error. In runbooks, params reach the command only as\n"
	    "environment variables (\"$deployment\"), never spliced into it.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check command \"echo '{\\\"queue_depth\\\": 12}'\"\n"
	    "  mloncall check command 'kubectl get deploy web -o json' "
	    "--timeout 10s\n",
    .read_only = 0,
    .opts = opts,
    .run = run,
};
