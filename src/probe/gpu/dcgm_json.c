/* dcgm_json.c: parser of `dcgmi diag -j` output. DCGM 2.x/3.x put the
 * categories under "DCGM GPU Diagnostic" with "version", "Driver Version
 * Detected" and "GPU Device IDs" beside them; 4.x names the object "DCGM
 * Diagnostic" and adds "metadata". Results carry "gpu_id" (number or
 * string), "gpu_ids" (a CSV for deployment checks) or "entity_id";
 * warnings are strings or objects with "warning"/"warnings" and
 * "error_id"; info is a string or a list. Runs with --iterations nest the
 * same objects under "iterations". */
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "probe/gpu/dcgm.h"

/* A GPU id from a number or a digits-only string; -1 otherwise. */
static long id_of(const json_t *v)
{
	const char *s;
	char *end;
	long id;

	if (json_is_integer(v))
		return json_integer_value(v) >= 0 &&
			       json_integer_value(v) < 100000
			   ? (long)json_integer_value(v)
			   : -1;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	id = strtol(s, &end, 10);
	return end != s && !*end && id >= 0 && id < 100000 ? id : -1;
}

static long result_gpu(const json_t *res, int deployment)
{
	const json_t *g = json_object_get(res, "entity_group");

	if (deployment)
		return -1;
	if (json_object_get(res, "gpu_id"))
		return id_of(json_object_get(res, "gpu_id"));
	if (json_object_get(res, "gpu_ids"))
		return id_of(json_object_get(res, "gpu_ids"));
	if (!g || (json_is_string(g) && !strcmp(json_string_value(g), "GPU")))
		return id_of(json_object_get(res, "entity_id"));
	return -1;
}

static void messages(struct dcgm_report *r, json_t *t, const json_t *res,
		     int st)
{
	const json_t *w = json_object_get(res, "warnings"), *info, *e;
	size_t i;

	json_array_foreach(w, i, e)
	{
		const json_t *txt = json_is_string(e) ? e
				    : json_object_get(e, "warning")
					? json_object_get(e, "warning")
					: json_object_get(e, "warnings");
		const json_t *id = json_object_get(e, "error_id");
		if (!json_is_string(txt))
			continue;
		dcgm_message(r, t, st == DS_FAIL ? "error" : "warning",
			     json_string_value(txt),
			     id_of(json_object_get(e, "gpu_id")),
			     json_is_integer(id) ? (long)json_integer_value(id)
						 : id_of(id));
	}
	info = json_object_get(res, "info");
	if (json_is_string(info))
		dcgm_message(r, t, "info", json_string_value(info), -1, -1);
	json_array_foreach(info, i, e) if (json_is_string(e))
	    dcgm_message(r, t, "info", json_string_value(e), -1, -1);
}

static void one_test(struct dcgm_report *r, const char *cat, const json_t *te)
{
	const json_t *name = json_object_get(te, "name"), *res;
	const json_t *sum = json_object_get(te, "test_summary");
	int dep = !strcmp(cat, "Deployment") || !strcmp(cat, "Software");
	json_t *t;
	size_t i;

	if (!json_is_string(name))
		return;
	t = dcgm_test(r, cat, json_string_value(name));
	json_array_foreach(json_object_get(te, "results"), i, res)
	{
		const json_t *s = json_object_get(res, "status");
		int st =
		    json_is_string(s)
			? dcgm_status_word(json_string_value(s),
					   strcspn(json_string_value(s), " "))
			: -1;
		if (st < 0)
			continue; /* NOT_RUN and unknown words */
		dcgm_test_result(t, (enum dcgm_status)st, result_gpu(res, dep));
		messages(r, t, res, st);
	}
	if (!json_array_size(json_object_get(te, "results")) &&
	    json_is_string(json_object_get(sum, "status"))) {
		const char *s =
		    json_string_value(json_object_get(sum, "status"));
		int st = dcgm_status_word(s, strcspn(s, " "));
		if (st >= 0)
			dcgm_test_result(t, (enum dcgm_status)st, -1);
	}
}

static void versions(struct dcgm_report *r, const json_t *root,
		     const json_t *diag)
{
	const json_t *md = json_object_get(root, "metadata");
	const json_t *v = json_object_get(root, "version");
	const json_t *d = json_object_get(root, "Driver Version Detected");
	const json_t *ids = json_object_get(root, "GPU Device IDs"), *e;
	json_t *a;
	size_t i;

	if (!json_is_string(v))
		v = json_object_get(md, "version");
	if (!json_is_string(v))
		v = json_object_get(diag, "version");
	if (!json_is_string(d))
		d = json_object_get(md, "driver_version");
	if (json_is_string(v))
		jset_str(r->facts, "dcgm_version", json_string_value(v));
	if (json_is_string(d))
		jset_str(r->facts, "driver_version", json_string_value(d));
	if (!json_is_array(ids))
		return;
	a = json_array();
	json_array_foreach(ids, i, e) if (json_is_string(e))
	    json_array_append(a, (json_t *)e);
	json_object_set_new(r->facts, "gpu_device_ids", a);
}

/* One run's object; 0 when it holds neither categories nor an error. */
static int one_run(struct dcgm_report *r, const json_t *root)
{
	const json_t *diag = json_object_get(root, "DCGM GPU Diagnostic");
	const json_t *cats, *c, *te, *rt;
	size_t i, k;

	if (!diag)
		diag = json_object_get(root, "DCGM Diagnostic");
	if (!diag && json_object_get(root, "test_categories"))
		diag = root;
	rt = json_object_get(diag ? diag : root, "runtime_error");
	if (json_is_string(rt))
		dcgm_message(r, NULL, "error", json_string_value(rt), -1, -1);
	cats = json_object_get(diag, "test_categories");
	if (!json_is_array(cats))
		return json_is_string(rt);
	r->tables++;
	versions(r, root, diag);
	json_array_foreach(cats, i, c)
	{
		const json_t *cn = json_object_get(c, "category");
		if (!json_is_string(cn))
			continue;
		json_array_foreach(json_object_get(c, "tests"), k, te)
		    one_test(r, json_string_value(cn), te);
	}
	return 1;
}

int dcgm_parse_json(struct dcgm_report *r, const char *text, size_t len,
		    const char *name, struct ml_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *it, *e;
	int found = 0;
	size_t i;

	if (!root)
		return ml_err_set(err, ML_EINPUT, "%s:%d:%d: invalid JSON: %s",
				  name, je.line, je.column, je.text);
	jset_str(r->facts, "kind", "diag");
	jset_str(r->facts, "format", "json");
	it = json_object_get(root, "iterations");
	if (json_is_array(it)) {
		json_array_foreach(it, i, e) found |= one_run(r, e);
	} else if (json_is_object(root)) {
		found = one_run(r, root);
	}
	json_decref(root);
	if (!found)
		return ml_err_set(
		    err, ML_EINPUT,
		    "%s: JSON is not `dcgmi diag -j` output: expected an "
		    "object with \"DCGM GPU Diagnostic\" (or \"DCGM "
		    "Diagnostic\") holding \"test_categories\"",
		    name);
	jset_int(r->facts, "iterations", r->tables > 1 ? r->tables : 1);
	return 0;
}

int dcgm_parse(struct dcgm_report *r, const char *text, size_t len,
	       const char *name, struct ml_err *err)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' ||
			   text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i < len && text[i] == '{')
		return dcgm_parse_json(r, text, len, name, err);
	return dcgm_parse_text(r, text, len, name, err);
}
