/* test_probe_k8s.c: unit tests of the k8s probe: scheduler message
 * classification (real wordings, odd and hostile text), quantities and
 * pod requests, loading kubectl JSON (lists, typed lists, broken and
 * truncated files), and the facts of a whole cluster fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/serving/k8s_int.h"
#include "probe/probe.h"

static const char *const GPU = "nvidia.com/gpu";

static json_t *run_probe(const char *file, const char *extra_json,
			 struct ml_err *err, int *rc);

static const json_t *reason(const json_t *p, size_t i)
{
	return json_array_get(json_object_get(p, "reasons"), i);
}

static void test_sched_gpu_taint(void **state)
{
	json_t *p = k8s_sched_parse(
	    "0/12 nodes are available: 4 Insufficient nvidia.com/gpu, 8 "
	    "node(s) had untolerated taint {nvidia.com/gpu: present}. "
	    "preemption: 0/12 nodes are available: 12 No preemption "
	    "victims found for incoming pod.",
	    GPU);
	const json_t *pre;
	(void)state;

	assert_int_equal(jget_int(p, "nodes_total", -1), 12);
	assert_int_equal(jget_int(p, "nodes_available", -1), 0);
	assert_int_equal(json_array_size(json_object_get(p, "reasons")), 2);
	assert_string_equal(jget_str(reason(p, 0), "code", ""),
			    "insufficient_gpu");
	assert_int_equal(jget_int(reason(p, 0), "count", 0), 4);
	assert_string_equal(jget_str(reason(p, 0), "resource", ""), GPU);
	assert_string_equal(jget_str(reason(p, 1), "code", ""),
			    "untolerated_taint");
	assert_int_equal(jget_int(reason(p, 1), "count", 0), 8);
	assert_string_equal(jget_str(reason(p, 1), "taint", ""),
			    "{nvidia.com/gpu: present}");
	pre = json_object_get(p, "preemption");
	assert_string_equal(jget_str(pre, "text", ""),
			    "0/12 nodes are available: 12 No preemption "
			    "victims found for incoming pod.");
	assert_int_equal(jget_int(pre, "nodes_total", 0), 12);
	assert_string_equal(jget_str(reason(pre, 0), "code", ""), "no_victims");
	assert_int_equal(jget_int(reason(pre, 0), "count", 0), 12);
	json_decref(p);
}

struct want {
	const char *msg;
	const char *codes; /* space-separated codes in order */
};

static void check_codes(const char *msg, const char *codes)
{
	json_t *p = k8s_sched_parse(msg, GPU);
	struct buf got = BUF_INIT;
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(p, "reasons"), i, r)
	    buf_printf(&got, "%s%s", i ? " " : "", jget_str(r, "code", "?"));
	if (strcmp(buf_str(&got), codes))
		fail_msg("%s\n  want: %s\n  got:  %s", msg, codes,
			 buf_str(&got));
	buf_free(&got);
	json_decref(p);
}

