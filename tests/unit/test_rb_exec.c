/* test_rb_exec.c: the runbook engine (rb_exec) with the real ops and with
 * mocks: each final status, timeouts that kill grandchildren, the output
 * cap, dry runs that change nothing, injection attempts through params,
 * masked secrets, batches (first failure stops, parallel respected, never
 * all at once), SIGTERM during a change running the rollback, retries with
 * a fake clock, and param resolution. Runbooks are built in C here so the
 * engine is tested apart from the loader; YAML runbooks are exercised by
 * the golden cases in tests/golden/run/ and tests/e2e/run_cli.sh. One file
 * (over the usual 800 lines) so every test shares the runbook builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "runbook/rb_exec.h"

/* ---- building runbooks in C ---- */

static struct rb_step RUN(const char *cmd) {
	struct rb_step s = {0};
	s.kind = RB_STEP_RUN;
	s.run = (char *)cmd;
	s.line = 1;
	return s;
}

static struct rb_step
PROBE(const char *name, json_t *with, const char *expect) {
	struct rb_step s = {0};
	s.kind = RB_STEP_PROBE;
	s.probe = (char *)name;
	s.with = with;
	s.expect = (char *)expect;
	s.line = 1;
	return s;
}

#define STEPS(...)                                                             \
	((struct rb_steps){(struct rb_step[]){__VA_ARGS__},                    \
			   sizeof((struct rb_step[]){__VA_ARGS__}) /           \
			       sizeof(struct rb_step)})

static struct rb_param dir_param[] = {{.name = "dir", .required = 1}};

static struct rb_runbook base(void)
{
	struct rb_runbook rb = {0};
	rb.id = "t";
	rb.title = "test";
	rb.file = "test.yaml";
	rb.params = dir_param;
	rb.n_params = 1;
	rb.max_attempts = 1;
	return rb;
}

/* ---- a temp folder per test ---- */

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ml-rbexec-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[400];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int exists(const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return stat(p, &st) == 0;
}

static char *slurp(const char *name)
{
	char p[512];
	struct buf b = BUF_INIT;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	if (buf_read_file(&b, p, 0) != 0)
		return NULL;
	return buf_detach(&b, NULL);
}

static volatile sig_atomic_t flag;
static struct rb_exec_real_ctx real_ctx = {
    .cancel = &flag, .grace_ms = 200, .no_tty = 1};

/* Runs rb with the real ops and the given params (pairs, NULL-ended). */
static enum rb_run_status exec_real(const struct rb_runbook *rb,
				    struct rb_exec_opts *o, json_t **rec, ...)
{
	struct rb_exec_ops ops = *rb_exec_real_ops();
	json_t *params = json_pack("{s:s}", "dir", tmpdir);
	enum rb_run_status st = RB_RUN_STATUS_LAST;
	struct ml_err err;
	const char *k;
	va_list ap;
	int rc;

	va_start(ap, rec);
	while ((k = va_arg(ap, const char *)))
		json_object_set_new(params, k,
				    json_string(va_arg(ap, const char *)));
	va_end(ap);
	ops.ctx = &real_ctx;
	flag = 0;
	o->params = params;
	o->interrupted = &flag;
	rc = rb_exec(rb, o, &ops, rec, &st, &err);
	if (rc)
		fprintf(stderr, "rb_exec: %s\n", err.msg);
	assert_int_equal(rc, 0);
	json_decref(params);
	return st;
}

static const char *status_of(json_t *rec)
{
	return jget_str(rec, "status", "?");
}

/* ---- each final status ---- */

static void test_succeeded(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	rb.procedure = STEPS(RUN("touch \"$dir/done\""));
	rb.verify = STEPS(RUN("test -f \"$dir/done\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	assert_string_equal(status_of(rec), "succeeded");
	assert_int_equal(jget_int(rec, "schema", 0), 1);
	assert_int_equal(json_array_size(json_object_get(rec, "steps")), 2);
	assert_int_equal(rb_run_exit_code(RB_RUN_SUCCEEDED), 0);
	json_decref(rec);
}

static void test_failed_prechecks(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	rb.prechecks = STEPS(RUN("exit 3"));
	rb.procedure = STEPS(RUN("touch \"$dir/changed\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL),
			 RB_RUN_FAILED_PRECHECKS);
	assert_false(exists("changed"));
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(rec, "steps"), 0),
		     "exit_code", -1),
	    3);
	assert_int_equal(rb_run_exit_code(RB_RUN_FAILED_PRECHECKS), 1);
	json_decref(rec);
}

