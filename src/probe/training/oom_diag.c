/* oom_diag.c: turns a parsed OOM report into the probe's facts: sizes in
 * bytes and GiB, the cause (other process, fragmentation, leak, batch too
 * large), reasons, suggestions and a smaller batch size. The rules and
 * thresholds are documented in docs/probes/oom.md; keep both in step. */
#include "probe/training/oom.h"

#include <math.h>
#include <string.h>

#include "core/out.h"
#include "probe/probe.h"

#define GIB (1024.0 * 1024.0 * 1024.0)
#define MIB (1024.0 * 1024.0)

/* Thresholds (see docs/probes/oom.md). */
#define FRAG_MIN_BYTES (256.0 * MIB) /* ignore smaller caches */
#define FRAG_SHARE_OF_RESERVED 0.20
#define OTHER_MIN_BYTES (1.0 * GIB)
#define OTHER_SHARE_OF_CAPACITY 0.10
#define LEAK_MIN_SUMMARIES 3
#define LEAK_MIN_BYTES (256.0 * MIB)
#define LEAK_MIN_SHARE 0.10
#define LEAK_STEP_TOLERANCE 0.01
#define BATCH_HEADROOM 0.10

/* Derived numbers used by the rules; -1 = unknown. */
struct oom_calc {
	int64_t non_pytorch, other;
	int other_inferred;
};

static void set_size(json_t *f, const char *key, int64_t b)
{
	char gk[64];

	snprintf(gk, sizeof(gk), "%s_gib", key);
	if (b < 0) {
		json_object_set_new(f, key, json_null());
		json_object_set_new(f, gk, json_null());
		return;
	}
	jset_int(f, key, b);
	jset_real(f, gk, (double)b / GIB);
}

static void calc(const struct oom_event *e, struct oom_calc *c)
{
	int64_t listed = 0;

	c->non_pytorch = c->other = -1;
	c->other_inferred = 0;
	if (e->process >= 0 && e->reserved >= 0)
		c->non_pytorch =
		    e->process > e->reserved ? e->process - e->reserved : 0;
	for (size_t i = 0; i < e->nprocs; i++)
		listed += e->procs[i].bytes;
	if (e->nprocs) {
		c->other = listed;
	} else if (e->capacity >= 0 && e->free >= 0) {
		/* Not listed: what the GPU uses beyond this process (current
		 * form) or beyond PyTorch's cache (legacy form). */
		int64_t mine =
		    e->form == OOM_FORM_CURRENT ? e->process : e->reserved;
		if (mine >= 0) {
			int64_t rest = e->capacity - e->free - mine;
			c->other = rest > 0 ? rest : 0;
			c->other_inferred = 1;
		}
	}
}

static json_t *frame_json(const struct oom_frame *f)
{
	json_t *j;

	if (!f->file)
		return json_null();
	j = json_object();
	json_object_set_new(j, "file", oom_json_text(f->file, strlen(f->file)));
	jset_int(j, "line", f->line);
	json_object_set_new(j, "function",
			    f->func ? oom_json_text(f->func, strlen(f->func))
				    : json_null());
	return j;
}

static const char *form_name(enum oom_form f)
{
	return f == OOM_FORM_CURRENT	  ? "current"
	       : f == OOM_FORM_LEGACY	  ? "legacy"
	       : f == OOM_FORM_CUDA_ERROR ? "cuda-error"
					  : NULL;
}

static void event_facts(json_t *f, const struct oom_event *e,
			const struct oom_calc *c)
{
	json_t *procs = json_array();

	jset_str(f, "form", form_name(e->form));
	jset_int(f, "line", e->line);
	json_object_set_new(f, "gpu",
			    e->gpu >= 0 ? json_integer(e->gpu) : json_null());
	json_object_set_new(f, "error",
			    e->error ? oom_json_text(e->error, strlen(e->error))
				     : json_null());
	set_size(f, "requested", e->requested);
	set_size(f, "capacity", e->capacity);
	set_size(f, "free", e->free);
	set_size(f, "allocated", e->allocated);
	set_size(f, "reserved", e->reserved);
	set_size(f, "reserved_unallocated", e->reserved_unalloc);
	set_size(f, "non_pytorch", c->non_pytorch);
	set_size(f, "process", e->process);
	set_size(f, "other_processes", c->other);
	jset_bool(f, "other_processes_inferred", c->other_inferred);
	for (size_t i = 0; i < e->nprocs; i++) {
		json_t *p = json_object();
		jset_int(p, "pid", e->procs[i].pid);
		set_size(p, "bytes", e->procs[i].bytes);
		json_array_append_new(procs, p);
	}
	json_object_set_new(f, "processes", procs);
	json_object_set_new(f, "frame", frame_json(&e->frame));
}