static void test_sched_wordings(void **state)
{
	static const struct want w[] = {
	    {"0/12 nodes are available: 4 Insufficient nvidia.com/gpu, 8 "
	     "node(s) didn't match Pod's node affinity/selector. "
	     "preemption: 0/12 nodes are available: 12 Preemption is not "
	     "helpful for scheduling.",
	     "insufficient_gpu node_affinity"},
	    {"0/12 nodes are available: pod has unbound immediate "
	     "PersistentVolumeClaims. preemption: 0/12 nodes are "
	     "available: 12 Preemption is not helpful for scheduling.",
	     "unbound_pvc"},
	    {"pod has unbound immediate PersistentVolumeClaims.",
	     "unbound_pvc"},
	    {"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient "
	     "memory.",
	     "insufficient_cpu insufficient_memory"},
	    {"0/5 nodes are available: 1 node(s) had untolerated taint "
	     "{node-role.kubernetes.io/control-plane: }, 4 node(s) didn't "
	     "match Pod's node affinity/selector.",
	     "untolerated_taint node_affinity"},
	    {"0/5 nodes are available: 5 node(s) had taints that the pod "
	     "didn't tolerate.",
	     "untolerated_taint"},
	    {"0/4 nodes are available: 1 node(s) had untolerated taint "
	     "{node.kubernetes.io/not-ready: }, 1 node(s) were "
	     "unschedulable, 2 Insufficient amd.com/gpu.",
	     "node_not_ready node_unschedulable insufficient_gpu"},
	    {"0/6 nodes are available: 2 node(s) didn't match pod "
	     "anti-affinity rules, 2 node(s) had volume node affinity "
	     "conflict, 1 Too many pods, 1 node(s) didn't have free ports "
	     "for the requested pod ports.",
	     "pod_affinity volume_node_affinity too_many_pods host_ports"},
	    {"0/3 nodes are available: 3 node(s) didn't match pod "
	     "topology spread constraints.",
	     "topology_spread"},
	    {"0/2 nodes are available: 2 Insufficient "
	     "ephemeral-storage.",
	     "insufficient_resource"},
	    {"0/2 nodes are available: 2 node(s) had untolerated taint "
	     "{team: a, b}. preemption: x", /* a comma inside braces */
	     "untolerated_taint"},
	    {"something new the scheduler says", "other"},
	    {"", ""},
	    {"0/ nodes are available", "other"},
	    {"12/", "other"},
	    {"{{{{ , , }}. . ", "other"},
	    {"preemption: ", ""},
	    {"0/1 nodes are available: %s%n%x. preemption: %n", "other"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		check_codes(w[i].msg, w[i].codes);
}

static void test_sched_preemption(void **state)
{
	json_t *p = k8s_sched_parse(
	    "0/12 nodes are available: 4 Insufficient cpu, 4 Insufficient "
	    "memory, 8 node(s) had untolerated taint {nvidia.com/gpu: "
	    "present}. preemption: 0/12 nodes are available: 4 No "
	    "preemption victims found for incoming pod, 8 Preemption is "
	    "not helpful for scheduling.",
	    GPU);
	const json_t *pre = json_object_get(p, "preemption");
	(void)state;

	assert_int_equal(json_array_size(json_object_get(p, "reasons")), 3);
	assert_int_equal(json_array_size(json_object_get(pre, "reasons")), 2);
	assert_string_equal(jget_str(reason(pre, 0), "code", ""), "no_victims");
	assert_string_equal(jget_str(reason(pre, 1), "code", ""),
			    "not_helpful");
	assert_int_equal(jget_int(reason(pre, 1), "count", 0), 8);
	json_decref(p);
}

static void test_preempting_pod(void **state)
{
	struct ml_err err;
	int rc;
	json_t *f = run_probe("preempting.json", NULL, &err, &rc);
	const json_t *p = json_array_get(json_object_get(f, "pending"), 0);
	(void)state;

	assert_int_equal(rc, 0);
	assert_string_equal(jget_str(p, "nominated_node", ""), "gpu-node-3");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "reasons"), 0), "code",
		     ""),
	    "pod_preempting");
	json_decref(f);
}

static void test_sched_pod_level_count(void **state)
{
	json_t *p = k8s_sched_parse("0/12 nodes are available: pod has "
				    "unbound immediate "
				    "PersistentVolumeClaims.",
				    GPU);
	(void)state;
	assert_true(json_is_null(json_object_get(reason(p, 0), "count")));
	assert_true(json_is_null(json_object_get(p, "preemption")));
	json_decref(p);
}

static void test_sched_huge(void **state)
{
	struct buf b = BUF_INIT;
	json_t *p;
	(void)state;

	buf_puts(&b, "0/100000 nodes are available: ");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "%s5 Insufficient r%d", i ? ", " : "", i);
	buf_puts(&b, ".");
	p = k8s_sched_parse(b.data, GPU);
	assert_int_equal(json_array_size(json_object_get(p, "reasons")), 20000);
	json_decref(p);
	buf_free(&b);
}

