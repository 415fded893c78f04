/* test_probe_xid.c: unit tests of the `xid` probe: the line parser on
 * realistic NVRM Xid / NVSwitch SXid lines in every timestamp style, the
 * catalogue (the codes the issue names, sortedness, valid buckets), the
 * probe's facts on the fixture logs, --since, broken input and live mode
 * with fake dmesg / journalctl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "probe/gpu/xid.h"

/* 2026-11-23T09:00:00Z */
#define NOW 1795424400000LL

static int parse(const char *line, struct xid_event *ev)
{
	return xid_parse_line(line, strlen(line), NOW, ev);
}

static int64_t at(const char *rfc3339)
{
	int64_t ms;
	assert_int_equal(time_parse(rfc3339, &ms), 0);
	return ms;
}

static void test_timestamp_styles(void **state)
{
	struct xid_event ev;
	(void)state;

	assert_int_equal(at("2026-11-23T09:00:00Z"), NOW);
	/* dmesg: boot-relative seconds only */
	assert_int_equal(
	    parse("[86000.123456] NVRM: Xid (PCI:0000:3b:00): 79, "
		  "pid=1234, name=python, GPU has fallen off the bus.",
		  &ev),
	    1);
	assert_int_equal(ev.has_time, 0);
	assert_int_equal(ev.has_uptime, 1);
	assert_true(ev.uptime_s > 86000.1234 && ev.uptime_s < 86000.1235);
	xid_event_free(&ev);
	/* dmesg -T (local time; TZ=UTC in this test) */
	assert_int_equal(
	    parse("[Mon Nov 23 06:18:00 2026] NVRM: Xid (PCI:0000:af:00): "
		  "79, pid=0, GPU has fallen off the bus.",
		  &ev),
	    1);
	assert_int_equal(ev.time_ms, at("2026-11-23T06:18:00Z"));
	xid_event_free(&ev);
	/* dmesg --time-format iso */
	assert_int_equal(
	    parse(
		"2026-11-23T06:18:00,123456+00:00 NVRM: Xid (PCI:0000:af:00): "
		"79, GPU has fallen off the bus.",
		&ev),
	    1);
	assert_int_equal(ev.time_ms, at("2026-11-23T06:18:00.123Z"));
	xid_event_free(&ev);
	/* journalctl -o short-iso, with a +hhmm offset */
	assert_int_equal(
	    parse("2026-11-23T07:18:00+0100 node7 kernel: NVRM: Xid "
		  "(PCI:0000:af:00): 79, GPU has fallen off the bus.",
		  &ev),
	    1);
	assert_int_equal(ev.time_ms, at("2026-11-23T06:18:00Z"));
	xid_event_free(&ev);
	/* rsyslog high precision */
	assert_int_equal(
	    parse("2026-11-23T06:18:00.5-02:00 node7 kernel: NVRM: Xid "
		  "(PCI:0000:af:00): 79, GPU has fallen off the bus.",
		  &ev),
	    1);
	assert_int_equal(ev.time_ms, at("2026-11-23T08:18:00.500Z"));
	xid_event_free(&ev);
	/* syslog kern.log with the dmesg stamp inside, padded day */
	assert_int_equal(
	    parse("Nov  3 06:18:00 node7 kernel: [  12.5] NVRM: Xid "
		  "(PCI:0000:af:00): 79, GPU has fallen off the bus.",
		  &ev),
	    1);
	assert_int_equal(ev.time_ms, at("2026-11-03T06:18:00Z"));
	assert_int_equal(ev.has_uptime, 1);
	assert_true(ev.uptime_s == 12.5);
	xid_event_free(&ev);
	/* syslog in December read in November: last year */
	assert_int_equal(
	    parse("Dec 31 23:59:59 node7 kernel: NVRM: Xid (PCI:0000:af:00): "
		  "79, x",
		  &ev),
	    1);
	assert_int_equal(ev.time_ms, at("2025-12-31T23:59:59Z"));
	xid_event_free(&ev);
	/* dmesg -T pads one-digit days */
	assert_int_equal(parse("[Tue Nov  3 06:18:00 2026] NVRM: Xid "
			       "(PCI:0000:af:00): 79, x",
			       &ev),
			 1);
	assert_int_equal(ev.time_ms, at("2026-11-03T06:18:00Z"));
	xid_event_free(&ev);
	/* raw /dev/kmsg priority prefix, no time */
	assert_int_equal(parse("<4>NVRM: Xid (PCI:0000:af:00): 79, x", &ev), 1);
	assert_int_equal(ev.has_time, 0);
	xid_event_free(&ev);
}