static void write_file(const char *name, const char *text)
{
	char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct rb_case two_cases[] = {{.when = "disk.used_pct > 95",
				      .cause = "full",
				      .remedy = "clean",
				      .line = 10},
				     {.when = "disk.inodes_pct > 90",
				      .cause = "inodes",
				      .remedy = "clean",
				      .line = 12}};

static struct rb_remedy clean_remedy[1];

static struct rb_runbook diag_runbook(void)
{
	struct rb_runbook rb = base();
	static struct rb_step diag[1], clean[1];
	diag[0] = PROBE("file", json_pack("{s:s}", "from", "{{dir}}/disk.json"),
			NULL);
	diag[0].as = "disk";
	rb.diagnose = (struct rb_steps){diag, 1};
	rb.cases = two_cases;
	rb.n_cases = 2;
	clean_remedy[0].name = "clean";
	clean[0] = RUN("touch \"$dir/cleaned\"");
	clean_remedy[0].steps = (struct rb_steps){clean, 1};
	rb.remedies = clean_remedy;
	rb.n_remedies = 1;
	return rb;
}

static void test_no_diagnosis(void **state)
{
	struct rb_runbook rb = diag_runbook();
	struct rb_exec_opts o = {0};
	json_t *rec, *d;
	(void)state;
	write_file("disk.json", "{\"used_pct\": 50, \"inodes_pct\": 10}");
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_NO_DIAGNOSIS);
	assert_false(exists("cleaned"));
	d = json_object_get(rec, "diagnosis");
	assert_false(jget_bool(d, "matched", 1));
	assert_int_equal(json_array_size(json_object_get(d, "cases")), 2);
	/* the facts are in the record for the human to read */
	assert_int_equal(
	    jget_int(json_object_get(json_object_get(rec, "facts"), "disk"),
		     "used_pct", 0),
	    50);
	json_decref(rec);
	json_decref(rb.diagnose.v[0].with);
}

static void test_diagnosis_second_case_with_why(void **state)
{
	struct rb_runbook rb = diag_runbook();
	struct rb_exec_opts o = {0};
	json_t *rec, *d, *seen;
	(void)state;
	write_file("disk.json", "{\"used_pct\": 50, \"inodes_pct\": 97}");
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	assert_true(exists("cleaned"));
	d = json_object_get(rec, "diagnosis");
	assert_true(jget_bool(d, "matched", 0));
	assert_int_equal(jget_int(d, "case", -1), 1);
	assert_string_equal(jget_str(d, "cause", ""), "inodes");
	seen = json_object_get(d, "seen");
	assert_int_equal(jget_int(seen, "disk.inodes_pct", 0), 97);
	/* the first case was evaluated false, with what it saw */
	seen = json_object_get(json_array_get(json_object_get(d, "cases"), 0),
			       "seen");
	assert_int_equal(jget_int(seen, "disk.used_pct", 0), 50);
	json_decref(rec);
	json_decref(rb.diagnose.v[0].with);
}

static void test_diagnose_only(void **state)
{
	struct rb_runbook rb = diag_runbook();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	write_file("disk.json", "{\"used_pct\": 99}");
	o.diagnose_only = 1;
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_DIAGNOSED);
	assert_false(exists("cleaned"));
	assert_int_equal(rb_run_exit_code(RB_RUN_DIAGNOSED), 0);
	json_decref(rec);
	json_decref(rb.diagnose.v[0].with);
}

static void test_rolled_back(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	rb.procedure = STEPS(RUN("touch \"$dir/changed\""));
	rb.verify = STEPS(RUN("test -f \"$dir/never\""));
	rb.rollback = STEPS(RUN("rm \"$dir/changed\"; touch \"$dir/rolled\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_ROLLED_BACK);
	assert_true(exists("rolled"));
	assert_false(exists("changed"));
	json_decref(rec);
}

static void test_rollback_failed(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	rb.procedure = STEPS(RUN("exit 1"));
	rb.rollback = STEPS(RUN("exit 2"));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL),
			 RB_RUN_ROLLBACK_FAILED);
	assert_string_equal(status_of(rec), "rollback_failed");
	json_decref(rec);
}

