/* ipmi_parse.c: parser of ipmitool output: `sdr` / `sdr list` (name |
 * reading | status), `sdr elist` (name | id | status | entity | reading),
 * `sensor` / `sensor list` (name | value | unit | status | lnr | lcr | lnc
 * | unc | ucr | unr), `chassis status` (Key : value) and the session or
 * device errors ipmitool prints when the BMC cannot be reached. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/node/ipmi.h"
#include "probe/toolio.h"

/* Most sensors kept (a BMC has a few hundred). */
#define IPMI_MAX_SENSORS 4096

/* Texts that mean the BMC (or the local IPMI device) did not answer. */
static const char *const unreachable[] = {
    "Unable to establish",   /* IPMI v2 / RMCP+ session, LAN session */
    "Could not open device", /* no /dev/ipmi0 (driver not loaded) */
    "Get Session Challenge command failed",
    "Activate Session command failed",
    "insufficient resources for session",
    "Unable to get Chassis Power Status",
    "No response from remote controller",
    NULL};

int ipmi_status_rank(const char *s)
{
	static const struct {
		const char *w;
		int r;
	} map[] = {{"ok", 0},  {"ns", 1},  {"na", 1},  {"nc", 2},
		   {"lnc", 2}, {"unc", 2}, {"cr", 3},  {"lcr", 3},
		   {"ucr", 3}, {"nr", 4},  {"lnr", 4}, {"unr", 4}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].w))
			return map[i].r;
	return -1;
}

static const char *status_text(int rank)
{
	static const char *const t[] = {"ok", "no-reading", "warning",
					"critical", "non-recoverable"};
	return rank >= 0 && rank <= 4 ? t[rank] : "unknown";
}

/* "39 degrees C" -> 39, "degrees C"; "0x01" / "no reading" -> null. */
static void reading(json_t *o, const char *text, const char *unit)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || !strncmp(text, "0x", 2) || !isfinite(v)) {
		json_object_set_new(o, "value", json_null());
		jset_str(o, "unit", unit && *unit ? unit : NULL);
		return;
	}
	while (*end == ' ')
		end++;
	jset_real(o, "value", v);
	jset_str(o, "unit", unit ? (*unit ? unit : NULL) : (*end ? end : NULL));
}

static json_t *sensor_new(const char *name, const char *raw, const char *status,
			  long line)
{
	json_t *o = json_object();
	int r = ipmi_status_rank(status);

	jset_str(o, "name", name);
	jset_str(o, "raw", raw);
	jset_str(o, "status", status);
	jset_str(o, "state", status_text(r));
	jset_int(o, "line", line);
	return o;
}

static void thresholds(json_t *o, char **f)
{
	static const char *const k[] = {"lnr", "lcr", "lnc",
					"unc", "ucr", "unr"};
	json_t *t = json_object();
	double v;

	for (int i = 0; i < 6; i++)
		if (toolio_num(f[4 + i], 0, &v) == 0)
			jset_real(t, k[i], v);
		else
			json_object_set_new(t, k[i], json_null());
	json_object_set_new(o, "thresholds", t);
}

/* One line with '|' separators: sdr, sdr elist or sensor format. */
static int pipe_line(struct ipmi_data *d, const char *c, long line)
{
	char **f;
	size_t n = toolio_split(c, '|', &f);
	json_t *o = NULL;

	if (n == 3 && *f[0] && ipmi_status_rank(f[2]) >= 0) {
		o = sensor_new(f[0], f[1], f[2], line);
		reading(o, f[1], NULL);
	} else if (n == 5 && *f[0] && ipmi_status_rank(f[2]) >= 0) {
		o = sensor_new(f[0], f[4], f[2], line);
		reading(o, f[4], NULL);
	} else if (n >= 10 && *f[0] &&
		   (ipmi_status_rank(f[3]) >= 0 || !strncmp(f[3], "0x", 2))) {
		o = sensor_new(f[0], f[1], f[3], line);
		reading(o, f[1], strcmp(f[2], "discrete") ? f[2] : "");
		thresholds(o, f);
	}
	toolio_fields_free(f, n);
	if (!o)
		return 0;
	if (json_array_size(d->sensors) < IPMI_MAX_SENSORS)
		json_array_append_new(d->sensors, o);
	else
		json_decref(o);
	return 1;
}

/* "System Power         : on" -> chassis.system_power = "on". */
static int chassis_line(struct ipmi_data *d, const char *c)
{
	const char *colon = strstr(c, " : ");
	char *key;
	size_t o = 0, n;

	if (!colon || colon == c || json_object_size(d->chassis) > 64)
		return 0;
	n = (size_t)(colon - c);
	key = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (isalnum(ch))
			key[o++] = (char)tolower(ch);
		else if (o && key[o - 1] != '_')
			key[o++] = '_';
	}
	while (o && key[o - 1] == '_')
		o--;
	key[o] = '\0';
	if (o)
		jset_str(d->chassis, key, colon + 3);
	free(key);
	return o > 0;
}

void ipmi_parse(struct ipmi_data *d, const char *text, size_t len)
{
	struct toolio_lines it;
	const char *s;
	size_t n;

	d->sensors = json_array();
	d->chassis = json_object();
	toolio_lines_init(&it, text, len);
	while (toolio_line(&it, &s, &n)) {
		char *c = toolio_clean(s, n);
		int hit = 0;
		d->lines++;
		for (int i = 0; unreachable[i] && !hit; i++)
			if (strstr(c, unreachable[i])) {
				if (!d->error)
					d->error = xstrdup(c);
				hit = 1;
			}
		if (!hit && strchr(c, '|'))
			hit = pipe_line(d, c, it.lineno);
		else if (!hit)
			hit = chassis_line(d, c);
		d->parsed += hit;
		free(c);
	}
}

void ipmi_free(struct ipmi_data *d)
{
	json_decref(d->sensors);
	json_decref(d->chassis);
	free(d->error);
	memset(d, 0, sizeof(*d));
}
