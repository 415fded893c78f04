/* gpu_rules.c: thresholds (defaults and config file) and the verdict
 * rules of the `gpu` probe, plus the top-level aggregates runbooks use in
 * expressions (gpu.memory_used_pct, gpu.ecc_uncorrected, ...). */
#include <math.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "core/ydoc.h"
#include "probe/gpu/gpu.h"
#include "probe/probe.h"

void gpu_thresholds_default(struct gpu_thresholds *t)
{
	t->memory_pct = 95;
	t->temp_c = 85;
	t->ecc_uncorrected = 0;
	t->power_limit_pct = 98;
	t->low_clock_pct = 70;
	t->util_high_pct = 90;
	t->util_low_pct = 20;
	t->persistence_required = 1;
}

static double *num_field(struct gpu_thresholds *t, const char *k)
{
	if (!strcmp(k, "memory_pct"))
		return &t->memory_pct;
	if (!strcmp(k, "temp_c"))
		return &t->temp_c;
	if (!strcmp(k, "ecc_uncorrected"))
		return &t->ecc_uncorrected;
	if (!strcmp(k, "power_limit_pct"))
		return &t->power_limit_pct;
	if (!strcmp(k, "low_clock_pct"))
		return &t->low_clock_pct;
	if (!strcmp(k, "util_high_pct"))
		return &t->util_high_pct;
	if (!strcmp(k, "util_low_pct"))
		return &t->util_low_pct;
	return NULL;
}

static const char *const threshold_names[] = {"memory_pct",
					      "temp_c",
					      "ecc_uncorrected",
					      "power_limit_pct",
					      "low_clock_pct",
					      "util_high_pct",
					      "util_low_pct",
					      "persistence_required",
					      NULL};

/* Applies one key: value pair of the config. */
static int apply_one(struct gpu_thresholds *t, const struct ydoc_node *k,
		     const struct ydoc_node *v, const char *path,
		     struct ml_err *err)
{
	json_t *j = v->type == YDOC_SCALAR ? ydoc_scalar_json(v) : NULL;
	double *d = num_field(t, k->value);
	int rc = 0;

	if (!d && strcmp(k->value, "persistence_required")) {
		const char *near = str_nearest(k->value, threshold_names);
		rc = ml_err_at(err, ML_EINPUT, path, k->line, k->col,
			       "unknown threshold `%.60s`%s%s%s", k->value,
			       near ? "; did you mean `" : "", near ? near : "",
			       near ? "`?" : "");
	} else if (d && !json_is_number(j)) {
		rc = ml_err_at(err, ML_EINPUT, path, v->line, v->col,
			       "`%s` must be a number", k->value);
	} else if (d) {
		*d = json_number_value(j);
		if (!isfinite(*d) || *d < 0)
			rc = ml_err_at(err, ML_EINPUT, path, v->line, v->col,
				       "`%s` must be a number >= 0", k->value);
	} else if (!json_is_boolean(j)) {
		rc = ml_err_at(err, ML_EINPUT, path, v->line, v->col,
			       "`persistence_required` must be true or false");
	} else {
		t->persistence_required = json_is_true(j);
	}
	json_decref(j);
	return rc;
}

int gpu_thresholds_load(const char *path, struct gpu_thresholds *t,
			struct ml_err *err)
{
	struct ydoc doc = {0};
	int rc;

	if ((rc = ydoc_load_file(path, &doc, err)) != 0)
		return rc;
	if (!doc.root) {
		ydoc_free(&doc);
		return 0;
	}
	if (doc.root->type != YDOC_MAP) {
		rc = ml_err_at(err, ML_EINPUT, path, doc.root->line,
			       doc.root->col,
			       "thresholds must be a mapping like "
			       "`memory_pct: 90`, not %s",
			       ydoc_type_name(doc.root));
		ydoc_free(&doc);
		return rc;
	}
	for (size_t i = 0; i < doc.root->n && !rc; i++)
		rc = apply_one(t, ydoc_key(doc.root, i), ydoc_val(doc.root, i),
			       path, err);
	ydoc_free(&doc);
	return rc;
}

