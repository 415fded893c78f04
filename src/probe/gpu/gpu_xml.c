/* gpu_xml.c: `nvidia-smi -q -x` XML (nvsmi_device_v1x.dtd) read with
 * libxml2 into GPU records. Field names of older and newer drivers are
 * both accepted (power_readings vs gpu_power_readings, clocks_throttle_
 * vs clocks_event_reasons, ECC single/double bit vs SRAM/DRAM). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"

enum xkind { X_STR, X_NUM, X_BOOL };

struct xfield {
	const char *key;
	enum xkind kind;
	const char *paths[5]; /* alternatives, first present wins */
};

static const struct xfield xfields[] = {
    {"name", X_STR, {"product_name"}},
    {"uuid", X_STR, {"uuid"}},
    {"persistence_mode", X_BOOL, {"persistence_mode"}},
    {"mig_mode", X_STR, {"mig_mode/current_mig"}},
    {"memory_total_mib", X_NUM, {"fb_memory_usage/total"}},
    {"memory_used_mib", X_NUM, {"fb_memory_usage/used"}},
    {"memory_free_mib", X_NUM, {"fb_memory_usage/free"}},
    {"util_gpu_pct", X_NUM, {"utilization/gpu_util"}},
    {"util_memory_pct", X_NUM, {"utilization/memory_util"}},
    {"power_draw_w",
     X_NUM,
     {"gpu_power_readings/power_draw", "gpu_power_readings/average_power_draw",
      "gpu_power_readings/instant_power_draw", "power_readings/power_draw"}},
    {"power_limit_w",
     X_NUM,
     {"gpu_power_readings/current_power_limit",
      "gpu_power_readings/enforced_power_limit",
      "power_readings/enforced_power_limit", "power_readings/power_limit"}},
    {"temp_c", X_NUM, {"temperature/gpu_temp"}},
    {"clock_sm_mhz", X_NUM, {"clocks/sm_clock"}},
    {"clock_sm_max_mhz", X_NUM, {"max_clocks/sm_clock"}},
    {"clock_mem_mhz", X_NUM, {"clocks/mem_clock"}},
    {"retired_pages_pending",
     X_BOOL,
     {"retired_pages/pending_retirement", "retired_pages/pending_blacklist"}},
    {"remapped_rows_pending",
     X_BOOL,
     {"remapped_rows/remapped_row_pending", "remapped_rows/pending"}},
    {"remapped_rows_failure",
     X_BOOL,
     {"remapped_rows/remapped_row_failure",
      "remapped_rows/remapping_failure_occurred"}},
    {NULL, 0, {NULL}}};

/* First element child of n called name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)c->name, name))
			return c;
	return NULL;
}

/* Follows "a/b/c" from n. */
static xmlNode *path(const xmlNode *n, const char *p)
{
	char *copy = xstrdup(p), *save = NULL;
	xmlNode *cur = (xmlNode *)n;

	for (char *t = strtok_r(copy, "/", &save); t && cur;
	     t = strtok_r(NULL, "/", &save))
		cur = child(cur, t);
	free(copy);
	return cur;
}

/* Text content of n (caller frees) or NULL. */
static char *text(const xmlNode *n)
{
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	char *s;

	if (!c)
		return NULL;
	s = xstrdup((const char *)c);
	xmlFree(c);
	return s;
}

static int bad(struct ml_err *err, const char *name, const xmlNode *n,
	       const char *v, const char *want)
{
	char *c = gpu_text_clean(v, strlen(v));
	int rc = ml_err_at(err, ML_EINPUT, name, (int)xmlGetLineNo(n), 0,
			   "<%s>: expected %s, got `%.60s`",
			   (const char *)n->name, want, c);
	free(c);
	return rc;
}

/* Sets rec[key] from node n according to kind. */
static int set_from(json_t *rec, const char *key, enum xkind kind,
		    const xmlNode *n, const char *name, struct ml_err *err)
{
	char *v = text(n);
	enum gpu_val r;
	double d;
	int b, rc = 0;

	if (!v)
		return 0;
	switch (kind) {
	case X_STR:
		if (gpu_parse_num(v, &d) != GPU_VAL_NA)
			gpu_set_text(rec, key, v, strlen(v));
		break;
	case X_NUM:
		r = gpu_parse_num(v, &d);
		if (r == GPU_VAL_BAD)
			rc = bad(err, name, n, v, "a number");
		else if (r == GPU_VAL_OK)
			gpu_set_num(rec, key, d);
		break;
	case X_BOOL:
		r = gpu_parse_bool(v, &b);
		if (r == GPU_VAL_BAD)
			rc = bad(err, name, n, v, "Enabled/Disabled or Yes/No");
		else if (r == GPU_VAL_OK)
			json_object_set_new(rec, key, json_boolean(b));
		break;
	}
	free(v);
	return rc;
}

