/* k8s_facts.c: facts about pods from kubectl objects: phases, pending
 * pods with their scheduler reasons and FailedScheduling events, and the
 * single pod a verify step asks about. */
#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "probe/serving/k8s_int.h"
#include "probe/probe.h"

static const char *meta(const json_t *o, const char *k)
{
	return jget_str(json_object_get(o, "metadata"), k, "");
}

static const char *kind_of(const json_t *o)
{
	return jget_str(o, "kind", "");
}

/* "ns/name" of a pod, into b. */
static const char *pod_key(const json_t *pod, struct buf *b)
{
	buf_reset(b);
	buf_printf(b, "%s/%s", meta(pod, "namespace"), meta(pod, "name"));
	return b->data;
}

/* Event time: series.lastObservedTime, lastTimestamp, eventTime or
 * firstTimestamp, the first present. */
static int64_t event_time(const json_t *ev)
{
	static const char *const keys[] = {"lastTimestamp", "eventTime",
					   "firstTimestamp", NULL};
	const char *so =
	    jget_str(json_object_get(ev, "series"), "lastObservedTime", NULL);
	int64_t t;

	if (so && !time_parse(so, &t))
		return t;
	for (int i = 0; keys[i]; i++) {
		const char *s = jget_str(ev, keys[i], NULL);
		if (s && !time_parse(s, &t))
			return t;
	}
	return 0;
}

/* {"ns/pod": {count, last_ms, message}} of FailedScheduling events. */
static json_t *index_events(const json_t *items)
{
	json_t *idx = json_object(), *it;
	struct buf key = BUF_INIT;
	size_t i;

	json_array_foreach(items, i, it)
	{
		const json_t *obj = json_object_get(it, "involvedObject");
		json_t *e;
		long long n = jget_int(it, "count", 0);
		int64_t t = event_time(it);

		if (strcmp(kind_of(it), "Event") ||
		    strcmp(jget_str(it, "reason", ""), "FailedScheduling") ||
		    strcmp(jget_str(obj, "kind", ""), "Pod"))
			continue;
		if (n <= 0)
			n = jget_int(json_object_get(it, "series"), "count", 1);
		buf_reset(&key);
		buf_printf(&key, "%s/%s", jget_str(obj, "namespace", ""),
			   jget_str(obj, "name", ""));
		if (!(e = json_object_get(idx, key.data))) {
			e = json_pack("{s:I, s:I}", "count", (json_int_t)0,
				      "last_ms", (json_int_t)-1);
			json_object_set_new(idx, key.data, e);
		}
		jset_int(e, "count", jget_int(e, "count", 0) + n);
		if (t >= jget_int(e, "last_ms", -1)) {
			jset_int(e, "last_ms", t);
			jset_str(e, "message", jget_str(it, "message", ""));
		}
	}
	buf_free(&key);
	return idx;
}

/* The PodScheduled condition of a pod, or NULL. */
static const json_t *sched_cond(const json_t *pod)
{
	const json_t *c;
	size_t i;

	json_array_foreach(
	    json_object_get(json_object_get(pod, "status"), "conditions"), i,
	    c) if (!strcmp(jget_str(c, "type", ""), "PodScheduled")) return c;
	return NULL;
}

/* First waiting reason of a container (ImagePullBackOff...), or NULL. */
static const char *waiting_reason(const json_t *pod)
{
	const json_t *cs;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(pod, "status"),
					   "containerStatuses"),
			   i, cs)
	{
		const json_t *w =
		    json_object_get(json_object_get(cs, "state"), "waiting");
		if (w)
			return jget_str(w, "reason", NULL);
	}
	return NULL;
}

static int64_t created_ms(const json_t *pod)
{
	int64_t t;
	return time_parse(meta(pod, "creationTimestamp"), &t) ? 0 : t;
}

static void add_requests(json_t *o, const json_t *pod, const char *gpu)
{
	jset_real(o, "gpu_request", k8s_pod_request(pod, gpu));
	jset_real(o, "cpu_request", k8s_pod_request(pod, "cpu"));
	jset_real(o, "memory_request", k8s_pod_request(pod, "memory"));
}

/* The scheduler's latest word on an unscheduled pod: the PodScheduled
 * condition message, else the last FailedScheduling event. */
