/* test_schedule.c: on-call schedules: time zones from the system tz
 * database, weekly/daily/custom rotations, handoffs across DST in
 * Europe/Berlin, America/New_York and Australia/Lord_Howe (skipped and
 * repeated hours), layers, restriction windows, overrides, broken
 * configs with file:line:col, random-instant properties, fairness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/dur.h"
#include "core/ydoc.h"
#include "incident/fairness.h"
#include "incident/schedule.h"
#include "incident/tz.h"

#define H (3600000LL)

static int64_t T(const char *s)
{
	int64_t ms = 0;
	assert_int_equal(time_parse(s, &ms), 0);
	return ms;
}

/* Loads a schedule from the `oncall:` YAML text; NULL and err on error. */
static struct schedule *load(const char *yaml, struct ml_err *err)
{
	struct ydoc doc;
	struct schedule *s = NULL;

	memset(err, 0, sizeof(*err));
	if (ydoc_load_string(yaml, strlen(yaml), "t.yaml", &doc, err) != 0) {
		ydoc_free(&doc);
		return NULL;
	}
	if (sched_load(doc.root, "t.yaml", &s, err) != 0)
		s = NULL;
	ydoc_free(&doc);
	return s;
}

static struct schedule *must(const char *yaml)
{
	struct ml_err err;
	struct schedule *s = load(yaml, &err);
	if (!s)
		fail_msg("load: %s:%d:%d: %s", err.file, err.line, err.col,
			 err.msg);
	return s;
}

/* The shift of role at t (true bounds). */
static struct sched_shift at(const struct schedule *s, const char *role,
			     const char *t)
{
	struct sched_shift sh;
	const struct sched_role *r = sched_role(s, role);
	assert_non_null(r);
	sched_current(s, r, T(t), &sh);
	return sh;
}

static const char *who(const struct schedule *s, const char *role,
		       const char *t)
{
	struct sched_who w;
	sched_who(s, sched_role(s, role), T(t), &w);
	return w.person ? w.person : "(nobody)";
}

static void test_tz_berlin_gap_and_fold(void **state)
{
	struct tz *z;
	struct ml_err err = {0};
	int64_t u[2];
	struct tz_civil c;
	(void)state;

	assert_int_equal(tz_load("Europe/Berlin", &z, &err), 0);
	/* 2026-03-29 02:30 does not exist: the clock jumps at 01:00Z */
	assert_int_equal(
	    tz_instants(z, tz_local_from_civil(2026, 3, 29, 2, 30, 0), u), 0);
	assert_int_equal(
	    tz_first_instant(z, tz_local_from_civil(2026, 3, 29, 2, 30, 0)),
	    T("2026-03-29T01:00:00Z") / 1000);
	/* 2026-10-25 02:30 happens twice: 00:30Z (CEST) and 01:30Z (CET) */
	assert_int_equal(
	    tz_instants(z, tz_local_from_civil(2026, 10, 25, 2, 30, 0), u), 2);
	assert_int_equal(u[0], T("2026-10-25T00:30:00Z") / 1000);
	assert_int_equal(u[1], T("2026-10-25T01:30:00Z") / 1000);
	assert_int_equal(
	    tz_first_instant(z, tz_local_from_civil(2026, 10, 25, 2, 30, 0)),
	    u[0]);
	tz_civil(z, T("2026-07-01T12:00:00Z") / 1000, &c);
	assert_int_equal(c.hour, 14);
	assert_string_equal(c.abbr, "CEST");
	assert_int_equal(c.wday, 3);
	assert_int_equal(tz_next_change(z, T("2026-03-01T00:00:00Z") / 1000),
			 T("2026-03-29T01:00:00Z") / 1000);
	tz_free(z);
}

static void test_tz_refuses_unknown_names(void **state)
{
	const char *bad[] = {"Europe/Berln",
			     "../../etc/passwd",
			     "/etc/localtime",
			     "",
			     "CET-1CEST,M3.5.0,M10.5.0/3",
			     "Europe",
			     "Europe/Berlin\n",
			     "\xff\xfe",
			     ":UTC"};
	struct tz *z;
	struct ml_err err;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(tz_load(bad[i], &z, &err), ML_EINPUT);
		assert_null(z);
		assert_non_null(strstr(err.msg, "unknown time zone"));
	}
	assert_int_equal(tz_load("UTC", &z, &err), 0);
	tz_free(z);
	tz_free(NULL);
	/* without a tz database only UTC is known (old configs still load) */
	setenv("TZDIR", "/nonexistent", 1);
	assert_int_equal(tz_load("Europe/Berlin", &z, &err), ML_EINPUT);
	assert_int_equal(tz_load("UTC", &z, &err), 0);
	assert_int_equal(tz_local(z, 1234567), 1234567);
	tz_free(z);
	unsetenv("TZDIR");
}