/* Decodes <clocks_event_reasons> (or the older throttle form). */
static int read_reasons(const xmlNode *gpu, json_t *rec, const char *name,
			struct ml_err *err)
{
	static const char *const sect[] = {"clocks_event_reasons",
					   "clocks_throttle_reasons", NULL};
	static const char *const pre[] = {"clocks_event_reason_",
					  "clocks_throttle_reason_", NULL};
	uint64_t mask = 0;
	int any = 0;

	for (int s = 0; sect[s]; s++) {
		xmlNode *sec = child(gpu, sect[s]);
		for (xmlNode *c = sec ? sec->children : NULL; c; c = c->next) {
			const char *en = (const char *)c->name;
			uint64_t bit = 0;
			char *v;
			int b;
			enum gpu_val r;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			for (int p = 0; pre[p] && !bit; p++)
				if (str_starts(en, pre[p]))
					bit = gpu_reason_bit_of(en +
								strlen(pre[p]));
			if (!bit)
				continue;
			v = text(c);
			r = gpu_parse_bool(v ? v : "", &b);
			if (r == GPU_VAL_BAD) {
				int rc = bad(err, name, c, v,
					     "Active or Not Active");
				free(v);
				return rc;
			}
			free(v);
			if (r == GPU_VAL_OK) {
				any = 1;
				mask |= b ? bit : 0;
			}
		}
	}
	if (any)
		json_object_set_new(rec, "clocks_event_reasons_mask",
				    json_integer((json_int_t)mask));
	return 0;
}

/* Sums the named counters under sec; *known set when any was a number. */
static int sum_counters(const xmlNode *sec, const char *const *names,
			double *sum, int *known, const char *name,
			struct ml_err *err)
{
	for (int i = 0; names[i]; i++) {
		xmlNode *n = child(sec, names[i]);
		char *v = text(n);
		double d;
		enum gpu_val r;

		if (!v)
			continue;
		r = gpu_parse_num(v, &d);
		if (r == GPU_VAL_BAD) {
			int rc = bad(err, name, n, v, "a number");
			free(v);
			return rc;
		}
		free(v);
		if (r == GPU_VAL_OK) {
			*sum += d;
			*known = 1;
		}
	}
	return 0;
}

/* Volatile ECC counts: SRAM+DRAM (R525+) or single/double bit totals. */
static int read_ecc(const xmlNode *gpu, json_t *rec, const char *name,
		    struct ml_err *err)
{
	static const char *const corr[] = {"sram_correctable",
					   "dram_correctable", NULL};
	static const char *const unc[] = {
	    "sram_uncorrectable_parity", "sram_uncorrectable_secded",
	    "sram_uncorrectable", "dram_uncorrectable", NULL};
	static const char *const total[] = {"total", NULL};
	xmlNode *vol = path(gpu, "ecc_errors/volatile");
	double c = 0, u = 0;
	int kc = 0, ku = 0, rc;

	if (!vol)
		return 0;
	if ((rc = sum_counters(vol, corr, &c, &kc, name, err)) ||
	    (rc = sum_counters(vol, unc, &u, &ku, name, err)) ||
	    (rc = sum_counters(child(vol, "single_bit"), total, &c, &kc, name,
			       err)) ||
	    (rc = sum_counters(child(vol, "double_bit"), total, &u, &ku, name,
			       err)))
		return rc;
	if (kc)
		gpu_set_num(rec, "ecc_corrected_volatile", c);
	if (ku)
		gpu_set_num(rec, "ecc_uncorrected_volatile", u);
	return 0;
}

static int read_processes(const xmlNode *gpu, json_t *rec, const char *name,
			  struct ml_err *err)
{
	xmlNode *procs = child(gpu, "processes");
	json_t *arr = json_object_get(rec, "processes");

