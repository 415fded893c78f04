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

/* Options a subcommand accepts besides --config and -o (bit masks for
 * oc_parse; order matches its option letters "crazwnsdo"). */
#define OC_ROLE (1u << 1)
#define OC_AT (1u << 2)
#define OC_TZ (1u << 3)
#define OC_WEEKS (1u << 4)
#define OC_COUNT (1u << 5)
#define OC_SINCE (1u << 6)
#define OC_DB (1u << 7)

struct oc_opts {
	const char *config, *role, *tzname, *db, *since;
	int64_t at; /* ms: --at, else now (MLONCALL_NOW honoured) */
	int count, weeks;
	enum out_fmt fmt;
	struct svc_config cfg;	  /* loaded by oc_setup */
	const struct schedule *s; /* cfg's schedule */
	struct tz *tz;		  /* display zone (--tz, else local) */
};

/* Parses options (those in `allowed`, plus --config and -o). Returns 0 or
 * an exit code after printing a usage error. */
int oc_parse(const struct cmd_entry *self, int argc, char **argv,
	     unsigned allowed, struct oc_opts *o);

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
