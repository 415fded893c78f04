/* rb_test.h: scenario tests of runbooks (`mloncall runbook test`). A
 * NAME.test.yaml file next to NAME.yaml gives scenarios: params or alert
 * labels, mocked probe facts, mocked command results (by glob or regex
 * pattern), and expectations (status, cause, remedy, commands that ran and
 * did not, in order). Each scenario runs the real engine (rb_exec) with
 * mocked rb_exec_ops: nothing is executed. The format is documented in
 * docs/runbook-testing.md. */
#ifndef ML_RB_TEST_H
#define ML_RB_TEST_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "runbook/rb.h"

/* A command pattern: a glob (`*`, `?`, `[..]`; `*` also matches `/` and
 * spaces) or, with `re:`, an unanchored POSIX extended regex. Both match
 * the command text with runs of whitespace collapsed to one space. */
struct rb_pattern {
	char *text; /* glob, or regex source when is_re */
	int is_re;
	regex_t re;
	json_t *env; /* expectations only: name -> exact value, or NULL */
	int line, col;
};

/* One mocked result of a command. */
struct rb_mock_result {
	int exit_code;
	int timed_out;
	int sig;
	char *output; /* stdout then stderr */
	int64_t duration_ms;
	int line;
};

/* A mocked command: pattern, optional env conditions, and results (one per
 * call; the last repeats). */
struct rb_cmd_mock {
	struct rb_pattern pat;
	json_t *env; /* name -> exact string value, or NULL */
	struct rb_mock_result *results;
	size_t n_results;
	int line, col;
};

/* Mocked facts of one probe (one per call; the last repeats). A facts
 * object with a "_error" string makes that call fail with the message. */
struct rb_probe_mock {
	char *name;
	json_t **facts;
	size_t n;
	int line, col;
};

/* A list of command patterns in an expectation. */
struct rb_pattern_list {
	struct rb_pattern *v;
	size_t n;
	int set, line, col;
};

/* An expected scalar (status, cause, remedy, error): set, value (NULL =
 * expected none) and where it was written. */
struct rb_expect_str {
	int set;
	char *value;
	int line, col;
};

struct rb_expect {
	struct rb_expect_str status, cause, remedy, error;
	struct rb_pattern_list ran, ran_include, not_ran, notified;
	char **probed;
	size_t n_probed;
	int probed_set, probed_line;
	json_t *facts;	     /* "dotted.path" -> expected JSON value */
	json_t *facts_lines; /* "dotted.path" -> line */
	int triggered;	     /* -1: not said; 0/1 */
	int triggered_line;
	int line, col;
};

/* Mocks and inputs shared by `defaults:` and each scenario. */
struct rb_mocks {
	json_t *params; /* name -> string; NULL when absent */
	json_t *labels;
	int has_now;
	int64_t now_ms;
	struct rb_probe_mock *probes;
	size_t n_probes;
	struct rb_cmd_mock *cmds;
	size_t n_cmds;
	int *confirm; /* answers, one per confirm step; the last repeats */
	size_t n_confirm;
};

struct rb_scenario {
	char *name;
	int line, col;
	int dry_run; /* `dry_run: yes`: run the engine's --dry-run */
	struct rb_mocks m;
	struct rb_expect expect;
};

/* One loaded NAME.test.yaml. */
struct rb_test_suite {
	char *file;	  /* path of the test file */
	char *runbook;	  /* path of the runbook it tests */
	int runbook_line; /* line of `runbook:` (0: defaulted) */
	struct rb_mocks defaults;
	struct rb_scenario *v;
	size_t n;
};

/* Loads and validates a test file. Errors are ML_EINPUT with
 * file:line:col and what was expected (unknown keys suggest the nearest
 * one). The runbook path is resolved against the test file's folder.
 * *out is owned by the caller: rb_test_suite_free(). */
int rb_test_load_file(const char *path, struct rb_test_suite **out,
		      struct ml_err *err);

/* Same from memory; name is the file name used in messages and to find
 * the sibling runbook. */
int rb_test_load_string(const char *text, size_t len, const char *name,
			struct rb_test_suite **out, struct ml_err *err);

/* Frees a suite; NULL is a no-op. */
void rb_test_suite_free(struct rb_test_suite *s);

/* Checks the suite against the runbook it tests: expected remedies and
 * causes exist, probe mocks name probes the runbook uses or the registry
 * knows. Returns 0 or ML_EINPUT at the test file's line ("did you mean"). */
int rb_test_validate(const struct rb_test_suite *s, const struct rb_runbook *rb,
		     struct ml_err *err);

/* Whether pattern p matches command text cmd (whitespace-normalized).
 * p->env is not looked at (see rb_env_match). */
int rb_pattern_match(const struct rb_pattern *p, const char *cmd);

/* Whether every name of want (object of strings) has exactly that value
 * in got (object of strings). NULL want matches anything. */
int rb_env_match(const json_t *want, const json_t *got);

/* Frees a pattern's storage (not p itself). */
void rb_pattern_free(struct rb_pattern *p);

/* Options of a test run. */
struct rb_test_opts {
	const char *filter; /* run only scenarios whose name contains this */
	int verbose;	    /* keep the trace of every scenario */
};

/* Runs scenario i of s against rb with the real engine and mocked
 * effects. *result (new reference) describes the outcome, see
 * docs/runbook-testing.md ("JSON output"): name, line, passed, sim_ms,
 * wall_ms, failures[], actual{}, trace[]. Returns 0 when the scenario ran
 * (passed or not), or an error code when it could not run at all. */
int rb_test_run_scenario(const struct rb_test_suite *s, size_t i,
			 const struct rb_runbook *rb,
			 const struct rb_test_opts *opts, json_t **result,
			 struct ml_err *err);

/* Finds test files for path: a *.test.yaml file is itself; a runbook
 * NAME.yaml gives its sibling NAME.test.yaml (ML_ENOTFOUND when there is
 * none); a folder is searched recursively. Appends malloc'ed paths to
 * *paths (sorted per folder). */
int rb_test_find_files(const char *path, char ***paths, size_t *n,
		       struct ml_err *err);

/* Appends the text report of one scenario result (from
 * rb_test_run_scenario) to out: one PASS/FAIL line, then for a failure
 * each difference at file:line (expected vs actual, the command sequence
 * with the first divergence marked, snippets for unmocked calls); with
 * verbose, the trace of every mocked call. color adds ANSI colors. */
void rb_test_render_scenario(const char *file, const json_t *result,
			     int verbose, int color, struct buf *out);

/* Appends a starting test file for rb (rb_name: its path as the test
 * file will name it, usually the base name) to b: every command mocked
 * to succeed, a mock per probe (by `as:` name), a scenario per diagnose
 * case, no diagnosis, a failed precheck and the rollback path, with TODO
 * comments where facts must be filled in. It loads and validates as is. */
void rb_test_skeleton(const struct rb_runbook *rb, const char *rb_name,
		      struct buf *b);

#endif
