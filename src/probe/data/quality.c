/* quality.c: the `quality` probe: model quality from a predictions file
 * (timestamp, prediction, label per row): accuracy and per-class
 * precision/recall overall and per time window, the online vs offline gap
 * (below 1 point fine, 1-2 points watch, above 2 points a training-serving
 * mismatch), and the drop in accuracy after a deploy time. Rows without a
 * label (labels arrive late) are counted and left out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "csv/csv_dict.h"
#include "csv/csv_json.h"
#include "probe/probe.h"
#include "stats/stats.h"

#define QUALITY_MAX_WINDOWS 100000
#define QUALITY_MAX_CLASSES 100

struct qcols {
	struct csv_col *ts, *pred, *label, *offline;
};

/* Timestamp text -> epoch ms: RFC 3339 / date, or epoch seconds (ms when
 * above 1e12). Returns 0 or -1. */
static int ts_parse(const char *s, int64_t *ms)
{
	double v;
	int isint;

	if (!time_parse(s, ms))
		return 0;
	if (csv_parse_num(s, strlen(s), &v, &isint) || !isfinite(v))
		return -1;
	*ms = (int64_t)(fabs(v) >= 1e12 ? v : v * 1000.0);
	return 0;
}

/* Map from codes of column a to codes of column b with the same text;
 * texts b lacks are added to b (a class only ever predicted). NULL on
 * out-of-memory; caller frees. */
static uint32_t *code_map(struct csv_col *a, struct csv_col *b)
{
	uint32_t *m = malloc((a->nlevels + 1) * sizeof(*m));
	int is_new;

	for (uint32_t i = 0; m && i < a->nlevels; i++)
		if (csv_dict_code(b, a->levels[i], strlen(a->levels[i]), &m[i],
				  &is_new)) {
			free(m);
			return NULL;
		}
	return m;
}

struct qwin {
	uint64_t rows, correct;
};

static void set_acc(json_t *o, uint64_t rows, uint64_t correct)
{
	jset_int(o, "rows", (long long)rows);
	jset_int(o, "correct", (long long)correct);
	jset_real(o, "accuracy", rows ? (double)correct / (double)rows : NAN);
}

/* Precision and recall per label class. */
static json_t *per_class(const struct csv_table *t, const struct qcols *q,
			 const uint32_t *pmap)
{
	uint32_t k = q->label->nlevels;
	json_t *arr = json_array();
	uint64_t *tp, *fp, *fn;

	if (k > QUALITY_MAX_CLASSES)
		return arr;
	tp = calloc(k + 1, sizeof(*tp));
	fp = calloc(k + 1, sizeof(*fp));
	fn = calloc(k + 1, sizeof(*fn));
	for (size_t r = 0; tp && fp && fn && r < t->nrows; r++) {
		uint32_t l = q->label->code[r], p = q->pred->code[r];
		if (l == CSV_NA_CODE)
			continue;
		p = p == CSV_NA_CODE ? CSV_NA_CODE : pmap[p];
		if (p == l) {
			tp[l]++;
			continue;
		}
		fn[l]++;
		if (p != CSV_NA_CODE)
			fp[p]++;
	}
	for (uint32_t c = 0; tp && fp && fn && c < k; c++) {
		json_t *o = json_object();
		jset_str(o, "class", q->label->levels[c]);
		jset_int(o, "support", (long long)(tp[c] + fn[c]));
		jset_real(o, "precision",
			  tp[c] + fp[c]
			      ? (double)tp[c] / (double)(tp[c] + fp[c])
			      : NAN);
		jset_real(o, "recall",
			  tp[c] + fn[c]
			      ? (double)tp[c] / (double)(tp[c] + fn[c])
			      : NAN);
		json_array_append_new(arr, o);
	}
	free(tp), free(fp), free(fn);
	return arr;
}

/* Per-level timestamps of the timestamp column (INT64_MIN = unparsable). */
static int64_t *level_times(const struct csv_col *c)
{
	int64_t *t = malloc((c->nlevels + 1) * sizeof(*t));
	for (uint32_t i = 0; t && i < c->nlevels; i++)
		if (ts_parse(c->levels[i], &t[i]))
			t[i] = INT64_MIN;
	return t;
}

static int64_t row_time(const struct qcols *q, const int64_t *lt, size_t r)
{
	uint32_t c = q->ts->code[r];
	return c == CSV_NA_CODE ? INT64_MIN : lt[c];
}