static const char *sched_message(const json_t *pod, const json_t *ev)
{
	const json_t *c = sched_cond(pod);
	const char *m = c ? jget_str(c, "message", NULL) : NULL;

	return m && *m ? m : jget_str(ev, "message", NULL);
}

static json_t *pod_facts(const json_t *pod, const json_t *events,
			 const char *gpu, int64_t now)
{
	json_t *o = json_object();
	struct buf key = BUF_INIT;
	const json_t *ev = json_object_get(events, pod_key(pod, &key));
	const json_t *sel =
	    json_object_get(json_object_get(pod, "spec"), "nodeSelector");
	int64_t created = created_ms(pod);
	int sched = k8s_pod_scheduled(pod);
	const char *msg = sched ? NULL : sched_message(pod, ev);

	jset_str(o, "namespace", meta(pod, "namespace"));
	jset_str(o, "name", meta(pod, "name"));
	jset_str(o, "phase",
		 jget_str(json_object_get(pod, "status"), "phase", "Unknown"));
	jset_bool(o, "scheduled", sched);
	jset_str(o, "node",
		 jget_str(json_object_get(pod, "spec"), "nodeName", NULL));
	jset_str(o, "created", meta(pod, "creationTimestamp"));
	/* 0 once scheduled, and under clock skew (created in the future) */
	jset_int(o, "pending_for_s",
		 !sched && created && now > created ? (now - created) / 1000
						    : 0);
	add_requests(o, pod, gpu);
	if (json_is_object(sel))
		json_object_set(o, "node_selector", (json_t *)sel);
	jset_int(o, "failed_scheduling_events", jget_int(ev, "count", 0));
	jset_str(o, "message", msg);
	if (msg) {
		json_t *p = k8s_sched_parse(msg, gpu);
		json_object_update(o, p);
		json_decref(p);
	} else if (sched) {
		jset_str(o, "waiting", waiting_reason(pod));
	}
	/* the scheduler preempts pods on this node to make room */
	if (!sched &&
	    jget_str(json_object_get(pod, "status"), "nominatedNodeName", NULL))
		jset_str(o, "nominated_node",
			 jget_str(json_object_get(pod, "status"),
				  "nominatedNodeName", NULL));
	buf_free(&key);
	return o;
}

static int in_scope(const json_t *pod, const char *ns, const char *name)
{
	if (ns && strcmp(meta(pod, "namespace"), ns))
		return 0;
	return !name || !strcmp(meta(pod, "name"), name);
}

static const char *phase_of(const json_t *pod)
{
	return jget_str(json_object_get(pod, "status"), "phase", "Unknown");
}

/* Short "4 Insufficient nvidia.com/gpu, 8 ..." summary of reasons. */
static void reasons_text(const json_t *p, struct buf *b)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(p, "reasons"), i, r)
	{
		buf_puts(b, i ? ", " : "");
		if (json_is_integer(json_object_get(r, "count")))
			buf_printf(b, "%lld ", jget_int(r, "count", 0));
		buf_puts(b, jget_str(r, "text", ""));
	}
	if (!b->len)
		buf_puts(b, "no scheduler message yet");
}

static void judge_pending(json_t *facts, const json_t *p, int64_t max_ms)
{
	struct buf b = BUF_INIT;
	char age[32];
	int64_t s = jget_int(p, "pending_for_s", 0);
	const char *w = jget_str(p, "waiting", NULL);

	dur_format(s * 1000, age, sizeof(age));
	if (!jget_bool(p, "scheduled", 0) &&
	    jget_str(p, "nominated_node", NULL)) {
		probe_reason(facts, PV_DEGRADED, "pod_preempting",
			     "%s/%s pending for %s: preempting lower-priority "
			     "pods on %s",
			     jget_str(p, "namespace", ""),
			     jget_str(p, "name", ""), age,
			     jget_str(p, "nominated_node", ""));
	} else if (!jget_bool(p, "scheduled", 0)) {
		reasons_text(p, &b);
		probe_reason(facts, s * 1000 > max_ms ? PV_FAILED : PV_DEGRADED,
			     "pod_unschedulable", "%s/%s pending for %s: %s",
			     jget_str(p, "namespace", ""),
			     jget_str(p, "name", ""), age, b.data);
	} else if (w && strcmp(w, "ContainerCreating") &&
		   strcmp(w, "PodInitializing")) {
		probe_reason(facts, PV_DEGRADED, "pod_waiting",
			     "%s/%s is scheduled on %s but waiting: %s",
			     jget_str(p, "namespace", ""),
			     jget_str(p, "name", ""), jget_str(p, "node", "?"),
			     w);
	}
	buf_free(&b);
}