static void test_aborted_without_tty(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step confirm = {.kind = RB_STEP_CONFIRM,
				  .prompt = "Delete it?"};
	json_t *rec;
	(void)state;
	rb.procedure = STEPS(confirm, RUN("touch \"$dir/changed\""));
	rb.rollback = STEPS(RUN("touch \"$dir/rolled\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_ABORTED);
	assert_false(exists("changed"));
	assert_false(exists("rolled"));
	json_decref(rec);
	/* --yes answers it */
	o.assume_yes = 1;
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	assert_true(exists("changed"));
	json_decref(rec);
}

static void test_max_attempts(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	(void)state;
	rb.max_attempts = 3;
	rb.procedure = STEPS(RUN("echo x >> \"$dir/count\""));
	/* passes on the second attempt */
	rb.verify = STEPS(RUN("test $(wc -l < \"$dir/count\") -ge 2"));
	rb.rollback = STEPS(RUN("echo r >> \"$dir/rollbacks\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	assert_int_equal(jget_int(rec, "attempts", 0), 2);
	assert_true(exists("rollbacks"));
	json_decref(rec);
}

/* ---- dry run ---- */

static void test_dry_run_changes_nothing(void **state)
{
	struct rb_runbook rb = diag_runbook();
	struct rb_exec_opts o = {0};
	struct rb_step ro = RUN("echo looked > \"$dir/looked\"");
	struct rb_step cmdp = PROBE(
	    "command",
	    json_pack("{s:s}", "cmd", "touch \"$dir/probe-ran\"; echo {}"),
	    NULL);
	struct rb_step wait = {.kind = RB_STEP_WAIT, .wait_ms = 60000};
	json_t *rec;
	int64_t t0 = time_mono_ms();
	(void)state;
	ro.read_only = 1;
	write_file("disk.json", "{\"used_pct\": 99}");
	rb.prechecks = STEPS(ro, cmdp);
	clean_remedy[0].steps = STEPS(RUN("touch \"$dir/cleaned\""), wait);
	rb.verify = STEPS(RUN("touch \"$dir/verified\""));
	rb.rollback = STEPS(RUN("touch \"$dir/rolled\""));
	o.dry_run = 1;
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_PLANNED);
	assert_true(exists("looked")); /* read_only: true ran */
	assert_false(exists("probe-ran"));
	assert_false(exists("cleaned"));
	assert_false(exists("verified"));
	assert_false(exists("rolled"));
	assert_true(time_mono_ms() - t0 < 5000); /* the wait was not waited */
	assert_string_equal(
	    jget_str(json_object_get(rec, "diagnosis"), "cause", ""), "full");
	/* every step is in the plan */
	assert_int_equal(json_array_size(json_object_get(rec, "steps")), 7);
	assert_int_equal(rb_run_exit_code(RB_RUN_PLANNED), 0);
	json_decref(rec);
	json_decref(rb.diagnose.v[0].with);
	json_decref(cmdp.with);
}

/* ---- process handling ---- */

static void test_timeout_kills_grandchildren(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step s = RUN("(sleep 1; touch \"$dir/late\") & sleep 30");
	json_t *rec, *step;
	int64_t t0 = time_mono_ms();
	(void)state;
	s.timeout_ms = 300;
	rb.procedure = STEPS(s);
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_ROLLED_BACK);
	assert_true(time_mono_ms() - t0 < 5000);
	step = json_array_get(json_object_get(rec, "steps"), 0);
	assert_true(jget_bool(step, "timed_out", 0));
	assert_true(json_is_null(json_object_get(step, "exit_code")));
	usleep(1500 * 1000);
	assert_false(exists("late")); /* the grandchild died with the group */
	json_decref(rec);
}

static void test_output_cap(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec, *step;
	(void)state;
	real_ctx.output_cap = 1000;
	rb.procedure = STEPS(RUN("head -c 200000 /dev/zero | tr '\\0' x"));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	real_ctx.output_cap = 0;
	step = json_array_get(json_object_get(rec, "steps"), 0);
	assert_int_equal(strlen(jget_str(step, "output", "")), 1000);
	assert_int_equal(jget_int(step, "output_bytes", 0), 200000);
	assert_true(jget_bool(step, "output_truncated", 0));
	json_decref(rec);
}

static void test_signal_recorded(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec, *step;
	(void)state;
	rb.procedure = STEPS(RUN("kill -KILL $$"));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_ROLLED_BACK);
	step = json_array_get(json_object_get(rec, "steps"), 0);
	assert_string_equal(jget_str(step, "signal", ""), "SIGKILL");
	json_decref(rec);
}

/* ---- injection and secrets ---- */

static void test_injection(void **state)
{
	static const char *const evil[] = {"x; rm -f \"$dir/canary\"",
					   "$(rm -f \"$dir/canary\")",
					   "$(touch pwned1)",
					   "`touch pwned2`",
					   "x; touch pwned3",
					   "a\ntouch pwned4",
					   "\"; touch pwned5; echo \"",
					   "' ; touch pwned6 ; '",
					   "$((1+1)) && touch pwned7",
					   "${IFS}",
					   NULL};
	static struct rb_param ps[] = {{.name = "dir", .required = 1},
				       {.name = "deployment", .required = 1}};
	(void)state;
	write_file("canary", "still here");
	for (const char *const *e = evil; *e; e++) {
		struct rb_runbook rb = base();
		struct rb_exec_opts o = {0};
		struct rb_step p = PROBE(
		    "file",
		    json_pack("{s:s}", "from", "{{dir}}/{{deployment}}"), NULL);
		json_t *rec;
		char *got;
		rb.params = ps;
		rb.n_params = 2;
		rb.diagnose = STEPS(p);
		rb.procedure =
		    STEPS(RUN("printf '%s' \"$deployment\" > \"$dir/out\""),
			  RUN("printf '%s' \"$ML_PARAM_DEPLOYMENT\" > "
			      "\"$dir/out2\""));
		assert_int_equal(
		    exec_real(&rb, &o, &rec, "deployment", *e, NULL),
		    RB_RUN_SUCCEEDED);
		got = slurp("out");
		assert_string_equal(got, *e); /* arrived as plain data */
		free(got);
		got = slurp("out2");
		assert_string_equal(got, *e);
		free(got);
		json_decref(rec);
		json_decref(p.with);
	}
	assert_true(exists("canary")); /* no `rm` ran either */
	for (int i = 1; i <= 7; i++) {
		char n[16];
		snprintf(n, sizeof(n), "pwned%d", i);
		assert_false(exists(n));
		assert_int_equal(access(n, F_OK), -1); /* nor in the cwd */
	}
}

static void test_reserved_env_names(void **state)
{
	static struct rb_param ps[] = {{.name = "dir", .required = 1},
				       {.name = "PATH", .required = 1},
				       {.name = "LD_PRELOAD", .required = 1}};
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	json_t *rec;
	char *got;
	(void)state;
	rb.params = ps;
	rb.n_params = 3;
	/* `touch` still found: PATH was not replaced by the param */
	rb.procedure = STEPS(RUN("touch \"$dir/ran\"; printf '%s|%s|%s' "
				 "\"$ML_PARAM_PATH\" \"$LD_PRELOAD\" "
				 "\"$ML_PARAM_LD_PRELOAD\" > \"$dir/env\""));
	assert_int_equal(exec_real(&rb, &o, &rec, "PATH", "/evil", "LD_PRELOAD",
				   "/evil.so", NULL),
			 RB_RUN_SUCCEEDED);
	assert_true(exists("ran"));
	got = slurp("env");
	assert_string_equal(got, "/evil||/evil.so");
	free(got);
	json_decref(rec);
}

static void test_cmd_template_refused(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step p =
	    PROBE("command", json_pack("{s:s}", "cmd", "echo {{dir}}"), NULL);
	json_t *rec, *step;
	(void)state;
	rb.prechecks = STEPS(p);
	assert_int_equal(exec_real(&rb, &o, &rec, NULL),
			 RB_RUN_FAILED_PRECHECKS);
	step = json_array_get(json_object_get(rec, "steps"), 0);
	assert_string_equal(jget_str(step, "result", ""), "error");
	assert_non_null(strstr(jget_str(step, "error", ""), "$name"));
	json_decref(rec);
	json_decref(p.with);
}

static void test_command_probe_gets_params_as_env(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step p = PROBE(
	    "command",
	    json_pack("{s:s}", "cmd", "printf '{\"d\": \"%s\"}' \"$dir\""),
	    "cmd.d == params.dir");
	json_t *rec;
	(void)state;
	p.as = "cmd";
	rb.procedure = STEPS(p);
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	json_decref(rec);
	json_decref(p.with);
}

static void test_probe_step_timeout(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step p = PROBE(
	    "command", json_pack("{s:s}", "cmd", "sleep 20; echo {}"), NULL);
	int64_t t0 = time_mono_ms();
	json_t *rec;
	(void)state;
	p.timeout_ms = 300; /* the step's timeout: reaches the probe */
	rb.prechecks = STEPS(p);
	assert_int_equal(exec_real(&rb, &o, &rec, NULL),
			 RB_RUN_FAILED_PRECHECKS);
	assert_true(time_mono_ms() - t0 < 5000);
	assert_non_null(
	    strstr(jget_str(json_array_get(json_object_get(rec, "steps"), 0),
			    "error", ""),
		   "timed out"));
	json_decref(rec);
	json_decref(p.with);
}

static void test_secrets_masked(void **state)
{
	static struct rb_param ps[] = {{.name = "dir", .required = 1},
				       {.name = "token", .secret = 1}};
	const char *secret = "hunter2-s3cr3t";
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step notify = {.kind = RB_STEP_NOTIFY,
				 .message = "token is hunter2-s3cr3t"};
	struct rb_step notify2 = {.kind = RB_STEP_NOTIFY,
				  .message =
				      "in ${dir}: tok=$token, $5 $nope ${dir"};
	char *dump, *progress = NULL;
	size_t plen = 0;
	json_t *rec;
	(void)state;
	rb.params = ps;
	rb.n_params = 2;
	rb.procedure = STEPS(RUN("echo \"token=$token\"; echo \"$token\" >&2"),
			     notify, notify2);
	o.progress = open_memstream(&progress, &plen);
	o.record_path = NULL;
	assert_int_equal(exec_real(&rb, &o, &rec, "token", secret, NULL),
			 RB_RUN_SUCCEEDED);
	fclose(o.progress);
	dump = json_dumps(rec, 0);
	assert_null(strstr(dump, secret));
	assert_null(strstr(progress, secret));
	assert_non_null(strstr(dump, "token=***"));
	/* params are expanded in messages, then secrets masked; what is
	 * not a param stays as written */
	assert_non_null(strstr(dump, "tok=***, $5 $nope ${dir\""));
	assert_null(strstr(dump, "in ${dir}"));
	assert_null(strstr(dump, "tok=$token"));
	assert_string_equal(
	    jget_str(json_object_get(rec, "params"), "token", ""), "***");
	free(dump);
	free(progress);
	json_decref(rec);
}

/* ---- batch ---- */

static struct rb_param batch_params[] = {{.name = "dir", .required = 1},
					 {.name = "nodes", .required = 1}};

static void test_batch_stops_at_first_failure(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step b = {.kind = RB_STEP_BATCH, .items = "nodes"};
	json_t *rec, *runs;
	char *log;
	(void)state;
	b.before = STEPS(RUN("echo \"cordon $ITEM\" >> \"$dir/log\""));
	b.steps = STEPS(RUN("test \"$ITEM\" != n2"));
	b.after = STEPS(RUN("echo \"uncordon $ITEM\" >> \"$dir/log\""));
	rb.params = batch_params;
	rb.n_params = 2;
	rb.procedure = STEPS(b);
	assert_int_equal(
	    exec_real(&rb, &o, &rec, "nodes", "n1, n2 n3,n4", NULL),
	    RB_RUN_ROLLED_BACK);
	log = slurp("log");
	assert_string_equal(log, "cordon n1\nuncordon n1\ncordon n2\n");
	free(log);
	runs = json_object_get(json_array_get(json_object_get(rec, "steps"), 0),
			       "runs");
	assert_int_equal(json_array_size(runs), 4);
	assert_string_equal(jget_str(json_array_get(runs, 1), "result", ""),
			    "failed");
	assert_string_equal(jget_str(json_array_get(runs, 3), "result", ""),
			    "skipped");
	json_decref(rec);
}

static void test_batch_parallel(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step b = {
	    .kind = RB_STEP_BATCH, .items = "nodes", .parallel = 2};
	json_t *rec;
	char *log;
	int max = 0;
	(void)state;
	/* each item notes how many items are inside the step with it */
	b.steps = STEPS(RUN("mkdir \"$dir/in.$ITEM\"; ls -d \"$dir\"/in.* | "
			    "wc -l >> \"$dir/conc\"; sleep 0.4; "
			    "ls -d \"$dir\"/in.* | wc -l >> \"$dir/conc\"; "
			    "rmdir \"$dir/in.$ITEM\""));
	rb.params = batch_params;
	rb.n_params = 2;
	rb.procedure = STEPS(b);
	assert_int_equal(exec_real(&rb, &o, &rec, "nodes", "a b c d", NULL),
			 RB_RUN_SUCCEEDED);
	log = slurp("conc");
	for (char *p = log; p && *p; p++)
		if (*p >= '0' && *p <= '9' && *p - '0' > max)
			max = *p - '0';
	free(log);
	assert_int_equal(max, 2); /* two at a time, never more */
	json_decref(rec);

	/* parallel covering every item: lowered, never all at once */
	b.parallel = 4;
	rb.procedure = STEPS(b);
	assert_int_equal(exec_real(&rb, &o, &rec, "nodes", "w x y z", NULL),
			 RB_RUN_SUCCEEDED);
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(rec, "steps"), 0),
		     "parallel", 0),
	    3);
	json_decref(rec);
}

