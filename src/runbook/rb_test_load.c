/* rb_test_load.c: loads a NAME.test.yaml scenario file into struct
 * rb_test_suite, checking its schema. Every error names file:line:col and
 * what was expected; unknown keys suggest the nearest known key. */
#include "runbook/rb_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "core/config.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"

struct ld {
	const char *file;
	struct ml_err *err;
};

static int bad(struct ld *L, const struct ydoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct ld *L, const struct ydoc_node *n, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ml_err_at(L->err, ML_EINPUT, L->file, n ? n->line : 0,
			 n ? n->col : 0, "%s", msg);
}

static int want(struct ld *L, const struct ydoc_node *n, enum ydoc_type t,
		const char *key)
{
	static const char *const names[] = {"a string", "a list", "a mapping"};

	if (n->type == t)
		return 0;
	return bad(L, n, "`%s` must be %s, not %s", key, names[t],
		   ydoc_type_name(n));
}

/* Refuses keys of map that are not in known (NULL-terminated). */
static int check_keys(struct ld *L, const struct ydoc_node *map,
		      const char *const *known, const char *where)
{
	return ydoc_check_keys(map, known, where, L->file, L->err);
}

static int get_str(struct ld *L, const struct ydoc_node *n, const char *key,
		   char **out)
{
	int rc = want(L, n, YDOC_SCALAR, key);

	if (rc)
		return rc;
	if (strlen(n->value) != n->len)
		return bad(L, n, "`%s` contains a NUL byte", key);
	*out = xstrdup(n->value);
	return 0;
}

/* yes/no/true/false as written by a person. */
static int get_bool(struct ld *L, const struct ydoc_node *n, const char *key,
		    int *out)
{
	static const char *const yes[] = {"yes", "true", "y", "on", NULL};
	static const char *const no[] = {"no", "false", "n", "off", NULL};

	if (n->type == YDOC_SCALAR && !n->quoted) {
		for (const char *const *p = yes; *p; p++)
			if (!strcasecmp(n->value, *p))
				return *out = 1, 0;
		for (const char *const *p = no; *p; p++)
			if (!strcasecmp(n->value, *p))
				return *out = 0, 0;
	}
	return bad(L, n, "`%s` must be yes or no", key);
}

static int get_int(struct ld *L, const struct ydoc_node *n, const char *key,
		   int lo, int hi, int *out)
{
	int64_t v;

	if (n->type != YDOC_SCALAR || n->quoted || str_to_i64(n->value, &v) ||
	    v < lo || v > hi)
		return bad(L, n, "`%s` must be a whole number from %d to %d",
			   key, lo, hi);
	*out = (int)v;
	return 0;
}

/* A mapping of scalars -> JSON object of strings (params, labels, env). */
static int get_strmap(struct ld *L, const struct ydoc_node *n, const char *key,
		      json_t **out)
{
	int rc = want(L, n, YDOC_MAP, key);

	if (rc)
		return rc;
	*out = json_object();
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *v = ydoc_val(n, i);
		if (v->type != YDOC_SCALAR)
			return bad(L, v, "`%s.%s` must be a string, not %s",
				   key, ydoc_key(n, i)->value,
				   ydoc_type_name(v));
		json_object_set_new(*out, ydoc_key(n, i)->value,
				    json_stringn(v->value, v->len));
	}
	return 0;
}

/* A pattern from a scalar: a glob, or a regex when is_re. */
static int load_pattern_text(struct ld *L, const struct ydoc_node *v,
			     const char *key, int is_re, struct rb_pattern *p)
{
	int rc;

	p->line = v->line;
	p->col = v->col;
	if ((rc = get_str(L, v, key, &p->text)) != 0)
		return rc;
	if (!*p->text)
		return bad(L, v, "`%s` must not be empty", key);
	if (is_re) {
		int e = regcomp(&p->re, p->text, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char m[256];
			regerror(e, &p->re, m, sizeof(m));
			return bad(L, v, "bad regex in `%s`: %s", key, m);
		}
		p->is_re = 1;
	}
	return 0;
}