static const char weekly_berlin[] = "primary:\n"
				    "  people: [alice, bob, carol]\n"
				    "  rotation: weekly\n"
				    "  handoff: \"Mon 09:00\"\n"
				    "  tz: Europe/Berlin\n"
				    "  start: 2026-01-05\n";

/* A weekly handoff at 09:00 local on both sides of a DST change. */
static void test_weekly_across_dst_berlin(void **state)
{
	struct schedule *s = must(weekly_berlin);
	struct sched_shift a, b;
	(void)state;

	/* spring: the week of 2026-03-23 has 167 hours */
	a = at(s, "primary", "2026-03-25T12:00:00Z");
	assert_int_equal(a.from, T("2026-03-23T08:00:00Z")); /* 09:00 CET */
	assert_int_equal(a.to, T("2026-03-30T07:00:00Z"));   /* 09:00 CEST */
	assert_int_equal(a.to - a.from, 167 * H);
	/* autumn: the week of 2026-10-19 has 169 hours */
	b = at(s, "primary", "2026-10-21T12:00:00Z");
	assert_int_equal(b.from, T("2026-10-19T07:00:00Z"));
	assert_int_equal(b.to, T("2026-10-26T08:00:00Z"));
	assert_int_equal(b.to - b.from, 169 * H);
	/* order: 2026-01-05 is a Monday, alice first */
	assert_string_equal(who(s, "primary", "2026-01-05T08:00:00Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-01-12T07:59:59Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-01-12T08:00:00Z"), "bob");
	assert_string_equal(who(s, "primary", "2026-01-19T08:00:00Z"), "carol");
	assert_string_equal(who(s, "primary", "2026-01-26T08:00:00Z"), "alice");
	/* before the first handoff: nobody (the layer has not begun) */
	assert_string_equal(who(s, "primary", "2026-01-05T07:59:59Z"),
			    "(nobody)");
	sched_free(s);
}

static void test_weekly_across_dst_new_york(void **state)
{
	struct schedule *s = must("primary: {people: [ann, ben], handoff: "
				  "\"Mon 09:00\", tz: America/New_York, "
				  "start: 2026-01-05}\n");
	struct sched_shift a, b;
	(void)state;

	/* US spring forward 2026-03-08, fall back 2026-11-01 */
	a = at(s, "primary", "2026-03-06T12:00:00Z");
	assert_int_equal(a.from, T("2026-03-02T14:00:00Z")); /* 09:00 EST */
	assert_int_equal(a.to, T("2026-03-09T13:00:00Z"));   /* 09:00 EDT */
	assert_int_equal(a.to - a.from, 167 * H);
	b = at(s, "primary", "2026-10-28T12:00:00Z");
	assert_int_equal(b.to - b.from, 169 * H);
	assert_int_equal(b.to, T("2026-11-02T14:00:00Z"));
	sched_free(s);
}

/* Daily handoff at 02:30: on spring-forward day it happens when the clock
 * jumps (03:00 CEST), on fall-back day at the first 02:30. */
static void test_handoff_in_skipped_and_repeated_hour(void **state)
{
	struct schedule *s = must("ops: {people: [a, b], rotation: daily, "
				  "handoff: \"02:30\", tz: Europe/Berlin, "
				  "start: 2026-01-01}\n");
	struct sched_shift x;
	(void)state;

	x = at(s, "ops", "2026-03-28T12:00:00Z");
	assert_int_equal(x.from, T("2026-03-28T01:30:00Z")); /* 02:30 CET */
	assert_int_equal(x.to, T("2026-03-29T01:00:00Z"));   /* the jump */
	x = at(s, "ops", "2026-03-29T12:00:00Z");
	assert_int_equal(x.from, T("2026-03-29T01:00:00Z"));
	assert_int_equal(x.to, T("2026-03-30T00:30:00Z")); /* 02:30 CEST */
	x = at(s, "ops", "2026-10-24T12:00:00Z");
	assert_int_equal(x.to, T("2026-10-25T00:30:00Z")); /* first 02:30 */
	x = at(s, "ops", "2026-10-25T12:00:00Z");
	assert_int_equal(x.from, T("2026-10-25T00:30:00Z"));
	assert_int_equal(x.to, T("2026-10-26T01:30:00Z")); /* 25 hours */
	/* alternation survives both changes */
	assert_string_equal(who(s, "ops", "2026-03-28T12:00:00Z"),
			    who(s, "ops", "2026-03-30T12:00:00Z"));
	assert_string_not_equal(who(s, "ops", "2026-03-28T12:00:00Z"),
				who(s, "ops", "2026-03-29T12:00:00Z"));
	sched_free(s);
}

