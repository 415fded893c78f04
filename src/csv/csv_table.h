/* csv_table.h: a CSV file loaded into typed columns. Types are inferred
 * from the first rows (or forced per column); numeric columns hold doubles,
 * bool and string columns hold dictionary codes. Every row remembers its
 * starting line so findings can name lines. */
#ifndef ML_CSV_TABLE_H
#define ML_CSV_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "csv/csv.h"

enum csv_type { CSV_EMPTY = 0, CSV_BOOL, CSV_INT, CSV_FLOAT, CSV_STRING };

/* Missing value in a fixed-point numeric column. */
#define CSV_FIX_NA INT32_MIN

/* Missing value in a code column. */
#define CSV_NA_CODE UINT32_MAX

/* Rows looked at to infer column types. */
#define CSV_INFER_ROWS 1000

struct csv_col {
	char *name;	    /* header name (valid UTF-8, owned) */
	enum csv_type type; /* inferred or forced */
	/* INT/FLOAT values: either fixed-point (is_fix: value = fix[i] /
	 * 10^scale exactly as parsed, CSV_FIX_NA = missing; 4 bytes a value)
	 * or doubles (num, NaN = missing). Read them with csv_col_num(). A
	 * column starts fixed-point and turns to doubles at the first value
	 * that does not fit 9 significant digits. */
	int is_fix;
	int scale;
	int32_t *fix;
	int64_t fixmax;
	double *num;
	uint32_t *code; /* BOOL/STRING/EMPTY: nrows codes or CSV_NA_CODE */
	char **levels;	/* code -> text (owned); BOOL: "false","true" */
	uint32_t nlevels;
	uint64_t missing; /* empty fields and absent (short rows) */
	struct csv_issue
	    non_numeric;	     /* text in a numeric column (-> missing) */
	struct csv_issue nan;	     /* literal nan (-> missing) */
	struct csv_issue inf;	     /* +-inf (-> missing) */
	struct csv_issue bad_utf8;   /* invalid UTF-8 in a string value */
	struct csv_issue null_lines; /* where missing values are */
	void *dict;		     /* string -> code hash (internal) */
};

struct csv_table {
	char *file; /* as given (owned) */
	size_t ncols;
	struct csv_col *cols;
	size_t nrows;
	uint32_t *lines;	       /* nrows starting lines (capped) */
	struct csv_issue ragged_short; /* fewer fields than the header */
	struct csv_issue ragged_long;  /* more fields than the header */
	struct csv_reader_issues rd;   /* copied from the reader */
	uint64_t bytes;
	double t_parse; /* seconds spent reading and parsing */
};

struct csv_load_opts {
	char delim;	/* ',' unless set */
	int strict;	/* any problem is an ML_EINPUT error */
	int no_lines;	/* do not keep per-row line numbers (saves memory) */
	size_t max_row; /* 0: CSV_MAX_ROW_DEFAULT */
	uint64_t max_bytes; /* decompressed input bytes; 0: ML_CSV_MAX_BYTES */
	uint64_t max_rows;  /* records after the header; 0: ML_CSV_MAX_ROWS */
	/* Forced types by column name (NULL-terminated parallel arrays), or
	 * NULL: infer all. */
	const char *const *force_names;
	const enum csv_type *force_types;
};

/* Loads path into t (zeroed by the caller or fresh). Errors: missing file
 * (ML_ENOTFOUND), empty file, no header, duplicate header names, a row over
 * the size limit, more input than max_bytes or more records than max_rows
 * (memory stays bounded by them: reading stops there), and with strict any
 * problem (ML_EINPUT, file:line).
 * On error t is freed. Free with csv_table_free(). */
int csv_table_load(const char *path, const struct csv_load_opts *o,
		   struct csv_table *t, struct ml_err *err);

/* Frees everything; a zeroed table is a no-op. */
void csv_table_free(struct csv_table *t);

/* Value of row in a numeric column (NaN = missing). */
double csv_col_num(const struct csv_col *c, size_t row);

/* Line where row starts (0 when lines were not kept). */
uint64_t csv_table_line(const struct csv_table *t, size_t row);

/* Column named name, or NULL. */
struct csv_col *csv_table_col(const struct csv_table *t, const char *name);

/* "bool", "int", "float", "string", "empty". */
const char *csv_type_name(enum csv_type t);

/* Parses a type name; returns 0 or -1. "str"/"category" = string,
 * "integer" = int, "number"/"double" = float, "boolean" = bool. */
int csv_type_parse(const char *s, enum csv_type *t);

/* Nonzero for INT and FLOAT. */
int csv_type_numeric(enum csv_type t);

/* Parses a --delimiter value: one character, or "tab" / "\\t"; a quote
 * or newline is refused. Returns 0 or ML_EUSAGE with err filled. */
int csv_delim_parse(const char *s, char *d, struct ml_err *err);

#endif
