/* k8s.c: the `k8s` probe: why pods are pending (classified scheduler
 * messages), GPU capacity/allocatable/requested per node, suggestions,
 * and "is pod X scheduled yet" for verify steps. Live via `kubectl get
 * pods,nodes,events -o json`, offline from files of that output. */
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "probe/serving/k8s_int.h"
#include "probe/probe.h"

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *gpu = jget_str(ctx->args, "gpu_resource", "nvidia.com/gpu");
	json_t *items = NULL;
	int64_t now = time_now_ms();
	char ts[40];
	int rc;

	*facts = NULL;
	if ((rc = k8s_load(ctx->args, &items, err)) != 0)
		return rc;
	*facts = probe_facts_new("k8s");
	jset_str(*facts, "source",
		 json_array_size(json_object_get(ctx->args, "from"))
		     ? "files"
		     : "kubectl");
	time_format(now, ts, sizeof(ts));
	jset_str(*facts, "now", ts);
	jset_str(*facts, "gpu_resource", gpu);
	k8s_facts(items, ctx->args, now, *facts);
	k8s_suggest(*facts, gpu);
	json_decref(items);
	return 0;
}

static void render_pending(const json_t *p, struct buf *out)
{
	const json_t *r;
	size_t i;
	char age[32];

	dur_format(jget_int(p, "pending_for_s", 0) * 1000, age, sizeof(age));
	buf_printf(out, "  %s/%s  gpu %g  %s\n", jget_str(p, "namespace", ""),
		   jget_str(p, "name", ""), jget_num(p, "gpu_request", 0),
		   jget_bool(p, "scheduled", 0) ? "scheduled" : age);
	json_array_foreach(json_object_get(p, "reasons"), i, r)
	{
		if (json_is_integer(json_object_get(r, "count")))
			buf_printf(out, "    %-20s %3lld  %s\n",
				   jget_str(r, "code", ""),
				   jget_int(r, "count", 0),
				   jget_str(r, "text", ""));
		else
			buf_printf(out, "    %-20s   -  %s\n",
				   jget_str(r, "code", ""),
				   jget_str(r, "text", ""));
	}
}

static void render(const json_t *f, struct buf *out)
{
	const json_t *t = json_object_get(f, "totals"), *x;
	size_t i;

	buf_printf(out, "k8s: %s\n", jget_str(f, "verdict", "unknown"));
	json_array_foreach(json_object_get(f, "reasons"), i, x)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(x, "level", "?"),
		       jget_str(x, "code", "?"), jget_str(x, "message", ""));
	buf_printf(out,
		   "nodes %lld (%lld ready), GPUs: %g allocatable, %g "
		   "requested, %g free; pending pods: %lld\n",
		   jget_int(t, "nodes", 0), jget_int(t, "nodes_ready", 0),
		   jget_num(t, "gpu_allocatable", 0),
		   jget_num(t, "gpu_requested", 0), jget_num(t, "gpu_free", 0),
		   jget_int(f, "pending_count", 0));
	if (json_object_get(f, "scheduled"))
		buf_printf(out, "pod scheduled: %s (pending for %llds)\n",
			   jget_bool(f, "scheduled", 0) ? "yes" : "no",
			   jget_int(f, "pending_for_s", 0));
	if (json_array_size(json_object_get(f, "nodes")))
		buf_puts(out, "node                      ready  gpu cap/alloc/"
			      "req/free\n");
	json_array_foreach(json_object_get(f, "nodes"), i, x) buf_printf(
	    out, "  %-24s %-5s  %g/%g/%g/%g\n", jget_str(x, "name", ""),
	    jget_bool(x, "ready", 0) ? "yes" : "no",
	    jget_num(x, "gpu_capacity", 0), jget_num(x, "gpu_allocatable", 0),
	    jget_num(x, "gpu_requested", 0), jget_num(x, "gpu_free", 0));
	if (json_array_size(json_object_get(f, "pending")))
		buf_puts(out, "pending:\n");
	json_array_foreach(json_object_get(f, "pending"), i, x)
	    render_pending(x, out);
	if (json_array_size(json_object_get(f, "suggestions")))
		buf_puts(out, "suggestions:\n");
	json_array_foreach(json_object_get(f, "suggestions"), i, x)
	{
		const json_t *p;
		size_t k;
		buf_printf(out,
			   "  - %s\n    pods:", jget_str(x, "message", ""));
		json_array_foreach(json_object_get(x, "pods"), k, p)
		    buf_printf(out, " %s", json_string_value(p));
		buf_putc(out, '\n');
	}
}

static const struct probe_opt opts[] = {
    {"from", PO_LIST,
     "kubectl JSON file(s) (`kubectl get pods,nodes,events -A -o json`); "
     "- for stdin",
     NULL, 1, 0},
    {"namespace", PO_STRING, "only pods and events of this namespace", NULL, 0,
     0},
    {"pod", PO_STRING, "report on this pod: facts scheduled, pending_for_s",
     NULL, 0, 0},
    {"max_pending", PO_DURATION,
     "unschedulable longer than this is failed, shorter degraded", "10m", 0, 0},
    {"gpu_resource", PO_STRING, "extended resource name of GPUs",
     "nvidia.com/gpu", 0, 0},
    {"context", PO_STRING, "kubectl context (live mode)", NULL, 0, 0},
    {"kubectl", PO_STRING, "kubectl program (live mode)", "kubectl", 0, 0},
    {"timeout", PO_DURATION, "kubectl timeout (live mode)", "30s", 0, 0},
    {0},
};

const struct probe_def probe_k8s = {
    .name = "k8s",
    .summary = "Kubernetes: pending pods and why, GPU capacity per node",
    .help = "from (or --from FILE, repeatable): saved kubectl JSON files, - "
	    "for stdin;\n"
	    "without it, kubectl is run.\n"
	    "\n"
	    "Reads pods, nodes and events (live with kubectl, or from "
	    "saved JSON),\n"
	    "classifies why pods cannot be scheduled (Insufficient "
	    "nvidia.com/gpu,\n"
	    "untolerated taints, affinity/selector, unbound PVC, "
	    "preemption...), sums\n"
	    "GPU capacity/allocatable/requested per node and suggests "
	    "what to do.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check k8s\n"
	    "  kubectl get pods,nodes,events -A -o json > cluster.json\n"
	    "  mloncall check k8s cluster.json -o json\n"
	    "  mloncall check k8s --namespace ml --pod trainer-0\n"
	    "\n"
	    "In a runbook, wait for a pod to be scheduled:\n"
	    "  - probe: k8s\n"
	    "    with: {pod: trainer-0}\n"
	    "    expect: \"k8s.scheduled\"\n"
	    "    within: 1m\n"
	    "\n"
	    "Facts are documented in docs/probes/k8s.md.\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
