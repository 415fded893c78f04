/* tz.c: time zones as immutable tables of UTC-offset spans, read once
 * from the C library's tz support (see tz.h for why and for the rules in
 * skipped and repeated hours). */
#include "incident/tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/xmalloc.h"

/* Probed range: 1970-01-01 .. 2100-01-01 UTC, one probe a day (no zone
 * changes its offset twice within a day). */
#define TZ_PROBE_FROM 0LL
#define TZ_PROBE_TO 4102444800LL
#define TZ_PROBE_STEP 86400LL
#define TZ_ABBR_MAX 16

struct tz_span {
	int64_t from; /* first second of the span; span 0 reaches back */
	int off;
	int isdst;
	char abbr[TZ_ABBR_MAX];
};

struct tz {
	char *name;
	struct tz_span *s;
	size_t n;
};

/* The one lock around the process-wide TZ variable while a zone is
 * probed (tz_load may be called from more than one thread, never
 * concurrently with anything else reading TZ: see tz.h). */
static pthread_mutex_t tz_env_lock = PTHREAD_MUTEX_INITIALIZER;

static int name_ok(const char *name)
{
	if (!*name || *name == '/' || *name == ':' || strstr(name, "..") ||
	    strlen(name) > 200)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return 0;
	return 1;
}

/* Nonzero when TZDIR/name is a compiled zone file (TZif magic). */
static int zone_file_ok(const char *name)
{
	const char *dir = getenv("TZDIR");
	struct buf path;
	char magic[4];
	struct stat st;
	FILE *f;
	int ok = 0;

	buf_init(&path);
	buf_printf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
		   name);
	if (stat(buf_str(&path), &st) == 0 && S_ISREG(st.st_mode) &&
	    (f = fopen(buf_str(&path), "rb")) != NULL) {
		ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
		fclose(f);
	}
	buf_free(&path);
	return ok;
}

static void probe_at(int64_t t, struct tz_span *sp)
{
	time_t tt = (time_t)t;
	struct tm tm;

	memset(sp, 0, sizeof(*sp));
	localtime_r(&tt, &tm);
	sp->from = t;
	sp->off = (int)tm.tm_gmtoff;
	sp->isdst = tm.tm_isdst > 0;
	snprintf(sp->abbr, sizeof(sp->abbr), "%s",
		 tm.tm_zone ? tm.tm_zone : "");
}

static int same(const struct tz_span *a, const struct tz_span *b)
{
	return a->off == b->off && a->isdst == b->isdst &&
	       !strcmp(a->abbr, b->abbr);
}

/* Fills z->s from localtime_r under the TZ currently set. */
static void probe_zone(struct tz *z)
{
	struct tz_span cur, p;
	size_t cap = 64;

	z->s = xcalloc(cap, sizeof(*z->s));
	probe_at(TZ_PROBE_FROM, &cur);
	z->s[z->n++] = cur;
	for (int64_t t = TZ_PROBE_FROM + TZ_PROBE_STEP; t < TZ_PROBE_TO;
	     t += TZ_PROBE_STEP) {
		int64_t lo = t - TZ_PROBE_STEP,
			hi = t; /* lo same, hi differs */
		probe_at(t, &p);
		if (same(&p, &cur))
			continue;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			struct tz_span m;
			probe_at(mid, &m);
			if (same(&m, &cur))
				lo = mid;
			else
				hi = mid;
		}
		probe_at(hi, &cur);
		if (z->n == cap)
			z->s = xrealloc(z->s, (cap *= 2) * sizeof(*z->s));
		z->s[z->n++] = cur;
	}
}

