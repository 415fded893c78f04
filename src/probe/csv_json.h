/* csv_json.h: JSON views of a loaded CSV table (summary and problems),
 * shared by the data probes so their facts use one schema (docs/csv.md). */
#ifndef ML_CSV_JSON_H
#define ML_CSV_JSON_H

#include <jansson.h>

#include "core/buf.h"
#include "probe/csv_table.h"

/* {"kind", "column"?, "count", "lines": [first lines]}. New reference. */
json_t *csv_issue_json(const char *kind, const char *column,
		       const struct csv_issue *is);

/* Array of the table's problems (only kinds that occurred); *total gets the
 * sum of their counts. New reference. */
json_t *csv_table_problems(const struct csv_table *t, uint64_t *total);

/* {"file", "rows", "bytes", "columns": [{name, type, missing}],
 *  "problems": [...], "problem_count"}. New reference. */
json_t *csv_table_summary(const struct csv_table *t);

/* Appends "line 3" / "lines 3, 7, ..." for an issue. */
void csv_lines_text(const struct csv_issue *is, struct buf *out);

#endif
