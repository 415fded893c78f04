/* loss.h: training-log records (step, loss, time) shared by the loss
 * probe (loss.c, loss_stats.c) and its line parser (loss_parse.c). */
#ifndef ML_PROBE_LOSS_H
#define ML_PROBE_LOSS_H

#include <stddef.h>
#include <stdint.h>

struct loss_rec {
	long long step;
	double loss;  /* may be NaN or +-Inf: the log said so */
	int64_t t_ms; /* wall time of the line, when has_t */
	int has_t;
	int implicit; /* step not in the line: previous step + 1 */
	long line;
};

struct loss_log {
	struct loss_rec *r;
	size_t n, cap;
	long lines;
	long long epoch;    /* last "Epoch N/M" seen, or -1 */
	const char *format; /* "text", "json", "hf-dict", "megatron", "keras" */
};

/* Parses one log line (s, n bytes, not NUL-terminated) and appends a
 * record to log when the line carries a training loss. Lines with an
 * eval/validation loss only, or no loss, are skipped. */
void loss_parse_line(struct loss_log *log, const char *s, size_t n,
		     long lineno);

/* Parses the leading timestamp of a line ("2026-11-23T10:00:00Z",
 * "2026-11-23 10:00:00,123", "[2026-11-23 10:00:00]"; no zone = UTC).
 * Returns 0 and sets *ms, or -1. */
int loss_line_time(const char *s, size_t n, int64_t *ms);

/* Frees the records. */
void loss_log_free(struct loss_log *log);

#endif
