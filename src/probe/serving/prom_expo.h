/* prom_expo.h: the Prometheus text exposition format (version 0.0.4):
 * parsing into samples, and label selectors (`name{a="b",c=~"x.*"}`) to
 * pick samples. Used by the `prom` probe for files, metrics URLs and
 * snapshot folders. */
#ifndef ML_PROM_EXPO_H
#define ML_PROM_EXPO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct prom_label {
	char *name;
	char *value;
};

/* One sample line. Labels are in the order written. */
struct prom_sample {
	char *name;
	struct prom_label *labels;
	size_t nlabels;
	double value;
	int64_t ts_ms; /* valid when has_ts */
	int has_ts;
	int line; /* 1-based line in the input */
};

/* A metric family from `# TYPE` / `# HELP` lines. */
struct prom_family {
	char *name;
	char *type; /* "counter", "gauge", "histogram", "summary", "untyped" */
	char *help; /* unescaped, or NULL */
};

struct prom_expo {
	struct prom_sample *samples;
	size_t nsamples;
	struct prom_family *families;
	size_t nfamilies;
	void *arena; /* owns every sample's name, labels and label strings */
};

/* Parses text (len bytes, need not be NUL-terminated) into *out, which
 * must be zeroed or freshly freed. name is the file name used in errors
 * (may be NULL). Rejects: malformed lines, escapes other than \\ \" \n,
 * non-UTF-8 in label values and help, duplicate label names, duplicate
 * series (same name and label set), unknown TYPE values, NUL bytes. A
 * missing final newline is accepted; "\r\n" line ends are accepted.
 * Returns 0, or ML_EINPUT with err naming file:line:col. On error *out is
 * freed. */
int prom_expo_parse(const char *text, size_t len, const char *name,
		    struct prom_expo *out, struct ml_err *err);

/* Frees everything *e owns and zeroes it. NULL is a no-op. */
void prom_expo_free(struct prom_expo *e);

/* The value of label `name` in s, or NULL (borrowed). */
const char *prom_sample_label(const struct prom_sample *s, const char *name);

/* The TYPE of family `name`, or NULL (borrowed). */
const char *prom_expo_type(const struct prom_expo *e, const char *name);

/* A parsed selector: optional metric name and label matchers. */
struct prom_sel;

/* Parses a selector: `name`, `name{k="v",...}`, `{k!="v"}` or a bare
 * matcher list `k="v",k2=~"re"`. Operators = != =~ !~; regexes are POSIX
 * extended and fully anchored, like PromQL. An empty string selects
 * everything. Returns 0 and *out (free with prom_sel_free), or ML_EUSAGE
 * with err saying what was expected at which column. */
int prom_sel_parse(const char *text, struct prom_sel **out, struct ml_err *err);

/* Frees a selector; NULL is a no-op. */
void prom_sel_free(struct prom_sel *sel);

/* The metric name of sel, or NULL when it has none (borrowed). */
const char *prom_sel_name(const struct prom_sel *sel);

/* Nonzero when s matches sel. With ignore_name, the selector's metric
 * name is not compared (for `metric` + `labels` arguments). A NULL sel
 * matches everything. */
int prom_sel_match(const struct prom_sel *sel, const struct prom_sample *s,
		   int ignore_name);

/* Labels of s as a JSON object, without the label called `skip` (may be
 * NULL). New reference. */
json_t *prom_labels_json(const struct prom_sample *s, const char *skip);

/* Parses a sample value as the exposition format writes it ("1.5",
 * "NaN", "+Inf", "-Inf", "1e-3"). Returns 0 or -1. */
int prom_parse_value(const char *s, size_t len, double *out);

#endif
