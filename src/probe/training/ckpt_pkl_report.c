/* ckpt_pkl_report.c: turns pickle scans into file facts and reasons:
 * tensors, values and step/epoch of the main pickle, and for every pickle
 * of a file (data.pkl, the other .pkl entries of a zip, each of the five
 * pickles of the legacy format) its globals outside the weights_only
 * allowlist, "too many globals to check", and sizes that overflow. */
#include <stdio.h>
#include <string.h>

#include "core/out.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

static void step_epoch(json_t *ff, const json_t *values)
{
	static const char *const steps[] = {"step", "global_step", "iteration",
					    "iter", "num_updates", NULL};
	json_t *v;

	for (size_t i = 0; steps[i]; i++)
		if (json_is_integer(v = json_object_get(values, steps[i]))) {
			json_object_set(ff, "step", v);
			break;
		}
	if (json_is_integer(v = json_object_get(values, "epoch")))
		json_object_set(ff, "epoch", v);
}

/* Adds the names of globals to ff's "unsafe_globals" that are not in it. */
static void merge_unsafe(json_t *ff, const json_t *unsafe)
{
	json_t *have = json_object_get(ff, "unsafe_globals"), *seen, *g;
	size_t i;

	if (!json_is_array(have)) {
		json_object_set_new(ff, "unsafe_globals",
				    unsafe ? json_copy((json_t *)unsafe)
					   : json_array());
		return;
	}
	seen = json_object();
	json_array_foreach(have, i, g)
	    json_object_set(seen, json_string_value(g), json_true());
	json_array_foreach(unsafe, i,
			   g) if (!json_object_get(seen, json_string_value(g)))
	{
		json_object_set(seen, json_string_value(g), json_true());
		json_array_append(have, g);
	}
	json_decref(seen);
}

/* Most unsafe_global reasons listed one by one; the rest are counted in
 * one more reason (the facts' unsafe_globals keeps every name). */
#define CKPT_REASONS_PER_KIND 10

void ckpt_pickle_globals(json_t *ff, const json_t *scan, const char *what)
{
	const json_t *unsafe = json_object_get(scan, "unsafe_globals");
	char who[256];
	json_t *g;
	size_t i, shown = 0, more = 0;

	snprintf(who, sizeof(who), "%s%spickle", what ? what : "",
		 what ? " " : "");
	if (what && !json_array_size(unsafe) &&
	    !jget_bool(scan, "globals_over_limit", 0))
		return;
	merge_unsafe(ff, unsafe);
	/* code first, so it leads what a person reads */
	json_array_foreach(unsafe, i, g)
	{
		const char *s = json_string_value(g);
		if (ckpt_global_class(s) == 2)
			probe_reason(ff, PV_FAILED, "unsafe_pickle",
				     "%s imports %s, which can run code: "
				     "never torch.load this file",
				     who, s);
	}
	json_array_foreach(unsafe, i, g)
	{
		const char *s = json_string_value(g);
		if (ckpt_global_class(s) == 2)
			continue;
		if (++shown > CKPT_REASONS_PER_KIND) {
			more++;
			continue;
		}
		probe_reason(ff, PV_DEGRADED, "unsafe_global",
			     "%s imports %s, outside the weights_only "
			     "allowlist: torch.load(weights_only=True) refuses "
			     "it",
			     who, s);
	}
	if (more)
		probe_reason(ff, PV_DEGRADED, "unsafe_global",
			     "%s imports %zu more globals outside the "
			     "weights_only allowlist (all are listed in "
			     "unsafe_globals)",
			     who, more);
	if (jget_bool(scan, "globals_over_limit", 0))
		probe_reason(ff, PV_FAILED, "too_many_globals",
			     "%s names more than %d distinct globals: too many "
			     "globals to check; never torch.load this file",
			     who, CKPT_PKL_MAX_GLOBALS);
}

/* One failed size_overflow reason per overflow the walk recorded. */
static void overflows(json_t *ff, const json_t *scan)
{
	const json_t *o = json_object_get(scan, "overflows");
	long long n = jget_int(scan, "overflow_count", 0);
	json_t *m;
	size_t i;

	json_array_foreach(o, i, m) probe_reason(ff, PV_FAILED, "size_overflow",
						 "%s", json_string_value(m));
	if (n > (long long)json_array_size(o))
		probe_reason(ff, PV_FAILED, "size_overflow",
			     "%lld more sizes overflow 64 bits",
			     n - (long long)json_array_size(o));
}

void ckpt_pickle_report(json_t *ff, json_t *scan)
{
	json_object_set(ff, "tensor_count",
			json_object_get(scan, "tensor_count"));
	json_object_set(ff, "tensor_bytes",
			json_object_get(scan, "tensor_bytes"));
	json_object_set(ff, "tensors", json_object_get(scan, "tensors"));
	json_object_set(ff, "values", json_object_get(scan, "values"));
	step_epoch(ff, json_object_get(scan, "values"));
	ckpt_pickle_globals(ff, scan, NULL);
	if (jget_bool(scan, "too_deep", 0))
		probe_reason(ff, PV_DEGRADED, "pickle_too_deep",
			     "pickle nests deeper than %d levels or is too "
			     "large to list fully",
			     CKPT_PKL_MAX_DEPTH);
	if (jget_int(scan, "bad_tensors", 0))
		probe_reason(ff, PV_FAILED, "bad_tensor",
			     "%lld tensor(s) have a malformed rebuild "
			     "(storage, shape, stride or offset out of bounds)",
			     jget_int(scan, "bad_tensors", 0));
	overflows(ff, scan);
}

void ckpt_pickle_fail(json_t *ff, const struct ml_err *err)
{
	if (err->code == ML_EUNSUPPORTED)
		probe_reason(ff, PV_FAILED, "pickle_limit",
			     "%s; the rest was not scanned for code, so the "
			     "file is not trusted",
			     err->msg);
	else
		probe_reason(ff, PV_FAILED, "pickle", "%s", err->msg);
}
