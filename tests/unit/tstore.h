/* tstore.h: shared by the unit tests that open a scratch store: removes a
 * store file with its WAL and shared-memory companions. */
#ifndef ML_TEST_TSTORE_H
#define ML_TEST_TSTORE_H

#include <stdio.h>
#include <unistd.h>

static inline void tstore_unlink(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

#endif
