/* ckpt_legacy.c: the legacy torch.save format (before PyTorch 1.6, or
 * _use_new_zipfile_serialization=False): five pickles back to back (magic
 * number, protocol version 1001, sys info, the data, the storage keys),
 * then for each key an 8-byte little-endian element count and the
 * storage's bytes. Checks each pickle (its globals too: torch.load
 * unpickles all five) and each storage record against the file's bounds.
 * The format has no checksums. Also scans the first pickle of a file that
 * is no known format: torch.load unpickles any file that is not a zip. */
#include <string.h>

#include "core/out.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

static const uint8_t magic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
				0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};

int ckpt_is_legacy(const uint8_t *p, uint64_t n)
{
	return n >= sizeof(magic) && !memcmp(p, magic, sizeof(magic));
}

/* Scans the pickle at off into *scan (always set; caller decrefs) and
 * sets *used. The pickle's length is unknown: it is read through a window
 * that starts at 64 KiB and doubles while the scan runs off its end, up
 * to what is left of the file or the scanner's limit (a longer pickle
 * then reads as a limit, not as damage). Returns 0 or the scan's error
 * code (err filled, prefixed with the file byte). */
static int scan_window(const struct ckpt_file *f, uint64_t off,
		       const char *what, struct buf *scratch, json_t **scan,
		       size_t *used, struct ml_err *err)
{
	size_t n = 64 * 1024;
	uint64_t left = f->size - off;
	const uint8_t *p;

	*scan = NULL;
	for (;;) {
		if (n > left)
			n = (size_t)left;
		if (n > CKPT_PKL_MAX_BYTES)
			n = CKPT_PKL_MAX_BYTES;
		json_decref(*scan);
		*scan = NULL;
		memset(err, 0, sizeof(*err));
		if (!(p = ckpt_bytes(f, off, n, scratch))) {
			ml_err_set(err, ML_EINPUT, "%s: cannot be read", what);
			break;
		}
		if (!ckpt_pickle_scan(p, n, what, scan, used, err))
			return 0;
		if (n == left || n == CKPT_PKL_MAX_BYTES ||
		    err->code != ML_EINPUT || !strstr(err->msg, "truncated"))
			break;
		n *= 2;
	}
	if (n < left && err->code == ML_EINPUT && strstr(err->msg, "truncated"))
		err->code = ML_EUNSUPPORTED;
	ml_err_prefix(err, "file byte %llu", (unsigned long long)off);
	return err->code;
}

/* Scans the pickle at *off and moves *off past it; returns its scan
 * (caller decrefs) or NULL after adding a failed reason. The globals of
 * every pickle but the data one (its caller reports that) are checked
 * here, also those found before a scan failed: torch.load unpickles each
 * of them, so code in any runs. */
static json_t *next_pickle(const struct ckpt_file *f, uint64_t *off,
			   const char *what, struct buf *scratch, json_t *ff)
{
	struct ml_err err = {0};
	json_t *scan = NULL;
	size_t used = 0;
	int data = !strcmp(what, "data");

	if (*off >= f->size) {
		probe_reason(ff, PV_FAILED, "truncated",
			     "file ends before the %s pickle", what);
		return NULL;
	}
	if (!scan_window(f, *off, what, scratch, &scan, &used, &err)) {
		*off += used;
		if (!data)
			ckpt_pickle_globals(ff, scan, what);
		return scan;
	}
	ckpt_pickle_fail(ff, &err);
	if (data)
		ckpt_pickle_report(ff, scan);
	else if (scan)
		ckpt_pickle_globals(ff, scan, what);
	json_decref(scan);
	return NULL;
}

void ckpt_legacy_stray(const struct ckpt_file *f, json_t *ff)
{
	struct ml_err err = {0};
	struct buf scratch = BUF_INIT;
	json_t *scan = NULL;
	size_t used;

	if (f->size) {
		scan_window(f, 0, "magic-number", &scratch, &scan, &used, &err);
		if (scan)
			ckpt_pickle_globals(ff, scan, "magic-number");
	}
	json_decref(scan);
	buf_free(&scratch);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Walks the storage records that follow the pickles. */
static void records(const struct ckpt_file *f, uint64_t off, json_t *keys,
		    json_t *storages, struct buf *scratch, json_t *ff)
{
	size_t i;
	json_t *k;
	const uint8_t *p;

	json_array_foreach(keys, i, k)
	{
		const char *key = json_string_value(k);
		json_t *s = json_object_get(storages, key);
		uint64_t n, es = (uint64_t)jget_int(s, "elem_size", 0);
		if (f->size - off < 8 ||
		    !(p = ckpt_bytes(f, off, 8, scratch))) {
			probe_reason(ff, PV_FAILED, "truncated",
				     "file ends before storage %s", key);
			return;
		}
		n = rd64(p);
		if (!s || !es || n != (uint64_t)jget_int(s, "numel", -1)) {
			probe_reason(
			    ff, PV_FAILED, "storage_size",
			    "storage %s at byte %llu: record says %llu "
			    "elements, data pickle says %lld",
			    key, (unsigned long long)off, (unsigned long long)n,
			    jget_int(s, "numel", -1));
			return;
		}
		if (n > (f->size - off - 8) / es) {
			probe_reason(ff, PV_FAILED, "truncated",
				     "storage %s: %llu bytes at byte %llu run "
				     "past the end of the file",
				     key, (unsigned long long)(n * es),
				     (unsigned long long)off + 8);
			return;
		}
		off += 8 + n * es;
	}
	if (off != f->size)
		probe_reason(ff, PV_DEGRADED, "trailing_bytes",
			     "%llu bytes after the last storage",
			     (unsigned long long)(f->size - off));
}

void ckpt_legacy_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		       json_t *ff)
{
	uint64_t off = sizeof(magic);
	json_t *proto = NULL, *sys = NULL, *data = NULL, *keys = NULL;
	struct buf scratch = BUF_INIT;

	jset_str(ff, "format", "torch-legacy");
	if (!(proto = next_pickle(f, &off, "protocol", &scratch, ff)) ||
	    !(sys = next_pickle(f, &off, "sys_info", &scratch, ff)))
		goto out;
	if (jget_bool(json_object_get(sys, "values"), "little_endian", 1) == 0)
		probe_reason(ff, PV_DEGRADED, "byteorder",
			     "saved on a big-endian machine");
	if (!(data = next_pickle(f, &off, "data", &scratch, ff)))
		goto out;
	ckpt_pickle_report(ff, data);
	if (!(keys = next_pickle(f, &off, "storage_keys", &scratch, ff)))
		goto out;
	records(f, off, json_object_get(keys, "root_strings"),
		json_object_get(data, "storages"), &scratch, ff);
	if (o->deep)
		ckpt_deep_sha256(
		    f, o, ff,
		    "the legacy format has no checksums: a flipped "
		    "bit in tensor data cannot be detected; "
		    "compare sha256 with a manifest (check "
		    "artifact)");
out:
	buf_free(&scratch);
	json_decref(proto);
	json_decref(sys);
	json_decref(data);
	json_decref(keys);
}
