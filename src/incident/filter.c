/* filter.c: parsing of the incident list filter (see filter.h). */
#include "incident/filter.h"

#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "incident/alert.h"

/* Keys, in the order of the bit that marks them seen. */
static const char *const keys[] = {"status", "severity", "runbook",
				   "since",  "limit",	 "drills"};

enum { K_STATUS, K_SEVERITY, K_RUNBOOK, K_SINCE, K_LIMIT, K_DRILLS, K_N };

void filter_init(struct filter *f, int64_t now)
{
	memset(f, 0, sizeof(*f));
	f->now = now;
}

void filter_free(struct filter *f)
{
	free(f->text);
	filter_init(f, f->now);
}

static int set_status(struct filter *f, const char *v, struct ml_err *err)
{
	static const char *const ok[] = {"open", STORE_ST_TRIGGERED,
					 STORE_ST_ACKNOWLEDGED,
					 STORE_ST_RESOLVED};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(v, ok[i])) {
			f->sf.status = ok[i];
			return 0;
		}
	return ml_err_set(err, ML_EINPUT,
			  "status: expected open, triggered, acknowledged or "
			  "resolved");
}

static int set_since(struct filter *f, const char *v, struct ml_err *err)
{
	int64_t n;

	if (dur_parse(v, &n) == 0)
		f->sf.since = f->now - n;
	else if (time_parse(v, &f->sf.since) != 0)
		return ml_err_set(err, ML_EINPUT,
				  "since: expected a duration (30d) or an "
				  "RFC 3339 time");
	return 0;
}

static int set_key(struct filter *f, int k, const char *v, struct ml_err *err)
{
	int64_t n;

	switch (k) {
	case K_STATUS:
		return set_status(f, v, err);
	case K_SEVERITY:
		if (alert_severity_parse(v, &f->sf.severity) != 0)
			return ml_err_set(err, ML_EINPUT,
					  "severity: expected P1, P2, P3 or "
					  "P4");
		return 0;
	case K_RUNBOOK:
		if (!*v)
			return ml_err_set(err, ML_EINPUT,
					  "runbook: expected a runbook id");
		f->sf.runbook_id = v;
		return 0;
	case K_SINCE:
		return set_since(f, v, err);
	case K_LIMIT:
		if (str_to_i64(v, &n) != 0 || n < 1 || n > 10000)
			return ml_err_set(err, ML_EINPUT,
					  "limit: expected 1 to 10000");
		f->sf.limit = (int)n;
		return 0;
	default: /* K_DRILLS */
		if (strcmp(v, "0") && strcmp(v, "1"))
			return ml_err_set(err, ML_EINPUT,
					  "drills: expected 1 (drills too) "
					  "or 0");
		f->sf.include_drills = !strcmp(v, "1");
		return 0;
	}
}

int filter_set(struct filter *f, const char *key, const char *value,
	       struct ml_err *err)
{
	for (int k = 0; k < K_N; k++) {
		if (strcmp(key, keys[k]))
			continue;
		if (f->seen & (1u << k))
			return ml_err_set(err, ML_EINPUT,
					  "%s: given more than once", key);
		f->seen |= 1u << k;
		return set_key(f, k, value ? value : "", err);
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s in place: %XX to its byte, '+' to space; a '%' not followed
 * by two hex digits stays as it is. */
static void url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		int hi, lo;
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%' && (hi = hexval(s[1])) >= 0 &&
			 (lo = hexval(s[2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

int filter_parse_query(struct filter *f, const char *query, struct ml_err *err)
{
	char *save = NULL, *tok;

	free(f->text);
	f->text = xstrdup(query ? query : "");
	for (tok = strtok_r(f->text, "&", &save); tok;
	     tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');
		int rc;

		if (eq)
			*eq++ = '\0';
		url_decode(tok);
		if (eq)
			url_decode(eq);
		if ((rc = filter_set(f, tok, eq, err)) != 0)
			return rc;
	}
	return 0;
}

void filter_query_add(struct buf *q, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_printf(q, "%s%s=", q->len ? "&" : "", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_putc(q, (char)*p);
		else {
			buf_putc(q, '%');
			buf_putc(q, hex[*p >> 4]);
			buf_putc(q, hex[*p & 15]);
		}
	}
}
