/* ckpt_safetensors.c: the safetensors format: an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets},
 * "__metadata__": {str: str}}, then the tensor bytes. Checks every
 * tensor's byte length against dtype size x shape, offsets inside the
 * data, no overlap and full coverage (as the safetensors library does).
 * The format has no checksums: --deep adds the file's sha256 only. */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

#define ST_MAX_HEADER (100u * 1024 * 1024) /* the library's own limit */

struct span {
	uint64_t b, e;
	const char *name;
};

/* Element size of a safetensors dtype and its torch name (the facts use
 * torch's names for every format); 0 when unknown. */
static size_t dtype_size(const char *d, const char **torch_name)
{
	static const struct {
		const char *n, *t;
		size_t s;
	} t[] = {{"F64", "float64", 8},
		 {"F32", "float32", 4},
		 {"F16", "float16", 2},
		 {"BF16", "bfloat16", 2},
		 {"I64", "int64", 8},
		 {"I32", "int32", 4},
		 {"I16", "int16", 2},
		 {"I8", "int8", 1},
		 {"U64", "uint64", 8},
		 {"U32", "uint32", 4},
		 {"U16", "uint16", 2},
		 {"U8", "uint8", 1},
		 {"BOOL", "bool", 1},
		 {"F8_E4M3", "float8_e4m3fn", 1},
		 {"F8_E5M2", "float8_e5m2", 1},
		 {"C64", "complex64", 8},
		 {NULL, NULL, 0}};

	for (size_t i = 0; t[i].n; i++)
		if (!strcmp(d, t[i].n)) {
			*torch_name = t[i].t;
			return t[i].s;
		}
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->b < y->b ? -1 : x->b > y->b;
}

/* Checks one tensor entry; fills *sp. Returns 0 or -1 (reason added). */
static int tensor(const char *name, json_t *t, uint64_t data_len,
		  struct span *sp, json_t *ff, json_t *list)
{
	json_t *shape = json_object_get(t, "shape"), *offs, *d;
	const char *dt = jget_str(t, "dtype", NULL), *tn = NULL;
	uint64_t numel = 1, bytes;
	size_t es = dt ? dtype_size(dt, &tn) : 0, i;
	json_t *v;

	offs = json_object_get(t, "data_offsets");
	if (!json_is_object(t) || !es || !json_is_array(shape) ||
	    !json_is_array(offs) || json_array_size(offs) != 2 ||
	    !json_is_integer(json_array_get(offs, 0)) ||
	    !json_is_integer(json_array_get(offs, 1))) {
		probe_reason(ff, PV_FAILED, "st_tensor",
			     "tensor %s: needs a known dtype, a shape list "
			     "and two integer data_offsets",
			     name);
		return -1;
	}
	json_array_foreach(shape, i, v)
	{
		json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
		if (x < 0 || (x && numel > UINT64_MAX / 16 / (uint64_t)x)) {
			probe_reason(ff, PV_FAILED, "st_tensor",
				     "tensor %s: bad shape", name);
			return -1;
		}
		numel *= (uint64_t)x;
	}
	json_int_t b = json_integer_value(json_array_get(offs, 0));
	json_int_t e = json_integer_value(json_array_get(offs, 1));
	bytes = numel * es;
	if (b < 0 || e < b || (uint64_t)e > data_len ||
	    (uint64_t)(e - b) != bytes) {
		probe_reason(ff, PV_FAILED, "st_bounds",
			     "tensor %s: data_offsets [%lld, %lld] do not hold "
			     "%llu bytes inside the %llu data bytes",
			     name, (long long)b, (long long)e,
			     (unsigned long long)bytes,
			     (unsigned long long)data_len);
		return -1;
	}
	sp->b = (uint64_t)b;
	sp->e = (uint64_t)e;
	sp->name = name;
	if (json_array_size(list) < CKPT_PKL_MAX_TENSORS) {
		d = json_pack("{s:s, s:s, s:O, s:I, s:[I, I]}", "name", name,
			      "dtype", tn, "shape", shape, "numel",
			      (json_int_t)numel, "data_offsets", (json_int_t)b,
			      (json_int_t)e);
		json_array_append_new(list, d);
	}
	return 0;
}