static void test_batch_items_from_expression(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct rb_step p = PROBE(
	    "file", json_pack("{s:s}", "from", "{{dir}}/nodes.json"), NULL);
	struct rb_step b = {.kind = RB_STEP_BATCH, .items = "inv.nodes"};
	json_t *rec;
	char *log;
	(void)state;
	p.as = "inv";
	write_file("nodes.json", "{\"nodes\": [\"g1\", \"g2\"]}");
	b.steps = STEPS(RUN("echo \"$ITEM\" >> \"$dir/log\""));
	rb.diagnose = STEPS(p);
	rb.procedure = STEPS(b);
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	log = slurp("log");
	assert_string_equal(log, "g1\ng2\n");
	free(log);
	json_decref(rec);
	json_decref(p.with);
}

/* ---- interruption ---- */

static void on_term(int sig)
{
	(void)sig;
	flag = 1;
}

static void test_sigterm_runs_rollback(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	struct sigaction sa = {0}, old;
	json_t *rec, *step;
	int64_t t0 = time_mono_ms();
	(void)state;
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, &old);
	/* the step signals this process (its parent), as systemd or a
	 * Ctrl-C would, then would go on for 20 s */
	rb.procedure = STEPS(RUN("touch \"$dir/changed\"; kill -TERM $PPID; "
				 "sleep 20; touch \"$dir/finished\""));
	rb.rollback = STEPS(RUN("touch \"$dir/rolled\""));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_ROLLED_BACK);
	sigaction(SIGTERM, &old, NULL);
	assert_true(time_mono_ms() - t0 < 10000);
	assert_true(exists("rolled"));
	assert_false(exists("finished"));
	assert_true(jget_bool(rec, "interrupted", 0));
	step = json_array_get(json_object_get(rec, "steps"), 0);
	assert_string_equal(jget_str(step, "result", ""), "interrupted");
	json_decref(rec);
}

