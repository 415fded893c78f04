/* ipmi.c: the `ipmi` probe: BMC health through ipmitool: sensors with
 * their status (critical, warning), chassis power state and faults, and
 * whether the BMC answers at all. Live (local /dev/ipmi0, or a remote BMC
 * over lanplus) or from recorded output. Facts schema: docs/probes/ipmi.md. */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "probe/node/ipmi.h"
#include "probe/probe.h"
#include "probe/toolio.h"

/* Timeout of each live ipmitool call (a dead BMC over LAN takes ~20 s of
 * retries before ipmitool gives up). */
#define IPMI_TIMEOUT_MS 60000

/* Chassis status keys whose value "true" is a fault. */
static const char *const fault_keys[] = {
    "power_overload", "main_power_fault",  "power_control_fault",
    "drive_fault",    "cooling_fan_fault", NULL};

/* Runs `ipmitool [lan args] what...` into b; returns 0 or an error. */
static int live_one(const json_t *args, const char *const *what, struct buf *b,
		    struct ml_err *err)
{
	const char *argv[16];
	const char *host = jget_str(args, "host", NULL);
	const char *user = jget_str(args, "user", NULL);
	int n = 0, code, rc;

	argv[n++] = "ipmitool";
	if (host) {
		argv[n++] = "-I";
		argv[n++] = jget_str(args, "interface", "lanplus");
		argv[n++] = "-H";
		argv[n++] = host;
		if (user) {
			argv[n++] = "-U";
			argv[n++] = user;
		}
		argv[n++] = "-E"; /* password from IPMI_PASSWORD */
	}
	for (int i = 0; what[i]; i++)
		argv[n++] = what[i];
	argv[n] = NULL;
	rc = toolio_run(argv, IPMI_TIMEOUT_MS, "cannot query the BMC", b, &code,
			err);
	if (rc == ML_ETIMEOUT) {
		/* a BMC that never answers is a finding, not a probe error */
		buf_printf(b, "\nError: Unable to establish session: %s\n",
			   err->msg);
		ml_err_clear(err);
		return 0;
	}
	buf_putc(b, '\n');
	return rc;
}

static int read_live(const json_t *args, struct buf *b, struct ml_err *err)
{
	static const char *const sensor[] = {"sensor", NULL};
	static const char *const chassis[] = {"chassis", "status", NULL};
	int rc = live_one(args, sensor, b, err);

	return rc ? rc : live_one(args, chassis, b, err);
}

/* "77 degrees C", or the raw reading when it is not a number. */
static void reading_text(const json_t *s, char *out, size_t n)
{
	const json_t *v = json_object_get(s, "value");

	if (json_is_number(v))
		snprintf(out, n, "%g %s", json_number_value(v),
			 jget_str(s, "unit", ""));
	else
		snprintf(out, n, "%s", jget_str(s, "raw", "?"));
}

/* Sorts sensors into critical/warning lists and counts; adds reasons. */
static void sensor_facts(json_t *facts, const json_t *sensors)
{
	json_t *crit = json_array(), *warn = json_array(), *s;
	long counts[5] = {0};
	double max_temp = -1e300;
	char txt[160];
	size_t i;

	json_array_foreach(sensors, i, s)
	{
		int r = ipmi_status_rank(jget_str(s, "status", ""));
		const char *unit = jget_str(s, "unit", "");
		const json_t *v = json_object_get(s, "value");
		if (r >= 0)
			counts[r]++;
		if (json_is_number(v) && !strcmp(unit, "degrees C") &&
		    json_number_value(v) > max_temp)
			max_temp = json_number_value(v);
		reading_text(s, txt, sizeof(txt));
		if (r >= 3) {
			json_array_append(crit, s);
			probe_reason(facts, PV_FAILED, "sensor-critical",
				     "sensor %s: %s (%s)",
				     jget_str(s, "name", "?"), txt,
				     jget_str(s, "state", "?"));
		} else if (r == 2) {
			json_array_append(warn, s);
			probe_reason(facts, PV_DEGRADED, "sensor-warning",
				     "sensor %s: %s (non-critical threshold "
				     "crossed)",
				     jget_str(s, "name", "?"), txt);
		}
	}
	jset_int(facts, "sensor_count", (long long)json_array_size(sensors));
	jset_int(facts, "ok_count", counts[0]);
	jset_int(facts, "no_reading_count", counts[1]);
	jset_int(facts, "warning_count", counts[2]);
	jset_int(facts, "critical_count", counts[3] + counts[4]);
	if (max_temp > -1e300)
		jset_real(facts, "max_temp_c", max_temp);
	else
		json_object_set_new(facts, "max_temp_c", json_null());
	json_object_set_new(facts, "critical", crit);
	json_object_set_new(facts, "warning", warn);
}

