/* svc_config.h: the incident service's configuration file (YAML): SLA
 * targets, escalation policy, on-call rotation, notification channels,
 * run limits. Errors name file:line:col. See docs/serve.md. */
#ifndef ML_SVC_CONFIG_H
#define ML_SVC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct svc_rules; /* incident/svc_rules.h */

enum notify_type { NOTIFY_SLACK, NOTIFY_WEBHOOK, NOTIFY_COMMAND };

struct notify_channel {
	char *name;
	enum notify_type type;
	char *url;     /* slack, webhook */
	char *command; /* command: run with the JSON message on stdin */
	int64_t timeout_ms;
};

struct esc_level {
	int64_t after_ms; /* delay after the previous level (0 for first) */
	char **notify;	  /* targets: people or on-call roles */
	size_t n_notify;
};

#include "core/connguard.h"

struct schedule; /* incident/schedule.h */

struct svc_config {
	char *file;
	int default_severity;
	int64_t sla_ms[5]; /* [1..4]: time to acknowledge */
	struct esc_level *levels;
	size_t n_levels;
	int repeat; /* times the policy repeats after the last */
	int64_t repeat_after_ms;
	struct schedule *schedule; /* `oncall:`; NULL when absent */
	struct notify_channel *channels;
	size_t n_channels;
	int run_concurrency;
	int64_t run_timeout_ms;
	int notify_retries;
	int64_t notify_backoff_ms;
	char *runbooks_dir;
	int64_t body_limit;
	int64_t tick_ms;	     /* timer and runner poll period */
	int64_t status_update_ms[5]; /* svc_remind.c: [1..4], 0 = none */
	struct svc_rules *rules;     /* `rules:` (svc_rules.h), or NULL */
	/* `http:` timeouts and connection limits; http.trusted points at
	 * trusted_nets (owned) */
	struct connguard_opts http;
	struct connguard_net *trusted_nets;
};

/* Defaults: P1 15m, P2 1h, P3 4h, P4 24h; one escalation level notifying
 * `primary` at once and `secondary` after 15m; no channels (notifications
 * are only written to the timeline); 2 concurrent runs, 10m timeout;
 * 1 MiB body limit; HTTP: 10s for headers, 30s for a body, 512
 * connections, 64 per client address, no trusted proxies. */
void svc_config_defaults(struct svc_config *c);

/* Loads path over the defaults. NULL path: defaults only. */
int svc_config_load(const char *path, struct svc_config *c, struct ml_err *err);

void svc_config_free(struct svc_config *c);

/* Who holds role at time now (overrides first, then the last layer of
 * the role's schedule that covers now), or NULL: no such role, or nobody
 * at that moment (borrowed from c). Thread-safe. */
const char *svc_oncall(const struct svc_config *c, const char *role,
		       int64_t now);

#endif
