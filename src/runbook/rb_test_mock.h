/* rb_test_mock.h: the mocked effects of `runbook test` (internal to the
 * scenario tester). The engine calls these instead of a shell, the probe
 * registry, a TTY, the clock and notifiers; each call is answered from the
 * scenario's mocks (then the suite's defaults) and recorded. */
#ifndef ML_RB_TEST_MOCK_H
#define ML_RB_TEST_MOCK_H

#include <jansson.h>
#include <stdio.h>

#include "core/buf.h"

#include "runbook/rb_exec.h"
#include "runbook/rb_test.h"

/* Stop a runaway engine loop after this many mocked calls. */
#define RB_MOCK_MAX_CALLS 20000
#define RB_MOCK_MAX_STR "20000"
#define RB_MOCK_RUNAWAY_JUMP_MS (100LL * 365 * 86400 * 1000)

struct rb_mock_ctx {
	const struct rb_test_suite *suite;
	const struct rb_scenario *sc;
	const struct rb_runbook *rb;
	size_t *cmd_calls;   /* per scenario command mock, then defaults */
	size_t *probe_calls; /* per scenario probe mock, then defaults */
	size_t confirm_calls;
	size_t n_calls;
	int64_t start_ms, now_ms;
	json_t *commands; /* command texts as run, in order */
	json_t *envs;	  /* the env of each command: name -> value */
	json_t *probes;	  /* probe names as called, in order */
	json_t *notified; /* notify messages, in order */
	json_t *trace;	  /* every mocked call: objects, see docs */
	json_t *unmocked; /* {kind, text, at, snippet} per unmocked call */
	json_t *used;	  /* line of every mock that answered */
	FILE *narrate;	  /* the engine's narration (verbose), or NULL:
			     events note their offset in it */
};

/* Prepares ctx for one scenario run (nothing allocated is borrowed from
 * the caller but suite/sc/rb, which must outlive ctx). */
void rb_mock_init(struct rb_mock_ctx *ctx, const struct rb_test_suite *suite,
		  const struct rb_scenario *sc, const struct rb_runbook *rb);

/* Releases what rb_mock_init allocated; a zeroed ctx is fine. */
void rb_mock_free(struct rb_mock_ctx *ctx);

/* Fills ops with the mocked effects bound to ctx. */
void rb_mock_ops(struct rb_mock_ctx *ctx, struct rb_exec_ops *ops);

/* Command text with runs of whitespace (and backslash-newline) collapsed
 * to one space, trimmed. Caller frees. */
char *rb_mock_normalize(const char *cmd);

/* "file:line" of the runbook step that runs shell text cmd (or calls
 * probe name when is_probe), or NULL when none is found. Caller frees. */
char *rb_mock_step_at(const struct rb_runbook *rb, const char *text,
		      int is_probe);

/* Appends a glob that matches exactly text (wildcards escaped), as a
 * YAML single-quoted string, to b. */
void rb_mock_glob_literal(struct buf *b, const char *text);

#endif
