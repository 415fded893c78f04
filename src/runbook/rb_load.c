/* rb_load.c: loads a runbook YAML file into struct rb_runbook and checks
 * its schema: top-level keys, diagnose/cases, remedies, rollback,
 * contacts, acceptance. Steps, params and triggers have their own files
 * (rb_load_steps.c, rb_load_params.c, rb_match.c). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/xmalloc.h"
#include "runbook/rb_load_int.h"

static const char *const top_keys[] = {
    "id",	 "title",	 "description", "severity",   "owner",
    "reviewed",	 "review_every", "auto",	"trigger",    "params",
    "prechecks", "diagnose",	 "remedies",	"procedure",  "verify",
    "rollback",	 "max_attempts", "contacts",	"acceptance", NULL};

static int load_id(const struct rbl *c, const struct ydoc_node *v,
		   struct rb_runbook *rb)
{
	const char *s;
	int rc;

	if ((rc = rbl_str(c, v, "`id`", &rb->id)) != 0)
		return rc;
	s = rb->id;
	if (strlen(s) > RBL_MAX_NAME ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		goto bad;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			goto bad;
	return 0;
bad:
	return rbl_fail(c, v,
			"`id`: expected lowercase letters, digits, `-`, `_` "
			"or `.` (at most %d), starting with a letter or digit, "
			"like `gpu-oom`",
			RBL_MAX_NAME);
}

static int load_severity(const struct rbl *c, const struct ydoc_node *v,
			 struct rb_runbook *rb)
{
	if (v->type != YDOC_SCALAR ||
	    rb_severity_parse(v->value, &rb->severity))
		return rbl_fail(c, v,
				"`severity`: expected P1, P2, P3 or P4 (or "
				"critical, high, warning, info), got %s%.40s%s",
				v->type == YDOC_SCALAR ? "`"
						       : ydoc_type_name(v),
				v->type == YDOC_SCALAR ? v->value : "",
				v->type == YDOC_SCALAR ? "`" : "");
	return 0;
}

static int load_reviewed(const struct rbl *c, const struct ydoc_node *v,
			 struct rb_runbook *rb)
{
	if (v->type != YDOC_SCALAR || time_parse(v->value, &rb->reviewed_ms) ||
	    rb->reviewed_ms <= 0)
		return rbl_fail(c, v,
				"`reviewed`: expected a date like 2026-11-01, "
				"got %s%.40s%s",
				v->type == YDOC_SCALAR ? "`"
						       : ydoc_type_name(v),
				v->type == YDOC_SCALAR ? v->value : "",
				v->type == YDOC_SCALAR ? "`" : "");
	return 0;
}

static int load_cases(const struct rbl *c, const struct ydoc_node *n,
		      struct rb_runbook *rb)
{
	static const char *const keys[] = {"when", "cause", "remedy", NULL};
	int rc;

	if ((rc = rbl_want_seq(c, n, "`diagnose.cases`")) != 0)
		return rc;
	rb->cases = xcalloc(n->n ? n->n : 1, sizeof(*rb->cases));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *m = n->items[i], *v;
		struct rb_case *k = &rb->cases[i];

		rb->n_cases = i + 1;
		if ((rc = rbl_want_map(c, m, "a case")) != 0 ||
		    (rc = rbl_keys(c, m, keys, "a case")) != 0)
			return rc;
		k->line = m->line;
		k->col = m->col;
		if (!(v = ydoc_get(m, "when")))
			return rbl_fail(c, m,
					"a case needs `when:` (a Lua "
					"expression over facts)");
		if ((rc = rbl_str(c, v, "`when`", &k->when)) != 0)
			return rc;
		k->when_line = v->line;
		k->when_col = v->col;
		if (!(v = ydoc_get(m, "cause")))
			return rbl_fail(c, m,
					"a case needs `cause:` (a short "
					"name of the cause)");
		if ((rc = rbl_str(c, v, "`cause`", &k->cause)) != 0)
			return rc;
		if ((v = ydoc_get(m, "remedy")) &&
		    (rc = rbl_str(c, v, "`remedy`", &k->remedy)) != 0)
			return rc;
	}
	return 0;
}

static int load_diagnose(const struct rbl *c, const struct ydoc_node *n,
			 struct rb_runbook *rb)
{
	static const char *const keys[] = {"steps", "cases", NULL};
	const struct ydoc_node *v;
	int rc;

	if (n->type == YDOC_SEQ)
		return rbl_fail(c, n,
				"`diagnose`: expected a mapping with `steps:` "
				"(the probes) and `cases:` (when -> cause -> "
				"remedy), got a list");
	if ((rc = rbl_want_map(c, n, "`diagnose`")) != 0 ||
	    (rc = rbl_keys(c, n, keys, "`diagnose`")) != 0)
		return rc;
	if ((v = ydoc_get(n, "steps")) &&
	    (rc = rbl_steps(c, v, "`diagnose.steps`", 0, &rb->diagnose)) != 0)
		return rc;
	if ((v = ydoc_get(n, "cases")) && (rc = load_cases(c, v, rb)) != 0)
		return rc;
	return 0;
}

static int load_remedies(const struct rbl *c, const struct ydoc_node *n,
			 struct rb_runbook *rb)
{
	int rc;

	if ((rc = rbl_want_map(c, n, "`remedies`")) != 0)
		return rc;
	rb->remedies = xcalloc(n->n ? n->n : 1, sizeof(*rb->remedies));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i);
		struct rb_remedy *r = &rb->remedies[i];
		char what[RBL_MAX_NAME + 32];

		rb->n_remedies = i + 1;
		if (!*k->value || strlen(k->value) > RBL_MAX_NAME)
			return rbl_fail(c, k,
					"remedy name: expected 1 to %d "
					"characters",
					RBL_MAX_NAME);
		r->name = xstrdup(k->value);
		r->line = k->line;
		r->col = k->col;
		snprintf(what, sizeof(what), "remedy `%s`", r->name);
		if ((rc = rbl_steps(c, ydoc_val(n, i), what, 0, &r->steps)) !=
		    0)
			return rc;
	}
	return 0;
}

static int load_rollback(const struct rbl *c, const struct ydoc_node *n,
			 struct rb_runbook *rb)
{
	static const char *const keys[] = {"none", "reason", NULL};
	const struct ydoc_node *v;
	int rc;

	if (n->type != YDOC_MAP)
		return rbl_steps(c, n, "`rollback`", 0, &rb->rollback);
	if ((rc = rbl_keys(c, n, keys, "`rollback`")) != 0)
		return rc;
	if (!(v = ydoc_get(n, "none")))
		return rbl_fail(c, n,
				"`rollback`: expected a list of steps, or "
				"`{none: true, reason: \"why\"}`");
	if ((rc = rbl_bool(c, v, "`rollback.none`", &rb->rollback_none)) != 0)
		return rc;
	if (!rb->rollback_none)
		return rbl_fail(c, v,
				"`rollback.none` can only be true; give a list "
				"of steps to roll back");
	if ((v = ydoc_get(n, "reason")))
		return rbl_str(c, v, "`rollback.reason`", &rb->rollback_reason);
	return 0;
}

static int load_contacts(const struct rbl *c, const struct ydoc_node *n,
			 struct rb_runbook *rb)
{
	int rc;

	if ((rc = rbl_want_map(c, n, "`contacts`")) != 0)
		return rc;
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *v = ydoc_val(n, i);

		if (v->type != YDOC_SCALAR || rbl_is_null(v))
			return rbl_fail(c, v,
					"`contacts.%.64s`: expected a name "
					"or handle, got %s",
					ydoc_key(n, i)->value,
					ydoc_type_name(v));
	}
	rb->contacts = json_object();
	for (size_t i = 0; i < n->n; i++)
		json_object_set_new(rb->contacts, ydoc_key(n, i)->value,
				    json_string(ydoc_val(n, i)->value));
	return 0;
}

static int load_acceptance(const struct rbl *c, const struct ydoc_node *n,
			   struct rb_runbook *rb)
{
	int rc;

	if (n->type == YDOC_SCALAR && !rbl_is_null(n)) {
		rb->acceptance = xcalloc(1, sizeof(char *));
		rb->n_acceptance = 1;
		return rbl_str(c, n, "`acceptance`", &rb->acceptance[0]);
	}
	if ((rc = rbl_want_seq(c, n, "`acceptance`")) != 0)
		return rc;
	rb->acceptance = xcalloc(n->n ? n->n : 1, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		rb->n_acceptance = i + 1;
		if ((rc = rbl_str(c, n->items[i], "`acceptance` item",
				  &rb->acceptance[i])) != 0)
			return rc;
	}
	return 0;
}

static struct rb_pos *pos_of(struct rb_runbook *rb, const char *k)
{
	static const struct {
		const char *key;
		size_t off;
	} tab[] = {
	    {"id", offsetof(struct rb_runbook, at_id)},
	    {"severity", offsetof(struct rb_runbook, at_severity)},
	    {"reviewed", offsetof(struct rb_runbook, at_reviewed)},
	    {"trigger", offsetof(struct rb_runbook, at_trigger)},
	    {"params", offsetof(struct rb_runbook, at_params)},
	    {"prechecks", offsetof(struct rb_runbook, at_prechecks)},
	    {"diagnose", offsetof(struct rb_runbook, at_diagnose)},
	    {"remedies", offsetof(struct rb_runbook, at_remedies)},
	    {"procedure", offsetof(struct rb_runbook, at_procedure)},
	    {"verify", offsetof(struct rb_runbook, at_verify)},
	    {"rollback", offsetof(struct rb_runbook, at_rollback)},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].key, k))
			return (struct rb_pos *)((char *)rb + tab[i].off);
	return NULL;
}

/* Loads one top-level key k with value v. */
static int load_key(const struct rbl *c, const char *k,
		    const struct ydoc_node *v, struct rb_runbook *rb)
{
	if (!strcmp(k, "id"))
		return load_id(c, v, rb);
	if (!strcmp(k, "title"))
		return rbl_str(c, v, "`title`", &rb->title);
	if (!strcmp(k, "description"))
		return rbl_str(c, v, "`description`", &rb->description);
	if (!strcmp(k, "severity"))
		return load_severity(c, v, rb);
	if (!strcmp(k, "owner"))
		return rbl_str(c, v, "`owner`", &rb->owner);
	if (!strcmp(k, "reviewed"))
		return load_reviewed(c, v, rb);
	if (!strcmp(k, "review_every"))
		return rbl_dur(c, v, "`review_every`", &rb->review_every_ms);
	if (!strcmp(k, "auto"))
		return rbl_bool(c, v, "`auto`", &rb->auto_remediate);
	if (!strcmp(k, "trigger"))
		return rbl_trigger(c, v, rb);
	if (!strcmp(k, "params"))
		return rbl_params(c, v, rb);
	if (!strcmp(k, "prechecks"))
		return rbl_steps(c, v, "`prechecks`", 0, &rb->prechecks);
	if (!strcmp(k, "diagnose"))
		return load_diagnose(c, v, rb);
	if (!strcmp(k, "remedies"))
		return load_remedies(c, v, rb);
	if (!strcmp(k, "procedure"))
		return rbl_steps(c, v, "`procedure`", 0, &rb->procedure);
	if (!strcmp(k, "verify"))
		return rbl_steps(c, v, "`verify`", 0, &rb->verify);
	if (!strcmp(k, "rollback"))
		return load_rollback(c, v, rb);
	if (!strcmp(k, "max_attempts"))
		return rbl_int(c, v, "`max_attempts`", 1, 100,
			       &rb->max_attempts);
	if (!strcmp(k, "contacts"))
		return load_contacts(c, v, rb);
	return load_acceptance(c, v, rb);
}

