/* serve_fault.c: POST /admin/fault: injects faults (latency, error rate,
 * bad model, shifted input, a corrupted model file on disk, memory
 * pressure) and clears them. Fields not given keep their value;
 * {"clear": true} resets everything, restores the file and frees the
 * memory. The whole body is validated before anything changes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "serve.h"

static const char *const fault_keys[] = {
    "latency_ms",   "error_rate", "bad_model", "shift",
    "corrupt_file", "memory_mb",  "clear",     NULL};

/* Checks key names and types; fills f from cur with the given fields. */
static int parse_faults(const json_t *o, const struct srv_faults *cur,
			struct srv_faults *f, int *clear, struct srv_resp *r)
{
	const char *k;
	const json_t *v;

	*f = *cur;
	*clear = 0;
	json_object_foreach((json_t *)o, k, v)
	{
		const char *near = str_nearest(k, fault_keys);
		double d = json_number_value(v);
		int isnum = json_is_number(v) && isfinite(d);
		int isint = json_is_integer(v);

		if (!strcmp(k, "latency_ms") && isint && d >= 0 &&
		    d <= SRV_MAX_LATENCY_MS)
			f->latency_ms = (int)d;
		else if (!strcmp(k, "error_rate") && isnum && d >= 0 && d <= 1)
			f->error_rate = d;
		else if (!strcmp(k, "bad_model") && json_is_boolean(v))
			f->bad_model = json_is_true(v);
		else if (!strcmp(k, "shift") && isnum && fabs(d) <= 1000)
			f->shift = d;
		else if (!strcmp(k, "corrupt_file") && json_is_boolean(v))
			f->corrupt_file = json_is_true(v);
		else if (!strcmp(k, "memory_mb") && isint && d >= 0 &&
			 d <= SRV_MAX_MEMORY_MB)
			f->memory_mb = (int)d;
		else if (!strcmp(k, "clear") && json_is_boolean(v))
			*clear = json_is_true(v);
		else if (near && !strcmp(near, k)) {
			srv_error(
			    r, 400, "%s: expected %s", k,
			    !strcmp(k, "latency_ms")   ? "an integer 0-60000"
			    : !strcmp(k, "error_rate") ? "a number 0-1"
			    : !strcmp(k, "shift")      ? "a number -1000-1000"
			    : !strcmp(k, "memory_mb")  ? "an integer 0-4096"
						       : "true or false");
			return -1;
		} else {
			srv_error(r, 400, "unknown fault `%s`%s%s%s", k,
				  near ? " (did you mean " : "",
				  near ? near : "", near ? "?)" : "");
			return -1;
		}
	}
	if (*clear)
		memset(f, 0, sizeof(*f));
	return 0;
}

/* Alters the served model file in place (the original bytes are kept to
 * restore it). s->mu held. Returns 0 or -1 with r filled. */
static int corrupt_on(struct srv *s, struct srv_resp *r)
{
	struct buf b = BUF_INIT;
	FILE *fp;
	size_t mid;

	if (buf_read_file(&b, s->stable->path, IRIS_MAX_FILE_BYTES) != 0 ||
	    b.len == 0) {
		srv_error(r, 500, "corrupt_file: cannot read %s: %s",
			  s->stable->path, strerror(errno));
		buf_free(&b);
		return -1;
	}
	s->corrupt_orig = b;
	s->corrupt_path = xstrdup(s->stable->path);
	b = (struct buf)BUF_INIT;
	buf_add(&b, s->corrupt_orig.data, s->corrupt_orig.len);
	mid = b.len / 2;
	for (size_t i = mid; i < mid + 8 && i < b.len; i++)
		b.data[i] ^= 0x55; /* flip bits like a bad sector would */
	fp = fopen(s->corrupt_path, "r+b");
	if (!fp || fwrite(b.data, 1, b.len, fp) != b.len) {
		srv_error(r, 500, "corrupt_file: cannot write %s: %s",
			  s->corrupt_path, strerror(errno));
		if (fp)
			fclose(fp);
		buf_free(&b);
		return -1;
	}
	fclose(fp);
	buf_free(&b);
	return 0;
}

/* Puts the original bytes back (s->mu held). */
static int corrupt_off(struct srv *s, struct srv_resp *r)
{
	int rc = buf_write_file_atomic(
	    s->corrupt_path, buf_str(&s->corrupt_orig), s->corrupt_orig.len);

	if (rc)
		srv_error(r, 500, "corrupt_file: cannot restore %s: %s",
			  s->corrupt_path, strerror(errno));
	free(s->corrupt_path);
	s->corrupt_path = NULL;
	buf_free(&s->corrupt_orig);
	return rc;
}

/* Allocates and touches mb MiB (so it is resident), or NULL. */
static void *hold_memory(int mb)
{
	size_t n = (size_t)mb << 20;
	char *p;

	if (mb <= 0 || !(p = malloc(n)))
		return NULL;
	memset(p, 0xa5, n);
	return p;
}

void srv_fault(struct srv *s, const char *body, size_t len, struct srv_resp *r)
{
	json_t *o = srv_parse_body(body, len, r);
	struct srv_faults f;
	void *mem = NULL, *old = NULL;
	int clear, rc = 0, cur_mb;

	if (!o)
		return;
	pthread_mutex_lock(&s->mu);
	rc = parse_faults(o, &s->f, &f, &clear, r);
	cur_mb = s->f.memory_mb;
	pthread_mutex_unlock(&s->mu);
	json_decref(o);
	if (rc)
		return;
	if (f.memory_mb && f.memory_mb != cur_mb &&
	    !(mem = hold_memory(f.memory_mb))) {
		srv_error(r, 507, "memory_mb: cannot allocate %d MiB",
			  f.memory_mb);
		return;
	}
	pthread_mutex_lock(&s->mu);
	if (f.corrupt_file && !s->corrupt_path)
		rc = corrupt_on(s, r);
	else if (!f.corrupt_file && s->corrupt_path)
		rc = corrupt_off(s, r);
	if (rc)
		f.corrupt_file = s->corrupt_path != NULL;
	if (f.memory_mb != s->f.memory_mb) {
		old = s->mem;
		s->mem = mem;
		mem = NULL;
	}
	s->f = f;
	fprintf(stderr,
		"irisd serve: faults: latency_ms=%d error_rate=%g bad_model=%d "
		"shift=%g corrupt_file=%d memory_mb=%d\n",
		f.latency_ms, f.error_rate, f.bad_model, f.shift,
		f.corrupt_file, f.memory_mb);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(old);
	free(mem);
	if (!rc)
		srv_json(r, 200, srv_state_json(s));
}