	for (xmlNode *c = procs ? procs->children : NULL; c; c = c->next) {
		json_t *p;
		int rc;

		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "process_info"))
			continue;
		p = json_pack("{s:n, s:n, s:n}", "pid", "name",
			      "used_memory_mib");
		if ((rc = set_from(p, "pid", X_NUM, child(c, "pid"), name,
				   err)) ||
		    (rc = set_from(p, "name", X_STR, child(c, "process_name"),
				   name, err)) ||
		    (rc = set_from(p, "used_memory_mib", X_NUM,
				   child(c, "used_memory"), name, err))) {
			json_decref(p);
			return rc;
		}
		json_array_append_new(arr, p);
	}
	return 0;
}

/* One <gpu> element to a record. */
static int read_gpu(const xmlNode *gpu, size_t index, const char *driver,
		    const char *name, json_t **out, struct ml_err *err)
{
	json_t *rec = gpu_record_new();
	xmlChar *id = xmlGetProp(gpu, (const xmlChar *)"id");
	int rc = 0;

	json_object_set_new(rec, "index", json_integer((json_int_t)index));
	if (id) {
		gpu_set_text(rec, "bus_id", (const char *)id,
			     strlen((const char *)id));
		xmlFree(id);
	} else {
		rc = set_from(rec, "bus_id", X_STR, path(gpu, "pci/pci_bus_id"),
			      name, err);
	}
	if (driver)
		gpu_set_text(rec, "driver_version", driver, strlen(driver));
	for (const struct xfield *f = xfields; f->key && !rc; f++) {
		xmlNode *n = NULL;
		for (int i = 0; f->paths[i] && !n; i++)
			n = path(gpu, f->paths[i]);
		rc = set_from(rec, f->key, f->kind, n, name, err);
	}
	if (!rc)
		rc = read_reasons(gpu, rec, name, err);
	if (!rc)
		rc = read_ecc(gpu, rec, name, err);
	if (!rc)
		rc = read_processes(gpu, rec, name, err);
	if (rc) {
		json_decref(rec);
		return rc;
	}
	gpu_record_finish(rec);
	*out = rec;
	return 0;
}

static int parse_error(xmlParserCtxtPtr ctxt, const char *name,
		       struct ml_err *err)
{
	xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
	char *msg;
	int rc;

	if (!e || !e->message)
		return ml_err_at(err, ML_EINPUT, name, 0, 0,
				 "not well-formed XML");
	msg = gpu_text_clean(e->message, strcspn(e->message, "\n"));
	rc = ml_err_at(err, ML_EINPUT, name, e->line, e->int2,
		       "not well-formed XML (truncated?): %s", msg);
	free(msg);
	return rc;
}

/* Walks a parsed document. */
static int read_doc(xmlDocPtr doc, const char *name, struct gpu_read *out,
		    struct ml_err *err)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	size_t index = 0;
	int rc = 0;

	if (!root || strcmp((const char *)root->name, "nvidia_smi_log"))
		return ml_err_at(
		    err, ML_EINPUT, name, root ? (int)xmlGetLineNo(root) : 0, 0,
		    "root element is <%s>, expected <nvidia_smi_log> "
		    "(output of nvidia-smi -q -x)",
		    root ? (const char *)root->name : "none");
	out->driver = text(child(root, "driver_version"));
	if (out->driver) {
		char *c = gpu_text_clean(out->driver, strlen(out->driver));
		free(out->driver);
		out->driver = c;
	}
	for (xmlNode *c = root->children; c && !rc; c = c->next) {
		json_t *rec = NULL;
		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "gpu"))
			continue;
		rc = read_gpu(c, index++, out->driver, name, &rec, err);
		if (!rc)
			json_array_append_new(out->gpus, rec);
	}
	return rc;
}

int gpu_xml_parse(const char *text_in, size_t len, const char *name,
		  struct gpu_read *out, struct ml_err *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int rc;

	if (len > INT_MAX)
		return ml_err_at(err, ML_EINPUT, name, 0, 0, "XML too large");
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return ml_err_set(err, ML_ENOMEM, "libxml2: out of memory");
	doc = xmlCtxtReadMemory(ctxt, text_in, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOBLANKS | XML_PARSE_COMPACT |
				    XML_PARSE_NOWARNING);
	if (!doc) {
		rc = parse_error(ctxt, name, err);
		xmlFreeParserCtxt(ctxt);
		return rc;
	}
	out->gpus = json_array();
	out->kind = "xml";
	rc = read_doc(doc, name, out, err);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc)
		gpu_read_free(out);
	return rc;
}