/* Lord Howe Island moves its clocks by 30 minutes. */
static void test_lord_howe_half_hour_dst(void **state)
{
	struct schedule *s =
	    must("ops: {people: [a, b], rotation: daily, "
		 "handoff: \"01:45\", tz: Australia/Lord_Howe, "
		 "start: 2026-01-01}\n");
	struct sched_shift x;
	(void)state;

	/* 2026-04-05 02:00 LHDT (+11) -> 01:30 LHST (+10:30): 01:45 twice,
	 * the first at 14:45Z on 04-04 */
	x = at(s, "ops", "2026-04-04T12:00:00Z");
	assert_int_equal(x.to, T("2026-04-04T14:45:00Z"));
	x = at(s, "ops", "2026-04-05T12:00:00Z");
	assert_int_equal(x.from, T("2026-04-04T14:45:00Z"));
	assert_int_equal(x.to - x.from, 24 * H + H / 2);
	sched_free(s);
}

/* every: 12h with handoff 09:00 hands off at 09:00 and 21:00 local;
 * every: 5h counts elapsed time. */
static void test_custom_lengths(void **state)
{
	struct schedule *s =
	    must("day: {people: [a, b], rotation: custom, every: 12h, handoff: "
		 "\"09:00\", tz: Europe/Berlin, start: 2026-03-01}\n"
		 "odd: {people: [x, y, z], every: 5h, start: "
		 "2026-03-01T00:00:00Z}\n");
	struct sched_shift x;
	(void)state;

	x = at(s, "day", "2026-03-28T22:00:00Z");
	assert_int_equal(x.from, T("2026-03-28T20:00:00Z")); /* 21:00 CET */
	assert_int_equal(x.to, T("2026-03-29T07:00:00Z"));   /* 09:00 CEST */
	x = at(s, "day", "2026-03-10T10:00:00Z");
	assert_int_equal(x.to - x.from, 12 * H);
	assert_string_equal(who(s, "odd", "2026-03-01T04:59:59Z"), "x");
	assert_string_equal(who(s, "odd", "2026-03-01T05:00:00Z"), "y");
	assert_string_equal(who(s, "odd", "2026-03-01T10:00:00Z"), "z");
	assert_string_equal(who(s, "odd", "2026-03-01T15:00:00Z"), "x");
	sched_free(s);
}

/* The format of the first release keeps its meaning. */
static void test_old_format(void **state)
{
	struct schedule *s =
	    must("primary: {people: [alice, bob], start: 2026-11-02T09:00:00Z, "
		 "every: 7d}\nsecondary: [carol]\n");
	(void)state;

	assert_string_equal(who(s, "primary", "2026-11-02T09:00:00Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-11-09T08:59:59Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-11-09T09:00:00Z"), "bob");
	assert_string_equal(who(s, "primary", "2026-11-16T09:00:00Z"), "alice");
	assert_string_equal(who(s, "secondary", "2026-11-16T09:00:00Z"),
			    "carol");
	assert_null(sched_role(s, "tertiary"));
	sched_free(s);
}

static const char layered[] =
    "primary:\n"
    "  layers:\n"
    "    - name: base\n"
    "      people: [alice, bob]\n"
    "      handoff: \"Mon 09:00\"\n"
    "      tz: Europe/Berlin\n"
    "      start: 2026-11-02\n"
    "    - name: office\n"
    "      people: [dave]\n"
    "      rotation: daily\n"
    "      handoff: \"09:00\"\n"
    "      tz: Europe/Berlin\n"
    "      start: 2026-11-02\n"
    "      restrict: {days: Mon-Fri, hours: \"09:00-17:00\"}\n"
    "    - name: friday-night\n"
    "      people: [erin]\n"
    "      tz: America/New_York\n"
    "      start: 2026-11-01\n"
    "      restrict: [{days: [Fri], hours: \"22:00-07:00\"}]\n"
    "overrides:\n"
    "  - {role: primary, person: frank, from: 2026-11-04T10:00:00Z, "
    "to: 2026-11-04T12:00:00Z}\n"
    "  - {role: primary, person: gina, from: \"2026-11-07 10:00\", "
    "to: \"2026-11-07 11:00\", tz: Europe/Berlin}\n";

