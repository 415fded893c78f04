/* run.c: `mloncall run FILE|ID`: executes a runbook with the real effects
 * (rb_exec_real_ops), narrating each step on stderr, then prints a
 * summary (or the run record with -o json). SIGINT/SIGTERM during the
 * change kill the running step's process group and run the rollback. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "runbook/rb.h"
#include "runbook/rb_channel.h"
#include "runbook/rb_exec.h"
#include "store/store.h"

/* The one piece of static state: a signal handler can only reach a
 * static. The engine resets it when it starts the rollback. */
static volatile sig_atomic_t run_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	run_interrupted = 1;
}

struct run_args {
	const char *target;
	const char *record;
	const char *runbooks;
	const char *db; /* --db: the service's store (the channel) */
	int64_t run_id; /* --run-id: the run's row in it */
	json_t *params;
	int dry_run, yes, quiet, diagnose_only;
};

/* --param NAME=VALUE (repeatable). */
static int parse_param(void *opts, const struct cmd_opt *o, const char *kv,
		       struct ml_err *err)
{
	struct run_args *a = opts;
	const char *eq = strchr(kv, '=');
	json_t *v;
	char *k;

	(void)o;
	if (!eq || eq == kv)
		return ml_err_set(err, ML_EUSAGE,
				  "--param needs NAME=VALUE, got `%s`", kv);
	v = json_string(eq + 1);
	if (!v)
		return ml_err_set(err, ML_EUSAGE,
				  "--param %s: value is not UTF-8", kv);
	k = xmalloc((size_t)(eq - kv) + 1);
	memcpy(k, kv, (size_t)(eq - kv));
	k[eq - kv] = 0;
	json_object_set_new(a->params, k, v);
	free(k);
	return 0;
}

static const struct cmd_opt run_opts[] = {
    CMD_FN("param", 'p', parse_param),
    CMD_FLAG("dry-run", 'n', struct run_args, dry_run),
    CMD_FLAG("yes", 'y', struct run_args, yes),
    CMD_FLAG("diagnose-only", 0, struct run_args, diagnose_only),
    CMD_STR("record", 0, struct run_args, record),
    CMD_STR("runbooks", 0, struct run_args, runbooks),
    CMD_FLAG("quiet", 'q', struct run_args, quiet),
    CMD_STR("db", 0, struct run_args, db),
    CMD_INT("run-id", 0, struct run_args, run_id, 1, INT64_MAX),
    {0}};

static int parse(const struct cmd_entry *self, int argc, char **argv,
		 struct run_args *a, struct cmd_args *ca)
{
	int rc = cmd_parse(self, 1, argc, argv, a, ca);

	if (rc)
		return rc;
	if (ca->nargs > 1)
		return cmd_usage(self,
				 "one runbook at a time (got `%s` and `%s`)",
				 ca->args[0], ca->args[1]);
	if (!ca->nargs)
		return cmd_usage(self, "which runbook? (a FILE or an ID)");
	a->target = ca->args[0];
	if (!a->db != !a->run_id)
		return cmd_usage(self, "--run-id and --db go together (the "
				       "run's row in the service's store)");
	return 0;
}

static int load(const struct run_args *a, struct rb_runbook **rb,
		struct ml_err *err)
{
	struct stat st;

	if (stat(a->target, &st) == 0 || strchr(a->target, '/') ||
	    str_ends(a->target, ".yaml") || str_ends(a->target, ".yml"))
		return rb_load_file(a->target, rb, err);
	return rb_find_by_id(a->runbooks, a->target, rb, err);
}

