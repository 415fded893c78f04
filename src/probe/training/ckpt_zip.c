/* ckpt_zip.c: the PyTorch zip checkpoint format. Reads the zip structure
 * from the end (end-of-central-directory record, zip64 locator and
 * record, central directory, each local header) with every offset and
 * size checked against the file, then checks PyTorch's layout (data.pkl,
 * version, byteorder, data/KEY per storage the pickle references). With
 * --deep, CRC32 of every stored entry and sha256 of the file in one pass. */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

#define SIG_EOCD 0x06054b50u
#define SIG_Z64_LOC 0x07064b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_CDIR 0x02014b50u
#define SIG_LOCAL 0x04034b50u

struct zent {
	const char *name; /* points into zip.cd; nlen bytes */
	size_t nlen;
	uint64_t lho, data_off, csize, usize;
	uint32_t crc;
	int method, flags;
	size_t cdi; /* index in the central directory */
};

struct zip {
	struct zent *e;
	size_t n;
	uint64_t cd_off, cd_size, cd_end;
	int zip64;
	struct buf cd;	    /* the central directory's bytes */
	struct buf scratch; /* other small reads */
	const uint8_t *cdp; /* cd_size bytes of the central directory */
};

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Finds the EOCD record: last signature whose comment ends inside the
 * file, in the file's last 64 KiB + 22 bytes. Returns its offset or -1
 * (also when those bytes cannot be read). */
static int64_t find_eocd(const struct ckpt_file *f, struct zip *z)
{
	uint64_t lo;
	const uint8_t *t;

	if (f->size < 22)
		return -1;
	lo = f->size > 22 + 65535 ? f->size - 22 - 65535 : 0;
	if (!(t = ckpt_bytes(f, lo, (size_t)(f->size - lo), &z->scratch)))
		return -1;
	for (uint64_t o = f->size - 22 + 1; o-- > lo;)
		if (rd(t + (o - lo), 4) == SIG_EOCD &&
		    o + 22 + rd(t + (o - lo) + 20, 2) <= f->size)
			return (int64_t)o;
	return -1;
}

/* Reads the zip64 EOCD through its locator just before the EOCD at e. */
static int read_zip64(const struct ckpt_file *f, uint64_t e, struct zip *z,
		      uint64_t *count, json_t *ff)
{
	uint64_t r;
	const uint8_t *p;

	if (e < 20 || !(p = ckpt_bytes(f, e - 20, 20, &z->scratch)) ||
	    rd(p, 4) != SIG_Z64_LOC)
		return 1; /* none */
	r = rd(p + 8, 8);
	if (r > e - 20 || e - 20 - r < 56 ||
	    !(p = ckpt_bytes(f, r, 56, &z->scratch)) ||
	    rd(p, 4) != SIG_Z64_EOCD) {
		probe_reason(ff, PV_FAILED, "zip_zip64",
			     "zip64 end record offset %llu is not a zip64 "
			     "end-of-central-directory record",
			     (unsigned long long)r);
		return -1;
	}
	z->zip64 = 1;
	*count = rd(p + 32, 8);
	z->cd_size = rd(p + 40, 8);
	z->cd_off = rd(p + 48, 8);
	z->cd_end = r;
	return 0;
}

/* Applies a zip64 extra field (id 1) to the 0xffffffff fields. */
static int zip64_extra(const uint8_t *x, size_t xlen, struct zent *z,
		       int need_u, int need_c, int need_o)
{
	size_t i = 0;

	while (i + 4 <= xlen) {
		size_t id = rd(x + i, 2), sz = rd(x + i + 2, 2), j = i + 4;
		if (i + 4 + sz > xlen)
			return -1;
		if (id == 1) {
			if (need_u) {
				if (j + 8 > i + 4 + sz)
					return -1;
				z->usize = rd(x + j, 8), j += 8;
			}
			if (need_c) {
				if (j + 8 > i + 4 + sz)
					return -1;
				z->csize = rd(x + j, 8), j += 8;
			}
			if (need_o) {
				if (j + 8 > i + 4 + sz)
					return -1;
				z->lho = rd(x + j, 8);
			}
			return 0;
		}
		i += 4 + sz;
	}
	return need_u || need_c || need_o ? -1 : 0;
}

