/* out.h: the output format of a command (-o text|json|...) and printing of
 * JSON documents in the stable form documented in docs/json.md. */
#ifndef ML_OUT_H
#define ML_OUT_H

#include <jansson.h>
#include <stdio.h>

enum out_fmt { OUT_TEXT = 0, OUT_JSON, OUT_HTML, OUT_MARKDOWN };

/* Parses "text", "json", "html", "md"/"markdown". Returns 0 or -1. */
int out_parse(const char *s, enum out_fmt *fmt);

/* Prints j to f with 2-space indent and a trailing newline, keys in
 * insertion order, reals in their shortest form that reads back to the
 * same double (out_json_dumps). Returns 0 or -1 on write error. */
int out_json(FILE *f, const json_t *j);

/* Writes v as the shortest %.15g, %.16g or %.17g that strtod reads back
 * to the same double ("0.35", "2", "1e+20"): for text made from a number,
 * such as a param's value in a shell's environment. n >= 32. */
void out_real_text(double v, char *out, size_t n);

/* json_dumps(j, flags), but every real printed as the shortest of %.15g,
 * %.16g, %.17g that strtod reads back to the same double (96.33, not
 * 96.329999999999998), spelled as jansson spells reals (a ".0" when
 * there is no dot or exponent, no "+" or leading zeros in an exponent).
 * Returns malloc'ed text (caller frees) or NULL as json_dumps does. */
char *out_json_dumps(const json_t *j, size_t flags);

/* json_object_set_new shorthands that keep call sites short. */
void jset_str(json_t *o, const char *k, const char *v); /* NULL -> null */
void jset_int(json_t *o, const char *k, long long v);
void jset_real(json_t *o, const char *k, double v); /* non-finite -> null */
void jset_bool(json_t *o, const char *k, int v);

/* Getters with defaults for optional fields. */
const char *jget_str(const json_t *o, const char *k, const char *dflt);
long long jget_int(const json_t *o, const char *k, long long dflt);
double jget_num(const json_t *o, const char *k, double dflt);
int jget_bool(const json_t *o, const char *k, int dflt);

/* Nonzero when stdout is a terminal and NO_COLOR is unset. */
int out_color(FILE *f);

#endif
