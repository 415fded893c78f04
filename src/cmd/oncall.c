/* oncall.c: `mloncall oncall now|next|schedule|fairness`: who is on call,
 * the next handoffs, the shifts of the coming weeks, and the load per
 * person, from the service configuration's `oncall:` schedule. Fairness
 * is in oncall_fairness.c; the shared option parsing and printing here. */
#include "cmd/oncall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"

int oc_set_at(void *opts, const struct cmd_opt *opt, const char *val,
	      struct ml_err *err)
{
	struct oc_opts *o = opts;

	(void)opt;
	if (time_parse(val, &o->at) != 0)
		return ml_err_set(err, ML_EUSAGE,
				  "--at: expected an RFC 3339 time like "
				  "2026-11-23T09:00:00Z");
	return 0;
}

int oc_parse(const struct cmd_entry *self, int argc, char **argv,
	     struct oc_opts *o)
{
	struct cmd_args ca = {0};
	int rc;

	memset(o, 0, sizeof(*o));
	o->config = getenv("MLONCALL_CONFIG");
	o->at = time_now_ms();
	o->count = 5;
	o->weeks = 4;
	o->since = "90d";
	rc = cmd_parse(self, 1, argc, argv, o, &ca);
	cmd_parsed_free(self, &ca, o);
	o->fmt = ca.fmt;
	o->db = ca.db;
	o->db_defaulted = ca.db_defaulted;
	if (!rc && ca.nargs)
		rc = cmd_usage(self, "unexpected argument `%s`", ca.args[0]);
	return rc;
}

int oc_setup(const struct cmd_entry *self, struct oc_opts *o)
{
	struct ml_err err = {0};
	const char **names;
	const char *near;

	if (!o->config && access("oncall.yaml", F_OK) == 0)
		o->config = "oncall.yaml";
	if (!o->config)
		return cmd_usage(self, "no configuration: give --config FILE "
				       "(or MLONCALL_CONFIG)");
	if (svc_config_load(o->config, &o->cfg, &err) != 0)
		return cmd_fail(&err);
	if (tz_load(o->tzname, &o->tz, &err) != 0) {
		ml_err_prefix(&err, "--tz");
		return cmd_fail(&err);
	}
	o->s = o->cfg.schedule;
	if (!o->s || !o->s->n_roles) {
		ml_err_at(&err, ML_EINPUT, o->config, 0, 0,
			  "no on-call roles: add an `oncall:` section (see "
			  "docs/oncall.md)");
		return cmd_fail(&err);
	}
	if (!o->role || sched_role(o->s, o->role))
		return 0;
	names = xcalloc(o->s->n_roles + 1, sizeof(*names));
	for (size_t i = 0; i < o->s->n_roles; i++)
		names[i] = o->s->roles[i].name;
	near = str_nearest(o->role, names);
	cmd_usage(self, "--role: no role `%s` in %s%s%s%s", o->role, o->config,
		  near ? "; did you mean `" : "", near ? near : "",
		  near ? "`?" : "");
	free(names);
	return ML_EXIT_USAGE;
}

void oc_free(struct oc_opts *o)
{
	svc_config_free(&o->cfg);
	tz_free(o->tz);
}

void oc_time(const struct oc_opts *o, int64_t ms, char *out, size_t n)
{
	if (ms == INT64_MIN || ms == INT64_MAX)
		snprintf(out, n, "-");
	else
		tz_format(o->tz, ms, 0, out, n);
}

void oc_set_time(const struct oc_opts *o, json_t *j, const char *k, int64_t ms)
{
	char t[64], key[64];

	snprintf(key, sizeof(key), "%s_local", k);
	if (ms == INT64_MIN || ms == INT64_MAX) {
		json_object_set_new(j, k, json_null());
		json_object_set_new(j, key, json_null());
		return;
	}
	time_format(ms, t, sizeof(t));
	jset_str(j, k, t);
	tz_format(o->tz, ms, 1, t, sizeof(t));
	jset_str(j, key, t);
}

json_t *oc_shift_json(const struct oc_opts *o, const struct sched_shift *sh)
{
	json_t *j = json_object();

	oc_set_time(o, j, "from", sh->from);
	oc_set_time(o, j, "to", sh->to);
	jset_str(j, "person", sh->who.person);
	jset_str(j, "layer", sh->who.layer);
	jset_bool(j, "override", sh->who.override);
	return j;
}

