/* probe.h: the probe contract. A probe is a function from arguments (the
 * `with:` map of a runbook step, or `mloncall check NAME` options) to facts
 * (a JSON object) with a verdict. The same function serves live sources and
 * recorded files. Probes are listed in one table in probe/registry.c; the
 * `check` command and the runbook engine find them there. */
#ifndef ML_PROBE_H
#define ML_PROBE_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"

enum probe_opt_type {
	PO_STRING,
	PO_INT,
	PO_NUM,
	PO_BOOL,     /* a flag on the command line: --deep */
	PO_DURATION, /* "30s"; passed to the probe as milliseconds (int) */
	PO_PATH,
	PO_LIST /* repeatable on the command line; a JSON array of strings */
};

/* One argument of a probe. The table ends with a zeroed entry. */
struct probe_opt {
	const char *name; /* "from", "since", "threshold-pct" */
	enum probe_opt_type type;
	const char *help; /* one line */
	const char *dflt; /* default as text, or NULL */
	int positional;	  /* taken from a bare command-line word */
	int required;
};

/* Verdicts, worst last. */
enum probe_verdict { PV_HEALTHY = 0, PV_UNKNOWN, PV_DEGRADED, PV_FAILED };

struct probe_ctx {
	const json_t *args; /* validated arguments with defaults (borrowed) */
	int dry_run;	    /* nonzero: must not change anything anywhere */
	FILE *progress;	    /* progress lines for long work, or NULL */
	volatile sig_atomic_t *cancel; /* nonzero: stop early */
};

struct probe_def {
	const char *name;    /* as in `probe: NAME` and `check NAME` */
	const char *summary; /* one line */
	const char *help;    /* longer text with examples, for --help */
	int read_only;	     /* safe to run in --dry-run */
	const struct probe_opt *opts;
	/* Fills *facts (new reference, owned by caller) or returns an error.
	 * Facts must contain "verdict" and "reasons" (see probe_verdict_set);
	 * a finding (unhealthy) is a successful run with a bad verdict. */
	int (*run)(const struct probe_ctx *ctx, json_t **facts,
		   struct ml_err *err);
	/* Optional human rendering of facts for `check` text output. */
	void (*render)(const json_t *facts, struct buf *out);
};

/* The probe called name, or NULL. */
const struct probe_def *probe_find(const char *name);

/* All probes, NULL-terminated, in registry order. */
const struct probe_def *const *probe_list(void);

/* Validates args (a JSON object; NULL = none) against p->opts: unknown
 * keys, missing required, wrong types; fills defaults; converts durations
 * to milliseconds. Returns a new object in *out (caller decrefs). */
int probe_args_check(const struct probe_def *p, const json_t *args,
		     json_t **out, struct ml_err *err);

/* probe_args_check + p->run + ensures "probe", "verdict" and "reasons"
 * are present in the facts. *facts is a new reference. */
int probe_run(const struct probe_def *p, const json_t *args, int dry_run,
	      FILE *progress, volatile sig_atomic_t *cancel, json_t **facts,
	      struct ml_err *err);

/* Creates facts {"probe": name, "verdict": "healthy", "reasons": []}. */
json_t *probe_facts_new(const char *name);

/* Adds a reason {"level": "degraded"|"failed"|"info"|"unknown",
 * "code": code, "message": ...} and raises the verdict to level when
 * worse. level PV_HEALTHY adds an informational note. */
void probe_reason(json_t *facts, enum probe_verdict level, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The verdict in facts, and its name. */
enum probe_verdict probe_verdict_of(const json_t *facts);
const char *probe_verdict_name(enum probe_verdict v);

/* Default text rendering: verdict, reasons, then facts as indented
 * key: value lines. */
void probe_render_default(const json_t *facts, struct buf *out);

#endif
