/* rb_test_check.c: compares what a scenario run did (status, cause,
 * remedy, commands, probes, notifications, facts, engine error) with the
 * scenario's `expect:` and lists each difference as a failure object
 * {check, line, message, expected, actual[, rows]}. */
#include "runbook/rb_test_check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/xmalloc.h"

static void fail(json_t *fails, const char *check, int line, json_t *exp,
		 json_t *act, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void fail(json_t *fails, const char *check, int line, json_t *exp,
		 json_t *act, const char *fmt, ...)
{
	json_t *f = json_object();
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	jset_str(f, "check", check);
	jset_int(f, "line", line);
	jset_str(f, "message", buf_str(&b));
	json_object_set_new(f, "expected", exp ? exp : json_null());
	json_object_set_new(f, "actual", act ? act : json_null());
	json_array_append_new(fails, f);
	buf_free(&b);
}

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void check_str(const struct rb_expect_str *e, const char *what,
		      const char *actual, json_t *fails)
{
	if (!e->set)
		return;
	if ((!e->value && !actual) ||
	    (e->value && actual && !strcmp(e->value, actual)))
		return;
	fail(fails, what, e->line, str_or_null(e->value), str_or_null(actual),
	     "%s: expected %s, got %s", what, or_none(e->value),
	     or_none(actual));
}

static json_t *pattern_json(const struct rb_pattern *p)
{
	json_t *j;

	if (!p->is_re && !p->env)
		return json_string(p->text);
	j = json_pack("{s:s}", p->is_re ? "re" : "match", p->text);
	if (p->env)
		json_object_set(j, "env", p->env);
	return j;
}

static void pattern_text(const struct rb_pattern *p, struct buf *b)
{
	const char *k;
	json_t *v;

	if (p->is_re)
		buf_printf(b, "re: %s", p->text);
	else
		buf_puts(b, p->text);
	json_object_foreach(p->env, k, v)
	    buf_printf(b, " [%s=%s]", k, json_string_value(v));
}

/* Pattern e->v[i] against command j (text and, when given, env). */
static int match_at(const struct rb_pattern *p, const json_t *cmds,
		    const json_t *envs, size_t j)
{
	return rb_pattern_match(p,
				json_string_value(json_array_get(cmds, j))) &&
	       rb_env_match(p->env, json_array_get(envs, j));
}

/* Longest common subsequence table of patterns vs commands:
 * L[i][j] = LCS of e->v[i..] and cmds[j..]. (n+1)*(m+1) entries. */
static size_t *lcs_table(const struct rb_pattern_list *e, const json_t *cmds,
			 const json_t *envs)
{
	size_t n = e->n, m = json_array_size(cmds), w = m + 1;
	size_t *L = xcalloc((n + 1) * w, sizeof(size_t));

	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;) {
			size_t down = L[(i + 1) * w + j],
			       right = L[i * w + j + 1];
			if (match_at(&e->v[i], cmds, envs, j))
				L[i * w + j] = L[(i + 1) * w + j + 1] + 1;
			else
				L[i * w + j] = down > right ? down : right;
		}
	return L;
}

static void add_row(json_t *rows, const char *op, json_t *exp,
		    const json_t *act, size_t index, int *diverged)
{
	json_t *r = json_object();
	int first = strcmp(op, "same") && !*diverged;

	jset_str(r, "op", op);
	json_object_set_new(r, "expected", exp ? exp : json_null());
	json_object_set(r, "actual", act ? (json_t *)act : json_null());
	if (index)
		jset_int(r, "index", (long long)index);
	else
		json_object_set_new(r, "index", json_null());
	jset_bool(r, "diverges", first);
	*diverged |= first;
	json_array_append_new(rows, r);
}

/* `ran:` is the whole sequence. On a difference, rows is a diff of the
 * expected patterns and the commands that ran: "same", "extra" (ran, not
 * expected), "missing" (expected, did not run). *first is the 1-based
 * command position of the first difference. */
