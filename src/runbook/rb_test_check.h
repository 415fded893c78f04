/* rb_test_check.h: the expectations checker of `runbook test` (internal).
 * Pure: takes what a run did and what the scenario expects, appends
 * failures; unit-tested without the engine. */
#ifndef ML_RB_TEST_CHECK_H
#define ML_RB_TEST_CHECK_H

#include <jansson.h>

#include "runbook/rb_test.h"

/* What a scenario run did (all borrowed). */
struct rb_actual {
	const char *status;	/* final status name, NULL when error */
	const char *cause;	/* NULL: no cause */
	const char *remedy;	/* NULL: no remedy */
	const char *error;	/* engine error message, or NULL */
	const json_t *commands; /* array of command texts, in order */
	const json_t *envs;	/* array: the env object of each command */
	const json_t *probes;	/* array of probe names, in order */
	const json_t *notified; /* array of notify messages */
	const json_t *facts;	/* object: name -> facts (may be NULL) */
};

/* Appends to fails (a JSON array) one object per unmet expectation:
 * {"check", "line", "message", "expected", "actual"} and, for `ran`,
 * "rows": [{"expected", "actual", "ok", "diverges"}]. `notified` patterns
 * must match messages in order (others may come in between). */
void rb_test_check(const struct rb_expect *e, const struct rb_actual *a,
		   json_t *fails);

#endif
