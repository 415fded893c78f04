/* rb.h: the runbook model: what a runbook YAML file loads into. Loading
 * (rb_load.c) fills it and checks the schema; lint (rb_lint.c) checks the
 * rest; the engine (rb_exec.c) runs it. See docs/runbook-format.md. */
#ifndef ML_RB_H
#define ML_RB_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum rb_severity { RB_SEV_NONE = 0, RB_P1 = 1, RB_P2, RB_P3, RB_P4 };

/* Alertmanager label matcher: label OP "value"; regexes are anchored
 * (^(?:value)$), as Alertmanager does. */
enum rb_match_op { RB_MATCH_EQ, RB_MATCH_NE, RB_MATCH_RE, RB_MATCH_NRE };

struct rb_matcher {
	char *label;
	enum rb_match_op op;
	char *value;
	regex_t re; /* compiled when op is RE or NRE */
	int has_re;
	int line, col;
};

enum rb_param_type {
	RB_PT_STRING = 0,
	RB_PT_INT,
	RB_PT_FLOAT,
	RB_PT_BOOL,
	RB_PT_DURATION
};

struct rb_param {
	char *name;
	enum rb_param_type type;
	int required;
	char *dflt;    /* default as text, or NULL */
	char *pattern; /* anchored POSIX ERE the value must match, or NULL */
	regex_t re;
	int has_re;
	char **choices; /* `enum:` allowed values, or NULL */
	size_t n_choices;
	int secret; /* never printed, never recorded */
	char *help;
	int line, col;
};

enum rb_step_kind {
	RB_STEP_RUN = 0,
	RB_STEP_PROBE,
	RB_STEP_WAIT,
	RB_STEP_CONFIRM,
	RB_STEP_BATCH,
	RB_STEP_NOTIFY
};

struct rb_step;

struct rb_steps {
	struct rb_step *v;
	size_t n;
};

/* One step. Which fields are set depends on kind. */
struct rb_step {
	enum rb_step_kind kind;
	int line, col;
	char *name; /* optional `name:` shown in plans and records */

	/* run: shell text, run as /bin/sh -c with params as env vars */
	char *run;
	int64_t timeout_ms; /* 0: ML_STEP_TIMEOUT_MS */
	int read_only;	    /* `read_only: true`: may run in --dry-run */

	/* probe: registry name, `with:` args (values may hold {{param}}),
	 * facts stored under `as` (default: the probe name) */
	char *probe;
	json_t *with;
	char *as;

	/* probe or run: Lua expression that must hold (verify) */
	char *expect;
	int expect_line, expect_col;
	int retries;	     /* extra tries when expect fails */
	int64_t within_ms;   /* keep retrying until this much time passed */
	int64_t interval_ms; /* between tries; default 5s */

	/* wait */
	int64_t wait_ms;

	/* confirm: question asked to a human */
	char *prompt;

	/* notify */
	char *message;
	char *channel;

	/* batch: for each item of `items` (a param holding a comma or space
	 * separated list, or a Lua expression giving a list), run before,
	 * steps, after with ITEM set in the environment; `parallel` at a
	 * time (default 1); stop at the first failure. */
	char *items;
	int parallel;
	struct rb_steps before;
	struct rb_steps steps;
	struct rb_steps after;
};

struct rb_case {
	char *when; /* Lua expression over facts */
	char *cause;
	char *remedy; /* name of a remedy, or NULL */
	int line, col;
	int when_line, when_col; /* position of the `when` text */
};

struct rb_remedy {
	char *name;
	struct rb_steps steps;
	int line, col;
};

struct rb_runbook {
	char *file; /* path it was loaded from */
	char *id;
	char *title;
	char *description;
	enum rb_severity severity;
	char *owner;
	int64_t reviewed_ms; /* date, midnight UTC; 0: absent */
	int64_t review_every_ms;
	int auto_remediate; /* `auto:` */

	struct rb_matcher *trigger;
	size_t n_trigger;
	struct rb_param *params;
	size_t n_params;

	struct rb_steps prechecks;
	struct rb_steps diagnose; /* diagnose.steps: probes (and runs) */
	struct rb_case *cases;	  /* diagnose.cases: first match wins */
	size_t n_cases;
	struct rb_remedy *remedies;
	size_t n_remedies;
	struct rb_steps procedure; /* when no diagnosis is needed */
	struct rb_steps verify;
	struct rb_steps rollback;
	int rollback_none; /* `rollback: {none: true, reason: ..}` */
	char *rollback_reason;
	int max_attempts; /* default 1 */
	json_t *contacts; /* mapping role -> name */
	char **acceptance;
	size_t n_acceptance;

	/* positions of top-level keys, for lint messages */
	int line, col;

	/* Added by the loader: where each section starts (0 when absent), so
	 * lint and show can point at them. */
	struct rb_pos {
		int line, col;
	} at_id, at_severity, at_reviewed, at_trigger, at_params, at_prechecks,
	    at_diagnose, at_remedies, at_procedure, at_verify, at_rollback;
};

/* Loads and validates the schema of one runbook file. Errors name
 * file:line:col and what was expected; an unknown key suggests the
 * nearest known one. On success *out is owned by the caller:
 * rb_free(). */
int rb_load_file(const char *path, struct rb_runbook **out, struct ml_err *err);

/* Same from a string; name is used in messages. */
int rb_load_string(const char *text, size_t len, const char *name,
		   struct rb_runbook **out, struct ml_err *err);