static json_t *windows(json_t *facts, const struct csv_table *t,
		       const struct qcols *q, const uint32_t *pmap,
		       const int64_t *lt, int64_t win, double min_acc)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	json_t *arr = json_array();
	size_t low = 0;

	for (size_t r = 0; r < t->nrows; r++) {
		int64_t ts = row_time(q, lt, r);
		if (ts == INT64_MIN || q->label->code[r] == CSV_NA_CODE)
			continue;
		lo = ts < lo ? ts : lo;
		hi = ts > hi ? ts : hi;
	}
	if (lo > hi)
		return arr;
	int64_t start = lo - ((lo % win) + win) % win;
	uint64_t n = (uint64_t)((hi - start) / win) + 1;
	if (n > QUALITY_MAX_WINDOWS) {
		probe_reason(facts, PV_UNKNOWN, "too_many_windows",
			     "%llu windows: use a larger --window",
			     (unsigned long long)n);
		return arr;
	}
	struct qwin *w = calloc(n, sizeof(*w));
	for (size_t r = 0; w && r < t->nrows; r++) {
		int64_t ts = row_time(q, lt, r);
		uint32_t l = q->label->code[r], p = q->pred->code[r];
		if (ts == INT64_MIN || l == CSV_NA_CODE)
			continue;
		struct qwin *x = &w[(ts - start) / win];
		x->rows++;
		x->correct += p != CSV_NA_CODE && pmap[p] == l;
	}
	for (uint64_t i = 0; w && i < n; i++) {
		char when[40];
		json_t *o;
		if (!w[i].rows)
			continue;
		o = json_object();
		time_format(start + (int64_t)i * win, when, sizeof(when));
		jset_str(o, "start", when);
		set_acc(o, w[i].rows, w[i].correct);
		json_array_append_new(arr, o);
		if (!isnan(min_acc) &&
		    (double)w[i].correct / w[i].rows < min_acc) {
			if (!low++)
				probe_reason(
				    facts, PV_DEGRADED, "low_accuracy",
				    "window %s: accuracy %.4f below %.4f", when,
				    (double)w[i].correct / w[i].rows, min_acc);
		}
	}
	if (low > 1)
		probe_reason(facts, PV_DEGRADED, "low_accuracy",
			     "%zu windows in all below accuracy %.4f", low,
			     min_acc);
	free(w);
	return arr;
}

/* Accuracy before and after the deploy time, the drop and its Z test. */
static void deploy_drop(json_t *facts, const struct csv_table *t,
			const struct qcols *q, const uint32_t *pmap,
			const int64_t *lt, int64_t dep, double max_drop)
{
	uint64_t n[2] = {0, 0}, c[2] = {0, 0};
	json_t *o = json_object();

	for (size_t r = 0; r < t->nrows; r++) {
		int64_t ts = row_time(q, lt, r);
		uint32_t l = q->label->code[r], p = q->pred->code[r];
		if (ts == INT64_MIN || l == CSV_NA_CODE)
			continue;
		n[ts >= dep]++;
		c[ts >= dep] += p != CSV_NA_CODE && pmap[p] == l;
	}
	json_t *b = json_object(), *a = json_object();
	set_acc(b, n[0], c[0]);
	set_acc(a, n[1], c[1]);
	json_object_set_new(o, "before", b);
	json_object_set_new(o, "after", a);
	if (n[0] && n[1]) {
		double drop = (double)c[0] / n[0] - (double)c[1] / n[1], z, p;
		stats_ztest((double)c[0], (double)n[0], (double)c[1],
			    (double)n[1], &z, &p);
		jset_real(o, "drop", drop);
		jset_real(o, "p_value", p);
		jset_real(o, "max_drop", max_drop);
		if (drop > max_drop)
			probe_reason(
			    facts, PV_DEGRADED, "accuracy_drop",
			    "accuracy dropped %.4f -> %.4f after the deploy "
			    "(%.2f points > %.2f; p = %.3g)",
			    (double)c[0] / n[0], (double)c[1] / n[1],
			    drop * 100, max_drop * 100, p);
	} else {
		probe_reason(facts, PV_UNKNOWN, "no_deploy_split",
			     "no labeled rows on one side of the deploy time");
	}
	json_object_set_new(facts, "deploy", o);
}

/* Online (served) vs offline (evaluation) accuracy. */
static void gap(json_t *facts, double online, double offline)
{
	json_t *o = json_object();
	double g = offline - online;

	jset_real(o, "online_accuracy", online);
	jset_real(o, "offline_accuracy", offline);
	jset_real(o, "gap", g);
	jset_str(o, "band",
		 g <= 0.01   ? "fine"
		 : g <= 0.02 ? "watch"
			     : "mismatch");
	json_object_set_new(facts, "online_offline", o);
	if (g > 0.02)
		probe_reason(
		    facts, PV_DEGRADED, "training_serving_mismatch",
		    "online accuracy %.4f is %.2f points below offline "
		    "%.4f (> 2 points: training-serving mismatch)",
		    online, g * 100, offline);
	else if (g > 0.01)
		probe_reason(facts, PV_HEALTHY, "gap_watch",
			     "online accuracy %.2f points below offline (1-2 "
			     "points: watch)",
			     g * 100);
}