static void test_fields(void **state)
{
	struct xid_event ev;
	(void)state;

	assert_int_equal(
	    parse("NVRM: Xid (PCI:0000:3b:00): 13, pid=2134, name=python3, "
		  "Graphics SM Warp Exception on (GPC 1, TPC 3, SM 0): "
		  "Out Of Range Address",
		  &ev),
	    1);
	assert_int_equal(ev.code, 13);
	assert_string_equal(ev.bus_id, "0000:3b:00");
	assert_int_equal(ev.pid, 2134);
	assert_string_equal(ev.process, "python3");
	assert_string_equal(ev.message,
			    "Graphics SM Warp Exception on (GPC 1, TPC 3, "
			    "SM 0): Out Of Range Address");
	xid_event_free(&ev);
	assert_int_equal(
	    parse("NVRM: Xid (PCI:0000:5e:00): 63, pid='<unknown>', "
		  "name=<unknown>, Row Remapper: New row marked for "
		  "remapping, reset gpu to activate.",
		  &ev),
	    1);
	assert_int_equal(ev.pid, -1);
	assert_null(ev.process);
	assert_string_equal(ev.message,
			    "Row Remapper: New row marked for remapping, "
			    "reset gpu to activate.");
	xid_event_free(&ev);
	assert_int_equal(
	    parse("NVRM: Xid (PCI:0000:3b:00): 13, Graphics Exception: "
		  "ESR 0x404600=0x80000001",
		  &ev),
	    1);
	assert_int_equal(ev.pid, -1);
	assert_string_equal(ev.message,
			    "Graphics Exception: ESR 0x404600=0x80000001");
	xid_event_free(&ev);
	assert_int_equal(parse("NVRM: Xid (PCI:0000:c6:00): 79, pid=1101234, "
			       "name=nvc:[driver], GPU has fallen off the bus.",
			       &ev),
			 1);
	assert_string_equal(ev.process, "nvc:[driver]");
	xid_event_free(&ev);
	assert_int_equal(parse("NVRM: Xid (PCI:0000:3b:00): 43", &ev), 1);
	assert_string_equal(ev.message, "");
	xid_event_free(&ev);
	/* SXid from an NVSwitch */
	assert_int_equal(
	    parse("[  123.456789] nvidia-nvswitch0: SXid (PCI:0000:c3:00.0): "
		  "20009, Non-fatal, Link 28 RX Short Error Rate",
		  &ev),
	    1);
	assert_int_equal(ev.sxid, 1);
	assert_int_equal(ev.code, 20009);
	assert_string_equal(ev.bus_id, "0000:c3:00.0");
	assert_string_equal(ev.severity, "Non-fatal");
	assert_string_equal(ev.message, "Link 28 RX Short Error Rate");
	xid_event_free(&ev);
}

static void test_not_events(void **state)
{
	const char *lines[] = {
	    "",
	    "NVRM: loading NVIDIA UNIX Open Kernel Module for x86_64  "
	    "580.159.04",
	    "sudo grep Xid /var/log/syslog",
	    "Xid (PCI:0000:3b:00): 79, no NVRM prefix",
	    "NVRM: Xid (PCI:0000:3b:00): abc, bad code",
	    "NVRM: Xid (PCI:0000:3b:00 79, missing paren",
	    "NVRM: Xid (PCI:): 79, empty bus",
	    "NVRM: Xid (PCI:0000:3b:00): 79x, junk after code",
	    "NVRM: Xid (PCI:0000:3b:00): 9999999, code too large",
	    "NVRM: Xid (PCI:0000:3b:00): ",
	    "NVRM: Xid (",
	    NULL};
	struct xid_event ev;
	(void)state;

	for (int i = 0; lines[i]; i++)
		assert_int_equal(parse(lines[i], &ev), 0);
}

