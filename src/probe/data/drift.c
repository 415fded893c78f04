/* drift.c: the `drift` probe: per-column drift tests between a reference
 * and a current CSV file (tests in drift_col.c), the share of drifted
 * columns and dataset drift, an optional HTML report (drift_html.c). Set
 * MLONCALL_TIMINGS=1 to get phase times (parse, tests) on stderr. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "core/out.h"
#include "csv/csv_json.h"
#include "probe/data/drift_col.h"
#include "probe/data/drift_html.h"
#include "probe/probe.h"

static int col_wanted(const json_t *list, const char *name)
{
	size_t i;
	json_t *v;

	if (!list || !json_array_size(list))
		return 1;
	json_array_foreach(list, i,
			   v) if (!strcmp(json_string_value(v), name)) return 1;
	return 0;
}

/* One column pair to test and its outcome (filled by a worker). */
struct col_job {
	struct csv_col *rc, *cc;
	json_t *out, *hist;
	const char *why;
};

struct col_work {
	struct col_job *jobs;
	size_t n, first, step;
	size_t nref, ncur;
	const struct drift_cfg *cfg;
};

/* Tests jobs first, first + step, ... Columns are independent: each job
 * touches only its own two columns and builds its own JSON. */
static void *col_worker(void *arg)
{
	struct col_work *w = arg;

	for (size_t i = w->first; i < w->n; i += w->step) {
		struct col_job *j = &w->jobs[i];
		j->out = drift_column(j->rc, w->nref, j->cc, w->ncur, w->cfg,
				      &j->hist, &j->why);
	}
	return NULL;
}

/* Runs the jobs on two threads (one when a thread cannot start). */
static void run_jobs(struct col_job *jobs, size_t n, size_t nref, size_t ncur,
		     const struct drift_cfg *cfg)
{
	struct col_work w0 = {jobs, n, 0, 2, nref, ncur, cfg};
	struct col_work w1 = {jobs, n, 1, 2, nref, ncur, cfg};
	pthread_t th;

	if (n > 1 && !pthread_create(&th, NULL, col_worker, &w1)) {
		col_worker(&w0);
		pthread_join(th, NULL);
		return;
	}
	w0.step = 1;
	col_worker(&w0);
}

/* Tests every selected column present in both tables. */
static void test_columns(struct csv_table *ref, struct csv_table *cur,
			 const json_t *args, const struct drift_cfg *cfg,
			 json_t *facts, json_t *cols, json_t *hists)
{
	const json_t *only = json_object_get(args, "columns");
	const json_t *ignore = json_object_get(args, "ignore");
	struct col_job *jobs = calloc(ref->ncols + 1, sizeof(*jobs));
	size_t n = 0;

	for (size_t i = 0; jobs && i < ref->ncols; i++) {
		struct csv_col *rc = &ref->cols[i], *cc;
		if (!col_wanted(only, rc->name) ||
		    (ignore && json_array_size(ignore) &&
		     col_wanted(ignore, rc->name)))
			continue;
		cc = csv_table_col(cur, rc->name);
		if (!cc) {
			probe_reason(facts, PV_DEGRADED, "column_missing",
				     "column `%s` is in %s but not in %s",
				     rc->name, ref->file, cur->file);
			continue;
		}
		jobs[n].rc = rc;
		jobs[n++].cc = cc;
	}
	run_jobs(jobs, n, ref->nrows, cur->nrows, cfg);
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i].out) {
			probe_reason(facts, PV_HEALTHY, "column_skipped",
				     "column `%s` not tested: %s",
				     jobs[i].rc->name, jobs[i].why);
			continue;
		}
		json_array_append_new(cols, jobs[i].out);
		if (jobs[i].hist)
			json_object_set_new(hists, jobs[i].rc->name,
					    jobs[i].hist);
	}
	free(jobs);
	for (size_t i = 0; i < cur->ncols; i++)
		if (col_wanted(only, cur->cols[i].name) &&
		    !csv_table_col(ref, cur->cols[i].name))
			probe_reason(facts, PV_HEALTHY, "column_new",
				     "column `%s` is in %s but not in %s",
				     cur->cols[i].name, cur->file, ref->file);
}

/* Drifted columns first (stable order otherwise). */
static void sort_columns(json_t *cols)
{
	json_t *d = json_array(), *n = json_array(), *v;
	size_t i;

	json_array_foreach(cols, i, v)
	    json_array_append(jget_bool(v, "drifted", 0) ? d : n, v);
	json_array_clear(cols);
	json_array_extend(cols, d);
	json_array_extend(cols, n);
	json_decref(d);
	json_decref(n);
}

