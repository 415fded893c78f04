/* ckpt_pkl_walk.c: turns the scanner's inert objects into checkpoint
 * facts: tensors rebuilt by torch._utils._rebuild_tensor_v2 from
 * persistent-id storages, plain values (epoch, step, loss...) with dotted
 * paths, and the globals the pickle names, classified against the
 * allowlist of torch.load(weights_only=True). Walking is bounded in depth
 * and in visits, so shared or cyclic references cannot blow it up. */
#include "probe/training/ckpt_pkl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/probe.h"

#define WALK_BUDGET 2000000

/* Globals torch.load(weights_only=True) accepts (torch 1.13 and 2.x). */
static const char *const safe_globals[] = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._tensor._rebuild_from_type_v2",
    "torch.nn.parameter.Parameter",
    "torch.serialization._get_layout",
    "torch.Size",
    "torch.Tensor",
    "torch.device",
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytearray",
    "__builtin__.set", /* protocols 0-2 name builtins so */
    "__builtin__.frozenset",
    "__builtin__.bytearray",
    "_codecs.encode",
    NULL};

/* torch attributes that are dtypes, layouts or qschemes (allowed). */
static const char *const torch_consts[] = {"float32",
					   "float",
					   "float64",
					   "double",
					   "float16",
					   "half",
					   "bfloat16",
					   "int64",
					   "long",
					   "int32",
					   "int",
					   "int16",
					   "short",
					   "int8",
					   "uint8",
					   "bool",
					   "complex64",
					   "complex128",
					   "cfloat",
					   "cdouble",
					   "qint8",
					   "quint8",
					   "qint32",
					   "quint4x2",
					   "quint2x4",
					   "float8_e4m3fn",
					   "float8_e5m2",
					   "uint16",
					   "uint32",
					   "uint64",
					   "strided",
					   "sparse_coo",
					   "sparse_csr",
					   "sparse_csc",
					   "sparse_bsr",
					   "sparse_bsc",
					   "_mkldnn",
					   "per_tensor_affine",
					   "per_channel_affine",
					   "per_tensor_symmetric",
					   "per_channel_symmetric",
					   "per_channel_affine_float_qparams",
					   NULL};

/* Module prefixes whose globals run code or touch the system. */
static const char *const dangerous[] = {"os.",
					"posix.",
					"nt.",
					"subprocess.",
					"sys.",
					"shutil.",
					"socket.",
					"pty.",
					"runpy.",
					"importlib.",
					"ctypes.",
					"pickle.",
					"marshal.",
					"webbrowser.",
					"code.",
					"commands.",
					"multiprocessing.",
					"asyncio.",
					"operator.attrgetter",
					"operator.methodcaller",
					"functools.partial",
					"torch.storage._load_from_bytes",
					"torch.load",
					"torch.hub.",
					"builtins.eval",
					"builtins.exec",
					"builtins.compile",
					"builtins.__import__",
					"builtins.getattr",
					"builtins.setattr",
					"builtins.open",
					"builtins.globals",
					"builtins.breakpoint",
					"__builtin__.eval",
					"__builtin__.exec",
					"__builtin__.getattr",
					"__builtin__.__import__",
					"copyreg.extension_code",
					NULL};

static const struct {
	const char *name, *dtype;
	size_t size;
} storages[] = {{"FloatStorage", "float32", 4},
		{"DoubleStorage", "float64", 8},
		{"HalfStorage", "float16", 2},
		{"BFloat16Storage", "bfloat16", 2},
		{"LongStorage", "int64", 8},
		{"IntStorage", "int32", 4},
		{"ShortStorage", "int16", 2},
		{"CharStorage", "int8", 1},
		{"ByteStorage", "uint8", 1},
		{"BoolStorage", "bool", 1},
		{"ComplexFloatStorage", "complex64", 8},
		{"ComplexDoubleStorage", "complex128", 16},
		{"QInt8Storage", "qint8", 1},
		{"QUInt8Storage", "quint8", 1},
		{"QInt32Storage", "qint32", 4},
		{"QUInt4x2Storage", "quint4x2", 1},
		{"QUInt2x4Storage", "quint2x4", 1},
		{"UntypedStorage", "uint8", 1},
		{NULL, NULL, 0}};

