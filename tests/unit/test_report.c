/* test_report.c: `mloncall report` on a generated history of about 3,000
 * incidents whose answers are known by construction: ack delays per
 * severity are the values 1..100 times SLA/60 (so the median is 50.5
 * units, p90 90.1 units, and exactly 40% breach the SLA), resolves at
 * twice the ack delay; noise, drills, incidents outside the window, open
 * incidents, pages on several channels and repeated pages, action items
 * on both sides of the 30-day mark, and runbooks with every review state
 * are added so that each rule of docs/report.md can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "incident/report.h"
#include "store/store_practice.h"

#define MIN 60000LL
#define DAY (1440 * MIN)
#define WEEK (7 * DAY)

static const int64_t sla[5] = {0, 15 * MIN, 60 * MIN, 240 * MIN, 1440 * MIN};
static const int per_week[5] = {0, 100, 200, 300, 100};

struct fx {
	char path[64], dir[64];
	struct store *s;
	int64_t now, since;
	int seq;
	json_t *report;
};

static int64_t t0(const char *iso)
{
	int64_t v = 0;
	time_parse(iso, &v);
	return v;
}

/* Opens one incident (one alert) at `at`; returns its id. */
static int64_t open_inc(struct fx *f, const char *alertname, int sev,
			const char *runbook, int drill, int64_t at)
{
	char fp[32];
	json_t *labels = json_pack("{s:s}", "alertname", alertname);
	struct store_alert a = {.fingerprint = fp,
				.status = "firing",
				.alertname = alertname,
				.severity = sev,
				.runbook_id = runbook,
				.labels = labels,
				.source = drill ? "drill" : "test",
				.payload = labels,
				.drill = drill};
	struct store_alert_result res;
	struct ml_err err = {0};

	snprintf(fp, sizeof(fp), "fp-%d", f->seq++);
	assert_int_equal(store_alert_apply(f->s, &a, at, &res, &err), 0);
	assert_true(res.created_incident);
	json_decref(labels);
	return res.incident_id;
}

static void auto_resolve(struct fx *f, int64_t id, int64_t at)
{
	char fp[32];
	struct store_alert a = {
	    .fingerprint = fp, .status = "resolved", .source = "test"};
	struct store_alert_result res;
	struct ml_err err = {0};
	json_t *inc = NULL;

	assert_int_equal(store_incident_get(f->s, id, &inc, &err), 0);
	snprintf(fp, sizeof(fp), "%s",
		 jget_str(json_array_get(json_object_get(inc, "alerts"), 0),
			  "fingerprint", ""));
	json_decref(inc);
	assert_int_equal(store_alert_apply(f->s, &a, at, &res, &err), 0);
	assert_true(res.resolved_incident);
}

static void ack_resolve(struct fx *f, int64_t id, int64_t created, int64_t tta)
{
	struct ml_err err = {0};
	assert_int_equal(
	    store_incident_ack(f->s, id, "bob", created + tta, &err), 0);
	assert_int_equal(store_incident_resolve(f->s, id, "bob", NULL,
						created + 2 * tta, &err),
			 0);
}

/* The main population: per week and severity, ack delays v * SLA/60
 * for v = 1..100 (each value once per 100 incidents). */
static void main_population(struct fx *f)
{
	int v[5] = {0};

	for (int w = 0; w < 4; w++)
		for (int s = 1; s <= 4; s++)
			for (int j = 0; j < per_week[s]; j++) {
				int64_t at = f->since + w * WEEK + 6 * 3600000 +
					     j * (5 * DAY / per_week[s]);
				int64_t id =
				    open_inc(f, "Main", s, "main", 0, at);
				ack_resolve(f, id, at,
					    (v[s]++ % 100 + 1) * sla[s] / 60);
			}
}

static void page(struct fx *f, int64_t id, int64_t at, const char *msg,
		 const char *channel)
{
	struct ml_err err = {0};
	json_t *d = channel ? json_pack("{s:s, s:b}", "channel", channel,
					"delivered", 1)
			    : NULL;
	assert_int_equal(
	    store_timeline_add(f->s, id, at, "page", "mloncall", msg, d, &err),
	    0);
	json_decref(d);
}

