/* prom_window.h: watching a /metrics page over a time window (the
 * `window` argument of the `prom` probe): the first and last scrape, the
 * increase between them, and a selected value's range over every
 * scrape. */
#ifndef ML_PROM_WINDOW_H
#define ML_PROM_WINDOW_H

#include <jansson.h>
#include <signal.h>

#include "core/err.h"
#include "probe/serving/prom_expo.h"

/* Scrapes args.metrics_url at once, about every second for args.window
 * (ms) and at the end, into *first and *last (free both with
 * prom_expo_free; zeroed on error). With args.select, every scrape's
 * value is tracked. Adds facts.window = {ms, scrapes, value_min,
 * value_max, value_samples} (the value_* keys only when a value was
 * read). A set *cancel stops early with an error. Errors: ML_EUSAGE
 * without metrics_url or window; ML_EIO / ML_EINPUT from a scrape. */
int prom_window_collect(const json_t *args, volatile sig_atomic_t *cancel,
			struct prom_expo *first, struct prom_expo *last,
			json_t *facts, struct ml_err *err);

/* *out = last - first, series by series (same name and label set; a
 * series absent from first counts from 0; a drop is a counter reset and
 * counts the new value). out borrows every string and the families of
 * last: free it with prom_window_delta_free, before last. */
int prom_window_delta(const struct prom_expo *first,
		      const struct prom_expo *last, struct prom_expo *out);

/* Frees what prom_window_delta allocated. */
void prom_window_delta_free(struct prom_expo *d);

#endif