/* Frees a runbook; NULL is a no-op. */
void rb_free(struct rb_runbook *rb);

/* The remedy called name, or NULL (borrowed). */
const struct rb_remedy *rb_remedy_find(const struct rb_runbook *rb,
				       const char *name);

/* The param called name, or NULL (borrowed). */
const struct rb_param *rb_param_find(const struct rb_runbook *rb,
				     const char *name);

/* Nonzero when every trigger matcher holds for labels (a JSON object of
 * string values). A runbook without trigger matches nothing. */
int rb_matches(const struct rb_runbook *rb, const json_t *labels);

/* "P1".."P4" / "" ; and parsing ("P2", "p2", "critical"->P1 ...).
 * rb_severity_parse returns 0 or -1. */
const char *rb_severity_name(enum rb_severity s);
int rb_severity_parse(const char *s, enum rb_severity *out);

/* Parses one matcher string (`alertname =~ "A|B"`, `severity = page`,
 * `team != "x"`, `env !~ "dev.*"`; value quoted with \" escapes, or bare)
 * into *m (fields owned by m: rb_matcher_free). Returns 0, or ML_EINPUT
 * with a message saying what was expected (err has no position; the
 * caller adds it). */
int rb_matcher_parse(const char *text, struct rb_matcher *m,
		     struct ml_err *err);
void rb_matcher_free(struct rb_matcher *m);

/* Nonzero when m holds for labels (JSON object; a missing label or a
 * non-string value is the empty string, as in Alertmanager). */
int rb_matcher_match(const struct rb_matcher *m, const json_t *labels);

/* Checks a param value against its type, pattern and enum. Returns 0 or
 * ML_EINPUT with a message naming the param and what was expected. */
int rb_param_validate(const struct rb_param *p, const char *value,
		      struct ml_err *err);

/* Name of a param type: "string", "int", ... */
const char *rb_param_type_name(enum rb_param_type t);

/* Review status of a runbook at now_ms: never reviewed, ok, due within
 * RB_REVIEW_DUE_DAYS, or overdue. *days (may be NULL) gets the days until
 * the review is due (ok, due) or the days past it (overdue). */
#define RB_REVIEW_DUE_DAYS 14
enum rb_review {
	RB_REVIEW_NEVER = 0,
	RB_REVIEW_OK,
	RB_REVIEW_DUE,
	RB_REVIEW_OVERDUE
};
enum rb_review rb_review_status(const struct rb_runbook *rb, int64_t now_ms,
				int64_t *days);
/* "never", "ok", "due", "overdue". */
const char *rb_review_name(enum rb_review r);

/* The runbook as JSON (schema in docs/runbook-format.md, "JSON form"):
 * what `runbook show -o json` prints. New reference. */
json_t *rb_to_json(const struct rb_runbook *rb, int64_t now_ms);

/* Renders the runbook as Markdown for a wiki or an alert link: title,
 * facts table, triggers, params, numbered steps per phase, cases ->
 * remedies, verify, rollback, acceptance, contacts. Appends to out
 * (struct buf from core/buf.h). Secret defaults are masked. */
struct buf;
void rb_render_md(const struct rb_runbook *rb, int64_t now_ms, struct buf *out);

/* rb_summary.c: a run record's matched diagnosis, appended to out as
 * "Diagnosis: CAUSE (case N, line L: WHEN)" and one "  because FACT = V"
 * line per fact it saw. Returns 0, or 1 (nothing appended) when the
 * record has no matched case. */
int rb_summary_diagnosis(const json_t *record, struct buf *out);

/* One step as JSON (kind, line, and the fields set). New reference. */
json_t *rb_step_to_json(const struct rb_step *s);

/* Name of a step kind: "run", "probe", ... */
const char *rb_step_kind_name(enum rb_step_kind k);

/* Finds runbook files: path is a file or a folder searched recursively
 * for *.yaml / *.yml, skipping *.test.yaml and contacts.yaml. Appends
 * malloc'ed paths to *paths (sorted). Returns 0 or an error. */
int rb_find_files(const char *path, char ***paths, size_t *n,
		  struct ml_err *err);

/* The runbooks found under one or more paths, each loaded. paths[i] is
 * the file, rbs[i] its runbook or NULL when it did not load, and then
 * errs[i] says why (file:line:col). All owned by the struct. */
struct rb_dir {
	char **paths;
	struct rb_runbook **rbs;
	struct ml_err *errs;
	size_t n, loaded;
};

/* Finds the runbook files under path (rb_find_files) and loads each,
 * appending them to d (zeroed before the first call). A file that does
 * not load is kept with its error, never fatal. Returns 0, or the error
 * of finding (a path that does not exist, a folder that cannot be
 * read); d then holds what was found before it. rb_dir_free(d) in any
 * case. */
int rb_load_dir(const char *path, struct rb_dir *d, struct ml_err *err);

/* Frees what d holds and zeroes it; a zeroed d is a no-op. */
void rb_dir_free(struct rb_dir *d);

/* Finds the runbook whose id is id under dir, loading files in order
 * until one matches (files that do not load are passed over). On
 * success *out is the caller's (rb_free). ML_ENOTFOUND names dir and
 * the nearest id there; a find error is prefixed with the id. */
int rb_find_by_id(const char *dir, const char *id, struct rb_runbook **out,
		  struct ml_err *err);

#endif
