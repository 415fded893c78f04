/* loss.c: the `loss` probe: the loss curve of a training log: last step
 * and loss, NaN/Inf, spikes against the rolling median, trend and plateau
 * over the last window, step resets, steps per second, a stale log, and
 * the resume check after a checkpoint restart (since-step). Facts schema:
 * docs/probes/loss.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "probe/training/loss.h"
#include "probe/training/loss_stats.h"
#include "probe/probe.h"
#include "probe/toolio.h"

static void basic_facts(json_t *f, const struct loss_log *log)
{
	const struct loss_rec *last = &log->r[log->n - 1], *min = NULL;
	const struct loss_rec *first_bad = NULL, *last_fin = NULL;
	long long bad = 0;

	for (size_t i = 0; i < log->n; i++) {
		const struct loss_rec *r = &log->r[i];
		if (!isfinite(r->loss)) {
			bad++;
			if (!first_bad)
				first_bad = r;
			continue;
		}
		last_fin = r;
		if (!min || r->loss < min->loss)
			min = r;
	}
	jset_str(f, "format", log->format);
	jset_int(f, "records", (long long)log->n);
	jset_int(f, "first_step", log->r[0].step);
	jset_int(f, "last_step", last->step);
	jset_real(f, "last_loss", last->loss); /* null when NaN/Inf */
	jset_bool(f, "last_loss_finite", isfinite(last->loss));
	jset_int(f, "last_line", last->line);
	jset_bool(f, "steps_implicit", last->implicit);
	jset_real(f, "last_finite_loss", last_fin ? last_fin->loss : NAN);
	jset_real(f, "min_loss", min ? min->loss : NAN);
	if (min)
		jset_int(f, "min_loss_step", min->step);
	else
		json_object_set_new(f, "min_loss_step", json_null());
	jset_int(f, "nonfinite_count", bad);
	if (first_bad)
		jset_int(f, "first_nonfinite_step", first_bad->step);
	else
		json_object_set_new(f, "first_nonfinite_step", json_null());
	if (!isfinite(last->loss))
		probe_reason(f, PV_FAILED, "loss-nan",
			     "the last loss (step %lld) is %s: training "
			     "diverged; roll back to the last good checkpoint, "
			     "lower the LR or check the data",
			     last->step, isnan(last->loss) ? "NaN" : "Inf");
	else if (bad)
		probe_reason(f, PV_DEGRADED, "nan-seen",
			     "%lld NaN/Inf loss(es), first at step %lld "
			     "(skipped by the loss scaler, or diverged and "
			     "recovered)",
			     bad, first_bad->step);
}

static int read_opts(const json_t *a, struct loss_opts *o, struct ml_err *err)
{
	o->window = (size_t)jget_int(a, "window", 50);
	o->spike_factor = jget_num(a, "spike-factor", 3.0);
	o->rise_pct = jget_num(a, "rise-pct", 10.0);
	o->since_step = jget_int(a, "since-step", -1);
	o->tolerance = jget_num(a, "resume-tolerance", 1.5);
	o->stale_ms = jget_int(a, "stale-after", 0);
	if (jget_int(a, "window", 50) < 5 || jget_int(a, "window", 50) > 100000)
		return ml_err_set(err, ML_EUSAGE,
				  "--window must be 5 to 100000 records");
	if (!(o->spike_factor > 1) || !(o->tolerance > 0) ||
	    !isfinite(o->spike_factor) || !isfinite(o->tolerance) ||
	    !isfinite(o->rise_pct))
		return ml_err_set(err, ML_EUSAGE,
				  "--spike-factor must be above 1 and "
				  "--resume-tolerance above 0");
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", "-");
	struct loss_opts o;
	struct loss_log log = {0}, cur;
	struct toolio_lines it;
	struct buf b = BUF_INIT;
	const char *s;
	size_t n, last_reset;
	json_t *f;
	int rc;

	*facts = NULL;
	if ((rc = read_opts(ctx->args, &o, err)) != 0 ||
	    (rc = toolio_read(from, &b, err)) != 0) {
		buf_free(&b);
		return rc;
	}
	log.epoch = -1;
	toolio_lines_init(&it, buf_str(&b), b.len);
	while (toolio_line(&it, &s, &n))
		loss_parse_line(&log, s, n, it.lineno);
	buf_free(&b);
	if (!log.n) {
		rc =
		    ml_err_at(err, ML_EINPUT, from, 0, 0,
			      "no training loss found in %ld line(s) (expected "
			      "`step N loss X`, `{'loss': X}`, `lm loss: X`, "
			      "JSON lines with \"loss\")",
			      it.lineno);
		loss_log_free(&log);
		return rc;
	}
	f = probe_facts_new("loss");
	json_object_set_new(f, "source",
			    json_pack("{s:s, s:s}", "kind",
				      strcmp(from, "-") ? "file" : "stdin",
				      "from", from));
	basic_facts(f, &log);
	loss_resets(f, &log, &last_reset);
	cur = log; /* spikes and trend of the current run: after the reset */
	cur.r += last_reset;
	cur.n -= last_reset;
	loss_spikes(f, &cur, &o);
	loss_trend(f, &cur, &o);
	loss_speed(f, &log, &o, last_reset);
	loss_since(f, &log, &o, last_reset);
	loss_log_free(&log);
	*facts = f;
	return 0;
}