/* Parses one central directory record at *o; advances *o. */
static int cdir_entry(const struct ckpt_file *f, const struct zip *z,
		      uint64_t *o, struct zent *e, json_t *ff)
{
	const uint8_t *p = z->cdp + (*o - z->cd_off);
	size_t nl, xl, cl;

	(void)f;
	if (z->cd_off + z->cd_size - *o < 46 || rd(p, 4) != SIG_CDIR) {
		probe_reason(ff, PV_FAILED, "zip_central_directory",
			     "central directory record at byte %llu is "
			     "damaged or cut short",
			     (unsigned long long)*o);
		return -1;
	}
	nl = rd(p + 28, 2), xl = rd(p + 30, 2), cl = rd(p + 32, 2);
	if (z->cd_off + z->cd_size - *o < 46 + nl + xl + cl) {
		probe_reason(ff, PV_FAILED, "zip_central_directory",
			     "central directory record at byte %llu runs "
			     "past the directory",
			     (unsigned long long)*o);
		return -1;
	}
	e->flags = (int)rd(p + 8, 2);
	e->method = (int)rd(p + 10, 2);
	e->crc = (uint32_t)rd(p + 16, 4);
	e->csize = rd(p + 20, 4);
	e->usize = rd(p + 24, 4);
	e->lho = rd(p + 42, 4);
	e->name = (const char *)p + 46;
	e->nlen = nl;
	if (zip64_extra(p + 46 + nl, xl, e, e->usize == 0xffffffffu,
			e->csize == 0xffffffffu, e->lho == 0xffffffffu)) {
		probe_reason(ff, PV_FAILED, "zip_zip64",
			     "central directory record at byte %llu has a "
			     "broken zip64 extra field",
			     (unsigned long long)*o);
		return -1;
	}
	*o += 46 + nl + xl + cl;
	return 0;
}

/* Checks the local header of e (one read of the header and its name) and
 * sets e->data_off. */
static int local_header(const struct ckpt_file *f, struct zip *z,
			struct zent *e, json_t *ff)
{
	const uint8_t *p = NULL;
	json_t *nm = ckpt_jstr(e->name, e->nlen, 200);
	const char *name = json_string_value(nm);
	uint64_t room = e->lho <= z->cd_off ? z->cd_off - e->lho : 0;
	size_t want = 30 + e->nlen;
	int rc = -1;

	if (room < 30 ||
	    !(p = ckpt_bytes(f, e->lho, room < want ? (size_t)room : want,
			     &z->scratch)) ||
	    rd(p, 4) != SIG_LOCAL) {
		probe_reason(ff, PV_FAILED, "zip_local_header",
			     "entry %s: no local header at byte %llu", name,
			     (unsigned long long)e->lho);
		goto out;
	}
	e->data_off = e->lho + 30 + rd(p + 26, 2) + rd(p + 28, 2);
	if (rd(p + 26, 2) != e->nlen || room < want ||
	    e->data_off > z->cd_off || memcmp(p + 30, e->name, e->nlen)) {
		probe_reason(ff, PV_FAILED, "zip_local_header",
			     "entry %s: local header at byte %llu does not "
			     "match the central directory",
			     name, (unsigned long long)e->lho);
		goto out;
	}
	if (e->csize > z->cd_off - e->data_off) {
		probe_reason(ff, PV_FAILED, "zip_bounds",
			     "entry %s: %llu bytes at byte %llu run past the "
			     "central directory",
			     name, (unsigned long long)e->csize,
			     (unsigned long long)e->data_off);
		goto out;
	}
	if (e->method == 0 && e->csize != e->usize) {
		probe_reason(ff, PV_FAILED, "zip_bounds",
			     "entry %s is stored but its sizes differ (%llu, "
			     "%llu)",
			     name, (unsigned long long)e->csize,
			     (unsigned long long)e->usize);
		goto out;
	}
	if (e->flags & 1) {
		probe_reason(ff, PV_FAILED, "zip_encrypted",
			     "entry %s is encrypted", name);
		goto out;
	}
	rc = 0;
out:
	json_decref(nm);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	const struct zent *x = *(struct zent *const *)a,
			  *y = *(struct zent *const *)b;
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);

	if (c || x->nlen != y->nlen)
		return c ? c : x->nlen < y->nlen ? -1 : 1;
	return x->cdi < y->cdi ? -1 : x->cdi > y->cdi;
}

