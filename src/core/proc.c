/* proc.c: child processes (posix_spawn) in their own process group, with
 * timeouts and capped capture. */
#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/dur.h"

extern char **environ;

struct stream {
	int fd;
	struct buf *dst;
	size_t *total;
};

/* Environment of the child: ours, with env_add overriding (malloc'ed
 * array of borrowed strings). */
static char **child_env(const char *const *add)
{
	size_t n = 0, k = 0, na = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (add && add[na])
		na++;
	env = malloc((n + na + 1) * sizeof(*env));
	if (!env)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		int over = 0;
		for (size_t j = 0; j < na && !over; j++)
			over = !strncmp(add[j], environ[i], klen) &&
			       add[j][klen] == '=';
		if (!over)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < na; j++)
		if (strchr(add[j], '='))
			env[k++] = (char *)add[j];
	env[k] = NULL;
	return env;
}

/* Starts the child with posix_spawn (vfork-like: no copy of our memory,
 * which keeps a step's overhead low) in its own process group, with
 * default SIGPIPE/SIGINT/SIGTERM and nothing blocked. Returns 0 or an
 * errno value (the program could not be run). */
static int child_spawn(const struct proc_opts *o, int in_fd, int out_fd,
		       int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	char **env = child_env(o->env_add);
	const char *sh_argv[] = {"sh", "-c", o->shell_cmd, NULL};
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					  POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	if (o->shell_cmd)
		rc = posix_spawn(pid, "/bin/sh", &fa, &at,
				 (char *const *)sh_argv, env);
	else
		rc = posix_spawnp(pid, o->argv[0], &fa, &at,
				  (char *const *)o->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(env);
	return rc;
}

static void keep(struct stream *s, const char *p, size_t n, size_t cap)
{
	size_t room = s->dst->len < cap ? cap - s->dst->len : 0;

	*s->total += n;
	buf_add(s->dst, p, n < room ? n : room);
}

/* Reads what is ready on s; returns 0 at EOF (fd closed), 1 otherwise. */
static int drain(struct stream *s, size_t cap)
{
	char chunk[16384];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	keep(s, chunk, (size_t)n, cap);
	return 1;
}

static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) != 0)
		kill(pid, sig);
}

struct runstate {
	pid_t pid;
	int status;
	int reaped;
	int pidfd; /* readable when the child exits (Linux 5.3+), or -1 */
	int64_t start, term_at, kill_at;
};

/* Decides on timeout, cancel and kill escalation; returns poll timeout. */
static int tick(const struct proc_opts *o, struct proc_result *r,
		struct runstate *st)
{
	int64_t now = time_mono_ms();
	int64_t grace = o->grace_ms ? o->grace_ms : ML_KILL_GRACE_MS;

	if (!st->term_at && o->cancel && *o->cancel) {
		r->cancelled = 1;
		st->term_at = now;
	}
	if (!st->term_at && o->timeout_ms && now - st->start >= o->timeout_ms) {
		r->timed_out = 1;
		st->term_at = now;
	}
	if (st->term_at && !st->kill_at) {
		kill_group(st->pid, SIGTERM);
		st->kill_at = st->term_at + grace;
	}
	if (st->kill_at && now >= st->kill_at) {
		kill_group(st->pid, SIGKILL);
		st->kill_at = INT64_MAX;
	}
	if (st->kill_at && st->kill_at != INT64_MAX)
		return (int)(st->kill_at - now > 0 ? st->kill_at - now : 0);
	if (o->timeout_ms) {
		int64_t left = st->start + o->timeout_ms - now;
		return (int)(left < 100 ? (left > 0 ? left : 0) : 100);
	}
	return 100;
}

