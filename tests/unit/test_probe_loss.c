/* test_probe_loss.c: unit tests of the `loss` probe: each log form (text
 * with timestamps, Megatron-LM, HF Trainer dicts, Keras, JSON lines), the
 * line parser on tricky lines (val/eval losses, loss scale, steps_per_
 * second), NaN, spikes, trend, the resume check (continued, restarted from
 * scratch, weights not restored), the stale log, and broken input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "probe/training/loss.h"
#include "thinprobe.h"

static int lo(const char *file, const char *extra, json_t **f,
	      struct ml_err *err)
{
	return tp_fix("loss", "loss", file, extra, f, err);
}

/* Parses one line; returns records added (0 or 1) and the record. */
static int line(const char *s, struct loss_rec *out)
{
	struct loss_log log = {0};
	int n;

	log.epoch = -1;
	loss_parse_line(&log, s, strlen(s), 1);
	n = (int)log.n;
	if (n)
		*out = log.r[0];
	loss_log_free(&log);
	return n;
}

static void test_lines(void **state)
{
	struct loss_rec r;
	int64_t ms;
	(void)state;

	assert_int_equal(line("step 100 loss 2.31", &r), 1);
	assert_int_equal(r.step, 100);
	assert_float_equal(r.loss, 2.31, 1e-12);
	assert_int_equal(line("Step: 7, Loss: 1.5e-1, lr=3e-4", &r), 1);
	assert_int_equal(r.step, 7);
	assert_float_equal(r.loss, 0.15, 1e-12);
	assert_int_equal(line("iter 12 | loss=nan", &r), 1);
	assert_true(isnan(r.loss));
	assert_int_equal(line("{'loss': 2.5, 'step': 40}", &r), 1);
	assert_int_equal(r.step, 40);
	assert_int_equal(
	    line(" iteration      100/  500000 | lm loss: 2.315E+00 | loss "
		 "scale: 1.0 |",
		 &r),
	    1);
	assert_int_equal(r.step, 100);
	assert_float_equal(r.loss, 2.315, 1e-12);
	assert_int_equal(line("{\"global_step\": 9, \"train/loss\": 3.25}", &r),
			 1);
	assert_int_equal(r.step, 9);
	/* not the training loss */
	assert_int_equal(line("step 500 val_loss 2.0", &r), 0);
	assert_int_equal(line("{'eval_loss': 2.0, 'epoch': 1.0}", &r), 0);
	assert_int_equal(line("validation loss 2.0 at step 5", &r), 0);
	assert_int_equal(line("loss scale: 65536.0", &r), 0);
	assert_int_equal(line("{'train_runtime': 9.1, 'train_loss': 3.1}", &r),
			 0);
	assert_int_equal(line("steps_per_second 2.1 avg_loss 3", &r), 0);
	assert_int_equal(line("loss", &r), 0);
	assert_int_equal(line("", &r), 0);
	/* no step: implicit */
	assert_int_equal(
	    line("1563/1563 [====] - 12s 7ms/step - loss: 0.9", &r), 1);
	assert_true(r.implicit);
	/* timestamps */
	assert_int_equal(
	    loss_line_time("2026-11-23 08:00:05,250 INFO", 28, &ms), 0);
	assert_int_equal(ms % 1000, 250);
	assert_int_equal(loss_line_time("[2026-11-23T08:00:05Z] x", 24, &ms),
			 0);
	assert_int_equal(loss_line_time("2026-11-23", 10, &ms), -1);
	assert_int_equal(loss_line_time("step 1 loss 2", 13, &ms), -1);
}

static void test_formats(void **state)
{
	static const struct {
		const char *file, *format;
		long long records, last_step;
	} cases[] = {
	    {"plain.log", "text", 300, 3000},
	    {"megatron.log", "megatron", 100, 1000},
	    {"hf-trainer.log", "hf-dict", 60, 60},
	    {"keras.log", "keras", 10, 10},
	    {"metrics.jsonl", "json", 20, 2000},
	};
	json_t *f;
	struct ml_err err;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lo(cases[i].file, NULL, &f, &err), 0);
		assert_string_equal(jget_str(f, "verdict", ""), "healthy");
		assert_string_equal(jget_str(f, "format", ""), cases[i].format);
		assert_int_equal(jget_int(f, "records", 0), cases[i].records);
		assert_int_equal(jget_int(f, "last_step", 0),
				 cases[i].last_step);
		assert_string_equal(
		    jget_str(json_object_get(f, "window"), "trend", ""),
		    "decreasing");
		json_decref(f);
	}
	assert_int_equal(lo("plain.log", NULL, &f, &err), 0);
	assert_float_equal(jget_num(f, "steps_per_second", 0), 2.0, 1e-9);
	assert_string_equal(jget_str(f, "last_time", ""),
			    "2026-11-23T08:25:00.000Z");
	json_decref(f);
	assert_int_equal(lo("metrics.jsonl", NULL, &f, &err), 0);
	assert_float_equal(jget_num(f, "steps_per_second", 0), 2.0, 1e-9);
	json_decref(f);
}

