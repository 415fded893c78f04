/* rb_cov_rules.c: reads the alerting rules of a Prometheus rules file
 * (groups[].rules[].alert/expr/labels; also a PrometheusRule manifest,
 * where the groups sit under spec:) for `runbook coverage --rules`.
 * Only what coverage needs is kept: alert name, group, static labels and
 * the position; other rule keys (for, annotations, ...) are ignored. */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "runbook/rb_coverage.h"

/* Fails at node n's position with a message. Returns ML_EINPUT. */
#define FAIL(doc, n, ...)                                                      \
	ml_err_at(err, ML_EINPUT, (doc)->file, (n)->line, (n)->col, __VA_ARGS__)

/* Nonzero when n is a non-empty scalar that is not YAML null. */
static int is_text(const struct ydoc_node *n)
{
	if (!n || n->type != YDOC_SCALAR || n->len == 0)
		return 0;
	return n->quoted ||
	       (strcmp(n->value, "~") && strcmp(n->value, "null") &&
		strcmp(n->value, "Null") && strcmp(n->value, "NULL"));
}

static struct rb_cov_rule *push(struct rb_cov_rules *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	return &r->v[r->n++];
}

/* Static labels: a mapping of scalars (values may hold templates; they
 * are kept as text). */
static int load_labels(const struct ydoc *doc, const struct ydoc_node *n,
		       json_t *out, struct ml_err *err)
{
	if (!n || (n->type == YDOC_SCALAR && !is_text(n)))
		return 0;
	if (n->type != YDOC_MAP)
		return FAIL(doc, n,
			    "`labels`: expected a mapping of label "
			    "names to values, got %s",
			    ydoc_type_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc_key(n, i), *v = ydoc_val(n, i);

		if (k->type != YDOC_SCALAR || !k->len)
			return FAIL(doc, k, "`labels`: expected a label name");
		if (v->type != YDOC_SCALAR)
			return FAIL(doc, v,
				    "`labels.%.64s`: expected a string "
				    "value, got %s",
				    k->value, ydoc_type_name(v));
		json_object_set_new(out, k->value,
				    json_stringn(v->value, v->len));
	}
	return 0;
}

static int load_rule(const struct ydoc *doc, const char *group,
		     const struct ydoc_node *n, struct rb_cov_rules *rules,
		     struct ml_err *err)
{
	const struct ydoc_node *alert, *record, *expr;
	struct rb_cov_rule *r;

	if (n->type != YDOC_MAP)
		return FAIL(doc, n,
			    "expected a rule (a mapping with `alert:` or "
			    "`record:`, and `expr:`), got %s",
			    ydoc_type_name(n));
	alert = ydoc_get(n, "alert");
	record = ydoc_get(n, "record");
	expr = ydoc_get(n, "expr");
	if (alert && record)
		return FAIL(doc, n,
			    "a rule has `alert:` or `record:`, not both");
	if (!alert && !record)
		return FAIL(doc, n,
			    "a rule needs `alert:` (or `record:` for a "
			    "recording rule)");
	if (!expr || (expr->type == YDOC_SCALAR && !is_text(expr)))
		return FAIL(doc, n,
			    "a rule needs `expr:` (a PromQL expression)");
	if (expr->type != YDOC_SCALAR)
		return FAIL(doc, expr,
			    "`expr`: expected a PromQL expression, "
			    "got %s",
			    ydoc_type_name(expr));
	if (record)
		return 0;
	if (!is_text(alert))
		return FAIL(doc, alert,
			    "`alert`: expected an alert name, got %s",
			    alert->type == YDOC_SCALAR ? "nothing"
						       : ydoc_type_name(alert));
	r = push(rules);
	r->file = xstrdup(doc->file);
	r->group = xstrdup(group);
	r->alert = xstrdup(alert->value);
	r->labels = json_object();
	r->line = n->line;
	r->col = n->col;
	return load_labels(doc, ydoc_get(n, "labels"), r->labels, err);
}