/* Every prefix of real lines: parsed or not, never a crash (ASan). */
static void test_truncated_lines(void **state)
{
	const char *lines[] = {
	    "2026-11-23T06:18:00,123456+00:00 NVRM: Xid (PCI:0000:af:00): 79, "
	    "pid=12, name=python, GPU has fallen off the bus.",
	    "Nov 23 06:18:00 node7 kernel: [86000.123456] nvidia-nvswitch0: "
	    "SXid (PCI:0000:c3:00.0): 12028, Fatal, Link 24 egress",
	    "[Mon Nov 23 06:18:00 2026] NVRM: Xid (PCI:0000:af:00): 48, "
	    "pid='<unknown>', name=<unknown>, An uncorrectable DBE",
	    NULL};
	(void)state;

	for (int i = 0; lines[i]; i++) {
		size_t len = strlen(lines[i]), hits = 0;
		for (size_t n = 0; n <= len; n++) {
			char *cut = malloc(n ? n : 1);
			struct xid_event ev;
			memcpy(cut, lines[i], n);
			if (xid_parse_line(cut, n, NOW, &ev)) {
				hits++;
				assert_non_null(ev.bus_id);
				assert_non_null(ev.message);
			}
			xid_event_free(&ev);
			free(cut);
		}
		assert_true(hits > 0 && hits < len);
	}
}

static void test_non_utf8_and_huge(void **state)
{
	struct xid_event ev;
	size_t n = 1 << 20;
	char *big = malloc(n + 64);
	json_t *s;
	(void)state;

	assert_int_equal(
	    parse("NVRM: Xid (PCI:0000:3b:00): 31, pid=1, name=py\xff\xfe, "
		  "MMU Fault \xc0\xaf at \x01",
		  &ev),
	    1);
	assert_string_equal(ev.process, "py??");
	s = json_string(ev.message);
	assert_non_null(s); /* valid UTF-8 */
	json_decref(s);
	xid_event_free(&ev);
	memset(big, 'X', n);
	big[n] = '\0';
	assert_int_equal(xid_parse_line(big, n, NOW, &ev), 0);
	strcpy(big + n, "NVRM: Xid (PCI:0000:3b:00): 31, tail");
	assert_int_equal(xid_parse_line(big, strlen(big), NOW, &ev), 1);
	assert_string_equal(ev.bus_id, "0000:3b:00");
	assert_int_equal(ev.has_time, 0);
	xid_event_free(&ev);
	free(big);
}

