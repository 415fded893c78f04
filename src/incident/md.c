/* md.c: safe Markdown text, code spans, times and durations. */
#include "incident/md.h"

#include <stdio.h>
#include <string.h>

#include "core/dur.h"

/* Length of s cut to at most max bytes at a UTF-8 character boundary. */
static size_t cut_len(const char *s, size_t max, int *cut)
{
	size_t len = strlen(s);

	*cut = 0;
	if (!max || len <= max)
		return len;
	*cut = 1;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

void md_text(struct buf *b, const char *s, size_t max)
{
	size_t len;
	int cut;

	if (!s)
		return;
	len = cut_len(s, max, &cut);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			buf_putc(b, ' ');
		else if (c == '<')
			buf_puts(b, "&lt;");
		else if (c == '>')
			buf_puts(b, "&gt;");
		else if (c == '&')
			buf_puts(b, "&amp;");
		else if (strchr("\\`*_[]|#", c)) {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else
			buf_putc(b, (char)c);
	}
	if (cut)
		buf_puts(b, "...");
}

void md_code(struct buf *b, const char *s, size_t max)
{
	size_t len;
	int cut;

	if (!s)
		return;
	len = cut_len(s, max, &cut);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '`' || c < 0x20 || c == 0x7f || c == '|') {
			md_text(b, s, max);
			return;
		}
	}
	buf_putc(b, '`');
	buf_add(b, s, len);
	if (cut)
		buf_puts(b, "...");
	buf_putc(b, '`');
}

void md_time(int64_t ms, char *out, size_t n)
{
	char t[40];

	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_format(ms, t, sizeof(t));
	t[19] = '\0'; /* 2026-11-23T09:04:12 */
	t[10] = ' ';
	snprintf(out, n, "%s", t);
}

void md_dur(int64_t ms, char *out, size_t n)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = {
	    {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
	int64_t s;
	size_t i;

	if (ms < 0) {
		snprintf(out, n, "-");
		return;
	}
	if (ms < 1000) {
		snprintf(out, n, "%lldms", (long long)ms);
		return;
	}
	s = ms;
	for (i = 0; i < 3 && s < units[i].ms; i++)
		;
	if (i == 3 || s % units[i].ms < units[i + 1].ms)
		snprintf(out, n, "%lld%s", (long long)(s / units[i].ms),
			 units[i].unit);
	else
		snprintf(out, n, "%lld%s%lld%s", (long long)(s / units[i].ms),
			 units[i].unit,
			 (long long)(s % units[i].ms / units[i + 1].ms),
			 units[i + 1].unit);
}
