/* k8s_nodes.c: per-node capacity, allocatable and requested resources
 * (GPU, CPU, memory) and cluster totals, from kubectl objects. Requested
 * = the sum of the effective requests of the pods bound to the node that
 * have not terminated, as the scheduler counts them. */
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/serving/k8s_int.h"

static double quantity_of(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	double d;

	if (json_is_number(v))
		return json_number_value(v);
	return k8s_quantity(json_string_value(v), &d) ? 0 : d;
}

/* {node: {gpu, cpu, memory, pods}} requested by live pods. */
static json_t *requested_by_node(const json_t *items, const char *gpu)
{
	json_t *m = json_object(), *it;
	size_t i;

	json_array_foreach(items, i, it)
	{
		const char *node =
		    jget_str(json_object_get(it, "spec"), "nodeName", NULL);
		const char *ph =
		    jget_str(json_object_get(it, "status"), "phase", "");
		json_t *n;
		if (strcmp(jget_str(it, "kind", ""), "Pod") || !node ||
		    !strcmp(ph, "Succeeded") || !strcmp(ph, "Failed"))
			continue;
		if (!(n = json_object_get(m, node))) {
			n = json_pack("{s:f, s:f, s:f, s:i}", "gpu", 0.0, "cpu",
				      0.0, "memory", 0.0, "pods", 0);
			json_object_set_new(m, node, n);
		}
		jset_real(n, "gpu",
			  jget_num(n, "gpu", 0) + k8s_pod_request(it, gpu));
		jset_real(n, "cpu",
			  jget_num(n, "cpu", 0) + k8s_pod_request(it, "cpu"));
		jset_real(n, "memory",
			  jget_num(n, "memory", 0) +
			      k8s_pod_request(it, "memory"));
		jset_int(n, "pods", jget_int(n, "pods", 0) + 1);
	}
	return m;
}

static int node_ready(const json_t *node)
{
	const json_t *c;
	size_t i;

	json_array_foreach(
	    json_object_get(json_object_get(node, "status"), "conditions"), i,
	    c) if (!strcmp(jget_str(c, "type", ""),
			   "Ready")) return !strcmp(jget_str(c, "status", ""),
						    "True");
	return 0;
}

static json_t *taints_of(const json_t *node)
{
	json_t *out = json_array();
	const json_t *t;
	struct buf b = BUF_INIT;
	size_t i;

	json_array_foreach(
	    json_object_get(json_object_get(node, "spec"), "taints"), i, t)
	{
		const char *v = jget_str(t, "value", NULL);
		buf_reset(&b);
		buf_printf(&b, "%s%s%s:%s", jget_str(t, "key", "?"),
			   v ? "=" : "", v ? v : "",
			   jget_str(t, "effect", "?"));
		json_array_append_new(out, json_string(b.data));
	}
	buf_free(&b);
	return out;
}

static json_t *node_facts(const json_t *node, const json_t *req,
			  const char *gpu)
{
	const json_t *st = json_object_get(node, "status");
	const json_t *cap = json_object_get(st, "capacity");
	const json_t *alloc = json_object_get(st, "allocatable");
	const json_t *labels =
	    json_object_get(json_object_get(node, "metadata"), "labels");
	json_t *o = json_object();
	double ga = quantity_of(alloc, gpu), gr = jget_num(req, "gpu", 0);

	jset_str(o, "name",
		 jget_str(json_object_get(node, "metadata"), "name", "?"));
	jset_bool(o, "ready", node_ready(node));
	jset_bool(o, "unschedulable",
		  jget_bool(json_object_get(node, "spec"), "unschedulable", 0));
	jset_str(o, "gpu_product",
		 jget_str(labels, "nvidia.com/gpu.product", NULL));
	jset_real(o, "gpu_capacity", quantity_of(cap, gpu));
	jset_real(o, "gpu_allocatable", ga);
	jset_real(o, "gpu_requested", gr);
	jset_real(o, "gpu_free", ga > gr ? ga - gr : 0);
	jset_real(o, "cpu_allocatable", quantity_of(alloc, "cpu"));
	jset_real(o, "cpu_requested", jget_num(req, "cpu", 0));
	jset_real(o, "memory_allocatable", quantity_of(alloc, "memory"));
	jset_real(o, "memory_requested", jget_num(req, "memory", 0));
	jset_int(o, "pods", jget_int(req, "pods", 0));
	json_object_set_new(o, "taints", taints_of(node));
	return o;
}

static void add_total(json_t *t, const char *k, double v)
{
	jset_real(t, k, jget_num(t, k, 0) + v);
}

static void max_of(json_t *t, const char *k, double v)
{
	if (v > jget_num(t, k, 0))
		jset_real(t, k, v);
}

json_t *k8s_nodes(const json_t *items, const char *gpu, json_t *totals)
{
	json_t *req = requested_by_node(items, gpu), *out = json_array(), *it;
	size_t i;
	long long ready = 0, n = 0;

	json_array_foreach(items, i, it)
	{
		json_t *nf;
		int usable;
		if (strcmp(jget_str(it, "kind", ""), "Node"))
			continue;
		nf = node_facts(
		    it,
		    json_object_get(
			req,
			jget_str(json_object_get(it, "metadata"), "name", "")),
		    gpu);
		usable = jget_bool(nf, "ready", 0) &&
			 !jget_bool(nf, "unschedulable", 0);
		n++;
		ready += jget_bool(nf, "ready", 0);
		add_total(totals, "gpu_capacity",
			  jget_num(nf, "gpu_capacity", 0));
		add_total(totals, "gpu_allocatable",
			  jget_num(nf, "gpu_allocatable", 0));
		add_total(totals, "gpu_requested",
			  jget_num(nf, "gpu_requested", 0));
		add_total(totals, "gpu_free",
			  usable ? jget_num(nf, "gpu_free", 0) : 0);
		max_of(totals, "gpu_free_max_node",
		       usable ? jget_num(nf, "gpu_free", 0) : 0);
		max_of(totals, "gpu_allocatable_max_node",
		       jget_num(nf, "gpu_allocatable", 0));
		json_array_append_new(out, nf);
	}
	jset_int(totals, "nodes", n);
	jset_int(totals, "nodes_ready", ready);
	json_decref(req);
	return out;
}