/* ---- mocks: retries with a fake clock ---- */

struct mock {
	int64_t now;
	int calls;
	int checks;
	int pass_on; /* the command "check" exits 0 from this call on */
	int probes;
};

static int m_run(void *ctx, const char *shell, const char *const *env,
		 int64_t timeout_ms, struct rb_cmd_result *res,
		 struct ml_err *err)
{
	struct mock *m = ctx;
	(void)env, (void)timeout_ms, (void)err;
	memset(res, 0, sizeof(*res));
	m->calls++;
	if (!strcmp(shell, "check"))
		m->checks++;
	res->exit_code =
	    strcmp(shell, "check") || m->checks >= m->pass_on ? 0 : 1;
	res->output = strdup("");
	return 0;
}

static int m_probe(void *ctx, const char *probe, const char *as,
		   const json_t *args, int dry_run, json_t **facts,
		   struct ml_err *err)
{
	struct mock *m = ctx;
	(void)as, (void)args, (void)dry_run, (void)err;
	m->probes++;
	*facts = json_pack("{s:s, s:i}", "probe", probe, "ready", m->probes);
	return 0;
}

static int m_confirm(void *ctx, const char *prompt, int *yes,
		     struct ml_err *err)
{
	(void)ctx, (void)prompt, (void)err;
	*yes = 0;
	return 0;
}