static void test_quantity(void **state)
{
	double v;
	(void)state;
	assert_int_equal(k8s_quantity("500m", &v), 0);
	assert_float_equal(v, 0.5, 1e-12);
	assert_int_equal(k8s_quantity("16Gi", &v), 0);
	assert_float_equal(v, 16.0 * 1073741824, 0);
	assert_int_equal(k8s_quantity("2", &v), 0);
	assert_float_equal(v, 2, 0);
	assert_int_equal(k8s_quantity("1e3", &v), 0);
	assert_float_equal(v, 1000, 0);
	assert_int_equal(k8s_quantity("1.5k", &v), 0);
	assert_float_equal(v, 1500, 0);
	assert_int_equal(k8s_quantity("2037276508Ki", &v), 0);
	assert_int_equal(k8s_quantity("abc", &v), -1);
	assert_int_equal(k8s_quantity("", &v), -1);
	assert_int_equal(k8s_quantity(NULL, &v), -1);
	assert_int_equal(k8s_quantity("0x10", &v), -1);
	assert_int_equal(k8s_quantity("1Zi", &v), -1);
	assert_int_equal(k8s_quantity("inf", &v), -1);
	assert_int_equal(k8s_quantity("1e999", &v), -1);
}

static void test_pod_request(void **state)
{
	json_error_t je;
	json_t *pod = json_loads(
	    "{\"spec\": {\"containers\": ["
	    "{\"resources\": {\"requests\": {\"nvidia.com/gpu\": \"2\", "
	    "\"cpu\": \"500m\"}}},"
	    "{\"resources\": {\"limits\": {\"nvidia.com/gpu\": 1}}},"
	    "{\"resources\": \"junk\"}, 7],"
	    "\"initContainers\": [{\"resources\": {\"requests\": "
	    "{\"cpu\": \"4\"}}}],"
	    "\"overhead\": {\"cpu\": \"250m\"}, \"nodeName\": \"n1\"}}",
	    0, &je);
	(void)state;
	assert_non_null(pod);
	assert_float_equal(k8s_pod_request(pod, GPU), 3, 0);
	assert_float_equal(k8s_pod_request(pod, "cpu"), 4.25, 1e-12);
	assert_float_equal(k8s_pod_request(pod, "memory"), 0, 0);
	assert_true(k8s_pod_scheduled(pod));
	json_decref(pod);
}

static int load_text(const char *text, json_t **items, struct ml_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	int rc;

	*items = json_array();
	ml_err_clear(err);
	if (!doc)
		fail_msg("test JSON does not parse: %s", je.text);
	rc = k8s_load_doc(doc, "t.json", *items, err);
	json_decref(doc);
	return rc;
}

