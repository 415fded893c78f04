/* drift_html.h: the drift probe's self-contained HTML report. */
#ifndef ML_DRIFT_HTML_H
#define ML_DRIFT_HTML_H

#include <jansson.h>

#include "core/err.h"

/* Writes one HTML page to path (atomically): the summary, then one section
 * per column (drifted first, as in facts.columns) with an inline SVG
 * histogram of reference vs current from hists[column] ({"labels", "ref",
 * "cur"} proportions). No scripts, no external resources. Returns 0 or
 * ML_EIO with err filled. */
int drift_html_write(const char *path, const json_t *facts, const json_t *hists,
		     struct ml_err *err);

#endif