static void m_sleep(void *ctx, int64_t ms)
{
	((struct mock *)ctx)->now += ms;
}

static int64_t m_now(void *ctx)
{
	return ((struct mock *)ctx)->now;
}

static int m_notify(void *ctx, const char *c, const char *msg,
		    struct ml_err *err)
{
	(void)ctx, (void)c, (void)msg, (void)err;
	return 0;
}

static enum rb_run_status exec_mock(struct rb_runbook *rb, struct mock *m,
				    json_t **rec)
{
	struct rb_exec_ops ops = {m,	   m_run, m_probe,  m_confirm,
				  m_sleep, m_now, m_notify, 0,
				  NULL,	   NULL,  NULL};
	struct rb_exec_opts o = {0};
	json_t *params = json_pack("{s:s}", "dir", "/nonexistent");
	enum rb_run_status st;
	struct ml_err err;

	o.params = params;
	assert_int_equal(rb_exec(rb, &o, &ops, rec, &st, &err), 0);
	json_decref(params);
	return st;
}

static void test_retries_and_within(void **state)
{
	struct rb_runbook rb = base();
	struct rb_step v = RUN("check");
	struct rb_step p = PROBE("svc", NULL, "svc.ready >= 4");
	struct mock m = {.now = 1700000000000LL, .pass_on = 3};
	json_t *rec;
	(void)state;
	v.retries = 2; /* 3 tries: passes on the third */
	rb.procedure = STEPS(RUN("change"));
	rb.verify = STEPS(v);
	assert_int_equal(exec_mock(&rb, &m, &rec), RB_RUN_SUCCEEDED);
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(rec, "steps"), 1), "tries",
		     0),
	    3);
	json_decref(rec);

	/* within 20s every 5s: tries at 0, 5, 10, 15, 20 -> the 4th passes */
	memset(&m, 0, sizeof(m));
	m.now = 1700000000000LL;
	p.within_ms = 20000;
	p.interval_ms = 5000;
	rb.verify = STEPS(p);
	assert_int_equal(exec_mock(&rb, &m, &rec), RB_RUN_SUCCEEDED);
	assert_int_equal(m.probes, 4);
	json_decref(rec);

	/* within too short: gives up, rolls back */
	memset(&m, 0, sizeof(m));
	p.within_ms = 9000;
	rb.verify = STEPS(p);
	assert_int_equal(exec_mock(&rb, &m, &rec), RB_RUN_ROLLED_BACK);
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(rec, "steps"), 1), "tries",
		     0),
	    2); /* at 0s and 5s; 10s is past `within` */
	/* no rollback steps: nothing to verify again */
	assert_int_equal(m.probes, 2);
	json_decref(rec);

	/* with rollback steps, verify runs again after them */
	memset(&m, 0, sizeof(m));
	rb.rollback = STEPS(RUN("undo"));
	assert_int_equal(exec_mock(&rb, &m, &rec), RB_RUN_ROLLED_BACK);
	assert_int_equal(m.probes, 4);
	json_decref(rec);
}