static json_t *summary_json(const struct oom_summary *s)
{
	static const char *const keys[OOM_M_COUNT] = {
	    "allocated", "active",	   "requested",
	    "reserved",	 "non_releasable", "allocations"};
	static const char *const cols[OOM_NCOL] = {"cur", "peak", "alloc",
						   "freed"};
	json_t *j = json_object();

	jset_int(j, "line", s->line);
	json_object_set_new(j, "device",
			    s->device >= 0 ? json_integer(s->device)
					   : json_null());
	json_object_set_new(j, "cuda_ooms",
			    s->cuda_ooms >= 0 ? json_integer(s->cuda_ooms)
					      : json_null());
	json_object_set_new(j, "alloc_retries",
			    s->alloc_retries >= 0
				? json_integer(s->alloc_retries)
				: json_null());
	for (int m = 0; m < OOM_M_COUNT; m++) {
		json_t *row = json_object();
		for (int c = 0; c < OOM_NCOL; c++)
			json_object_set_new(row, cols[c],
					    s->v[m][c] >= 0
						? json_integer(s->v[m][c])
						: json_null());
		json_object_set_new(j, keys[m], row);
	}
	return j;
}

/* The leak rule over the summaries of the newest summary's device. */
static json_t *leak_check(const struct oom_report *r)
{
	int dev = r->nsums ? r->sums[r->nsums - 1].device : -1;
	int64_t first = -1, prev = -1, last = -1;
	long n = 0, ok = 1;
	json_t *j;

	for (size_t i = 0; i < r->nsums; i++) {
		int64_t v = r->sums[i].v[OOM_M_ALLOCATED][OOM_COL_CUR];
		if (r->sums[i].device != dev)
			continue;
		if (first < 0)
			first = v;
		if (prev >= 0 && v < prev - LEAK_STEP_TOLERANCE * (double)prev)
			ok = 0;
		prev = last = v;
		n++;
	}
	if (n < LEAK_MIN_SUMMARIES)
		return json_null();
	j = json_object();
	jset_bool(j, "detected",
		  ok && last - first >= LEAK_MIN_BYTES &&
		      last - first >= LEAK_MIN_SHARE * (double)first);
	json_object_set_new(j, "device",
			    dev >= 0 ? json_integer(dev) : json_null());
	jset_int(j, "summaries", n);
	set_size(j, "first", first);
	set_size(j, "last", last);
	set_size(j, "growth", last - first);
	return j;
}

/* Suggested micro-batch and accumulation steps, or null. */
static json_t *batch_json(const struct oom_event *e, const struct oom_calc *c,
			  long long batch)
{
	double usable, target, demand;
	long long micro, steps;
	json_t *j;

	if (batch <= 0 || e->capacity < 0 || e->allocated < 0 ||
	    e->requested < 0)
		return json_null();
	usable = (double)e->capacity -
		 (c->non_pytorch > 0 ? c->non_pytorch : 0) -
		 (c->other > 0 ? c->other : 0);
	target = (1.0 - BATCH_HEADROOM) * usable;
	demand = (double)e->allocated + (double)e->requested;
	micro = batch;
	if (demand > target && demand > 0) {
		double s =
		    floor((double)batch * (target > 0 ? target : 0) / demand);
		micro = s < 1 ? 1 : (long long)s;
	}
	steps = (batch + micro - 1) / micro;
	micro = (batch + steps - 1) / steps;
	j = json_object();
	jset_int(j, "current", batch);
	jset_int(j, "suggested", micro);
	jset_int(j, "grad_accum_steps", steps);
	jset_int(j, "effective", micro * steps);
	set_size(j, "target", (int64_t)(target > 0 ? target : 0));
	return j;
}

static void add_cause(json_t *f, const char *cause, const char *suggestion)
{
	json_array_append_new(json_object_get(f, "causes"), json_string(cause));
	if (json_is_null(json_object_get(f, "cause")))
		jset_str(f, "cause", cause);
	if (suggestion)
		json_array_append_new(json_object_get(f, "suggestions"),
				      json_string(suggestion));
}

static void diagnose_event(json_t *f, const struct oom_event *e,
			   const struct oom_calc *c)
{
	int64_t ru = e->reserved_unalloc, req = e->requested;

	if (c->other >= OTHER_MIN_BYTES &&
	    ((e->capacity > 0 &&
	      c->other >= OTHER_SHARE_OF_CAPACITY * (double)e->capacity) ||
	     (!c->other_inferred && req >= 0 && e->free >= 0 &&
	      e->free + c->other >= req))) {
		probe_reason(
		    f, PV_DEGRADED, "other-process",
		    "%.2f GiB of the GPU is held outside this process%s",
		    (double)c->other / GIB,
		    c->other_inferred
			? " (inferred: capacity - free - this process)"
			: "");
		add_cause(
		    f, "other-process",
		    "find the other processes with `nvidia-smi "
		    "--query-compute-apps=pid,used_memory --format=csv` and "
		    "stop them, or move the job to a free GPU");
	}
	if (ru >= FRAG_MIN_BYTES &&
	    ((req >= 0 && ru >= req) ||
	     (e->reserved > 0 &&
	      ru >= FRAG_SHARE_OF_RESERVED * (double)e->reserved))) {
		probe_reason(f, PV_DEGRADED, "fragmentation",
			     "%.2f GiB is reserved by PyTorch but unallocated "
			     "(%.0f%% of reserved): the cache is fragmented",
			     (double)ru / GIB,
			     e->reserved > 0
				 ? 100.0 * (double)ru / (double)e->reserved
				 : 0);
		add_cause(
		    f, "fragmentation",
		    "set PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True "
		    "in the job's environment and restart it");
	}
}

