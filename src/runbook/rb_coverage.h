/* rb_coverage.h: which alerts the runbooks cover. Reads Prometheus rules
 * files (groups[].rules[] with alert/expr/labels, plain or wrapped in a
 * PrometheusRule's spec), lists the alert names a runbook's trigger
 * matchers name, and evaluates the matchers against an alert rule's name
 * and static labels. Used by `mloncall runbook coverage`
 * (src/cmd/runbook_coverage.c). */
#ifndef ML_RB_COVERAGE_H
#define ML_RB_COVERAGE_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "runbook/rb.h"

/* One alerting rule of a rules file. Recording rules are skipped. */
struct rb_cov_rule {
	char *file;	/* rules file it came from */
	char *group;	/* group name */
	char *alert;	/* alert name */
	json_t *labels; /* static labels: object of strings (owned) */
	int line, col;	/* position of the rule */
};

struct rb_cov_rules {
	struct rb_cov_rule *v;
	size_t n, cap;
};

/* Reads the alerting rules of one Prometheus rules file (YAML:
 * `groups: [{name, rules: [{alert, expr, labels, ...}]}]`, or a
 * Kubernetes PrometheusRule with the same under `spec:`) and appends them
 * to *rules (zero it before the first call). Errors name file:line:col
 * and what was expected: an empty file, no `groups`, a rule with neither
 * `alert` nor `record` or with both, an alert without `expr`, labels that
 * are not a mapping of scalars. On error the rules appended so far stay
 * (free them with rb_cov_rules_free). Returns 0 or ML_EINPUT /
 * ML_ENOTFOUND / ML_EIO. */
int rb_cov_rules_load(const char *path, struct rb_cov_rules *rules,
		      struct ml_err *err);

/* Frees the rules; a zeroed struct is fine. */
void rb_cov_rules_free(struct rb_cov_rules *rules);

/* What a runbook's triggers say about alert names, as a new JSON object
 * {"alerts": [names], "patterns": [regexes], "conditions": [matchers]}:
 * `alertname = X` gives X, `alertname =~ "A|B|C"` (a plain alternation of
 * names, optionally in parentheses) gives A, B, C; any other alertname
 * regex is a pattern; matchers on other labels (and negative alertname
 * matchers) are conditions, as text (`severity = "page"`). */
json_t *rb_cov_names(const struct rb_runbook *rb);

enum rb_cov_status { RB_COV_NONE = 0, RB_COV_PARTIAL, RB_COV_FULL };

/* Evaluates rb's trigger against the alert rule: its name (label
 * alertname) and its static labels. A matcher on a label the rule does
 * not set is decided only at run time: it is appended to conds (an
 * empty JSON array, or NULL) as text and the result is at most
 * RB_COV_PARTIAL; conds is emptied again when the result is RB_COV_NONE.
 * A runbook without trigger covers nothing. */
enum rb_cov_status rb_cov_match(const struct rb_runbook *rb,
				const struct rb_cov_rule *rule, json_t *conds);

/* A matcher as text (`label op "value"`, quotes and backslashes
 * escaped): a new string the caller frees. */
char *rb_cov_matcher_text(const struct rb_matcher *m);

/* The table runbook -> alert names (rb_cov_names of each runbook) and its
 * inverse, as a new JSON object (schema in docs/runbooks/coverage.md of
 * `runbook coverage --help`):
 * {"mode": "names", "runbooks": [{id, file, area, alerts, patterns,
 *  conditions}], "alerts": [{alert, runbooks: [id]}] (sorted by name)}.
 * area is the name of the folder holding the runbook file. */
json_t *rb_cov_table(struct rb_runbook *const *rbs, size_t n);

/* Each alert rule covered or not, as a new JSON object:
 * {"mode": "rules", "alerts": [{alert, group, file, line, labels,
 *  status: covered|partial|uncovered, runbooks: [{id, area, status,
 *  conditions}]}], "covered", "partial", "uncovered": counts}. */
json_t *rb_cov_report(struct rb_runbook *const *rbs, size_t n,
		      const struct rb_cov_rules *rules);

/* Renders a table or report (from the two functions above) as aligned
 * text (md = 0) or Markdown (md = 1; runbook names link to AREA/ID.md).
 * Appends to out. */
struct buf;
void rb_cov_render(const json_t *j, int md, struct buf *out);

#endif
