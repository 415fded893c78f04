/* nvlink_facts.c: the topology facts of the nvlink probe: the `topo -m`
 * matrix as JSON, GPU pairs by connection, pairs that lack the NVLink they
 * are expected to have, and the GPUs a job got (--gpus). */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/gpu/nvlink.h"
#include "probe/probe.h"

/* Most pairs named one by one in a reason message. */
#define NVL_PAIRS_IN_MSG 6

/* Rank of a connection: NV# best (more links better), SYS worst; 0 for X
 * or anything unknown. */
static int conn_rank(const char *c)
{
	static const char *const pcie[] = {"SYS", "NODE", "PHB", "PXB", "PIX"};

	if (!c)
		return 0;
	if (!strncmp(c, "NV", 2) && c[2] >= '0' && c[2] <= '9')
		return 100 + atoi(c + 2) % 100000;
	for (int i = 0; i < 5; i++)
		if (!strcmp(c, pcie[i]))
			return i + 1;
	return 0;
}

static int is_gpu(const char *s)
{
	return !strncmp(s, "GPU", 3) && s[3] >= '0' && s[3] <= '9';
}

/* The connection of devices i and j (the row of i, else the row of j). */
static const char *conn(const struct nvlink_topo *t, size_t i, size_t j)
{
	const char *c = t->cell[i * t->ndev + j];
	return c ? c : t->cell[j * t->ndev + i];
}

static json_t *matrix_json(const struct nvlink_topo *t)
{
	json_t *o = json_object(), *m = json_object(), *aff = json_object();
	json_t *devs = json_array();

	for (size_t i = 0; i < t->ndev; i++) {
		json_t *r = json_object();
		json_array_append_new(devs, json_string(t->dev[i]));
		for (size_t j = 0; j < t->ndev; j++)
			jset_str(r, t->dev[j], t->cell[i * t->ndev + j]);
		json_object_set_new(m, t->dev[i], r);
		if (is_gpu(t->dev[i]))
			json_object_set_new(
			    aff, t->dev[i],
			    json_pack("{s:s?, s:s?, s:s?}", "cpu",
				      t->cpu_aff[i], "numa", t->numa_aff[i],
				      "gpu_numa_id", t->gpu_numa[i]));
	}
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "matrix", m);
	json_object_set_new(o, "affinity", aff);
	if (t->nic_names)
		json_object_set(o, "nics", t->nic_names);
	else
		json_object_set_new(o, "nics", json_object());
	return o;
}

struct nvlink_pairs {
	long total, nv;
	int maxnv;
	json_t *counts;
};

static void count_pairs(const struct nvlink_topo *t, struct nvlink_pairs *p)
{
	p->counts = json_object();
	for (size_t i = 0; i < t->ndev; i++)
		for (size_t j = i + 1; j < t->ndev; j++) {
			const char *c = conn(t, i, j);
			int r = conn_rank(c);
			if (!is_gpu(t->dev[i]) || !is_gpu(t->dev[j]) || !c)
				continue;
			p->total++;
			json_object_set_new(
			    p->counts, c,
			    json_integer(json_integer_value(
					     json_object_get(p->counts, c)) +
					 1));
			if (r >= 100) {
				p->nv++;
				if (r > p->maxnv)
					p->maxnv = r;
			}
		}
}

/* Lists GPU pairs short of NVLink and adds the reasons when expected. */
static void short_pairs(json_t *facts, const struct nvlink_topo *t,
			const struct nvlink_pairs *p, int expected)
{
	json_t *without = json_array();
	struct buf w = BUF_INIT, f = BUF_INIT;
	long nw = 0, nf = 0;

	for (size_t i = 0; i < t->ndev; i++)
		for (size_t j = i + 1; j < t->ndev; j++) {
			const char *c = conn(t, i, j);
			int r = conn_rank(c);
			if (!is_gpu(t->dev[i]) || !is_gpu(t->dev[j]) || !c)
				continue;
			if (r < 100) {
				json_array_append_new(
				    without,
				    json_pack("{s:s, s:s, s:s}", "a", t->dev[i],
					      "b", t->dev[j], "link", c));
				if (nw++ < NVL_PAIRS_IN_MSG)
					buf_printf(&w, "%s%s-%s %s",
						   w.len ? ", " : "", t->dev[i],
						   t->dev[j], c);
			} else if (r < p->maxnv && nf++ < NVL_PAIRS_IN_MSG) {
				buf_printf(&f, "%s%s-%s %s", f.len ? ", " : "",
					   t->dev[i], t->dev[j], c);
			}
		}
	if (expected && nw)
		probe_reason(facts, PV_DEGRADED, "pair-without-nvlink",
			     "%ld GPU pair(s) expected on NVLink go over "
			     "PCIe/SMP: %s%s",
			     nw, buf_str(&w),
			     nw > NVL_PAIRS_IN_MSG ? ", ..." : "");
	if (expected && nf)
		probe_reason(facts, PV_DEGRADED, "pair-fewer-nvlinks",
			     "%ld GPU pair(s) have fewer NVLinks than NV%d: "
			     "%s%s",
			     nf, p->maxnv - 100, buf_str(&f),
			     nf > NVL_PAIRS_IN_MSG ? ", ..." : "");
	jset_int(facts, "pairs_without_nvlink_count", (long long)nw);
	json_object_set_new(facts, "pairs_without_nvlink", without);
	buf_free(&w);
	buf_free(&f);
}

