/* oncall.h: what the `mloncall oncall` subcommands share: options, the
 * loaded schedule and display zone, time and table printing. Only for
 * src/cmd/oncall*.c. */
#ifndef ML_CMD_ONCALL_H
#define ML_CMD_ONCALL_H

#include <jansson.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "incident/schedule.h"
#include "incident/svc_config.h"
#include "incident/tz.h"

struct oc_opts {
	const char *config, *role, *tzname, *db, *since;
	int64_t at; /* ms: --at, else now (MLONCALL_NOW honoured) */
	int64_t count, weeks;
	int db_defaulted; /* fairness: neither --db nor $MLONCALL_DB */
	enum out_fmt fmt;
	struct svc_config cfg;	  /* loaded by oc_setup */
	const struct schedule *s; /* cfg's schedule */
	struct tz *tz;		  /* display zone (--tz, else local) */
};

/* --at TIME (an RFC 3339 instant) for the option tables. */
int oc_set_at(void *opts, const struct cmd_opt *opt, const char *val,
	      struct ml_err *err);

/* Rows of the oncall subcommands' option tables (-o and, for fairness,
 * --db come from the entry's flags). An option of a sibling that does
 * not apply is listed with CMD_NOT_HERE. */
#define OC_OPT_CONFIG CMD_STR("config", 'c', struct oc_opts, config)
#define OC_OPT_ROLE CMD_STR("role", 0, struct oc_opts, role)
#define OC_OPT_AT CMD_FN("at", 0, oc_set_at)
#define OC_OPT_TZ CMD_STR("tz", 0, struct oc_opts, tzname)
#define OC_OPT_WEEKS CMD_INT("weeks", 0, struct oc_opts, weeks, 1, 520)
#define OC_OPT_COUNT CMD_INT("count", 0, struct oc_opts, count, 1, 520)
#define OC_OPT_SINCE CMD_STR("since", 0, struct oc_opts, since)

/* Parses argv by self's table (defaults: config $MLONCALL_CONFIG, at
 * now, count 5, weeks 4, since 90d). Returns 0 or an exit code after
 * printing a usage error. */
int oc_parse(const struct cmd_entry *self, int argc, char **argv,
	     struct oc_opts *o);

/* Loads the configuration and display zone and checks --role. Returns 0
 * or an exit code (message printed). Call oc_free either way. */
int oc_setup(const struct cmd_entry *self, struct oc_opts *o);

void oc_free(struct oc_opts *o);

/* "2026-11-23 09:00 CET" in the display zone; "-" for INT64_MIN/MAX. */
void oc_time(const struct oc_opts *o, int64_t ms, char *out, size_t n);

/* Sets j[k] to RFC 3339 UTC and j[k_local] to RFC 3339 with the display
 * zone's offset (both null for INT64_MIN/MAX). */
void oc_set_time(const struct oc_opts *o, json_t *j, const char *k, int64_t ms);

/* {from, from_local, to, to_local, person, layer, override} (new ref). */
json_t *oc_shift_json(const struct oc_opts *o, const struct sched_shift *sh);

/* {at, at_local, tz, roles: []} (new reference). */
json_t *oc_doc(const struct oc_opts *o);

/* Nonzero when --role is unset or names r. */
int oc_wants(const struct oc_opts *o, const struct sched_role *r);

/* Prints rows of cells (NULL cells print empty) as a table padded to the
 * widest cell of each column. Borrows everything. */
void oc_table(char ***rows, size_t nrows, size_t ncols);

extern const struct cmd_entry cmd_oncall_fairness_entry;

#endif