static void summarize(json_t *facts, json_t *cols, double share_thr)
{
	size_t n = json_array_size(cols), k = 0, i;
	json_t *v, *s = json_object();

	json_array_foreach(cols, i, v) k += jget_bool(v, "drifted", 0);
	double share = n ? (double)k / (double)n : 0;
	int dataset = n && share >= share_thr;
	jset_int(s, "columns", (long long)n);
	jset_int(s, "drifted", (long long)k);
	jset_real(s, "share", share);
	jset_real(s, "share_threshold", share_thr);
	jset_bool(s, "dataset_drift", dataset);
	json_object_set_new(facts, "summary", s);
	if (dataset)
		probe_reason(facts, PV_DEGRADED, "dataset_drift",
			     "dataset drift: %zu of %zu columns drifted "
			     "(share %.2f >= %.2f)",
			     k, n, share, share_thr);
	else if (k)
		probe_reason(facts, PV_HEALTHY, "column_drift",
			     "%zu of %zu columns drifted (share %.2f < %.2f)",
			     k, n, share, share_thr);
	if (!n)
		probe_reason(facts, PV_UNKNOWN, "no_columns",
			     "no column could be compared");
}

static void note_problems(json_t *facts, const struct csv_table *t,
			  const char *which)
{
	json_t *sum = csv_table_summary(t);
	long long np = jget_int(sum, "problem_count", 0);

	json_object_set_new(facts, which, sum);
	if (np)
		probe_reason(facts, PV_HEALTHY, "input_problems",
			     "%s: %lld problem(s) while reading (see "
			     "%s.problems); those values are left out",
			     t->file, np, which);
}

struct load_job {
	const char *path;
	const json_t *args;
	struct csv_table t;
	struct ml_err err;
	int rc;
};

static void *load_job_run(void *arg)
{
	struct load_job *j = arg;
	struct csv_load_opts o = {0};

	o.delim = ',';
	j->rc = csv_delim_parse(jget_str(j->args, "delimiter", ","), &o.delim,
				&j->err);
	if (j->rc)
		return NULL;
	o.strict = jget_bool(j->args, "strict", 0);
	o.no_lines = 1; /* drift findings are per column, not per line */
	if ((j->rc = csv_limits_args(j->args, &o, &j->err)))
		return NULL;
	j->rc = csv_table_load(j->path, &o, &j->t, &j->err);
	return NULL;
}

/* Loads both files, the reference in a second thread (two cores halve the
 * wall time; parsing dominates). On error both tables are freed. */
static int load_both(const json_t *a, struct csv_table *ref,
		     struct csv_table *cur, struct ml_err *err)
{
	struct load_job jr = {.path = jget_str(a, "ref", ""), .args = a};
	struct load_job jc = {.path = jget_str(a, "cur", ""), .args = a};
	pthread_t th;
	int threaded = !pthread_create(&th, NULL, load_job_run, &jr);

	if (!threaded)
		load_job_run(&jr);
	load_job_run(&jc);
	if (threaded)
		pthread_join(th, NULL);
	if (jr.rc || jc.rc) {
		*err = jr.rc ? jr.err : jc.err;
		if (!jr.rc)
			csv_table_free(&jr.t);
		if (!jc.rc)
			csv_table_free(&jc.t);
		return jr.rc ? jr.rc : jc.rc;
	}
	*ref = jr.t;
	*cur = jc.t;
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const json_t *a = ctx->args;
	struct csv_table ref, cur;
	struct drift_cfg cfg = {jget_str(a, "test", "auto"),
				jget_num(a, "threshold", NAN), 0};
	const char *html = jget_str(a, "html", NULL);
	int timings = getenv("MLONCALL_TIMINGS") != NULL, rc;
	double t0 = time_mono_s(), t1, t2;

	double share = jget_num(a, "drift-share", 0.5);