static int load_root(const struct rbl *c, const struct ydoc_node *root,
		     struct rb_runbook *rb)
{
	int rc;

	if (!root)
		return ml_err_at(c->err, ML_EINPUT, c->file, 1, 1, "%s",
				 "empty runbook: expected a mapping with at "
				 "least `id:` (see docs/runbook-format.md)");
	if (root->type != YDOC_MAP)
		return rbl_fail(c, root,
				"expected a runbook (a mapping with `id:`, "
				"`title:`, ...) at the top level, got %s",
				ydoc_type_name(root));
	if ((rc = rbl_keys(c, root, top_keys, "a runbook")) != 0)
		return rc;
	rb->line = root->line;
	rb->col = root->col;
	for (size_t i = 0; i < root->n; i++) {
		const struct ydoc_node *k = ydoc_key(root, i);
		struct rb_pos *p = pos_of(rb, k->value);

		if (p) {
			p->line = k->line;
			p->col = k->col;
		}
		if ((rc = load_key(c, k->value, ydoc_val(root, i), rb)) != 0)
			return rc;
	}
	if (!rb->id)
		return rbl_fail(c, root,
				"a runbook needs `id:` (a short "
				"name like `gpu-oom`)");
	return 0;
}

/* Appends a hint to libyaml's message for what usually causes it: a tab
 * on the line, or an unquoted {{template}} (YAML reads it as a mapping). */
