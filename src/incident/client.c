/* client.c: incident operations over HTTP (core/httpc) or on the store. */
#include "incident/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/httpc.h"
#include "core/out.h"
#include "incident/actions.h"
#include "incident/filter.h"
#include "store/store.h"

static int http(const struct client *c, const char *method, const char *path,
		const json_t *body, json_t **out, struct ml_err *err)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	const char *hdrs[3] = {"Content-Type: application/json", NULL, NULL};
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct httpc_req q = {.method = method,
			      .headers = hdrs,
			      .timeout_ms = 30000,
			      .protocols = "all"};
	struct httpc_resp r;
	struct ml_err herr = {0};
	long status;
	int ret = 0;

	buf_printf(&url, "%s%s", c->server, path);
	if (c->token) {
		buf_printf(&auth, "Authorization: Bearer %s", c->token);
		hdrs[1] = buf_str(&auth);
	}
	q.url = buf_str(&url);
	if (payload || !strcmp(method, "POST"))
		q.body = payload ? payload : "";
	ret = httpc_request(&q, &r, &herr);
	status = r.status;
	*out = r.body.len ? json_loadb(r.body.data, r.body.len, 0, NULL) : NULL;
	if (ret)
		ret = ml_err_set(err, ML_EIO, "%s: %s", buf_str(&url),
				 r.error_short);
	else if (status >= 400)
		ret = ml_err_set(err,
				 status == 404	 ? ML_ENOTFOUND
				 : status >= 500 ? ML_EIO
						 : ML_EINPUT,
				 "server answered %ld: %s", status,
				 jget_str(*out, "error", "no message"));
	else if (!*out)
		ret = ml_err_set(err, ML_EIO, "server answered no JSON");
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	httpc_resp_free(&r);
	free(payload);
	buf_free(&url);
	buf_free(&auth);
	return ret;
}

int client_get(const struct client *c, const char *path, json_t **out,
	       struct ml_err *err)
{
	return http(c, "GET", path, NULL, out, err);
}

static int open_db(const struct client *c, struct store **s, struct ml_err *err)
{
	if (!c->db)
		return ml_err_set(
		    err, ML_EUSAGE,
		    "no server and no database: pass --server URL "
		    "(or MLONCALL_SERVER) or --db PATH");
	return store_open(c->db, s, err);
}

int client_incidents(const struct client *c, const char *query, json_t **out,
		     struct ml_err *err)
{
	struct filter f;
	struct store *s = NULL;
	json_t *list = NULL;
	int rc;

	if (c->server) {
		struct buf path = BUF_INIT;
		buf_printf(&path, "/api/v1/incidents%s%s",
			   query && *query ? "?" : "", query ? query : "");
		rc = http(c, "GET", buf_str(&path), NULL, out, err);
		buf_free(&path);
		return rc;
	}
	filter_init(&f, time_now_ms());
	if ((rc = filter_parse_query(&f, query, err)) == 0 &&
	    (rc = open_db(c, &s, err)) == 0) {
		rc = store_incident_list(s, &f.sf, &list, err);
		store_close(s);
	}
	filter_free(&f);
	*out = rc ? NULL : json_pack("{s:o}", "incidents", list);
	return rc;
}

int client_incident(const struct client *c, long long id, json_t **out,
		    struct ml_err *err)
{
	struct store *s = NULL;
	int rc;

	if (c->server) {
		char path[64];
		snprintf(path, sizeof(path), "/api/v1/incidents/%lld", id);
		return http(c, "GET", path, NULL, out, err);
	}
	if ((rc = open_db(c, &s, err)) != 0)
		return rc;
	rc = store_incident_get(s, id, out, err);
	store_close(s);
	return rc;
}

int client_action(const struct client *c, long long id, const char *action,
		  const json_t *body, const char *actor, json_t **out,
		  struct ml_err *err)
{
	struct store *s = NULL;
	int rc;

	if (c->server) {
		char path[96];
		json_t *b = json_deep_copy(body);
		snprintf(path, sizeof(path), "/api/v1/incidents/%lld/%s", id,
			 action);
		if (actor)
			json_object_set_new(b, "actor", json_string(actor));
		rc = http(c, "POST", path, b, out, err);
		json_decref(b);
		return rc;
	}
	if ((rc = open_db(c, &s, err)) != 0)
		return rc;
	rc = actions_run(s, id, action, body, actor ? actor : "cli",
			 time_now_ms(), err);
	if (rc == 0)
		rc = store_incident_get(s, id, out, err);
	store_close(s);
	return rc;
}
