/* tz.h: time zones for on-call schedules, from the system tz database
 * (/usr/share/zoneinfo, or $TZDIR) through the C library.
 *
 * glibc has no per-zone API: localtime_r follows the process-wide TZ. So
 * tz_load() sets TZ for the process for a moment (under a lock, restoring
 * it afterwards), asks localtime_r for the zone's UTC offset over
 * 1970..2100 and keeps the offsets as an immutable table of spans. Every
 * other function here reads only that table: conversions are pure and
 * thread-safe, and the service's threads never touch TZ. Only tz_load is
 * not: call it while loading a configuration (before threads start, as
 * `serve` does) or from a single-threaded command. Times before 1970 use
 * the first span's offset, times after 2100 the last one's.
 *
 * "Local seconds" below are naive wall-clock seconds: days since
 * 1970-01-01 of the local date * 86400 + seconds of the local day.
 *
 * Wall-clock rules (see docs/oncall.md): in a skipped hour (spring
 * forward) a wall time happens at the moment the clock jumps past it
 * (02:30 -> 03:00 CEST); in a repeated hour (fall back) at its first
 * occurrence. tz_first_instant() implements both. */
#ifndef ML_TZ_H
#define ML_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct tz;

/* Broken-down local time. */
struct tz_civil {
	int year, month, day; /* month 1..12 */
	int hour, min, sec;
	int wday; /* 0 = Sunday */
	int off;  /* UTC offset in seconds */
	int isdst;
	const char *abbr; /* "CET"; borrowed from the zone */
};

/* Loads zone name (an IANA name like "Europe/Berlin" or "UTC"); NULL or
 * "local" is the process's own zone (TZ, else /etc/localtime). Unknown
 * names, paths ("..", leading "/") and POSIX rule strings are ML_EINPUT
 * ("unknown time zone"). Takes ~15 ms. Not thread-safe (sets TZ for the
 * process for the duration, restores it). *out: caller frees (tz_free). */
int tz_load(const char *name, struct tz **out, struct ml_err *err);

/* Frees a zone; NULL is a no-op. */
void tz_free(struct tz *z);

/* The name given to tz_load ("local" zones: TZ's value or "localtime"). */
const char *tz_name(const struct tz *z);

/* Local civil time of epoch second u. */
void tz_civil(const struct tz *z, int64_t u, struct tz_civil *out);

/* Local seconds (naive wall clock) of epoch second u. */
int64_t tz_local(const struct tz *z, int64_t u);

/* Every epoch second at which the wall clock reads local seconds l:
 * 0 in a skipped hour, 2 in a repeated one, else 1. Fills u[0..] in
 * increasing order; returns the count. */
int tz_instants(const struct tz *z, int64_t l, int64_t u[2]);

/* The first epoch second at which the wall clock reads l or later (the
 * handoff rule above). Monotonic in l. */
int64_t tz_first_instant(const struct tz *z, int64_t l);

/* Next UTC offset change strictly after u, or INT64_MAX; previous one at
 * or before u, or INT64_MIN. */
int64_t tz_next_change(const struct tz *z, int64_t u);
int64_t tz_prev_change(const struct tz *z, int64_t u);

/* Local seconds for a civil date and time (no zone involved). */
int64_t tz_local_from_civil(int year, int month, int day, int hour, int min,
			    int sec);

/* Civil fields of local seconds l (off, isdst, abbr left 0/NULL). */
void tz_civil_of_local(int64_t l, struct tz_civil *out);

/* Formats epoch milliseconds in zone z: "2026-11-23 09:00 CET" (style 0)
 * or RFC 3339 with the offset, "2026-11-23T09:00:00+01:00" (style 1).
 * out needs 48 bytes. */
void tz_format(const struct tz *z, int64_t ms, int style, char *out, size_t n);

#endif