static void test_layers_windows_overrides(void **state)
{
	struct schedule *s = must(layered);
	struct sched_shift x;
	struct sched_who w;
	(void)state;

	/* Monday 2026-11-02, 10:00 CET: the office layer wins */
	assert_string_equal(who(s, "primary", "2026-11-02T09:00:00Z"), "dave");
	assert_string_equal(who(s, "primary", "2026-11-02T16:00:00Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-11-02T07:59:00Z"),
			    "(nobody)");
	x = at(s, "primary", "2026-11-02T10:00:00Z");
	assert_int_equal(x.from, T("2026-11-02T08:00:00Z"));
	assert_int_equal(x.to, T("2026-11-02T16:00:00Z"));
	assert_string_equal(x.who.layer, "office");
	/* override on top of the office layer */
	sched_who(s, sched_role(s, "primary"), T("2026-11-04T11:00:00Z"), &w);
	assert_string_equal(w.person, "frank");
	assert_true(w.override);
	assert_null(w.layer);
	assert_string_equal(who(s, "primary", "2026-11-04T12:00:00Z"), "dave");
	/* override given in local time: 10:00 CET = 09:00Z on Saturday */
	assert_string_equal(who(s, "primary", "2026-11-07T09:30:00Z"), "gina");
	/* ...and when it ends, the layer below it holds again (erin) */
	assert_string_equal(who(s, "primary", "2026-11-07T10:00:00Z"), "erin");
	/* Friday-night window in New York: Fri 22:00 EST = Sat 03:00Z */
	assert_string_equal(who(s, "primary", "2026-11-07T02:59:00Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-11-07T03:00:00Z"), "erin");
	assert_string_equal(who(s, "primary", "2026-11-07T11:59:00Z"), "erin");
	assert_string_equal(who(s, "primary", "2026-11-07T12:00:00Z"), "alice");
	/* weekend: base only */
	assert_string_equal(who(s, "primary", "2026-11-08T12:00:00Z"), "alice");
	assert_string_equal(who(s, "primary", "2026-11-09T08:00:00Z"), "dave");
	assert_string_equal(who(s, "primary", "2026-11-09T16:00:00Z"), "bob");
	sched_free(s);
}

/* Window bounds in a skipped or repeated hour follow the handoff rule:
 * a window never flaps when the clock goes back. */
static void test_windows_across_dst(void **state)
{
	struct schedule *s =
	    must("ops:\n"
		 "  layers:\n"
		 "    - {people: [base], tz: Europe/Berlin}\n"
		 "    - {people: [early], tz: Europe/Berlin, restrict: "
		 "{hours: \"02:30-05:00\"}}\n"
		 "    - {people: [late], tz: Europe/Berlin, restrict: "
		 "{days: Sat, hours: \"22:00-02:30\"}}\n");
	struct sched_shift x;
	(void)state;

	/* spring: 02:30 is skipped; Saturday's late window closes and the
	 * early one opens at the jump (03:00 CEST) */
	x = at(s, "ops", "2026-03-29T00:59:59Z");
	assert_string_equal(x.who.person, "late");
	assert_int_equal(x.to, T("2026-03-29T01:00:00Z"));
	x = at(s, "ops", "2026-03-29T01:00:00Z");
	assert_string_equal(x.who.person, "early");
	assert_int_equal(x.from, T("2026-03-29T01:00:00Z"));
	assert_int_equal(x.to, T("2026-03-29T03:00:00Z")); /* 05:00 CEST */
	/* autumn: Saturday 22:00 CEST until the first 02:30 (00:30Z); the
	 * repeated 02:00-02:30 CET is not `late` again (early has opened) */
	x = at(s, "ops", "2026-10-24T23:00:00Z");
	assert_string_equal(x.who.person, "late");
	assert_int_equal(x.from, T("2026-10-24T20:00:00Z"));
	assert_int_equal(x.to, T("2026-10-25T00:30:00Z"));
	assert_string_equal(who(s, "ops", "2026-10-25T01:15:00Z"), "early");
	/* the early window of that Sunday: 02:30 CEST (first) to 05:00 CET */
	x = at(s, "ops", "2026-10-25T00:30:00Z");
	assert_string_equal(x.who.person, "early");
	assert_int_equal(x.to, T("2026-10-25T04:00:00Z"));
	sched_free(s);
}