static void loop(const struct proc_opts *o, struct proc_result *r,
		 struct runstate *st, struct stream *ss, int nstreams,
		 int in_fd)
{
	size_t cap = o->cap ? o->cap : ML_OUTPUT_CAP;
	size_t in_off = 0;
	int64_t reaped_at = 0, closed_at = 0;

	for (;;) {
		struct pollfd pf[4];
		int n = 0, open_streams = 0, wait_ms;

		wait_ms = tick(o, r, st);
		if (!st->reaped &&
		    waitpid(st->pid, &st->status, WNOHANG) == st->pid) {
			st->reaped = 1;
			reaped_at = time_mono_ms();
		}
		for (int i = 0; i < nstreams; i++)
			if (ss[i].fd >= 0) {
				pf[n].fd = ss[i].fd;
				pf[n++].events = POLLIN;
				open_streams++;
			}
		if (st->pidfd >= 0 && !st->reaped) {
			pf[n].fd = st->pidfd;
			pf[n++].events = POLLIN;
		}
		if (in_fd >= 0) {
			pf[n].fd = in_fd;
			pf[n++].events = POLLOUT;
		}
		/* After the child exits, a grandchild may hold the pipes open:
		 * read what is there for a moment, then stop waiting. */
		if (st->reaped &&
		    (!open_streams || time_mono_ms() - reaped_at > 200))
			break;
		if (st->reaped && wait_ms > 50)
			wait_ms = 50;
		/* Without a pidfd: the child closed its output, so it is
		 * usually exiting; its fds close before it can be reaped, and
		 * SIGCHLD does not wake poll. Look again soon rather than
		 * after the whole tick. (The pidfd wakes poll at the exit.) */
		if (!st->reaped && !open_streams && st->pidfd < 0) {
			int64_t now = time_mono_ms();
			if (!closed_at)
				closed_at = now;
			if (wait_ms > (now - closed_at < 50 ? 1 : 20))
				wait_ms = now - closed_at < 50 ? 1 : 20;
		}
		if (poll(pf, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0, k = 0; i < nstreams; i++) {
			if (ss[i].fd < 0)
				continue;
			if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
				drain(&ss[i], cap);
			k++;
		}
		if (in_fd >= 0 &&
		    (pf[n - 1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in_fd, o->input + in_off,
					  o->input_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				in_off = o->input_len;
			if (in_off >= o->input_len) {
				close(in_fd);
				in_fd = -1;
			}
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < nstreams; i++)
		if (ss[i].fd >= 0)
			close(ss[i].fd);
	if (!st->reaped)
		while (waitpid(st->pid, &st->status, 0) < 0 && errno == EINTR)
			;
}

static int make_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

/* The program could not be started (not found, not executable): reported
 * as a shell would, exit 127 with the reason on stderr, so callers see
 * the same result as before posix_spawn. Closes the fds. */
static int spawn_failed(const struct proc_opts *o, struct proc_result *r, int e,
			int outp[2], int errp[2], int inp[2], int devnull)
{
	struct buf *dst = o->merge_stderr ? &r->out : &r->err;
	size_t *total = o->merge_stderr ? &r->out_total : &r->err_total;
	size_t before = dst->len;

	for (int *p = (int[]){outp[0], outp[1], errp[0], errp[1], inp[0],
			      inp[1], devnull, -2};
	     *p != -2; p++)
		if (*p >= 0)
			close(*p);
	buf_printf(dst, "cannot run %s: %s\n",
		   o->shell_cmd ? "/bin/sh" : o->argv[0], strerror(e));
	*total += dst->len - before;
	r->exited = 1;
	r->exit_code = 127;
	buf_add(&r->out, "", 0);
	buf_add(&r->err, "", 0);
	return 0;
}

int proc_run(const struct proc_opts *o, struct proc_result *r,
	     struct ml_err *err)
{
	int outp[2], errp[2] = {-1, -1}, inp[2] = {-1, -1}, devnull = -1;
	struct runstate st = {0};
	struct stream ss[2];
	int nstreams = 1, spawn_rc;

	memset(r, 0, sizeof(*r));
	if (!o->shell_cmd && (!o->argv || !o->argv[0]))
		return ml_err_set(err, ML_EINTERNAL, "proc_run: no command");
	if (make_pipe(outp) != 0)
		return ml_err_set(err, ML_EIO, "pipe: %s", strerror(errno));
	if (!o->merge_stderr && make_pipe(errp) != 0)
		goto fail_pipe;
	if (o->input && make_pipe(inp) != 0)
		goto fail_pipe;
	if (!o->input)
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	st.start = time_mono_ms();
	spawn_rc = child_spawn(o, o->input ? inp[0] : devnull, outp[1],
			       o->merge_stderr ? outp[1] : errp[1], &st.pid);
	if (spawn_rc)
		return spawn_failed(o, r, spawn_rc, outp, errp, inp, devnull);
	close(outp[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (inp[0] >= 0)
		close(inp[0]);
	if (devnull >= 0)
		close(devnull);
	ss[0] = (struct stream){outp[0], &r->out, &r->out_total};
	if (!o->merge_stderr)
		ss[nstreams++] =
		    (struct stream){errp[0], &r->err, &r->err_total};
	if (inp[1] >= 0)
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
	st.pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
#else
	st.pidfd = -1;
#endif
	loop(o, r, &st, ss, nstreams, inp[1]);
	if (st.pidfd >= 0)
		close(st.pidfd);
	r->duration_ms = time_mono_ms() - st.start;
	if (WIFEXITED(st.status)) {
		r->exited = 1;
		r->exit_code = WEXITSTATUS(st.status);
	} else if (WIFSIGNALED(st.status)) {
		r->signaled = 1;
		r->sig = WTERMSIG(st.status);
	}
	if (r->timed_out || r->cancelled)
		kill_group(st.pid, SIGKILL); /* stragglers in the group */
	buf_add(&r->out, "", 0);
	buf_add(&r->err, "", 0);
	return 0;
fail_pipe:
	ml_err_set(err, ML_EIO, "cannot start process: %s", strerror(errno));
	for (int *p = (int[]){outp[0], outp[1], errp[0], errp[1], inp[0],
			      inp[1], devnull, -2};
	     *p != -2; p++)
		if (*p >= 0)
			close(*p);
	return err ? err->code : ML_EIO;
}

void proc_result_free(struct proc_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

void proc_describe(const struct proc_result *r, const struct proc_opts *o,
		   char *out, size_t n)
{
	char d[32];

	if (r->timed_out) {
		dur_format(o->timeout_ms, d, sizeof(d));
		snprintf(out, n, "timed out after %s", d);
	} else if (r->cancelled) {
		snprintf(out, n, "cancelled");
	} else if (r->signaled) {
		snprintf(out, n, "killed by signal %d (%s)", r->sig,
			 strsignal(r->sig));
	} else {
		snprintf(out, n, "exit %d", r->exit_code);
	}
}

int proc_have(const char *prog)
{
	const char *path = getenv("PATH");
	char full[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(full, sizeof(full), "%.*s/%s", (int)n, path, prog);
		if (access(full, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}
