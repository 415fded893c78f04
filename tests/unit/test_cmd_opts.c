/* test_cmd_opts.c: the one command-line parser (cmd_parse): every form of
 * an option, `--`, positional words, repeatable options, int and
 * duration bounds, the setup flags (-o, --db, --server), and the usage
 * errors (unknown option with "did you mean", missing value, bad number),
 * which must name the option and exit 2. Also: every option of every
 * command appears in its --help text (long name, or short name for
 * one listed as `-o FILE`), so the hand-written Options sections
 * cannot drift from the tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmd/cmd.h"

struct t_opts {
	int verbose, dry_run;
	const char *name;
	int64_t count, wait_ms;
	int color;
	struct cmd_list tag;
	const char *kv;
	int fn_flag_calls;
};

static int set_kv(void *opts, const struct cmd_opt *o, const char *val,
		  struct ml_err *err)
{
	struct t_opts *t = opts;

	(void)o;
	if (!strchr(val, '='))
		return ml_err_set(err, ML_EUSAGE,
				  "--kv needs NAME=VALUE, got `%s`", val);
	t->kv = val;
	return 0;
}

static int count_calls(void *opts, const struct cmd_opt *o, const char *val,
		       struct ml_err *err)
{
	(void)o;
	(void)val;
	(void)err;
	((struct t_opts *)opts)->fn_flag_calls++;
	return 0;
}

static const char *const colors[] = {"auto", "always", "never", NULL};

static const struct cmd_opt table[] = {
    CMD_FLAG("verbose", 'v', struct t_opts, verbose),
    CMD_FLAG("dry-run", 'n', struct t_opts, dry_run),
    CMD_STR("name", 'N', struct t_opts, name),
    CMD_INT("count", 'c', struct t_opts, count, 1, 520),
    CMD_DUR("wait", 0, struct t_opts, wait_ms, 10, 3600000),
    {.name = "color",
     .arg = CMD_ARG_ENUM,
     .off = offsetof(struct t_opts, color),
     .choices = colors},
    CMD_LIST("tag", 't', struct t_opts, tag, "TAG"),
    CMD_FN("kv", 0, set_kv),
    CMD_FN_FLAG("ping", 0, count_calls),
    CMD_NOT_HERE("weeks"),
    {0}};

static const struct cmd_entry entry = {.path = "test",
				       .summary = "a test command",
				       .opts = table,
				       .flags = CMD_OUTPUT};
static const struct cmd_entry db_entry = {
    .path = "test db", .summary = "db", .flags = CMD_DB};
static const struct cmd_entry client_entry = {
    .path = "test client", .summary = "client", .flags = CMD_CLIENT};

static char errbuf[4096];

/* Runs cmd_parse on the words (NULL-terminated, argv[0] "test") with
 * stderr captured into errbuf. */
static int parse_words(const struct cmd_entry *e, struct t_opts *o,
		       struct cmd_args *a, char **words)
{
	static char *argv[32];
	FILE *tmp = tmpfile();
	int argc = 0, saved, rc;
	size_t n;

	argv[argc++] = "test";
	while (*words)
		argv[argc++] = *words++;
	argv[argc] = NULL;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = cmd_parse(e, 1, argc, argv, o, a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = 0;
	fclose(tmp);
	return rc;
}

#define PARSE(o, a, ...)                                                       \
	parse_words(&entry, (o), (a), (char *[]){__VA_ARGS__, NULL})

static void test_long_forms(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--name", "x", "--count=3", "--verbose",
			       "--wait", "30s", "file"),
			 0);
	assert_string_equal(o.name, "x");
	assert_int_equal(o.count, 3);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.wait_ms, 30000);
	assert_int_equal(a.nargs, 1);
	assert_string_equal(a.args[0], "file");
	assert_null(a.args[1]);
	cmd_parsed_free(&entry, &a, &o);
}

static void test_short_forms(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "-N", "x", "-c7", "-vn", "-ojson"), 0);
	assert_string_equal(o.name, "x");
	assert_int_equal(o.count, 7);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.dry_run, 1);
	assert_int_equal(a.fmt, OUT_JSON);
	assert_int_equal(a.nargs, 0);
	o = (struct t_opts){0};
	assert_int_equal(PARSE(&o, &a, "-vc", "9", "-o", "text"), 0);
	assert_int_equal(o.count, 9);
	assert_int_equal(a.fmt, OUT_TEXT);
}

static void test_prefix_and_positionals(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	/* unique prefix, options after and between words, `-` a word */
	assert_int_equal(PARSE(&o, &a, "a", "--dry", "-", "b", "--nam=y"), 0);
	assert_int_equal(o.dry_run, 1);
	assert_string_equal(o.name, "y");
	assert_int_equal(a.nargs, 3);
	assert_string_equal(a.args[0], "a");
	assert_string_equal(a.args[1], "-");
	assert_string_equal(a.args[2], "b");
}