/* Counts a pending pod's reason codes into counts (once per pod). */
static void count_reasons(json_t *counts, const json_t *p)
{
	json_t *seen = json_object();
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(p, "reasons"), i, r)
	{
		const char *c = jget_str(r, "code", "other");
		if (json_object_get(seen, c))
			continue;
		json_object_set_new(seen, c, json_true());
		jset_int(counts, c, jget_int(counts, c, 0) + 1);
	}
	json_decref(seen);
}

/* The `pod` argument: facts a verify step reads (scheduled, pending_for_s). */
static void pod_verdict(json_t *facts, const json_t *pf, const char *name)
{
	if (!pf) {
		jset_bool(facts, "scheduled", 0);
		jset_int(facts, "pending_for_s", 0);
		probe_reason(facts, PV_DEGRADED, "pod_not_found",
			     "no pod named %s (yet)", name);
		return;
	}
	json_object_set(facts, "pod", (json_t *)pf);
	json_object_set(facts, "scheduled", json_object_get(pf, "scheduled"));
	json_object_set(facts, "pending_for_s",
			json_object_get(pf, "pending_for_s"));
}

static void node_reasons(json_t *facts, const json_t *nodes)
{
	const json_t *n;
	size_t i;

	json_array_foreach(nodes, i, n) if (!jget_bool(n, "ready", 0))
	    probe_reason(facts, PV_DEGRADED, "node_not_ready",
			 "node %s is NotReady", jget_str(n, "name", "?"));
}

void k8s_facts(const json_t *items, const json_t *args, int64_t now_ms,
	       json_t *facts)
{
	const char *ns = jget_str(args, "namespace", NULL);
	const char *name = jget_str(args, "pod", NULL);
	const char *gpu = jget_str(args, "gpu_resource", "nvidia.com/gpu");
	int64_t max_ms = jget_int(args, "max_pending", 600000);
	json_t *events = index_events(items), *pending = json_array();
	json_t *phases = json_object(), *counts = json_object(), *it;
	json_t *totals = json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}",
				   "nodes", 0, "nodes_ready", 0, "gpu_capacity",
				   0.0, "gpu_allocatable", 0.0, "gpu_requested",
				   0.0, "gpu_free", 0.0, "gpu_free_max_node",
				   0.0, "gpu_allocatable_max_node", 0.0);
	json_t *nodes = k8s_nodes(items, gpu, totals), *target = NULL;
	double pending_gpu = 0;
	size_t i;

	json_array_foreach(items, i, it)
	{
		json_t *pf;
		if (strcmp(kind_of(it), "Pod") || !in_scope(it, ns, name))
			continue;
		jset_int(phases, phase_of(it),
			 jget_int(phases, phase_of(it), 0) + 1);
		if (name && !target)
			target = pod_facts(it, events, gpu, now_ms);
		if (strcmp(phase_of(it), "Pending"))
			continue;
		pf = pod_facts(it, events, gpu, now_ms);
		count_reasons(counts, pf);
		judge_pending(facts, pf, max_ms);
		if (!jget_bool(pf, "scheduled", 0))
			pending_gpu += jget_num(pf, "gpu_request", 0);
		json_array_append_new(pending, pf);
	}
	jset_real(totals, "pending_gpu_requested", pending_gpu);
	if (!name)
		node_reasons(facts, nodes);
	json_object_set_new(facts, "pods", phases);
	jset_int(facts, "pending_count", (long long)json_array_size(pending));
	json_object_set_new(facts, "pending", pending);
	json_object_set_new(facts, "reason_counts", counts);
	json_object_set_new(facts, "nodes", nodes);
	json_object_set_new(facts, "totals", totals);
	if (name)
		pod_verdict(facts, target, name);
	json_decref(target);
	json_decref(events);
}
