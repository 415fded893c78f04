/* dcgm_finish.c: the last step of the `dcgm` probe: from the parsed tests
 * (diag) or entities (health) to the overall result, the failed and
 * warned tests, the GPUs involved, the level run and the verdict with one
 * reason per failed or warned test. Schema: docs/probes/dcgm.md. */
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/gpu/dcgm.h"
#include "probe/probe.h"

/* Tests that only the longer levels run (dcgmi diag reference). */
static int level_of_test(const char *name)
{
	static const char *const l4[] = {"EUD Test",   "CPU EUD Test",
					 "Pulse Test", "eud",
					 "pulse_test", NULL};
	static const char *const l3[] = {
	    "Targeted Power",	"Memory Bandwidth", "Memtest", "targeted_power",
	    "memory_bandwidth", "memtest",	    NULL};
	static const char *const l2[] = {
	    "Diagnostic", "Targeted Stress", "SM Stress", "GPU Memory", "PCIe",
	    "diagnostic", "targeted_stress", "sm_stress", "memory",	"pcie",
	    NULL};

	for (int i = 0; l4[i]; i++)
		if (!strcmp(name, l4[i]))
			return 4;
	for (int i = 0; l3[i]; i++)
		if (!strcmp(name, l3[i]))
			return 3;
	for (int i = 0; l2[i]; i++)
		if (!strcmp(name, l2[i]))
			return 2;
	return 1;
}

/* GPUs of a test with status s: listed ones and those its error and
 * warning messages name. */
static json_t *gpus_of(const json_t *t, const char *s)
{
	json_t *out =
	    json_deep_copy(json_object_get(json_object_get(t, "gpus"), s));
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(t, "messages"), i, m)
	{
		const json_t *g = json_object_get(m, "gpu");
		int dup = 0;
		size_t k;
		json_t *v;
		if (!json_is_integer(g) ||
		    !strcmp(jget_str(m, "level", ""), "info"))
			continue;
		json_array_foreach(out, k, v) dup |= json_equal(v, g);
		if (!dup)
			json_array_append(out, (json_t *)g);
	}
	return out;
}

/* The error and warning texts of test t. */
static json_t *texts(const json_t *t)
{
	json_t *a = json_array();
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(t, "messages"), i,
			   m) if (strcmp(jget_str(m, "level", ""), "info"))
	    json_array_append(a, json_object_get(m, "text"));
	return a;
}

static void merge_ids(json_t *into, const json_t *ids)
{
	size_t i, k, at;
	json_t *v, *w;

	json_array_foreach(ids, i, v)
	{
		int dup = 0;
		at = json_array_size(into);
		json_array_foreach(into, k, w)
		{
			dup |= json_equal(v, w);
			if (json_integer_value(w) > json_integer_value(v) &&
			    at == json_array_size(into))
				at = k;
		}
		if (!dup)
			json_array_insert(into, at, v);
	}
}

/* "GPU 3: text; text" summary of a failed or warned test into b. */
static void summary(const json_t *t, const json_t *gpus, struct buf *b)
{
	const json_t *m, *g;
	size_t i;
	int n = 0;

	buf_printf(b, "%s / %s: %s", jget_str(t, "category", "?"),
		   jget_str(t, "name", "?"), jget_str(t, "result", "?"));
	if (json_array_size(gpus)) {
		buf_puts(b, " on GPU");
		json_array_foreach(gpus, i, g) buf_printf(
		    b, "%s %lld", i ? "," : "", json_integer_value(g));
	}
	json_array_foreach(json_object_get(t, "messages"), i, m)
	{
		if (!strcmp(jget_str(m, "level", ""), "info") || n >= 3)
			continue;
		buf_printf(b, "%s%.300s", n++ ? "; " : ": ",
			   jget_str(m, "text", ""));
	}
}