static void test_load_doc_shapes(void **state)
{
	struct ml_err err;
	json_t *items;
	(void)state;

	assert_int_equal(load_text("{\"kind\": \"PodList\", \"items\": "
				   "[{\"metadata\": {\"name\": \"a\"}}]}",
				   &items, &err),
			 0);
	assert_string_equal(jget_str(json_array_get(items, 0), "kind", ""),
			    "Pod");
	json_decref(items);
	assert_int_equal(load_text("{\"kind\": \"Node\", \"metadata\": "
				   "{\"name\": \"n\"}}",
				   &items, &err),
			 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	assert_int_equal(load_text("[1, 2]", &items, &err), ML_EINPUT);
	assert_non_null(strstr(err.msg, "not a Kubernetes object"));
	json_decref(items);
	assert_int_equal(load_text("{\"kind\": \"List\"}", &items, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "items"));
	json_decref(items);
	assert_int_equal(load_text("{\"kind\": \"List\", \"items\": [{\"kind\":"
				   " \"Pod\", \"metadata\": {}}]}",
				   &items, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "items[0] has no metadata.name"));
	json_decref(items);
	assert_int_equal(load_text("{\"kind\": \"List\", \"items\": [{"
				   "\"metadata\": {\"name\": \"x\"}}]}",
				   &items, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "no \"kind\""));
	json_decref(items);
	assert_int_equal(
	    load_text("{\"kind\": \"List\", \"items\": [3]}", &items, &err),
	    ML_EINPUT);
	json_decref(items);
}

static char *fixture(const char *name)
{
	const char *dir = getenv("ML_FIXTURES");
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/k8s/%s", dir ? dir : "tests/fixtures", name);
	return buf_detach(&b, NULL);
}

static json_t *run_probe(const char *file, const char *extra_json,
			 struct ml_err *err, int *rc)
{
	json_t *args =
		   extra_json ? json_loads(extra_json, 0, NULL) : json_object(),
	       *facts = NULL;
	char *path = file ? fixture(file) : NULL;

	if (path)
		json_object_set_new(args, "from", json_pack("[s]", path));
	ml_err_clear(err);
	*rc = probe_run(probe_find("k8s"), args, 0, NULL, NULL, &facts, err);
	json_decref(args);
	free(path);
	return facts;
}

/* Bad JSON names file:line:col; every prefix of a file fails cleanly. */
static void test_load_broken_files(void **state)
{
	char *path = fixture("trainer-pending.json"), tmp[] = "/tmp/k8sXXXXXX";
	struct buf text = BUF_INIT;
	struct ml_err err;
	json_t *args, *facts;
	int fd = mkstemp(tmp), rc;
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(buf_read_file(&text, path, 0), 0);
	for (size_t cut = 0; cut < text.len; cut += 23) {
		FILE *f = fopen(tmp, "w");
		fwrite(text.data, 1, cut, f);
		fclose(f);
		args = json_pack("{s:[s]}", "from", tmp);
		ml_err_clear(&err);
		facts = NULL;
		rc = probe_run(probe_find("k8s"), args, 0, NULL, NULL, &facts,
			       &err);
		assert_int_equal(rc, ML_EINPUT);
		assert_null(facts);
		assert_string_equal(err.file, tmp);
		assert_true(err.line >= 1);
		json_decref(args);
	}
	/* not UTF-8 */
	FILE *f = fopen(tmp, "w");
	fputs("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"\xff\"}}", f);
	fclose(f);
	args = json_pack("{s:[s]}", "from", tmp);
	assert_int_equal(
	    probe_run(probe_find("k8s"), args, 0, NULL, NULL, &facts, &err),
	    ML_EINPUT);
	json_decref(args);
	unlink(tmp);
	buf_free(&text);
	free(path);
	facts = run_probe("no-such.json", NULL, &err, &rc);
	assert_int_equal(rc, ML_ENOTFOUND);
}

static const json_t *pending_pod(const json_t *f, const char *name)
{
	const json_t *p;
	size_t i;

	json_array_foreach(
	    json_object_get(f, "pending"), i,
	    p) if (!strcmp(jget_str(p, "name", ""), name)) return p;
	fail_msg("no pending pod %s", name);
	return NULL;
}

static int has_suggestion(const json_t *f, const char *code)
{
	const json_t *s;
	size_t i;

	json_array_foreach(
	    json_object_get(f, "suggestions"), i,
	    s) if (!strcmp(jget_str(s, "code", ""), code)) return 1;
	return 0;
}

static void test_cluster_facts(void **state)
{
	struct ml_err err;
	int rc;
	json_t *f = run_probe("cluster.json", NULL, &err, &rc);
	const json_t *t, *rc_, *p, *n;
	(void)state;

	assert_int_equal(rc, 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_int_equal(jget_int(f, "pending_count", 0), 6);
	rc_ = json_object_get(f, "reason_counts");
	assert_int_equal(jget_int(rc_, "insufficient_gpu", 0), 3);
	assert_int_equal(jget_int(rc_, "untolerated_taint", 0), 2);
	assert_int_equal(jget_int(rc_, "node_affinity", 0), 1);
	assert_int_equal(jget_int(rc_, "unbound_pvc", 0), 1);
	assert_int_equal(jget_int(rc_, "insufficient_cpu", 0), 1);
	t = json_object_get(f, "totals");
	assert_int_equal(jget_int(t, "nodes", 0), 12);
	assert_float_equal(jget_num(t, "gpu_allocatable", 0), 64, 0);
	assert_float_equal(jget_num(t, "gpu_requested", 0), 56, 0);
	assert_float_equal(jget_num(t, "gpu_free", 0), 8, 0);
	assert_float_equal(jget_num(t, "gpu_free_max_node", 0), 4, 0);
	assert_float_equal(jget_num(t, "pending_gpu_requested", 0), 28, 0);
	n = json_array_get(json_object_get(f, "nodes"), 7);
	assert_string_equal(jget_str(n, "name", ""), "gpu-node-7");
	assert_float_equal(jget_num(n, "gpu_requested", 0), 4, 0);
	assert_int_equal(jget_int(n, "pods", 0), 2);
	p = pending_pod(f, "finetune-llama-0");
	assert_int_equal(jget_int(p, "pending_for_s", 0), 720);
	assert_int_equal(jget_int(p, "failed_scheduling_events", 0), 14);
	assert_float_equal(jget_num(p, "gpu_request", 0), 8, 0);
	p = pending_pod(f, "batch-infer-7f9c");
	assert_int_equal(jget_int(p, "failed_scheduling_events", 0), 4);
	assert_string_equal(jget_str(json_object_get(p, "node_selector"),
				     "nvidia.com/gpu.product", ""),
			    "NVIDIA-A100-SXM4-80GB");
	p = pending_pod(f, "ranker-1");
	assert_true(jget_bool(p, "scheduled", 0));
	assert_string_equal(jget_str(p, "waiting", ""), "ContainerCreating");
	assert_float_equal(
	    jget_num(pending_pod(f, "train-16gpu-0"), "cpu_request", 0), 96, 0);
	assert_true(has_suggestion(f, "scale_gpu_pool"));
	assert_true(has_suggestion(f, "lower_request"));
	assert_true(has_suggestion(f, "tolerate_taint"));
	assert_true(has_suggestion(f, "relax_affinity"));
	assert_true(has_suggestion(f, "bind_pvc"));
	assert_false(has_suggestion(f, "repair_nodes"));
	json_decref(f);
	/* namespace scope */
	f = run_probe("cluster.json", "{\"namespace\": \"data\"}", &err, &rc);
	assert_int_equal(jget_int(f, "pending_count", 0), 1);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
}

/* The verify step: k8s.scheduled for one pod, before and after. */
static void test_pod_verify(void **state)
{
	struct ml_err err;
	int rc;
	json_t *f = run_probe("trainer-pending.json",
			      "{\"pod\": "
			      "\"trainer-0\"}",
			      &err, &rc);
	(void)state;

	assert_int_equal(rc, 0);
	assert_false(jget_bool(f, "scheduled", 1));
	assert_int_equal(jget_int(f, "pending_for_s", 0), 45);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	f = run_probe("trainer-pending.json",
		      "{\"pod\": \"trainer-0\", \"max_pending\": \"30s\"}",
		      &err, &rc);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	json_decref(f);
	f = run_probe("trainer-scheduled.json", "{\"pod\": \"trainer-0\"}",
		      &err, &rc);
	assert_true(jget_bool(f, "scheduled", 0));
	assert_int_equal(jget_int(f, "pending_for_s", 1), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(json_object_get(f, "pod"), "node", ""),
			    "gpu-node-6");
	json_decref(f);
	f = run_probe("trainer-scheduled.json", "{\"pod\": \"trainer-9\"}",
		      &err, &rc);
	assert_false(jget_bool(f, "scheduled", 1));
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
}

static void test_not_ready(void **state)
{
	struct ml_err err;
	int rc;
	json_t *f = run_probe("node-notready.json", NULL, &err, &rc);
	(void)state;

	assert_int_equal(rc, 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_float_equal(
	    jget_num(json_object_get(f, "totals"), "gpu_free", 0), 8,
	    0); /* the NotReady node's GPUs do not count */
	assert_int_equal(
	    jget_int(json_object_get(f, "totals"), "nodes_ready", 0), 1);
	json_decref(f);
}

/* Objects of the right kind with fields of the wrong types. */
static void test_wrong_types(void **state)
{
	char tmp[] = "/tmp/k8swXXXXXX";
	int fd = mkstemp(tmp), rc;
	struct ml_err err;
	json_t *args, *f = NULL;
	static const char doc[] =
	    "{\"kind\": \"List\", \"items\": ["
	    "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", "
	    "\"namespace\": 7, \"creationTimestamp\": \"yesterday\"}, "
	    "\"spec\": \"junk\", \"status\": {\"phase\": \"Pending\", "
	    "\"conditions\": [{\"type\": \"PodScheduled\", \"status\": "
	    "\"False\", \"message\": 42}, \"x\"]}},"
	    "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"q\"}, "
	    "\"spec\": {\"containers\": {\"a\": 1}, \"nodeName\": 5}, "
	    "\"status\": \"?\"},"
	    "{\"kind\": \"Node\", \"metadata\": {\"name\": \"n\", "
	    "\"labels\": []}, \"spec\": {\"taints\": [1, {\"key\": 2}]}, "
	    "\"status\": {\"allocatable\": {\"nvidia.com/gpu\": \"lots\"}, "
	    "\"capacity\": [], \"conditions\": {}}},"
	    "{\"kind\": \"Event\", \"metadata\": {\"name\": \"e\"}, "
	    "\"reason\": \"FailedScheduling\", \"involvedObject\": "
	    "{\"kind\": \"Pod\", \"name\": \"p\"}, \"count\": \"many\", "
	    "\"message\": \"%s%s%n {{{\"},"
	    "{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}]}";
	(void)state;

	assert_true(write(fd, doc, strlen(doc)) == (ssize_t)strlen(doc));
	close(fd);
	args = json_pack("{s:[s]}", "from", tmp);
	ml_err_clear(&err);
	rc = probe_run(probe_find("k8s"), args, 0, NULL, NULL, &f, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(jget_int(f, "pending_count", 0), 1);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	json_decref(args);
	unlink(tmp);
}

static void test_render(void **state)
{
	struct ml_err err;
	struct buf out = BUF_INIT;
	int rc;
	json_t *f = run_probe("cluster.json", NULL, &err, &rc);
	(void)state;

	probe_find("k8s")->render(f, &out);
	assert_non_null(strstr(out.data, "gpu-node-7               yes    "
					 "8/8/4/4"));
	assert_non_null(strstr(out.data, "unbound_pvc            -  pod has"));
	assert_non_null(strstr(out.data, "lower the request: "
					 "ml/train-16gpu-0 asks for 16"));
	buf_free(&out);
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sched_gpu_taint),
	    cmocka_unit_test(test_sched_wordings),
	    cmocka_unit_test(test_sched_preemption),
	    cmocka_unit_test(test_sched_pod_level_count),
	    cmocka_unit_test(test_preempting_pod),
	    cmocka_unit_test(test_sched_huge),
	    cmocka_unit_test(test_quantity),
	    cmocka_unit_test(test_pod_request),
	    cmocka_unit_test(test_load_doc_shapes),
	    cmocka_unit_test(test_load_broken_files),
	    cmocka_unit_test(test_cluster_facts),
	    cmocka_unit_test(test_pod_verify),
	    cmocka_unit_test(test_not_ready),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_render),
	};
	setenv("MLONCALL_NOW", "2026-11-23T09:00:00Z", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
