/* ydoc.c: libyaml event stream -> positioned node tree. */
#include "core/ydoc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/config.h"
#include "core/buf.h"
#include "core/strutil.h"

struct builder {
	yaml_parser_t parser;
	const char *file;
	struct ml_err *err;
	int depth;
};

static struct ydoc_node *node_new(enum ydoc_type t, const yaml_mark_t *m)
{
	struct ydoc_node *n = calloc(1, sizeof(*n));

	if (!n)
		abort();
	n->type = t;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static void node_free(struct ydoc_node *n)
{
	size_t count;

	if (!n)
		return;
	count = n->type == YDOC_MAP ? 2 * n->n : n->n;
	for (size_t i = 0; i < count; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}

static int parse_fail(struct builder *b)
{
	const yaml_parser_t *p = &b->parser;
	const char *what = p->problem ? p->problem : "invalid YAML";

	return ml_err_at(b->err, ML_EINPUT, b->file,
			 (int)p->problem_mark.line + 1,
			 (int)p->problem_mark.column + 1, "%s%s%s", what,
			 p->context ? " " : "", p->context ? p->context : "");
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev))
		return parse_fail(b);
	return 0;
}

static int build_node(struct builder *b, yaml_event_t *ev,
		      struct ydoc_node **out);

static int append(struct ydoc_node *n, size_t *cap, size_t *used,
		  struct ydoc_node *child)
{
	if (*used == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		n->items = realloc(n->items, *cap * sizeof(*n->items));
		if (!n->items)
			abort();
	}
	n->items[(*used)++] = child;
	return 0;
}

/* Maps of up to this many pairs find a duplicate key by scanning; larger
 * ones keep a hash index of their keys (a jansson object: key -> item
 * index of the first occurrence), so a map of n keys costs O(n), not
 * O(n^2). Both give the same answer: keys compare as NUL-terminated text,
 * like strcmp. */
#define DUP_SCAN_MAX 16

/* Key index of the map being built (json_object, NULL while small). */
struct key_index {
	json_t *idx;
};

/* Index of the pair whose key equals key->value among the used/2 pairs of
 * map, or -1; builds the index once the map outgrows DUP_SCAN_MAX. */
static long find_key(struct key_index *ki, const struct ydoc_node *map,
		     size_t used, const char *key)
{
	const json_t *j;

	if (!ki->idx && used / 2 < DUP_SCAN_MAX) {
		for (size_t i = 0; i + 1 < used; i += 2)
			if (!strcmp(map->items[i]->value, key))
				return (long)i;
		return -1;
	}
	if (!ki->idx) {
		if (!(ki->idx = json_object()))
			abort();
		for (size_t i = 0; i + 1 < used; i += 2)
			json_object_set_new_nocheck(
			    ki->idx, map->items[i]->value,
			    json_integer((json_int_t)i));
	}
	j = json_object_get(ki->idx, key);
	return j ? (long)json_integer_value(j) : -1;
}

static int check_dup_key(struct builder *b, struct key_index *ki,
			 struct ydoc_node *map, size_t used,
			 const struct ydoc_node *key)
{
	long first;

	if (key->type != YDOC_SCALAR)
		return ml_err_at(b->err, ML_EINPUT, b->file, key->line,
				 key->col, "mapping keys must be strings");
	if ((first = find_key(ki, map, used, key->value)) >= 0)
		return ml_err_at(b->err, ML_EINPUT, b->file, key->line,
				 key->col,
				 "duplicate key `%s` (first at line %d)",
				 key->value, map->items[first]->line);
	if (ki->idx)
		json_object_set_new_nocheck(ki->idx, key->value,
					    json_integer((json_int_t)used));
	return 0;
}

static int build_children(struct builder *b, struct ydoc_node *n,
			  struct key_index *ki, yaml_event_type_t end)
{
	size_t cap = 0, used = 0;
	int rc;

