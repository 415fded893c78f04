/* nvlink.c: the `nvlink` probe: NVLink state per GPU (`nvidia-smi nvlink
 * -s`: link speeds, inactive links), link error counters (`nvlink -e`)
 * and the GPU topology matrix (`nvidia-smi topo -m`: which GPU pairs talk
 * over NVLink, which over PCIe/SMP, CPU and NUMA affinity). Live, or from
 * recorded output. Facts schema: docs/probes/nvlink.md. */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/gpu/nvlink.h"
#include "probe/probe.h"
#include "probe/toolio.h"

/* Timeout of each live nvidia-smi call. */
#define NVL_TIMEOUT_MS 30000

static json_t *link_json(const struct nvlink_link *l)
{
	static const char *const st[] = {"unknown", "active", "inactive"};
	json_t *o = json_object();

	jset_int(o, "link", l->id);
	jset_str(o, "state", st[l->state]);
	if (l->speed_gbs >= 0)
		jset_real(o, "speed_gbs", l->speed_gbs);
	else
		json_object_set_new(o, "speed_gbs", json_null());
	if (l->status)
		jset_str(o, "status", l->status);
	if (l->errors)
		json_object_set(o, "errors", l->errors);
	else
		json_object_set_new(o, "errors", json_object());
	return o;
}

static long long errors_sum(const json_t *errors)
{
	const char *k;
	json_t *v;
	long long s = 0;

	json_object_foreach((json_t *)errors, k, v) s += json_integer_value(v);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The most common active link speed over all GPUs (-1: none); *max the
 * fastest. */
static double usual_speed(const struct nvlink_data *d, double *max)
{
	double *v = NULL, best = -1;
	size_t n = 0, best_n = 0;

	for (size_t i = 0; i < d->ngpus; i++)
		for (size_t k = 0; k < d->gpus[i].nlinks; k++)
			if (d->gpus[i].links[k].state == NVL_ACTIVE) {
				v = xrealloc(v, (n + 1) * sizeof(*v));
				v[n++] = d->gpus[i].links[k].speed_gbs;
			}
	if (n)
		qsort(v, n, sizeof(*v), cmp_double);
	*max = n ? v[n - 1] : -1;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && v[j] == v[i]; j++)
			;
		if (j - i > best_n) {
			best_n = j - i;
			best = v[i];
		}
	}
	free(v);
	return best;
}

struct nvlink_opts {
	const char *expect_nvlink; /* auto | all | none */
	long long expect_links, max_errors;
	const char *gpus;
};

/* Totals over all GPUs, filled while each GPU is described. */
struct nvlink_tot {
	json_t *inactive, *with_errors, *counters;
	long long active, ninactive, maxlinks;
	double max;
};

/* Sums over the links of one GPU. */
struct nvlink_gsum {
	long long a, in, un, etot;
	double bw;
	struct buf ids;
};

/* Counts one link into its GPU's sums and the totals; adds its
 * reasons. */
static void link_facts(json_t *facts, const struct nvlink_gpu *g,
		       const struct nvlink_link *l, const struct nvlink_opts *o,
		       struct nvlink_gsum *s, struct nvlink_tot *t)
{
	long long e = l->errors ? errors_sum(l->errors) : 0;
	const char *key;
	json_t *v;

