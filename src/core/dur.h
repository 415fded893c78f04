/* dur.h: durations ("500ms", "30s", "2m", "1h", "90d", "1h30m") and
 * wall-clock times (RFC 3339, dates). All times are int64 milliseconds. */
#ifndef ML_DUR_H
#define ML_DUR_H

#include <stddef.h>
#include <stdint.h>

/* Parses a duration: one or more <number><unit> groups, unit one of ms s m
 * h d w. "0" alone is zero. Returns 0 and sets *ms, or -1 on bad syntax or
 * overflow. */
int dur_parse(const char *s, int64_t *ms);

/* Formats ms compactly ("1h30m", "500ms", "0s") into out (size >= 32). */
void dur_format(int64_t ms, char *out, size_t n);

/* Milliseconds since the epoch (wall clock). MLONCALL_NOW (RFC 3339 or
 * epoch seconds) in the environment overrides it, for tests. */
int64_t time_now_ms(void);

/* Milliseconds of a monotonic clock, for measuring durations. */
int64_t time_mono_ms(void);

/* Microseconds, and seconds as a double, of the same monotonic clock:
 * the one clock for durations and deadlines (never a private
 * clock_gettime copy). */
int64_t time_mono_us(void);
double time_mono_s(void);

/* Formats epoch ms as RFC 3339 UTC with milliseconds
 * ("2026-11-23T08:59:05.123Z"); out needs 32 bytes. */
void time_format(int64_t ms, char *out, size_t n);

/* Parses RFC 3339 ("2026-11-23T08:59:05Z", fractional seconds and
 * +hh:mm offsets allowed) or a date "2026-11-23" (midnight UTC). Strict:
 * the date must exist (no Feb 31, Feb 29 only in leap years), hours
 * 0-23, minutes and seconds 0-59 (no leap second), offsets up to 23:59;
 * what it accepts formats back to the same instant. Returns 0 or -1. */
int time_parse(const char *s, int64_t *ms);

/* A date and time as written, before any zone is applied. */
struct time_civil {
	int y, mo, d, h, mi, s, ms;
	int has_time; /* HH:MM followed the date */
	int has_sec;  /* :SS followed HH:MM */
	int has_zone; /* Z or +hh:mm followed the time */
	int off_min;  /* the offset, minutes east of UTC */
};

/* The one strict date parser: "YYYY-MM-DD", optionally followed by T (or
 * t or a space) and HH:MM[:SS[.fff]], optionally followed by Z or +hh:mm
 * (only after a time). Every field is range-checked as time_parse says.
 * Callers decide which parts they require. Returns 0 or -1. */
int time_parse_civil(const char *s, struct time_civil *c);

/* 1 when y-mo-d h:mi:s is a real wall-clock reading (year 0-9999, the
 * day within its month, leap years included); 0 otherwise. */
int time_civil_valid(int y, int mo, int d, int h, int mi, int s);

/* Days in month mo (1-12) of year y; 0 for a month out of range. */
int time_days_in_month(int y, int mo);

/* Sleeps about ms milliseconds (a signal may end it early). */
void time_sleep_ms(int64_t ms);

/* Days from 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