/* A pattern in a list: "glob", or {match: glob | re: regex, env: {..}}. */
static int load_pattern(struct ld *L, const struct ydoc_node *n,
			const char *key, struct rb_pattern *p)
{
	static const char *const keys[] = {"match", "re", "env", NULL};
	const struct ydoc_node *m, *re, *env;
	int rc;

	if (n->type != YDOC_MAP)
		return load_pattern_text(L, n, key, 0, p);
	if ((rc = check_keys(L, n, keys, key)) != 0)
		return rc;
	m = ydoc_get(n, "match");
	re = ydoc_get(n, "re");
	if (!m == !re)
		return bad(L, n,
			   "a pattern needs exactly one of `match:` (a "
			   "glob) or `re:` (a regex)");
	rc = load_pattern_text(L, m ? m : re, key, !m, p);
	if (!rc && (env = ydoc_get(n, "env")))
		rc = get_strmap(L, env, "env", &p->env);
	return rc;
}

void rb_pattern_free(struct rb_pattern *p)
{
	if (p->is_re)
		regfree(&p->re);
	json_decref(p->env);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

static int load_patterns(struct ld *L, const struct ydoc_node *n,
			 const char *key, struct rb_pattern_list *out)
{
	int rc = want(L, n, YDOC_SEQ, key);

	if (rc)
		return rc;
	out->set = 1;
	out->line = n->line;
	out->col = n->col;
	out->v = xcalloc(n->n ? n->n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n->n; i++) {
		/* counted first: a pattern that fails half-loaded (its text
		 * read, its regex refused) is freed with the rest */
		out->n++;
		if ((rc = load_pattern(L, n->items[i], key, &out->v[i])) != 0)
			return rc;
	}
	return 0;
}

/* One result mapping: exit, stdout, stderr, timeout, signal, duration. */
static int load_result(struct ld *L, const struct ydoc_node *n,
		       struct rb_mock_result *r)
{
	const struct ydoc_node *v;
	struct buf out = BUF_INIT;
	int rc = 0;

	r->line = n->line;
	if ((v = ydoc_get(n, "exit")))
		rc = get_int(L, v, "exit", 0, 255, &r->exit_code);
	if (!rc && (v = ydoc_get(n, "signal")))
		rc = get_int(L, v, "signal", 1, 64, &r->sig);
	if (!rc && (v = ydoc_get(n, "timeout")))
		rc = get_bool(L, v, "timeout", &r->timed_out);
	if (!rc && (v = ydoc_get(n, "duration")) &&
	    (v->type != YDOC_SCALAR || dur_parse(v->value, &r->duration_ms)))
		rc = bad(L, v,
			 "`duration` must be a duration like 2s or "
			 "1m30s");
	for (int i = 0; !rc && i < 2; i++) {
		const char *k = i ? "stderr" : "stdout";
		if (!(v = ydoc_get(n, k)))
			continue;
		if (v->type != YDOC_SCALAR)
			rc = bad(L, v, "`%s` must be a string, not %s", k,
				 ydoc_type_name(v));
		else
			buf_add(&out, v->value, v->len);
	}
	r->output = buf_detach(&out, NULL);
	if (!rc && r->sig && r->timed_out)
		rc = bad(L, n, "a result is either `signal` or `timeout`");
	return rc;
}

static int load_cmd_mock(struct ld *L, const struct ydoc_node *n,
			 struct rb_cmd_mock *m)
{
	static const char *const keys[] = {
	    "match",   "re",	 "env",	     "exit",	"stdout", "stderr",
	    "timeout", "signal", "duration", "results", NULL};
	static const char *const rkeys[] = {
	    "exit", "stdout", "stderr", "timeout", "signal", "duration", NULL};
	const struct ydoc_node *match, *re, *v, *res;
	int rc;

	if ((rc = want(L, n, YDOC_MAP, "commands[]")) ||
	    (rc = check_keys(L, n, keys, "a command mock")))
		return rc;
	m->line = n->line;
	m->col = n->col;
	match = ydoc_get(n, "match");
	re = ydoc_get(n, "re");
	if (!match == !re)
		return bad(L, n,
			   "a command mock needs exactly one of `match:` "
			   "(a glob) or `re:` (a regex)");
	rc = match ? load_pattern_text(L, match, "match", 0, &m->pat)
		   : load_pattern_text(L, re, "re", 1, &m->pat);
	if (!rc && (v = ydoc_get(n, "env")))
		rc = get_strmap(L, v, "env", &m->env);
	if (rc)
		return rc;
	res = ydoc_get(n, "results");
	if (res) {
		for (const char *const *k = rkeys; *k; k++)
			if ((v = ydoc_get(n, *k)))
				return bad(L, v,
					   "`%s` goes inside each item "
					   "of `results:` here",
					   *k);
		if ((rc = want(L, res, YDOC_SEQ, "results")))
			return rc;
		if (!res->n)
			return bad(L, res, "`results` must not be empty");
		m->results = xcalloc(res->n, sizeof(*m->results));
		for (size_t i = 0; i < res->n; i++) {
			const struct ydoc_node *r = res->items[i];
			if ((rc = want(L, r, YDOC_MAP, "results[]")) ||
			    (rc = check_keys(L, r, rkeys, "a result")))
				return rc;
			m->n_results++;
			if ((rc = load_result(L, r, &m->results[i])))
				return rc;
		}
		return 0;
	}
	m->results = xcalloc(1, sizeof(*m->results));
	m->n_results = 1;
	return load_result(L, n, &m->results[0]);
}

static int load_cmds(struct ld *L, const struct ydoc_node *n,
		     struct rb_mocks *m)
{
	int rc = want(L, n, YDOC_SEQ, "commands");

	if (rc)
		return rc;
	m->cmds = xcalloc(n->n ? n->n : 1, sizeof(*m->cmds));
	for (size_t i = 0; i < n->n; i++) {
		m->n_cmds++;
		if ((rc = load_cmd_mock(L, n->items[i], &m->cmds[i])))
			return rc;
	}
	return 0;
}

/* Facts of one probe call: a mapping; fills probe/verdict/reasons. */
static int load_facts(struct ld *L, const struct ydoc_node *n, const char *name,
		      json_t **out)
{
	static const char *const verdicts[] = {"healthy", "unknown", "degraded",
					       "failed", NULL};
	const struct ydoc_node *v;
	int rc = want(L, n, YDOC_MAP, name);

	if (rc)
		return rc;
	if ((v = ydoc_get(n, "verdict"))) {
		int ok = 0;
		if (v->type == YDOC_SCALAR)
			for (const char *const *p = verdicts; *p; p++)
				ok |= !strcmp(*p, v->value);
		if (!ok) {
			const char *near = v->type == YDOC_SCALAR
					       ? str_nearest(v->value, verdicts)
					       : NULL;
			return bad(L, v,
				   "`verdict` must be healthy, unknown, "
				   "degraded or failed%s%s%s",
				   near ? "; did you mean `" : "",
				   near ? near : "", near ? "`?" : "");
		}
	}
	if ((v = ydoc_get(n, "_error")) &&
	    (v->type != YDOC_SCALAR || !*v->value))
		return bad(L, v, "`_error` must be the error message");
	*out = ydoc_to_json(n);
	if (!json_object_get(*out, "probe"))
		jset_str(*out, "probe", name);
	if (!json_object_get(*out, "verdict"))
		jset_str(*out, "verdict", "healthy");
	if (!json_object_get(*out, "reasons"))
		json_object_set_new(*out, "reasons", json_array());
	return 0;
}

static int load_probes(struct ld *L, const struct ydoc_node *n,
		       struct rb_mocks *m)
{
	int rc = want(L, n, YDOC_MAP, "probes");

	if (rc)
		return rc;
	m->probes = xcalloc(n->n ? n->n : 1, sizeof(*m->probes));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i), *v = ydoc_val(n, i);
		struct rb_probe_mock *p = &m->probes[m->n_probes++];
		size_t cnt = v->type == YDOC_SEQ ? v->n : 1;

		p->name = xstrdup(k->value);
		p->line = k->line;
		p->col = k->col;
		if (v->type == YDOC_SEQ && !v->n)
			return bad(L, v,
				   "probe `%s`: the list of calls must "
				   "not be empty",
				   k->value);
		p->facts = xcalloc(cnt, sizeof(*p->facts));
		for (size_t j = 0; j < cnt; j++) {
			const struct ydoc_node *f =
			    v->type == YDOC_SEQ ? v->items[j] : v;
			if ((rc = load_facts(L, f, k->value, &p->facts[j])))
				return rc;
			p->n++;
		}
	}
	return 0;
}

