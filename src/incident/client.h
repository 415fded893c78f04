/* client.h: the CLI's way to the incident service: HTTP to a running
 * `mloncall serve` (--server URL, token from MLONCALL_TOKEN), or the
 * database file directly (--db PATH) when no server runs. */
#ifndef ML_CLIENT_H
#define ML_CLIENT_H

#include <jansson.h>

#include "core/err.h"

struct client {
	const char *server; /* base URL, or NULL */
	const char *token;  /* bearer token, or NULL */
	const char *db;	    /* database path when server is NULL */
};

/* GETs path (with query) and parses the JSON answer (*out new ref). */
int client_get(const struct client *c, const char *path, json_t **out,
	       struct ml_err *err);

/* Lists incidents with a query string such as "status=open&limit=20"
 * (values percent-encoded: filter_query_add). With --db the query is read
 * by filter_parse_query: a bad value is ML_EINPUT naming the key, as the
 * service answers it with 400. */
int client_incidents(const struct client *c, const char *query, json_t **out,
		     struct ml_err *err);

/* One incident with alerts, roles, runs and timeline. */
int client_incident(const struct client *c, long long id, json_t **out,
		    struct ml_err *err);

/* Runs an action (ack, resolve, note, update, role, severity, bridge)
 * with body fields; *out is the incident after the action. With --db it
 * is actions_run (incident/actions.h), actor NULL being "cli". */
int client_action(const struct client *c, long long id, const char *action,
		  const json_t *body, const char *actor, json_t **out,
		  struct ml_err *err);

#endif