/* alice 12/2/0/5 pages (unhealthy), bob 1 a week (healthy), carol 5 in
 * week 2 counted once per page although each went out on two channels,
 * dave only on a drill (excluded), team notices (not a person). */
static void pages(struct fx *f)
{
	static const int alice[4] = {12, 2, 0, 5};
	const char *a1 = "paged alice (primary, level 1) via slack: delivered";

	for (int w = 0; w < 4; w++) {
		int64_t at = f->since + w * WEEK + DAY;
		int64_t id = open_inc(f, "Paged", 2, "main", 0, at);
		ack_resolve(f, id, at, 1000);
		for (int k = 0; k < alice[w]; k++) {
			/* each page on its own incident of the week */
			int64_t j = open_inc(f, "Paged", 2, "main", 0, at);
			page(f, j, at + k, a1, "slack");
			ack_resolve(f, j, at, 1000);
		}
		page(f, id, at + 100,
		     "paged bob (secondary, level 2) "
		     "(no notification channel configured)",
		     NULL);
		page(f, id, at + 200, "notified the team via slack: delivered",
		     "slack");
		if (w != 2)
			continue;
		for (int k = 0; k < 3; k++) {
			int64_t j = open_inc(f, "Paged", 2, "main", 0, at);
			page(f, j, at + 1,
			     "paged carol (primary, level 1) via "
			     "slack: delivered",
			     "slack");
			page(f, j, at + 2,
			     "paged carol (primary, level 1) via "
			     "pager: delivered",
			     "pager");
			ack_resolve(f, j, at, 1000);
		}
		/* one incident paged carol twice (the policy repeated) */
		for (int k = 0; k < 2; k++) {
			page(f, id, at + 300 + k * 10,
			     "paged carol (primary, "
			     "level 1) via slack: delivered",
			     "slack");
			page(f, id, at + 301 + k * 10,
			     "paged carol (primary, "
			     "level 1) via pager: HTTP 503 then delivered",
			     "pager");
		}
	}
}

/* DiskFlap: 40 incidents that closed on their own (noisy, no runbook);
 * CPUHigh: 10 silent + 11 with a note (share < 50%: not noisy);
 * RareFlap: 3 silent (too few); all P4 in the last week. Five P2 still
 * open for 3 hours (breaching). Drills and old incidents must not count. */
static void noise_and_edges(struct fx *f)
{
	int64_t base = f->since + 3 * WEEK + 2 * DAY;
	struct ml_err err = {0};

	for (int k = 0; k < 40; k++)
		auto_resolve(f, open_inc(f, "DiskFlap", 4, NULL, 0, base + k),
			     base + k + 2 * MIN);
	for (int k = 0; k < 21; k++) {
		int64_t id = open_inc(f, "CPUHigh", 4, "cpu", 0, base + k);
		if (k >= 10)
			assert_int_equal(
			    store_incident_note(f->s, id, "eve", "looked, fine",
						base + k + 1, &err),
			    0);
		auto_resolve(f, id, base + k + 2 * MIN);
	}
	for (int k = 0; k < 3; k++)
		auto_resolve(f, open_inc(f, "RareFlap", 4, NULL, 0, base + k),
			     base + k + MIN);
	for (int k = 0; k < 5; k++)
		open_inc(f, "StillOpen", 2, "main", 0, f->now - 3 * 3600000);
	for (int k = 0; k < 50; k++) {
		int64_t id = open_inc(f, "Drill", 1, "main", 1, base + k);
		page(f, id, base + k,
		     "paged dave (primary, level 1) via "
		     "slack: delivered",
		     "slack");
		ack_resolve(f, id, base + k, 5 * DAY);
	}
	for (int k = 0; k < 100; k++)
		ack_resolve(
		    f, open_inc(f, "Old", 1, "main", 0, f->since - DAY + k),
		    f->since - DAY + k, 10 * DAY);
}

