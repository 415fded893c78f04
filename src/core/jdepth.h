/* jdepth.h: how deep JSON text nests, found by a flat scan of its bytes
 * (no recursion), so over-deep input is refused before jansson's
 * recursive parser or printer sees it. */
#ifndef ML_JDEPTH_H
#define ML_JDEPTH_H

#include <stddef.h>

/* Nonzero when the brackets ([ and {) of text p (len bytes, strings and
 * their escapes skipped) nest deeper than max. Malformed text is not an
 * error here: the parser reports it. Constant stack, O(len). */
int jdepth_over(const char *p, size_t len, int max);

#endif
