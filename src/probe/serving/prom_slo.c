/* prom_slo.c: gathering the two counters of an SLO (bad or good events,
 * and all events) over time, from snapshots or a Prometheus server, and
 * handing them to prom_burn. */
#include "probe/serving/prom_slo.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/serving/prom_api.h"
#include "probe/serving/prom_burn.h"
#include "probe/serving/prom_expo.h"

/* Largest snapshot file read. */
#define SNAPSHOT_MAX_BYTES (64 * 1024 * 1024)

static int is_latency(const struct prom_slo_spec *sp)
{
	return sp->metric != NULL;
}

/* Sums the counters of sp in one snapshot into pt. */
static int snapshot_sums(const struct prom_expo *e,
			 const struct prom_slo_spec *sp,
			 const struct prom_sel *a, const struct prom_sel *b,
			 const char *file, struct prom_point *pt,
			 struct ml_err *err)
{
	struct buf name = BUF_INIT;
	int found_le = 0;

	pt->part = pt->total = 0;
	buf_printf(&name, "%s_bucket", sp->metric ? sp->metric : "");
	for (size_t i = 0; i < e->nsamples; i++) {
		const struct prom_sample *s = &e->samples[i];
		const char *le;
		double v;

		if (!is_latency(sp)) {
			if (prom_sel_match(a, s, 0))
				pt->part += s->value;
			if (prom_sel_match(b, s, 0))
				pt->total += s->value;
			continue;
		}
		if (strcmp(s->name, name.data) || !prom_sel_match(a, s, 1) ||
		    !(le = prom_sample_label(s, "le")) ||
		    prom_parse_value(le, strlen(le), &v))
			continue;
		if (v == sp->threshold) {
			pt->part += s->value;
			found_le = 1;
		}
		if (isinf(v) && v > 0)
			pt->total += s->value;
	}
	buf_free(&name);
	if (is_latency(sp) && !found_le)
		return ml_err_at(err, ML_EINPUT, file, 0, 0,
				 "no %s_bucket with le=%g: the threshold must "
				 "be a bucket bound",
				 sp->metric, sp->threshold);
	return 0;
}

/* Time of a snapshot from its file name stem. */
static int stem_time(const char *fname, int64_t *ms)
{
	char *stem = xstrdup(fname), *dot = strrchr(stem, '.');
	int64_t secs;
	int rc;

	*dot = 0;
	if (!str_to_i64(stem, &secs) && secs >= 0 && secs < 1LL << 40) {
		*ms = secs * 1000;
		rc = 0;
	} else {
		rc = time_parse(stem, ms);
	}
	free(stem);
	return rc;
}

static int cmp_point(const void *a, const void *b)
{
	int64_t x = ((const struct prom_point *)a)->t_ms;
	int64_t y = ((const struct prom_point *)b)->t_ms;
	return x < y ? -1 : x > y;
}

/* Parses one snapshot file and appends its point. */
static int add_snapshot(const char *dir, const char *fname,
			const struct prom_slo_spec *sp,
			const struct prom_sel *a, const struct prom_sel *b,
			struct prom_point *pt, struct ml_err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct prom_expo e;
	int rc;

	buf_printf(&path, "%s/%s", dir, fname);
	if (stem_time(fname, &pt->t_ms)) {
		rc = ml_err_at(err, ML_EINPUT, path.data, 0, 0,
			       "snapshot name must be a time: epoch seconds "
			       "or RFC 3339 (1795000000.prom, "
			       "2026-11-23T09:00:00Z.prom)");
	} else if (buf_read_file(&text, path.data, SNAPSHOT_MAX_BYTES)) {
		rc = ml_err_set(err, ML_EIO, "%s: %s", path.data,
				strerror(errno));
	} else if ((rc = prom_expo_parse(text.data, text.len, path.data, &e,
					 err)) == 0) {
		rc = snapshot_sums(&e, sp, a, b, path.data, pt, err);
		prom_expo_free(&e);
	}
	buf_free(&path);
	buf_free(&text);
	return rc;
}

static int make_sels(const struct prom_slo_spec *sp, struct prom_sel **a,
		     struct prom_sel **b, struct ml_err *err)
{
	int rc;

	*a = *b = NULL;
	if (is_latency(sp))
		return sp->labels ? prom_sel_parse(sp->labels, a, err) : 0;
	if ((rc = prom_sel_parse(sp->errors, a, err)) != 0)
		return rc;
	return prom_sel_parse(sp->total, b, err);
}

int prom_slo_from_snapshots(const char *dir, const struct prom_slo_spec *sp,
			    json_t *facts, struct ml_err *err)
{
	struct prom_sel *a = NULL, *b = NULL;
	struct prom_point *pts = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int rc;

	if ((rc = make_sels(sp, &a, &b, err)) != 0)
		goto out;
	if (!(d = opendir(dir))) {
		rc = ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				"snapshots %s: %s", dir, strerror(errno));
		goto out;
	}
	while (!rc && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !(str_ends(de->d_name, ".prom") ||
					      str_ends(de->d_name, ".txt")))
			continue;
		pts = xrealloc(pts, (n + 1) * sizeof(*pts));
		rc = add_snapshot(dir, de->d_name, sp, a, b, &pts[n], err);
		n += !rc;
	}
	closedir(d);
	if (!rc) {
		if (n)
			qsort(pts, n, sizeof(*pts), cmp_point);
		jset_str(facts, "source", dir);
		prom_burn_facts(pts, n, is_latency(sp), sp->objective,
				sp->period_ms, facts);
	}
out:
	free(pts);
	prom_sel_free(a);
	prom_sel_free(b);
	return rc;
}
