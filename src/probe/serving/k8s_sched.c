/* k8s_sched.c: classification of kube-scheduler messages ("0/12 nodes are
 * available: 4 Insufficient nvidia.com/gpu, 8 node(s) had untolerated
 * taint {...}. preemption: ..."). The message is a list of "N reason"
 * items joined by ", " and ended by ". "; taints in braces may hold any
 * text, so splitting respects brace depth. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/serving/k8s_int.h"

/* Substring -> code, checked in order. */
static const struct {
	const char *needle;
	const char *code;
} rules[] = {
    {"node.kubernetes.io/not-ready", "node_not_ready"},
    {"node.kubernetes.io/unreachable", "node_not_ready"},
    {"untolerated taint", "untolerated_taint"},
    {"taints that the pod didn't tolerate", "untolerated_taint"},
    {"had taint", "untolerated_taint"},
    {"node affinity/selector", "node_affinity"},
    {"didn't match node selector", "node_affinity"},
    {"didn't match Pod's node affinity", "node_affinity"},
    {"pod affinity", "pod_affinity"},
    {"anti-affinity", "pod_affinity"},
    {"unbound immediate PersistentVolumeClaims", "unbound_pvc"},
    {"persistentvolumeclaim", "unbound_pvc"},
    {"volume node affinity conflict", "volume_node_affinity"},
    {"were unschedulable", "node_unschedulable"},
    {"Too many pods", "too_many_pods"},
    {"free ports", "host_ports"},
    {"topology spread constraints", "topology_spread"},
    {NULL, NULL},
};

/* Reads "N/M nodes are available: " at *pp. */
static int nodes_prefix(const char **pp, long *avail, long *total)
{
	const char *p = *pp;
	char *e;

	*avail = strtol(p, &e, 10);
	if (e == p || *e != '/')
		return -1;
	p = e + 1;
	*total = strtol(p, &e, 10);
	if (e == p || strncmp(e, " nodes are available", 20))
		return -1;
	p = e + 20;
	if (*p == ':')
		p++;
	while (*p == ' ')
		p++;
	*pp = p;
	return 0;
}

static char *trim_item(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	while (n && *s == ' ')
		s++, n--;
	return strndup(s, n);
}

/* Code of an item of the "preemption: ..." part. */
static const char *preemption_code(const char *text)
{
	if (strstr(text, "No preemption victims found"))
		return "no_victims";
	if (strstr(text, "Preemption is not helpful"))
		return "not_helpful";
	return "other";
}

/* gpu_res NULL: an item of the preemption part. */
static void classify(json_t *r, const char *text, const char *gpu_res)
{
	const char *code = "other", *taint;

	if (!gpu_res) {
		jset_str(r, "code", preemption_code(text));
		return;
	}
	if (str_starts(text, "Insufficient ")) {
		const char *res = text + 13;
		code = !strcmp(res, gpu_res) || strstr(res, "gpu")
			   ? "insufficient_gpu"
		       : !strcmp(res, "cpu")	? "insufficient_cpu"
		       : !strcmp(res, "memory") ? "insufficient_memory"
						: "insufficient_resource";
		jset_str(r, "resource", res);
	} else {
		for (int i = 0; rules[i].needle; i++)
			if (strstr(text, rules[i].needle)) {
				code = rules[i].code;
				break;
			}
	}
	if ((taint = strchr(text, '{')) != NULL) {
		const char *end = strrchr(text, '}');
		if (end && end > taint)
			json_object_set_new(
			    r, "taint",
			    json_stringn(taint, (size_t)(end - taint + 1)));
	}
	jset_str(r, "code", code);
}

/* Splits s (up to end) into items at ", " outside braces, stopping at a
 * ". " outside braces (or the end). Appends reasons. */
static void split_items(const char *s, const char *end, const char *gpu_res,
			json_t *reasons)
{
	int depth = 0;
	const char *start = s;

	for (const char *p = s; p <= end; p++) {
		int stop = p == end || (depth == 0 && *p == ',' && p[1] == ' ');
		if (p < end && (*p == '{' || *p == '['))
			depth++;
		else if (p < end && (*p == '}' || *p == ']') && depth > 0)
			depth--;
		if (!stop)
			continue;
		char *item = trim_item(start, (size_t)(p - start));
		if (*item) {
			json_t *r = json_object();
			char *rest;
			long n = strtol(item, &rest, 10);
			int counted = rest != item && *rest == ' ';
			classify(r, counted ? rest + 1 : item, gpu_res);
			/* a pod-level reason (unbound PVC) has no count */
			if (counted)
				jset_int(r, "count", n);
			else
				json_object_set_new(r, "count", json_null());
			jset_str(r, "text", counted ? rest + 1 : item);
			json_array_append_new(reasons, r);
		}
		free(item);
		start = p + 1;
	}
}

/* End of the reason list: ". " (or "." at the end) outside braces. */
static const char *list_end(const char *s)
{
	int depth = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && depth > 0)
			depth--;
		else if (depth == 0 && *p == '.' && (p[1] == ' ' || !p[1]))
			return p;
	}
	return p;
}

/* Parses "[N/M nodes are available: ]item, item. item." into out:
 * nodes_total, nodes_available and reasons. gpu_res NULL: preemption. */
static void parse_part(const char *text, const char *gpu_res, json_t *out)
{
	json_t *reasons = json_array();
	const char *p = text;
	long avail = -1, total = -1;

	if (nodes_prefix(&p, &avail, &total) == 0) {
		jset_int(out, "nodes_total", total);
		jset_int(out, "nodes_available", avail);
	} else {
		json_object_set_new(out, "nodes_total", json_null());
		json_object_set_new(out, "nodes_available", json_null());
	}
	/* "pod has unbound ... PersistentVolumeClaims. " may precede the
	 * counted list in some versions: take every sentence. */
	while (*p) {
		const char *e = list_end(p);
		split_items(p, e, gpu_res, reasons);
		p = *e ? e + 1 : e;
		while (*p == ' ')
			p++;
	}
	json_object_set_new(out, "reasons", reasons);
}

json_t *k8s_sched_parse(const char *msg, const char *gpu_res)
{
	json_t *out = json_object(), *pr;
	const char *pre = strstr(msg, "preemption: ");
	char *main = pre ? strndup(msg, (size_t)(pre - msg)) : xstrdup(msg);

	parse_part(main, gpu_res, out);
	if (pre) {
		pr = json_object();
		jset_str(pr, "text", pre + 12);
		parse_part(pre + 12, NULL, pr);
		json_object_set_new(out, "preemption", pr);
	} else {
		json_object_set_new(out, "preemption", json_null());
	}
	free(main);
	return out;
}