static void test_catalogue(void **state)
{
	static const struct {
		int code;
		const char *action, *category;
	} want[] = {{13, "RESTART_APP", "application"},
		    {31, "RESTART_APP", "application"},
		    {43, "IGNORE", "application"},
		    {45, "IGNORE", "application"},
		    {48, "RESET_GPU", "memory/ECC"},
		    {63, "IGNORE", "memory/ECC"},
		    {64, "RESET_GPU", "memory/ECC"},
		    {74, "RESET_GPU", "NVLink"},
		    {79, "RESTART_BM", "hardware/bus"},
		    {92, "IGNORE", "memory/ECC"},
		    {94, "RESTART_APP", "memory/ECC"},
		    {95, "RESET_GPU", "memory/ECC"},
		    {119, "RESET_GPU", "GSP/firmware"},
		    {120, "RESET_GPU", "GSP/firmware"},
		    {8, "RESTART_APP", "driver"},
		    {62, "RESET_GPU", "GSP/firmware"},
		    {140, "RESET_GPU", "memory/ECC"},
		    {144, "RESET_GPU", "NVLink"},
		    {150, "RESET_GPU", "NVLink"},
		    {0, NULL, NULL}};
	static const char *const cats[] = {
	    "application",  "driver",	    "memory/ECC",    "NVLink",
	    "GSP/firmware", "hardware/bus", "thermal/power", NULL};
	size_t n;
	const struct xid_info *c = xid_catalog(&n);
	(void)state;

	for (int i = 0; want[i].code; i++) {
		const struct xid_info *x = xid_lookup(want[i].code);
		assert_non_null(x);
		assert_string_equal(x->action, want[i].action);
		assert_string_equal(x->category, want[i].category);
	}
	assert_string_equal(xid_lookup(79)->mnemonic,
			    "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS");
	assert_string_equal(xid_lookup(79)->investigatory, "CONTACT_SUPPORT");
	assert_null(xid_lookup(999));
	assert_null(xid_lookup(0));
	assert_null(xid_lookup(-1));
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		int ok = 0;
		if (i)
			assert_true(c[i].code > c[i - 1].code);
		assert_true(xid_action_rank(c[i].action) >= 0);
		for (int k = 0; cats[k]; k++)
			ok |= !strcmp(cats[k], c[i].category);
		assert_true(ok);
	}
	assert_true(xid_action_rank("CONTACT_SUPPORT") >
		    xid_action_rank("RESTART_BM"));
	assert_true(xid_action_rank("RESTART_BM") >
		    xid_action_rank("RESET_GPU"));
	assert_true(xid_action_rank("RESET_GPU") >
		    xid_action_rank("RESTART_APP"));
	assert_int_equal(xid_action_rank("NOPE"), -1);
	assert_string_equal(xid_recovery_action("GPU recovery action changed "
						"from 0x0 (None) to 0x2 (Node "
						"Reboot Required)"),
			    "RESTART_BM");
	assert_string_equal(xid_recovery_action("changed from 0x2 (Node Reboot "
						"Required) to 0x1 (GPU Reset "
						"Required)"),
			    "RESET_GPU");
	assert_string_equal(xid_recovery_action("from 0x1 (GPU Reset Required) "
						"to 0x0 (None)"),
			    "IGNORE");
	assert_null(xid_recovery_action("to 0x9 (Something New)"));
	assert_null(xid_recovery_action(""));
}

static int run_xid(const char *args_json, json_t **facts, struct ml_err *err)
{
	json_t *args = json_loads(args_json, 0, NULL);
	int rc;

	assert_non_null(args);
	rc = probe_run(probe_find("xid"), args, 0, NULL, NULL, facts, err);
	json_decref(args);
	return rc;
}

static void fixture_args(char *out, size_t n, const char *file,
			 const char *extra)
{
	const char *dir = getenv("ML_FIXTURES");
	snprintf(out, n, "{\"from\": \"%s/xid/%s\"%s}",
		 dir ? dir : "tests/fixtures", file, extra ? extra : "");
}

static const json_t *gpu_of(const json_t *facts, const char *bus)
{
	size_t i;
	json_t *g;
	json_array_foreach(
	    json_object_get(facts, "gpus"), i,
	    g) if (!strcmp(jget_str(g, "bus_id", ""), bus)) return g;
	return NULL;
}

