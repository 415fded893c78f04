/* k8s_suggest.c: what to do about pending pods, from the classified
 * scheduler reasons and the cluster's GPU totals: scale the GPU pool,
 * lower a request no node can hold, tolerate a taint, relax affinity,
 * bind a PVC, uncordon or repair nodes. */
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/serving/k8s_int.h"

struct sugg {
	json_t *list;  /* suggestions in order */
	json_t *index; /* "code|detail" -> suggestion */
};

/* The suggestion for key, created with message when new; adds pod. */
static void suggest(struct sugg *s, const char *code, const char *detail,
		    const char *message, const char *pod)
{
	struct buf key = BUF_INIT;
	json_t *e;

	buf_printf(&key, "%s|%s", code, detail ? detail : "");
	if (!(e = json_object_get(s->index, key.data))) {
		e = json_pack("{s:s, s:s, s:[]}", "code", code, "message",
			      message, "pods");
		json_object_set_new(s->index, key.data, e);
		json_array_append(s->list, e);
	}
	json_array_append_new(json_object_get(e, "pods"), json_string(pod));
	buf_free(&key);
}

static void gpu_suggestion(struct sugg *s, const json_t *p, const json_t *t,
			   const char *gpu, const char *pod)
{
	double want = jget_num(p, "gpu_request", 0);
	double max_alloc = jget_num(t, "gpu_allocatable_max_node", 0);
	struct buf m = BUF_INIT;

	if (want > max_alloc) {
		buf_printf(&m,
			   "lower the request: %s asks for %g %s but no "
			   "node has more than %g allocatable (split the job "
			   "across pods or use bigger nodes)",
			   pod, want, gpu, max_alloc);
		suggest(s, "lower_request", pod, m.data, pod);
	} else {
		buf_printf(&m,
			   "scale the GPU pool: pending pods need %g %s, "
			   "the cluster has %g free (at most %g on one node); "
			   "add GPU nodes or free GPUs held by other pods",
			   jget_num(t, "pending_gpu_requested", 0), gpu,
			   jget_num(t, "gpu_free", 0),
			   jget_num(t, "gpu_free_max_node", 0));
		suggest(s, "scale_gpu_pool", NULL, m.data, pod);
	}
	buf_free(&m);
}

static void reason_suggestion(struct sugg *s, const json_t *p, const json_t *r,
			      const json_t *t, const char *gpu, const char *pod)
{
	const char *code = jget_str(r, "code", "other");
	const char *taint = jget_str(r, "taint", "");
	const char *res = jget_str(r, "resource", "");
	struct buf m = BUF_INIT;

	if (!strcmp(code, "insufficient_gpu")) {
		gpu_suggestion(s, p, t, gpu, pod);
	} else if (!strcmp(code, "untolerated_taint")) {
		buf_printf(&m,
			   "tolerate the taint %s: add a matching "
			   "toleration to the pod spec, or remove the taint "
			   "from nodes meant for this workload",
			   taint);
		suggest(s, "tolerate_taint", taint, m.data, pod);
	} else if (!strcmp(code, "node_affinity")) {
		suggest(s, "relax_affinity", NULL,
			"relax affinity: nodes do not match the pod's "
			"nodeSelector/node affinity; compare it with `kubectl "
			"get nodes --show-labels` and fix the labels or the "
			"selector",
			pod);
	} else if (!strcmp(code, "pod_affinity")) {
		suggest(s, "relax_pod_affinity", NULL,
			"relax pod affinity/anti-affinity rules, or add nodes "
			"where they can be met",
			pod);
	} else if (!strcmp(code, "unbound_pvc")) {
		suggest(s, "bind_pvc", NULL,
			"bind the PVC: the pod's PersistentVolumeClaims are "
			"unbound; check `kubectl get pvc` and the "
			"StorageClass provisioner, or create a matching PV",
			pod);
	} else if (!strncmp(code, "insufficient_", 13)) {
		buf_printf(&m,
			   "lower the %s request or add capacity: no node "
			   "has enough free %s",
			   res, res);
		suggest(s, "lower_request", res, m.data, pod);
	} else if (!strcmp(code, "node_unschedulable")) {
		suggest(s, "uncordon", NULL,
			"uncordon nodes (`kubectl uncordon NODE`) once their "
			"maintenance is over, or add capacity",
			pod);
	} else if (!strcmp(code, "node_not_ready")) {
		suggest(s, "repair_nodes", NULL,
			"repair NotReady nodes (kubelet, network, GPU driver) "
			"or replace them",
			pod);
	}
	buf_free(&m);
}

void k8s_suggest(json_t *facts, const char *gpu)
{
	struct sugg s = {json_array(), json_object()};
	const json_t *t = json_object_get(facts, "totals"), *p, *r;
	struct buf pod = BUF_INIT;
	size_t i, k;

	json_array_foreach(json_object_get(facts, "pending"), i, p)
	{
		/* scheduled, or preemption is already making room */
		if (jget_bool(p, "scheduled", 0) ||
		    jget_str(p, "nominated_node", NULL))
			continue;
		buf_reset(&pod);
		buf_printf(&pod, "%s/%s", jget_str(p, "namespace", ""),
			   jget_str(p, "name", ""));
		json_array_foreach(json_object_get(p, "reasons"), k, r)
		    reason_suggestion(&s, p, r, t, gpu, pod.data);
	}
	json_object_set_new(facts, "suggestions", s.list);
	json_decref(s.index);
	buf_free(&pod);
}