static void item(struct fx *f, int64_t inc, const char *owner, int64_t due,
		 int64_t created, int64_t done)
{
	struct store_action a = {.incident_id = inc,
				 .text = "fix it",
				 .owner = owner,
				 .due_at = due,
				 .actor = "alice"};
	struct ml_err err = {0};
	int64_t id;

	assert_int_equal(store_action_add(f->s, &a, created, &id, &err), 0);
	if (done)
		assert_int_equal(store_action_done(f->s, id, "bob", done, &err),
				 0);
}

/* 10 items whose 30 days ended in the window: 8 done in time, one late,
 * one never (80%: target met). Younger items: one done, two overdue (one
 * unowned), one due later. A drill's overdue item is not counted. */
static void actions(struct fx *f)
{
	int64_t old = t0("2026-10-10T00:00:00Z"),
		young = t0("2026-11-20T00:00:00Z");
	int64_t inc = open_inc(f, "Old", 2, "main", 0, old);
	int64_t drill = open_inc(f, "Drill", 2, "main", 1, young);

	for (int k = 0; k < 8; k++)
		item(f, inc, "bob", 0, old + k, old + 20 * DAY);
	item(f, inc, "bob", 0, old + 8, old + 40 * DAY);
	item(f, inc, "bob", old + 5 * DAY, old + 9, 0);
	item(f, inc, "carol", 0, young, young + DAY);
	item(f, inc, "carol", t0("2026-11-25"), young, 0);
	item(f, inc, NULL, t0("2026-11-26"), young, 0);
	item(f, inc, "dave", t0("2026-12-10"), young, 0);
	item(f, drill, "dave", t0("2026-11-21"), young, 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[128];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
}

#define RB(id, extra)                                                          \
	"id: " id "\ntitle: t\nseverity: P3\n" extra                           \
	"procedure:\n  - run: \"true\"\nrollback:\n  - run: \"true\"\n"

static void runbooks(struct fx *f)
{
	snprintf(f->dir, sizeof(f->dir), "test-report-rb-%d", getpid());
	mkdir(f->dir, 0755);
	write_file(f->dir, "a-stale.yaml",
		   RB("stale", "reviewed: 2026-06-01\nreview_every: 90d\n"));
	write_file(f->dir, "b-never.yaml", RB("never", ""));
	write_file(f->dir, "c-fresh.yaml",
		   RB("fresh", "reviewed: 2026-11-20\nreview_every: 90d\n"));
	write_file(f->dir, "d-due.yaml",
		   RB("due", "reviewed: 2026-09-06\nreview_every: 90d\n"));
	write_file(f->dir, "e-broken.yaml", "id: [unclosed\n");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct report_opts o = {0};
	struct ml_err err = {0};

	f->now = t0("2026-11-30T00:00:00Z"); /* a Monday */
	f->since = f->now - 28 * DAY;
	snprintf(f->path, sizeof(f->path), "test-report-%d.db", getpid());
	unlink(f->path);
	if (store_open(f->path, &f->s, &err) != 0)
		return -1;
	store_begin(f->s, &err);
	main_population(f);
	pages(f);
	noise_and_edges(f);
	actions(f);
	if (store_commit(f->s, &err) != 0)
		return -1;
	runbooks(f);
	o.now = f->now;
	o.since_ms = 28 * DAY;
	o.sla_ms = sla;
	o.runbooks_dir = f->dir;
	if (report_build(f->s, &o, &f->report, &err) != 0) {
		ml_err_print(&err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[128];
	static const char *const files[] = {"a-stale.yaml", "b-never.yaml",
					    "c-fresh.yaml", "d-due.yaml",
					    "e-broken.yaml"};

	json_decref(f->report);
	store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	for (size_t i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const json_t *sev_row(const json_t *r, const char *name)
{
	const json_t *row;
	size_t i;

	json_array_foreach(
	    json_object_get(r, "response"), i,
	    row) if (!strcmp(jget_str(row, "severity", ""), name)) return row;
	fail_msg("no response row %s", name);
	return NULL;
}

static void test_mtta_mttr(void **state)
{
	struct fx *f = *state;
	const json_t *p1 = sev_row(f->report, "P1"),
		     *p3 = sev_row(f->report, "P3");

	/* 400 P1: values 1..100 x 15s, four times: median 50.5, p90 90.1 */
	assert_int_equal(jget_int(p1, "incidents", 0), 400);
	assert_int_equal(jget_int(p1, "mtta_median_ms", 0), 757500);
	assert_int_equal(jget_int(p1, "mtta_p90_ms", 0), 1351500);
	assert_int_equal(jget_int(p1, "mttr_median_ms", 0), 2 * 757500);
	assert_int_equal(jget_int(p1, "mttr_p90_ms", 0), 2 * 1351500);
	/* P3 units are 4 min */
	assert_int_equal(jget_int(p3, "incidents", 0), 1200);
	assert_int_equal(jget_int(p3, "mtta_median_ms", 0), 4 * MIN * 101 / 2);
	assert_int_equal(jget_int(p3, "mtta_p90_ms", 0), 4 * MIN * 901 / 10);
}

static void test_sla_and_open(void **state)
{
	struct fx *f = *state;
	const json_t *p1 = sev_row(f->report, "P1"),
		     *p2 = sev_row(f->report, "P2"),
		     *p4 = sev_row(f->report, "P4"),
		     *all = sev_row(f->report, "all");

	/* 40 of each 100 are later than the target; the pages' P2
	 * incidents are acked in 1s; 5 P2 are open for 3h: breaching */
	assert_int_equal(jget_int(p1, "sla_breaches", 0), 160);
	assert_int_equal(jget_int(p2, "incidents", 0), 800 + 4 + 19 + 3 + 5);
	assert_int_equal(jget_int(p2, "open", 0), 5);
	assert_int_equal(jget_int(p2, "sla_breaches", 0), 320 + 5);
	/* P4: 400 main (160 late) + 64 that closed in minutes (no breach) */
	assert_int_equal(jget_int(p4, "incidents", 0), 464);
	assert_int_equal(jget_int(p4, "sla_breaches", 0), 160);
	assert_int_equal(jget_int(p4, "auto_resolved", 0), 64);
	assert_int_equal(jget_int(p4, "acknowledged", 0), 400);
	/* drills (50 P1, 1 P2) and 100 old incidents are not counted */
	assert_int_equal(jget_int(all, "incidents", 0), 400 + 831 + 1200 + 464);
	assert_int_equal(
	    jget_int(json_object_get(f->report, "sla_breaches"), "total", 0),
	    160 + 325 + 480 + 160);
	assert_int_equal(
	    json_array_size(json_object_get(
		json_object_get(f->report, "sla_breaches"), "worst")),
	    10);
}

static void test_weeks(void **state)
{
	struct fx *f = *state;
	const json_t *w = json_object_get(f->report, "weeks"), *wk;

	assert_int_equal(json_array_size(w), 4);
	wk = json_array_get(w, 0);
	assert_string_equal(jget_str(wk, "start_date", ""), "2026-11-02");
	assert_false(jget_bool(wk, "partial", 1));
	/* 700 main + 1 + 12 pages incidents */
	assert_int_equal(jget_int(wk, "incidents", 0), 713);
	assert_int_equal(jget_int(json_object_get(wk, "by_severity"), "P1", 0),
			 100);
	/* last week: 700 + 1 + 5 paged + 64 noise + 5 open */
	assert_int_equal(jget_int(json_array_get(w, 3), "incidents", 0),
			 700 + 1 + 5 + 64 + 5);
	assert_int_equal(report_week_start(t0("2026-11-29T23:59:59Z")),
			 t0("2026-11-23T00:00:00Z"));
	assert_int_equal(report_week_start(t0("2026-11-30T00:00:00Z")),
			 t0("2026-11-30T00:00:00Z"));
	assert_int_equal(report_week_start(t0("1969-12-31T12:00:00Z")),
			 t0("1969-12-29T00:00:00Z"));
}

static const json_t *person(const json_t *r, const char *name)
{
	const json_t *p;
	size_t i;

	json_array_foreach(
	    json_object_get(json_object_get(r, "pages"), "people"), i,
	    p) if (!strcmp(jget_str(p, "person", ""), name)) return p;
	return NULL;
}

static void test_pages(void **state)
{
	struct fx *f = *state;
	const json_t *alice = person(f->report, "alice"),
		     *bob = person(f->report, "bob"),
		     *carol = person(f->report, "carol");

	assert_non_null(alice);
	assert_int_equal(jget_int(alice, "pages", 0), 19);
	assert_int_equal(jget_int(alice, "max_week", 0), 12);
	assert_string_equal(jget_str(alice, "band", ""), "unhealthy");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(alice, "weeks"), 2), "band",
		     ""),
	    "none");
	assert_int_equal(jget_int(bob, "pages", 0), 4);
	assert_string_equal(jget_str(bob, "band", ""), "healthy");
	assert_int_equal(jget_int(carol, "pages", 0), 5);
	assert_string_equal(jget_str(carol, "band", ""), "warning");
	assert_null(person(f->report, "dave"));
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(f->report, "pages"), "people")),
			 3);
	/* sorted by pages, most first */
	assert_string_equal(
	    jget_str(json_array_get(
			 json_object_get(json_object_get(f->report, "pages"),
					 "people"),
			 0),
		     "person", ""),
	    "alice");
}