static void chassis_facts(json_t *facts, json_t *chassis, const char *want)
{
	const char *power = jget_str(chassis, "system_power", NULL);
	json_t *faults = json_array();

	for (int i = 0; fault_keys[i]; i++)
		if (!strcmp(jget_str(chassis, fault_keys[i], ""), "true")) {
			json_array_append_new(faults,
					      json_string(fault_keys[i]));
			probe_reason(facts, PV_FAILED, "chassis-fault",
				     "chassis status: %s is true",
				     fault_keys[i]);
		}
	jset_str(facts, "power_state", power);
	json_object_set_new(facts, "faults", faults);
	json_object_set(facts, "chassis", chassis);
	if (power && strcmp(want, "any") && strcmp(power, want))
		probe_reason(facts, PV_DEGRADED, "power-state",
			     "system power is %s, expected %s", power, want);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", NULL);
	const char *want = jget_str(ctx->args, "expect-power", "on");
	struct ipmi_data d = {0};
	struct buf b = BUF_INIT;
	json_t *src;
	int rc;

	*facts = NULL;
	if (strcmp(want, "on") && strcmp(want, "off") && strcmp(want, "any"))
		return ml_err_set(err, ML_EUSAGE,
				  "--expect-power must be on, off or any, not "
				  "`%.40s`",
				  want);
	rc = from ? toolio_read(from, &b, err) : read_live(ctx->args, &b, err);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	ipmi_parse(&d, buf_str(&b), b.len);
	buf_free(&b);
	if (!d.parsed) {
		rc = ml_err_at(err, ML_EINPUT, from ? from : "ipmitool", 0, 0,
			       "no ipmitool sdr/sensor/chassis status output "
			       "found in %ld line(s)",
			       d.lines);
		ipmi_free(&d);
		return rc;
	}
	*facts = probe_facts_new("ipmi");
	src =
	    json_pack("{s:s, s:s?, s:s?}", "kind",
		      !from		  ? "live"
		      : strcmp(from, "-") ? "file"
					  : "stdin",
		      "from", from, "host", jget_str(ctx->args, "host", NULL));
	json_object_set_new(*facts, "source", src);
	jset_bool(*facts, "reachable", d.error == NULL);
	jset_str(*facts, "error", d.error);
	if (d.error)
		probe_reason(*facts, PV_FAILED, "bmc-unreachable",
			     "the BMC did not answer: %s", d.error);
	chassis_facts(*facts, d.chassis, want);
	sensor_facts(*facts, d.sensors);
	json_object_set(*facts, "sensors", d.sensors);
	ipmi_free(&d);
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *r, *s;
	size_t i;

	buf_printf(
	    out,
	    "ipmi: %s: BMC %s, power %s; %lld sensor(s): %lld ok, "
	    "%lld warning, %lld critical, %lld no reading\n",
	    jget_str(facts, "verdict", "unknown"),
	    jget_bool(facts, "reachable", 0) ? "reachable" : "UNREACHABLE",
	    jget_str(facts, "power_state", "unknown"),
	    jget_int(facts, "sensor_count", 0), jget_int(facts, "ok_count", 0),
	    jget_int(facts, "warning_count", 0),
	    jget_int(facts, "critical_count", 0),
	    jget_int(facts, "no_reading_count", 0));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
	json_array_foreach(json_object_get(facts, "sensors"), i, s)
	{
		if (ipmi_status_rank(jget_str(s, "status", "")) < 2)
			continue;
		char txt[160];
		reading_text(s, txt, sizeof(txt));
		buf_printf(out, "  %-20.20s %-20.20s %s\n",
			   jget_str(s, "name", "?"), txt,
			   jget_str(s, "state", "?"));
	}
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH,
     "recorded output of ipmitool sdr / sensor / chassis status (one file, "
     "any mix); - reads stdin",
     NULL, 0, 0},
    {"host", PO_STRING,
     "remote BMC address (ipmitool -I lanplus -H); password from "
     "IPMI_PASSWORD",
     NULL, 0, 0},
    {"user", PO_STRING, "BMC user name (-U)", NULL, 0, 0},
    {"interface", PO_STRING, "ipmitool interface with --host", "lanplus", 0, 0},
    {"expect-power", PO_STRING, "power state that is healthy: on, off, any",
     "on", 0, 0},
    {0}};

const struct probe_def probe_ipmi = {
    .name = "ipmi",
    .summary = "BMC sensors, chassis power and faults, BMC reachability "
	       "(ipmitool)",
    .help =
	"Reads `ipmitool sensor` (or `sdr`, `sdr elist`) and `ipmitool\n"
	"chassis status`: every sensor with its status (ok, nc warning, cr\n"
	"critical, nr non-recoverable, ns no reading), power state, chassis\n"
	"faults. A BMC that does not answer (\"Unable to establish IPMI v2 /\n"
	"RMCP+ session\", no /dev/ipmi0) is a finding: reachable false.\n"
	"\n"
	"Verdict: failed when the BMC is unreachable, a sensor is critical or\n"
	"non-recoverable, or a chassis fault is set; degraded for "
	"non-critical\n"
	"sensors and an unexpected power state.\n"
	"\n"
	"Examples:\n"
	"  sudo mloncall check ipmi\n"
	"  IPMI_PASSWORD=... mloncall check ipmi --host 10.0.8.17 --user "
	"admin\n"
	"  ipmitool sdr | mloncall check ipmi --from - -o json\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
