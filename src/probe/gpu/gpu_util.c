/* gpu_util.c: value parsing and the normalised GPU record shared by the
 * nvidia-smi CSV, XML and NVML readers of the `gpu` probe. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"

static const struct gpu_reason_bit reason_bits[] = {
    {0x1ULL, "gpu_idle", 0},
    {0x2ULL, "applications_clocks_setting", 0},
    {0x4ULL, "sw_power_cap", 0},
    {0x8ULL, "hw_slowdown", 1},
    {0x10ULL, "sync_boost", 0},
    {0x20ULL, "sw_thermal_slowdown", 1},
    {0x40ULL, "hw_thermal_slowdown", 1},
    {0x80ULL, "hw_power_brake_slowdown", 1},
    {0x100ULL, "display_clocks_setting", 0},
    {0, NULL, 0}};

const struct gpu_reason_bit *gpu_reason_bits(void)
{
	return reason_bits;
}

uint64_t gpu_reason_bit_of(const char *name)
{
	for (const struct gpu_reason_bit *r = reason_bits; r->name; r++)
		if (!strcmp(r->name, name))
			return r->bit;
	return 0;
}

json_t *gpu_reason_names(uint64_t mask)
{
	json_t *a = json_array();
	uint64_t known = 0;

	for (const struct gpu_reason_bit *r = reason_bits; r->name; r++) {
		known |= r->bit;
		if (mask & r->bit)
			json_array_append_new(a, json_string(r->name));
	}
	for (int b = 0; b < 64; b++) {
		uint64_t bit = 1ULL << b;
		char name[40];
		if ((mask & bit) && !(known & bit)) {
			snprintf(name, sizeof(name), "unknown_0x%llx",
				 (unsigned long long)bit);
			json_array_append_new(a, json_string(name));
		}
	}
	return a;
}

/* Trims blanks: sets *b and *e to the first and one-past-last kept bytes. */
static void trim(const char *s, const char **b, const char **e)
{
	const char *p = s, *q = s + strlen(s);

	while (p < q && isspace((unsigned char)*p))
		p++;
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	*b = p;
	*e = q;
}

static int is_na(const char *b, const char *e)
{
	size_t n = (size_t)(e - b);

	if (n == 0 || *b == '[')
		return 1;
	return (n == 3 && !strncasecmp(b, "N/A", 3)) ||
	       (n == 13 && !strncasecmp(b, "Not Supported", 13));
}

/* Units nvidia-smi prints after numbers. */
static const char *const units[] = {
    "MiB", "KiB", "GiB",  "MB", "KB", "GB", "W",       "mW", "%",
    "MHz", "C",	  "KB/s", "us", "ms", "s",  "bank(s)", NULL};

enum gpu_val gpu_parse_num(const char *s, double *out)
{
	const char *b, *e;
	char *end;
	char tmp[64];
	size_t n;

	trim(s, &b, &e);
	if (is_na(b, e))
		return GPU_VAL_NA;
	n = (size_t)(e - b);
	if (n >= sizeof(tmp))
		return GPU_VAL_BAD;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	errno = 0;
	if (n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X')) {
		unsigned long long u = strtoull(tmp + 2, &end, 16);
		if (end == tmp + 2 || *end || errno)
			return GPU_VAL_BAD;
		*out = (double)u;
		return GPU_VAL_OK;
	}
	*out = strtod(tmp, &end);
	if (end == tmp || errno == ERANGE || !isfinite(*out))
		return GPU_VAL_BAD;
	/* A unit may follow: "MiB", "W", "%", "MHz", "C", "KB per s". */
	while (*end == ' ')
		end++;
	if (!*end)
		return GPU_VAL_OK;
	for (int i = 0; units[i]; i++)
		if (!strcmp(end, units[i]))
			return GPU_VAL_OK;
	return GPU_VAL_BAD;
}

enum gpu_val gpu_parse_mask(const char *s, uint64_t *out)
{
	const char *b, *e;
	char tmp[32], *end;
	size_t n;

	trim(s, &b, &e);
	if (is_na(b, e))
		return GPU_VAL_NA;
	n = (size_t)(e - b);
	if (n < 3 || n >= sizeof(tmp) || b[0] != '0' ||
	    (b[1] != 'x' && b[1] != 'X'))
		return GPU_VAL_BAD;
	memcpy(tmp, b + 2, n - 2);
	tmp[n - 2] = '\0';
	errno = 0;
	*out = strtoull(tmp, &end, 16);
	if (*end || errno || tmp[0] == '-' || tmp[0] == '+' || tmp[0] == ' ')
		return GPU_VAL_BAD;
	return GPU_VAL_OK;
}