/* Number at key or NAN. */
static double num(const json_t *g, const char *k)
{
	const json_t *v = json_object_get(g, k);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int flag(const json_t *g, const char *k)
{
	return json_is_true(json_object_get(g, k));
}

/* Names of the slowdown reasons active in g, comma-separated, into out. */
static int slowdowns(const json_t *g, char *out, size_t n)
{
	const json_t *m = json_object_get(g, "clocks_event_reasons_mask");
	uint64_t mask =
	    json_is_integer(m) ? (uint64_t)json_integer_value(m) : 0;
	int any = 0;

	out[0] = '\0';
	for (const struct gpu_reason_bit *r = gpu_reason_bits(); r->name; r++)
		if (r->slowdown && (mask & r->bit)) {
			size_t l = strlen(out);
			snprintf(out + l, n - l, "%s%s", any ? ", " : "",
				 r->name);
			any = 1;
		}
	return any;
}

static int power_capped(const json_t *g, const struct gpu_thresholds *t)
{
	double draw = num(g, "power_draw_w"), lim = num(g, "power_limit_w");
	double sm = num(g, "clock_sm_mhz"), max = num(g, "clock_sm_max_mhz");
	const json_t *m = json_object_get(g, "clocks_event_reasons_mask");
	uint64_t mask =
	    json_is_integer(m) ? (uint64_t)json_integer_value(m) : 0;

	if (!(lim > 0) || !(draw >= lim * t->power_limit_pct / 100))
		return 0;
	if (max > 0 && sm >= 0)
		return sm < max * t->low_clock_pct / 100;
	return (mask & gpu_reason_bit_of("sw_power_cap")) != 0;
}

/* Applies the rules to one GPU. */
static void judge_one(json_t *facts, const json_t *g,
		      const struct gpu_thresholds *t)
{
	char who[96], sd[160];
	double pct = num(g, "memory_used_pct"),
	       ecc = num(g, "ecc_uncorrected_volatile");
	double temp = num(g, "temp_c");

	snprintf(who, sizeof(who), "GPU %lld (%.40s)", jget_int(g, "index", -1),
		 jget_str(g, "bus_id", "bus id unknown"));
	if (ecc > t->ecc_uncorrected)
		probe_reason(
		    facts, PV_FAILED, "ecc-uncorrected",
		    "%s: %.0f uncorrected volatile ECC errors: drain "
		    "the node and reset the GPU; RMA (CONTACT_SUPPORT) "
		    "if they recur",
		    who, ecc);
	if (flag(g, "remapped_rows_failure"))
		probe_reason(facts, PV_FAILED, "remap-failure",
			     "%s: row remapping failed: drain the node and RMA "
			     "the GPU",
			     who);
	if (flag(g, "remapped_rows_pending"))
		probe_reason(
		    facts, PV_DEGRADED, "remap-pending",
		    "%s: row remap pending: drain the GPU and reset it "
		    "(nvidia-smi -r) to apply the remap",
		    who);
	if (flag(g, "retired_pages_pending"))
		probe_reason(
		    facts, PV_DEGRADED, "retire-pending",
		    "%s: pages pending retirement: drain and reset the "
		    "GPU or reboot to retire them",
		    who);
	if (pct > t->memory_pct)
		probe_reason(
		    facts, PV_DEGRADED, "memory-near-cap",
		    "%s: memory %.1f%% used > %.0f%%: at the memory "
		    "cap; lower the batch size or move work off this GPU",
		    who, pct, t->memory_pct);
	if (slowdowns(g, sd, sizeof(sd)))
		probe_reason(facts, PV_DEGRADED, "clocks-slowdown",
			     "%s: clocks slowed down (%s): check cooling, "
			     "airflow and power supply",
			     who, sd);
	if (temp > t->temp_c)
		probe_reason(facts, PV_DEGRADED, "temperature-high",
			     "%s: %.0f C > %.0f C: check cooling and fans", who,
			     temp, t->temp_c);
	if (power_capped(g, t) && num(g, "clock_sm_max_mhz") > 0)
		probe_reason(facts, PV_DEGRADED, "power-capped",
			     "%s: drawing %.0f of %.0f W with SM clock %.0f of "
			     "%.0f MHz: power-capped; check the power limit "
			     "(nvidia-smi -pl) and cooling",
			     who, num(g, "power_draw_w"),
			     num(g, "power_limit_w"), num(g, "clock_sm_mhz"),
			     num(g, "clock_sm_max_mhz"));
	else if (power_capped(g, t))
		probe_reason(facts, PV_DEGRADED, "power-capped",
			     "%s: drawing %.0f of %.0f W with the SW power cap "
			     "active: power-capped; check the power limit "
			     "(nvidia-smi -pl) and cooling",
			     who, num(g, "power_draw_w"),
			     num(g, "power_limit_w"));
	if (t->persistence_required &&
	    json_is_false(json_object_get(g, "persistence_mode")))
		probe_reason(facts, PV_DEGRADED, "persistence-off",
			     "%s: persistence mode off: slow CUDA start-up and "
			     "lost state between jobs; run nvidia-persistenced "
			     "or nvidia-smi -pm 1",
			     who);
}

/* An aggregate over GPUs: max or sum of a number; null when unknown. */
static json_t *agg(const json_t *gpus, const char *k, int sum)
{
	double acc = NAN;
	size_t i;
	json_t *g, *tmp, *out;

	json_array_foreach((json_t *)gpus, i, g)
	{
		double v = num(g, k);
		if (isnan(v))
			continue;
		acc = isnan(acc) ? v : sum ? acc + v : fmax(acc, v);
	}
	if (isnan(acc))
		return json_null();
	tmp = json_object();
	gpu_set_num(tmp, "v", acc);
	out = json_incref(json_object_get(tmp, "v"));
	json_decref(tmp);
	return out;
}

/* Any GPU with k true: true; all known false: false; else null. */
static json_t *any(const json_t *gpus, const char *k)
{
	int seen = 0;
	size_t i;
	json_t *g;

	json_array_foreach((json_t *)gpus, i, g)
	{
		const json_t *v = json_object_get(g, k);
		if (json_is_true(v))
			return json_true();
		seen |= json_is_boolean(v);
	}
	return seen ? json_false() : json_null();
}

static void aggregates(json_t *facts, const json_t *gpus)
{
	size_t i, procs = 0, slow = 0;
	json_t *g;
	char sd[160];

	json_array_foreach((json_t *)gpus, i, g)
	{
		procs += json_array_size(json_object_get(g, "processes"));
		slow += (size_t)slowdowns(g, sd, sizeof(sd));
	}
	jset_int(facts, "count", (long long)json_array_size(gpus));
	json_object_set_new(facts, "memory_used_pct",
			    agg(gpus, "memory_used_pct", 0));
	json_object_set_new(facts, "memory_used_mib",
			    agg(gpus, "memory_used_mib", 1));
	json_object_set_new(facts, "memory_total_mib",
			    agg(gpus, "memory_total_mib", 1));
	json_object_set_new(facts, "util_pct", agg(gpus, "util_gpu_pct", 0));
	json_object_set_new(facts, "temp_c", agg(gpus, "temp_c", 0));
	json_object_set_new(facts, "power_draw_w",
			    agg(gpus, "power_draw_w", 1));
	json_object_set_new(facts, "ecc_corrected",
			    agg(gpus, "ecc_corrected_volatile", 1));
	json_object_set_new(facts, "ecc_uncorrected",
			    agg(gpus, "ecc_uncorrected_volatile", 1));
	json_object_set_new(facts, "remap_pending",
			    any(gpus, "remapped_rows_pending"));
	json_object_set_new(facts, "remap_failure",
			    any(gpus, "remapped_rows_failure"));
	json_object_set_new(facts, "retired_pages_pending",
			    any(gpus, "retired_pages_pending"));
	jset_bool(facts, "slowdown", slow > 0);
	jset_int(facts, "processes", (long long)procs);
}

void gpu_judge(json_t *facts, const json_t *gpus,
	       const struct gpu_thresholds *t)
{
	json_t *g;
	size_t i;

	aggregates(facts, gpus);
	if (json_array_size(gpus) == 0 && probe_verdict_of(facts) < PV_FAILED)
		probe_reason(facts, PV_UNKNOWN, "no-gpus",
			     "the input lists no GPU: nothing to judge");
	json_array_foreach((json_t *)gpus, i, g) judge_one(facts, g, t);
}