/* Every name held by more than one entry is a failed `zip_duplicate`:
 * zip readers disagree on which entry they read (Python's zipfile takes
 * the last), so the entry checked need not be the one loaded. Sorting
 * by name keeps this O(n log n); at most 20 names are listed. */
static void duplicates(const struct zip *z, json_t *ff)
{
	struct zent **v = xcalloc(z->n ? z->n : 1, sizeof(*v));
	size_t dup = 0;

	for (size_t i = 0; i < z->n; i++)
		v[i] = &z->e[i];
	qsort(v, z->n, sizeof(*v), cmp_name);
	for (size_t i = 0, j; i < z->n; i = j) {
		for (j = i + 1; j < z->n && v[j]->nlen == v[i]->nlen &&
				!memcmp(v[j]->name, v[i]->name, v[i]->nlen);
		     j++)
			;
		if (j - i < 2 || dup++ >= 20)
			continue;
		json_t *nm = ckpt_jstr(v[i]->name, v[i]->nlen, 200);
		probe_reason(ff, PV_FAILED, "zip_duplicate",
			     "entry %s appears %zu times in the central "
			     "directory: zip readers differ on which one "
			     "they load (Python's zipfile takes the last)",
			     json_string_value(nm), j - i);
		json_decref(nm);
	}
	if (dup > 20)
		probe_reason(ff, PV_FAILED, "zip_duplicate",
			     "%zu more entry names appear more than once",
			     dup - 20);
	free(v);
}

static int cmp_off(const void *a, const void *b)
{
	const struct zent *x = a, *y = b;

	return x->lho < y->lho ? -1 : x->lho > y->lho;
}

/* Reads the central directory into z. Returns 0, or -1 after adding a
 * failed reason to ff. */
static int zip_read(const struct ckpt_file *f, struct zip *z, json_t *ff)
{
	int64_t e = find_eocd(f, z);
	uint64_t count, o;
	const uint8_t *p;
	int r;

	if (e < 0) {
		probe_reason(ff, PV_FAILED, "zip_no_eocd",
			     "no end-of-central-directory record: the file "
			     "is truncated or its central directory is gone");
		return -1;
	}
	p = ckpt_bytes(f, (uint64_t)e, 22,
		       &z->scratch); /* found, so readable */
	if (!p)
		return -1;
	count = rd(p + 10, 2);
	z->cd_size = rd(p + 12, 4);
	z->cd_off = rd(p + 16, 4);
	z->cd_end = (uint64_t)e;
	if ((r = read_zip64(f, (uint64_t)e, z, &count, ff)) < 0)
		return -1;
	if (z->cd_off > z->cd_end || z->cd_size > z->cd_end - z->cd_off ||
	    count > z->cd_size / 46 + (z->cd_size == 0)) {
		probe_reason(ff, PV_FAILED, "zip_central_directory",
			     "central directory (%llu entries, %llu bytes at "
			     "byte %llu) lies outside the file",
			     (unsigned long long)count,
			     (unsigned long long)z->cd_size,
			     (unsigned long long)z->cd_off);
		return -1;
	}
	if (!(z->cdp = ckpt_bytes(f, z->cd_off, (size_t)z->cd_size, &z->cd))) {
		probe_reason(ff, PV_FAILED, "zip_central_directory",
			     "central directory (%llu bytes at byte %llu) "
			     "cannot be read",
			     (unsigned long long)z->cd_size,
			     (unsigned long long)z->cd_off);
		return -1;
	}
	z->e = xcalloc(count ? count : 1, sizeof(*z->e));
	o = z->cd_off;
	for (z->n = 0; z->n < count; z->n++) {
		if (cdir_entry(f, z, &o, &z->e[z->n], ff))
			return -1;
		z->e[z->n].cdi = z->n;
	}
	duplicates(z, ff);
	for (size_t i = 0; i < z->n; i++)
		if (local_header(f, z, &z->e[i], ff))
			return -1;
	qsort(z->e, z->n, sizeof(*z->e), cmp_off);
	for (size_t i = 0; i + 1 < z->n; i++)
		if (z->e[i].data_off + z->e[i].csize > z->e[i + 1].lho) {
			probe_reason(ff, PV_FAILED, "zip_overlap",
				     "zip entries overlap at byte %llu",
				     (unsigned long long)z->e[i + 1].lho);
			return -1;
		}
	return 0;
}

