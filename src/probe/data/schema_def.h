/* schema_def.h: the data schema YAML of the schema probe (format in
 * docs/probes/schema.md): loading with file:line errors, and writing one
 * inferred from a good CSV file. */
#ifndef ML_SCHEMA_DEF_H
#define ML_SCHEMA_DEF_H

#include <regex.h>

#include "core/buf.h"
#include "core/err.h"
#include "csv/csv_table.h"

struct schema_col {
	char *name;
	enum csv_type type; /* CSV_EMPTY: any type */
	int nullable;	    /* default 1 */
	int required;	    /* default 1 */
	int has_min, has_max;
	double min, max;
	char **allowed; /* NULL-terminated texts, or NULL */
	size_t nallowed;
	char *regex_src;
	regex_t regex;
	int has_regex;
	int unique;
	int line; /* in the schema file */
};

struct schema_def {
	char *file;
	struct schema_col *cols;
	size_t ncols;
	int allow_extra; /* unexpected columns are fine */
	char **key;	 /* composite key column names, NULL-terminated */
	size_t nkey;
};

/* Loads a schema file. Errors (ML_EINPUT with file:line:col, or
 * ML_ENOTFOUND) name what was expected. Free with schema_def_free(). */
int schema_def_load(const char *path, struct schema_def *s, struct ml_err *err);

/* Frees everything; a zeroed schema is a no-op. */
void schema_def_free(struct schema_def *s);

/* Writes a schema inferred from t as YAML into out: every column with its
 * type, nullable, min/max for numbers, allowed values for string columns
 * with at most 20 distinct values, unique when no value repeats. */
void schema_def_infer(const struct csv_table *t, struct buf *out);

#endif