	*facts = NULL;
	if (!(share > 0 && share <= 1))
		return ml_err_set(err, ML_EUSAGE,
				  "--drift-share must be in (0, 1], not %g",
				  share);
	if (!isnan(cfg.threshold) && !(cfg.threshold > 0))
		return ml_err_set(err, ML_EUSAGE,
				  "--threshold must be above 0, not %g",
				  cfg.threshold);
	if (!drift_test_known(cfg.test))
		return ml_err_set(err, ML_EUSAGE,
				  "unknown --test `%s` (auto, ks, wasserstein, "
				  "chisquare, z, jensenshannon, psi)",
				  cfg.test);
	if ((rc = load_both(a, &ref, &cur, err)))
		return rc;
	t1 = time_mono_s();
	cfg.want_hist = html != NULL;
	json_t *f = probe_facts_new("drift"), *cols = json_array(),
	       *hists = json_object();
	note_problems(f, &ref, "ref");
	note_problems(f, &cur, "cur");
	test_columns(&ref, &cur, a, &cfg, f, cols, hists);
	sort_columns(cols);
	json_object_set_new(f, "columns", cols);
	summarize(f, cols, share);
	t2 = time_mono_s();
	if (timings)
		fprintf(stderr,
			"timings: parse ref %.3fs (%.0f MB/s) and cur (in "
			"parallel) "
			"%.3fs (%.0f MB/s), sort+tests (2 threads) %.3fs, "
			"total %.3fs\n",
			ref.t_parse, ref.bytes / 1e6 / (ref.t_parse + 1e-9),
			cur.t_parse, cur.bytes / 1e6 / (cur.t_parse + 1e-9),
			t2 - t1, t2 - t0);
	csv_table_free(&ref);
	csv_table_free(&cur);
	if (html && (rc = drift_html_write(html, f, hists, err))) {
		json_decref(hists);
		json_decref(f);
		return rc;
	}
	if (html)
		jset_str(f, "html", html);
	json_decref(hists);
	*facts = f;
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *s = json_object_get(facts, "summary"), *v, *r;
	size_t i;

	buf_printf(out, "drift: %s\n", jget_str(facts, "verdict", "?"));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  %s: %s\n", jget_str(r, "level", ""),
		       jget_str(r, "message", ""));
	buf_printf(out, "\n%-24s %-4s %-14s %12s %10s  %s\n", "COLUMN", "TYPE",
		   "TEST", "SCORE", "THRESHOLD", "DRIFT");
	json_array_foreach(json_object_get(facts, "columns"), i, v)
	    buf_printf(out, "%-24s %-4s %-14s %12.6g %10g  %s\n",
		       jget_str(v, "column", ""), jget_str(v, "type", ""),
		       jget_str(v, "test", ""), jget_num(v, "score", NAN),
		       jget_num(v, "threshold", NAN),
		       jget_bool(v, "drifted", 0) ? "DRIFT" : "-");
	buf_printf(out,
		   "\n%lld of %lld columns drifted (share %.2f, dataset "
		   "drift at %.2f): %s\n",
		   jget_int(s, "drifted", 0), jget_int(s, "columns", 0),
		   jget_num(s, "share", 0), jget_num(s, "share_threshold", 0),
		   jget_bool(s, "dataset_drift", 0) ? "DATASET DRIFT"
						    : "no dataset drift");
	if (json_object_get(facts, "html"))
		buf_printf(out, "report: %s\n", jget_str(facts, "html", ""));
}

static const struct probe_opt opts[] = {
    {"ref", PO_PATH, "reference CSV (training data); .gz is fine", NULL, 0, 1},
    {"cur", PO_PATH, "current CSV (serving data); .gz is fine", NULL, 0, 1},
    {"test", PO_STRING,
     "auto, ks, wasserstein, chisquare, z, jensenshannon or psi", "auto", 0, 0},
    {"threshold", PO_NUM,
     "drift threshold of the test (p-value tests: drift when p < it; "
     "distances: when >= it)",
     NULL, 0, 0},
    {"drift-share", PO_NUM, "dataset drift when this share of columns drifted",
     "0.5", 0, 0},
    {"columns", PO_LIST, "only these columns (repeatable)", NULL, 0, 0},
    {"ignore", PO_LIST, "skip these columns (repeatable)", NULL, 0, 0},
    {"delimiter", PO_STRING, "field separator (one character or `tab`)", ",", 0,
     0},
    {"strict", PO_BOOL, "any malformed row or value is an error", NULL, 0, 0},
    {"html", PO_PATH, "also write a self-contained HTML report here", NULL, 0,
     0},
    CSV_LIMIT_OPTS,
    {0}};

const struct probe_def probe_drift = {
    .name = "drift",
    .summary = "data drift between a reference and a current CSV",
    .help = "Per column: numeric with at most 1,000 reference values: "
	    "two-sample KS\n(p < 0.05); more: Wasserstein distance "
	    "normed by the reference std (>= 0.1).\nCategorical: "
	    "chi-square (Z test for two values), p < 0.05; more than "
	    "1,000\nvalues: Jensen-Shannon distance (base 2) >= 0.1. "
	    "Dataset drift when at least\n--drift-share of the columns "
	    "drifted (exit 1). See docs/probes/drift.md.\n\n"
	    "Examples:\n"
	    "  mloncall check drift --ref train.csv --cur today.csv\n"
	    "  mloncall check drift --ref a.csv.gz --cur b.csv.gz --test psi "
	    "-o json\n"
	    "  mloncall check drift --ref a.csv --cur b.csv --html "
	    "drift.html --columns age --columns income\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
