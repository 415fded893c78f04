/* csv_json.h: JSON views of a loaded CSV table (summary and problems),
 * shared by the data probes so their facts use one schema (docs/csv.md). */
#ifndef ML_CSV_JSON_H
#define ML_CSV_JSON_H

#include <jansson.h>

#include "core/config.h"
#include "core/buf.h"
#include "csv/csv_table.h"

/* {"kind", "column"?, "count", "lines": [first lines]}. New reference. */
json_t *csv_issue_json(const char *kind, const char *column,
		       const struct csv_issue *is);

/* Array of the table's problems (only kinds that occurred); *total gets the
 * sum of their counts. New reference. */
json_t *csv_table_problems(const struct csv_table *t, uint64_t *total);

/* {"file", "rows", "bytes", "columns": [{name, type, missing}],
 *  "problems": [...], "problem_count"}. New reference. */
json_t *csv_table_summary(const struct csv_table *t);

/* The size options every data probe takes (rows of its `struct probe_opt`
 * table); defaults from src/core/config.h. */
#define CSV_LIMIT_OPTS                                                         \
	{"max-bytes",                                                          \
	 PO_INT,                                                               \
	 "stop with an error past this many bytes of CSV after gzip "          \
	 "decompression (a gzip bomb)",                                        \
	 ML_STR(ML_CSV_MAX_BYTES),                                             \
	 0,                                                                    \
	 0},                                                                   \
	{                                                                      \
		"max-rows", PO_INT,                                            \
		    "stop with an error past this many rows (memory grows "    \
		    "with rows)",                                              \
		    ML_STR(ML_CSV_MAX_ROWS), 0, 0                              \
	}

/* Reads the max-bytes / max-rows arguments into o. Returns 0, or
 * ML_EUSAGE when one is not a positive number. */
int csv_limits_args(const json_t *args, struct csv_load_opts *o,
		    struct ml_err *err);

/* Appends "line 3" / "lines 3, 7, ..." for an issue. */
void csv_lines_text(const struct csv_issue *is, struct buf *out);

#endif
