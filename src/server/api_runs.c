/* api_runs.c: HTTP handlers for runs waiting on people:
 * POST /api/v1/runs/ID/approve and /deny (responder) decide the approval
 * a run's `confirm:` step waits for (store_approval_decide: the decision
 * and a timeline entry, in one transaction); the run sees it at its next
 * poll. The actor is the token's person. */
#include <string.h>

#include "core/dur.h"
#include "server/http.h"
#include "store/store_chan.h"

void api_run_action(struct svc *svc, const struct http_req *r,
		    struct http_resp *resp)
{
	int approve = !strcmp(r->action, "approve");
	struct ml_err err = {0};
	int64_t approval = 0;
	int rc;

	if (!approve && strcmp(r->action, "deny")) {
		http_error(resp, 404, "no such run action: %s (approve, deny)",
			   r->action);
		return;
	}
	pthread_mutex_lock(&svc->store_lock);
	rc = store_run_find(svc->store, r->id, NULL, &err);
	if (!rc)
		rc = store_approval_decide(svc->store, r->id, approve, r->actor,
					   time_now_ms(), &approval, &err);
	pthread_mutex_unlock(&svc->store_lock);
	if (rc == ML_ENOTFOUND) {
		http_error(resp, 404, "%s", err.msg);
		return;
	}
	if (rc) {
		http_error(resp, 500, "%s", err.msg);
		return;
	}
	http_json(
	    resp, 200,
	    json_pack("{s:I, s:I, s:s, s:s}", "run", (json_int_t)r->id,
		      "approval", (json_int_t)approval, "status",
		      approve ? STORE_APPROVAL_APPROVED : STORE_APPROVAL_DENIED,
		      "by", r->actor));
}
