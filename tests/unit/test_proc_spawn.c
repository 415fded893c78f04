/* test_proc_spawn.c: proc_run since it starts children with posix_spawn:
 * a program that cannot be run still reads as exit 127 with the reason
 * (as with fork/exec before), env_add overrides the inherited
 * environment, the child gets its own process group and default SIGPIPE
 * even when the parent ignores it. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/proc.h"

static void test_not_found_is_127(void **state)
{
	const char *argv[] = {"/nonexistent/program", NULL};
	struct proc_opts o = {0};
	struct proc_result r;
	struct ml_err err;
	(void)state;
	o.argv = argv;
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_true(r.exited);
	assert_int_equal(r.exit_code, 127);
	assert_non_null(strstr(buf_str(&r.err), "cannot run /nonexistent"));
	proc_result_free(&r);
}

static void test_env_override_and_group(void **state)
{
	const char *env[] = {"ML_T_X=new", NULL};
	struct proc_opts o = {0};
	struct proc_result r;
	struct ml_err err;
	(void)state;
	setenv("ML_T_X", "old", 1);
	o.shell_cmd =
	    "echo \"$ML_T_X\"; ps -o pgid= -p $$ | tr -d ' '; echo $$";
	o.env_add = env;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	/* the value overrides, the pgid equals the child's own pid */
	{
		char v[16], pg[32], pid[32];
		assert_int_equal(
		    sscanf(buf_str(&r.out), "%15s %31s %31s", v, pg, pid), 3);
		assert_string_equal(v, "new");
		assert_string_equal(pg, pid);
	}
	proc_result_free(&r);
	/* SIGPIPE is default in the child although ignored here: if it
	 * were inherited as ignored, the shell would sleep and exit 0 */
	o.env_add = NULL;
	o.shell_cmd = "kill -PIPE $$; sleep 5";
	assert_int_equal(proc_run(&o, &r, &err), 0);
	assert_true(r.signaled);
	assert_int_equal(r.sig, SIGPIPE);
	proc_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_found_is_127),
	    cmocka_unit_test(test_env_override_and_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