static void diagnose_batch(json_t *f, const struct oom_event *e,
			   const json_t *batch)
{
	char s[320];

	if (e->allocated < 0 || e->requested < 0)
		return;
	probe_reason(f, PV_DEGRADED, "batch-too-large",
		     "PyTorch holds %.2f GiB and asked for %.2f GiB more",
		     (double)e->allocated / GIB, (double)e->requested / GIB);
	if (json_is_object(batch))
		snprintf(s, sizeof(s),
			 "lower the batch size from %lld to %lld and use %lld "
			 "gradient-accumulation steps (effective batch %lld)",
			 jget_int(batch, "current", 0),
			 jget_int(batch, "suggested", 0),
			 jget_int(batch, "grad_accum_steps", 0),
			 jget_int(batch, "effective", 0));
	else
		snprintf(
		    s, sizeof(s),
		    "lower the batch size (pass batch_size to get a number "
		    "with 10%% headroom) and keep the effective batch with "
		    "gradient accumulation");
	add_cause(f, "batch-too-large", s);
}

static void summaries_facts(json_t *f, const struct oom_report *r)
{
	json_t *arr = json_array();
	size_t from = r->nsums > OOM_MAX_SUMMARY_FACTS
			  ? r->nsums - OOM_MAX_SUMMARY_FACTS
			  : 0;

	for (size_t i = from; i < r->nsums; i++)
		json_array_append_new(arr, summary_json(&r->sums[i]));
	jset_int(f, "summary_count", (long long)r->nsums);
	json_object_set_new(f, "summaries", arr);
}

/* Facts when the log has summaries but no OOM message. */
static void summary_only(json_t *f, const struct oom_report *r)
{
	struct oom_event e = {0};
	struct oom_calc c = {-1, -1, 0};

	e.gpu = -1;
	e.requested = e.capacity = e.free = e.process = -1;
	e.allocated = e.reserved = e.reserved_unalloc = -1;
	if (r->nsums) {
		const struct oom_summary *s = &r->sums[r->nsums - 1];
		e.gpu = s->device;
		e.allocated = s->v[OOM_M_ALLOCATED][OOM_COL_CUR];
		e.reserved = s->v[OOM_M_RESERVED][OOM_COL_CUR];
		if (e.allocated >= 0 && e.reserved >= e.allocated)
			e.reserved_unalloc = e.reserved - e.allocated;
	}
	event_facts(f, &e, &c);
	json_object_set_new(f, "line", json_null());
}

json_t *oom_facts(const struct oom_report *r, long long batch_size,
		  const char *source)
{
	json_t *f = probe_facts_new("oom"), *batch = json_null(), *leak;
	const struct oom_event *e = &r->last;
	struct oom_calc c;

	jset_str(f, "source", source);
	jset_int(f, "lines", r->lines);
	jset_int(f, "oom_count", r->nevents);
	json_object_set_new(f, "cause", json_null());
	json_object_set_new(f, "causes", json_array());
	json_object_set_new(f, "suggestions", json_array());
	if (r->nevents) {
		calc(e, &c);
		event_facts(f, e, &c);
		probe_reason(
		    f, PV_FAILED, "cuda-oom",
		    "CUDA out of memory at line %ld%s (%ld in the log)",
		    e->line, e->frame.file ? ", traceback above it" : "",
		    r->nevents);
		if (e->unparsed)
			probe_reason(f, PV_UNKNOWN, "unparsed",
				     "could not read %s", e->unparsed);
		batch = batch_json(e, &c, batch_size);
		diagnose_event(f, e, &c);
	} else {
		summary_only(f, r);
		probe_reason(f, PV_HEALTHY, "no-oom",
			     "no CUDA out-of-memory message in %ld lines",
			     r->lines);
	}
	summaries_facts(f, r);
	leak = leak_check(r);
	if (jget_bool(leak, "detected", 0)) {
		probe_reason(f, PV_DEGRADED, "leak",
			     "allocated memory grew by %.2f GiB over %lld "
			     "summaries without falling",
			     jget_num(leak, "growth_gib", 0),
			     jget_int(leak, "summaries", 0));
		add_cause(
		    f, "leak",
		    "look for tensors kept across iterations (losses "
		    "summed without .item(), lists of outputs, caches) "
		    "and compare torch.cuda.memory_snapshot() between steps");
	}
	json_object_set_new(f, "leak", leak);
	if (r->nevents && json_array_size(json_object_get(f, "causes")) == 0)
		diagnose_batch(f, e, batch);
	json_object_set_new(f, "batch", batch);
	return f;
}
