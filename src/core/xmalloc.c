/* xmalloc.c: allocation that aborts on out-of-memory (see xmalloc.h). */
#include "core/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
	fputs("mloncall: out of memory\n", stderr);
	abort();
}

char *xstrdup(const char *s)
{
	char *p;

	if (!s)
		return NULL;
	if (!(p = strdup(s)))
		oom();
	return p;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}
