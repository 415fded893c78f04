/* k8s_load.c: reading Kubernetes objects from kubectl JSON: files saved
 * with `kubectl get pods,nodes,events -A -o json`, or kubectl itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "probe/serving/k8s_int.h"

/* "PodList" -> "Pod"; NULL when not a typed list. */
static char *item_kind_of_list(const char *list_kind)
{
	size_t n = strlen(list_kind);

	if (n > 4 && !strcmp(list_kind + n - 4, "List"))
		return strndup(list_kind, n - 4);
	return NULL;
}

static int add_item(const json_t *it, const char *dflt_kind, const char *name,
		    size_t idx, json_t *items, struct ml_err *err)
{
	json_t *copy;

	if (!json_is_object(it))
		return ml_err_set(err, ML_EINPUT,
				  "%s: items[%zu] is not an object", name, idx);
	if (!json_is_string(json_object_get(it, "kind")) && !dflt_kind)
		return ml_err_set(err, ML_EINPUT,
				  "%s: items[%zu] has no \"kind\"", name, idx);
	if (!json_is_object(json_object_get(it, "metadata")) ||
	    !json_is_string(
		json_object_get(json_object_get(it, "metadata"), "name")))
		return ml_err_set(err, ML_EINPUT,
				  "%s: items[%zu] has no metadata.name", name,
				  idx);
	copy = json_incref((json_t *)it);
	if (!json_is_string(json_object_get(it, "kind"))) {
		json_decref(copy);
		copy = json_copy((json_t *)it);
		jset_str(copy, "kind", dflt_kind);
	}
	json_array_append_new(items, copy);
	return 0;
}

int k8s_load_doc(const json_t *doc, const char *name, json_t *items,
		 struct ml_err *err)
{
	const char *kind = jget_str(doc, "kind", NULL);
	const json_t *list = json_object_get(doc, "items"), *it;
	char *ik;
	size_t i;
	int rc = 0;

	if (!json_is_object(doc) || !kind)
		return ml_err_set(err, ML_EINPUT,
				  "%s: not a Kubernetes object: expected a "
				  "JSON object with \"kind\" (the output of "
				  "kubectl get ... -o json)",
				  name);
	if (!json_is_array(list)) {
		if (str_ends(kind, "List"))
			return ml_err_set(err, ML_EINPUT,
					  "%s: a %s needs an \"items\" array",
					  name, kind);
		return add_item(doc, NULL, name, 0, items, err);
	}
	ik = item_kind_of_list(kind);
	json_array_foreach(
	    list, i,
	    it) if ((rc = add_item(it, strcmp(kind, "List") ? ik : NULL, name,
				   i, items, err)) != 0) break;
	free(ik);
	return rc;
}

static int load_text(const char *text, size_t len, const char *name,
		     json_t *items, struct ml_err *err)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	int rc;

	if (!doc)
		return ml_err_at(err, ML_EINPUT, name, je.line, je.column,
				 "bad JSON: %s", je.text);
	rc = k8s_load_doc(doc, name, items, err);
	json_decref(doc);
	return rc;
}

static int load_file(const char *path, json_t *items, struct ml_err *err)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!strcmp(path, "-")) {
		if (buf_read_fd(&b, STDIN_FILENO, K8S_MAX_JSON_BYTES))
			rc = ml_err_set(err, ML_EIO, "stdin: %s",
					strerror(errno));
		else
			rc = load_text(buf_str(&b), b.len, "<stdin>", items,
				       err);
	} else if (buf_read_file(&b, path, K8S_MAX_JSON_BYTES)) {
		rc = ml_err_set(err,
				errno == ENOENT	  ? ML_ENOTFOUND
				: errno == EISDIR ? ML_EINPUT
						  : ML_EIO,
				"%s: %s", path, strerror(errno));
	} else {
		rc = load_text(buf_str(&b), b.len, path, items, err);
	}
	buf_free(&b);
	return rc;
}

/* The last non-empty line of b (kubectl's summary of what went wrong). */
static const char *last_line(struct buf *b)
{
	char *p;

	while (b->len &&
	       (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
		b->data[--b->len] = 0;
	p = b->len ? strrchr(b->data, '\n') : NULL;
	return p ? p + 1 : buf_str(b);
}

static int load_live(const json_t *args, json_t *items, struct ml_err *err)
{
	const char *kubectl = jget_str(args, "kubectl", "kubectl");
	const char *ns = jget_str(args, "namespace", NULL);
	const char *ctx = jget_str(args, "context", NULL);
	const char *argv[12];
	struct proc_opts o = {0};
	struct proc_result r;
	int n = 0, rc;

	if (!proc_have(kubectl))
		return ml_err_set(err, ML_EUNSUPPORTED,
				  "%s not found on PATH: install kubectl, or "
				  "save `kubectl get pods,nodes,events -A -o "
				  "json > cluster.json` and use --from "
				  "cluster.json",
				  kubectl);
	argv[n++] = kubectl;
	argv[n++] = "get";
	argv[n++] = "pods,nodes,events";
	argv[n++] = ns ? "-n" : "-A";
	if (ns)
		argv[n++] = ns;
	if (ctx) {
		argv[n++] = "--context";
		argv[n++] = ctx;
	}
	argv[n++] = "-o";
	argv[n++] = "json";
	argv[n] = NULL;
	o.argv = argv;
	o.timeout_ms = jget_int(args, "timeout", 30000);
	o.cap = K8S_MAX_JSON_BYTES;
	if ((rc = proc_run(&o, &r, err)) != 0)
		return rc;
	if (!r.exited || r.exit_code != 0 || r.out_total > r.out.len) {
		char how[64];
		proc_describe(&r, &o, how, sizeof(how));
		rc = ml_err_set(err, ML_EIO,
				"kubectl get pods,nodes,events: "
				"%s: %.400s",
				how, last_line(&r.err));
	} else {
		rc = load_text(buf_str(&r.out), r.out.len, "kubectl output",
			       items, err);
	}
	proc_result_free(&r);
	return rc;
}

int k8s_load(const json_t *args, json_t **items, struct ml_err *err)
{
	const json_t *from = json_object_get(args, "from"), *f;
	size_t i;
	int rc = 0;

	*items = json_array();
	if (!json_array_size(from))
		rc = load_live(args, *items, err);
	json_array_foreach(from, i,
			   f) if ((rc = load_file(json_string_value(f), *items,
						  err)) != 0) break;
	if (rc) {
		json_decref(*items);
		*items = NULL;
	}
	return rc;
}
