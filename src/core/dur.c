/* dur.c: parsing and formatting of durations and RFC 3339 times. */
#include "core/dur.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t unit_ms(const char *u, size_t n)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {{"ms", 1},	     {"s", 1000},     {"m", 60000},
		     {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !memcmp(units[i].name, u, n))
			return units[i].ms;
	return -1;
}

int dur_parse(const char *s, int64_t *ms)
{
	int64_t total = 0;

	if (!s || !*s)
		return -1;
	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	while (*s) {
		int64_t v = 0, u;
		const char *us;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (*s++ - '0');
		}
		us = s;
		while (isalpha((unsigned char)*s))
			s++;
		u = unit_ms(us, (size_t)(s - us));
		if (u < 0 || (v && v > (INT64_MAX - total) / u))
			return -1;
		total += v * u;
	}
	*ms = total;
	return 0;
}

void dur_format(int64_t ms, char *out, size_t n)
{
	static const struct {
		char unit;
		int64_t ms;
	} parts[] = {
	    {'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
	size_t off = 0;

	if (ms < 0) {
		snprintf(out, n, "-");
		off = 1;
		ms = -ms;
	}
	if (ms == 0) {
		snprintf(out + off, n - off, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(out + off, n - off, "%lldms", (long long)ms);
		return;
	}
	for (size_t i = 0; i < 4 && off < n; i++) {
		int64_t q = ms / parts[i].ms;
		if (q) {
			off += (size_t)snprintf(out + off, n - off, "%lld%c",
						(long long)q, parts[i].unit);
			ms -= q * parts[i].ms;
		}
	}
	if (ms && off < n)
		snprintf(out + off, n - off, "%lldms", (long long)ms);
	out[n - 1] = '\0';
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double time_mono_s(void)
{
	return (double)time_mono_us() / 1e6;
}

int64_t time_now_ms(void)
{
	const char *fake = getenv("MLONCALL_NOW");
	struct timespec ts;
	int64_t ms;

	if (fake && *fake) {
		char *end;
		long long secs = strtoll(fake, &end, 10);
		if (*end == '\0')
			return (int64_t)secs * 1000;
		if (time_parse(fake, &ms) == 0)
			return ms;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days-from-civil algorithm. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void time_format(int64_t ms, char *out, size_t n)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, frac);
}

static int take_int(const char **s, int digits, int *out)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += digits;
	*out = v;
	return 0;
}

int time_days_in_month(int y, int mo)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (mo < 1 || mo > 12)
		return 0;
	return mo == 2 ? 28 + leap : d[mo - 1];
}

int time_civil_valid(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 0 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	       d <= time_days_in_month(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
	       mi <= 59 && s >= 0 && s <= 59;
}

/* The time of day after the date: HH:MM[:SS[.fff]]. */
static int parse_clock(const char **s, struct time_civil *c)
{
	if (take_int(s, 2, &c->h) || *(*s)++ != ':' || take_int(s, 2, &c->mi))
		return -1;
	c->has_time = 1;
	if (**s != ':')
		return 0;
	(*s)++;
	if (take_int(s, 2, &c->s))
		return -1;
	c->has_sec = 1;
	if (**s == '.') {
		int scale = 100;
		(*s)++;
		if (!isdigit((unsigned char)**s))
			return -1;
		while (isdigit((unsigned char)**s)) {
			c->ms += (**s - '0') * scale;
			scale /= 10;
			(*s)++;
		}
	}
	return 0;
}

int time_parse_civil(const char *s, struct time_civil *c)
{
	memset(c, 0, sizeof(*c));
	if (!s || take_int(&s, 4, &c->y) || *s++ != '-' ||
	    take_int(&s, 2, &c->mo) || *s++ != '-' || take_int(&s, 2, &c->d))
		return -1;
	if ((*s == 'T' || *s == 't' || *s == ' ') && (s++, parse_clock(&s, c)))
		return -1;
	if (c->has_time && (*s == 'Z' || *s == 'z')) {
		s++;
		c->has_zone = 1;
	} else if (c->has_time && (*s == '+' || *s == '-')) {
		int sign = *s++ == '-' ? -1 : 1, oh, om;
		if (take_int(&s, 2, &oh) || *s++ != ':' ||
		    take_int(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
		c->off_min = sign * (oh * 60 + om);
		c->has_zone = 1;
	}
	if (*s || !time_civil_valid(c->y, c->mo, c->d, c->h, c->mi, c->s))
		return -1;
	return 0;
}

int time_parse(const char *s, int64_t *ms)
{
	struct time_civil c;
	int64_t t;

	if (time_parse_civil(s, &c) ||
	    (c.has_time && (!c.has_sec || !c.has_zone)))
		return -1;
	t = time_days_from_civil(c.y, (unsigned)c.mo, (unsigned)c.d) * 86400 +
	    c.h * 3600 + c.mi * 60 + c.s - c.off_min * 60;
	*ms = t * 1000 + c.ms;
	return 0;
}

void time_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
			      (long)(ms % 1000) * 1000000L};

	if (ms > 0)
		nanosleep(&ts, NULL);
}