static void test_alerts(void **state)
{
	struct fx *f = *state;
	const json_t *noisy = json_object_get(f->report, "noisy_alerts");
	const json_t *gaps = json_object_get(f->report, "no_runbook");

	assert_int_equal(json_array_size(noisy), 1);
	assert_string_equal(jget_str(json_array_get(noisy, 0), "alertname", ""),
			    "DiskFlap");
	assert_int_equal(jget_int(json_array_get(noisy, 0), "no_action", 0),
			 40);
	assert_int_equal(json_array_size(gaps), 2);
	assert_string_equal(jget_str(json_array_get(gaps, 0), "alertname", ""),
			    "DiskFlap");
	assert_int_equal(jget_int(json_array_get(gaps, 0), "incidents", 0), 40);
	assert_string_equal(jget_str(json_array_get(gaps, 1), "alertname", ""),
			    "RareFlap");
}

static void test_actions(void **state)
{
	struct fx *f = *state;
	const json_t *a = json_object_get(f->report, "action_items");
	const json_t *od = json_object_get(a, "overdue");

	assert_int_equal(jget_int(a, "cohort", 0), 10);
	assert_int_equal(jget_int(a, "done_within", 0), 8);
	assert_true(jget_num(a, "pct", 0) == 80.0);
	assert_true(json_is_true(json_object_get(a, "target_met")));
	assert_int_equal(jget_int(a, "open", 0), 4);
	assert_int_equal(jget_int(a, "unowned_open", 0), 1);
	/* the old open one (due Oct 15) and the two of Nov 25/26 */
	assert_int_equal(json_array_size(od), 3);
	assert_int_equal(jget_int(json_array_get(od, 1), "days_overdue", 0), 5);
}

