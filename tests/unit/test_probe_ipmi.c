/* test_probe_ipmi.c: unit tests of the `ipmi` probe: sdr, sdr elist and
 * sensor formats, chassis status (power, faults), an unreachable BMC and a
 * missing /dev/ipmi0 as findings, broken input, and live mode with a fake
 * ipmitool (local and --host with the password from the environment). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "probe/node/ipmi.h"
#include "thinprobe.h"

static int ip(const char *file, const char *extra, json_t **f,
	      struct ml_err *err)
{
	return tp_fix("ipmi", "ipmi", file, extra, f, err);
}

static void test_formats(void **state)
{
	json_t *f, *s;
	struct ml_err err;
	(void)state;

	assert_int_equal(ip("sdr.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "sensor_count", 0), 15);
	assert_int_equal(jget_int(f, "no_reading_count", 0), 1);
	assert_float_equal(jget_num(f, "max_temp_c", 0), 63, 1e-9);
	s = json_array_get(json_object_get(f, "sensors"), 7);
	assert_string_equal(jget_str(s, "name", ""), "FAN1");
	assert_float_equal(jget_num(s, "value", 0), 8400, 1e-9);
	assert_string_equal(jget_str(s, "unit", ""), "RPM");
	s = json_array_get(json_object_get(f, "sensors"), 13);
	assert_true(json_is_null(json_object_get(s, "value")));
	assert_true(json_is_null(json_object_get(f, "power_state")));
	json_decref(f);
	assert_int_equal(ip("sdr-elist.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_int_equal(jget_int(f, "critical_count", 0), 1);
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "critical"), 0), "name",
		     ""),
	    "Fan2A");
	json_decref(f);
	assert_int_equal(ip("sensor.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	s = json_array_get(json_object_get(f, "sensors"), 0);
	assert_float_equal(jget_num(json_object_get(s, "thresholds"), "ucr", 0),
			   42, 1e-9);
	assert_true(json_is_null(
	    json_object_get(json_object_get(s, "thresholds"), "unr")));
	/* discrete sensors: hex state, no unit, not a finding */
	s = json_array_get(json_object_get(f, "sensors"), 11);
	assert_string_equal(jget_str(s, "status", ""), "0x0000");
	assert_true(json_is_null(json_object_get(s, "unit")));
	json_decref(f);
}

static void test_node_states(void **state)
{
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_int_equal(ip("node-healthy.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(f, "power_state", ""), "on");
	assert_true(jget_bool(f, "reachable", 0));
	json_decref(f);
	assert_int_equal(ip("node-overheat.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_true(tp_has_reason(f, "chassis-fault"));
	assert_true(tp_has_reason(f, "sensor-critical"));
	assert_true(tp_has_reason(f, "sensor-warning"));
	assert_int_equal(jget_int(f, "critical_count", 0), 2);
	assert_int_equal(jget_int(f, "warning_count", 0), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(f, "faults"), 0)),
	    "cooling_fan_fault");
	json_decref(f);
	assert_int_equal(ip("chassis-off.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	assert_int_equal(
	    ip("chassis-off.txt", ", \"expect-power\": \"off\"", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	assert_int_equal(
	    ip("chassis-off.txt", ", \"expect-power\": \"up\"", &f, &err),
	    ML_EUSAGE);
	assert_int_equal(ip("unreachable.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_false(jget_bool(f, "reachable", 1));
	assert_non_null(strstr(jget_str(f, "error", ""), "RMCP+"));
	json_decref(f);
	assert_int_equal(ip("no-device.txt", NULL, &f, &err), 0);
	assert_false(jget_bool(f, "reachable", 1));
	json_decref(f);
	assert_int_equal(ipmi_status_rank("UCR"), 3);
	assert_int_equal(ipmi_status_rank("lnr"), 4);
	assert_int_equal(ipmi_status_rank("0x0100"), -1);
}

static void test_broken(void **state)
{
	(void)state;
	tp_truncations("ipmi", "ipmi", "node-overheat.txt", 3, NULL);
	tp_truncations("ipmi", "ipmi", "sdr-elist.txt", 2, NULL);
	tp_hostile("ipmi");
	/* a line of 200 pipes, fields of the wrong kind */
	tp_robust("ipmi",
		  "|||||||||||||||||||||||||||||||||||||||||||||||\n"
		  "x | 1e999 | degrees C | cr | na | na | na | na | na | na\n"
		  "y | nan | RPM | nc | a | b | c | d | e | f\n :  : \n",
		  (size_t)-1, NULL);
}

static void test_live(void **state)
{
	char dir[] = "/tmp/mloncall-ipmi-XXXXXX", path[600], log[600];
	char *old = strdup(getenv("PATH"));
	struct buf b = BUF_INIT;
	json_t *f;
	struct ml_err err;
	FILE *fp;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s:%s", dir, "/nonexistent");
	setenv("PATH", path, 1);
	assert_int_equal(tp_run("ipmi", "{}", &f, &err), ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "ipmitool not on PATH"));
	snprintf(path, sizeof(path), "%s/ipmitool", dir);
	snprintf(log, sizeof(log), "%s/args", dir);
	fp = fopen(path, "w");
	fprintf(fp,
		"#!/bin/sh\necho \"$* pw=$IPMI_PASSWORD\" >> '%s'\n"
		"case \"$*\" in\n*sensor) cat '%s' ;;\n",
		log, tp_fixture("ipmi", "sensor.txt"));
	fprintf(fp, "*'chassis status') cat '%s' ;;\nesac\n",
		tp_fixture("ipmi", "chassis.txt"));
	fclose(fp);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s:%s", dir, old);
	setenv("PATH", path, 1);
	setenv("IPMI_PASSWORD", "s3cret", 1);
	assert_int_equal(
	    tp_run("ipmi", "{\"host\": \"10.0.8.17\", \"user\": \"admin\"}", &f,
		   &err),
	    0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(f, "power_state", ""), "on");
	assert_string_equal(jget_str(json_object_get(f, "source"), "host", ""),
			    "10.0.8.17");
	json_decref(f);
	assert_int_equal(buf_read_file(&b, log, 0), 0);
	assert_non_null(strstr(b.data, "-I lanplus -H 10.0.8.17 -U admin -E "
				       "sensor pw=s3cret"));
	assert_non_null(strstr(b.data, "-E chassis status"));
	buf_free(&b);
	/* a BMC that refuses the session */
	snprintf(path, sizeof(path), "%s/ipmitool", dir);
	fp = fopen(path, "w");
	fprintf(fp, "#!/bin/sh\necho 'Error: Unable to establish IPMI v2 / "
		    "RMCP+ session' >&2\nexit 1\n");
	fclose(fp);
	assert_int_equal(tp_run("ipmi", "{\"host\": \"10.0.8.17\"}", &f, &err),
			 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_false(jget_bool(f, "reachable", 1));
	json_decref(f);
	unsetenv("IPMI_PASSWORD");
	setenv("PATH", old, 1);
	unlink(path);
	unlink(log);
	rmdir(dir);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_node_states),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