/* All six timestamp styles of the same 25 events give the same facts. */
static void test_fixture_logs(void **state)
{
	const char *files[] = {"dmesg.txt",
			       "dmesg-T.txt",
			       "dmesg-iso.txt",
			       "journal-short-iso.txt",
			       "kern.log",
			       "rsyslog-iso.txt",
			       NULL};
	char args[1024];
	struct ml_err err = {0};
	(void)state;

	for (int i = 0; files[i]; i++) {
		json_t *facts = NULL;
		const json_t *g;
		fixture_args(args, sizeof(args), files[i], NULL);
		assert_int_equal(run_xid(args, &facts, &err), 0);
		assert_string_equal(jget_str(facts, "verdict", ""), "failed");
		assert_int_equal(jget_int(facts, "events_total", 0), 25);
		assert_int_equal(jget_int(facts, "xid_events", 0), 23);
		assert_int_equal(jget_int(facts, "sxid_events", 0), 2);
		assert_int_equal(jget_int(facts, "gpu_count", 0), 5);
		assert_string_equal(jget_str(facts, "worst_action", ""),
				    "RESTART_BM");
		g = gpu_of(facts, "0000:3b:00");
		assert_non_null(g);
		assert_int_equal(jget_int(g, "events", 0), 9);
		assert_string_equal(jget_str(g, "worst_action", ""),
				    "RESET_GPU");
		g = gpu_of(facts, "0000:af:00");
		assert_string_equal(jget_str(g, "worst_action", ""),
				    "RESTART_BM");
		if (strcmp(files[i], "dmesg.txt"))
			assert_string_equal(jget_str(g, "last", ""),
					    i == 2 || i == 5
						? "2026-11-23T06:19:00.123Z"
						: "2026-11-23T06:19:00.000Z");
		assert_int_equal(
		    json_array_size(json_object_get(facts, "nvswitches")), 2);
		json_decref(facts);
	}
}

static void test_app_only_is_not_hardware(void **state)
{
	json_t *facts = NULL;
	struct ml_err err = {0};
	char dir[] = "/tmp/ml-xid-XXXXXX", path[128], args[256];
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/app.log", dir);
	f = fopen(path, "w");
	fputs("[  10.000000] NVRM: Xid (PCI:0000:3b:00): 13, pid=1, name=py, "
	      "Graphics Exception\n"
	      "[  10.100000] NVRM: Xid (PCI:0000:3b:00): 43, pid=1, name=py, "
	      "Ch 00000008\n"
	      "[  11.000000] NVRM: Xid (PCI:0000:3b:00): 999, pid=1, name=py, "
	      "future\n",
	      f);
	fclose(f);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", path);
	assert_int_equal(run_xid(args, &facts, &err), 0);
	/* Application faults and an unknown code: degraded, never failed. */
	assert_string_equal(jget_str(facts, "verdict", ""), "degraded");
	assert_string_equal(jget_str(facts, "worst_action", ""), "RESTART_APP");
	assert_int_equal(json_integer_value(json_array_get(
			     json_object_get(facts, "unknown_codes"), 0)),
			 999);
	json_decref(facts);
	unlink(path);
	rmdir(dir);
}