static void test_mock_dry_run_runs_no_command(void **state)
{
	struct rb_runbook rb = base();
	struct mock m = {.pass_on = 1};
	struct rb_exec_ops ops = {&m,	   m_run, m_probe,  m_confirm,
				  m_sleep, m_now, m_notify, 0,
				  NULL,	   NULL,  NULL};
	struct rb_exec_opts o = {0};
	json_t *params = json_pack("{s:s}", "dir", "/x"), *rec;
	enum rb_run_status st;
	struct ml_err err;
	(void)state;
	rb.prechecks = STEPS(RUN("a"), PROBE("file", NULL, NULL));
	rb.procedure = STEPS(RUN("b"));
	rb.verify = STEPS(PROBE("file", NULL, NULL));
	o.params = params;
	o.dry_run = 1;
	assert_int_equal(rb_exec(&rb, &o, &ops, &rec, &st, &err), 0);
	assert_int_equal(st, RB_RUN_PLANNED);
	assert_int_equal(m.calls, 0);
	assert_int_equal(m.probes, 1); /* the read-only precheck probe only */
	json_decref(rec);
	json_decref(params);
}

/* ---- params ---- */

static void test_params_resolve(void **state)
{
	static char *choices[] = {"a", "b"};
	static struct rb_param ps[] = {
	    {.name = "n", .type = RB_PT_INT, .dflt = "3"},
	    {.name = "flag", .type = RB_PT_BOOL},
	    {.name = "mode", .n_choices = 2, .choices = choices},
	    {.name = "need", .required = 1},
	    {.name = "d", .type = RB_PT_DURATION}};
	struct rb_runbook rb = base();
	struct ml_err err;
	json_t *out, *given;
	(void)state;
	rb.params = ps;
	rb.n_params = 5;
	given = json_pack("{s:s, s:s, s:s}", "need", "x", "flag", "yes", "mode",
			  "b");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), 0);
	assert_string_equal(jget_str(out, "n", ""), "3");
	assert_string_equal(jget_str(out, "flag", ""), "true");
	json_decref(out);
	json_decref(given);

	/* a real from a test file or a drill reaches the shell in its
	 * shortest form, not as 0.34999999999999998 */
	given = json_pack("{s:s, s:f}", "need", "x", "mode", 0.35);
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	json_decref(given);
	given = json_pack("{s:f}", "need", 0.35);
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), 0);
	assert_string_equal(jget_str(out, "need", ""), "0.35");
	json_decref(out);
	json_decref(given);

	given = json_pack("{s:s}", "nedd", "x");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	assert_non_null(strstr(err.msg, "did you mean `need`"));
	json_decref(given);

	given = json_pack("{s:s}", "d", "x");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	assert_non_null(strstr(err.msg, "need"));
	json_decref(given);

	given = json_pack("{s:s, s:s}", "need", "x", "n", "3.5");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	assert_non_null(strstr(err.msg, "`n` must be an integer"));
	json_decref(given);

	given = json_pack("{s:s, s:s}", "need", "x", "mode", "c");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	assert_non_null(strstr(err.msg, "one of: a, b"));
	json_decref(given);

	given = json_pack("{s:s, s:s}", "need", "x", "d", "5 minutes");
	assert_int_equal(rb_params_resolve(&rb, given, &out, &err), ML_EUSAGE);
	json_decref(given);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(rb_run_status_name(RB_RUN_NO_DIAGNOSIS),
			    "no_diagnosis");
	assert_string_equal(rb_run_status_name(RB_RUN_PLANNED), "planned");
	assert_string_equal(rb_run_status_name(RB_RUN_STATUS_LAST), "unknown");
}

