/* csv_dict.h: dictionary encoding of string column values (internal to the
 * CSV column store). */
#ifndef ML_CSV_DICT_H
#define ML_CSV_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "csv/csv_table.h"

struct csv_dict;

/* Code of s[0..n) in col (creating the dictionary and the level when new;
 * *is_new tells which). Returns 0, or -1 on out-of-memory or too many
 * levels. */
int csv_dict_code(struct csv_col *col, const char *s, size_t n, uint32_t *code,
		  int *is_new);

/* Frees a dictionary (not the levels); NULL is a no-op. */
void csv_dict_free(struct csv_dict *d);

#endif