/* Eight random instants (fixed seed): one holder at every instant, the
 * shifts around it contiguous, and sched_current agreeing with them. */
static void test_random_instants_properties(void **state)
{
	struct schedule *s = must(layered);
	const struct sched_role *r = sched_role(s, "primary");
	unsigned seed = 20261123;
	(void)state;

	for (int i = 0; i < 8; i++) {
		int64_t t = T("2026-11-10T00:00:00Z") +
			    (int64_t)(rand_r(&seed) % (300 * 24)) * 3600000LL +
			    rand_r(&seed) % 3600000;
		int64_t from = t - 3 * 86400000LL, to = t + 4 * 86400000LL;
		struct sched_shift *sh, cur;
		struct sched_who w, w2;
		size_t n = sched_shifts(s, r, from, to, &sh), hit = 0;

		assert_true(n > 0);
		assert_int_equal(sh[0].from, from);
		assert_int_equal(sh[n - 1].to, to);
		for (size_t k = 0; k < n; k++) {
			assert_true(sh[k].from < sh[k].to);
			assert_non_null(sh[k].who.person);
			if (k + 1 < n)
				assert_int_equal(sh[k].to, sh[k + 1].from);
			if (sh[k].from <= t && t < sh[k].to)
				hit++;
		}
		assert_int_equal(hit, 1);
		sched_who(s, r, t, &w);
		assert_non_null(w.person);
		sched_current(s, r, t, &cur);
		assert_true(cur.from <= t && t < cur.to);
		assert_string_equal(cur.who.person, w.person);
		sched_who(s, r, cur.from - 1, &w2);
		assert_true(w2.layer_index != w.layer_index ||
			    w2.override != w.override ||
			    strcmp(w2.person, w.person) != 0);
		free(sh);
	}
	sched_free(s);
}