static json_t *ran_diff(const struct rb_pattern_list *e, const json_t *cmds,
			const json_t *envs, size_t *first)
{
	size_t n = e->n, m = json_array_size(cmds), w = m + 1, i = 0, j = 0;
	size_t *L = lcs_table(e, cmds, envs);
	json_t *rows = json_array();
	int diverged = 0;

	*first = 0;
	while (i < n || j < m) {
		if (!diverged)
			*first = j + 1;
		if (i < n && j < m && match_at(&e->v[i], cmds, envs, j) &&
		    L[i * w + j] == L[(i + 1) * w + j + 1] + 1) {
			add_row(rows, "same", pattern_json(&e->v[i]),
				json_array_get(cmds, j), j + 1, &diverged);
			i++, j++;
		} else if (j < m &&
			   (i == n || L[i * w + j + 1] >= L[(i + 1) * w + j])) {
			add_row(rows, "extra", NULL, json_array_get(cmds, j),
				j + 1, &diverged);
			j++;
		} else {
			add_row(rows, "missing", pattern_json(&e->v[i]), NULL,
				0, &diverged);
			i++;
		}
	}
	free(L);
	if (!diverged) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

static void check_ran(const struct rb_pattern_list *e, const json_t *cmds,
		      const json_t *envs, json_t *fails)
{
	size_t first, na = json_array_size(cmds);
	json_t *rows, *exp;

	if (!e->set || !(rows = ran_diff(e, cmds, envs, &first)))
		return;
	exp = json_array();
	for (size_t i = 0; i < e->n; i++)
		json_array_append_new(exp, pattern_json(&e->v[i]));
	fail(fails, "ran", e->line, exp, json_deep_copy(cmds),
	     "ran: the commands differ from command #%zu on (%zu expected, "
	     "%zu ran)",
	     first, e->n, na);
	json_object_set_new(json_array_get(fails, json_array_size(fails) - 1),
			    "rows", rows);
}

/* `ran_include:` in order, others may run in between. */
static void check_ran_include(const struct rb_pattern_list *e,
			      const json_t *cmds, const json_t *envs,
			      const char *what, json_t *fails)
{
	size_t j = 0, na = json_array_size(cmds);
	struct buf b = BUF_INIT;

	if (!e->set)
		return;
	for (size_t i = 0; i < e->n; i++) {
		while (j < na && !match_at(&e->v[i], cmds, envs, j))
			j++;
		if (j < na) {
			j++;
			continue;
		}
		pattern_text(&e->v[i], &b);
		fail(fails, what, e->v[i].line, pattern_json(&e->v[i]),
		     json_deep_copy(cmds), "%s: nothing matching `%s`%s", what,
		     buf_str(&b),
		     i ? " came after the ones before it" : " happened");
		buf_free(&b);
		return;
	}
}

static void check_none(const struct rb_pattern_list *e, const json_t *got,
		       const json_t *envs, const char *what, json_t *fails)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < e->n; i++)
		for (size_t j = 0; j < json_array_size(got); j++) {
			const char *c =
			    json_string_value(json_array_get(got, j));
			if (!match_at(&e->v[i], got, envs, j))
				continue;
			buf_reset(&b);
			pattern_text(&e->v[i], &b);
			fail(fails, what, e->v[i].line, pattern_json(&e->v[i]),
			     json_string(c),
			     "%s: `%s` must not run, but #%zu did: %s", what,
			     buf_str(&b), j + 1, c);
			break;
		}
	buf_free(&b);
}

static void check_probed(const struct rb_expect *e, const json_t *probes,
			 json_t *fails)
{
	size_t n = json_array_size(probes);
	int same = n == e->n_probed;
	json_t *exp;

	if (!e->probed_set)
		return;
	for (size_t i = 0; same && i < n; i++)
		same = !strcmp(e->probed[i],
			       json_string_value(json_array_get(probes, i)));
	if (same)
		return;
	exp = json_array();
	for (size_t i = 0; i < e->n_probed; i++)
		json_array_append_new(exp, json_string(e->probed[i]));
	char *a = out_json_dumps(probes, JSON_COMPACT);
	char *x = out_json_dumps(exp, JSON_COMPACT);
	fail(fails, "probed", e->probed_line, exp, json_deep_copy(probes),
	     "probed: expected %s, got %s", x, a);
	free(a);
	free(x);
}

/* facts: {"gpu.memory_used_pct": 97}: dotted path into the facts. */
static const json_t *fact_at(const json_t *facts, const char *path)
{
	const json_t *cur = facts;
	char *copy = xstrdup(path), *save = NULL;

	for (char *t = strtok_r(copy, ".", &save); t && cur;
	     t = strtok_r(NULL, ".", &save)) {
		char *end;
		long idx = strtol(t, &end, 10);
		if (json_is_array(cur) && !*end && idx >= 0)
			cur = json_array_get(cur, (size_t)idx);
		else
			cur = json_object_get(cur, t);
	}
	free(copy);
	return cur;
}

static int values_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	return json_equal((json_t *)a, (json_t *)b);
}

static void check_facts(const struct rb_expect *e, const json_t *facts,
			json_t *fails)
{
	const char *path;
	json_t *want;

	json_object_foreach(e->facts, path, want)
	{
		const json_t *got = fact_at(facts, path);
		int line = (int)jget_int(e->facts_lines, path, e->line);
		if (got && values_equal(got, want))
			continue;
		char *w = out_json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
		char *g =
		    got ? out_json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT)
			: NULL;
		fail(fails, "facts", line, json_deep_copy(want),
		     got ? json_deep_copy(got) : NULL,
		     "facts: %s: expected %s, got %s", path, w,
		     g ? g : "nothing (no such fact)");
		free(w);
		free(g);
	}
}

static void check_error(const struct rb_expect *e, const char *error,
			const char *status, json_t *fails)
{
	if (e->error.set && !error)
		fail(fails, "error", e->error.line, json_string(e->error.value),
		     NULL,
		     "error: expected the engine to refuse with `%s`, but the "
		     "run finished: %s",
		     e->error.value, or_none(status));
	else if (e->error.set && !strstr(error, e->error.value))
		fail(fails, "error", e->error.line, json_string(e->error.value),
		     json_string(error),
		     "error: expected a message containing `%s`, got: %s",
		     e->error.value, error);
	else if (!e->error.set && error)
		fail(fails, "error", e->status.line, NULL, json_string(error),
		     "the engine stopped with an error: %s", error);
}

void rb_test_check(const struct rb_expect *e, const struct rb_actual *a,
		   json_t *fails)
{
	check_error(e, a->error, a->status, fails);
	if (!a->error) {
		check_str(&e->status, "status", a->status, fails);
		check_str(&e->cause, "cause", a->cause, fails);
		check_str(&e->remedy, "remedy", a->remedy, fails);
	}
	check_ran(&e->ran, a->commands, a->envs, fails);
	check_ran_include(&e->ran_include, a->commands, a->envs, "ran_include",
			  fails);
	check_none(&e->not_ran, a->commands, a->envs, "not_ran", fails);
	check_probed(e, a->probes, fails);
	check_ran_include(&e->notified, a->notified, NULL, "notified", fails);
	if (e->facts)
		check_facts(e, a->facts, fails);
}
