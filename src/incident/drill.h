/* drill.h: drills and game days. A scenario file (YAML, docs/drills.md)
 * names a fault to inject (an HTTP request, e.g. irisd's /admin/fault, or
 * a shell command), the alert the drill raises through the service's
 * normal intake (labelled drill="true", so routing and runbooks run as
 * for real and pages reach only the participants), the action that clears
 * the fault, the participants and a time limit. `mloncall drill run`
 * (drill_run.c) plays it and drill_debrief turns the incident's timeline
 * into the debrief: acknowledge / diagnose / mitigate times and what the
 * responders did. */
#ifndef ML_DRILL_H
#define ML_DRILL_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* One action: an HTTP request or a shell command. */
struct drill_action {
	char *method;	    /* http: GET, POST, PUT, DELETE (default POST) */
	char *url;	    /* http: http(s) URL; NULL for a command */
	char *body;	    /* http: request body (JSON text) or NULL */
	char *run;	    /* command: run with /bin/sh -c */
	int64_t timeout_ms; /* default 30s */
};

struct drill_scenario {
	char *file;
	char *name;	   /* [a-z0-9][a-z0-9-]* */
	char *description; /* may be NULL */
	char **participants;
	size_t n_participants;
	int64_t timeout_ms; /* default 10m */
	struct drill_action fault, clear;
	json_t *labels;	     /* the alert's labels (object of strings) */
	json_t *annotations; /* object of strings, never NULL */
};

/* Loads and validates a scenario. Errors are ML_EINPUT naming
 * file:line:col and what was expected (unknown keys get a "did you
 * mean"); ML_ENOTFOUND when the file is missing. *sc is filled (free
 * with drill_scenario_free, also after a failure). */
int drill_scenario_load(const char *path, struct drill_scenario *sc,
			struct ml_err *err);

void drill_scenario_free(struct drill_scenario *sc);

/* Replaces the participants with a comma-separated list ("a,b");
 * ML_EINPUT when it names nobody or a name is not [A-Za-z0-9._@-]+. */
int drill_set_participants(struct drill_scenario *sc, const char *list,
			   struct ml_err *err);

/* The scenario as JSON (for `drill show -o json`, the debrief, `drill
 * ls`): {name, file, description, participants, timeout_ms, fault,
 * clear, alert: {labels, annotations}}. New reference. */
json_t *drill_scenario_json(const struct drill_scenario *sc);

struct ydoc_node;
/* Loads the fault/clear action at m (a mapping with `http:` or `run:`,
 * and `timeout:`) into a; what ("fault", "clear") starts the messages.
 * Used by drill_scenario_load. */
int drill_action_load(struct drill_scenario *sc, const struct ydoc_node *m,
		      struct drill_action *a, const char *what,
		      struct ml_err *err);

/* Runs one action (HTTP request or command) with its timeout; a non-2xx
 * answer or a non-zero exit is ML_EIO with what happened in err.
 * *detail (may be NULL) gets a short description ("HTTP 200", "exit 0"),
 * caller frees. cancel may be NULL. */
int drill_action_do(const struct drill_action *a, const char *what,
		    volatile sig_atomic_t *cancel, char **detail,
		    struct ml_err *err);

/* What drill_run measured around the incident (epoch ms; 0 = never). */
struct drill_clock {
	int64_t started_at;	 /* the drill began */
	int64_t fault_at;	 /* the fault was injected */
	int64_t alert_at;	 /* the alert was raised */
	int64_t ended_at;	 /* the drill stopped waiting */
	int64_t cleared_at;	 /* the fault was cleared */
	const char *outcome;	 /* mitigated, timed_out, interrupted, error */
	const char *clear_error; /* NULL when the clear action worked */
};

/* Builds the debrief (new reference) from the scenario, the incident as
 * the API returns it (with timeline; NULL when none was opened) and the
 * clock. Times: acknowledge = acked_at, diagnose = the first run entry
 * carrying a diagnosis, mitigate = the first successful remediation run
 * or the resolve by a person, each in ms after the incident opened.
 * Schema in docs/drills.md. */
json_t *drill_debrief(const struct drill_scenario *sc, const json_t *incident,
		      const struct drill_clock *clock);

/* Renders a debrief as Markdown into out. */
void drill_debrief_markdown(const json_t *debrief, struct buf *out);

/* Options of one drill run. */
struct drill_opts {
	const char *server; /* service URL, or NULL for --db */
	const char *token;  /* bearer token for the service */
	const char *db;	    /* database path when there is no server */
	int64_t poll_ms;    /* how often the incident is read (500ms) */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	int quiet;		     /* no progress lines on stderr */
};

/* Plays a scenario: injects the fault, raises the drill alert (or writes
 * it to the database), follows the incident until it is mitigated, the
 * scenario's timeout passes or *stop is set, then always clears the fault
 * and resolves the drill alert, and builds the debrief (*debrief, new
 * reference, also when the drill failed after the fault was injected).
 * Returns 0 when the drill ran (whatever its outcome) or an error. */
int drill_run(const struct drill_scenario *sc, const struct drill_opts *o,
	      json_t **debrief, struct ml_err *err);

#endif