static void render(const json_t *f, struct buf *out)
{
	const json_t *r, *w = json_object_get(f, "window");
	size_t i;

	buf_printf(out,
		   "loss: %s: %lld record(s) (%s), last step %lld loss %.4g; "
		   "min %.4g at step %lld; trend %s; %lld spike(s); %lld "
		   "NaN/Inf\n",
		   jget_str(f, "verdict", "unknown"), jget_int(f, "records", 0),
		   jget_str(f, "format", "?"), jget_int(f, "last_step", 0),
		   jget_num(f, "last_loss", NAN), jget_num(f, "min_loss", NAN),
		   jget_int(f, "min_loss_step", 0), jget_str(w, "trend", "?"),
		   jget_int(f, "spike_count", 0),
		   jget_int(f, "nonfinite_count", 0));
	json_array_foreach(json_object_get(f, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH, "training log; - reads stdin", NULL, 1, 1},
    {"window", PO_INT, "records in the rolling window (median, trend)", "50", 0,
     0},
    {"spike-factor", PO_NUM, "a spike is a loss above this x rolling median",
     "3", 0, 0},
    {"rise-pct", PO_NUM,
     "degraded when the median of the window's second half is this % "
     "above its first half's",
     "10", 0, 0},
    {"since-step", PO_INT,
     "resume check: the checkpoint step training restarted from", NULL, 0, 0},
    {"resume-tolerance", PO_NUM,
     "resume check: first loss after since-step at most this x the loss "
     "before",
     "1.5", 0, 0},
    {"stale-after", PO_DURATION,
     "degraded when the last timestamped line is older (a hung job)", NULL, 0,
     0},
    {0}};

const struct probe_def probe_loss = {
    .name = "loss",
    .summary = "training loss curve from a log: NaN, spikes, trend, "
	       "resume after a checkpoint",
    .help =
	"Reads a training log and finds step and training loss in the common\n"
	"forms: `step 100 loss 2.31`, `step: 100, loss: 2.31`, Megatron-LM\n"
	"`iteration 100/ 5000 | ... | lm loss: 2.315E+00 |`, HF Trainer\n"
	"`{'loss': 2.31, ..., 'epoch': 0.5}`, Keras `loss: 2.31` lines,\n"
	"JSON lines (`{\"step\": 100, \"loss\": 2.31, \"time\": ...}`). "
	"Leading\n"
	"timestamps give steps per second and the age of the last line.\n"
	"Validation losses (val_, eval_) are skipped.\n"
	"\n"
	"Verdict: failed when the last loss is NaN/Inf or a resume did not\n"
	"continue from --since-step; degraded on NaN earlier, spikes in the\n"
	"last window, a rising loss, or a stale log (--stale-after).\n"
	"\n"
	"Examples:\n"
	"  mloncall check loss train.log\n"
	"  kubectl logs job/llm-pretrain | mloncall check loss - --since-step "
	"4000\n"
	"  mloncall check loss train.log --stale-after 10m -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