/* The entry named prefix[0..pl) + rest; of duplicates, the last in the
 * central directory, as Python's zipfile reads. */
static struct zent *zfind(struct zip *z, const char *prefix, size_t pl,
			  const char *rest)
{
	size_t rl = strlen(rest);
	struct zent *found = NULL;

	for (size_t i = 0; i < z->n; i++)
		if (z->e[i].nlen == pl + rl &&
		    !memcmp(z->e[i].name, prefix, pl) &&
		    !memcmp(z->e[i].name + pl, rest, rl) &&
		    (!found || z->e[i].cdi > found->cdi))
			found = &z->e[i];
	return found;
}

/* The small text content of a stored entry, as JSON, or NULL. */
static json_t *small_text(const struct ckpt_file *f, struct zip *z,
			  const struct zent *e)
{
	const uint8_t *p;
	size_t n;

	if (!e || e->method != 0 || e->csize > 64 ||
	    !(p = ckpt_bytes(f, e->data_off, (size_t)e->csize, &z->scratch)))
		return NULL;
	n = (size_t)e->csize;
	while (n && p[n - 1] == '\n')
		n--;
	return ckpt_jstr((const char *)p, n, 64);
}

/* Checks that each storage the pickle references is an entry of the right
 * size. */
static void check_storages(const struct ckpt_file *f, struct zip *z,
			   const char *pre, size_t pl, json_t *scan, json_t *ff)
{
	const char *key;
	json_t *s;
	struct buf rest = BUF_INIT;

	(void)f;
	json_object_foreach(json_object_get(scan, "storages"), key, s)
	{
		struct zent *e;
		uint64_t want = (uint64_t)jget_int(s, "numel", 0) *
				(uint64_t)jget_int(s, "elem_size", 0);
		buf_reset(&rest);
		buf_printf(&rest, "data/%s", key);
		e = zfind(z, pre, pl, buf_str(&rest));
		if (!e)
			probe_reason(ff, PV_FAILED, "missing_storage",
				     "storage %s referenced by data.pkl has no "
				     "entry %.*s%s",
				     key, (int)pl, pre, buf_str(&rest));
		else if (e->usize < want)
			probe_reason(ff, PV_FAILED, "storage_size",
				     "storage %s: entry holds %llu bytes, "
				     "tensors need %llu",
				     key, (unsigned long long)e->usize,
				     (unsigned long long)want);
	}
	buf_free(&rest);
}

/* Scans the stored pickle entry e (named what in messages). Returns 0,
 * or the scan's error code with err filled (*scan then holds what was
 * found, or NULL when the entry could not be read at all). */
static int scan_entry(const struct ckpt_file *f, struct zip *z,
		      const struct zent *e, const char *what, json_t **scan,
		      struct ml_err *err)
{
	const uint8_t *p;
	size_t used;