/* Short "what" of a recorded step: its name, command or probe. */
static void step_what(const json_t *s, struct buf *b)
{
	const char *name = jget_str(s, "name", NULL);
	const char *cmd = jget_str(s, "command", NULL);

	if (name)
		buf_puts(b, name);
	else if (cmd)
		buf_printf(b, "$ %.*s", (int)strcspn(cmd, "\n"), cmd);
	else if (jget_str(s, "probe", NULL)) {
		char *w =
		    json_object_size(json_object_get(s, "with"))
			? out_json_dumps(json_object_get(s, "with"),
					 JSON_COMPACT | JSON_PRESERVE_ORDER)
			: NULL;
		buf_printf(b, "probe %s%s%s", jget_str(s, "probe", ""),
			   w ? " " : "", w ? w : "");
		free(w);
	} else if (json_object_get(s, "items")) {
		const json_t *items = json_object_get(s, "items"), *x;
		size_t i;
		buf_puts(b, "for each of ");
		json_array_foreach(items, i, x)
		    buf_printf(b, "%s%s", i ? ", " : "", json_string_value(x));
		buf_printf(b, " (%lld at a time)", jget_int(s, "parallel", 1));
	} else if (jget_str(s, "prompt", NULL))
		buf_printf(b, "ask: %s", jget_str(s, "prompt", ""));
	else if (jget_str(s, "message", NULL))
		buf_printf(b, "notify: %s", jget_str(s, "message", ""));
	else if (json_object_get(s, "wait_ms")) {
		char d[32];
		dur_format(jget_int(s, "wait_ms", 0), d, sizeof(d));
		buf_printf(b, "wait %s", d);
	} else
		buf_puts(b, jget_str(s, "kind", "?"));
}

static void plan_line(const json_t *s, const char *indent)
{
	struct buf w = BUF_INIT;
	const char *res = jget_str(s, "result", "?");

	buf_puts(&w, indent);
	step_what(s, &w);
	if (w.len > 56)
		strcpy(w.data + 53, "...");
	printf("  %-10s %-7s %-56s %s\n", jget_str(s, "phase", "?"),
	       jget_str(s, "kind", "?"), buf_str(&w),
	       !strcmp(res, "planned")
		   ? "would run"
		   : (!strcmp(res, "ok") ? "ran (read-only): ok" : res));
	buf_free(&w);
}

static void print_plan(const json_t *rec)
{
	const char *k;
	json_t *v, *s, *x;
	const char *last = NULL;
	size_t i, j;

	printf("Params:\n");
	json_object_foreach(json_object_get(rec, "params"), k, v)
	    printf("  %s = %s\n", k, json_string_value(v));
	printf("\nPlan (dry run: nothing was changed):\n");
	json_array_foreach(json_object_get(rec, "steps"), i, s)
	{
		const json_t *runs = json_object_get(s, "runs");
		const char *rem = jget_str(s, "remedy", NULL);
		if (rem && (!last || strcmp(rem, last)))
			printf("  remedy `%s`:\n", rem);
		last = rem;
		plan_line(s, "");
		/* a batch: the steps of its first item stand for all */
		json_array_foreach(
		    json_object_get(json_array_get(runs, 0), "steps"), j, x)
		    plan_line(x, "| ");
	}
}

static void print_diagnosis(const json_t *rec, enum rb_run_status st)
{
	const json_t *d = json_object_get(rec, "diagnosis");
	const char *k;
	json_t *v;

	if (jget_bool(d, "matched", 0)) {
		struct buf b = BUF_INIT;
		rb_summary_diagnosis(rec, &b);
		fputs(buf_str(&b), stdout);
		buf_free(&b);
		if (jget_str(d, "remedy", NULL))
			printf("Remedy: %s\n", jget_str(d, "remedy", ""));
	} else if (json_object_get(d, "matched") || st == RB_RUN_NO_DIAGNOSIS) {
		printf("Diagnosis: no case matched. Facts:\n");
		if (!json_object_size(json_object_get(rec, "facts")))
			printf("  (none: no diagnose step gave facts)\n");
		json_object_foreach(json_object_get(rec, "facts"), k, v)
		{
			struct buf b = BUF_INIT;
			probe_render_default(v, &b);
			printf("  [%s] ", k);
			for (const char *p = buf_str(&b); *p; p++) {
				putchar(*p);
				if (*p == '\n' && p[1])
					printf("    ");
			}
			buf_free(&b);
		}
	}
}

