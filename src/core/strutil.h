/* strutil.h: small string helpers: edit distance for "did you mean",
 * prefix tests, trimming, safe number parsing. */
#ifndef ML_STRUTIL_H
#define ML_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Levenshtein distance between a and b (bounded: strings over 256 bytes
 * compare as far apart). */
int str_edit_distance(const char *a, const char *b);

/* The candidate nearest to word within a distance of max(2, len/3), or
 * NULL. candidates is NULL-terminated; the result is borrowed from it. */
const char *str_nearest(const char *word, const char *const *candidates);

int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);

/* Parses a whole string as a base-10 int64 / double (C locale, no
 * surrounding junk). Returns 0 or -1. */
int str_to_i64(const char *s, int64_t *out);
int str_to_double(const char *s, double *out);

#endif