	*scan = NULL;
	if (e->csize > CKPT_PKL_MAX_BYTES)
		return ml_err_set(err, ML_EUNSUPPORTED,
				  "%s: %llu bytes, over the scanner's limit",
				  what, (unsigned long long)e->csize);
	if (!(p = ckpt_bytes(f, e->data_off, (size_t)e->csize, &z->scratch)))
		return ml_err_set(err, ML_EINPUT,
				  "%s: %llu bytes at byte %llu cannot be read",
				  what, (unsigned long long)e->csize,
				  (unsigned long long)e->data_off);
	return ckpt_pickle_scan(p, (size_t)e->csize, what, scan, &used, err);
}

/* Every entry but main whose name ends in .pkl (an earlier duplicate of
 * data.pkl, TorchScript's constants.pkl...) is a pickle a loader may
 * unpickle: its globals are checked, and it must scan. */
static void other_pickles(const struct ckpt_file *f, struct zip *z,
			  const struct zent *main, json_t *ff)
{
	for (size_t i = 0; i < z->n; i++) {
		const struct zent *e = &z->e[i];
		struct ml_err err = {0};
		json_t *scan, *nm;
		if (e == main || e->nlen < 4 ||
		    memcmp(e->name + e->nlen - 4, ".pkl", 4))
			continue;
		nm = ckpt_jstr(e->name, e->nlen, 200);
		if (e->method != 0) {
			probe_reason(ff, PV_FAILED, "compressed_pickle",
				     "entry %s is compressed (method %d): not "
				     "scanned for code, so not trusted",
				     json_string_value(nm), e->method);
		} else {
			if (scan_entry(f, z, e, json_string_value(nm), &scan,
				       &err))
				ckpt_pickle_fail(ff, &err);
			if (scan)
				ckpt_pickle_globals(ff, scan,
						    json_string_value(nm));
			json_decref(scan);
		}
		json_decref(nm);
	}
}

/* The records next to data.pkl (prefix pre[0..pl)): version, byteorder. */
static void records(const struct ckpt_file *f, struct zip *z, const char *pre,
		    size_t pl, json_t *ff)
{
	json_t *v;

	if ((v = small_text(f, z, zfind(z, pre, pl, "version"))) ||
	    (v = small_text(f, z, zfind(z, pre, pl, ".format_version"))))
		json_object_set_new(ff, "torch_version_record", v);
	else
		probe_reason(ff, PV_FAILED, "missing_version",
			     "no version record next to data.pkl");
	if ((v = small_text(f, z, zfind(z, pre, pl, "byteorder")))) {
		if (strcmp(json_string_value(v), "little"))
			probe_reason(ff, PV_DEGRADED, "byteorder",
				     "byteorder is %s, not little",
				     json_string_value(v));
		json_object_set_new(ff, "byteorder", v);
	}
}

/* PyTorch layout: ARCHIVE/data.pkl, version, byteorder, data/KEY; then
 * every other pickle entry. */
static void torch_layout(const struct ckpt_file *f, struct zip *z, json_t *ff)
{
	size_t pl;
	struct zent *pk;
	struct ml_err err = {0};
	json_t *scan = NULL;

	for (pk = NULL, pl = 0; pl < z->n && !pk; pl++) {
		const struct zent *e = &z->e[pl];
		if (e->nlen >= 8 &&
		    !memcmp(e->name + e->nlen - 8, "data.pkl", 8) &&
		    (e->nlen == 8 || e->name[e->nlen - 9] == '/'))
			pk = &z->e[pl];
	}
	if (!pk) {
		probe_reason(ff, PV_FAILED, "not_torch",
			     "zip archive without data.pkl: not a PyTorch "
			     "checkpoint");
		other_pickles(f, z, NULL, ff);
		return;
	}
	pl = pk->nlen - 8;
	pk = zfind(z, pk->name, pl, "data.pkl"); /* the last of duplicates */
	records(f, z, pk->name, pl, ff);
	if (pk->method != 0) {
		probe_reason(ff, PV_FAILED, "compressed_pickle",
			     "data.pkl is compressed (method %d); PyTorch "
			     "stores it uncompressed: not scanned for code, "
			     "so not trusted",
			     pk->method);
	} else {
		if (scan_entry(f, z, pk, "data.pkl", &scan, &err))
			ckpt_pickle_fail(ff, &err);
		if (scan)
			ckpt_pickle_report(ff, scan);
		if (!err.code)
			check_storages(f, z, pk->name, pl, scan, ff);
		json_decref(scan);
	}
	other_pickles(f, z, pk, ff);
}

