/* xid_parse.c: recognises NVRM Xid and NVSwitch SXid events in kernel-log
 * lines of every common shape (dmesg, dmesg -T, dmesg --time-format iso,
 * journalctl short-iso, rsyslog ISO, classic syslog) and extracts time,
 * bus id, code, pid, process name and message. Pure string work: no
 * allocation besides the event's own strings. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "probe/gpu/gpu.h"
#include "probe/gpu/xid.h"

void xid_event_free(struct xid_event *ev)
{
	if (!ev)
		return;
	free(ev->bus_id);
	free(ev->process);
	free(ev->severity);
	free(ev->message);
	memset(ev, 0, sizeof(*ev));
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (*p >= end || !isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

static int month_of(const char *p, const char *end)
{
	static const char *const m[] = {"Jan", "Feb", "Mar", "Apr",
					"May", "Jun", "Jul", "Aug",
					"Sep", "Oct", "Nov", "Dec"};

	if (end - p < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (!memcmp(p, m[i], 3))
			return i;
	return -1;
}

/* Local civil time to epoch ms (mktime honours TZ). */
static int64_t local_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};
	time_t t;

	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return (int64_t)t * 1000;
}

/* "HH:MM:SS" at *p. */
static int hms(const char **p, const char *end, int *h, int *mi, int *s)
{
	if (digits(p, end, 2, h) || *p >= end || *(*p)++ != ':' ||
	    digits(p, end, 2, mi) || *p >= end || *(*p)++ != ':' ||
	    digits(p, end, 2, s))
		return -1;
	return *h > 23 || *mi > 59 || *s > 60 ? -1 : 0;
}

/* ISO 8601 "2026-11-23T09:10:11[.,frac][Z|+hh:mm|+hhmm]" at p. */
static int iso_time(const char *p, const char *end, int64_t *ms)
{
	int y, mo, d, h, mi, s, frac = 0, scale = 100, off = 0, zone = 0;

	if (digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &d) || p >= end || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if (d < 1 || d > time_days_in_month(y, mo) || hms(&p, end, &h, &mi, &s))
		return -1;
	if (p < end && (*p == '.' || *p == ',')) {
		for (p++; p < end && isdigit((unsigned char)*p);
		     p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		zone = 1;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, end, 2, &oh))
			return -1;
		if (p < end && *p == ':')
			p++;
		if (digits(&p, end, 2, &om))
			return -1;
		off = sign * (oh * 60 + om);
		zone = 1;
	}
	if (zone)
		*ms = (time_days_from_civil(y, (unsigned)mo, (unsigned)d) *
			   86400 +
		       h * 3600 + mi * 60 + s - off * 60) *
			  1000 +
		      frac;
	else
		*ms = local_ms(y, mo - 1, d, h, mi, s) + frac;
	return 0;
}

/* dmesg -T "Mon Nov 23 09:10:11 2026" at p (after '['). */
static int ctime_time(const char *p, const char *end, int64_t *ms)
{
	int mo, d = 0, h, mi, s, y;

	if (end - p < 24 || p[3] != ' ' || (mo = month_of(p + 4, end)) < 0)
		return -1;
	p += 8;
	while (p < end && *p == ' ')
		p++;
	while (p < end && isdigit((unsigned char)*p) && d < 100)
		d = d * 10 + (*p++ - '0');
	if (d < 1 || d > 31 || p >= end || *p++ != ' ' ||
	    hms(&p, end, &h, &mi, &s) || p >= end || *p++ != ' ' ||
	    digits(&p, end, 4, &y) || d > time_days_in_month(y, mo + 1))
		return -1;
	*ms = local_ms(y, mo, d, h, mi, s);
	return 0;
}

/* syslog "Nov 23 09:10:11" at p; the year comes from now_ms. */
static int syslog_time(const char *p, const char *end, int64_t now_ms,
		       int64_t *ms)
{
	int mo = month_of(p, end), d = 0, h, mi, s;
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;

	if (mo < 0 || end - p < 15 || p[3] != ' ')
		return -1;
	p += 4;
	while (p < end && *p == ' ')
		p++;
	while (p < end && isdigit((unsigned char)*p) && d < 100)
		d = d * 10 + (*p++ - '0');
	if (d < 1 || d > 31 || p >= end || *p++ != ' ' ||
	    hms(&p, end, &h, &mi, &s))
		return -1;
	localtime_r(&now, &tm);
	*ms = local_ms(tm.tm_year + 1900, mo, d, h, mi, s);
	if (*ms > now_ms + 86400000LL)
		*ms = local_ms(tm.tm_year + 1899, mo, d, h, mi, s);
	return 0;
}

