/* file.c: the `file` probe: a JSON or YAML file (or stdin) as facts. Its
 * top-level keys become facts as they are, so a runbook can read a status
 * file a job writes (`disk.used_pct`) or replay facts recorded earlier.
 * Read-only. Schema: docs/probes/file.md. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/out.h"
#include "core/ydoc.h"
#include "probe/probe.h"

/* Parses text as JSON (when it starts with { or [) or YAML. */
static int parse(const char *text, size_t len, const char *name, json_t **out,
		 struct ml_err *err)
{
	size_t i = 0;

	*out = NULL;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len)
		return ml_err_at(err, ML_EINPUT, name, 1, 1,
				 "empty file: expected a JSON or YAML mapping");
	if (text[i] == '{' || text[i] == '[') {
		json_error_t je;
		*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (!*out)
			return ml_err_at(err, ML_EINPUT, name, je.line,
					 je.column, "invalid JSON: %s",
					 je.text);
		return 0;
	} else {
		struct ydoc doc = {0};
		int rc = ydoc_load_string(text, len, name, &doc, err);
		if (rc) {
			ydoc_free(&doc); /* the doc keeps its name on error */
			return rc;
		}
		*out = doc.root ? ydoc_to_json(doc.root) : NULL;
		ydoc_free(&doc);
		if (!*out)
			return ml_err_at(err, ML_EINPUT, name, 1, 1,
					 "empty document: expected a mapping");
		return 0;
	}
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", NULL);
	struct buf b = BUF_INIT;
	json_t *data = NULL;
	int rc;

	*facts = NULL;
	if (!from)
		return ml_err_set(err, ML_EUSAGE, "probe file needs `from`");
	rc = !strcmp(from, "-")
		 ? buf_read_fd(&b, STDIN_FILENO, ML_MAX_CONFIG_BYTES)
		 : buf_read_file(&b, from, ML_MAX_CONFIG_BYTES);
	if (rc != 0) {
		int e = errno;
		buf_free(&b);
		return ml_err_set(err, e == ENOENT ? ML_ENOTFOUND : ML_EINPUT,
				  "%s: %s", from,
				  e == EFBIG ? "file too large" : strerror(e));
	}
	rc = parse(buf_str(&b), b.len, !strcmp(from, "-") ? "<stdin>" : from,
		   &data, err);
	buf_free(&b);
	if (rc)
		return rc;
	if (!json_is_object(data)) {
		json_decref(data);
		return ml_err_at(
		    err, ML_EINPUT, from, 1, 1,
		    "expected a mapping of facts at the top level");
	}
	*facts = probe_facts_new("file");
	json_object_update(*facts, data);
	json_decref(data);
	if (!json_is_array(json_object_get(*facts, "reasons")))
		json_object_set_new(*facts, "reasons", json_array());
	if (!json_is_string(json_object_get(*facts, "verdict")))
		jset_str(*facts, "verdict", "healthy");
	return 0;
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH, "JSON or YAML file to read (- for stdin)", NULL, 1, 1},
    {0}};

const struct probe_def probe_file = {
    .name = "file",
    .summary = "a JSON or YAML file as facts",
    .help = "The file's top-level mapping becomes the facts, key by key. A\n"
	    "`verdict` and `reasons` in the file are kept, so facts recorded\n"
	    "from another probe can be replayed.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check file status.json\n"
	    "  kubectl get node n1 -o json | mloncall check file - -o json\n"
	    "  # in a runbook:\n"
	    "  - probe: file\n"
	    "    with: { from: /var/run/trainer/status.yaml }\n"
	    "    as: trainer\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
};