static int load_confirm(struct ld *L, const struct ydoc_node *n,
			struct rb_mocks *m)
{
	size_t cnt = n->type == YDOC_SEQ ? n->n : 1;
	int rc;

	if (n->type == YDOC_MAP || !cnt)
		return bad(L, n,
			   "`confirm` must be yes, no or a list of them "
			   "(one per confirm step)");
	m->confirm = xcalloc(cnt, sizeof(int));
	for (size_t i = 0; i < cnt; i++) {
		const struct ydoc_node *v =
		    n->type == YDOC_SEQ ? n->items[i] : n;
		if ((rc = get_bool(L, v, "confirm", &m->confirm[i])))
			return rc;
		m->n_confirm++;
	}
	return 0;
}

/* The keys shared by `defaults:` and scenarios. */
static int load_mocks(struct ld *L, const struct ydoc_node *n,
		      struct rb_mocks *m)
{
	const struct ydoc_node *v;
	int rc = 0;

	if ((v = ydoc_get(n, "params")))
		rc = get_strmap(L, v, "params", &m->params);
	if (!rc && (v = ydoc_get(n, "labels")))
		rc = get_strmap(L, v, "labels", &m->labels);
	if (!rc && (v = ydoc_get(n, "now"))) {
		if (v->type != YDOC_SCALAR || time_parse(v->value, &m->now_ms))
			rc = bad(L, v,
				 "`now` must be an RFC 3339 time like "
				 "2026-11-23T03:00:00Z");
		m->has_now = 1;
	}
	if (!rc && (v = ydoc_get(n, "probes")))
		rc = load_probes(L, v, m);
	if (!rc && (v = ydoc_get(n, "commands")))
		rc = load_cmds(L, v, m);
	if (!rc && (v = ydoc_get(n, "confirm")))
		rc = load_confirm(L, v, m);
	return rc;
}