	s->a += l->state == NVL_ACTIVE;
	s->un += l->state == NVL_UNKNOWN && l->status;
	if (l->state == NVL_ACTIVE)
		s->bw += l->speed_gbs;
	if (l->state == NVL_INACTIVE) {
		s->in++;
		buf_printf(&s->ids, "%s%d", s->ids.len ? "," : "", l->id);
		json_array_append_new(
		    t->inactive,
		    json_pack("{s:i, s:i}", "gpu", g->index, "link", l->id));
	}
	if (l->state == NVL_ACTIVE && t->max > 0 && l->speed_gbs < 0.9 * t->max)
		probe_reason(facts, PV_DEGRADED, "link-slow",
			     "GPU %d link %d runs at %.3f GB/s, others at "
			     "%.3f GB/s",
			     g->index, l->id, l->speed_gbs, t->max);
	json_object_foreach(l->errors, key, v)
	{
		json_t *c = json_object_get(t->counters, key);
		json_object_set_new(t->counters, key,
				    json_integer(json_integer_value(c) +
						 json_integer_value(v)));
	}
	s->etot += e;
	if (e > o->max_errors) {
		json_array_append_new(t->with_errors,
				      json_pack("{s:i, s:i, s:O}", "gpu",
						g->index, "link", l->id,
						"errors", l->errors));
		probe_reason(facts, PV_DEGRADED, "link-errors",
			     "GPU %d link %d: %lld NVLink error(s) "
			     "(CRC/replay/recovery), more than %lld",
			     g->index, l->id, e, o->max_errors);
	}
}

static json_t *gpu_facts(json_t *facts, const struct nvlink_gpu *g,
			 const struct nvlink_opts *o, struct nvlink_tot *t)
{
	json_t *go = json_object(), *links = json_array();
	struct nvlink_gsum s = {0, 0, 0, 0, 0, BUF_INIT};

	for (size_t k = 0; k < g->nlinks; k++) {
		json_array_append_new(links, link_json(&g->links[k]));
		link_facts(facts, g, &g->links[k], o, &s, t);
	}
	if (s.un)
		probe_reason(facts, PV_UNKNOWN, "link-status-unknown",
			     "GPU %d: %lld link(s) with a status that is "
			     "neither a speed nor <inactive>",
			     g->index, s.un);
	if (o->expect_links > 0 && s.a < o->expect_links)
		probe_reason(facts, PV_DEGRADED, "links-inactive",
			     "GPU %d: %lld of %lld expected NVLinks active%s%s",
			     g->index, s.a, o->expect_links,
			     s.ids.len ? "; inactive: " : "", buf_str(&s.ids));
	else if (o->expect_links <= 0 && s.in && t->max > 0)
		probe_reason(facts, PV_DEGRADED, "links-inactive",
			     "GPU %d: %lld of %zu NVLinks inactive (%s)",
			     g->index, s.in, g->nlinks, buf_str(&s.ids));
	buf_free(&s.ids);
	t->active += s.a;
	t->ninactive += s.in;
	if ((long long)g->nlinks > t->maxlinks)
		t->maxlinks = (long long)g->nlinks;
	jset_int(go, "index", g->index);
	jset_str(go, "name", g->name);
	jset_str(go, "uuid", g->uuid);
	jset_int(go, "links_total", (long long)g->nlinks);
	jset_int(go, "links_active", s.a);
	jset_int(go, "links_inactive", s.in);
	jset_real(go, "bandwidth_gbs", s.bw);
	jset_int(go, "errors_total", s.etot);
	json_object_set_new(go, "links", links);
	return go;
}

/* Builds the per-GPU facts and their reasons; *any_active: some GPU has
 * an active link. */
static void gpus_facts(json_t *facts, const struct nvlink_data *d,
		       const struct nvlink_opts *o, int *any_active)
{
	json_t *arr = json_array();
	struct nvlink_tot t = {
	    json_array(), json_array(), json_object(), 0, 0, 0, 0};
	double usual = usual_speed(d, &t.max);

	*any_active = t.max > 0;
	for (size_t i = 0; i < d->ngpus; i++)
		json_array_append_new(arr,
				      gpu_facts(facts, &d->gpus[i], o, &t));
	jset_int(facts, "gpu_count", (long long)d->ngpus);
	jset_int(facts, "links_per_gpu", t.maxlinks);
	if (usual > 0)
		jset_real(facts, "link_speed_gbs", usual);
	else
		json_object_set_new(facts, "link_speed_gbs", json_null());
	jset_int(facts, "links_active", t.active);
	jset_int(facts, "links_inactive", t.ninactive);
	json_object_set_new(facts, "inactive_links", t.inactive);
	json_object_set_new(facts, "error_counters", t.counters);
	json_object_set_new(facts, "links_with_errors", t.with_errors);
	json_object_set_new(facts, "gpus", arr);
}