static void hint(const char *text, size_t len, struct ml_err *err)
{
	const char *p = text, *end = text + len, *eol;
	const char *h = NULL;
	int line = 1;
	size_t n;

	if (!err || err->line <= 0)
		return;
	while (p < end && line < err->line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return;
		p = nl + 1;
		line++;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	n = eol ? (size_t)(eol - p) : (size_t)(end - p);
	if (memchr(p, '\t', n))
		h = " (a tab: YAML indents with spaces only)";
	else if (memmem(p, n, "{{", 2))
		h = " (quote templates: \"{{name}}\")";
	if (h) {
		size_t m = strlen(err->msg);
		snprintf(err->msg + m, sizeof(err->msg) - m, "%s", h);
	}
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
	    (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	return n;
}

/* Fails at the first byte that is not UTF-8 (libyaml gives no position
 * for these). */
static int check_utf8(const char *text, size_t len, const char *file,
		      struct ml_err *err)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	int line = 1, col = 1;

	while (p < end) {
		size_t n = utf8_len(p, end);

		if (!n)
			return ml_err_at(err, ML_EINPUT, file, line, col,
					 "not UTF-8 text (byte 0x%02X); save "
					 "the runbook as UTF-8",
					 *p);
		if (*p == '\n')
			line++, col = 1;
		else
			col++;
		p += n;
	}
	return 0;
}

int rb_load_string(const char *text, size_t len, const char *name,
		   struct rb_runbook **out, struct ml_err *err)
{
	struct rbl c = {.file = name ? name : "<runbook>", .err = err};
	struct rb_runbook *rb;
	struct ydoc doc;
	int rc;

	*out = NULL;
	if (len > ML_MAX_CONFIG_BYTES)
		return ml_err_at(err, ML_EINPUT, c.file, 0, 0,
				 "runbook larger than %d bytes",
				 ML_MAX_CONFIG_BYTES);
	if ((rc = check_utf8(text, len, c.file, err)) != 0)
		return rc;
	if ((rc = ydoc_load_string(text, len, c.file, &doc, err)) != 0) {
		hint(text, len, err);
		ydoc_free(&doc);
		return rc;
	}
	rb = xcalloc(1, sizeof(*rb));
	rb->file = xstrdup(c.file);
	rb->max_attempts = 1;
	rb->review_every_ms = (int64_t)ML_DEFAULT_REVIEW_DAYS * 86400000;
	rc = load_root(&c, doc.root, rb);
	ydoc_free(&doc);
	if (rc) {
		rb_free(rb);
		return rc;
	}
	*out = rb;
	return 0;
}

int rb_load_file(const char *path, struct rb_runbook **out, struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc;

	*out = NULL;
	if (buf_read_file(&b, path, ML_MAX_CONFIG_BYTES) != 0) {
		int e = errno;

		buf_free(&b);
		return ml_err_at(err, e == ENOENT ? ML_ENOTFOUND : ML_EIO, path,
				 0, 0, "cannot read: %s",
				 e == EFBIG ? "file larger than the limit "
					      "(16 MiB)"
					    : strerror(e));
	}
	rc = rb_load_string(buf_str(&b), b.len, path, out, err);
	buf_free(&b);
	return rc;
}
