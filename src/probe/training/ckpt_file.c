/* ckpt_file.c: one checkpoint file: open it, read byte ranges of it,
 * detect its format by content (zip, legacy torch.save magic, safetensors
 * header), run the format's checker, and keep the file facts' shape the same
 * for all. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/out.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

int ckpt_file_open(struct ckpt_file *f, const char *path, struct ml_err *err)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "%s: %s", path, strerror(errno));
	if (fstat(f->fd, &st) || !S_ISREG(st.st_mode)) {
		ml_err_set(err, ML_EINPUT, "%s: not a regular file", path);
		close(f->fd);
		f->fd = -1;
		return ML_EINPUT;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

void ckpt_file_close(struct ckpt_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

const uint8_t *ckpt_bytes(const struct ckpt_file *f, uint64_t off, size_t len,
			  struct buf *scratch)
{
	size_t got = 0;

	if (off > f->size || len > f->size - off)
		return NULL;
	if (f->mem)
		return f->mem + off;
	buf_reset(scratch);
	buf_grow(scratch, len);
	while (got < len) {
		ssize_t r = pread(f->fd, scratch->data + got, len - got,
				  (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		got += (size_t)r;
	}
	scratch->len = len;
	scratch->data[len] = 0;
	return (const uint8_t *)scratch->data;
}

/* The first bytes of a file, for sniffing its format. */
struct head {
	const uint8_t *p;
	size_t n;
};

static int looks_safetensors(const struct head *h)
{
	return h->n >= 9 && h->p[8] == '{' && !h->p[5] && !h->p[6] && !h->p[7];
}

/* A zip local header or empty-archive EOCD at byte 0. */
static int zip_start(const struct head *h)
{
	return h->n >= 4 && h->p[0] == 'P' && h->p[1] == 'K' &&
	       (h->p[2] == 3 || h->p[2] == 5) && h->p[3] == h->p[2] + 1;
}

/* An EOCD signature in the last 64 KiB (a zip whose start is damaged). */
static int zip_end(const struct ckpt_file *f)
{
	static const uint8_t eocd[] = {'P', 'K', 5, 6};
	uint64_t lo = f->size > 65557 ? f->size - 65557 : 0;
	struct buf tail = BUF_INIT;
	const uint8_t *p;
	int found;

	if (f->size < 22 ||
	    !(p = ckpt_bytes(f, lo, (size_t)(f->size - lo), &tail))) {
		buf_free(&tail);
		return 0;
	}
	found = memmem(p, (size_t)(f->size - lo), eocd, 4) != NULL;
	buf_free(&tail);
	return found;
}

/* True when the first bytes are all zero (a zeroed or preallocated file). */
static int zero_start(const struct head *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->p[i])
			return 0;
	return 1;
}

static void dispatch(const struct ckpt_file *f, const struct ckpt_opts *o,
		     json_t *ff)
{
	struct buf scratch = BUF_INIT;
	struct head h = {NULL, f->size < 4096 ? (size_t)f->size : 4096};

	if (f->size && !(h.p = ckpt_bytes(f, 0, h.n, &scratch))) {
		jset_str(ff, "format", "unknown");
		probe_reason(ff, PV_FAILED, "unreadable",
			     "the file's first %zu bytes cannot be read", h.n);
	} else if (f->size == 0) {
		jset_str(ff, "format", "empty");
		probe_reason(ff, PV_FAILED, "empty",
			     "the file is empty (0 bytes)");
	} else if (zip_start(&h)) {
		ckpt_zip_check(f, o, ff);
	} else if (ckpt_is_legacy(h.p, h.n)) {
		ckpt_legacy_check(f, o, ff);
	} else if (looks_safetensors(&h)) {
		ckpt_st_check(f, o, ff);
	} else if (zip_end(f)) {
		ckpt_zip_check(f, o, ff);
		ckpt_legacy_stray(f, ff); /* torch.load does not see a zip */
	} else if (zero_start(&h)) {
		jset_str(ff, "format", "unknown");
		probe_reason(ff, PV_FAILED, "zeroed",
			     "the file starts with zero bytes: it was "
			     "preallocated or overwritten, not written");
	} else {
		jset_str(ff, "format", "unknown");
		probe_reason(ff, PV_FAILED, "unknown_format",
			     "not a PyTorch zip, legacy torch.save or "
			     "safetensors file");
		ckpt_legacy_stray(f, ff);
	}
	buf_free(&scratch);
}

/* New file facts for f, checked. */
static json_t *check_open(const struct ckpt_file *f, const struct ckpt_opts *o)
{
	json_t *ff = json_pack("{s:o, s:s, s:I, s:s, s:[]}", "path",
			       ckpt_jstr(f->path, strlen(f->path), 4096),
			       "format", "unknown", "size", (json_int_t)f->size,
			       "verdict", "healthy", "reasons");

	dispatch(f, o, ff);
	return ff;
}

int ckpt_check_file(const char *path, const struct ckpt_opts *o, json_t **out,
		    struct ml_err *err)
{
	struct ckpt_file f;
	int rc;

	*out = NULL;
	if ((rc = ckpt_file_open(&f, path, err)) != 0)
		return rc;
	*out = check_open(&f, o);
	ckpt_file_close(&f);
	return 0;
}

json_t *ckpt_check_mem(const char *name, const uint8_t *p, size_t n)
{
	static const uint8_t none[1];
	struct ckpt_file f = {name, -1, n, n ? p : none};
	struct ckpt_opts o = {0, NULL, NULL};

	return check_open(&f, &o);
}
