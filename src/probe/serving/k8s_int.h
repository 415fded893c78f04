/* k8s_int.h: the parts of the `k8s` probe (loading kubectl JSON,
 * classifying FailedScheduling messages, resource quantities, facts and
 * suggestions). Internal to src/probe/k8s*.c and their tests. */
#ifndef ML_K8S_INT_H
#define ML_K8S_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

/* Largest kubectl JSON file accepted. Raise for clusters with very many
 * pods and events. */
#define K8S_MAX_JSON_BYTES (256 * 1024 * 1024)

/* Loads the objects of the probe's input into *items (new array of
 * objects, each with "kind" set: "Pod", "Node", "Event", others kept
 * as they are). args: `from` (a list of paths, "-" = stdin): each file
 * a kubectl List (`kubectl get pods,nodes,events -A -o json`), a typed
 * list (PodList...) or one object; without `from`, runs kubectl (the
 * `kubectl` arg, default "kubectl", with `context`, `namespace`,
 * `timeout`). Errors: ML_EINPUT with file:line:col for bad JSON or a
 * document that is not a Kubernetes object or list; ML_ENOTFOUND for a
 * missing file; ML_EUNSUPPORTED when kubectl is not installed; ML_EIO
 * when kubectl fails (its stderr in the message). */
int k8s_load(const json_t *args, json_t **items, struct ml_err *err);

/* Parses items of one JSON document (already loaded) into items (an
 * array, appended). name is used in errors. */
int k8s_load_doc(const json_t *doc, const char *name, json_t *items,
		 struct ml_err *err);

/* Classifies a scheduler message (PodScheduled condition or
 * FailedScheduling event), e.g. "0/12 nodes are available: 4
 * Insufficient nvidia.com/gpu, 8 node(s) had untolerated taint
 * {nvidia.com/gpu: present}. preemption: 0/12 nodes are available: 12 No
 * preemption victims found for incoming pod.". Returns a new object:
 * {"nodes_total": n|null, "nodes_available": n|null, "reasons": [{"code",
 * "count", "text", "resource"?, "taint"?}], "preemption": null |
 * {"text", "nodes_total", "nodes_available", "reasons": [{"code":
 * "no_victims"|"not_helpful"|"other", "count", "text"}]}}.
 * Codes: insufficient_gpu, insufficient_cpu, insufficient_memory,
 * insufficient_resource, untolerated_taint, node_not_ready,
 * node_affinity, pod_affinity, unbound_pvc, volume_node_affinity,
 * node_unschedulable, too_many_pods, host_ports, topology_spread, other.
 * gpu_res names the GPU resource ("nvidia.com/gpu"). Never fails; an
 * unknown text is one reason "other". */
json_t *k8s_sched_parse(const char *msg, const char *gpu_res);

/* Parses a Kubernetes quantity ("2", "500m", "16Gi", "1.5", "1e3") into
 * *out. Returns 0 or -1. */
int k8s_quantity(const char *s, double *out);

/* The pod's effective request of resource res: max(sum over containers,
 * max over init containers) + overhead, where a container's request
 * defaults to its limit. 0 when none. */
double k8s_pod_request(const json_t *pod, const char *res);

/* Nonzero when the pod's PodScheduled condition is True or it has a
 * spec.nodeName. */
int k8s_pod_scheduled(const json_t *pod);

/* Node facts [{name, ready, unschedulable, gpu_product, gpu_capacity,
 * gpu_allocatable, gpu_requested, gpu_free, cpu_*, memory_*, pods,
 * taints}] (new array) and adds cluster sums to totals: gpu_capacity,
 * gpu_allocatable, gpu_requested, gpu_free (ready, schedulable nodes),
 * gpu_free_max_node, gpu_allocatable_max_node, nodes, nodes_ready. */
json_t *k8s_nodes(const json_t *items, const char *gpu_res, json_t *totals);

/* Builds the facts (pods, pending, nodes, totals, reason_counts) from
 * items into facts, at time now_ms. args: namespace, pod, gpu_resource,
 * max_pending (ms). Raises the verdict. */
void k8s_facts(const json_t *items, const json_t *args, int64_t now_ms,
	       json_t *facts);

/* Adds "suggestions" [{code, message, pods}] derived from the facts. */
void k8s_suggest(json_t *facts, const char *gpu_res);

#endif