int tz_load(const char *name, struct tz **out, struct ml_err *err)
{
	int local = !name || !strcmp(name, "local");
	char *old = NULL;
	struct tz *z;

	*out = NULL;
	if (!local && (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))) {
		/* no offsets to read: works without tzdata, and fast */
		z = xcalloc(1, sizeof(*z));
		z->s = xcalloc(1, sizeof(*z->s));
		z->n = 1;
		snprintf(z->s[0].abbr, sizeof(z->s[0].abbr), "UTC");
		z->name = xstrdup(name);
		*out = z;
		return 0;
	}
	if (!local && (!name_ok(name) || !zone_file_ok(name)))
		return ml_err_set(err, ML_EINPUT,
				  "unknown time zone `%s`: expected an IANA "
				  "name like Europe/Berlin or UTC",
				  name);
	z = xcalloc(1, sizeof(*z));
	pthread_mutex_lock(&tz_env_lock);
	if (getenv("TZ"))
		old = xstrdup(getenv("TZ"));
	if (!local)
		setenv("TZ", name, 1);
	tzset();
	probe_zone(z);
	if (!local) {
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
	}
	pthread_mutex_unlock(&tz_env_lock);
	z->name = xstrdup(!local ? name : old && *old ? old : "localtime");
	free(old);
	*out = z;
	return 0;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->s);
	free(z->name);
	free(z);
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/* Index of the span holding epoch second u. */
static size_t find(const struct tz *z, int64_t u)
{
	size_t lo = 0, hi = z->n; /* s[lo].from <= u (or lo == 0) */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->s[mid].from <= u)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int64_t tz_local(const struct tz *z, int64_t u)
{
	return u + z->s[find(z, u)].off;
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t zd = days + 719468;
	int64_t era = (zd >= 0 ? zd : zd - 146096) / 146097;
	int64_t doe = zd - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void tz_civil_of_local(int64_t l, struct tz_civil *out)
{
	int64_t days = floor_div(l, 86400), sod = l - days * 86400;

	memset(out, 0, sizeof(*out));
	civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(sod / 3600);
	out->min = (int)(sod / 60 % 60);
	out->sec = (int)(sod % 60);
	out->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

int64_t tz_local_from_civil(int year, int month, int day, int hour, int min,
			    int sec)
{
	return time_days_from_civil(year, (unsigned)month, (unsigned)day) *
		   86400 +
	       (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
}

void tz_civil(const struct tz *z, int64_t u, struct tz_civil *out)
{
	const struct tz_span *sp = &z->s[find(z, u)];

	tz_civil_of_local(u + sp->off, out);
	out->off = sp->off;
	out->isdst = sp->isdst;
	out->abbr = sp->abbr;
}

/* Upper end (exclusive) of span i in epoch seconds. */
static int64_t span_end(const struct tz *z, size_t i)
{
	return i + 1 < z->n ? z->s[i + 1].from : INT64_MAX;
}

/* Offsets lie within -15h..+15h, so only spans near l can hold it. */
#define TZ_SLACK (15 * 3600LL)

int tz_instants(const struct tz *z, int64_t l, int64_t u[2])
{
	int k = 0;

	for (size_t i = find(z, l - TZ_SLACK); i < z->n && k < 2; i++) {
		int64_t c = l - z->s[i].off;
		if (i > 0 && z->s[i].from > l + TZ_SLACK)
			break;
		if ((i == 0 || c >= z->s[i].from) && c < span_end(z, i))
			u[k++] = c;
	}
	return k;
}

int64_t tz_first_instant(const struct tz *z, int64_t l)
{
	for (size_t i = find(z, l - TZ_SLACK); i < z->n; i++) {
		int64_t end = span_end(z, i);
		if (end == INT64_MAX || l < end + z->s[i].off) {
			int64_t c = l - z->s[i].off;
			return i > 0 && c < z->s[i].from ? z->s[i].from : c;
		}
	}
	return l - z->s[z->n - 1].off; /* not reached */
}

int64_t tz_next_change(const struct tz *z, int64_t u)
{
	size_t i = find(z, u);
	return i + 1 < z->n ? z->s[i + 1].from : INT64_MAX;
}

int64_t tz_prev_change(const struct tz *z, int64_t u)
{
	size_t i = find(z, u);
	return i > 0 ? z->s[i].from : INT64_MIN;
}

void tz_format(const struct tz *z, int64_t ms, int style, char *out, size_t n)
{
	struct tz_civil c;
	int64_t u = floor_div(ms, 1000);
	int a;

	tz_civil(z, u, &c);
	if (style == 0) {
		snprintf(out, n, "%04d-%02d-%02d %02d:%02d %s", c.year, c.month,
			 c.day, c.hour, c.min, c.abbr);
		return;
	}
	a = c.off < 0 ? -c.off : c.off;
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year,
		 c.month, c.day, c.hour, c.min, c.sec, c.off < 0 ? '-' : '+',
		 a / 3600, a / 60 % 60);
}
