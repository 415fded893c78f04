/* config.h: every build-time knob of mloncall in one place, each with a note
 * on when to change it. Runtime settings live in config files, not here. */
#ifndef MLONCALL_CONFIG_H
#define MLONCALL_CONFIG_H

/* Bytes of a step's stdout+stderr kept in a run record. Raise when runbooks
 * need to parse long outputs; the tail beyond this is dropped and marked. */
#define ML_OUTPUT_CAP (64 * 1024)

/* Default timeout of a `run` step when the runbook gives none. */
#define ML_STEP_TIMEOUT_MS (10 * 60 * 1000)

/* Grace between SIGTERM and SIGKILL when a step's process group times out. */
#define ML_KILL_GRACE_MS 2000

/* Lua expression sandbox limits: instructions per evaluation and bytes of
 * memory. Raise only if a legitimate `when:` expression hits them. */
#define ML_LUA_MAX_INSTRUCTIONS 1000000
#define ML_LUA_MAX_MEMORY (8 * 1024 * 1024)

/* Bytes the facts of one expression environment may take once turned into
 * Lua tables (about 4x their JSON size). ML_LUA_MAX_MEMORY applies on top
 * of them while an expression runs. */
#define ML_LUA_MAX_FACTS_MEMORY (64 * 1024 * 1024)

/* Largest file a YAML/JSON loader accepts (runbooks, configs, facts). */
#define ML_MAX_CONFIG_BYTES (16 * 1024 * 1024)

/* Limits of one CSV input of the data probes (schema, drift, quality):
 * bytes read after gzip decompression, and data rows after the header.
 * They stop a gzip bomb (a 200 KB .csv.gz of blank-ish rows inflates to
 * 200 MB and 100M rows) with an input error instead of eating memory:
 * the column store keeps every row, about rows x (4 x columns + 4) bytes
 * (8 a value for columns of doubles). Raise them (or pass --max-bytes /
 * --max-rows) when legitimate files are larger and the host has the
 * memory. Written as plain numbers: they are also the options' defaults. */
#define ML_CSV_MAX_BYTES 4294967296
#define ML_CSV_MAX_ROWS 20000000
#define ML_STR_(x) #x
#define ML_STR(x) ML_STR_(x)

/* How long a run waits for a person to approve a `confirm:` step through
 * the incident service before the approval expires (the step is then
 * declined, the run stops before the change), and how often it looks.
 * The service's run timeout (oncall.yaml run_timeout) still bounds the
 * whole run: keep it longer than this when runbooks ask for approval. */
#define ML_APPROVAL_TIMEOUT_MS (60 * 60 * 1000)
#define ML_APPROVAL_POLL_MS 250

/* Bytes of a step's output (its end) carried in a step event to the
 * incident timeline; the whole capped output stays in the run record. */
#define ML_EVENT_TAIL_BYTES 512

/* Default review interval of a runbook without `review_every`. */
#define ML_DEFAULT_REVIEW_DAYS 90

/* Deepest JSON nesting (objects and arrays) accepted from outside (HTTP
 * bodies) and rendered from the store. jansson parses and dumps
 * recursively, and an HTTP thread has a 256 KiB stack; Alertmanager's
 * payloads nest 4 levels. Raise only with the thread stack. */
#define ML_JSON_MAX_DEPTH 32

#endif
