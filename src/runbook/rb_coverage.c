/* rb_coverage.c: the alert names a runbook's trigger names, and whether a
 * runbook's trigger matches an alert rule (by its name and static
 * labels). The rules file reader is rb_cov_rules.c. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strutil.h"
#include "runbook/rb_coverage.h"

static const char *op_text(enum rb_match_op op)
{
	switch (op) {
	case RB_MATCH_EQ:
		return "=";
	case RB_MATCH_NE:
		return "!=";
	case RB_MATCH_RE:
		return "=~";
	default:
		return "!~";
	}
}

char *rb_cov_matcher_text(const struct rb_matcher *m)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s %s \"", m->label, op_text(m->op));
	for (const char *p = m->value; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_putc(&b, '"');
	return buf_detach(&b, NULL);
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' ||
	       c == '.';
}

/* Splits a plain alternation `A|B|C` or `(A|B|C)` into names appended to
 * arr. Returns 0, or -1 (arr untouched) when v holds other regex syntax
 * or an empty alternative. */
static int split_alternation(const char *v, json_t *arr)
{
	size_t len = strlen(v);
	const char *p, *end;
	json_t *tmp = json_array();

	if (len >= 2 && v[0] == '(' && v[len - 1] == ')')
		v++, len -= 2;
	end = v + len;
	for (p = v; p <= end;) {
		const char *q = p;

		while (q < end && name_char(*q))
			q++;
		if (q == p || (q < end && *q != '|') ||
		    (q == end - 1 && *q == '|')) {
			json_decref(tmp);
			return -1;
		}
		json_array_append_new(tmp, json_stringn(p, (size_t)(q - p)));
		p = q + 1;
	}
	json_array_extend(arr, tmp);
	json_decref(tmp);
	return 0;
}

/* Appends s to arr unless it is already there. */
static void add_unique(json_t *arr, json_t *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (json_equal(v, s)) {
			json_decref(s);
			return;
		}
	}
	json_array_append_new(arr, s);
}

static json_t *matcher_json(const struct rb_matcher *m)
{
	char *t = rb_cov_matcher_text(m);
	json_t *j = json_string(t);

	free(t);
	return j ? j : json_string("(not UTF-8)");
}

/* Nonzero when name passes every alertname matcher of rb. */
static int name_passes(const struct rb_runbook *rb, const char *name)
{
	json_t *labels = json_pack("{s:s}", "alertname", name);
	int ok = 1;

	for (size_t i = 0; i < rb->n_trigger && ok; i++)
		if (!strcmp(rb->trigger[i].label, "alertname"))
			ok = rb_matcher_match(&rb->trigger[i], labels);
	json_decref(labels);
	return ok;
}

json_t *rb_cov_names(const struct rb_runbook *rb)
{
	json_t *alerts = json_array(), *patterns = json_array(),
	       *conds = json_array(), *names = json_array(), *v;
	size_t k;

	for (size_t i = 0; i < rb->n_trigger; i++) {
		const struct rb_matcher *m = &rb->trigger[i];

		if (strcmp(m->label, "alertname") != 0 ||
		    m->op == RB_MATCH_NE || m->op == RB_MATCH_NRE)
			json_array_append_new(conds, matcher_json(m));
		else if (m->op == RB_MATCH_EQ)
			json_array_append_new(names, json_string(m->value));
		else if (split_alternation(m->value, names) != 0)
			json_array_append_new(patterns, json_string(m->value));
	}
	json_array_foreach(names, k, v)
	{
		if (name_passes(rb, json_string_value(v)))
			add_unique(alerts, json_incref(v));
	}
	json_decref(names);
	return json_pack("{s:o, s:o, s:o}", "alerts", alerts, "patterns",
			 patterns, "conditions", conds);
}

enum rb_cov_status rb_cov_match(const struct rb_runbook *rb,
				const struct rb_cov_rule *rule, json_t *conds)
{
	json_t *labels;
	enum rb_cov_status st = RB_COV_FULL;

	if (!rb || rb->n_trigger == 0)
		return RB_COV_NONE;
	labels = json_deep_copy(rule->labels);
	json_object_set_new(labels, "alertname", json_string(rule->alert));
	for (size_t i = 0; i < rb->n_trigger && st != RB_COV_NONE; i++) {
		const struct rb_matcher *m = &rb->trigger[i];

		if (!json_object_get(labels, m->label)) {
			st = RB_COV_PARTIAL;
			if (conds)
				json_array_append_new(conds, matcher_json(m));
		} else if (!rb_matcher_match(m, labels)) {
			st = RB_COV_NONE;
		}
	}
	if (st == RB_COV_NONE && conds)
		json_array_clear(conds);
	json_decref(labels);
	return st;
}