static void test_findings(void **state)
{
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_int_equal(lo("nan.log", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_true(tp_has_reason(f, "loss-nan"));
	assert_false(jget_bool(f, "last_loss_finite", 1));
	assert_true(json_is_null(json_object_get(f, "last_loss")));
	assert_int_equal(jget_int(f, "first_nonfinite_step", 0), 1970);
	json_decref(f);
	assert_int_equal(lo("spike.log", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_int_equal(jget_int(f, "spike_count", 0), 1);
	assert_int_equal(
	    jget_int(json_array_get(json_object_get(f, "spikes"), 0), "step",
		     0),
	    2950);
	assert_false(tp_has_reason(f, "loss-rising"));
	json_decref(f);
	/* the 4.2x spike is below a 5x factor */
	assert_int_equal(lo("spike.log", ", \"spike-factor\": 5", &f, &err), 0);
	assert_int_equal(jget_int(f, "spike_count", -1), 0);
	json_decref(f);
	setenv("MLONCALL_NOW", "2026-11-23T10:00:00Z", 1);
	assert_int_equal(
	    lo("plain.log", ", \"stale-after\": \"10m\"", &f, &err), 0);
	assert_true(tp_has_reason(f, "log-stale"));
	assert_float_equal(jget_num(f, "seconds_since_last", 0), 5700, 1e-9);
	json_decref(f);
	setenv("MLONCALL_NOW", "2026-11-23T08:26:00Z", 1);
	assert_int_equal(
	    lo("plain.log", ", \"stale-after\": \"10m\"", &f, &err), 0);
	assert_false(tp_has_reason(f, "log-stale"));
	json_decref(f);
	unsetenv("MLONCALL_NOW");
	assert_int_equal(lo("plain.log", ", \"window\": 2", &f, &err),
			 ML_EUSAGE);
	assert_int_equal(lo("plain.log", ", \"spike-factor\": 0.5", &f, &err),
			 ML_EUSAGE);
}

static void test_resume(void **state)
{
	json_t *f, *s;
	struct ml_err err;
	(void)state;

	assert_int_equal(
	    lo("resumed-ok.log", ", \"since-step\": 4000", &f, &err), 0);
	s = json_object_get(f, "since");
	assert_true(jget_bool(s, "continued", 0));
	assert_int_equal(jget_int(s, "step_before", 0), 4000);
	assert_int_equal(jget_int(s, "first_step_after", 0), 4010);
	assert_int_equal(jget_int(s, "steps_after", 0), 50);
	assert_int_equal(json_array_size(json_object_get(f, "step_resets")), 1);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	assert_int_equal(
	    lo("resumed-scratch.log", ", \"since-step\": 4000", &f, &err), 0);
	s = json_object_get(f, "since");
	assert_true(jget_bool(s, "restarted_from_scratch", 0));
	assert_false(jget_bool(s, "continued", 1));
	assert_true(tp_has_reason(f, "resume-broken"));
	json_decref(f);
	assert_int_equal(
	    lo("resumed-bad-weights.log", ", \"since-step\": 4000", &f, &err),
	    0);
	s = json_object_get(f, "since");
	assert_false(jget_bool(s, "continued", 1));
	assert_true(jget_num(s, "ratio", 0) > 5);
	json_decref(f);
	/* a log that never reached past the step */
	assert_int_equal(lo("plain.log", ", \"since-step\": 9000", &f, &err),
			 0);
	assert_int_equal(
	    jget_int(json_object_get(f, "since"), "steps_after", 1), 0);
	assert_true(tp_has_reason(f, "resume-broken"));
	json_decref(f);
	/* a log of only the resumed run (no reset, starts after the step) */
	assert_int_equal(lo("metrics.jsonl", ", \"since-step\": 50", &f, &err),
			 0);
	assert_true(jget_bool(json_object_get(f, "since"), "continued", 0));
	json_decref(f);
}

static void test_broken(void **state)
{
	(void)state;
	tp_truncations("loss", "loss", "keras.log", 5, NULL);
	tp_truncations("loss", "loss", "metrics.jsonl", 7,
		       ", \"since-step\": 1000");
	tp_truncations("loss", "loss", "resumed-ok.log", 401,
		       ", \"since-step\": 4000, \"stale-after\": \"1m\"");
	tp_hostile("loss");
	tp_robust("loss",
		  "step 99999999999999999999 loss 1e308\nstep -5 loss -inf\n"
		  "{\"step\": 1e300, \"loss\": 1, \"time\": 1e300}\n"
		  "{\"loss\": \"x\"}\n9999-99-99 99:99:99 step 1 loss 2\n"
		  "[2026-11-23T08:00:05Z loss: 0x10\n",
		  (size_t)-1, ", \"since-step\": 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_findings), cmocka_unit_test(test_resume),
	    cmocka_unit_test(test_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