/* Parses "0,1,2,3" into device indices of t (GPUn). */
static int pick(const struct nvlink_topo *t, const char *gpus, size_t **idx,
		size_t *n, struct ml_err *err)
{
	const char *p = gpus;

	*idx = NULL;
	*n = 0;
	while (*p) {
		char *end, name[32];
		long v = strtol(p, &end, 10);
		size_t k;
		if (end == p || v < 0 || v > 99999 || (*end && *end != ','))
			return ml_err_set(err, ML_EUSAGE,
					  "--gpus must be GPU indices like "
					  "0,1,2,3, not `%.40s`",
					  gpus);
		snprintf(name, sizeof(name), "GPU%ld", v);
		for (k = 0; k < t->ndev && strcmp(t->dev[k], name); k++)
			;
		if (k == t->ndev) {
			free(*idx);
			return ml_err_set(err, ML_EINPUT,
					  "--gpus: %s is not in the topo -m "
					  "matrix",
					  name);
		}
		*idx = xrealloc(*idx, (*n + 1) * sizeof(**idx));
		(*idx)[(*n)++] = k;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int selected(json_t *facts, const struct nvlink_topo *t,
		    const char *gpus, int node_has_nv, struct ml_err *err)
{
	size_t *idx, n;
	json_t *o, *list = json_array(), *numa = json_array();
	const char *worst = NULL;
	int rc = pick(t, gpus, &idx, &n, err);

	if (rc) {
		json_decref(list);
		json_decref(numa);
		return rc;
	}
	for (size_t a = 0; a < n; a++) {
		const char *nn = t->numa_aff[idx[a]];
		int seen = 0;
		json_array_append_new(list,
				      json_integer(atoi(t->dev[idx[a]] + 3)));
		for (size_t k = 0; k < json_array_size(numa); k++)
			seen |=
			    nn &&
			    !strcmp(json_string_value(json_array_get(numa, k)),
				    nn);
		if (nn && !seen)
			json_array_append_new(numa, json_string(nn));
		for (size_t b = a + 1; b < n; b++) {
			const char *c = conn(t, idx[a], idx[b]);
			if (c && (!worst || conn_rank(c) < conn_rank(worst)))
				worst = c;
		}
	}
	o = json_pack("{s:o, s:s?, s:b, s:o, s:b}", "gpus", list, "worst_link",
		      worst, "all_nvlink", !worst || conn_rank(worst) >= 100,
		      "numa_nodes", numa, "same_numa",
		      json_array_size(numa) <= 1);
	if (worst && conn_rank(worst) < 100 && node_has_nv)
		probe_reason(facts, PV_DEGRADED, "selected-without-nvlink",
			     "GPUs %s include a pair over %s although this "
			     "node has NVLink: the job was placed "
			     "topology-unaware",
			     gpus, worst);
	if (json_array_size(numa) > 1)
		probe_reason(facts, PV_HEALTHY, "selected-cross-numa",
			     "GPUs %s span %zu NUMA nodes", gpus,
			     json_array_size(numa));
	json_object_set_new(facts, "selected", o);
	free(idx);
	return 0;
}

int nvlink_topo_facts(json_t *facts, const struct nvlink_data *d,
		      const char *expect, const char *gpus, struct ml_err *err)
{
	const struct nvlink_topo *t = &d->topo;
	struct nvlink_pairs p = {0, 0, 0, NULL};
	json_t *o;
	int expected;

	if (!d->saw_topo || !t->ndev) {
		json_object_set_new(facts, "topology", json_null());
		jset_int(facts, "pairs_without_nvlink_count", 0);
		json_object_set_new(facts, "pairs_without_nvlink",
				    json_array());
		json_object_set_new(facts, "selected", json_null());
		if (gpus)
			return ml_err_set(err, ML_EINPUT,
					  "--gpus needs `nvidia-smi topo -m` "
					  "output, and the input has none");
		return 0;
	}
	o = matrix_json(t);
	count_pairs(t, &p);
	expected = !strcmp(expect, "all") ||
		   (!strcmp(expect, "auto") && p.nv && p.nv * 3 >= p.total * 2);
	json_object_set_new(o, "pair_counts", p.counts);
	jset_int(o, "gpu_pairs", p.total);
	jset_int(o, "nvlink_pairs", p.nv);
	jset_bool(o, "nvlink_expected", expected);
	json_object_set_new(facts, "topology", o);
	for (size_t i = 0; i < t->ndev; i++)
		if (is_gpu(t->dev[i]) && !t->row_seen[i])
			probe_reason(facts, PV_UNKNOWN, "topo-incomplete",
				     "topo -m matrix has no row for %s "
				     "(truncated output?)",
				     t->dev[i]);
	short_pairs(facts, t, &p, expected);
	if (!gpus) {
		json_object_set_new(facts, "selected", json_null());
		return 0;
	}
	return selected(facts, t, gpus, p.nv > 0, err);
}