static void test_runbooks(void **state)
{
	struct fx *f = *state;
	const json_t *rb = json_object_get(f->report, "runbooks");
	const json_t *past = json_object_get(rb, "past_review");

	assert_int_equal(jget_int(rb, "checked", 0), 4);
	assert_int_equal(json_array_size(past), 2);
	assert_string_equal(jget_str(json_array_get(past, 0), "id", ""),
			    "stale");
	assert_string_equal(jget_str(json_array_get(past, 0), "status", ""),
			    "overdue");
	assert_string_equal(jget_str(json_array_get(past, 1), "status", ""),
			    "never");
	assert_int_equal(json_array_size(json_object_get(rb, "due_soon")), 1);
	assert_int_equal(json_array_size(json_object_get(rb, "errors")), 1);
}

static void test_views(void **state)
{
	struct fx *f = *state;
	struct buf t = BUF_INIT, h = BUF_INIT;

	report_text(f->report, &t);
	assert_non_null(strstr(buf_str(&t), "DiskFlap"));
	assert_non_null(strstr(buf_str(&t), "alice"));
	report_html(f->report, &h);
	assert_non_null(strstr(buf_str(&h), "<svg"));
	assert_null(strstr(buf_str(&h), "http://"));
	assert_null(strstr(buf_str(&h), "https://"));
	buf_free(&t);
	buf_free(&h);
}

