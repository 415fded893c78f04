/* oncall_fairness.c: `mloncall oncall fairness`: per person, hours on
 * call, weekend hours, pages and night pages over a period, and who
 * carries the most and the least. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/oncall.h"
#include "core/dur.h"
#include "core/xmalloc.h"
#include "incident/fairness.h"
#include "store/store.h"

/* Pages from the database, or NULL (and *rc 0) when there is none to
 * read: no --db and no ./oncall.db. */
static json_t *load_pages(struct oc_opts *o, int64_t from, int *rc)
{
	const char *db = o->db;
	struct ml_err err = {0};
	struct store *st = NULL;
	json_t *pages = NULL;

	*rc = 0;
	if (o->db_defaulted && access(db, F_OK) != 0) {
		o->db = NULL; /* no --db, no $MLONCALL_DB, no ./oncall.db */
		return NULL;
	}
	if (access(db, F_OK) != 0) {
		ml_err_set(&err, ML_ENOTFOUND, "%s: no such database", db);
		*rc = cmd_fail(&err);
		return NULL;
	}
	o->db = db;
	if (store_open(db, &st, &err) != 0 ||
	    store_timeline_by_kind(st, "page", from, o->at, &pages, &err) != 0)
		*rc = cmd_fail(&err);
	store_close(st);
	return pages;
}

static void fmt_num(const json_t *v, const char *f, char *out, size_t n)
{
	if (json_is_number(v))
		snprintf(out, n, f, json_number_value(v));
	else
		snprintf(out, n, "-");
}

static void print_text(const struct oc_opts *o, const json_t *doc, int64_t from)
{
	static const char *const head[] = {"PERSON", "HOURS", "WEEKEND_H",
					   "PAGES",  "NIGHT", "PAGES/WEEK"};
	static const char *const keys[] = {"hours", "weekend_hours", "pages",
					   "night_pages", "pages_per_week"};
	static const char *const fmts[] = {"%.1f", "%.1f", "%.0f", "%.0f",
					   "%.2f"};
	const json_t *people = json_object_get(doc, "people"), *p;
	size_t n = json_array_size(people), i;
	char ***rows = xcalloc(n + 1, sizeof(*rows)), a[64], b[64];

	oc_time(o, from, a, sizeof(a));
	oc_time(o, o->at, b, sizeof(b));
	printf("On-call load from %s to %s\n\n", a, b);
	rows[0] = xcalloc(6, sizeof(char *));
	for (int c = 0; c < 6; c++)
		rows[0][c] = xstrdup(head[c]);
	json_array_foreach(people, i, p)
	{
		char cell[64];
		rows[i + 1] = xcalloc(6, sizeof(char *));
		rows[i + 1][0] = xstrdup(jget_str(p, "person", "?"));
		for (int c = 0; c < 5; c++) {
			fmt_num(json_object_get(p, keys[c]), fmts[c], cell,
				sizeof(cell));
			rows[i + 1][c + 1] = xstrdup(cell);
		}
	}
	oc_table(rows, n + 1, 6);
	for (i = 0; i <= n; i++) {
		for (int c = 0; c < 6; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
	if (!o->db)
		printf("\n(no --db: pages not counted)\n");
	if (jget_str(doc, "least_loaded", NULL))
		printf("\nMost loaded: %s; least loaded: %s\n",
		       jget_str(doc, "most_loaded", ""),
		       jget_str(doc, "least_loaded", ""));
}

static int oncall_fairness(const struct cmd_entry *self, int argc, char **argv)
{
	struct oc_opts o;
	json_t *pages, *doc, *out;
	int64_t from, d;
	int rc;

	if ((rc = oc_parse(self, argc, argv, &o)) ||
	    (rc = oc_setup(self, &o))) {
		oc_free(&o);
		return rc;
	}
	if (dur_parse(o.since, &d) == 0 && d > 0)
		from = o.at - d;
	else if (time_parse(o.since, &from) != 0 || from >= o.at) {
		oc_free(&o);
		return cmd_usage(self, "--since: expected a duration like 90d "
				       "or an RFC 3339 time before --at");
	}
	pages = load_pages(&o, from, &rc);
	if (rc) {
		oc_free(&o);
		return rc;
	}
	doc = fair_compute(o.s, pages, from, o.at);
	out = json_object();
	oc_set_time(&o, out, "from", from);
	oc_set_time(&o, out, "to", o.at);
	jset_str(out, "tz", tz_name(o.tz));
	jset_str(out, "db", o.db);
	json_object_update(out, doc);
	if (o.fmt == OUT_JSON)
		out_json(stdout, out);
	else
		print_text(&o, out, from);
	json_decref(out);
	json_decref(doc);
	json_decref(pages);
	oc_free(&o);
	return ML_EXIT_OK;
}

static const struct cmd_opt fairness_table[] = {OC_OPT_CONFIG,
						OC_OPT_AT,
						OC_OPT_TZ,
						OC_OPT_SINCE,
						CMD_NOT_HERE("role"),
						CMD_NOT_HERE("weeks"),
						CMD_NOT_HERE("count"),
						{0}};

const struct cmd_entry cmd_oncall_fairness_entry = {
    .path = "oncall fairness",
    .summary = "on-call load per person: hours, weekend hours, pages, "
	       "night pages",
    .help =
	"Usage: mloncall oncall fairness [--since 90d] [--db PATH] "
	"[--config F] [--at TIME] [--tz TZ] [-o json]\n"
	"\n"
	"Per person over the period: hours on call (from the schedule,\n"
	"summed over roles), hours of those on a weekend (Saturday and\n"
	"Sunday in the layer's zone), pages (the service's `page`\n"
	"timeline entries; one page through several channels counts\n"
	"once; drills excluded), night pages (22:00-07:00 in the zone\n"
	"of the person's layer) and pages per week. Then the most and\n"
	"the least loaded person (a night page counts twice, then\n"
	"hours break ties).\n"
	"\n"
	"Options:\n"
	"  --since DUR|TIME  start of the period (default 90d before --at)\n"
	"  --db PATH         the service's database (default $MLONCALL_DB,\n"
	"                    else ./oncall.db if present; without one,\n"
	"                    only hours are computed)\n"
	"  --config, --at, --tz, -o json: as `oncall now`\n"
	"\n"
	"Examples:\n"
	"  mloncall oncall fairness --since 90d --db oncall.db\n"
	"  mloncall oncall fairness --since 2026-10-01 -o json\n",
    .exec = oncall_fairness,
    .opts = fairness_table,
    .flags = CMD_OUTPUT | CMD_DB,
};
