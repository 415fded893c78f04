/* ydoc.h: a YAML document as a tree of nodes that remember their line and
 * column, loaded with libyaml. Every loader of YAML in mloncall (runbooks,
 * scenario tests, configs, schemas) goes through this, so every error can
 * name file:line:col. Anchors and aliases are refused (no billion laughs);
 * nesting is bounded; duplicate keys are an error. */
#ifndef ML_YDOC_H
#define ML_YDOC_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

enum ydoc_type { YDOC_SCALAR, YDOC_SEQ, YDOC_MAP };

struct ydoc_node {
	enum ydoc_type type;
	int line, col; /* 1-based position of the node's start */
	char *value;   /* scalar text (NUL-terminated); NULL for seq/map */
	size_t len;    /* scalar length in bytes */
	int quoted;    /* scalar was quoted or a block scalar: never typed */
	size_t n;      /* seq: items; map: pairs */
	struct ydoc_node **items; /* seq: n items; map: 2n (key, value) */
};

struct ydoc {
	struct ydoc_node *root; /* NULL for an empty document */
	char *file;		/* name used in errors */
};

/* Deepest nesting accepted. */
#define YDOC_MAX_DEPTH 64

/* Loads the first document of a YAML file. On error fills err with
 * file:line:col and returns ML_EINPUT (or ML_ENOTFOUND / ML_EIO). The doc
 * is owned by the caller: ydoc_free(). */
int ydoc_load_file(const char *path, struct ydoc *doc, struct ml_err *err);

/* Same from memory; name is used in error messages. */
int ydoc_load_string(const char *text, size_t len, const char *name,
		     struct ydoc *doc, struct ml_err *err);

/* Frees the tree; ydoc_free on a zeroed doc is a no-op. */
void ydoc_free(struct ydoc *doc);

/* Map lookup: the value node for key, or NULL (borrowed from the doc). */
const struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key);

/* Map key/value accessors for index i < map->n. */
const struct ydoc_node *ydoc_key(const struct ydoc_node *map, size_t i);
const struct ydoc_node *ydoc_val(const struct ydoc_node *map, size_t i);

/* Name of a node type for messages: "a string", "a list", "a mapping". */
const char *ydoc_type_name(const struct ydoc_node *n);

/* Converts to JSON: plain scalars that look like int, float, bool or null
 * become those types (YAML 1.2 core schema); quoted ones stay strings.
 * Returns a new reference (caller decrefs). */
json_t *ydoc_to_json(const struct ydoc_node *n);

/* Typed view of a plain scalar, as ydoc_to_json would give it. */
json_t *ydoc_scalar_json(const struct ydoc_node *n);

/* Checks that every key of map is one of allowed (NULL-terminated); the
 * one check of keys for every YAML loader. The first key that is not
 * fails with ML_EINPUT at file:line:col of the key: "unknown key `k` in
 * WHERE; did you mean `x`?", or "... (expected one of: a, b)" when no
 * known key is near; where NULL leaves out " in WHERE". Returns 0 when
 * every key is known. */
int ydoc_check_keys(const struct ydoc_node *map, const char *const *allowed,
		    const char *where, const char *file, struct ml_err *err);

#endif