enum gpu_val gpu_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"Enabled", "Yes",  "Active",
					  "On",	     "True", NULL};
	static const char *const no[] = {"Disabled", "No",    "Not Active",
					 "Off",	     "False", NULL};
	const char *b, *e;
	size_t n;

	trim(s, &b, &e);
	if (is_na(b, e))
		return GPU_VAL_NA;
	n = (size_t)(e - b);
	for (int i = 0; yes[i]; i++)
		if (strlen(yes[i]) == n && !strncasecmp(b, yes[i], n)) {
			*out = 1;
			return GPU_VAL_OK;
		}
	for (int i = 0; no[i]; i++)
		if (strlen(no[i]) == n && !strncasecmp(b, no[i], n)) {
			*out = 0;
			return GPU_VAL_OK;
		}
	return GPU_VAL_BAD;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

char *gpu_text_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(n + 1);
	size_t o = 0, i = 0, b, e;

	while (i < n) {
		size_t l = utf8_len(p + i, n - i);
		if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
			out[o++] = (p[i] == '\t') ? ' ' : '?';
			i++;
			continue;
		}
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	for (b = 0; b < o && out[b] == ' '; b++)
		;
	for (e = o; e > b && out[e - 1] == ' '; e--)
		;
	memmove(out, out + b, e - b);
	out[e - b] = '\0';
	return out;
}

/* The record's keys in documented order. */
static const char *const record_keys[] = {"index",
					  "uuid",
					  "name",
					  "bus_id",
					  "driver_version",
					  "persistence_mode",
					  "mig_mode",
					  "memory_total_mib",
					  "memory_used_mib",
					  "memory_free_mib",
					  "memory_used_pct",
					  "util_gpu_pct",
					  "util_memory_pct",
					  "power_draw_w",
					  "power_limit_w",
					  "temp_c",
					  "clock_sm_mhz",
					  "clock_sm_max_mhz",
					  "clock_mem_mhz",
					  "clocks_event_reasons_mask",
					  "ecc_corrected_volatile",
					  "ecc_uncorrected_volatile",
					  "retired_pages_pending",
					  "remapped_rows_pending",
					  "remapped_rows_failure",
					  NULL};

json_t *gpu_record_new(void)
{
	json_t *r = json_object();

	for (int i = 0; record_keys[i]; i++)
		json_object_set_new(r, record_keys[i], json_null());
	json_object_set_new(r, "clocks_event_reasons", json_array());
	json_object_set_new(r, "processes", json_array());
	return r;
}

void gpu_set_num(json_t *rec, const char *key, double v)
{
	if (!isfinite(v)) {
		json_object_set_new(rec, key, json_null());
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		json_object_set_new(rec, key, json_integer((json_int_t)v));
	else if (fabs(v) > 1e15) /* no rounding: v * 100 could overflow */
		json_object_set_new(rec, key, json_real(v));
	else
		json_object_set_new(rec, key, json_real(round(v * 100) / 100));
}

void gpu_set_text(json_t *rec, const char *key, const char *s, size_t n)
{
	char *c = gpu_text_clean(s, n);

	json_object_set_new(rec, key, json_string(c));
	free(c);
}

void gpu_record_finish(json_t *rec)
{
	json_t *used = json_object_get(rec, "memory_used_mib");
	json_t *total = json_object_get(rec, "memory_total_mib");
	json_t *mask = json_object_get(rec, "clocks_event_reasons_mask");

	if (json_is_number(used) && json_is_number(total) &&
	    json_number_value(total) > 0)
		gpu_set_num(rec, "memory_used_pct",
			    100.0 * json_number_value(used) /
				json_number_value(total));
	if (json_is_integer(mask))
		json_object_set_new(
		    rec, "clocks_event_reasons",
		    gpu_reason_names((uint64_t)json_integer_value(mask)));
}

void gpu_read_free(struct gpu_read *r)
{
	if (!r)
		return;
	json_decref(r->gpus);
	json_decref(r->ignored);
	json_decref(r->problems);
	r->problems = NULL;
	free(r->driver);
	r->gpus = r->ignored = NULL;
	r->driver = NULL;
}
