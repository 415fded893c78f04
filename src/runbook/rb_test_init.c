/* rb_test_init.c: writes a starting NAME.test.yaml for a runbook
 * (`mloncall runbook test --init`): every command mocked to succeed, a
 * mock per probe, one scenario per diagnose case, plus no diagnosis, a
 * failed precheck and the rollback path, with TODO marks where facts
 * must be filled in. The skeleton loads and validates as it is. */
#include "runbook/rb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook/rb_test_mock.h"

/* A YAML single-quoted scalar. */
static void put_quoted(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_putc(b, '\'');
		buf_putc(b, *s == '\n' ? ' ' : *s);
	}
	buf_putc(b, '\'');
}

/* Collects run texts and probe keys of ss (recursing into batches). */
static void collect(const struct rb_steps *ss, json_t *runs, json_t *probes)
{
	for (size_t i = 0; i < ss->n; i++) {
		const struct rb_step *s = &ss->v[i];
		if (s->kind == RB_STEP_RUN && s->run) {
			char *n = rb_mock_normalize(s->run);
			json_object_set_new(runs, n, json_true());
			free(n);
		}
		if (s->kind == RB_STEP_PROBE && s->probe)
			json_object_set_new(probes, s->as ? s->as : s->probe,
					    json_true());
		collect(&s->before, runs, probes);
		collect(&s->steps, runs, probes);
		collect(&s->after, runs, probes);
	}
}

/* In lifecycle order: prechecks, diagnose, remedies, procedure,
 * verify, rollback. */
static void collect_all(const struct rb_runbook *rb, json_t *runs,
			json_t *probes)
{
	const struct rb_steps *after[] = {&rb->procedure, &rb->verify,
					  &rb->rollback};

	collect(&rb->prechecks, runs, probes);
	collect(&rb->diagnose, runs, probes);
	for (size_t i = 0; i < rb->n_remedies; i++)
		collect(&rb->remedies[i].steps, runs, probes);
	for (size_t i = 0; i < sizeof(after) / sizeof(*after); i++)
		collect(after[i], runs, probes);
}

static void put_defaults(const struct rb_runbook *rb, const json_t *runs,
			 const json_t *probes, struct buf *b)
{
	const char *k;
	json_t *v;
	int any = 0;

	buf_puts(b, "defaults:\n");
	for (size_t i = 0; i < rb->n_params; i++) {
		if (!rb->params[i].required || rb->params[i].dflt)
			continue;
		if (!any++)
			buf_puts(b, "  params:\n");
		buf_printf(b, "    %s: todo    # TODO: a realistic value\n",
			   rb->params[i].name);
	}
	if (json_object_size(runs))
		buf_puts(b, "  commands:    # every command of the runbook, "
			    "answering exit 0\n");
	json_object_foreach((json_t *)runs, k, v)
	{
		buf_puts(b, "    - match: ");
		rb_mock_glob_literal(b, k);
		buf_putc(b, '\n');
	}
	if (json_object_size(probes))
		buf_puts(b, "  probes:      # TODO: healthy facts; scenarios "
			    "override them\n");
	json_object_foreach((json_t *)probes, k, v)
	    buf_printf(b, "    %s: { verdict: healthy }\n", k);
}

static void put_case(const struct rb_case *c, size_t i, struct buf *b)
{
	char name[64];

	snprintf(name, sizeof(name), "case %zu: %.40s", i + 1,
		 c->cause ? c->cause : "");
	buf_puts(b, "  - name: ");
	put_quoted(b, name);
	buf_puts(b, "\n    probes: {}    # TODO: facts that make this hold: ");
	buf_puts(b, c->when ? c->when : "");
	buf_puts(b, "\n    expect:\n      status: succeeded\n");
	if (c->cause) {
		buf_puts(b, "      cause: ");
		put_quoted(b, c->cause);
		buf_putc(b, '\n');
	}
	if (c->remedy) {
		buf_puts(b, "      remedy: ");
		put_quoted(b, c->remedy);
		buf_putc(b, '\n');
	}
}

/* The first precheck fails: a command exits 1, or a probe errors. */
static void put_failed_precheck(const struct rb_runbook *rb, struct buf *b)
{
	const struct rb_step *s = rb->prechecks.n ? &rb->prechecks.v[0] : NULL;
	char *n;

	if (!s || (s->kind != RB_STEP_RUN && s->kind != RB_STEP_PROBE))
		return;
	buf_puts(b, "  - name: a failed precheck stops before any change\n");
	if (s->kind == RB_STEP_RUN) {
		n = rb_mock_normalize(s->run);
		buf_puts(b, "    commands:\n      - match: ");
		rb_mock_glob_literal(b, n);
		buf_puts(b, "\n        exit: 1\n    expect:\n"
			    "      status: failed_prechecks\n"
			    "      probed: []\n");
		free(n);
		return;
	}
	buf_printf(b,
		   "    probes:\n      %s: { _error: 'TODO: why it "
		   "fails' }\n    expect:\n      status: failed_prechecks\n",
		   s->as ? s->as : s->probe);
}

void rb_test_skeleton(const struct rb_runbook *rb, const char *rb_name,
		      struct buf *b)
{
	json_t *runs = json_object(), *probes = json_object();

	collect_all(rb, runs, probes);
	buf_printf(b,
		   "# Scenario tests of %s, started by `mloncall runbook "
		   "test --init`.\n# Fill in the TODOs so that each "
		   "scenario reaches its case, then run\n#   mloncall "
		   "runbook test %s\n# Format: docs/runbook-testing.md\n",
		   rb_name, rb_name);
	buf_puts(b, "runbook: ");
	put_quoted(b, rb_name);
	buf_putc(b, '\n');
	put_defaults(rb, runs, probes, b);
	buf_puts(b, "scenarios:\n");
	for (size_t i = 0; i < rb->n_cases; i++)
		put_case(&rb->cases[i], i, b);
	if (rb->n_cases)
		buf_puts(b, "  - name: no case matches\n    expect:\n"
			    "      status: no_diagnosis\n");
	else
		buf_puts(b, "  - name: the procedure succeeds\n    expect:\n"
			    "      status: succeeded\n");
	put_failed_precheck(rb, b);
	if (rb->rollback.n && rb->verify.n)
		buf_puts(b, "  - name: verify keeps failing, so the change is "
			    "rolled back\n    probes: {}    # TODO: facts that "
			    "pick a remedy, and verify facts that fail\n"
			    "    expect:\n      status: rolled_back\n");
	json_decref(runs);
	json_decref(probes);
}
