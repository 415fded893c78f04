/* svc_rules.h: alert rules evaluated by `mloncall serve` itself. A rule
 * runs a probe (the same registry and `with:` arguments as runbooks) every
 * `every`, evaluates a sandboxed Lua `when:` over its facts, keeps the
 * Prometheus-style pending/firing state with `for:`, and feeds a firing
 * alert (and its resolution) into the same intake as an Alertmanager
 * webhook. Config section `rules:` of oncall.yaml; see docs/serve.md,
 * "Rules". */
#ifndef ML_SVC_RULES_H
#define ML_SVC_RULES_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct ydoc_node;
struct probe_def;
struct svc;
struct svc_rules_rt;

/* One rule as configured. */
struct svc_rule {
	char *name;	  /* alertname */
	int64_t every_ms; /* evaluation period */
	int64_t for_ms;	  /* pending this long before firing (0: at once) */
	int64_t keep_firing_ms; /* stay firing this long after it stops */
	const struct probe_def *probe;
	json_t *with; /* probe arguments (validated at load) */
	char *when;   /* Lua expression over {probe name: facts} */
	char *file;   /* config file, for expression errors */
	int when_line, when_col;
	json_t *labels;	     /* object of strings; has alertname */
	json_t *annotations; /* object of strings */
};

struct svc_rules {
	struct svc_rule *v;
	size_t n;
	struct svc_rules_rt *rt; /* running threads, or NULL */
};

/* Parses the `rules:` list (node seq) of config file `file`. Each rule
 * needs name, probe and when; every defaults to 30s, for and
 * keep_firing_for to 0s. Probe
 * names, argument names/types and the Lua syntax of `when` are checked
 * here; errors name file:line:col. *out is new (svc_rules_free). */
int svc_rules_load(const char *file, const struct ydoc_node *seq,
		   struct svc_rules **out, struct ml_err *err);

/* Frees the rules (they must be stopped). NULL is a no-op. */
void svc_rules_free(struct svc_rules *r);

/* Rule states, as Prometheus names them. */
enum svc_rule_state { RULE_INACTIVE = 0, RULE_PENDING, RULE_FIRING };

/* What one evaluation changed. */
enum svc_rule_event {
	RULE_EV_NONE = 0, /* no change */
	RULE_EV_PENDING,  /* inactive -> pending (for: not yet elapsed) */
	RULE_EV_FIRE,	  /* -> firing: send the alert */
	RULE_EV_RESOLVE,  /* firing -> inactive: send the resolution */
	RULE_EV_CANCEL	  /* pending -> inactive: nothing to send */
};

/* The state of one rule between evaluations. */
struct svc_rule_eval {
	enum svc_rule_state state;
	int64_t active_since; /* first evaluation where `when` held */
	int64_t fired_at;     /* when it went firing */
	int64_t resolved_at;  /* when it last resolved */
	int64_t last_active;  /* last evaluation where `when` held */
};

/* The state machine: one evaluation at time now (ms) whose condition was
 * `active`. A condition that holds for at least for_ms (measured from the
 * first evaluation that saw it) fires; for_ms 0 fires at once. A false
 * condition cancels a pending rule, and resolves a firing one once it has
 * been false for keep_ms (Prometheus' keep_firing_for; 0: at once; a true
 * evaluation in between keeps it firing). Pure: time is injected. */
enum svc_rule_event svc_rule_step(struct svc_rule_eval *st, int active,
				  int64_t for_ms, int64_t keep_ms, int64_t now);

/* Evaluates r->when over facts (the probe's facts, reachable as
 * `<probe name>.field`) and steps the state machine at time now.
 * Returns 0 and *ev, or an error (the expression failed: the state is
 * left unchanged). */
int svc_rule_eval(const struct svc_rule *r, struct svc_rule_eval *st,
		  const json_t *facts, int64_t now, enum svc_rule_event *ev,
		  struct ml_err *err);

/* The Alertmanager v4 webhook body for a state change of r (status
 * "firing" or "resolved"), as Alertmanager would send it; annotation
 * `value` holds facts' "value" or "p99" (like Prometheus' $value), and
 * `summary` defaults to the rule and its expression. New reference. */
json_t *svc_rule_payload(const struct svc_rule *r,
			 const struct svc_rule_eval *st, const char *status,
			 const json_t *facts);

/* Starts one evaluation thread per rule of svc->cfg.rules (if any).
 * Returns 0 (nothing to start is not an error). */
int svc_rules_start(struct svc *svc, struct ml_err *err);

/* Stops and joins the rule threads (svc->stopping must be set, or is
 * set here). Safe to call when none were started. */
void svc_rules_stop(struct svc *svc);

#endif
