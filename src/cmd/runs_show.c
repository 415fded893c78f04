/* runs_show.c: `mloncall runs show RECORD`: a run record (written by
 * `mloncall run --record`) as one timeline of lifecycle transitions and
 * steps, with what failed spelled out, readable at 3 a.m. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "runbook/rb.h"

/* "2026-11-23T09:00:01.250Z" -> "09:00:01.250" (borrowed view). */
static void clock_of(const char *t, char *out, size_t n)
{
	const char *T = t ? strchr(t, 'T') : NULL;

	snprintf(out, n, "%.12s", T ? T + 1 : (t ? t : "?"));
}

/* The last lines of output (at most 3), indented. */
static void print_tail(const char *out)
{
	size_t len = strlen(out);
	const char *p = out + len;
	int lines = 0;

	while (len && (out[len - 1] == '\n'))
		len--;
	p = out + len;
	while (p > out && lines < 3)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	if (p > out)
		printf("%16s...\n", "");
	while (p < out + len) {
		size_t n = strcspn(p, "\n");
		if (p + n > out + len)
			n = (size_t)(out + len - p);
		printf("%16s| %.*s\n", "", (int)(n > 160 ? 160 : n), p);
		p += n + (p[n] == '\n');
	}
}

static void print_details(const json_t *s)
{
	const char *res = jget_str(s, "result", "");
	const json_t *ec = json_object_get(s, "exit_code");

	if (!strcmp(res, "ok") || !strcmp(res, "planned"))
		return;
	if (jget_int(s, "tries", 1) > 1)
		printf("%16s%lld tries\n", "", jget_int(s, "tries", 1));
	if (jget_bool(s, "timed_out", 0))
		printf("%16stimed out (process group killed)\n", "");
	else if (jget_str(s, "signal", NULL))
		printf("%16skilled by %s\n", "", jget_str(s, "signal", ""));
	else if (json_is_integer(ec))
		printf("%16sexit %lld\n", "",
		       (long long)json_integer_value(ec));
	if (jget_str(s, "expect", NULL))
		printf("%16sexpect %s: %s\n", "", jget_str(s, "expect", ""),
		       json_is_true(json_object_get(s, "expect_result"))
			   ? "true"
			   : "false");
	if (jget_str(s, "error", NULL))
		printf("%16s%s\n", "", jget_str(s, "error", ""));
	if (jget_str(s, "output", NULL) && *jget_str(s, "output", ""))
		print_tail(jget_str(s, "output", ""));
}

static void print_step(const json_t *s, int indent)
{
	char t[32], d[32];
	struct buf w = BUF_INIT;
	const char *name = jget_str(s, "name", NULL);
	const char *cmd = jget_str(s, "command", NULL);
	const json_t *runs = json_object_get(s, "runs"), *r, *x;
	size_t i, k;

	clock_of(jget_str(s, "start", NULL), t, sizeof(t));
	if (json_object_get(s, "duration_ms"))
		dur_format(jget_int(s, "duration_ms", 0), d, sizeof(d));
	else
		snprintf(d, sizeof(d), "-");
	if (jget_str(s, "item", NULL))
		buf_printf(&w, "[%s] ", jget_str(s, "item", ""));
	if (name)
		buf_puts(&w, name);
	else if (cmd)
		buf_printf(&w, "$ %.*s", (int)strcspn(cmd, "\n"), cmd);
	else if (jget_str(s, "probe", NULL))
		buf_printf(&w, "probe %s", jget_str(s, "probe", ""));
	else if (json_is_array(json_object_get(s, "items"))) {
		buf_puts(&w, "batch:");
		json_array_foreach(json_object_get(s, "items"), i, x)
		    buf_printf(&w, " %s", json_string_value(x));
	} else
		buf_puts(&w, jget_str(s, "kind", "?"));
	printf("%-12s  %-15s %*s%-*.*s %-11s %s\n", t,
	       jget_str(s, "phase", "?"), indent, "", 44 - indent, 44 - indent,
	       buf_str(&w), jget_str(s, "result", "?"), d);
	buf_free(&w);
	print_details(s);
	json_array_foreach(runs, i, r)
	{
		if (!json_array_size(json_object_get(r, "steps")))
			printf("%-12s  %-15s %*s[%s] %-*s %s\n", "",
			       jget_str(s, "phase", "?"), indent + 2, "",
			       jget_str(r, "item", "?"),
			       39 - indent -
				   (int)strlen(jget_str(r, "item", "?")),
			       "", jget_str(r, "result", "?"));
		json_array_foreach(json_object_get(r, "steps"), k, x)
		    print_step(x, indent + 2);
	}
}

