/* rb_test_report.c: the text report of `runbook test`: one line per
 * scenario like a test runner, and for failures the differences with
 * their test-file lines, the command sequence with the first divergence
 * marked, and ready-to-paste mocks for unmocked calls. */
#include "runbook/rb_test.h"

#include <string.h>

#include "core/dur.h"
#include "core/out.h"

#define IND "      " /* details under a scenario line */

static void put_at(struct buf *out, const char *file, const json_t *f)
{
	long long line = jget_int(f, "line", 0);

	if (line > 0)
		buf_printf(out, IND "%s:%lld: ", file, line);
	else
		buf_puts(out, IND);
}

/* Pattern as written: "glob" or re: regex. */
static void put_pattern(struct buf *out, const json_t *p)
{
	if (json_is_string(p))
		buf_puts(out, json_string_value(p));
	else if (json_is_object(p))
		buf_printf(out, "re: %s", jget_str(p, "re", ""));
	else
		buf_puts(out, "(nothing)");
}

/* The diff of `ran:`: "  #n   cmd" same, "+ #n   cmd" ran but not
 * expected, "-       pattern" expected but did not run; ">" marks the
 * first difference. */
static void put_rows(struct buf *out, const json_t *rows)
{
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
	{
		const char *op = jget_str(r, "op", "");
		const char *mark = jget_bool(r, "diverges", 0) ? ">" : " ";
		if (!strcmp(op, "missing")) {
			buf_printf(out, IND "  %s -        ", mark);
			put_pattern(out, json_object_get(r, "expected"));
			buf_puts(out, "   (expected, did not run)\n");
			continue;
		}
		buf_printf(out, IND "  %s %s #%-4lld %s%s\n", mark,
			   strcmp(op, "extra") ? " " : "+",
			   jget_int(r, "index", 0), jget_str(r, "actual", ""),
			   strcmp(op, "extra") ? "" : "   (ran, not expected)");
	}
}

static void put_unmocked(struct buf *out, const char *file, const json_t *f)
{
	const char *at = jget_str(f, "at", NULL);
	const char *snip = jget_str(f, "snippet", "");

	buf_printf(out, IND "unmocked %s%s%s:\n", jget_str(f, "kind", ""),
		   at ? " at " : "", at ? at : "");
	buf_printf(out, IND "    %s\n", jget_str(f, "text", ""));
	buf_printf(out, IND "  mock it in the scenario (%s):\n", file);
	while (*snip) {
		const char *nl = strchr(snip, '\n');
		size_t len = nl ? (size_t)(nl - snip) : strlen(snip);
		buf_printf(out, IND "  %.*s\n", (int)len, snip);
		snip += len + (nl ? 1 : 0);
	}
}

static void put_failures(struct buf *out, const char *file, const json_t *r)
{
	const json_t *fails = json_object_get(r, "failures");
	size_t i;
	json_t *f;

	json_array_foreach(fails, i, f)
	{
		const char *check = jget_str(f, "check", "");
		if (!strcmp(check, "unmocked")) {
			put_unmocked(out, file, f);
			continue;
		}
		put_at(out, file, f);
		buf_printf(out, "%s\n", jget_str(f, "message", ""));
		if (json_object_get(f, "rows"))
			put_rows(out, json_object_get(f, "rows"));
	}
}

/* "-> healthy {memory_used_pct: 97}": the mocked facts, short. */
static void put_facts(struct buf *out, const json_t *e)
{
	json_t *f = json_deep_copy(json_object_get(e, "facts"));
	char *text;

	json_object_del(f, "probe");
	json_object_del(f, "verdict");
	if (!json_array_size(json_object_get(f, "reasons")))
		json_object_del(f, "reasons");
	text = out_json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	buf_printf(out, "  -> %s", jget_str(e, "verdict", ""));
	if (text && strcmp(text, "{}"))
		buf_printf(out, " %.*s%s", 100, text,
			   strlen(text) > 100 ? "..." : "");
	free(text);
	json_decref(f);
}

static void put_event(struct buf *out, const json_t *e)
{
	const char *kind = jget_str(e, "kind", "");
	char at[32];

	dur_format(jget_int(e, "at_ms", 0), at, sizeof(at));
	buf_printf(out, IND "  ~ +%-7s %-7s ", at, kind);
	if (!strcmp(kind, "run")) {
		buf_puts(out, jget_str(e, "command", ""));
		if (jget_bool(e, "unmocked", 0))
			buf_puts(out, "  -> UNMOCKED");
		else if (jget_bool(e, "timed_out", 0))
			buf_puts(out, "  -> timed out");
		else if (json_object_get(e, "signal"))
			buf_printf(out, "  -> signal %lld",
				   jget_int(e, "signal", 0));
		else
			buf_printf(out, "  -> exit %lld",
				   jget_int(e, "exit", 0));
	} else if (!strcmp(kind, "probe")) {
		buf_puts(out, jget_str(e, "probe", ""));
		if (jget_bool(e, "unmocked", 0))
			buf_puts(out, "  -> UNMOCKED");
		else if (json_object_get(e, "error"))
			buf_printf(out, "  -> error: %s",
				   jget_str(e, "error", ""));
		else if (json_object_get(e, "verdict"))
			put_facts(out, e);
	} else if (!strcmp(kind, "wait")) {
		char d[32];
		dur_format(jget_int(e, "ms", 0), d, sizeof(d));
		buf_puts(out, d);
	} else if (!strcmp(kind, "confirm")) {
		buf_printf(out, "%s  -> %s", jget_str(e, "prompt", ""),
			   jget_bool(e, "answer", 0) ? "yes" : "no");
	} else if (!strcmp(kind, "notify")) {
		buf_puts(out, jget_str(e, "message", ""));
	}
	if (json_object_get(e, "mock_line"))
		buf_printf(out, "  (mock line %lld)",
			   jget_int(e, "mock_line", 0));
	buf_putc(out, '\n');
}