	for (;;) {
		yaml_event_t ev;
		struct ydoc_node *child = NULL;

		if ((rc = next_event(b, &ev)) != 0) {
			if (n->type == YDOC_MAP && used % 2) /* dangling key */
				node_free(n->items[--used]);
			return rc;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		rc = build_node(b, &ev, &child);
		yaml_event_delete(&ev);
		if (rc) {
			if (n->type == YDOC_MAP && used % 2) /* dangling key */
				node_free(n->items[--used]);
			return rc;
		}
		if (n->type == YDOC_MAP && used % 2 == 0 &&
		    (rc = check_dup_key(b, ki, n, used, child)) != 0) {
			node_free(child);
			return rc;
		}
		append(n, &cap, &used, child);
		n->n = n->type == YDOC_MAP ? used / 2 : used;
	}
	return 0;
}

static int build_node(struct builder *b, yaml_event_t *ev,
		      struct ydoc_node **out)
{
	struct ydoc_node *n;
	struct key_index ki = {NULL};
	int rc;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(YDOC_SCALAR, &ev->start_mark);
		n->len = ev->data.scalar.length;
		n->value = malloc(n->len + 1);
		if (!n->value)
			abort();
		memcpy(n->value, ev->data.scalar.value, n->len);
		n->value[n->len] = '\0';
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		*out = n;
		return 0;
	case YAML_ALIAS_EVENT:
		return ml_err_at(b->err, ML_EINPUT, b->file,
				 (int)ev->start_mark.line + 1,
				 (int)ev->start_mark.column + 1,
				 "YAML aliases (*name) are not supported; "
				 "write the value out");
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT
			? ev->data.sequence_start.anchor != NULL
			: ev->data.mapping_start.anchor != NULL)
			return ml_err_at(
			    b->err, ML_EINPUT, b->file,
			    (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1,
			    "YAML anchors (&name) are not supported");
		if (++b->depth > YDOC_MAX_DEPTH)
			return ml_err_at(b->err, ML_EINPUT, b->file,
					 (int)ev->start_mark.line + 1,
					 (int)ev->start_mark.column + 1,
					 "nesting deeper than %d levels",
					 YDOC_MAX_DEPTH);
		n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? YDOC_SEQ
								   : YDOC_MAP,
			     &ev->start_mark);
		rc = build_children(b, n, &ki,
				    n->type == YDOC_SEQ
					? YAML_SEQUENCE_END_EVENT
					: YAML_MAPPING_END_EVENT);
		json_decref(ki.idx);
		b->depth--;
		if (rc) {
			node_free(n);
			return rc;
		}
		*out = n;
		return 0;
	default:
		return ml_err_at(
		    b->err, ML_EINPUT, b->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "unexpected YAML event");
	}
}

/* Skips stream/document start; builds the root; ignores later documents. */
static int build_doc(struct builder *b, struct ydoc *doc)
{
	yaml_event_t ev;
	int rc;

	for (;;) {
		if ((rc = next_event(b, &ev)) != 0)
			return rc;
		if (ev.type == YAML_STREAM_START_EVENT ||
		    ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT ||
		    ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			return 0; /* empty document */
		}
		rc = build_node(b, &ev, &doc->root);
		yaml_event_delete(&ev);
		return rc;
	}
}

int ydoc_load_string(const char *text, size_t len, const char *name,
		     struct ydoc *doc, struct ml_err *err)
{
	struct builder b = {.file = name, .err = err};
	int rc;

	memset(doc, 0, sizeof(*doc));
	doc->file = strdup(name ? name : "<input>");
	if (!doc->file)
		abort();
	b.file = doc->file;
	if (!yaml_parser_initialize(&b.parser))
		return ml_err_set(err, ML_ENOMEM, "cannot initialise libyaml");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text,
				     len);
	rc = build_doc(&b, doc);
	yaml_parser_delete(&b.parser);
	if (rc) {
		node_free(doc->root);
		doc->root = NULL;
	}
	return rc;
}