static int is_null(const struct ydoc_node *n)
{
	return n->type == YDOC_SCALAR && !n->quoted &&
	       (!*n->value || !strcmp(n->value, "~") ||
		!strcmp(n->value, "null"));
}

/* status/cause/remedy/error: a string, or null for "none". */
static int load_expect_str(struct ld *L, const struct ydoc_node *map,
			   const char *key, int nullable,
			   struct rb_expect_str *e)
{
	const struct ydoc_node *v = ydoc_get(map, key);

	if (!v)
		return 0;
	e->set = 1;
	e->line = v->line;
	e->col = v->col;
	if (nullable && is_null(v))
		return 0;
	if (is_null(v))
		return bad(L, v, "`%s` must not be empty", key);
	return get_str(L, v, key, &e->value);
}

static int load_probed(struct ld *L, const struct ydoc_node *n,
		       struct rb_expect *e)
{
	int rc = want(L, n, YDOC_SEQ, "probed");

	if (rc)
		return rc;
	e->probed_set = 1;
	e->probed_line = n->line;
	e->probed = xcalloc(n->n ? n->n : 1, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if ((rc = get_str(L, n->items[i], "probed[]", &e->probed[i])))
			return rc;
		e->n_probed++;
	}
	return 0;
}

static int load_expect_facts(struct ld *L, const struct ydoc_node *n,
			     struct rb_expect *e)
{
	int rc = want(L, n, YDOC_MAP, "facts");

	if (rc)
		return rc;
	e->facts = json_object();
	e->facts_lines = json_object();
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i);
		json_object_set_new(e->facts, k->value,
				    ydoc_to_json(ydoc_val(n, i)));
		json_object_set_new(e->facts_lines, k->value,
				    json_integer(k->line));
	}
	return 0;
}