size_t ckpt_storage_dtype(const char *dotted, const char **dtype)
{
	*dtype = NULL;
	if (strncmp(dotted, "torch.", 6))
		return 0;
	for (size_t i = 0; storages[i].name; i++)
		if (!strcmp(dotted + 6, storages[i].name) ||
		    (!strncmp(dotted + 6, "cuda.", 5) &&
		     !strcmp(dotted + 11, storages[i].name))) {
			*dtype = storages[i].dtype;
			return storages[i].size;
		}
	return 0;
}

int ckpt_global_class(const char *g)
{
	const char *dt;

	for (size_t i = 0; dangerous[i]; i++)
		if (!strncmp(g, dangerous[i], strlen(dangerous[i])))
			return 2;
	for (size_t i = 0; safe_globals[i]; i++)
		if (!strcmp(g, safe_globals[i]))
			return 0;
	if (ckpt_storage_dtype(g, &dt))
		return 0;
	if (!strncmp(g, "torch.", 6))
		for (size_t i = 0; torch_consts[i]; i++)
			if (!strcmp(g + 6, torch_consts[i]))
				return 0;
	return 1;
}

json_t *ckpt_jstr(const char *s, size_t n, size_t max)
{
	struct buf b = BUF_INIT;
	json_t *j;
	size_t lim = n > max ? max : n;

	j = n <= max ? json_stringn(s, n) : NULL;
	if (j && !memchr(s, 0, n))
		return j;
	json_decref(j);
	for (size_t i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf_putc(&b, (char)c);
		else
			buf_printf(&b, "\\x%02x", c);
	}
	if (n > max)
		buf_puts(&b, "...");
	j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}

struct walk {
	json_t *tensors, *storages, *values;
	json_t *overflows; /* messages, the first CKPT_PKL_MAX_OVERFLOWS */
	size_t ntensors, budget, noverflows;
	uint64_t tbytes;
	int too_deep, bad_tensors, tbytes_over;
	struct buf path;
};

#define CKPT_PKL_MAX_OVERFLOWS 8

