/* buf.h: one growable byte buffer for building text, JSON and SQL. Always
 * NUL-terminated after any operation, so b->data can be used as a string. */
#ifndef ML_BUF_H
#define ML_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append; owned by the buf */
	size_t len; /* bytes used, not counting the terminating NUL */
	size_t cap; /* bytes allocated */
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* Initializes an empty buffer (no allocation). */
void buf_init(struct buf *b);

/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);

/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);

/* Ensures room for n more bytes plus NUL. Aborts on out-of-memory (mloncall
 * treats allocation failure of small buffers as fatal, as git does). */
void buf_grow(struct buf *b, size_t n);

void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Returns the string and leaves b empty: "you now own the storage" (free it
 * with free()). Never returns NULL: an empty buffer gives "". */
char *buf_detach(struct buf *b, size_t *len);

/* Returns b->data or "" when nothing was appended yet (borrowed). */
const char *buf_str(const struct buf *b);

/* Reads a whole file into b (appending). max bounds the size (0: none).
 * Returns 0, or -1 with errno set (EFBIG when over max). */
int buf_read_file(struct buf *b, const char *path, size_t max);

/* Reads a whole fd until EOF into b (appending), bounded by max (0: none).
 * Returns 0 or -1 with errno set. */
int buf_read_fd(struct buf *b, int fd, size_t max);

/* Writes n bytes to path atomically: a temp file in the same folder, fsync,
 * rename. Returns 0 or -1 with errno set; never leaves a partial file. */
int buf_write_file_atomic(const char *path, const void *data, size_t n);

#endif