static void test_record_file_written(void **state)
{
	struct rb_runbook rb = base();
	struct rb_exec_opts o = {0};
	char path[512];
	json_t *rec, *back;
	(void)state;
	snprintf(path, sizeof(path), "%s/run.json", tmpdir);
	o.record_path = path;
	rb.procedure = STEPS(RUN("true"));
	assert_int_equal(exec_real(&rb, &o, &rec, NULL), RB_RUN_SUCCEEDED);
	back = json_load_file(path, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, rec));
	json_decref(back);
	json_decref(rec);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_succeeded),
	    T(test_failed_prechecks),
	    T(test_no_diagnosis),
	    T(test_diagnosis_second_case_with_why),
	    T(test_diagnose_only),
	    T(test_rolled_back),
	    T(test_rollback_failed),
	    T(test_aborted_without_tty),
	    T(test_max_attempts),
	    T(test_dry_run_changes_nothing),
	    T(test_timeout_kills_grandchildren),
	    T(test_output_cap),
	    T(test_signal_recorded),
	    T(test_injection),
	    T(test_reserved_env_names),
	    T(test_cmd_template_refused),
	    T(test_command_probe_gets_params_as_env),
	    T(test_probe_step_timeout),
	    T(test_secrets_masked),
	    T(test_batch_stops_at_first_failure),
	    T(test_batch_parallel),
	    T(test_batch_items_from_expression),
	    T(test_sigterm_runs_rollback),
	    T(test_retries_and_within),
	    T(test_mock_dry_run_runs_no_command),
	    T(test_params_resolve),
	    T(test_status_names),
	    T(test_record_file_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