static void test_helpers(void **state)
{
	double v[] = {4, 1, 3, 2}, one[] = {7};
	char *p;

	(void)state;
	assert_true(report_quantile(v, 4, 0.5) == 2.5);
	assert_true(report_quantile(v, 4, 0.9) == 3.7);
	assert_true(report_quantile(one, 1, 0.9) == 7);
	assert_true(report_quantile(v, 0, 0.5) == -1);
	assert_string_equal(report_band(0), "none");
	assert_string_equal(report_band(2), "healthy");
	assert_string_equal(report_band(3), "warning");
	assert_string_equal(report_band(9), "warning");
	assert_string_equal(report_band(10), "unhealthy");
	p = report_page_person("paged alice (primary, level 1) via x");
	assert_string_equal(p, "alice");
	free(p);
	assert_null(report_page_person("paged  (x)"));
	assert_null(report_page_person("paged alice"));
	assert_null(report_page_person("notified the team"));
	assert_null(report_page_person(NULL));
	assert_null(report_page_person(""));
}

/* An empty store: every section present, no division by zero. */
static void test_empty(void **state)
{
	struct store *s = NULL;
	struct ml_err err = {0};
	struct report_opts o = {.now = t0("2026-11-30T12:00:00Z"),
				.since_ms = 30 * DAY,
				.sla_ms = sla};
	struct buf t = BUF_INIT;
	json_t *r = NULL;
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "test-report-empty-%d.db", getpid());
	unlink(path);
	assert_int_equal(store_open(path, &s, &err), 0);
	assert_int_equal(report_build(s, &o, &r, &err), 0);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(r, "response"), 0),
			    "mtta_median_ms")));
	assert_true(json_is_null(json_object_get(r, "runbooks")));
	assert_true(json_is_null(
	    json_object_get(json_object_get(r, "action_items"), "pct")));
	assert_int_equal(json_array_size(json_object_get(r, "weeks")), 6);
	report_text(r, &t);
	buf_reset(&t);
	report_html(r, &t);
	buf_free(&t);
	json_decref(r);
	store_close(s);
	unlink(path);
}

/* Names from outside cannot move the cursor or add lines in the text
 * view, and are escaped in the HTML one. */
static void test_hostile_names(void **state)
{
	json_t *r =
	    json_pack("{s:[{s:s, s:i}], s:[{s:s, s:i}]}", "noisy_alerts",
		      "alertname", "a\x1b[2J\nb<script>", "fired", 9,
		      "no_runbook", "alertname", "c\rd", "incidents", 1);
	struct buf t = BUF_INIT;

	(void)state;
	report_text(r, &t);
	assert_null(strchr(buf_str(&t), '\x1b'));
	assert_null(strchr(buf_str(&t), '\r'));
	assert_non_null(strstr(buf_str(&t), "a [2J b<script>"));
	buf_reset(&t);
	report_html(r, &t);
	assert_null(strstr(buf_str(&t), "<script>"));
	assert_non_null(strstr(buf_str(&t), "b&lt;script&gt;"));
	buf_free(&t);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtta_mttr),
	    cmocka_unit_test(test_sla_and_open),
	    cmocka_unit_test(test_weeks),
	    cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_alerts),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_runbooks),
	    cmocka_unit_test(test_views),
	};
	const struct CMUnitTest plain[] = {
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_hostile_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown) |
	       cmocka_run_group_tests(plain, NULL, NULL);
}