/* Runs the three commands; a failure of the first is a finding. */
static int read_live(struct buf *b, json_t *notes, struct ml_err *err)
{
	static const char *const s[] = {"nvidia-smi", "nvlink", "-s", NULL};
	static const char *const e[] = {"nvidia-smi", "nvlink", "-e", NULL};
	static const char *const t[] = {"nvidia-smi", "topo", "-m", NULL};
	const char *const *cmds[] = {s, e, t};
	const char *names[] = {"nvlink -s", "nvlink -e", "topo -m"};
	int rc;

	for (int i = 0; i < 3; i++) {
		struct buf one = BUF_INIT;
		int code;
		rc = toolio_run(cmds[i], NVL_TIMEOUT_MS, "no NVIDIA GPU", &one,
				&code, err);
		if (rc == ML_ENOTFOUND) {
			buf_free(&one);
			return rc;
		}
		if (rc || code != 0) {
			char *m = toolio_clean(buf_str(&one),
					       strcspn(buf_str(&one), "\n"));
			json_array_append_new(
			    notes, json_pack("{s:s, s:s}", "command", names[i],
					     "error", rc ? err->msg : m));
			free(m);
			ml_err_clear(err);
		}
		buf_add(b, buf_str(&one), one.len);
		buf_putc(b, '\n');
		buf_free(&one);
	}
	return 0;
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", NULL);
	struct nvlink_opts o;
	struct nvlink_data d = {0};
	struct buf b = BUF_INIT;
	json_t *notes = json_array(), *src = json_object();
	int rc, any_active;

	o.expect_nvlink = jget_str(ctx->args, "expect-nvlink", "auto");
	o.expect_links = jget_int(ctx->args, "expect-links", 0);
	o.max_errors = jget_int(ctx->args, "max-errors", 0);
	o.gpus = jget_str(ctx->args, "gpus", NULL);
	*facts = NULL;
	if (strcmp(o.expect_nvlink, "auto") && strcmp(o.expect_nvlink, "all") &&
	    strcmp(o.expect_nvlink, "none"))
		rc = ml_err_set(err, ML_EUSAGE,
				"--expect-nvlink must be auto, all or none, "
				"not `%.40s`",
				o.expect_nvlink);
	else
		rc = from ? toolio_read(from, &b, err)
			  : read_live(&b, notes, err);
	if (rc == 0) {
		nvlink_parse(&d, buf_str(&b), b.len);
		if (!d.saw_status && !d.saw_errors && !d.saw_topo &&
		    (from || !json_array_size(notes)))
			rc = ml_err_at(err, ML_EINPUT,
				       from ? from : "nvidia-smi", 0, 0,
				       "no `nvidia-smi nvlink -s/-e` or "
				       "`topo -m` output found in %ld line(s)",
				       d.lines);
	}
	if (rc == 0) {
		*facts = probe_facts_new("nvlink");
		jset_str(src, "kind",
			 !from		     ? "live"
			 : strcmp(from, "-") ? "file"
					     : "stdin");
		jset_str(src, "from", from);
		json_object_set(src, "command_errors", notes);
		json_object_set_new(*facts, "source", src);
		src = NULL;
		if (!d.saw_status && !d.saw_errors && !d.saw_topo)
			probe_reason(
			    *facts, PV_FAILED, "nvidia-smi-failed",
			    "nvidia-smi failed: %s",
			    jget_str(json_array_get(notes, 0), "error", "?"));
		gpus_facts(*facts, &d, &o, &any_active);
		if (!any_active && d.saw_status)
			probe_reason(*facts,
				     strcmp(o.expect_nvlink, "all")
					 ? PV_HEALTHY
					 : PV_DEGRADED,
				     "no-nvlink",
				     "no active NVLink on any GPU: a PCIe-only "
				     "node, or NVLink down everywhere");
		rc =
		    nvlink_topo_facts(*facts, &d, o.expect_nvlink, o.gpus, err);
		if (rc) {
			json_decref(*facts);
			*facts = NULL;
		}
	}
	json_decref(src);
	json_decref(notes);
	nvlink_free(&d);
	buf_free(&b);
	return rc;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *r, *g, *t = json_object_get(facts, "topology");
	size_t i;

	buf_printf(out,
		   "nvlink: %s: %lld GPU(s), %lld link(s) active, %lld "
		   "inactive, usual link speed %.3f GB/s\n",
		   jget_str(facts, "verdict", "unknown"),
		   jget_int(facts, "gpu_count", 0),
		   jget_int(facts, "links_active", 0),
		   jget_int(facts, "links_inactive", 0),
		   jget_num(facts, "link_speed_gbs", 0));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
	if (json_array_size(json_object_get(facts, "gpus")))
		buf_printf(out, "  %-4s %-26s %7s %9s %9s %7s\n", "GPU", "NAME",
			   "ACTIVE", "INACTIVE", "GB/s", "ERRORS");
	json_array_foreach(json_object_get(facts, "gpus"), i, g) buf_printf(
	    out, "  %-4lld %-26.26s %3lld/%-3lld %9lld %9.1f %7lld\n",
	    jget_int(g, "index", 0), jget_str(g, "name", "?"),
	    jget_int(g, "links_active", 0), jget_int(g, "links_total", 0),
	    jget_int(g, "links_inactive", 0), jget_num(g, "bandwidth_gbs", 0),
	    jget_int(g, "errors_total", 0));
	if (json_is_object(t)) {
		const char *k;
		json_t *v;
		buf_printf(out, "  GPU pairs:");
		json_object_foreach(json_object_get(t, "pair_counts"), k, v)
		    buf_printf(out, " %s x%lld", k,
			       (long long)json_integer_value(v));
		buf_printf(out, "; %lld without NVLink\n",
			   jget_int(facts, "pairs_without_nvlink_count", 0));
	}
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH,
     "recorded output of nvidia-smi nvlink -s, nvlink -e and/or topo -m "
     "(one file, any mix); - reads stdin",
     NULL, 0, 0},
    {"expect-nvlink", PO_STRING,
     "GPU pairs that must be NVLink-connected: auto (all, when at least "
     "2/3 of the pairs are), all, none",
     "auto", 0, 0},
    {"expect-links", PO_INT,
     "active NVLinks each GPU must have (18 on H100 SXM); 0: every link "
     "listed",
     "0", 0, 0},
    {"max-errors", PO_INT, "NVLink error counts tolerated per link", "0", 0, 0},
    {"gpus", PO_STRING,
     "GPU indices a job got (0,1,2,3): are they NVLink-connected, on one "
     "NUMA node?",
     NULL, 0, 0},
    {0}};

const struct probe_def probe_nvlink = {
    .name = "nvlink",
    .summary = "NVLink links, error counters and GPU topology "
	       "(nvidia-smi nvlink -s/-e, topo -m)",
    .help =
	"Reads `nvidia-smi nvlink -s` (per-link speed or <inactive>),\n"
	"`nvidia-smi nvlink -e` (CRC/replay/recovery counters) and\n"
	"`nvidia-smi topo -m` (which GPU pairs talk over NV#, which over\n"
	"PCIe: PIX, PXB, PHB, NODE, SYS; CPU and NUMA affinity). Live, it "
	"runs\n"
	"the three; --from reads a file with any mix of their output.\n"
	"\n"
	"Verdict: degraded when a link is inactive on a GPU of a node that "
	"has\n"
	"NVLink, a link runs slower than the others, a link has errors, or a\n"
	"GPU pair expected on NVLink shows SYS/PHB/...; failed when\n"
	"nvidia-smi itself fails.\n"
	"\n"
	"Examples:\n"
	"  mloncall check nvlink\n"
	"  mloncall check nvlink --from node7-nvlink.txt --expect-links 18\n"
	"  nvidia-smi topo -m | mloncall check nvlink --from - --gpus "
	"0,1,2,3\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