int ydoc_load_file(const char *path, struct ydoc *doc, struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (buf_read_file(&b, path, ML_MAX_CONFIG_BYTES) != 0) {
		int e = errno;
		buf_free(&b);
		return ml_err_at(err, e == ENOENT ? ML_ENOTFOUND : ML_EIO, path,
				 0, 0, "cannot read: %s",
				 e == EFBIG ? "file too large" : strerror(e));
	}
	rc = ydoc_load_string(buf_str(&b), b.len, path, doc, err);
	buf_free(&b);
	return rc;
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->file);
	doc->root = NULL;
	doc->file = NULL;
}

const struct ydoc_node *ydoc_get(const struct ydoc_node *map, const char *key)
{
	if (!map || map->type != YDOC_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->items[2 * i]->value, key))
			return map->items[2 * i + 1];
	return NULL;
}

const struct ydoc_node *ydoc_key(const struct ydoc_node *map, size_t i)
{
	return map->items[2 * i];
}

const struct ydoc_node *ydoc_val(const struct ydoc_node *map, size_t i)
{
	return map->items[2 * i + 1];
}

const char *ydoc_type_name(const struct ydoc_node *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YDOC_SCALAR:
		return "a scalar";
	case YDOC_SEQ:
		return "a list";
	default:
		return "a mapping";
	}
}

static int is_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

json_t *ydoc_scalar_json(const struct ydoc_node *n)
{
	const char *s = n->value;
	char *end;

	if (n->quoted)
		return json_stringn(s, n->len);
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False"))
		return json_false();
	if (is_int(s)) {
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (!errno)
			return json_integer(v);
	}
	if (strpbrk(s, "0123456789") && !strpbrk(s, "xX_:")) {
		double d;
		errno = 0;
		d = strtod(s, &end);
		if (*end == '\0' && !errno && isfinite(d))
			return json_real(d);
	}
	return json_stringn(s, n->len);
}

json_t *ydoc_to_json(const struct ydoc_node *n)
{
	json_t *j;

	if (!n)
		return json_null();
	if (n->type == YDOC_SCALAR)
		return ydoc_scalar_json(n);
	if (n->type == YDOC_SEQ) {
		j = json_array();
		for (size_t i = 0; i < n->n; i++)
			json_array_append_new(j, ydoc_to_json(n->items[i]));
		return j;
	}
	j = json_object();
	for (size_t i = 0; i < n->n; i++)
		json_object_set_new(j, n->items[2 * i]->value,
				    ydoc_to_json(n->items[2 * i + 1]));
	return j;
}

static int key_known(const char *k, const char *const *allowed)
{
	for (size_t j = 0; allowed[j]; j++)
		if (k && !strcmp(allowed[j], k))
			return 1;
	return 0;
}

int ydoc_check_keys(const struct ydoc_node *map, const char *const *allowed,
		    const char *where, const char *file, struct ml_err *err)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ydoc_node *k = ydoc_key(map, i);
		const char *key = k->value ? k->value : "", *near;
		struct buf m = BUF_INIT;
		int rc;

		if (key_known(k->value, allowed))
			continue;
		buf_printf(&m, "unknown key `%.64s`", key);
		if (where)
			buf_printf(&m, " in %s", where);
		if ((near = str_nearest(key, allowed)) != NULL)
			buf_printf(&m, "; did you mean `%s`?", near);
		else
			for (size_t j = 0; allowed[j]; j++)
				buf_printf(&m, "%s%s%s",
					   j ? ", " : " (expected one of: ",
					   allowed[j],
					   allowed[j + 1] ? "" : ")");
		rc = ml_err_at(err, ML_EINPUT, file, k->line, k->col, "%s",
			       buf_str(&m));
		buf_free(&m);
		return rc;
	}
	return 0;
}
