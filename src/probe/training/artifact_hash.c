/* artifact_hash.c: sha256 of many files in parallel: a fixed pool of
 * pthreads takes files from a shared queue (largest first, so the last
 * big file does not run alone), each reads ART_READ_BYTES at a time with
 * posix_fadvise(SEQUENTIAL) into OpenSSL's EVP sha256. The calling thread
 * waits and prints progress. */
#include "core/dur.h"
#include "probe/training/artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"

struct pool {
	struct artifact_list *l;
	size_t *order; /* indices of files to hash, largest first */
	size_t norder;
	EVP_MD *md;
	volatile sig_atomic_t *cancel;
	atomic_size_t next; /* queue head */
	atomic_size_t done; /* files finished */
	atomic_llong bytes; /* bytes read so far */
	atomic_int failed;  /* an OpenSSL error */
	int running;	    /* workers not yet exited (under mu) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static int cancelled(const struct pool *p)
{
	return p->cancel && *p->cancel;
}

/* Hashes one file into f. Returns 0, an errno, or -1 for OpenSSL. */
static int hash_file(struct pool *p, EVP_MD_CTX *ctx, unsigned char *buf,
		     struct artifact_file *f)
{
	int fd = open(f->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int64_t total = 0;
	struct stat st;
	unsigned int len = 0;
	int rc = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0)
		rc = errno;
	else if (!S_ISREG(st.st_mode))
		rc = EINVAL;
	if (rc) {
		close(fd);
		return rc;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!EVP_DigestInit_ex(ctx, p->md, NULL))
		rc = -1;
	while (!rc) {
		ssize_t n = read(fd, buf, ART_READ_BYTES);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = errno;
		else if (n == 0)
			break;
		else if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			rc = -1;
		else {
			total += n;
			atomic_fetch_add(&p->bytes, n);
		}
		if (!rc && cancelled(p))
			rc = ECANCELED;
	}
	if (!rc && !EVP_DigestFinal_ex(ctx, f->sha, &len))
		rc = -1;
	close(fd);
	f->size = total;
	return rc;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	unsigned char *buf = malloc(ART_READ_BYTES);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!buf || !ctx)
		atomic_store(&p->failed, 1);
	while (buf && ctx && !cancelled(p) && !atomic_load(&p->failed)) {
		size_t i = atomic_fetch_add(&p->next, 1);
		struct artifact_file *f;
		int rc;

		if (i >= p->norder)
			break;
		f = &p->l->v[p->order[i]];
		rc = hash_file(p, ctx, buf, f);
		if (rc < 0)
			atomic_store(&p->failed, 1);
		f->err = rc > 0 ? rc : 0;
		atomic_fetch_add(&p->done, 1);
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	pthread_mutex_lock(&p->mu);
	if (--p->running == 0)
		pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int by_size_desc(const void *a, const void *b, void *arg)
{
	const struct artifact_list *l = arg;
	int64_t x = l->v[*(const size_t *)a].size;
	int64_t y = l->v[*(const size_t *)b].size;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Waits for the workers, printing a progress line every 2 seconds once
 * the work has lasted one. */
static void wait_progress(struct pool *p, FILE *progress, int64_t total)
{
	double start = time_mono_s(), last = start;

	pthread_mutex_lock(&p->mu);
	while (p->running > 0) {
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 250000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &dl);
		double t = time_mono_s();
		if (progress && t - start >= 1 && t - last >= 2) {
			double gib = (double)atomic_load(&p->bytes) / (1 << 30);
			fprintf(progress,
				"artifact: %zu/%zu files, %.2f/%.2f GiB, "
				"%.0f MiB/s\n",
				atomic_load(&p->done), p->norder, gib,
				(double)total / (1 << 30),
				gib * 1024 / (t - start));
			last = t;
		}
	}
	pthread_mutex_unlock(&p->mu);
}

static int start_workers(struct pool *p, int n, pthread_t *tids)
{
	int started = 0;

	p->running = n;
	for (; started < n; started++)
		if (pthread_create(&tids[started], NULL, worker, p) != 0)
			break;
	if (started < n) {
		pthread_mutex_lock(&p->mu);
		p->running -= n - started;
		pthread_mutex_unlock(&p->mu);
	}
	return started;
}

int artifact_hash(struct artifact_list *l, int nthreads, FILE *progress,
		  volatile sig_atomic_t *cancel, int *used, struct ml_err *err)
{
	struct pool p = {.l = l, .cancel = cancel};
	pthread_t *tids;
	int64_t total = 0;
	int started, rc = 0;

	*used = 0;
	p.order = xcalloc(l->n ? l->n : 1, sizeof(*p.order));
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].skip && !l->v[i].err) {
			p.order[p.norder++] = i;
			total += l->v[i].size;
		}
	qsort_r(p.order, p.norder, sizeof(*p.order), by_size_desc, l);
	if (nthreads <= 0)
		nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > ART_MAX_THREADS)
		nthreads = ART_MAX_THREADS;
	if ((size_t)nthreads > p.norder)
		nthreads = p.norder ? (int)p.norder : 1;
	p.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!p.md) {
		free(p.order);
		return ml_err_set(err, ML_EINTERNAL,
				  "OpenSSL has no SHA256 digest");
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	tids = xcalloc((size_t)nthreads, sizeof(*tids));
	started = start_workers(&p, nthreads, tids);
	wait_progress(&p, started ? progress : NULL, total);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (!started || atomic_load(&p.failed))
		rc = ml_err_set(err, ML_EINTERNAL, "%s",
				started ? "OpenSSL sha256 failed"
					: "cannot start hashing threads");
	else if (cancel && *cancel)
		rc = ml_err_set(err, ML_ETIMEOUT, "hashing cancelled");
	*used = started;
	free(tids);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	EVP_MD_free(p.md);
	free(p.order);
	return rc;
}

void artifact_hex(const unsigned char sha[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[sha[i] >> 4];
		out[2 * i + 1] = hex[sha[i] & 15];
	}
	out[64] = '\0';
}