static void print_summary(const json_t *rec, enum rb_run_status st,
			  const char *record_path)
{
	size_t i, failed = 0;
	json_t *s;

	/* no durations here: stderr narrates them, and the summary stays
	 * comparable between runs */
	printf("Runbook %s: %s",
	       jget_str(json_object_get(rec, "runbook"), "id", "?"),
	       rb_run_status_name(st));
	if (jget_int(rec, "attempts", 0))
		printf(" (%lld attempt%s)", jget_int(rec, "attempts", 0),
		       jget_int(rec, "attempts", 0) > 1 ? "s" : "");
	printf("\n");
	print_diagnosis(rec, st);
	if (st == RB_RUN_PLANNED)
		print_plan(rec);
	json_array_foreach(
	    json_object_get(rec, "transitions"), i,
	    s) if (!strcmp(jget_str(s, "to", ""), "prechecks-failed"))
	    printf("Note: a precheck did not pass: a real run would "
		   "stop before any change.\n");
	json_array_foreach(json_object_get(rec, "steps"), i, s)
	{
		const char *r = jget_str(s, "result", "");
		if (strcmp(r, "ok") && strcmp(r, "planned")) {
			struct buf w = BUF_INIT;
			step_what(s, &w);
			if (!failed++)
				printf("Steps that did not pass:\n");
			printf("  line %lld, %s: %s: %s",
			       jget_int(s, "line", 0),
			       jget_str(s, "phase", "?"), buf_str(&w), r);
			if (jget_bool(s, "timed_out", 0))
				printf(", timed out");
			else if (jget_str(s, "signal", NULL))
				printf(", killed by %s",
				       jget_str(s, "signal", ""));
			else if (jget_int(s, "exit_code", 0))
				printf(", exit %lld",
				       jget_int(s, "exit_code", 0));
			if (json_is_false(json_object_get(s, "expect_result")))
				printf(", expect %s is false",
				       jget_str(s, "expect", ""));
			if (jget_str(s, "error", NULL))
				printf(": %s", jget_str(s, "error", ""));
			printf("\n");
			buf_free(&w);
		}
	}
	if (record_path)
		printf("Record: %s (mloncall runs show %s)\n", record_path,
		       record_path);
}

/* With --db and --run-id the run talks to the service through the store
 * (rb_channel.h): *ops become the channel's, wrapping real. */
static int open_channel(const struct run_args *a, struct store **s,
			struct rb_channel *ch, const struct rb_exec_ops *real,
			struct rb_exec_ops *ops, struct ml_err *err)
{
	int rc;

	*s = NULL;
	if (!a->db)
		return 0;
	if ((rc = store_open(a->db, s, err)) != 0)
		return rc;
	if ((rc = rb_channel_init(ch, *s, a->run_id, real, err)) != 0) {
		store_close(*s);
		*s = NULL;
		return rc;
	}
	ch->cancel = &run_interrupted;
	rb_channel_ops(ch, ops);
	return 0;
}

static int exec_run(const struct cmd_entry *self, int argc, char **argv)
{
	struct run_args a = {0};
	struct cmd_args ca = {0};
	struct rb_runbook *rb = NULL;
	struct ml_err err = {0};
	struct rb_exec_real_ctx ctx = {0};
	struct rb_exec_ops real = *rb_exec_real_ops(), ops;
	struct rb_exec_opts o = {0};
	struct rb_channel ch = {0};
	struct store *store = NULL;
	struct sigaction sa = {0}, old_int, old_term;
	enum rb_run_status st;
	json_t *rec = NULL;
	int rc;

	a.params = json_object();
	a.runbooks = "runbooks";
	rc = parse(self, argc, argv, &a, &ca);
	if (!rc && load(&a, &rb, &err) != 0)
		rc = cmd_fail(&err);
	cmd_parsed_free(self, &ca, &a);
	if (rc) {
		json_decref(a.params);
		return rc;
	}
	run_interrupted = 0;
	ctx.cancel = &run_interrupted;
	real.ctx = &ctx;
	ops = real;
	if ((rc = open_channel(&a, &store, &ch, &real, &ops, &err)) != 0) {
		json_decref(a.params);
		rb_free(rb);
		return cmd_fail(&err);
	}
	o.params = a.params;
	o.dry_run = a.dry_run;
	o.assume_yes = a.yes;
	o.diagnose_only = a.diagnose_only;
	o.progress = a.quiet ? NULL : stderr;
	o.interrupted = &run_interrupted;
	o.record_path = a.record;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = rb_exec(rb, &o, &ops, &rec, &st, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rec && ca.fmt == OUT_JSON)
		out_json(stdout, rec);
	else if (rec)
		print_summary(rec, st, rc ? NULL : a.record);
	json_decref(rec);
	json_decref(a.params);
	rb_free(rb);
	if (store)
		rb_channel_free(&ch);
	store_close(store);
	if (rc)
		return cmd_fail(&err);
	return rb_run_exit_code(st);
}

