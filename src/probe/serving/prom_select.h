/* prom_select.h: reading sample values by selector from a parsed
 * exposition (the `select` argument of the `prom` probe). */
#ifndef ML_PROM_SELECT_H
#define ML_PROM_SELECT_H

#include <jansson.h>

#include "core/err.h"
#include "probe/serving/prom_expo.h"

/* Adds to facts: "select" (text), "matched" (number of samples),
 * "value" (their sum; null when none matched or not finite) and "values"
 * ([{name, labels, value}]). None matching is verdict unknown with
 * reason `no_series`. A bad selector is ML_EUSAGE naming the column. */
int prom_select_facts(const struct prom_expo *e, const char *text,
		      json_t *facts, struct ml_err *err);

#endif