/* No overlap, no gap, covers [0, data_len). */
static void coverage(struct span *sp, size_t n, uint64_t data_len, json_t *ff)
{
	uint64_t at = 0;

	qsort(sp, n, sizeof(*sp), cmp_span);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].b < at) {
			probe_reason(ff, PV_FAILED, "st_overlap",
				     "tensor %s overlaps the tensor before it",
				     sp[i].name);
			return;
		}
		if (sp[i].b > at) {
			probe_reason(ff, PV_FAILED, "st_gap",
				     "bytes %llu..%llu belong to no tensor",
				     (unsigned long long)at,
				     (unsigned long long)sp[i].b);
			return;
		}
		at = sp[i].e;
	}
	if (at != data_len)
		probe_reason(ff, PV_FAILED, "st_coverage",
			     "tensors cover %llu of %llu data bytes",
			     (unsigned long long)at,
			     (unsigned long long)data_len);
}

static void header(const struct ckpt_file *f, json_t *h, uint64_t data_len,
		   json_t *ff)
{
	struct span *sp = xcalloc(json_object_size(h) + 1, sizeof(*sp));
	json_t *list = json_array(), *t, *meta;
	const char *k;
	size_t n = 0;
	uint64_t total = 0;

	(void)f;
	json_object_foreach(h, k, t)
	{
		if (!strcmp(k, "__metadata__"))
			continue;
		if (tensor(k, t, data_len, &sp[n], ff, list))
			goto out;
		total += sp[n].e - sp[n].b;
		n++;
	}
	coverage(sp, n, data_len, ff);
	meta = json_object_get(h, "__metadata__");
	if (meta) {
		const char *mk;
		json_t *mv;
		int ok = json_is_object(meta);
		json_object_foreach(meta, mk, mv) ok &= json_is_string(mv);
		if (!ok)
			probe_reason(
			    ff, PV_FAILED, "st_metadata",
			    "__metadata__ must map strings to strings");
		else
			json_object_set(ff, "metadata", meta);
		if (ok && json_is_string(json_object_get(meta, "epoch")))
			jset_int(ff, "epoch",
				 atoll(jget_str(meta, "epoch", "0")));
		if (ok && json_is_string(json_object_get(meta, "step")))
			jset_int(ff, "step",
				 atoll(jget_str(meta, "step", "0")));
	}
out:
	jset_int(ff, "tensor_count",
		 (long long)(json_object_size(h) -
			     (json_object_get(h, "__metadata__") != NULL)));
	jset_int(ff, "tensor_bytes", (long long)total);
	json_object_set_new(ff, "tensors", list);
	free(sp);
}

void ckpt_st_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		   json_t *ff)
{
	uint64_t hl = 0;
	json_error_t je;
	json_t *h;
	struct buf scratch = BUF_INIT;
	const uint8_t *p = ckpt_bytes(f, 0, 8, &scratch); /* sniffed: >= 9 */

	jset_str(ff, "format", "safetensors");
	for (int i = 7; p && i >= 0; i--)
		hl = hl << 8 | p[i];
	if (hl > ST_MAX_HEADER || hl > f->size - 8) {
		probe_reason(ff, PV_FAILED, "st_header",
			     "header length %llu exceeds the file (%llu bytes) "
			     "or the 100 MB limit: truncated or not "
			     "safetensors",
			     (unsigned long long)hl,
			     (unsigned long long)f->size);
		buf_free(&scratch);
		return;
	}
	p = ckpt_bytes(f, 8, (size_t)hl, &scratch);
	h = p ? json_loadb((const char *)p, (size_t)hl, JSON_REJECT_DUPLICATES,
			   &je)
	      : NULL;
	buf_free(&scratch);
	if (!p) {
		probe_reason(ff, PV_FAILED, "st_header",
			     "the %llu-byte header cannot be read",
			     (unsigned long long)hl);
		return;
	}
	if (!json_is_object(h)) {
		probe_reason(ff, PV_FAILED, "st_json",
			     "header is not a JSON object: %s (header byte %d)",
			     h ? "wrong type" : je.text, h ? 0 : je.position);
		json_decref(h);
		return;
	}
	header(f, h, f->size - 8 - hl, ff);
	json_decref(h);
	if (o->deep)
		ckpt_deep_sha256(f, o, ff,
				 "safetensors has no checksums: compare sha256 "
				 "with a manifest (check artifact)");
}