static int find_cols(const struct csv_table *t, const json_t *a,
		     struct qcols *q, struct ml_err *err)
{
	static const char *const keys[] = {"timestamp-col", "prediction-col",
					   "label-col"};
	struct csv_col **dst[] = {&q->ts, &q->pred, &q->label};

	for (int i = 0; i < 3; i++) {
		const char *name = jget_str(a, keys[i], "");
		if (!(*dst[i] = csv_table_col(t, name)))
			return ml_err_at(err, ML_EINPUT, t->file, 1, 0,
					 "no column `%s` (set --%s)", name,
					 keys[i]);
	}
	const char *off = jget_str(a, "offline-col", NULL);
	if (off && !(q->offline = csv_table_col(t, off)))
		return ml_err_at(err, ML_EINPUT, t->file, 1, 0,
				 "no column `%s` (--offline-col)", off);
	return 0;
}

static int load(const json_t *a, struct csv_table *t, struct ml_err *err)
{
	const char *names[5] = {jget_str(a, "timestamp-col", ""),
				jget_str(a, "prediction-col", ""),
				jget_str(a, "label-col", ""),
				jget_str(a, "offline-col", NULL), NULL};
	const enum csv_type types[4] = {CSV_STRING, CSV_STRING, CSV_STRING,
					CSV_STRING};
	struct csv_load_opts o = {
	    .delim = ',', .force_names = names, .force_types = types};
	int rc;

	o.strict = jget_bool(a, "strict", 0);
	if ((rc =
		 csv_delim_parse(jget_str(a, "delimiter", ","), &o.delim, err)))
		return rc;
	if ((rc = csv_limits_args(a, &o, err)))
		return rc;
	return csv_table_load(jget_str(a, "data", ""), &o, t, err);
}

/* Overall accuracy of code column p against the labels. */
static void overall(const struct csv_table *t, const struct qcols *q,
		    const struct csv_col *p, const uint32_t *map,
		    uint64_t *rows, uint64_t *correct, uint64_t *unlabeled)
{
	*rows = *correct = *unlabeled = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		uint32_t l = q->label->code[r], c = p->code[r];
		if (l == CSV_NA_CODE) {
			++*unlabeled;
			continue;
		}
		++*rows;
		*correct += c != CSV_NA_CODE && map[c] == l;
	}
}

