/* loss_since.c: the resume check of the loss probe: after a restart from
 * the checkpoint of step S (--since-step S), did training continue from
 * S (steps after S, first loss close to the loss at S) or start over? */
#include <math.h>
#include <string.h>

#include "core/out.h"
#include "probe/training/loss_stats.h"
#include "probe/probe.h"

void loss_since(json_t *facts, const struct loss_log *log,
		const struct loss_opts *o, size_t last_reset)
{
	const struct loss_rec *before = NULL, *first = NULL, *last = NULL;
	long long after = 0;
	size_t run_from = last_reset; /* the resumed run: from the last reset */
	json_t *s;
	int scratch, continued;
	double ratio = NAN;

	if (o->since_step < 0) {
		json_object_set_new(facts, "since", json_null());
		return;
	}
	for (size_t i = run_from; i < log->n; i++)
		if (log->r[i].step > o->since_step) {
			if (!first)
				first = &log->r[i];
			last = &log->r[i];
			after++;
		}
	/* the loss at the checkpoint: before the reset, or before the first
	 * step after S in a continuous log */
	for (size_t i = 0; i < (last_reset ? last_reset
				: first	   ? (size_t)(first - log->r)
					   : log->n);
	     i++)
		if (log->r[i].step <= o->since_step)
			before = &log->r[i];
	/* a reset to a step before S: the run started over */
	scratch = last_reset && log->r[last_reset].step < o->since_step;
	if (before && first && isfinite(before->loss) && before->loss > 0)
		ratio = first->loss / before->loss;
	continued = first && !scratch &&
		    (!before || (isfinite(ratio) && ratio <= o->tolerance));
	s = json_object();
	jset_int(s, "step", o->since_step);
	if (before) {
		jset_int(s, "step_before", before->step);
		jset_real(s, "loss_before", before->loss);
	} else {
		json_object_set_new(s, "step_before", json_null());
		json_object_set_new(s, "loss_before", json_null());
	}
	jset_int(s, "steps_after", after);
	if (first) {
		jset_int(s, "first_step_after", first->step);
		jset_real(s, "first_loss_after", first->loss);
		jset_real(s, "last_loss_after", last->loss);
	} else {
		json_object_set_new(s, "first_step_after", json_null());
		json_object_set_new(s, "first_loss_after", json_null());
		json_object_set_new(s, "last_loss_after", json_null());
	}
	jset_real(s, "ratio", ratio);
	jset_bool(s, "restarted_from_scratch", scratch);
	jset_bool(s, "continued", continued);
	json_object_set_new(facts, "since", s);
	if (continued)
		return;
	if (scratch)
		probe_reason(facts, PV_FAILED, "resume-broken",
			     "training restarted at step %lld, not after the "
			     "checkpoint of step %lld: the checkpoint was not "
			     "loaded",
			     log->r[run_from].step, o->since_step);
	else if (!first)
		probe_reason(facts, PV_FAILED, "resume-broken",
			     "no step after %lld in the log: training has not "
			     "resumed",
			     o->since_step);
	else
		probe_reason(facts, PV_FAILED, "resume-broken",
			     "first loss after step %lld is %.4g, %.2fx the "
			     "%.4g before it (tolerance %.2fx): weights or "
			     "optimizer state were not restored",
			     o->since_step, first->loss, ratio, before->loss,
			     o->tolerance);
}