/* Names the tensors stored in storage key, for a CRC message. */
static void tensor_names(json_t *ff, const char *name, struct buf *b)
{
	const char *slash = strrchr(name, '/');
	size_t i, n = 0;
	json_t *t;

	if (!slash || slash - name < 5 || strncmp(slash - 5, "/data", 5))
		return;
	json_array_foreach(json_object_get(ff, "tensors"), i, t)
	{
		if (strcmp(jget_str(t, "storage", ""), slash + 1))
			continue;
		buf_printf(b, "%s%s", n++ ? ", " : " (tensor ",
			   jget_str(t, "name", "?"));
		if (n == 3)
			break;
	}
	if (n)
		buf_putc(b, ')');
}

static void deep(const struct ckpt_file *f, const struct ckpt_opts *o,
		 struct zip *z, json_t *ff)
{
	uint64_t *off = xcalloc(z->n + 1, 8), *len = xcalloc(z->n + 1, 8);
	uint32_t *crc = xcalloc(z->n + 1, 4);
	size_t *idx = xcalloc(z->n + 1, sizeof(size_t)), n = 0, bad = 0;
	char hex[65];
	struct ml_err err = {0};

	for (size_t i = 0; i < z->n; i++)
		if (z->e[i].method == 0) {
			off[n] = z->e[i].data_off;
			len[n] = z->e[i].csize;
			idx[n++] = i;
		}
	if (ckpt_hash_pass(f, o, off, len, crc, n, hex, &err)) {
		probe_reason(ff, PV_UNKNOWN, "deep_check", "%s", err.msg);
		goto out;
	}
	jset_str(ff, "sha256", hex);
	for (size_t k = 0; k < n; k++) {
		struct zent *e = &z->e[idx[k]];
		if (crc[k] == e->crc)
			continue;
		struct buf b = BUF_INIT;
		json_t *nm = ckpt_jstr(e->name, e->nlen, 200);
		tensor_names(ff, json_string_value(nm), &b);
		if (bad++ < 20)
			probe_reason(ff, PV_FAILED, "crc_mismatch",
				     "entry %s%s: CRC32 %08x, central "
				     "directory says %08x",
				     json_string_value(nm), buf_str(&b), crc[k],
				     e->crc);
		json_decref(nm);
		buf_free(&b);
	}
	jset_int(ff, "crc_checked", (long long)n);
	jset_int(ff, "crc_mismatches", (long long)bad);
	if (n < z->n)
		probe_reason(ff, PV_HEALTHY, "crc_skipped",
			     "%zu compressed entries not CRC-checked",
			     z->n - n);
out:
	free(off);
	free(len);
	free(crc);
	free(idx);
}

void ckpt_zip_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		    json_t *ff)
{
	struct zip z = {.cd = BUF_INIT, .scratch = BUF_INIT};

	jset_str(ff, "format", "torch-zip");
	if (zip_read(f, &z, ff) == 0) {
		jset_int(ff, "entries", (long long)z.n);
		jset_bool(ff, "zip64", z.zip64);
		torch_layout(f, &z, ff);
		if (o->deep)
			deep(f, o, &z, ff);
	}
	free(z.e);
	buf_free(&z.cd);
	buf_free(&z.scratch);
}
