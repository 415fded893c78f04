/* dcgm.h: internals of the `dcgm` probe: a report model shared by the
 * parsers of `dcgmi diag` output (the boxed text table and the `-j` JSON)
 * and `dcgmi health -c` output, and the step that turns a report into
 * facts. Facts schema: docs/probes/dcgm.md. */
#ifndef ML_PROBE_DCGM_H
#define ML_PROBE_DCGM_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/* Per-test results, best first; the worst one is a test's result. */
enum dcgm_status { DS_SKIP = 0, DS_PASS, DS_WARN, DS_FAIL };

/* Longest message kept (bytes); longer ones are cut with "...". */
#define DCGM_MAX_MSG 4096
/* Most messages kept per test; the rest are counted. */
#define DCGM_MAX_MSGS 64

/* A parsed report. `facts` is the facts object being built (owned): the
 * parsers fill "kind", "format", versions, "tests" (diag) or "entities"
 * (health); dcgm_report_finish adds results, failures and the verdict. */
struct dcgm_report {
	json_t *facts;
	json_t *cur_test; /* borrowed: the test rows attach to */
	int tables;	  /* diag tables seen (iterations) */
};

/* Starts a report: facts with "probe": "dcgm" and empty lists. */
void dcgm_report_init(struct dcgm_report *r);

/* Frees what the report still owns. */
void dcgm_report_free(struct dcgm_report *r);

/* The status word ("Pass", "FAIL", "Skipped", ...) as a status; -1 when
 * the word is none of Pass/Fail/Warn/Skip (any case, SKIPPED too). */
int dcgm_status_word(const char *s, size_t n);

/* Lower-case name of a status: "pass", "fail", "warn", "skip". */
const char *dcgm_status_name(enum dcgm_status s);

/* The test (category, name) of the report, created when new; becomes the
 * current test. Strings are copied (cleaned to UTF-8). */
json_t *dcgm_test(struct dcgm_report *r, const char *category,
		  const char *name);

/* Records a result for gpu (-1: for every GPU tested, "- All" or a
 * deployment check) on test t. */
void dcgm_test_result(json_t *t, enum dcgm_status s, long gpu);

/* Adds a message to test t (NULL: to the report's "messages"), level
 * "error" / "warning" / "info". gpu -1: taken from the text ("GPU 3")
 * when it names one. error_id < 0: none. Returns the message object. */
json_t *dcgm_message(struct dcgm_report *r, json_t *t, const char *level,
		     const char *text, long gpu, long error_id);

/* Computes result, counts, failed/warned lists, failed_gpus, level (when
 * not set) and the verdict with its reasons. */
void dcgm_report_finish(struct dcgm_report *r);

/* Parses `dcgmi diag` or `dcgmi health -c` text (name for messages).
 * Returns 0, or ML_EINPUT when the text holds neither table nor a dcgmi
 * error line. */
int dcgm_parse_text(struct dcgm_report *r, const char *text, size_t len,
		    const char *name, struct ml_err *err);

/* Parses `dcgmi diag -j` JSON (DCGM 2.x/3.x "DCGM GPU Diagnostic" and 4.x
 * "DCGM Diagnostic" layouts, single run or "iterations"). Returns 0 or
 * ML_EINPUT naming file, line and column. */
int dcgm_parse_json(struct dcgm_report *r, const char *text, size_t len,
		    const char *name, struct ml_err *err);

/* Either parser, chosen by the first non-blank byte ('{' = JSON). */
int dcgm_parse(struct dcgm_report *r, const char *text, size_t len,
	       const char *name, struct ml_err *err);

#endif