static int load_expect(struct ld *L, const struct ydoc_node *n,
		       const char *name, struct rb_expect *e)
{
	static const char *const keys[] = {
	    "status", "cause",	     "remedy",	  "error",
	    "ran",    "ran_include", "not_ran",	  "notified",
	    "probed", "facts",	     "triggered", NULL};
	const struct ydoc_node *v;
	int rc;

	if ((rc = want(L, n, YDOC_MAP, "expect")) ||
	    (rc = check_keys(L, n, keys, "expect")))
		return rc;
	e->line = n->line;
	e->col = n->col;
	if ((rc = load_expect_str(L, n, "status", 0, &e->status)) ||
	    (rc = load_expect_str(L, n, "cause", 1, &e->cause)) ||
	    (rc = load_expect_str(L, n, "remedy", 1, &e->remedy)) ||
	    (rc = load_expect_str(L, n, "error", 0, &e->error)))
		return rc;
	if (!e->status.set && !e->error.set)
		return bad(L, n,
			   "scenario `%s`: `expect` needs `status:` (the "
			   "final status) or `error:` (the engine "
			   "refuses to run)",
			   name);
	if (e->status.set && e->error.set)
		return bad(L, ydoc_get(n, "error"),
			   "`error:` and `status:` exclude each other: a run "
			   "that errors has no status");
	if ((v = ydoc_get(n, "ran")) &&
	    (rc = load_patterns(L, v, "ran", &e->ran)))
		return rc;
	if ((v = ydoc_get(n, "ran_include")) &&
	    (rc = load_patterns(L, v, "ran_include", &e->ran_include)))
		return rc;
	if ((v = ydoc_get(n, "not_ran")) &&
	    (rc = load_patterns(L, v, "not_ran", &e->not_ran)))
		return rc;
	if ((v = ydoc_get(n, "notified")) &&
	    (rc = load_patterns(L, v, "notified", &e->notified)))
		return rc;
	if ((v = ydoc_get(n, "probed")) && (rc = load_probed(L, v, e)))
		return rc;
	if ((v = ydoc_get(n, "facts")) && (rc = load_expect_facts(L, v, e)))
		return rc;
	if ((v = ydoc_get(n, "triggered"))) {
		e->triggered_line = v->line;
		return get_bool(L, v, "triggered", &e->triggered);
	}
	return 0;
}

static void rb_test_expect_free(struct rb_expect *e)
{
	struct rb_pattern_list *lists[] = {&e->ran, &e->ran_include,
					   &e->not_ran, &e->notified};

	free(e->status.value);
	free(e->cause.value);
	free(e->remedy.value);
	free(e->error.value);
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < lists[i]->n; j++)
			rb_pattern_free(&lists[i]->v[j]);
		free(lists[i]->v);
	}
	for (size_t i = 0; i < e->n_probed; i++)
		free(e->probed[i]);
	free(e->probed);
	json_decref(e->facts);
	json_decref(e->facts_lines);
}

static int load_scenario(struct ld *L, const struct ydoc_node *n,
			 struct rb_scenario *sc)
{
	static const char *const keys[] = {
	    "name",	"params",  "labels", "now",	"probes",
	    "commands", "confirm", "expect", "dry_run", NULL};
	const struct ydoc_node *v;
	int rc;

	sc->expect.triggered = -1;
	if ((rc = want(L, n, YDOC_MAP, "scenarios[]")) ||
	    (rc = check_keys(L, n, keys, "a scenario")))
		return rc;
	sc->line = n->line;
	sc->col = n->col;
	if (!(v = ydoc_get(n, "name")))
		return bad(L, n, "a scenario needs a `name:`");
	if ((rc = get_str(L, v, "name", &sc->name)))
		return rc;
	if ((rc = load_mocks(L, n, &sc->m)))
		return rc;
	if ((v = ydoc_get(n, "dry_run")) &&
	    (rc = get_bool(L, v, "dry_run", &sc->dry_run)))
		return rc;
	if (!(v = ydoc_get(n, "expect")))
		return bad(L, n,
			   "scenario `%s` needs an `expect:` (at least "
			   "`status:` or `error:`)",
			   sc->name);
	return load_expect(L, v, sc->name, &sc->expect);
}

/* Default runbook of a test file: NAME.test.yaml -> NAME.yaml. */
static char *sibling_runbook(const char *file)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(file);

	if (str_ends(file, ".test.yaml"))
		len -= strlen(".test.yaml");
	else if (str_ends(file, ".test.yml"))
		len -= strlen(".test.yml");
	buf_add(&b, file, len);
	buf_puts(&b, ".yaml");
	return buf_detach(&b, NULL);
}

/* `runbook:` relative to the test file's folder. */
static char *resolve_runbook(const char *file, const char *rel)
{
	struct buf b = BUF_INIT;
	const char *slash = strrchr(file, '/');

	if (rel[0] != '/' && slash)
		buf_add(&b, file, (size_t)(slash - file + 1));
	buf_puts(&b, rel);
	return buf_detach(&b, NULL);
}

static int load_root(struct ld *L, const struct ydoc_node *root,
		     struct rb_test_suite *s)
{
	static const char *const keys[] = {"runbook", "defaults", "scenarios",
					   NULL};
	static const char *const dkeys[] = {
	    "params", "labels", "now", "probes", "commands", "confirm", NULL};
	const struct ydoc_node *v, *scs;
	int rc;