/* Broken configs: each names the line and column and what was wanted. */
static void test_broken_configs(void **state)
{
	static const struct {
		const char *yaml;
		int line, col;
		const char *msg;
	} cases[] = {
	    {"p: {people: [a], tz: Europe/Berln}\n", 1, 22,
	     "unknown time zone"},
	    {"p: {people: [a], handoff: \"Mon 9h\"}\n", 1, 27,
	     "expected a handoff like"},
	    {"p: {people: [a], handoff: \"Mun 09:00\"}\n", 1, 27,
	     "expected a handoff like"},
	    {"p: {people: [a], handoff: \"25:00\"}\n", 1, 27,
	     "expected a handoff like"},
	    {"p: {people: []}\n", 1, 13, "at least one person"},
	    {"p: []\n", 1, 4, "at least one person"},
	    {"p: {people: [a, ''], tz: UTC}\n", 1, 17, "a person's name"},
	    {"p: {people: [a], rotation: daily, handoff: \"Mon 09:00\"}\n", 1,
	     44, "needs a weekly rotation"},
	    {"p: {people: [a], rotation: weekly, every: 12h}\n", 1, 43,
	     "goes with `rotation: custom`"},
	    {"p: {people: [a], rotation: custom}\n", 1, 28, "needs `every:`"},
	    {"p: {people: [a], rotation: hourly}\n", 1, 28,
	     "expected weekly, daily or custom"},
	    {"p: {people: [a], every: 10s}\n", 1, 25, "at least 1m"},
	    {"p: {people: [a], start: 2026-02-30}\n", 1, 25,
	     "expected a start date"},
	    {"p: {people: [a], start: \"2026-02-30T09:00:00Z\"}\n", 1, 25,
	     "expected a start date"},
	    {"p: {people: [a], start: \"2026-02-28 24:00\"}\n", 1, 25,
	     "expected a start date"},
	    {"p: {people: [a], tz: [UTC]}\n", 1, 22, "expected a time zone"},
	    {"p: {people: [a], restrict: {hours: \"17:00-09\"}}\n", 1, 36,
	     "expected hours like"},
	    {"p: {people: [a], restrict: {hours: \"09:00-09:00\"}}\n", 1, 36,
	     "expected hours like"},
	    {"p: {people: [a], restrict: {days: Mon-Frx}}\n", 1, 35,
	     "expected days like"},
	    {"p: {people: [a], restrict: {days: [Mon, 3]}}\n", 1, 41,
	     "expected a weekday"},
	    {"p: {people: [a], restrict: []}\n", 1, 28, "at least one window"},
	    {"p: {people: [a], hadnoff: \"Mon 09:00\"}\n", 1, 18,
	     "did you mean `handoff`"},
	    {"p: {layers: []}\n", 1, 13, "one or more layers"},
	    {"p: {layers: [{people: [a]}], tz: UTC}\n", 1, 30, "unknown key"},
	    {"p: [a]\noverrides:\n  - {role: p, person: b, from: "
	     "2026-11-01T00:00:00Z, to: 2026-11-03T00:00:00Z}\n  - {role: p, "
	     "person: c, from: 2026-11-02T00:00:00Z, to: "
	     "2026-11-04T00:00:00Z}\n",
	     4, 5, "overlaps the one at line 3"},
	    {"primary: [a]\noverrides:\n  - {role: primray, person: b, from: "
	     "2026-11-01, to: 2026-11-02}\n",
	     3, 12, "did you mean `primary`"},
	    {"p: [a]\noverrides:\n  - {role: p, person: b, from: 2026-11-02, "
	     "to: 2026-11-01}\n",
	     3, 48, "must end after it starts"},
	    {"p: [a]\noverrides:\n  - {role: p, person: b, from: soon, to: "
	     "2026-11-01}\n",
	     3, 32, "expected an RFC 3339 time"},
	    {"p: [a]\noverrides: {role: p}\n", 2, 12, "a list of overrides"},
	    {"- a\n", 1, 1, "expected a mapping role -> rotation"},
	    {"p: 7\n", 0, 0, NULL}, /* a one-person rotation named "7" */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ml_err err;
		struct schedule *s = load(cases[i].yaml, &err);
		if (!cases[i].msg) {
			assert_non_null(s);
			sched_free(s);
			continue;
		}
		if (s)
			fail_msg("case %zu loaded: %s", i, cases[i].yaml);
		if (!strstr(err.msg, cases[i].msg) ||
		    err.line != cases[i].line || err.col != cases[i].col)
			fail_msg("case %zu: got %d:%d: %s", i, err.line,
				 err.col, err.msg);
		assert_string_equal(err.file, "t.yaml");
		assert_int_equal(err.code, ML_EINPUT);
	}
}

/* Hostile and odd input: non-UTF-8 and control bytes, a huge rotation. */
static void test_hostile_and_huge(void **state)
{
	struct ml_err err;
	struct schedule *s;
	struct buf_like {
		char *p;
		size_t n;
	} b;
	(void)state;

	assert_null(load("p: {people: [\"\xff\xfe\"], tz: UTC}\n", &err));
	assert_null(
	    load("p: {people: [a], tz: \"Europe/Berlin\\u0000x\"}\n", &err));
	assert_null(load("p: {people: [a], handoff: \"Mon\"}\n", &err));
	assert_null(load("p: {people: [a], handoff: \" 09:00\"}\n", &err));
	b.p = malloc(20 * 10000 + 64);
	b.n = (size_t)sprintf(b.p, "p: {people: [");
	for (int i = 0; i < 10000; i++)
		b.n +=
		    (size_t)sprintf(b.p + b.n, "%sperson%d", i ? ", " : "", i);
	sprintf(b.p + b.n, "], every: 1h}\n");
	s = must(b.p);
	assert_string_equal(who(s, "p", "1970-01-01T05:30:00Z"), "person5");
	assert_string_equal(who(s, "p", "1971-02-21T16:00:00Z"), "person0");
	sched_free(s);
	free(b.p);
}