json_t *oc_doc(const struct oc_opts *o)
{
	json_t *j = json_object();

	oc_set_time(o, j, "at", o->at);
	jset_str(j, "tz", tz_name(o->tz));
	json_object_set_new(j, "roles", json_array());
	return j;
}

int oc_wants(const struct oc_opts *o, const struct sched_role *r)
{
	return !o->role || !strcmp(o->role, r->name);
}

/* A text table: rows of cells, columns padded to their widest cell. */
void oc_table(char ***rows, size_t nrows, size_t ncols)
{
	size_t *w = xcalloc(ncols, sizeof(*w));

	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++)
			if (rows[r][c] && strlen(rows[r][c]) > w[c])
				w[c] = strlen(rows[r][c]);
	for (size_t r = 0; r < nrows; r++) {
		size_t last = ncols;
		while (last > 0 && !rows[r][last - 1])
			last--;
		for (size_t c = 0; c < last; c++)
			printf("%-*s%s", c + 1 < last ? (int)w[c] : 0,
			       rows[r][c] ? rows[r][c] : "",
			       c + 1 < last ? "  " : "\n");
	}
	free(w);
}

/* One table row for a shift (cells malloc'ed; oc_rows_free frees). */
static char **shift_row(const struct oc_opts *o, const char *role,
			const struct sched_shift *sh)
{
	char **row = xcalloc(5, sizeof(char *));
	char t[64];

	row[0] = xstrdup(role);
	row[1] = xstrdup(sh->who.person ? sh->who.person : "(nobody)");
	row[2] = xstrdup(sh->who.override ? "override"
			 : sh->who.layer  ? sh->who.layer
					  : "-");
	oc_time(o, sh->from, t, sizeof(t));
	row[3] = xstrdup(t);
	oc_time(o, sh->to, t, sizeof(t));
	row[4] = xstrdup(t);
	return row;
}