/* Records a size that overflows 64 bits: a finding, never wrapped. */
static void overflow(struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void overflow(struct walk *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (w->noverflows++ >= CKPT_PKL_MAX_OVERFLOWS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(w->overflows, json_string(msg));
}

static int is_global(const struct pk *n, const char *name)
{
	return n && n->k == PK_GLOBAL && n->slen == strlen(name) &&
	       !memcmp(n->s, name, n->slen);
}

/* The non-negative ints of a tuple or list (or torch.Size of one); *prod
 * is their product, *ovf set when it overflows 64 bits, *ok cleared when
 * t is not such a list. */
static json_t *int_list(const struct pk *t, uint64_t *prod, int *ok, int *ovf)
{
	json_t *a = json_array();

	*prod = 1;
	if (t && t->k == PK_CALL && is_global(t->fn, "torch.Size") && t->args &&
	    t->args->k == PK_TUPLE && t->args->n == 1)
		t = t->args->items[0]; /* torch.Size((2, 3)) */
	if (!t || (t->k != PK_TUPLE && t->k != PK_LIST)) {
		*ok = 0;
		return a;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct pk *e = t->items[i];
		if (!e || e->k != PK_INT || e->i < 0) {
			*ok = 0;
			continue;
		}
		json_array_append_new(a, json_integer(e->i));
		if (__builtin_mul_overflow(*prod, (uint64_t)e->i, prod))
			*ovf = 1;
	}
	return a;
}

/* The storage a persistent id describes, recorded in w->storages (with
 * "bytes" = numel x element size, or "overflow" when that product does
 * not fit in 64 bits: then recorded as a finding). */
static json_t *storage_of(struct walk *w, const struct pk *p)
{
	const struct pk *t = p && p->k == PK_PERSID ? p->args : NULL;
	const char *dtype;
	size_t es;
	uint64_t bytes;
	json_t *s, *key;
	int ovf;

	if (!t || t->k != PK_TUPLE || t->n < 5 || !t->items[0] ||
	    t->items[0]->k != PK_STR || !t->items[1] ||
	    t->items[1]->k != PK_GLOBAL || !t->items[2] ||
	    t->items[2]->k != PK_STR || !t->items[4] ||
	    t->items[4]->k != PK_INT)
		return NULL;
	es = ckpt_storage_dtype(t->items[1]->s, &dtype);
	key = ckpt_jstr(t->items[2]->s, t->items[2]->slen, 200);
	ovf = t->items[4]->i >= 0 &&
	      __builtin_mul_overflow((uint64_t)t->items[4]->i, (uint64_t)es,
				     &bytes);
	s = json_pack("{s:o, s:s?, s:I, s:I, s:o}", "key", key, "dtype", dtype,
		      "elem_size", (json_int_t)es, "numel",
		      (json_int_t)t->items[4]->i, "location",
		      t->items[3] && t->items[3]->k == PK_STR
			  ? ckpt_jstr(t->items[3]->s, t->items[3]->slen, 64)
			  : json_null());
	if (ovf && !json_object_get(w->storages, json_string_value(key)))
		overflow(w,
			 "storage %s: %lld elements of %zu bytes overflow 64 "
			 "bits",
			 json_string_value(key), (long long)t->items[4]->i, es);
	json_object_set_new(s, "overflow", json_boolean(ovf));
	json_object_set(w->storages, json_string_value(key), s);
	json_decref(s);
	return json_object_get(w->storages, json_string_value(key));
}

/* The end (in elements) of a tensor in its storage: offset + 1 +
 * sum((shape[i] - 1) x stride[i]), for numel > 0. Returns -1 when a step
 * overflows 64 bits. */
static int extent(json_t *shape, json_t *stride, uint64_t off, uint64_t *end)
{
	uint64_t x;

	if (__builtin_add_overflow(off, 1, end))
		return -1;
	for (size_t i = 0; i < json_array_size(shape); i++)
		if (__builtin_mul_overflow(
			(uint64_t)json_integer_value(json_array_get(shape, i)) -
			    1,
			(uint64_t)json_integer_value(json_array_get(stride, i)),
			&x) ||
		    __builtin_add_overflow(*end, x, end))
			return -1;
	return 0;
}

/* Checks a tensor's sizes against its storage st: overflows are findings
 * of their own, a tensor that does not fit is a bad tensor. */
static void tensor_bounds(struct walk *w, const struct pk *a, json_t *st,
			  json_t *shape, json_t *stride, uint64_t numel, int ok,
			  int ovf)
{
	const char *name = w->path.len ? buf_str(&w->path) : "(root)";
	const struct pk *off = a->items[1];
	uint64_t end, bytes;

	if (ovf) {
		overflow(w,
			 "tensor %s: its shape's element count overflows "
			 "64 bits",
			 name);
		return;
	}
	if (!st || !ok || !off || off->k != PK_INT || off->i < 0 ||
	    jget_int(st, "numel", 0) < 0 ||
	    json_array_size(shape) != json_array_size(stride)) {
		w->bad_tensors++;
	} else if (jget_bool(st, "overflow", 0)) {
		return; /* recorded with the storage */
	} else if (numel && extent(shape, stride, (uint64_t)off->i, &end)) {
		overflow(w,
			 "tensor %s: offset + shape x stride overflows 64 "
			 "bits",
			 name);
		return;
	} else if (numel && end > (uint64_t)jget_int(st, "numel", 0)) {
		w->bad_tensors++;
	}
	if (__builtin_mul_overflow(
		numel, (uint64_t)jget_int(st, "elem_size", 0), &bytes))
		overflow(w,
			 "tensor %s: %llu elements x element size overflow "
			 "64 bits",
			 name, (unsigned long long)numel);
	else if (__builtin_add_overflow(w->tbytes, bytes, &w->tbytes) &&
		 !w->tbytes_over++)
		overflow(w, "the tensors' total size overflows 64 bits");
}

/* If n rebuilds a tensor, lists it and returns 1. */
static int tensor(struct walk *w, const struct pk *n, int depth)
{
	const struct pk *a;
	json_t *st, *t, *shape, *stride;
	uint64_t numel, p2;
	int ok = 1, ovf = 0, ovf2 = 0;

	if (!n || n->k != PK_CALL || !n->args || n->args->k != PK_TUPLE ||
	    depth > 4)
		return 0;
	a = n->args;
	if ((is_global(n->fn, "torch._utils._rebuild_parameter") ||
	     is_global(n->fn, "torch._utils._rebuild_parameter_with_state")) &&
	    a->n >= 1)
		return tensor(w, a->items[0], depth + 1);
	if (is_global(n->fn, "torch._tensor._rebuild_from_type_v2") &&
	    a->n >= 3 && a->items[2] && a->items[2]->k == PK_TUPLE) {
		struct pk inner = *n;
		inner.fn = a->items[0];
		inner.args = a->items[2];
		return tensor(w, &inner, depth + 1);
	}
	if (!(is_global(n->fn, "torch._utils._rebuild_tensor_v2") ||
	      is_global(n->fn, "torch._utils._rebuild_tensor")) ||
	    a->n < 4)
		return 0;
	w->ntensors++;
	st = storage_of(w, a->items[0]);
	shape = int_list(a->items[2], &numel, &ok, &ovf);
	stride = int_list(a->items[3], &p2, &ok, &ovf2); /* p2 unused */
	tensor_bounds(w, a, st, shape, stride, numel, ok, ovf);
	if (json_array_size(w->tensors) >= CKPT_PKL_MAX_TENSORS) {
		json_decref(shape);
		json_decref(stride);
		return 1;
	}
	t = json_pack("{s:s, s:s?, s:o, s:o, s:I, s:s?, s:s?, s:I}", "name",
		      buf_str(&w->path), "dtype", jget_str(st, "dtype", NULL),
		      "shape", shape, "stride", stride, "offset",
		      (json_int_t)(a->items[1] && a->items[1]->k == PK_INT
				       ? a->items[1]->i
				       : -1),
		      "storage", jget_str(st, "key", NULL), "location",
		      jget_str(st, "location", NULL), "numel",
		      (json_int_t)numel);
	if (t)
		json_array_append_new(w->tensors, t);
	return 1;
}

static void add_value(struct walk *w, json_t *v)
{
	if (json_object_size(w->values) < CKPT_PKL_MAX_VALUES && v &&
	    w->path.len)
		json_object_set_new(w->values, buf_str(&w->path), v);
	else
		json_decref(v);
}

static void walk(struct walk *w, const struct pk *n, int depth);

/* Walks child c under path component key. */
static void walk_child(struct walk *w, const struct pk *key, size_t idx,
		       const struct pk *c, int depth)
{
	size_t save = w->path.len;

	if (save)
		buf_putc(&w->path, '.');
	if (key && (key->k == PK_STR)) {
		json_t *k = ckpt_jstr(key->s, key->slen, 200);
		buf_puts(&w->path, json_string_value(k));
		json_decref(k);
	} else if (key && key->k == PK_INT) {
		buf_printf(&w->path, "%lld", (long long)key->i);
	} else {
		buf_printf(&w->path, "%zu", idx);
	}
	walk(w, c, depth + 1);
	w->path.len = save;
	w->path.data[save] = 0;
}

static void walk(struct walk *w, const struct pk *n, int depth)
{
	if (!n || !w->budget)
		return;
	w->budget--;
	if (depth > CKPT_PKL_MAX_DEPTH) {
		w->too_deep = 1;
		return;
	}
	switch (n->k) {
	case PK_NONE:
		add_value(w, json_null());
		return;
	case PK_BOOL:
		add_value(w, json_boolean(n->i));
		return;
	case PK_INT:
		add_value(w, json_integer(n->i));
		return;
	case PK_FLOAT:
		add_value(w, json_real(n->f));
		return;
	case PK_STR:
		add_value(w, ckpt_jstr(n->s, n->slen, 200));
		return;
	case PK_DICT:
		for (size_t i = 0; i + 1 < n->n; i += 2)
			walk_child(w, n->items[i], i / 2, n->items[i + 1],
				   depth);
		return;
	case PK_LIST:
	case PK_TUPLE:
		for (size_t i = 0; i < n->n; i++)
			walk_child(w, NULL, i, n->items[i], depth);
		return;
	case PK_CALL:
		if (tensor(w, n, 0))
			return;
		for (size_t i = 0; i + 1 < n->n; i += 2) /* OrderedDict */
			walk_child(w, n->items[i], i / 2, n->items[i + 1],
				   depth);
		return;
	default:
		return;
	}
}

static void classify(json_t *res, json_t *globals)
{
	json_t *unsafe = json_array(), *danger = json_array(), *g;
	size_t i;

	json_array_foreach(globals, i, g)
	{
		int c = ckpt_global_class(json_string_value(g));
		if (c >= 1)
			json_array_append(unsafe, g);
		if (c == 2)
			json_array_append(danger, g);
	}
	json_object_set_new(res, "globals", json_incref(globals));
	json_object_set_new(res, "unsafe_globals", unsafe);
	json_object_set_new(res, "dangerous_globals", danger);
}

/* When the pickle's root is a list or tuple of strings (the storage keys
 * of a legacy torch.save), all of them; else an empty array. */
static json_t *root_strings(const struct pk *r)
{
	json_t *a = json_array();

	if (r && (r->k == PK_LIST || r->k == PK_TUPLE))
		for (size_t i = 0; i < r->n; i++)
			if (r->items[i] && r->items[i]->k == PK_STR)
				json_array_append_new(
				    a, ckpt_jstr(r->items[i]->s,
						 r->items[i]->slen, 200));
	return a;
}

int ckpt_pickle_scan(const uint8_t *data, size_t len, const char *what,
		     json_t **out, size_t *consumed, struct ml_err *err)
{
	struct pk_state st = {0};
	struct walk w = {0};
	int rc = 0;

	st.globals = json_array();
	w.tensors = json_array();
	w.storages = json_object();
	w.values = json_object();
	w.overflows = json_array();
	w.budget = WALK_BUDGET;
	if (len > CKPT_PKL_MAX_BYTES)
		rc = ml_err_set(err, ML_EUNSUPPORTED,
				"%s: %zu bytes, over the scanner's limit", what,
				len);
	else if (pk_run(&st, data, len, what, err))
		rc = err->code;
	*consumed = st.pos;
	if (!rc)
		walk(&w, st.root, 0);
	*out = json_pack("{s:i, s:o, s:I, s:I, s:o, s:o, s:b, s:I}", "protocol",
			 st.proto, "tensors", w.tensors, "tensor_count",
			 (json_int_t)w.ntensors, "tensor_bytes",
			 (json_int_t)w.tbytes, "storages", w.storages, "values",
			 w.values, "too_deep", w.too_deep || !w.budget,
			 "bad_tensors", (json_int_t)w.bad_tensors);
	json_object_set_new(*out, "overflows", w.overflows);
	json_object_set_new(*out, "overflow_count",
			    json_integer((json_int_t)w.noverflows));
	json_object_set_new(*out, "globals_over_limit",
			    json_boolean(st.globals_over));
	classify(*out, st.globals);
	if (!rc)
		json_object_set_new(*out, "root_strings",
				    root_strings(st.root));
	json_decref(st.globals);
	buf_free(&w.path);
	pk_state_free(&st);
	return rc;
}