static void test_double_dash(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "-v", "--", "--name", "-x", "--"), 0);
	assert_int_equal(o.verbose, 1);
	assert_null(o.name);
	assert_int_equal(a.nargs, 3);
	assert_string_equal(a.args[0], "--name");
	assert_string_equal(a.args[1], "-x");
	assert_string_equal(a.args[2], "--");
}

static void test_repeatable(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(
	    PARSE(&o, &a, "--tag", "a", "-tb", "--tag=c", "x", "-t", "d"), 0);
	assert_int_equal(o.tag.n, 4);
	assert_string_equal(o.tag.v[0], "a");
	assert_string_equal(o.tag.v[1], "b");
	assert_string_equal(o.tag.v[2], "c");
	assert_string_equal(o.tag.v[3], "d");
	assert_int_equal(a.nargs, 1);
	cmd_parsed_free(&entry, &a, &o);
	assert_null(o.tag.v);
	assert_int_equal(o.tag.n, 0);
}

static void test_unknown_did_you_mean(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--verbsoe"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "mloncall test: unknown option "
				       "`--verbsoe`; did you mean "
				       "`--verbose`?"));
	assert_non_null(strstr(errbuf, "Try 'mloncall test --help'."));
	/* the setup flags' options are candidates too */
	assert_int_equal(PARSE(&o, &a, "--outptu", "json"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "did you mean `--output`?"));
	assert_int_equal(PARSE(&o, &a, "--zzzzzzzzzzzz"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "unknown option `--zzzzzzzzzzzz`\n"));
	assert_int_equal(PARSE(&o, &a, "-x"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "unknown option `-x`"));
	/* --db is not an option of a command without CMD_DB */
	assert_int_equal(PARSE(&o, &a, "--db", "x"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "unknown option `--db`"));
}

