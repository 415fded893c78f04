/* md.h: writing untrusted text into Markdown safely (postmortems,
 * reports): escaping for paragraphs, table cells and code spans, cutting
 * long text at a UTF-8 boundary, and the time and duration forms the
 * documents use. */
#ifndef ML_MD_H
#define ML_MD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends s as Markdown text: control characters and newlines become
 * spaces; `<`, `>` and `&` become entities (no raw HTML gets through);
 * the Markdown specials \ ` * _ [ ] | # are backslash-escaped; at most
 * max bytes (0: no limit), cut at a character boundary with "...".
 * NULL appends nothing. */
void md_text(struct buf *b, const char *s, size_t max);

/* Appends s as an inline code span (`s`), for identifiers, commands and
 * values; falls back to md_text when s holds a backtick or a control
 * character. At most max bytes (0: no limit). */
void md_code(struct buf *b, const char *s, size_t max);

/* Formats epoch ms as "2026-11-23 09:04:12" (UTC) into out (size >= 32);
 * 0 or negative gives "-". */
void md_time(int64_t ms, char *out, size_t n);

/* Formats a duration for people: "45s", "4m12s", "1h12m", "2d3h"
 * (at most two units) into out (size >= 32). Negative gives "-". */
void md_dur(int64_t ms, char *out, size_t n);

#endif
