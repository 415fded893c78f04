/* rb_test_find.c: finds NAME.test.yaml files for `runbook test PATH`, and
 * checks a loaded test file against its runbook so that typos (a remedy,
 * cause, status, probe or param that does not exist) are input errors at
 * the test file's line instead of puzzling failures. */
#include "runbook/rb_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_exec.h"

static int is_test_name(const char *name)
{
	return str_ends(name, ".test.yaml") || str_ends(name, ".test.yml");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void push(char ***paths, size_t *n, char *p)
{
	*paths = xrealloc(*paths, (*n + 1) * sizeof(char *));
	(*paths)[(*n)++] = p;
}

static int walk(const char *dir, char ***paths, size_t *n, int depth,
		struct ml_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0;

	if (!d)
		return ml_err_at(err, ML_EIO, dir, 0, 0,
				 "cannot open folder: %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			push(&names, &nn, xstrdup(e->d_name));
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(char *), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		struct buf p = BUF_INIT;
		struct stat st;
		buf_printf(&p, "%s%s%s", dir, str_ends(dir, "/") ? "" : "/",
			   names[i]);
		if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode) && depth < 32)
			walk(p.data, paths, n, depth + 1, err);
		else if (S_ISREG(st.st_mode) && is_test_name(names[i]))
			push(paths, n, buf_detach(&p, NULL));
		buf_free(&p);
		free(names[i]);
	}
	free(names);
	return 0;
}

int rb_test_find_files(const char *path, char ***paths, size_t *n,
		       struct ml_err *err)
{
	struct stat st;
	struct buf b = BUF_INIT;
	size_t len = strlen(path);

	if (stat(path, &st) != 0)
		return ml_err_at(err, ML_ENOTFOUND, path, 0, 0, "%s",
				 strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk(path, paths, n, 0, err);
	if (is_test_name(path)) {
		push(paths, n, xstrdup(path));
		return 0;
	}
	if (str_ends(path, ".yaml"))
		len -= 5;
	else if (str_ends(path, ".yml"))
		len -= 4;
	buf_add(&b, path, len);
	buf_puts(&b, ".test.yaml");
	if (stat(b.data, &st) == 0) {
		push(paths, n, buf_detach(&b, NULL));
		return 0;
	}
	ml_err_at(err, ML_ENOTFOUND, path, 0, 0,
		  "no scenario tests for this runbook: expected %s "
		  "(see docs/runbook-testing.md)",
		  b.data);
	buf_free(&b);
	return ML_ENOTFOUND;
}

/* A NULL-terminated list of names, growable. */
struct names {
	const char **v;
	size_t n;
};

static void names_add(struct names *ns, const char *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], s))
			return;
	ns->v = xrealloc(ns->v, (ns->n + 2) * sizeof(char *));
	ns->v[ns->n++] = s;
	ns->v[ns->n] = NULL;
}

static int names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], s))
			return 1;
	return 0;
}

static void probe_names(const struct rb_steps *ss, struct names *ns)
{
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->v[i].kind == RB_STEP_PROBE) {
			names_add(ns, ss->v[i].probe);
			names_add(ns, ss->v[i].as);
		}
		probe_names(&ss->v[i].before, ns);
		probe_names(&ss->v[i].steps, ns);
		probe_names(&ss->v[i].after, ns);
	}
}

static int unknown(const struct rb_test_suite *s, int line, int col,
		   const char *what, const char *name, const struct names *ns,
		   const char *rbfile, struct ml_err *err)
{
	static const char *const none[] = {NULL};
	const char *near = str_nearest(name, ns->v ? ns->v : none);

	return ml_err_at(err, ML_EINPUT, s->file, line, col,
			 "%s `%s` is not in %s%s%s%s", what, name, rbfile,
			 near ? "; did you mean `" : "", near ? near : "",
			 near ? "`?" : "");
}

static int check_mocks(const struct rb_test_suite *s, const struct rb_mocks *m,
		       const struct names *probes, const struct names *params,
		       const char *rbfile, struct ml_err *err)
{
	const char *k;
	json_t *v;

	for (size_t i = 0; i < m->n_probes; i++)
		if (!names_has(probes, m->probes[i].name))
			return unknown(s, m->probes[i].line, m->probes[i].col,
				       "probe", m->probes[i].name, probes,
				       rbfile, err);
	json_object_foreach(
	    m->params, k,
	    v) if (!names_has(params, k)) return unknown(s, 0, 0, "param", k,
							 params, rbfile, err);
	return 0;
}

static int check_expect(const struct rb_test_suite *s,
			const struct rb_expect *e, const struct names *st,
			const struct names *causes, const struct names *rems,
			const struct names *probes, const char *rbfile,
			struct ml_err *err)
{
	if (e->status.value && !names_has(st, e->status.value))
		return unknown(s, e->status.line, e->status.col, "status",
			       e->status.value, st, "the final statuses", err);
	if (e->cause.value && !names_has(causes, e->cause.value))
		return unknown(s, e->cause.line, e->cause.col, "cause",
			       e->cause.value, causes, rbfile, err);
	if (e->remedy.value && !names_has(rems, e->remedy.value))
		return unknown(s, e->remedy.line, e->remedy.col, "remedy",
			       e->remedy.value, rems, rbfile, err);
	for (size_t i = 0; i < e->n_probed; i++)
		if (!names_has(probes, e->probed[i]))
			return unknown(s, e->probed_line, 0, "probe",
				       e->probed[i], probes, rbfile, err);
	return 0;
}

int rb_test_validate(const struct rb_test_suite *s, const struct rb_runbook *rb,
		     struct ml_err *err)
{
	struct names st = {0}, causes = {0}, rems = {0}, probes = {0},
		     params = {0};
	const struct rb_steps *lists[] = {&rb->prechecks, &rb->diagnose,
					  &rb->procedure, &rb->verify,
					  &rb->rollback};
	const char *rbfile = rb->file ? rb->file : s->runbook;
	int rc = 0;

	for (int k = 0; k < RB_RUN_STATUS_LAST; k++)
		names_add(&st, rb_run_status_name((enum rb_run_status)k));
	for (size_t i = 0; i < rb->n_cases; i++)
		names_add(&causes, rb->cases[i].cause);
	for (size_t i = 0; i < rb->n_remedies; i++) {
		names_add(&rems, rb->remedies[i].name);
		probe_names(&rb->remedies[i].steps, &probes);
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++)
		probe_names(lists[i], &probes);
	for (size_t i = 0; i < rb->n_params; i++)
		names_add(&params, rb->params[i].name);
	rc = check_mocks(s, &s->defaults, &probes, &params, rbfile, err);
	for (size_t i = 0; !rc && i < s->n; i++) {
		rc = check_mocks(s, &s->v[i].m, &probes, &params, rbfile, err);
		if (!rc)
			rc = check_expect(s, &s->v[i].expect, &st, &causes,
					  &rems, &probes, rbfile, err);
		if (rc && !err->line)
			err->line = s->v[i].line;
	}
	free(st.v);
	free(causes.v);
	free(rems.v);
	free(probes.v);
	free(params.v);
	return rc;
}
