/* prom_select.c: the `select` argument of the `prom` probe: read the
 * current value of the samples a selector picks from a metrics page (a
 * gauge such as irisd_online_accuracy, or any series), so a rule or a
 * runbook step can compare it without a Prometheus server. */
#include <math.h>

#include "core/out.h"
#include "probe/probe.h"
#include "probe/serving/prom_expo.h"
#include "probe/serving/prom_select.h"

/* A sample value as JSON: NaN/Inf have no JSON form, so null. */
static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int prom_select_facts(const struct prom_expo *e, const char *text,
		      json_t *facts, struct ml_err *err)
{
	struct prom_sel *sel = NULL;
	json_t *vals;
	double sum = 0;
	size_t n = 0;
	int rc;

	if ((rc = prom_sel_parse(text, &sel, err)) != 0)
		return rc;
	vals = json_array();
	for (size_t i = 0; i < e->nsamples; i++) {
		const struct prom_sample *s = &e->samples[i];
		if (!prom_sel_match(sel, s, 0))
			continue;
		json_array_append_new(
		    vals, json_pack("{s:s, s:o, s:o}", "name", s->name,
				    "labels", prom_labels_json(s, NULL),
				    "value", num_or_null(s->value)));
		sum += s->value;
		n++;
	}
	prom_sel_free(sel);
	jset_str(facts, "select", text);
	jset_int(facts, "matched", (long long)n);
	json_object_set_new(facts, "value", n ? num_or_null(sum) : json_null());
	json_object_set_new(facts, "values", vals);
	if (!n)
		probe_reason(facts, PV_UNKNOWN, "no_series",
			     "no sample matches `%s`", text);
	return 0;
}