const struct cmd_entry cmd_run_entry = {
    .path = "run",
    .summary =
	"execute a runbook: prechecks, diagnose, remedy, verify, rollback",
    .help =
	"Usage: mloncall run FILE|ID [--param NAME=VALUE]... [--dry-run] "
	"[--yes]\n"
	"                    [--record FILE] [--runbooks DIR] [-o json] "
	"[-q]\n"
	"                    [--run-id ID --db PATH]\n"
	"\n"
	"Runs a runbook: prechecks (a failure stops before any change),\n"
	"diagnose (probes, then the first case whose `when` holds picks\n"
	"the remedy), the remedy or procedure, verify; when verify fails,\n"
	"the rollback and verify again, up to max_attempts. Steps are\n"
	"narrated on stderr; a summary (or the run record) goes to stdout.\n"
	"\n"
	"Params reach shell steps only as environment variables ($name and\n"
	"$ML_PARAM_NAME; a name the shell or loader reads, such as PATH or\n"
	"LD_PRELOAD, only as $ML_PARAM_NAME), never spliced into the command\n"
	"text; secret params are shown as *** everywhere.\n"
	"\n"
	"Options:\n"
	"  -p, --param NAME=VALUE  set a param (repeatable)\n"
	"  -n, --dry-run           print the plan; run only read-only probes\n"
	"                          and `read_only: true` steps; change "
	"nothing\n"
	"  -y, --yes               answer yes to confirm steps (without it "
	"and\n"
	"                          without a terminal or the service, a "
	"confirm\n"
	"                          stops the run safely before the change)\n"
	"  --diagnose-only         stop after prechecks and the diagnosis\n"
	"                          (what `serve` runs for runbooks that\n"
	"                          are not auto: true)\n"
	"  --record FILE           write the run record (JSON) to FILE\n"
	"  --runbooks DIR          where to look up an ID (default: runbooks)\n"
	"  -o, --output FORMAT     text (summary) or json (the run record)\n"
	"  -q, --quiet             no narration on stderr\n"
	"  --run-id ID --db PATH   talk to the incident service through its\n"
	"                          store, as run ID (what `serve` passes):\n"
	"                          notify steps are sent by the service,\n"
	"                          confirm steps wait for `mloncall runs\n"
	"                          approve ID` (or the API), each step is\n"
	"                          reported on the incident's timeline\n"
	"\n"
	"Ctrl-C or SIGTERM during the change kills the running step (and its\n"
	"children) and runs the rollback; a second one interrupts the\n"
	"rollback.\n"
	"\n"
	"Examples:\n"
	"  mloncall run runbooks/examples/disk-full.yaml --dry-run\n"
	"  mloncall run gpu-oom --param deployment=llm-serve --record "
	"run.json\n"
	"  mloncall runs show run.json\n"
	"\n"
	"Exit status: 0 succeeded, diagnosed or planned; 1 failed_prechecks,\n"
	"no_diagnosis, rolled_back, rollback_failed or aborted; 2 usage or\n"
	"input error; 3 internal error.\n",
    .exec = exec_run,
    .opts = run_opts,
    .flags = CMD_OUTPUT,
};
