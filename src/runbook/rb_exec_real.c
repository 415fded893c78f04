/* rb_exec_real.c: the real effects of the runbook engine: shell steps as
 * /bin/sh -c in their own process group (stdin /dev/null, timeout and
 * interruption kill the whole group, output capped), probes from the
 * registry, a prompt on the terminal, sleeping, the wall clock, and
 * notifications printed to stderr. What needs the incident service (an
 * approval without a terminal, a budget slot) fails with
 * RB_NEEDS_SERVICE; rb_channel.c wraps these ops with the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "probe/probe.h"
#include "runbook/rb_exec.h"

static volatile sig_atomic_t *cancel_of(void *ctx)
{
	return ctx ? ((struct rb_exec_real_ctx *)ctx)->cancel : NULL;
}

static int real_run_cmd(void *ctx, const char *shell, const char *const *env,
			int64_t timeout_ms, struct rb_cmd_result *res,
			struct ml_err *err)
{
	struct proc_opts o = {0};
	struct proc_result r;
	int rc;

	memset(res, 0, sizeof(*res));
	o.shell_cmd = shell;
	o.env_add = env;
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : ML_STEP_TIMEOUT_MS;
	o.cap = ctx && ((struct rb_exec_real_ctx *)ctx)->output_cap
		    ? ((struct rb_exec_real_ctx *)ctx)->output_cap
		    : ML_OUTPUT_CAP;
	if (ctx && ((struct rb_exec_real_ctx *)ctx)->grace_ms)
		o.grace_ms = ((struct rb_exec_real_ctx *)ctx)->grace_ms;
	o.merge_stderr = 1;
	o.cancel = cancel_of(ctx);
	if ((rc = proc_run(&o, &r, err)) != 0)
		return rc;
	res->exit_code = r.exit_code;
	res->signaled = r.signaled;
	res->sig = r.sig;
	res->timed_out = r.timed_out;
	res->interrupted = r.cancelled;
	res->output_total = r.out_total;
	res->duration_ms = r.duration_ms;
	res->output = buf_detach(&r.out, NULL);
	proc_result_free(&r);
	return 0;
}

static int real_run_probe(void *ctx, const char *probe, const char *as,
			  const json_t *args, int dry_run, json_t **facts,
			  struct ml_err *err)
{
	(void)as;
	const struct probe_def *p = probe_find(probe);

	*facts = NULL;
	if (!p)
		return ml_err_set(err, ML_EINPUT, "unknown probe `%s`", probe);
	if (dry_run && !p->read_only)
		return ml_err_set(err, ML_EUSAGE,
				  "probe %s is not read-only: not run in a "
				  "dry run",
				  probe);
	return probe_run(p, args, dry_run, NULL, cancel_of(ctx), facts, err);
}

static int real_confirm(void *ctx, const char *prompt, int *yes,
			struct ml_err *err)
{
	FILE *tty;
	char line[64];

	*yes = 0;
	if ((ctx && ((struct rb_exec_real_ctx *)ctx)->no_tty) ||
	    !isatty(STDIN_FILENO) || !(tty = fopen("/dev/tty", "r+")))
		return ml_err_set(err, ML_EUNSUPPORTED,
				  "no terminal to ask on and no --yes: the "
				  "approval " RB_NEEDS_SERVICE);
	fprintf(tty, "%s [y/N] ", prompt);
	fflush(tty);
	if (fgets(line, sizeof(line), tty))
		*yes = line[0] == 'y' || line[0] == 'Y';
	fclose(tty);
	return 0;
}

static void real_sleep_ms(void *ctx, int64_t ms)
{
	volatile sig_atomic_t *cancel = cancel_of(ctx);
	int64_t end = time_mono_ms() + ms;

	for (int64_t left = ms; left > 0; left = end - time_mono_ms()) {
		int64_t step = left < 100 ? left : 100;
		struct timespec ts = {(time_t)(step / 1000),
				      (long)(step % 1000) * 1000000L};
		if (cancel && *cancel)
			return;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			if (cancel && *cancel)
				return;
	}
}

static int64_t real_now_ms(void *ctx)
{
	(void)ctx;
	return time_now_ms();
}

static int real_notify(void *ctx, const char *channel, const char *message,
		       struct ml_err *err)
{
	(void)ctx;
	(void)err;
	fprintf(stderr, "notify%s%s: %s\n", channel ? " " : "",
		channel ? channel : "", message ? message : "");
	return 0;
}

static int real_take_slot(void *ctx, const char *pool, const char *key,
			  int limit, int *taken, struct ml_err *err)
{
	(void)ctx;
	(void)limit;
	*taken = 0;
	return ml_err_set(err, ML_EUNSUPPORTED,
			  "a budget slot (%s %s) " RB_NEEDS_SERVICE,
			  pool ? pool : "?", key ? key : "?");
}

static const struct rb_exec_ops real_ops = {
    .ctx = NULL,
    .run_cmd = real_run_cmd,
    .run_probe = real_run_probe,
    .confirm = real_confirm,
    .sleep_ms = real_sleep_ms,
    .now_ms = real_now_ms,
    .notify = real_notify,
    .thread_safe = 1,
    .take_slot = real_take_slot,
};

const struct rb_exec_ops *rb_exec_real_ops(void)
{
	return &real_ops;
}