static void print_diagnosis(const json_t *rec)
{
	const json_t *d = json_object_get(rec, "diagnosis");
	struct buf b = BUF_INIT;

	if (!json_object_get(d, "matched"))
		return;
	if (!jget_bool(d, "matched", 0)) {
		printf("\nDiagnosis: no case matched.\n");
		return;
	}
	printf("\n");
	rb_summary_diagnosis(rec, &b);
	fputs(buf_str(&b), stdout);
	buf_free(&b);
}

/* Steps and transitions merged by time (transitions first on a tie). */
static void print_timeline(const json_t *rec)
{
	const json_t *steps = json_object_get(rec, "steps");
	const json_t *trans = json_object_get(rec, "transitions");
	size_t i = 0, j = 0;

	printf("\n%-12s  %-15s %-44s %-11s %s\n", "TIME", "PHASE", "STEP",
	       "RESULT", "DURATION");
	while (i < json_array_size(steps) || j < json_array_size(trans)) {
		const json_t *s = json_array_get(steps, i);
		const json_t *t = json_array_get(trans, j);
		if (t && (!s || strcmp(jget_str(t, "at", ""),
				       jget_str(s, "start", "")) <= 0)) {
			char c[32];
			clock_of(jget_str(t, "at", NULL), c, sizeof(c));
			printf("%-12s  == %s: %s\n", c, jget_str(t, "to", "?"),
			       jget_str(t, "why", ""));
			j++;
		} else {
			print_step(s, 0);
			i++;
		}
	}
}

static int show(const json_t *rec)
{
	const json_t *rb = json_object_get(rec, "runbook");
	const char *k;
	json_t *v;
	char d[32];

	dur_format(jget_int(rec, "duration_ms", 0), d, sizeof(d));
	printf("Run of %s (%s): %s%s\n", jget_str(rb, "id", "?"),
	       jget_str(rb, "file", "?"), jget_str(rec, "status", "?"),
	       jget_bool(rec, "dry_run", 0) ? " (dry run)" : "");
	printf("Started %s, took %s, %lld attempt(s)%s\n",
	       jget_str(rec, "started", "?"), d, jget_int(rec, "attempts", 0),
	       jget_bool(rec, "interrupted", 0) ? ", interrupted" : "");
	if (json_object_size(json_object_get(rec, "params"))) {
		printf("Params:");
		json_object_foreach(json_object_get(rec, "params"), k, v)
		    printf(" %s=%s", k,
			   json_is_string(v) ? json_string_value(v) : "?");
		printf("\n");
	}
	print_diagnosis(rec);
	print_timeline(rec);
	return 0;
}

static int exec_runs_show(const struct cmd_entry *self, int argc, char **argv)
{
	struct cmd_args ca = {0};
	enum out_fmt fmt;
	const char *path = NULL;
	json_error_t je;
	struct ml_err err;
	json_t *rec;
	int rc = cmd_parse(self, 1, argc, argv, NULL, &ca);

	if (!rc && ca.nargs > 1)
		rc = cmd_usage(self, "one record at a time");
	path = ca.nargs ? ca.args[0] : NULL;
	fmt = ca.fmt;
	cmd_parsed_free(self, &ca, NULL);
	if (rc)
		return rc;
	if (!path)
		return cmd_usage(self, "which run record? (a JSON file "
				       "written by `mloncall run --record`)");
	rec = !strcmp(path, "-") ? json_loadf(stdin, 0, &je)
				 : json_load_file(path, 0, &je);
	if (!rec) {
		ml_err_at(&err, ML_EINPUT, path, je.line, je.column,
			  "not a run record: %s", je.text);
		return cmd_fail(&err);
	}
	if (!json_is_object(rec) || jget_int(rec, "schema", 0) != 1 ||
	    !json_is_array(json_object_get(rec, "steps"))) {
		json_decref(rec);
		ml_err_at(&err, ML_EINPUT, path, 1, 1,
			  "not a run record: expected an object with "
			  "\"schema\": 1 and \"steps\" (docs/run-record.md)");
		return cmd_fail(&err);
	}
	if (fmt == OUT_JSON)
		out_json(stdout, rec);
	else
		show(rec);
	json_decref(rec);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_runs_show_entry = {
    .path = "runs show",
    .summary = "print a run record as a timeline",
    .help = "Usage: mloncall runs show RECORD [-o json]\n"
	    "\n"
	    "Prints a run record (from `mloncall run --record FILE`) as a\n"
	    "timeline: every lifecycle transition and step with its time,\n"
	    "phase, result and duration; for a step that did not pass, its\n"
	    "exit code, timeout or signal, the expect that failed and the\n"
	    "last lines of its output. RECORD may be - for stdin.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall run disk-full --record run.json; mloncall runs show "
	    "run.json\n"
	    "  mloncall runs show run.json -o json | jq .status\n"
	    "\n"
	    "Exit status: 0 shown, 2 not a run record.\n",
    .exec = exec_runs_show,
    .flags = CMD_OUTPUT,
};