static int load_group(const struct ydoc *doc, const struct ydoc_node *g,
		      struct rb_cov_rules *rules, struct ml_err *err)
{
	const struct ydoc_node *name, *list;
	int rc;

	if (g->type != YDOC_MAP)
		return FAIL(doc, g,
			    "expected a group (`name:` and `rules:`), "
			    "got %s",
			    ydoc_type_name(g));
	name = ydoc_get(g, "name");
	if (!is_text(name))
		return FAIL(doc, name ? name : g, "a group needs a `name:`");
	list = ydoc_get(g, "rules");
	if (!list || (list->type == YDOC_SCALAR && !is_text(list)))
		return 0;
	if (list->type != YDOC_SEQ)
		return FAIL(doc, list,
			    "`rules`: expected a list of rules, got %s",
			    ydoc_type_name(list));
	for (size_t i = 0; i < list->n; i++)
		if ((rc = load_rule(doc, name->value, list->items[i], rules,
				    err)) != 0)
			return rc;
	return 0;
}

/* Prometheus refuses a file where two groups share a name. */
static int unique_name(const struct ydoc *doc, const struct ydoc_node *groups,
		       size_t i, struct ml_err *err)
{
	const struct ydoc_node *a = ydoc_get(groups->items[i], "name");

	for (size_t k = 0; k < i; k++) {
		const struct ydoc_node *b = ydoc_get(groups->items[k], "name");

		if (!strcmp(a->value, b->value))
			return FAIL(doc, a,
				    "group `%.64s` is repeated (first at "
				    "line %d); Prometheus refuses the file",
				    a->value, b->line);
	}
	return 0;
}

/* The groups list: root.groups, or root.spec.groups (PrometheusRule). */
static int find_groups(const struct ydoc *doc, const struct ydoc_node **out,
		       struct ml_err *err)
{
	const struct ydoc_node *root = doc->root, *g;

	if (!root)
		return ml_err_at(err, ML_EINPUT, doc->file, 1, 1,
				 "empty rules file: expected `groups:` (a "
				 "Prometheus rules file)");
	if (root->type != YDOC_MAP)
		return FAIL(doc, root,
			    "expected a Prometheus rules file (a mapping "
			    "with `groups:`), got %s",
			    ydoc_type_name(root));
	g = ydoc_get(root, "groups");
	if (!g && ydoc_get(root, "spec"))
		g = ydoc_get(ydoc_get(root, "spec"), "groups");
	if (!g)
		return FAIL(doc, root,
			    "no `groups:`: expected a Prometheus rules file "
			    "(groups: [{name, rules}]) or a PrometheusRule "
			    "with spec.groups");
	if (g->type != YDOC_SEQ)
		return FAIL(doc, g,
			    "`groups`: expected a list of groups, got %s",
			    ydoc_type_name(g));
	*out = g;
	return 0;
}

int rb_cov_rules_load(const char *path, struct rb_cov_rules *rules,
		      struct ml_err *err)
{
	struct ydoc doc;
	const struct ydoc_node *groups = NULL;
	int rc;

	if ((rc = ydoc_load_file(path, &doc, err)) != 0) {
		ydoc_free(&doc);
		return rc;
	}
	rc = find_groups(&doc, &groups, err);
	for (size_t i = 0; !rc && i < groups->n; i++)
		rc = load_group(&doc, groups->items[i], rules, err);
	for (size_t i = 0; !rc && i < groups->n; i++)
		rc = unique_name(&doc, groups, i, err);
	ydoc_free(&doc);
	return rc;
}

void rb_cov_rules_free(struct rb_cov_rules *rules)
{
	if (!rules)
		return;
	for (size_t i = 0; i < rules->n; i++) {
		free(rules->v[i].file);
		free(rules->v[i].group);
		free(rules->v[i].alert);
		json_decref(rules->v[i].labels);
	}
	free(rules->v);
	memset(rules, 0, sizeof(*rules));
}
