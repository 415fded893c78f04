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
	} units[] = {{"ms", 1},		 {"s", 1000},	       {"m", 60000},
		     {"h", 3600000},	 {"d", 86400000},      {"w", 604800000}};
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
	} parts[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
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

int time_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, off = 0;
	int64_t t;

	if (!s || take_int(&s, 4, &y) || *s++ != '-' || take_int(&s, 2, &mo) ||
	    *s++ != '-' || take_int(&s, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (take_int(&s, 2, &h) || *s++ != ':' || take_int(&s, 2, &mi) ||
		    *s++ != ':' || take_int(&s, 2, &se))
			return -1;
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*s == '.') {
			int scale = 100;
			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			while (isdigit((unsigned char)*s)) {
				frac += (*s - '0') * scale;
				scale /= 10;
				s++;
			}
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1, oh, om;
			if (take_int(&s, 2, &oh) || *s++ != ':' ||
			    take_int(&s, 2, &om))
				return -1;
			off = sign * (oh * 60 + om);
		} else {
			return -1;
		}
	}
	if (*s)
		return -1;
	t = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - off * 60;
	*ms = t * 1000 + frac;
	return 0;
}

void time_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	if (ms > 0)
		nanosleep(&ts, NULL);
}