static void rows_free(char ***rows, size_t n, size_t ncols)
{
	for (size_t r = 0; r < n; r++) {
		for (size_t c = 0; c < ncols; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
}

static char **header(void)
{
	char **row = xcalloc(5, sizeof(char *));
	const char *h[] = {"ROLE", "PERSON", "LAYER", "FROM", "TO"};

	for (int i = 0; i < 5; i++)
		row[i] = xstrdup(h[i]);
	return row;
}

static int oncall_now(const struct cmd_entry *self, int argc, char **argv)
{
	struct oc_opts o;
	char ***rows, t[64];
	size_t n = 0;
	json_t *doc;
	int rc;

	if ((rc = oc_parse(self, argc, argv, &o)) ||
	    (rc = oc_setup(self, &o))) {
		oc_free(&o);
		return rc;
	}
	doc = oc_doc(&o);
	rows = xcalloc(o.s->n_roles + 1, sizeof(*rows));
	rows[n++] = header();
	for (size_t i = 0; i < o.s->n_roles; i++) {
		const struct sched_role *r = &o.s->roles[i];
		struct sched_shift sh;
		json_t *j;
		if (!oc_wants(&o, r))
			continue;
		sched_current(o.s, r, o.at, &sh);
		j = json_pack("{s:s}", "role", r->name);
		json_object_update_new(j, oc_shift_json(&o, &sh));
		json_array_append_new(json_object_get(doc, "roles"), j);
		rows[n++] = shift_row(&o, r->name, &sh);
	}
	if (o.fmt == OUT_JSON) {
		out_json(stdout, doc);
	} else {
		oc_time(&o, o.at, t, sizeof(t));
		printf("On call at %s (%s)\n\n", t, tz_name(o.tz));
		oc_table(rows, n, 5);
	}
	rows_free(rows, n, 5);
	json_decref(doc);
	oc_free(&o);
	return ML_EXIT_OK;
}

static int oncall_next(const struct cmd_entry *self, int argc, char **argv)
{
	struct oc_opts o;
	char ***rows;
	size_t n = 0, cap;
	json_t *doc;
	int rc;

	if ((rc = oc_parse(self, argc, argv, &o)) ||
	    (rc = oc_setup(self, &o))) {
		oc_free(&o);
		return rc;
	}
	doc = oc_doc(&o);
	cap = o.s->n_roles * (size_t)o.count + 1;
	rows = xcalloc(cap, sizeof(*rows));
	rows[n++] = header();
	for (size_t i = 0; i < o.s->n_roles; i++) {
		const struct sched_role *r = &o.s->roles[i];
		json_t *j, *arr = json_array();
		struct sched_shift sh;
		if (!oc_wants(&o, r)) {
			json_decref(arr);
			continue;
		}
		sched_current(o.s, r, o.at, &sh);
		for (int k = 0; k < o.count && sh.to != INT64_MAX; k++) {
			sched_current(o.s, r, sh.to, &sh);
			json_array_append_new(arr, oc_shift_json(&o, &sh));
			rows[n++] = shift_row(&o, r->name, &sh);
		}
		j = json_pack("{s:s, s:o}", "role", r->name, "shifts", arr);
		json_array_append_new(json_object_get(doc, "roles"), j);
	}
	if (o.fmt == OUT_JSON)
		out_json(stdout, doc);
	else
		oc_table(rows, n, 5);
	rows_free(rows, n, 5);
	json_decref(doc);
	oc_free(&o);
	return ML_EXIT_OK;
}

static void print_role_shifts(const struct oc_opts *o, const char *role,
			      const struct sched_shift *sh, size_t nsh)
{
	static const char *const head[] = {"FROM", "TO", "PERSON", "LAYER"};
	static const int from_row[] = {3, 4, 1, 2}; /* shift_row's order */
	char ***rows = xcalloc(nsh + 1, sizeof(*rows));
	int64_t gap = 0;

	printf("%s\n", role);
	rows[0] = xcalloc(5, sizeof(char *));
	for (int c = 0; c < 4; c++)
		rows[0][c] = xstrdup(head[c]);
	for (size_t i = 0; i < nsh; i++) {
		char **r = shift_row(o, role, &sh[i]);
		rows[i + 1] = xcalloc(5, sizeof(char *));
		for (int c = 0; c < 4; c++)
			rows[i + 1][c] = r[from_row[c]];
		free(r[0]);
		free(r);
	}
	if (nsh == 0)
		printf("(no shifts)\n");
	else
		oc_table(rows, nsh + 1, 4);
	for (size_t i = 0; i < nsh; i++)
		if (!sh[i].who.person)
			gap += sh[i].to - sh[i].from;
	if (gap > 0) {
		char d[32];
		dur_format(gap, d, sizeof(d));
		printf("warning: nobody holds %s for %s of this window\n", role,
		       d);
	}
	printf("\n");
	rows_free(rows, nsh + 1, 5);
}

static int oncall_schedule(const struct cmd_entry *self, int argc, char **argv)
{
	struct oc_opts o;
	json_t *doc;
	int64_t to;
	int rc;

	if ((rc = oc_parse(self, argc, argv, &o)) ||
	    (rc = oc_setup(self, &o))) {
		oc_free(&o);
		return rc;
	}
	to = o.at + (int64_t)o.weeks * 7 * 86400000LL;
	doc = json_object();
	oc_set_time(&o, doc, "from", o.at);
	oc_set_time(&o, doc, "to", to);
	jset_str(doc, "tz", tz_name(o.tz));
	json_object_set_new(doc, "roles", json_array());
	if (o.fmt != OUT_JSON) {
		char a[64], b[64];
		oc_time(&o, o.at, a, sizeof(a));
		oc_time(&o, to, b, sizeof(b));
		printf("Shifts from %s to %s (%s)\n\n", a, b, tz_name(o.tz));
	}
	for (size_t i = 0; i < o.s->n_roles; i++) {
		const struct sched_role *r = &o.s->roles[i];
		struct sched_shift *sh;
		size_t nsh;
		json_t *arr;
		if (!oc_wants(&o, r))
			continue;
		nsh = sched_shifts(o.s, r, o.at, to, &sh);
		arr = json_array();
		for (size_t k = 0; k < nsh; k++)
			json_array_append_new(arr, oc_shift_json(&o, &sh[k]));
		json_array_append_new(
		    json_object_get(doc, "roles"),
		    json_pack("{s:s, s:o}", "role", r->name, "shifts", arr));
		if (o.fmt != OUT_JSON)
			print_role_shifts(&o, r->name, sh, nsh);
		free(sh);
	}
	if (o.fmt == OUT_JSON)
		out_json(stdout, doc);
	json_decref(doc);
	oc_free(&o);
	return ML_EXIT_OK;
}

static const struct cmd_opt now_table[] = {OC_OPT_CONFIG,
					   OC_OPT_ROLE,
					   OC_OPT_AT,
					   OC_OPT_TZ,
					   CMD_NOT_HERE("weeks"),
					   CMD_NOT_HERE("count"),
					   CMD_NOT_HERE("since"),
					   CMD_NOT_HERE("db"),
					   {0}};
static const struct cmd_opt next_table[] = {OC_OPT_CONFIG,
					    OC_OPT_ROLE,
					    OC_OPT_AT,
					    OC_OPT_TZ,
					    OC_OPT_COUNT,
					    CMD_NOT_HERE("weeks"),
					    CMD_NOT_HERE("since"),
					    CMD_NOT_HERE("db"),
					    {0}};
static const struct cmd_opt schedule_table[] = {OC_OPT_CONFIG,
						OC_OPT_ROLE,
						OC_OPT_AT,
						OC_OPT_TZ,
						OC_OPT_WEEKS,
						CMD_NOT_HERE("count"),
						CMD_NOT_HERE("since"),
						CMD_NOT_HERE("db"),
						{0}};

static const struct cmd_entry now_entry = {
    .path = "oncall now",
    .summary = "who is on call now (or --at a time), per role",
    .help = "Usage: mloncall oncall now [--config F] [--role R] [--at TIME]"
	    " [--tz TZ] [-o json]\n"
	    "\n"
	    "Prints who holds each on-call role at an instant, from which\n"
	    "layer (or an override), and the shift's true start and end.\n"
	    "\n"
	    "Options:\n"
	    "  --config FILE  service configuration with `oncall:` (default\n"
	    "                 $MLONCALL_CONFIG, else ./oncall.yaml)\n"
	    "  --role R       only this role\n"
	    "  --at TIME      RFC 3339 instant instead of now\n"
	    "  --tz TZ        show times in this IANA zone (default: the\n"
	    "                 machine's zone)\n"
	    "  -o json        machine output (schema in docs/oncall.md)\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall oncall now --config oncall.yaml\n"
	    "  mloncall oncall now --role primary --at 2026-12-24T20:00:00Z"
	    " --tz Europe/Berlin\n",
    .exec = oncall_now,
    .opts = now_table,
    .flags = CMD_OUTPUT,
};

static const struct cmd_entry next_entry = {
    .path = "oncall next",
    .summary = "the next shifts (handoffs) per role",
    .help = "Usage: mloncall oncall next [--config F] [--role R] "
	    "[--count N] [--at TIME] [--tz TZ] [-o json]\n"
	    "\n"
	    "Prints the N shifts (default 5) that follow the current one, per\n"
	    "role: who takes over when, from which layer or override.\n"
	    "\n"
	    "Options: as `oncall now`, and --count N (1..520).\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall oncall next --role primary --count 3\n"
	    "  mloncall oncall next -o json --tz America/New_York\n",
    .exec = oncall_next,
    .opts = next_table,
    .flags = CMD_OUTPUT,
};

static const struct cmd_entry schedule_entry = {
    .path = "oncall schedule",
    .summary = "the shifts of the coming weeks, a table per role",
    .help = "Usage: mloncall oncall schedule [--config F] [--weeks N] "
	    "[--role R] [--at TIME] [--tz TZ] [-o json]\n"
	    "\n"
	    "Prints every shift from now (or --at) for N weeks (default 4),\n"
	    "cut to that window: from, to, person, and the layer that put\n"
	    "them there (or `override`). Handoffs follow each layer's own\n"
	    "time zone, so a week across a DST change is 167 or 169 hours.\n"
	    "\n"
	    "Options: as `oncall now`, and --weeks N (1..520).\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall oncall schedule --weeks 4 --tz Europe/Berlin\n"
	    "  mloncall oncall schedule --role secondary -o json\n",
    .exec = oncall_schedule,
    .opts = schedule_table,
    .flags = CMD_OUTPUT,
};

static const struct cmd_entry *const subs[] = {
    &now_entry, &next_entry, &schedule_entry, &cmd_oncall_fairness_entry, NULL};

const struct cmd_entry cmd_oncall_entry = {
    .path = "oncall",
    .summary = "on-call schedules: now, next, schedule, fairness",
    .subs = subs,
};
