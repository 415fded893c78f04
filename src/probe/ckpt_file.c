/* ckpt_file.c: one checkpoint file: open and map it, detect its format by
 * content (zip, legacy torch.save magic, safetensors header), run the
 * format's checker, and keep the file facts' shape the same for all. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/out.h"
#include "probe/ckpt.h"
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
	if (f->size) {
		void *m = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE,
			       f->fd, 0);
		if (m == MAP_FAILED) {
			ml_err_set(err, ML_EIO, "%s: mmap: %s", path,
				   strerror(errno));
			close(f->fd);
			f->fd = -1;
			return ML_EIO;
		}
		madvise(m, (size_t)f->size, MADV_RANDOM);
		f->map = m;
	}
	return 0;
}

void ckpt_file_close(struct ckpt_file *f)
{
	if (f->map)
		munmap((void *)f->map, (size_t)f->size);
	if (f->fd >= 0)
		close(f->fd);
	f->map = NULL;
	f->fd = -1;
}

static int looks_safetensors(const struct ckpt_file *f)
{
	return f->size >= 9 && f->map[8] == '{' && !f->map[5] && !f->map[6] &&
	       !f->map[7];
}

/* A zip local header or empty-archive EOCD at byte 0. */
static int zip_start(const struct ckpt_file *f)
{
	return f->size >= 4 && f->map[0] == 'P' && f->map[1] == 'K' &&
	       (f->map[2] == 3 || f->map[2] == 5) && f->map[3] == f->map[2] + 1;
}

/* An EOCD signature in the last 64 KiB (a zip whose start is damaged). */
static int zip_end(const struct ckpt_file *f)
{
	static const uint8_t eocd[] = {'P', 'K', 5, 6};
	uint64_t lo = f->size > 65557 ? f->size - 65557 : 0;
	return f->size >= 22 &&
	       memmem(f->map + lo, (size_t)(f->size - lo), eocd, 4) != NULL;
}

/* True when the first bytes are all zero (a zeroed or preallocated file). */
static int zero_start(const struct ckpt_file *f)
{
	size_t n = f->size < 4096 ? (size_t)f->size : 4096;

	for (size_t i = 0; i < n; i++)
		if (f->map[i])
			return 0;
	return 1;
}

static void dispatch(const struct ckpt_file *f, const struct ckpt_opts *o,
		     json_t *ff)
{
	if (f->size == 0) {
		jset_str(ff, "format", "empty");
		probe_reason(ff, PV_FAILED, "empty",
			     "the file is empty (0 bytes)");
	} else if (zip_start(f)) {
		ckpt_zip_check(f, o, ff);
	} else if (ckpt_is_legacy(f->map, f->size)) {
		ckpt_legacy_check(f, o, ff);
	} else if (looks_safetensors(f)) {
		ckpt_st_check(f, o, ff);
	} else if (zip_end(f)) {
		ckpt_zip_check(f, o, ff);
	} else if (zero_start(f)) {
		jset_str(ff, "format", "unknown");
		probe_reason(ff, PV_FAILED, "zeroed",
			     "the file starts with zero bytes: it was "
			     "preallocated or overwritten, not written");
	} else {
		jset_str(ff, "format", "unknown");
		probe_reason(ff, PV_FAILED, "unknown_format",
			     "not a PyTorch zip, legacy torch.save or "
			     "safetensors file");
	}
}

/* New file facts for f, checked. */
static json_t *check_mapped(const struct ckpt_file *f,
			    const struct ckpt_opts *o)
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
	*out = check_mapped(&f, o);
	ckpt_file_close(&f);
	return 0;
}

json_t *ckpt_check_mem(const char *name, const uint8_t *p, size_t n)
{
	struct ckpt_file f = {name, -1, n, n ? p : NULL};
	struct ckpt_opts o = {0, NULL, NULL};

	return check_mapped(&f, &o);
}