static void test_fairness(void **state)
{
	struct schedule *s =
	    must("primary: {people: [alice, bob], rotation: daily, handoff: "
		 "\"09:00\", tz: Europe/Berlin, start: 2026-11-02}\n"
		 "secondary: {people: [carol], tz: America/New_York, start: "
		 "2026-11-02}\n");
	json_t *pages = json_pack(
	    "[{s:i, s:I, s:s}, {s:i, s:I, s:s}, {s:i, s:I, s:s},"
	    " {s:i, s:I, s:s}, {s:i, s:I, s:s}]",
	    /* 23:30 CET: night, two channels -> one page */
	    "incident_id", 1, "at", (json_int_t)T("2026-11-02T22:30:00Z"),
	    "message", "paged alice (primary, level 1) via slack: delivered",
	    "incident_id", 1, "at", (json_int_t)T("2026-11-02T22:30:01Z"),
	    "message", "paged alice (primary, level 1) via hook: delivered",
	    /* 12:00 CET: day */
	    "incident_id", 2, "at", (json_int_t)T("2026-11-03T11:00:00Z"),
	    "message",
	    "paged bob (primary, level 1) (no notification "
	    "channel configured)",
	    /* 04:00Z = 23:00 EST: night in carol's zone */
	    "incident_id", 2, "at", (json_int_t)T("2026-11-04T04:00:00Z"),
	    "message", "paged carol (secondary, level 2) via slack: delivered",
	    "incident_id", 3, "at", (json_int_t)T("2026-11-04T10:00:00Z"),
	    "message", "paged alice (primary, level 1) via slack: delivered");
	json_t *doc, *p;
	char a[64], r[64];
	(void)state;

	doc = fair_compute(s, pages, T("2026-11-02T08:00:00Z"),
			   T("2026-11-09T08:00:00Z"));
	p = json_array_get(json_object_get(doc, "people"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "person")),
			    "alice");
	assert_int_equal(json_integer_value(json_object_get(p, "pages")), 2);
	assert_int_equal(json_integer_value(json_object_get(p, "night_pages")),
			 1);
	/* alice: Mon, Wed, Fri, Sun 09:00-09:00 = 96 h; 24 h of them on a
	 * weekend: Saturday 00:00-09:00 and Sunday 09:00-24:00 */
	assert_true(json_real_value(json_object_get(p, "hours")) == 96.0);
	assert_true(json_real_value(json_object_get(p, "weekend_hours")) ==
		    24.0);
	p = json_array_get(json_object_get(doc, "people"), 1);
	assert_string_equal(json_string_value(json_object_get(p, "person")),
			    "carol");
	assert_true(json_real_value(json_object_get(p, "hours")) == 168.0);
	assert_int_equal(json_integer_value(json_object_get(p, "night_pages")),
			 1);
	assert_string_equal(
	    json_string_value(json_object_get(doc, "most_loaded")), "alice");
	assert_string_equal(
	    json_string_value(json_object_get(doc, "least_loaded")), "bob");
	json_decref(doc);
	doc = fair_compute(s, NULL, T("2026-11-02T08:00:00Z"),
			   T("2026-11-03T08:00:00Z"));
	p = json_array_get(json_object_get(doc, "people"), 0);
	assert_true(json_is_null(json_object_get(p, "pages")));
	json_decref(doc);
	json_decref(pages);
	assert_int_equal(
	    fair_parse_page("paged Ann Lee (primary, level 3) via x", a, r,
			    sizeof(a)),
	    0);
	assert_string_equal(a, "Ann Lee");
	assert_string_equal(r, "primary");
	assert_int_equal(fair_parse_page("paged (primary, level 1)", a, r, 64),
			 -1);
	assert_int_equal(fair_parse_page("paged x (, level 1)", a, r, 64), -1);
	assert_int_equal(fair_parse_page("paged x", a, r, 64), -1);
	assert_int_equal(fair_parse_page(NULL, a, r, 64), -1);
	sched_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tz_berlin_gap_and_fold),
	    cmocka_unit_test(test_tz_refuses_unknown_names),
	    cmocka_unit_test(test_weekly_across_dst_berlin),
	    cmocka_unit_test(test_weekly_across_dst_new_york),
	    cmocka_unit_test(test_handoff_in_skipped_and_repeated_hour),
	    cmocka_unit_test(test_lord_howe_half_hour_dst),
	    cmocka_unit_test(test_custom_lengths),
	    cmocka_unit_test(test_old_format),
	    cmocka_unit_test(test_layers_windows_overrides),
	    cmocka_unit_test(test_windows_across_dst),
	    cmocka_unit_test(test_random_instants_properties),
	    cmocka_unit_test(test_broken_configs),
	    cmocka_unit_test(test_hostile_and_huge),
	    cmocka_unit_test(test_fairness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