static void finish_tests(json_t *f, int *counts)
{
	json_t *failed = json_array(), *warned = json_array();
	json_t *fg = json_array(), *wg = json_array();
	const json_t *t;
	size_t i;
	int level = 0;

	json_array_foreach(json_object_get(f, "tests"), i, t)
	{
		const char *res = jget_str(t, "result", "skip");
		int bad = !strcmp(res, "fail"), warn = !strcmp(res, "warn");
		int lv = level_of_test(jget_str(t, "name", ""));
		counts[bad ? 0 : warn ? 1 : !strcmp(res, "pass") ? 2 : 3]++;
		level = lv > level ? lv : level;
		if (bad || warn) {
			json_t *e = json_object(), *ids = gpus_of(t, res);
			struct buf b = BUF_INIT;
			summary(t, ids, &b);
			probe_reason(f, bad ? PV_FAILED : PV_DEGRADED,
				     bad ? "test-failed" : "test-warned", "%s",
				     buf_str(&b));
			buf_free(&b);
			jset_str(e, "category", jget_str(t, "category", NULL));
			jset_str(e, "name", jget_str(t, "name", NULL));
			merge_ids(bad ? fg : wg, ids);
			json_object_set_new(e, "gpus", ids);
			json_object_set_new(e, "messages", texts(t));
			json_array_append_new(bad ? failed : warned, e);
		}
	}
	if (!json_is_integer(json_object_get(f, "level")) && level) {
		jset_int(f, "level", level);
		jset_bool(f, "level_inferred", 1);
	}
	json_object_set_new(f, "failed", failed);
	json_object_set_new(f, "warned", warned);
	json_object_set_new(f, "failed_gpus", fg);
	json_object_set_new(f, "warned_gpus", wg);
}

static void finish_health(json_t *f, int *counts)
{
	json_t *fg = json_array(), *wg = json_array();
	const json_t *e, *inc;
	size_t i, k;

	json_array_foreach(json_object_get(f, "entities"), i, e)
	{
		const char *h = jget_str(e, "health", "");
		int gpu = !strcmp(jget_str(e, "group", ""), "GPU");
		if (gpu && !strcmp(h, "Failure"))
			json_array_append_new(
			    fg, json_integer(jget_int(e, "id", 0)));
		else if (gpu && !strcmp(h, "Warning"))
			json_array_append_new(
			    wg, json_integer(jget_int(e, "id", 0)));
		json_array_foreach(json_object_get(e, "incidents"), k, inc)
		{
			const char *ih = jget_str(inc, "health", "");
			int bad = !strcmp(ih, "Failure");
			counts[bad ? 0 : 1]++;
			probe_reason(
			    f, bad ? PV_FAILED : PV_DEGRADED,
			    bad ? "health-failure" : "health-warning",
			    "%s %lld: %s %s: %.300s", jget_str(e, "group", "?"),
			    jget_int(e, "id", -1), jget_str(inc, "system", "?"),
			    ih, jget_str(inc, "message", ""));
		}
	}
	json_object_set_new(f, "failed_gpus", fg);
	json_object_set_new(f, "warned_gpus", wg);
}

static const char *overall(const json_t *f, const int *counts)
{
	const char *h = jget_str(f, "overall_health", NULL);

	if (h) /* health: the report's own overall word decides */
		return !strcmp(h, "Failure")   ? "fail"
		       : !strcmp(h, "Warning") ? "warn"
		       : !strcmp(h, "Healthy") ? "pass"
					       : NULL;
	if (counts[0])
		return "fail";
	if (counts[1])
		return "warn";
	if (counts[2])
		return "pass";
	return counts[3] ? "skip" : NULL;
}

void dcgm_report_finish(struct dcgm_report *r)
{
	json_t *f = r->facts, *c = json_object();
	const json_t *m;
	int counts[4] = {0, 0, 0, 0}; /* fail, warn, pass, skip */
	const char *res;
	size_t i;

	if (!strcmp(jget_str(f, "kind", "diag"), "health"))
		finish_health(f, counts);
	else
		finish_tests(f, counts);
	json_array_foreach(json_object_get(f, "messages"), i, m)
	    probe_reason(f, PV_UNKNOWN, "dcgmi-error",
			 "dcgmi reported an error, the diagnostic did not "
			 "complete: %.300s",
			 jget_str(m, "text", ""));
	res = overall(f, counts);
	jset_str(f, "result", res);
	jset_int(c, "fail", counts[0]);
	jset_int(c, "warn", counts[1]);
	jset_int(c, "pass", counts[2]);
	jset_int(c, "skip", counts[3]);
	json_object_set_new(f, "counts", c);
	if (res && !strcmp(res, "fail") && !counts[0])
		probe_reason(f, PV_FAILED, "health-failure",
			     "overall health is Failure");
	else if (res && !strcmp(res, "warn") && !counts[1])
		probe_reason(f, PV_DEGRADED, "health-warning",
			     "overall health is Warning");
	if (!res && !json_array_size(json_object_get(f, "messages")))
		probe_reason(f, PV_UNKNOWN, "no-results",
			     "the report holds no test result");
	else if (res && !strcmp(res, "skip"))
		probe_reason(f, PV_UNKNOWN, "all-skipped",
			     "every test was skipped: nothing was tested");
	else if (counts[3])
		probe_reason(f, PV_HEALTHY, "skipped",
			     "%d test(s) skipped: a skip is not a pass",
			     counts[3]);
}