static int has_check(const json_t *r, const char *check)
{
	size_t i;
	json_t *f;

	json_array_foreach(
	    json_object_get(r, "failures"), i,
	    f) if (!strcmp(jget_str(f, "check", ""), check)) return 1;
	return 0;
}

/* What the run did, for a failed scenario: status, cause, remedy, the
 * commands (unless the `ran` diff already shows them), step errors. */
static void put_actual(struct buf *out, const json_t *r)
{
	const json_t *a = json_object_get(r, "actual");
	const json_t *cmds = json_object_get(a, "commands");
	size_t i;
	json_t *e;

	if (!jget_str(a, "error", NULL))
		buf_printf(out, IND "got: status %s, cause %s, remedy %s\n",
			   jget_str(a, "status", "?"),
			   jget_str(a, "cause", "none"),
			   jget_str(a, "remedy", "none"));
	if (!has_check(r, "ran")) {
		buf_printf(out, IND "commands that ran:%s\n",
			   json_array_size(cmds) ? "" : " none");
		json_array_foreach(cmds, i, e) buf_printf(
		    out, IND "    #%-4zu %s\n", i + 1, json_string_value(e));
	}
	json_array_foreach(json_object_get(a, "step_errors"), i, e)
	{
		const char *file = jget_str(e, "file", ""),
			   *msg = jget_str(e, "error", "");
		buf_printf(out,
			   IND "step error in %s: ", jget_str(e, "phase", "?"));
		if (!*file || !strstr(msg, file))
			buf_printf(out, "%s:%lld: ", file,
				   jget_int(e, "line", 0));
		buf_printf(out, "%s\n", msg);
	}
}

static void put_unused(struct buf *out, const json_t *r)
{
	const json_t *u = json_object_get(r, "unused_mocks");
	size_t i;
	json_t *v;

	if (!json_array_size(u))
		return;
	buf_puts(out, IND "note: mocks never used (lines");
	json_array_foreach(u, i, v) buf_printf(
	    out, "%s %lld", i ? "," : "", (long long)json_integer_value(v));
	buf_puts(out, ")\n");
}

/* Engine narration bytes [from, to) as indented lines. */
static void put_narration(struct buf *out, const char *n, size_t from,
			  size_t to)
{
	while (from < to) {
		const char *nl = memchr(n + from, '\n', to - from);
		size_t len = nl ? (size_t)(nl - (n + from)) : to - from;
		buf_printf(out, IND "  %.*s\n", (int)len, n + from);
		from += len + 1;
	}
}

/* The trace: the engine's narration with each mocked call ("~") at the
 * point where it happened; without narration, the calls alone. */
static void put_trace(struct buf *out, const json_t *r)
{
	const char *n = jget_str(r, "narration", NULL);
	size_t nlen = n ? strlen(n) : 0, pos = 0, i;
	json_t *e;

	buf_puts(out, IND "trace (~ = mocked call, + fake time):\n");
	json_array_foreach(json_object_get(r, "trace"), i, e)
	{
		size_t at = (size_t)jget_int(e, "narration_at", 0);
		if (n && at > pos && at <= nlen) {
			put_narration(out, n, pos, at);
			pos = at;
		}
		put_event(out, e);
	}
	if (n)
		put_narration(out, n, pos, nlen);
}

void rb_test_render_scenario(const char *file, const json_t *result,
			     int verbose, int color, struct buf *out)
{
	int passed = jget_bool(result, "passed", 0);
	char sim[32];

	dur_format(jget_int(result, "sim_ms", 0), sim, sizeof(sim));
	buf_printf(out, "  %s%s%s  %s  (%s simulated",
		   color ? (passed ? "\033[32m" : "\033[31;1m") : "",
		   passed ? "PASS" : "FAIL", color ? "\033[0m" : "",
		   jget_str(result, "name", ""), sim);
	buf_puts(out, ")\n");
	if (!passed) {
		put_failures(out, file, result);
		put_actual(out, result);
	}
	if (!passed || verbose)
		put_unused(out, result);
	if (verbose)
		put_trace(out, result);
}
