/* drift_col.h: one column's drift test (internal to the drift probe):
 * picks the test as Evidently does by default, or the forced one, and
 * computes it with stats.h. */
#ifndef ML_DRIFT_COL_H
#define ML_DRIFT_COL_H

#include <jansson.h>

#include "csv/csv_table.h"

/* Tests by name: "ks", "wasserstein", "chisquare", "z", "jensenshannon",
 * "psi"; NULL or "auto" = Evidently's default choice. */
struct drift_cfg {
	const char *test;
	double threshold; /* NaN = the test's default */
	int want_hist;	  /* fill *hist for the HTML report */
};

/* Nonzero when name is a known test or "auto". */
int drift_test_known(const char *name);

/* Tests one column pair. Numeric columns are compacted and sorted in
 * place (their row order is lost). Returns a new facts object for the
 * column ({"column", "type", "test", "statistic", "p_value", "score",
 * "threshold", "drifted", ...}), or NULL with *why set (borrowed text)
 * when the column cannot be tested. *hist (when want_hist) gets
 * {"labels", "ref", "cur"} proportions, or NULL. */
json_t *drift_column(struct csv_col *ref, size_t nref, struct csv_col *cur,
		     size_t ncur, const struct drift_cfg *cfg, json_t **hist,
		     const char **why);

#endif