static void test_since(void **state)
{
	char args[1024];
	json_t *facts = NULL;
	struct ml_err err = {0};
	(void)state;

	setenv("MLONCALL_NOW", "2026-11-23T09:00:00Z", 1);
	fixture_args(args, sizeof(args), "journal-short-iso.txt",
		     ", \"since\": \"2026-11-23T06:10:00Z\"");
	assert_int_equal(run_xid(args, &facts, &err), 0);
	assert_int_equal(jget_int(facts, "events_total", 0), 15);
	assert_int_equal(jget_int(facts, "before_since", 0), 10);
	json_decref(facts);
	fixture_args(args, sizeof(args), "dmesg-iso.txt",
		     ", \"since\": \"1h\"");
	assert_int_equal(run_xid(args, &facts, &err), 0);
	assert_int_equal(jget_int(facts, "events_total", 0), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	assert_string_equal(jget_str(facts, "since", ""),
			    "2026-11-23T08:00:00.000Z");
	json_decref(facts);
	/* boot-relative stamps cannot be filtered: kept, and said so */
	fixture_args(args, sizeof(args), "dmesg.txt", ", \"since\": \"1h\"");
	assert_int_equal(run_xid(args, &facts, &err), 0);
	assert_int_equal(jget_int(facts, "events_total", 0), 25);
	json_decref(facts);
	fixture_args(args, sizeof(args), "dmesg.txt",
		     ", \"since\": \"yesterday\"");
	assert_int_equal(run_xid(args, &facts, &err), ML_EUSAGE);
	unsetenv("MLONCALL_NOW");
}

static void test_empty_and_real_dmesg(void **state)
{
	char args[1024];
	json_t *facts = NULL;
	struct ml_err err = {0};
	(void)state;

	assert_int_equal(run_xid("{\"from\": \"/dev/null\"}", &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	assert_int_equal(jget_int(facts, "lines", -1), 0);
	json_decref(facts);
	fixture_args(args, sizeof(args), "dmesg-nvrm-h100.txt", NULL);
	assert_int_equal(run_xid(args, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	assert_int_equal(jget_int(facts, "lines", -1), 3);
	json_decref(facts);
	assert_int_equal(
	    run_xid("{\"from\": \"/nonexistent.log\"}", &facts, &err),
	    ML_ENOTFOUND);
	assert_int_equal(run_xid("{\"source\": \"kmsg\"}", &facts, &err),
			 ML_EUSAGE);
}

static void write_exec(const char *dir, const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0755);
}

static void test_live(void **state)
{
	char dir[] = "/tmp/ml-xid-bin-XXXXXX", path[256];
	char *old = xstrdup(getenv("PATH"));
	json_t *facts = NULL;
	struct ml_err err = {0};
	(void)state;

	assert_non_null(mkdtemp(dir));
	setenv("PATH", dir, 1);
	assert_int_equal(run_xid("{}", &facts, &err), ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot read the kernel log"));
	write_exec(dir, "dmesg",
		   "echo 'dmesg: read kernel buffer failed: "
		   "Operation not permitted' >&2; exit 1\n");
	write_exec(
	    dir, "journalctl",
	    "echo '2026-11-23T06:18:00+0000 n kernel: NVRM: Xid "
	    "(PCI:0000:af:00): 79, pid=0, GPU has fallen off the bus.'\n");
	assert_int_equal(run_xid("{}", &facts, &err), 0);
	assert_string_equal(
	    jget_str(json_object_get(facts, "source"), "kind", ""), "journal");
	assert_string_equal(jget_str(facts, "worst_action", ""), "RESTART_BM");
	json_decref(facts);
	assert_int_equal(run_xid("{\"source\": \"dmesg\"}", &facts, &err),
			 ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "Operation not permitted"));
	write_exec(
	    dir, "dmesg",
	    "echo '2026-11-23T06:18:00,000000+00:00 NVRM: Xid "
	    "(PCI:0000:3b:00): 13, pid=1, name=py, Graphics Exception'\n");
	assert_int_equal(run_xid("{}", &facts, &err), 0);
	assert_string_equal(
	    jget_str(json_object_get(facts, "source"), "kind", ""), "dmesg");
	assert_string_equal(jget_str(facts, "verdict", ""), "degraded");
	json_decref(facts);
	/* busybox-style dmesg without --time-format, no journalctl */
	snprintf(path, sizeof(path), "%s/journalctl", dir);
	unlink(path);
	write_exec(
	    dir, "dmesg",
	    "[ \"$1\" = --time-format ] && { echo 'dmesg: unrecognized "
	    "option' >&2; exit 1; }\n"
	    "echo '[    5.000000] NVRM: Xid (PCI:0000:3b:00): 48, pid=1, "
	    "name=py, An uncorrectable double bit error'\n");
	assert_int_equal(run_xid("{}", &facts, &err), 0);
	assert_string_equal(
	    jget_str(json_object_get(facts, "source"), "kind", ""), "dmesg");
	assert_string_equal(jget_str(facts, "worst_action", ""), "RESET_GPU");
	json_decref(facts);
	snprintf(path, sizeof(path), "%s/dmesg", dir);
	unlink(path);
	rmdir(dir);
	setenv("PATH", old, 1);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timestamp_styles),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_not_events),
	    cmocka_unit_test(test_truncated_lines),
	    cmocka_unit_test(test_non_utf8_and_huge),
	    cmocka_unit_test(test_catalogue),
	    cmocka_unit_test(test_fixture_logs),
	    cmocka_unit_test(test_app_only_is_not_hardware),
	    cmocka_unit_test(test_since),
	    cmocka_unit_test(test_empty_and_real_dmesg),
	    cmocka_unit_test(test_live),
	};
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
