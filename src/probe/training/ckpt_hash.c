/* ckpt_hash.c: the deep check's single pass over a file: large sequential
 * reads into two rotating blocks; this thread feeds each block to sha256
 * (OpenSSL EVP) while a second thread feeds the same block's zip-entry
 * ranges to zlib's crc32, so both digests come from one read of the bytes
 * and the CRC costs no wall time next to sha256. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

#define BLOCK (4u << 20)

struct crc_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *blk[2];
	uint64_t blk_off[2];
	size_t blk_len[2];
	uint64_t posted, done; /* blocks handed over / finished */
	int quit;
	const uint64_t *off, *len;
	uint32_t *crcs;
	size_t n, cur; /* ranges; first range not yet finished */
};

/* CRCs the parts of the ranges that fall in block [bo, bo+bl). */
static void crc_block(struct crc_job *j, const uint8_t *p, uint64_t bo,
		      size_t bl)
{
	for (size_t i = j->cur; i < j->n; i++) {
		uint64_t s = j->off[i], e = j->off[i] + j->len[i];
		if (s >= bo + bl)
			break;
		if (e <= bo) {
			if (i == j->cur)
				j->cur++;
			continue;
		}
		uint64_t a = s > bo ? s : bo, b = e < bo + bl ? e : bo + bl;
		j->crcs[i] = (uint32_t)crc32_z(j->crcs[i], p + (a - bo),
					       (size_t)(b - a));
		if (e <= bo + bl && i == j->cur)
			j->cur++;
	}
}

static void *crc_thread(void *arg)
{
	struct crc_job *j = arg;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (j->done == j->posted && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->done == j->posted)
			break;
		int s = (int)(j->done % 2);
		pthread_mutex_unlock(&j->mu);
		crc_block(j, j->blk[s], j->blk_off[s], j->blk_len[s]);
		pthread_mutex_lock(&j->mu);
		j->done++;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* Reads up to n bytes at off; returns bytes read or -1. */
static ssize_t read_full(int fd, uint8_t *p, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int pass(const struct ckpt_file *f, const struct ckpt_opts *o,
		struct crc_job *j, EVP_MD_CTX *md, struct ml_err *err)
{
	uint64_t off = 0;

	for (uint64_t k = 0; off < f->size; k++) {
		int s = (int)(k % 2);
		pthread_mutex_lock(&j->mu);
		while (j->done + 1 < k) /* block k-2 (same slot) finished? */
			pthread_cond_wait(&j->cv, &j->mu);
		pthread_mutex_unlock(&j->mu);
		if (o->cancel && *o->cancel)
			return ml_err_set(err, ML_ETIMEOUT, "%s: cancelled",
					  f->path);
		size_t want =
		    f->size - off < BLOCK ? (size_t)(f->size - off) : BLOCK;
		ssize_t r = read_full(f->fd, j->blk[s], want, off);
		if (r != (ssize_t)want)
			return ml_err_set(err, ML_EIO,
					  "%s: read at byte %llu: %s", f->path,
					  (unsigned long long)off,
					  r < 0 ? strerror(errno)
						: "file shrank while reading");
		j->blk_off[s] = off;
		j->blk_len[s] = want;
		pthread_mutex_lock(&j->mu);
		j->posted = k + 1;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		EVP_DigestUpdate(md, j->blk[s], want);
		off += want;
	}
	return 0;
}

int ckpt_hash_pass(const struct ckpt_file *f, const struct ckpt_opts *o,
		   const uint64_t *off, const uint64_t *len, uint32_t *crcs,
		   size_t n, char hex[65], struct ml_err *err)
{
	struct crc_job j = {.off = off, .len = len, .crcs = crcs, .n = n};
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	pthread_t th;
	int rc;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return ml_err_set(err, ML_EINTERNAL, "sha256 unavailable");
	}
	for (size_t i = 0; i < n; i++)
		crcs[i] = (uint32_t)crc32_z(0, NULL, 0);
	j.blk[0] = xmalloc(BLOCK);
	j.blk[1] = xmalloc(BLOCK);
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (pthread_create(&th, NULL, crc_thread, &j)) {
		rc = ml_err_set(err, ML_EINTERNAL, "cannot start a thread");
	} else {
		rc = pass(f, o, &j, md, err);
		pthread_mutex_lock(&j.mu);
		j.quit = 1;
		pthread_cond_broadcast(&j.cv);
		pthread_mutex_unlock(&j.mu);
		pthread_join(th, NULL);
	}
	EVP_DigestFinal_ex(md, d, &dl);
	for (unsigned i = 0; i < dl && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[64] = 0;
	EVP_MD_CTX_free(md);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	free(j.blk[0]);
	free(j.blk[1]);
	return rc;
}

void ckpt_deep_sha256(const struct ckpt_file *f, const struct ckpt_opts *o,
		      json_t *ff, const char *note)
{
	struct ml_err err = {0};
	char hex[65];

	if (ckpt_hash_pass(f, o, NULL, NULL, NULL, 0, hex, &err))
		probe_reason(ff, PV_UNKNOWN, "deep_check", "%s", err.msg);
	else
		jset_str(ff, "sha256", hex);
	probe_reason(ff, PV_HEALTHY, "no_checksums", "%s", note);
}