/* The first "[   123.456789]" in [p, end) as seconds since boot. */
static int uptime_in(const char *p, const char *end, double *out)
{
	for (; p < end; p++) {
		const char *q;
		double v = 0, scale = 0.1;
		int dig = 0;

		if (*p != '[')
			continue;
		for (q = p + 1; q < end && *q == ' '; q++)
			;
		for (; q < end && isdigit((unsigned char)*q) && dig < 12;
		     q++, dig++)
			v = v * 10 + (*q - '0');
		if (!dig || q >= end || *q != '.')
			continue;
		for (q++; q < end && isdigit((unsigned char)*q);
		     q++, scale /= 10)
			v += (*q - '0') * scale;
		if (q < end && *q == ']') {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Reads the timestamp(s) in the prefix [p, end) before the event. */
static void prefix_time(const char *p, const char *end, int64_t now_ms,
			struct xid_event *ev)
{
	if (p < end && *p == '<') /* "<4>": priority in raw kmsg dumps */
		while (p < end && *p++ != '>')
			;
	if (p < end && *p == '[' && !ctime_time(p + 1, end, &ev->time_ms))
		ev->has_time = 1;
	else if (!iso_time(p, end, &ev->time_ms))
		ev->has_time = 1;
	else if (!syslog_time(p, end, now_ms, &ev->time_ms))
		ev->has_time = 1;
	ev->has_uptime = !uptime_in(p, end, &ev->uptime_s);
}

static char *dup_clean(const char *p, const char *e)
{
	return gpu_text_clean(p, (size_t)(e - p));
}

/* Up to the next ", " (or end): the token end. */
static const char *token_end(const char *p, const char *end)
{
	for (const char *q = p; q + 1 < end; q++)
		if (q[0] == ',' && q[1] == ' ')
			return q;
	return end;
}

/* "pid=1234, name=python, " (each optional) at *p. */
static void pid_name(const char **p, const char *end, struct xid_event *ev)
{
	const char *t;

	ev->pid = -1;
	if (end - *p > 4 && !memcmp(*p, "pid=", 4)) {
		long v = 0;
		const char *q = *p + 4;
		t = token_end(*p, end);
		while (q < t && isdigit((unsigned char)*q) && v < 100000000L)
			v = v * 10 + (*q++ - '0');
		if (q > *p + 4 && q == t)
			ev->pid = v;
		*p = t < end ? t + 2 : end;
	}
	if (end - *p > 5 && !memcmp(*p, "name=", 5)) {
		t = token_end(*p, end);
		if (t - (*p + 5) != 9 || memcmp(*p + 5, "<unknown>", 9))
			ev->process = dup_clean(*p + 5, t);
		*p = t < end ? t + 2 : end;
	}
}

/* Finds the "Xid (" marker: NVRM Xid or NVSwitch SXid. */
static const char *find_marker(const char *line, const char *end, int *sxid)
{
	const char *p = line;

	while ((p = memchr(p, 'X', (size_t)(end - p))) != NULL) {
		if (end - p >= 5 && !memcmp(p, "Xid (", 5)) {
			if (p > line && p[-1] == 'S') {
				*sxid = 1;
				return p;
			}
			if (p - line >= 6 && !memcmp(p - 6, "NVRM: ", 6)) {
				*sxid = 0;
				return p;
			}
		}
		p++;
	}
	return NULL;
}

int xid_parse_line(const char *line, size_t len, int64_t now_ms,
		   struct xid_event *ev)
{
	const char *end = line + len, *m, *p, *b;
	int sxid = 0;
	long code = 0;

	memset(ev, 0, sizeof(*ev));
	if (!(m = find_marker(line, end, &sxid)))
		return 0;
	p = m + 5;
	if (end - p >= 4 && !memcmp(p, "PCI:", 4))
		p += 4;
	for (b = p; p < end &&
		    (isxdigit((unsigned char)*p) || *p == ':' || *p == '.') &&
		    p - b < 32;
	     p++)
		;
	if (p == b || end - p < 3 || p[0] != ')' || p[1] != ':' || p[2] != ' ')
		return 0;
	ev->bus_id = dup_clean(b, p);
	for (p += 3; p < end && isdigit((unsigned char)*p) && code < 100000;
	     p++)
		code = code * 10 + (*p - '0');
	if (!isdigit((unsigned char)p[-1]) || code >= 100000 ||
	    (p < end && *p != ',')) {
		xid_event_free(ev);
		return 0;
	}
	ev->code = (int)code;
	ev->sxid = sxid;
	if (p < end && *p == ',')
		p++;
	while (p < end && *p == ' ')
		p++;
	if (sxid) {
		const char *t = token_end(p, end);
		ev->pid = -1;
		ev->severity = dup_clean(p, t);
		p = t < end ? t + 2 : end;
	} else {
		pid_name(&p, end, ev);
	}
	ev->message = dup_clean(p, end);
	prefix_time(line, m, now_ms, ev);
	return 1;
}