static int analyze(const struct probe_ctx *ctx, struct csv_table *t,
		   const struct qcols *q, json_t *f, struct ml_err *err)
{
	const json_t *a = ctx->args;
	uint32_t *pmap = code_map(q->pred, q->label), *omap = NULL;
	int64_t *lt = level_times(q->ts), win = jget_int(a, "window", 3600000);
	uint64_t rows, correct, unl;
	json_t *all = json_object();

	if (!pmap || !lt ||
	    (q->offline && !(omap = code_map(q->offline, q->label)))) {
		free(pmap), free(lt), json_decref(all);
		return ml_err_set(err, ML_ENOMEM, "out of memory");
	}
	overall(t, q, q->pred, pmap, &rows, &correct, &unl);
	set_acc(all, rows, correct);
	jset_int(all, "unlabeled", (long long)unl);
	json_object_set_new(f, "overall", all);
	json_object_set_new(f, "classes", per_class(t, q, pmap));
	if (win <= 0)
		win = 3600000;
	json_object_set_new(
	    f, "windows",
	    windows(f, t, q, pmap, lt, win, jget_num(a, "min-accuracy", NAN)));
	const char *dep = jget_str(a, "deploy-time", NULL);
	int64_t dep_ms;
	if (dep && time_parse(dep, &dep_ms)) {
		free(pmap), free(lt), free(omap);
		return ml_err_set(err, ML_EUSAGE,
				  "--deploy-time `%s`: expected "
				  "RFC 3339 (2026-11-23T08:00:00Z)",
				  dep);
	}
	if (dep)
		deploy_drop(f, t, q, pmap, lt, dep_ms,
			    jget_num(a, "max-drop", 0.02));
	double off = jget_num(a, "offline-accuracy", NAN);
	if (omap) {
		uint64_t orows, ocorrect, ounl;
		overall(t, q, q->offline, omap, &orows, &ocorrect, &ounl);
		off = orows ? (double)ocorrect / orows : NAN;
	}
	if (!isnan(off) && rows)
		gap(f, (double)correct / rows, off);
	if (!rows)
		probe_reason(f, PV_UNKNOWN, "no_labels", "no labeled rows");
	free(pmap), free(lt), free(omap);
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	struct csv_table t;
	struct qcols q = {0};
	uint64_t np;
	int rc;

	*facts = NULL;
	if ((rc = load(ctx->args, &t, err)))
		return rc;
	if ((rc = find_cols(&t, ctx->args, &q, err))) {
		csv_table_free(&t);
		return rc;
	}
	json_t *f = probe_facts_new("quality");
	json_object_set_new(f, "data", csv_table_summary(&t));
	np = (uint64_t)jget_int(json_object_get(f, "data"), "problem_count", 0);
	if (np)
		probe_reason(
		    f, PV_HEALTHY, "input_problems",
		    "%llu problem(s) while reading (see data.problems)",
		    (unsigned long long)np);
	rc = analyze(ctx, &t, &q, f, err);
	csv_table_free(&t);
	if (rc) {
		json_decref(f);
		return rc;
	}
	*facts = f;
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *o = json_object_get(facts, "overall"), *v;
	size_t i;

	buf_printf(out,
		   "quality: %s  accuracy %.4f over %lld labeled rows "
		   "(%lld unlabeled)\n",
		   jget_str(facts, "verdict", "?"),
		   jget_num(o, "accuracy", NAN), jget_int(o, "rows", 0),
		   jget_int(o, "unlabeled", 0));
	json_array_foreach(json_object_get(facts, "reasons"), i, v)
	    buf_printf(out, "  %s: %s\n", jget_str(v, "level", ""),
		       jget_str(v, "message", ""));
	buf_printf(out, "\n%-26s %8s %9s\n", "WINDOW", "ROWS", "ACCURACY");
	json_array_foreach(json_object_get(facts, "windows"), i, v)
	    buf_printf(out, "%-26s %8lld %9.4f\n", jget_str(v, "start", ""),
		       jget_int(v, "rows", 0), jget_num(v, "accuracy", NAN));
	buf_printf(out, "\n%-20s %8s %9s %9s\n", "CLASS", "SUPPORT",
		   "PRECISION", "RECALL");
	json_array_foreach(json_object_get(facts, "classes"), i, v) buf_printf(
	    out, "%-20s %8lld %9.4f %9.4f\n", jget_str(v, "class", ""),
	    jget_int(v, "support", 0), jget_num(v, "precision", NAN),
	    jget_num(v, "recall", NAN));
}

static const struct probe_opt opts[] = {
    {"data", PO_PATH, "predictions CSV (.gz is fine; - = stdin)", NULL, 1, 1},
    {"timestamp-col", PO_STRING, "column with the time (RFC 3339 or epoch s)",
     "timestamp", 0, 0},
    {"prediction-col", PO_STRING, "column with the served prediction",
     "prediction", 0, 0},
    {"label-col", PO_STRING, "column with the true label (empty = not yet)",
     "label", 0, 0},
    {"window", PO_DURATION, "accuracy per window of this length", "1h", 0, 0},
    {"min-accuracy", PO_NUM, "windows below this accuracy are a finding", NULL,
     0, 0},
    {"deploy-time", PO_STRING,
     "RFC 3339 time of a deploy: accuracy before "
     "vs after",
     NULL, 0, 0},
    {"max-drop", PO_NUM, "accuracy drop after the deploy that is a finding",
     "0.02", 0, 0},
    {"offline-accuracy", PO_NUM,
     "offline (evaluation) accuracy to compare "
     "the online one with",
     NULL, 0, 0},
    {"offline-col", PO_STRING,
     "column with the offline model's prediction "
     "for the same rows",
     NULL, 0, 0},
    {"delimiter", PO_STRING, "field separator (one character or `tab`)", ",", 0,
     0},
    {"strict", PO_BOOL, "malformed rows are an error", NULL, 0, 0},
    CSV_LIMIT_OPTS,
    {0}};

const struct probe_def probe_quality = {
    .name = "quality",
    .summary = "model accuracy over time, online vs offline gap, deploy drop",
    .help = "Reads predictions (timestamp, prediction, label). Findings "
	    "(exit 1): online\naccuracy more than 2 points below offline "
	    "(training-serving mismatch; 1-2\npoints is noted as `watch`), "
	    "a drop after --deploy-time above --max-drop,\nwindows below "
	    "--min-accuracy. See docs/probes/quality.md.\n\n"
	    "Examples:\n"
	    "  mloncall check quality preds.csv --window 1h\n"
	    "  mloncall check quality preds.csv --offline-accuracy 0.93\n"
	    "  mloncall check quality preds.csv --deploy-time "
	    "2026-11-20T14:00:00Z -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
