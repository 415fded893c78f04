/* xmalloc.h: allocation that never returns NULL: out of memory prints
 * "mloncall: out of memory" and aborts, so callers need no NULL checks. */
#ifndef ML_XMALLOC_H
#define ML_XMALLOC_H

#include <stddef.h>

/* strdup that aborts on out-of-memory; NULL in gives NULL out. */
char *xstrdup(const char *s);
/* malloc/calloc/realloc that abort on out-of-memory; a size of 0 is
 * taken as 1, so the result is never NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

#endif
