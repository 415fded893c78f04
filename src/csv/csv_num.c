/* csv_num.c: exact, locale-independent number parsing for CSV fields and
 * UTF-8 validation. The fast path is Clinger's: a decimal with at most 19
 * significant digits whose mantissa fits 53 bits and whose power of ten is
 * within 10^22 converts with one correctly rounded multiply or divide.
 * Everything else goes to glibc's strtod, which is correctly rounded; the
 * program runs in the C locale, and the grammar is checked here first so
 * strtod never sees hex, "inf" spellings we do not accept, or spaces. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv/csv.h"

const double csv_pow10[23] = {1e0,  1e1,  1e2,	1e3,  1e4,  1e5,  1e6,	1e7,
			      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
			      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int lower_eq(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return 1;
}

static int parse_special(const char *s, size_t n, int neg, double *v)
{
	if (lower_eq(s, n, "nan")) {
		*v = NAN;
		return 0;
	}
	if (lower_eq(s, n, "inf") || lower_eq(s, n, "infinity")) {
		*v = neg ? -INFINITY : INFINITY;
		return 0;
	}
	return -1;
}

/* Checks the decimal grammar of s[0..n) (no sign) and collects the
 * significant digits: *mant holds the first 19, *ndig counts all of them
 * (more than 19 means the fast path cannot be used). Returns 0 or -1. */
static int scan_decimal(const char *s, size_t n, uint64_t *mant, int *e10,
			int *ndig, int *is_int)
{
	size_t i = 0;
	int digits = 0, sig = 0, frac = 0, in_frac = 0;
	uint64_t m = 0;
	long ex = 0;

	*is_int = 1;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '.' && !in_frac) {
			in_frac = 1;
			*is_int = 0;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		digits++;
		if (m == 0 && sig == 0 && c == '0') {
			frac += in_frac;
			continue;
		}
		if (sig < 19)
			m = m * 10 + (uint64_t)(c - '0');
		else if (!in_frac)
			ex++; /* integer digit beyond 19: scales by ten */
		if (in_frac && sig < 19)
			frac++;
		sig++;
	}
	if (digits == 0)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, edig = 0;
		long x = 0;
		*is_int = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, edig++)
			if (x < 100000)
				x = x * 10 + (s[i] - '0');
		if (!edig)
			return -1;
		ex += eneg ? -x : x;
	}
	if (i != n)
		return -1;
	*mant = m;
	*e10 = (int)(ex - frac);
	*ndig = sig;
	return 0;
}

int csv_parse_num(const char *s, size_t len, double *v, int *is_int)
{
	return csv_parse_numx(s, len, v, is_int, NULL);
}

int csv_parse_numx(const char *s, size_t len, double *v, int *is_int,
		   struct csv_dec *dec)
{
	const char *p = s, *e = s + len;
	int neg = 0, e10 = 0, ndig = 0;
	uint64_t m = 0;

	if (dec)
		dec->ok = 0;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (p == e)
		return -1;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p == e)
		return -1;
	if (!(*p >= '0' && *p <= '9') && *p != '.') {
		*is_int = 0;
		return parse_special(p, (size_t)(e - p), neg, v);
	}
	if (scan_decimal(p, (size_t)(e - p), &m, &e10, &ndig, is_int))
		return -1;
	if (ndig <= 19 && m < (1ull << 53) && e10 >= -22 && e10 <= 22) {
		double d = (double)m;
		d = e10 < 0 ? d / csv_pow10[-e10] : d * csv_pow10[e10];
		*v = neg ? -d : d;
		if (dec) {
			dec->ok = 1;
			dec->m = neg ? -(int64_t)m : (int64_t)m;
			dec->e10 = e10;
		}
		return 0;
	}
	if (m == 0) {
		*v = neg ? -0.0 : 0.0;
		return 0;
	}
	/* strtod reads the same text: grammar checked above; p..e is followed
	 * by spaces or the NUL that csv_field guarantees. */
	*v = strtod(neg ? p - 1 : p, NULL);
	return 0;
}

int csv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		unsigned c = *p;
		size_t need;
		uint32_t cp;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		if ((size_t)(e - p) <= need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((p[k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[k] & 0x3F);
		}
		if ((need == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		p += need + 1;
	}
	return 1;
}
