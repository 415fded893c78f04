/* oom.h: internals of the `oom` probe shared by its files: the parsed form
 * of a log holding PyTorch CUDA out-of-memory messages and
 * torch.cuda.memory_summary() tables (oom_parse.c, oom_summary.c), and the
 * diagnosis that turns them into facts (oom_diag.c). */
#ifndef ML_PROBE_OOM_H
#define ML_PROBE_OOM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Largest log the probe reads. Raise when whole training logs bigger than
 * this must be scanned; a tail of the log is usually enough. */
#define OOM_MAX_LOG_BYTES ((size_t)1 << 30)

/* Summaries kept in the facts (the newest ones); all of them count for the
 * leak rule. */
#define OOM_MAX_SUMMARY_FACTS 100

/* Which message format an event was read from. */
enum oom_form {
	OOM_FORM_CURRENT = 1, /* PyTorch >= 2.1: "GPU 0 has a total capacity" */
	OOM_FORM_LEGACY,      /* "(GPU 0; X total capacity; ...)" */
	OOM_FORM_CUDA_ERROR   /* "CUDA error: out of memory": no numbers */
};

/* A frame of a Python traceback: File "f", line N, in func. */
struct oom_frame {
	char *file; /* owned; raw bytes from the log, NUL-terminated */
	long line;
	char *func; /* owned */
};

/* Another process listed in the message ("Process 1234 has X memory in
 * use"). */
struct oom_proc {
	long long pid;
	int64_t bytes;
};

/* One OOM message. Sizes are bytes; -1 means "not in the message". */
struct oom_event {
	enum oom_form form;
	long line;   /* 1-based line of the message */
	int gpu;     /* -1: unknown */
	char *error; /* exception class before the message, or NULL; owned */
	int64_t requested, capacity, free, allocated, reserved_unalloc;
	int64_t reserved;	/* legacy form: given; current form: derived */
	int64_t process;	/* "this process has X memory in use" */
	struct oom_proc *procs; /* owned */
	size_t nprocs, capprocs;
	struct oom_frame frame; /* file == NULL: no traceback seen */
	char *unparsed;		/* first unreadable field, or NULL; owned */
};

/* Rows of a memory_summary() table read by the probe. */
enum oom_metric {
	OOM_M_ALLOCATED = 0,
	OOM_M_ACTIVE,
	OOM_M_REQUESTED,
	OOM_M_RESERVED,
	OOM_M_NONRELEASABLE,
	OOM_M_ALLOCS, /* "Allocations": a count, not bytes */
	OOM_M_COUNT
};

/* Columns: Cur Usage, Peak Usage, Tot Alloc, Tot Freed. */
enum { OOM_COL_CUR = 0, OOM_COL_PEAK, OOM_COL_ALLOC, OOM_COL_FREED, OOM_NCOL };

/* One memory_summary() table. Values are bytes (counts for OOM_M_ALLOCS);
 * -1 where the row or cell was missing or unreadable. */
struct oom_summary {
	long line; /* 1-based line of the "memory summary" title */
	int device;
	long long cuda_ooms, alloc_retries; /* -1: not found */
	int64_t v[OOM_M_COUNT][OOM_NCOL];
};

/* Everything found in a log. */
struct oom_report {
	long lines;		  /* lines read */
	long nevents;		  /* OOM messages found */
	long first_line;	  /* line of the first one */
	struct oom_event last;	  /* the newest message (valid if nevents) */
	struct oom_summary *sums; /* in log order; owned */
	size_t nsums, capsums;
};

/* Parses len bytes of log text (need not be NUL-terminated; may hold NUL
 * bytes and invalid UTF-8). Never fails on content: unknown text is
 * skipped, unreadable fields are left at -1 and named in
 * last.unparsed. Returns 0; r must be zeroed before and freed with
 * oom_report_free after. */
int oom_parse(const char *data, size_t len, struct oom_report *r);

/* Frees what r owns and zeroes it. NULL is a no-op. */
void oom_report_free(struct oom_report *r);

/* Reads a size such as "4.00 GiB", "511.50 KiB", "523776 B", "12 bytes"
 * starting at p (leading blanks skipped), never reading at or past end.
 * Units: B, bytes, KiB, MiB, GiB, TiB, PiB. Sets *bytes and *next (the
 * first byte after the unit). Returns 0, or -1 when there is no number,
 * the unit is unknown or the size does not fit in 2^62 bytes. */
int oom_parse_size(const char *p, const char *end, const char **next,
		   int64_t *bytes);

/* Line-by-line reader of memory_summary() tables, used by oom_parse. */
struct oom_sumstate {
	int active; /* inside a table */
	struct oom_summary cur;
};

/* Feeds one line (without its newline). Completed tables are appended to
 * r->sums. Returns nothing; unreadable rows are skipped. */
void oom_summary_line(struct oom_sumstate *st, struct oom_report *r,
		      const char *p, const char *end, long lineno);

/* Ends a table that runs to the end of the input. */
void oom_summary_finish(struct oom_sumstate *st, struct oom_report *r);

/* Builds the facts (new reference) of the oom probe from a parsed report:
 * sizes in bytes and GiB, cause, reasons and suggestions. batch_size <= 0
 * means unknown. source names the input in the facts (borrowed). */
json_t *oom_facts(const struct oom_report *r, long long batch_size,
		  const char *source);

/* A JSON string of n bytes of text, with invalid UTF-8 and NUL bytes
 * replaced by U+FFFD (new reference). */
json_t *oom_json_text(const char *s, size_t n);

#endif