static void test_ambiguous_and_not_here(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--co", "1"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "ambiguous option `--co`"));
	assert_int_equal(PARSE(&o, &a, "--weeks", "3"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--weeks does not apply here"));
}

static void test_missing_value(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "x", "--name"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--name needs a value"));
	assert_int_equal(PARSE(&o, &a, "-t"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--tag needs a TAG"));
	assert_int_equal(PARSE(&o, &a, "-o"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--output needs a FORMAT"));
	assert_int_equal(PARSE(&o, &a, "--verbose=1"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--verbose takes no value"));
}

static void test_int_bounds(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--count", "1"), 0);
	assert_int_equal(o.count, 1);
	assert_int_equal(PARSE(&o, &a, "--count", "520"), 0);
	assert_int_equal(o.count, 520);
	assert_int_equal(PARSE(&o, &a, "--count", "0"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--count: expected a number from 1 "
				       "to 520, got `0`"));
	assert_int_equal(PARSE(&o, &a, "--count", "521"), ML_EXIT_USAGE);
	assert_int_equal(PARSE(&o, &a, "--count", "3x"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "got `3x`"));
	assert_int_equal(PARSE(&o, &a, "-c", ""), ML_EXIT_USAGE);
	assert_int_equal(o.count, 520); /* unchanged by a refused value */
}

static void test_duration_bounds(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--wait=10ms"), 0);
	assert_int_equal(o.wait_ms, 10);
	assert_int_equal(PARSE(&o, &a, "--wait", "1h"), 0);
	assert_int_equal(o.wait_ms, 3600000);
	assert_int_equal(PARSE(&o, &a, "--wait", "9ms"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--wait: expected a duration"));
	assert_non_null(strstr(errbuf, "got `9ms`"));
	assert_int_equal(PARSE(&o, &a, "--wait", "61m"), ML_EXIT_USAGE);
	assert_int_equal(PARSE(&o, &a, "--wait", "soon"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "got `soon`"));
}

static void test_enum_fn_output(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	assert_int_equal(PARSE(&o, &a, "--color", "never"), 0);
	assert_int_equal(o.color, 2);
	assert_int_equal(PARSE(&o, &a, "--color", "pink"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "--color: expected one of auto, "
				       "always, never, got `pink`"));
	assert_int_equal(PARSE(&o, &a, "--kv", "a=b", "--ping", "--ping"), 0);
	assert_string_equal(o.kv, "a=b");
	assert_int_equal(o.fn_flag_calls, 2);
	assert_int_equal(PARSE(&o, &a, "--kv", "ab"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "mloncall test: --kv needs NAME=VALUE, "
				       "got `ab`"));
	assert_int_equal(PARSE(&o, &a, "-o", "yaml"), ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "unknown output format `yaml`"));
	a.fmt = OUT_MARKDOWN; /* a command's default survives */
	assert_int_equal(PARSE(&o, &a, "x"), 0);
	assert_int_equal(a.fmt, OUT_MARKDOWN);
}

static void test_db_flag(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	unsetenv("MLONCALL_DB");
	assert_int_equal(parse_words(&db_entry, &o, &a, (char *[]){NULL}), 0);
	assert_string_equal(a.db, "oncall.db");
	assert_int_equal(a.db_defaulted, 1);
	setenv("MLONCALL_DB", "env.db", 1);
	a = (struct cmd_args){0};
	assert_int_equal(parse_words(&db_entry, &o, &a, (char *[]){NULL}), 0);
	assert_string_equal(a.db, "env.db");
	assert_int_equal(a.db_defaulted, 0);
	a = (struct cmd_args){0};
	assert_int_equal(
	    parse_words(&db_entry, &o, &a, (char *[]){"--db", "x.db", NULL}),
	    0);
	assert_string_equal(a.db, "x.db");
	a = (struct cmd_args){0};
	assert_int_equal(
	    parse_words(&db_entry, &o, &a, (char *[]){"-dy.db", NULL}), 0);
	assert_string_equal(a.db, "y.db");
	unsetenv("MLONCALL_DB");
}

static void test_client_flag(void **state)
{
	struct t_opts o = {0};
	struct cmd_args a = {0};

	(void)state;
	setenv("MLONCALL_SERVER", "http://127.0.0.1:1", 1);
	setenv("MLONCALL_TOKEN", "tok", 1);
	unsetenv("MLONCALL_DB");
	assert_int_equal(parse_words(&client_entry, &o, &a, (char *[]){NULL}),
			 0);
	assert_string_equal(a.client.server, "http://127.0.0.1:1");
	assert_string_equal(a.client.token, "tok");
	assert_null(a.client.db);
	/* --db drops the server given before it, not one given after */
	a = (struct cmd_args){0};
	assert_int_equal(parse_words(&client_entry, &o, &a,
				     (char *[]){"--db", "f.db", NULL}),
			 0);
	assert_null(a.client.server);
	assert_string_equal(a.client.db, "f.db");
	a = (struct cmd_args){0};
	assert_int_equal(parse_words(&client_entry, &o, &a,
				     (char *[]){"--db", "f.db", "--server",
						"http://h:2", NULL}),
			 0);
	assert_string_equal(a.client.server, "http://h:2");
	a = (struct cmd_args){0};
	assert_int_equal(parse_words(&client_entry, &o, &a,
				     (char *[]){"--server=http://h:2/", NULL}),
			 ML_EXIT_USAGE);
	assert_non_null(strstr(errbuf, "without a trailing slash"));
	unsetenv("MLONCALL_SERVER");
	unsetenv("MLONCALL_TOKEN");
}

extern const struct cmd_entry cmd_check_entry, cmd_run_entry, cmd_runbook_entry,
    cmd_runs_entry, cmd_serve_entry, cmd_incident_entry, cmd_token_entry,
    cmd_drill_entry, cmd_oncall_entry, cmd_report_entry, cmd_action_entry;

static void check_documented(const struct cmd_entry *e)
{
	char want[64], want_short[8];

	if (e->subs) {
		for (const struct cmd_entry *const *s = e->subs; *s; s++)
			check_documented(*s);
		return;
	}
	for (const struct cmd_opt *o = e->opts; o && o->name; o++) {
		if (o->arg == CMD_ARG_NOT_HERE)
			continue;
		snprintf(want, sizeof(want), "--%s", o->name);
		snprintf(want_short, sizeof(want_short), "-%c ",
			 o->short_name ? o->short_name : '?');
		if (!strstr(e->help, want) &&
		    !(o->short_name && strstr(e->help, want_short)))
			fail_msg("`mloncall %s --help` does not mention %s",
				 e->path, want);
	}
	if ((e->flags & CMD_OUTPUT) && !strstr(e->help, "-o"))
		fail_msg("`mloncall %s --help` does not mention -o", e->path);
	if ((e->flags & (CMD_DB | CMD_CLIENT)) && !strstr(e->help, "--db"))
		fail_msg("`mloncall %s --help` does not mention --db", e->path);
	if ((e->flags & CMD_CLIENT) && !strstr(e->help, "--server"))
		fail_msg("`mloncall %s --help` does not mention --server",
			 e->path);
}

static void test_every_option_in_help(void **state)
{
	const struct cmd_entry *const all[] = {
	    &cmd_check_entry,  &cmd_run_entry,	  &cmd_runbook_entry,
	    &cmd_runs_entry,   &cmd_serve_entry,  &cmd_incident_entry,
	    &cmd_token_entry,  &cmd_drill_entry,  &cmd_oncall_entry,
	    &cmd_report_entry, &cmd_action_entry, NULL};

	(void)state;
	for (const struct cmd_entry *const *e = all; *e; e++)
		check_documented(*e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_long_forms),
	    cmocka_unit_test(test_short_forms),
	    cmocka_unit_test(test_prefix_and_positionals),
	    cmocka_unit_test(test_double_dash),
	    cmocka_unit_test(test_repeatable),
	    cmocka_unit_test(test_unknown_did_you_mean),
	    cmocka_unit_test(test_ambiguous_and_not_here),
	    cmocka_unit_test(test_missing_value),
	    cmocka_unit_test(test_int_bounds),
	    cmocka_unit_test(test_duration_bounds),
	    cmocka_unit_test(test_enum_fn_output),
	    cmocka_unit_test(test_db_flag),
	    cmocka_unit_test(test_client_flag),
	    cmocka_unit_test(test_every_option_in_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