	if (!root)
		return ml_err_at(L->err, ML_EINPUT, L->file, 1, 1,
				 "empty test file: expected a mapping with "
				 "`scenarios:`");
	if ((rc = want(L, root, YDOC_MAP, "the test file")) ||
	    (rc = check_keys(L, root, keys, "the test file")))
		return rc;
	if ((v = ydoc_get(root, "runbook"))) {
		char *rel;
		if ((rc = get_str(L, v, "runbook", &rel)))
			return rc;
		s->runbook = resolve_runbook(L->file, rel);
		s->runbook_line = v->line;
		free(rel);
	} else {
		s->runbook = sibling_runbook(L->file);
	}
	if ((v = ydoc_get(root, "defaults")) &&
	    ((rc = want(L, v, YDOC_MAP, "defaults")) ||
	     (rc = check_keys(L, v, dkeys, "defaults")) ||
	     (rc = load_mocks(L, v, &s->defaults))))
		return rc;
	if (!(scs = ydoc_get(root, "scenarios")))
		return bad(L, root, "a test file needs `scenarios:` (a list)");
	if ((rc = want(L, scs, YDOC_SEQ, "scenarios")))
		return rc;
	if (!scs->n)
		return bad(L, scs,
			   "`scenarios` is empty: a test file without "
			   "scenarios tests nothing");
	s->v = xcalloc(scs->n, sizeof(*s->v));
	for (size_t i = 0; i < scs->n; i++) {
		s->n++;
		if ((rc = load_scenario(L, scs->items[i], &s->v[i])))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->v[j].name, s->v[i].name))
				return bad(L, scs->items[i],
					   "duplicate scenario name `%s` "
					   "(first at line %d)",
					   s->v[i].name, s->v[j].line);
	}
	return 0;
}

static int load_doc(const struct ydoc *doc, const char *name,
		    struct rb_test_suite **out, struct ml_err *err)
{
	struct ld L = {name, err};
	struct rb_test_suite *s = xcalloc(1, sizeof(*s));
	int rc;

	s->file = xstrdup(name);
	rc = load_root(&L, doc->root, s);
	if (rc) {
		rb_test_suite_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int rb_test_load_string(const char *text, size_t len, const char *name,
			struct rb_test_suite **out, struct ml_err *err)
{
	struct ydoc doc = {0};
	int rc;

	*out = NULL;
	if (len > ML_MAX_CONFIG_BYTES)
		return ml_err_at(err, ML_EINPUT, name, 0, 0,
				 "test file is larger than %d bytes",
				 ML_MAX_CONFIG_BYTES);
	rc = ydoc_load_string(text, len, name, &doc, err);
	if (!rc)
		rc = load_doc(&doc, name, out, err);
	ydoc_free(&doc);
	return rc;
}

int rb_test_load_file(const char *path, struct rb_test_suite **out,
		      struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc;

	*out = NULL;
	if (buf_read_file(&b, path, ML_MAX_CONFIG_BYTES) != 0) {
		buf_free(&b);
		return ml_err_at(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				 path, 0, 0, "cannot read test file: %s",
				 strerror(errno));
	}
	rc = rb_test_load_string(buf_str(&b), b.len, path, out, err);
	buf_free(&b);
	return rc;
}

static void free_mocks(struct rb_mocks *m)
{
	json_decref(m->params);
	json_decref(m->labels);
	for (size_t i = 0; i < m->n_probes; i++) {
		for (size_t j = 0; j < m->probes[i].n; j++)
			json_decref(m->probes[i].facts[j]);
		free(m->probes[i].facts);
		free(m->probes[i].name);
	}
	free(m->probes);
	for (size_t i = 0; i < m->n_cmds; i++) {
		rb_pattern_free(&m->cmds[i].pat);
		json_decref(m->cmds[i].env);
		for (size_t j = 0; j < m->cmds[i].n_results; j++)
			free(m->cmds[i].results[j].output);
		free(m->cmds[i].results);
	}
	free(m->cmds);
	free(m->confirm);
}

void rb_test_suite_free(struct rb_test_suite *s)
{
	if (!s)
		return;
	free_mocks(&s->defaults);
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free_mocks(&s->v[i].m);
		rb_test_expect_free(&s->v[i].expect);
	}
	free(s->v);
	free(s->runbook);
	free(s->file);
	free(s);
}
