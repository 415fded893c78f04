/* rb_lint_int.h: lint's internal split: rb_lint.c (findings, standard,
 * review, files) calls the reference checks of rb_lint_check.c. */
#ifndef ML_RB_LINT_INT_H
#define ML_RB_LINT_INT_H

#include "runbook/rb_lint.h"

/* Remedies named by cases, probes and their arguments, expressions,
 * params used and defined, facts read by expressions. */
void rbl_lint_refs(const struct rb_runbook *rb, const struct rb_lint_opts *o,
		   struct rb_lint *l);

#endif
