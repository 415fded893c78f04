/* rb_cov_report.c: builds the JSON of `runbook coverage`: the table
 * runbook -> alert names (and alert name -> runbooks), or, given alert
 * rules, each rule covered / partly covered / not covered. Rendering as
 * text or Markdown is rb_cov_render.c. */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "runbook/rb_coverage.h"

/* The folder name holding the file ("serving" for runbooks/serving/x.yaml;
 * "." when the path has no folder). New JSON string. */
static json_t *area_of(const char *file)
{
	const char *end = strrchr(file, '/'), *start;

	if (!end)
		return json_string(".");
	start = end;
	while (start > file && start[-1] != '/')
		start--;
	if (start == end)
		return json_string("/");
	return json_stringn(start, (size_t)(end - start));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {alert: [ids]} -> [{alert, runbooks}] sorted by alert name. */
static json_t *invert_sorted(json_t *by_name)
{
	size_t n = json_object_size(by_name), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v, *out = json_array();

	json_object_foreach(by_name, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(
		    out, json_pack("{s:s, s:O}", "alert", keys[i], "runbooks",
				   json_object_get(by_name, keys[i])));
	free(keys);
	return out;
}

json_t *rb_cov_table(struct rb_runbook *const *rbs, size_t n)
{
	json_t *list = json_array(), *by_name = json_object(), *out;

	for (size_t i = 0; i < n; i++) {
		json_t *names = rb_cov_names(rbs[i]), *row, *v;
		size_t k;

		row = json_pack("{s:s, s:s, s:o}", "id", rbs[i]->id, "file",
				rbs[i]->file, "area", area_of(rbs[i]->file));
		json_object_update(row, names);
		json_array_foreach(json_object_get(names, "alerts"), k, v)
		{
			const char *a = json_string_value(v);
			json_t *ids = json_object_get(by_name, a);

			if (!ids)
				json_object_set_new(by_name, a,
						    ids = json_array());
			json_array_append_new(ids, json_string(rbs[i]->id));
		}
		json_decref(names);
		json_array_append_new(list, row);
	}
	out = json_pack("{s:s, s:o, s:o}", "mode", "names", "runbooks", list,
			"alerts", invert_sorted(by_name));
	json_decref(by_name);
	return out;
}

static const char *status_name(enum rb_cov_status s)
{
	return s == RB_COV_FULL	     ? "covered"
	       : s == RB_COV_PARTIAL ? "partial"
				     : "uncovered";
}

/* One rule: which runbooks match it, and how. */
static json_t *rule_json(struct rb_runbook *const *rbs, size_t n,
			 const struct rb_cov_rule *r, enum rb_cov_status *best)
{
	json_t *hits = json_array();

	*best = RB_COV_NONE;
	for (size_t i = 0; i < n; i++) {
		json_t *conds = json_array();
		enum rb_cov_status s = rb_cov_match(rbs[i], r, conds);

		if (s == RB_COV_NONE) {
			json_decref(conds);
			continue;
		}
		if (s > *best)
			*best = s;
		json_array_append_new(
		    hits, json_pack("{s:s, s:o, s:s, s:o}", "id", rbs[i]->id,
				    "area", area_of(rbs[i]->file), "status",
				    status_name(s), "conditions", conds));
	}
	return json_pack("{s:s, s:s, s:s, s:i, s:O, s:s, s:o}", "alert",
			 r->alert, "group", r->group, "file", r->file, "line",
			 r->line, "labels", r->labels, "status",
			 status_name(*best), "runbooks", hits);
}

json_t *rb_cov_report(struct rb_runbook *const *rbs, size_t n,
		      const struct rb_cov_rules *rules)
{
	json_t *alerts = json_array();
	long long count[3] = {0, 0, 0};

	for (size_t i = 0; i < rules->n; i++) {
		enum rb_cov_status best;
		json_t *a = rule_json(rbs, n, &rules->v[i], &best);

		if (a) {
			count[best]++;
			json_array_append_new(alerts, a);
		}
	}
	return json_pack("{s:s, s:o, s:I, s:I, s:I}", "mode", "rules", "alerts",
			 alerts, "covered", count[RB_COV_FULL], "partial",
			 count[RB_COV_PARTIAL], "uncovered",
			 count[RB_COV_NONE]);
}
