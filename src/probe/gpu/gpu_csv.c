/* gpu_csv.c: nvidia-smi --query-gpu and --query-compute-apps CSV, read by
 * header name (old and new field names, with or without units), from a
 * file or from a live nvidia-smi run. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/out.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"

enum fkind { F_INT, F_NUM, F_STR, F_BOOL, F_MASK, F_BIT, F_IGNORE };

struct field {
	const char *name; /* header name, lower case, without " [unit]" */
	const char *key;  /* record key */
	enum fkind kind;
	int prio; /* a higher value wins when two columns fill a key */
};

static const struct field fields[] = {
    {"index", "index", F_INT, 0},
    {"uuid", "uuid", F_STR, 0},
    {"name", "name", F_STR, 0},
    {"pci.bus_id", "bus_id", F_STR, 0},
    {"gpu_bus_id", "bus_id", F_STR, 0},
    {"driver_version", "driver_version", F_STR, 0},
    {"persistence_mode", "persistence_mode", F_BOOL, 0},
    {"mig.mode.current", "mig_mode", F_STR, 0},
    {"memory.total", "memory_total_mib", F_NUM, 0},
    {"memory.used", "memory_used_mib", F_NUM, 0},
    {"memory.free", "memory_free_mib", F_NUM, 0},
    {"utilization.gpu", "util_gpu_pct", F_NUM, 0},
    {"utilization.memory", "util_memory_pct", F_NUM, 0},
    {"power.draw", "power_draw_w", F_NUM, 1},
    {"power.draw.average", "power_draw_w", F_NUM, 0},
    {"gpu.power.draw.average", "power_draw_w", F_NUM, 0},
    {"power.draw.instant", "power_draw_w", F_NUM, 0},
    {"enforced.power.limit", "power_limit_w", F_NUM, 1},
    {"gpu.power.current_limit", "power_limit_w", F_NUM, 1},
    {"power.limit", "power_limit_w", F_NUM, 0},
    {"gpu.power.requested_limit", "power_limit_w", F_NUM, 0},
    {"temperature.gpu", "temp_c", F_NUM, 0},
    {"clocks.current.sm", "clock_sm_mhz", F_NUM, 0},
    {"clocks.sm", "clock_sm_mhz", F_NUM, 0},
    {"clocks.max.sm", "clock_sm_max_mhz", F_NUM, 0},
    {"clocks.max.sm_clock", "clock_sm_max_mhz", F_NUM, 0},
    {"clocks.current.memory", "clock_mem_mhz", F_NUM, 0},
    {"clocks.mem", "clock_mem_mhz", F_NUM, 0},
    {"clocks_event_reasons.active", "clocks_event_reasons_mask", F_MASK, 1},
    {"clocks_throttle_reasons.active", "clocks_event_reasons_mask", F_MASK, 1},
    {"clocks_event_reasons.supported", NULL, F_IGNORE, 0},
    {"clocks_throttle_reasons.supported", NULL, F_IGNORE, 0},
    {"ecc.errors.corrected.volatile.total", "ecc_corrected_volatile", F_NUM, 0},
    {"ecc.errors.uncorrected.volatile.total", "ecc_uncorrected_volatile", F_NUM,
     0},
    {"retired_pages.pending", "retired_pages_pending", F_BOOL, 0},
    {"remapped_rows.pending", "remapped_rows_pending", F_BOOL, 0},
    {"remapped_rows.failure", "remapped_rows_failure", F_BOOL, 0},
    {NULL, NULL, 0, 0}};

/* A column of the header: the field it fills (or NULL) and, for one
 * reason flag column, its bit. */
struct col {
	const struct field *f;
	uint64_t bit;
	char *name; /* cleaned header text, for messages */
};

/* Splits text into lines in place; returns the count. Lines are the
 * NUL-terminated pieces; \r before \n is dropped. */
static size_t split_lines(char *text, char ***lines)
{
	size_t n = 0, cap = 16;
	char *p = text;

	*lines = xmalloc(cap * sizeof(char *));
	while (*p) {
		char *nl = strchr(p, '\n');
		if (n == cap)
			*lines = xrealloc(*lines, (cap *= 2) * sizeof(char *));
		(*lines)[n++] = p;
		if (!nl)
			break;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

/* Splits a line at commas in place; returns the cell count. */
static size_t split_cells(char *line, char ***cells)
{
	size_t n = 1;
	char *p;

	for (p = line; *p; p++)
		n += *p == ',';
	*cells = xmalloc(n * sizeof(char *));
	n = 0;
	(*cells)[n++] = line;
	for (p = line; *p; p++)
		if (*p == ',') {
			*p = '\0';
			(*cells)[n++] = p + 1;
		}
	return n;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Header text to the lookup form: trimmed, lower case, " [unit]" cut. */
static char *header_key(const char *cell)
{
	char *k = gpu_text_clean(cell, strlen(cell)), *br = strchr(k, '[');
	size_t n;

	if (br)
		*br = '\0';
	n = strlen(k);
	while (n && k[n - 1] == ' ')
		k[--n] = '\0';
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

static void map_column(const char *key, struct col *c)
{
	static const char *const prefixes[] = {
	    "clocks_event_reasons.", "clocks_throttle_reasons.", NULL};
	static const struct field bitf = {"", "clocks_event_reasons_mask",
					  F_BIT, 0};

	c->f = NULL;
	c->bit = 0;
	for (const struct field *f = fields; f->name; f++)
		if (!strcmp(f->name, key)) {
			c->f = f;
			return;
		}
	for (int i = 0; prefixes[i]; i++)
		if (str_starts(key, prefixes[i]) &&
		    (c->bit = gpu_reason_bit_of(key + strlen(prefixes[i])))) {
			c->f = &bitf;
			return;
		}
}

static void cols_free(struct col *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cols[i].name);
	free(cols);
}

static int bad_value(struct ml_err *err, const char *name, int line,
		     const struct col *c, const char *cell, const char *want)
{
	char *v = gpu_text_clean(cell, strlen(cell));
	int rc = ml_err_at(err, ML_EINPUT, name, line, 0,
			   "column `%s`: expected %s, got `%.60s`", c->name,
			   want, v);
	free(v);
	return rc;
}

/* Stores one cell into rec according to its column. */
static int apply_cell(json_t *rec, const struct col *c, const char *cell,
		      const char *name, int line, struct ml_err *err)
{
	const struct field *f = c->f;
	json_t *cur = json_object_get(rec, f->key);
	enum gpu_val v;
	uint64_t mask;
	double d;
	int b;

	switch (f->kind) {
	case F_STR:
		if (gpu_parse_num(cell, &d) != GPU_VAL_NA)
			gpu_set_text(rec, f->key, cell, strlen(cell));
		return 0;
	case F_INT:
	case F_NUM:
		v = gpu_parse_num(cell, &d);
		if (v == GPU_VAL_BAD || (f->kind == F_INT && v == GPU_VAL_OK &&
					 (d < 0 || d > 1e9 || d != (long)d)))
			return bad_value(err, name, line, c, cell, "a number");
		if (v == GPU_VAL_OK)
			gpu_set_num(rec, f->key, d);
		return 0;
	case F_BOOL:
		v = gpu_parse_bool(cell, &b);
		if (v == GPU_VAL_BAD)
			return bad_value(err, name, line, c, cell,
					 "Enabled/Disabled or Yes/No");
		if (v == GPU_VAL_OK)
			json_object_set_new(rec, f->key, json_boolean(b));
		return 0;
	case F_MASK:
		v = gpu_parse_mask(cell, &mask);
		if (v == GPU_VAL_BAD)
			return bad_value(
			    err, name, line, c, cell,
			    "a hex bitmask like 0x0000000000000001");
		if (v == GPU_VAL_OK)
			json_object_set_new(rec, f->key,
					    json_integer((json_int_t)mask));
		return 0;
	case F_BIT:
		v = gpu_parse_bool(cell, &b);
		if (v == GPU_VAL_BAD)
			return bad_value(err, name, line, c, cell,
					 "Active or Not Active");
		if (v == GPU_VAL_OK) {
			mask = json_is_integer(cur)
				   ? (uint64_t)json_integer_value(cur)
				   : 0;
			mask = b ? mask | c->bit : mask & ~c->bit;
			json_object_set_new(rec, f->key,
					    json_integer((json_int_t)mask));
		}
		return 0;
	case F_IGNORE:
		return 0;
	}
	return 0;
}

/* Parses one data row into a new record appended to gpus. */
static int parse_row(char *line, int lineno, const struct col *cols,
		     size_t ncols, const char *name, json_t *gpus,
		     struct ml_err *err)
{
	char **cells;
	size_t n = split_cells(line, &cells);
	json_t *rec;
	int rc = 0;

	if (n != ncols) {
		free(cells);
		return ml_err_at(err, ML_EINPUT, name, lineno, 0,
				 "expected %zu comma-separated values as in "
				 "the header, got %zu (truncated line?)",
				 ncols, n);
	}
	rec = gpu_record_new();
	/* Two passes so that a preferred column (prio 1) wins. */
	for (int prio = 0; prio <= 1 && !rc; prio++)
		for (size_t i = 0; i < ncols && !rc; i++)
			if (cols[i].f && cols[i].f->prio == prio)
				rc = apply_cell(rec, &cols[i], cells[i], name,
						lineno, err);
	free(cells);
	if (rc) {
		json_decref(rec);
		return rc;
	}
	if (json_is_null(json_object_get(rec, "index")))
		json_object_set_new(
		    rec, "index",
		    json_integer((json_int_t)json_array_size(gpus)));
	gpu_record_finish(rec);
	json_array_append_new(gpus, rec);
	return 0;
}

/* Maps the header cells to columns. Returns the number of known columns;
 * unknown names go to *ignored. */
static size_t map_header(char *line, struct col **cols, size_t *ncols,
			 json_t *ignored)
{
	char **cells;
	size_t n = split_cells(line, &cells), known = 0;

	*cols = xcalloc(n, sizeof(struct col));
	for (size_t i = 0; i < n; i++) {
		char *k = header_key(cells[i]);
		map_column(k, &(*cols)[i]);
		(*cols)[i].name = k;
		if ((*cols)[i].f)
			known++;
		else if (ignored && *k)
			json_array_append_new(ignored, json_string(k));
	}
	*ncols = n;
	free(cells);
	return known;
}

/* Nonzero when the header is a --query-compute-apps one. */
static int is_apps_header(const struct col *cols, size_t n)
{
	int pid = 0;

	for (size_t i = 0; i < n; i++)
		pid |= !strcmp(cols[i].name, "pid");
	return pid;
}

int gpu_csv_parse(const char *text, size_t len, const char *name,
		  const char *header_names, struct gpu_read *out,
		  struct ml_err *err)
{
	char *copy = xmalloc(len + 1), *hdr = NULL, **lines;
	size_t nlines, ncols = 0, first = 0, known;
	struct col *cols = NULL;
	int rc = 0;

	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len)) {
		free(copy);
		return ml_err_at(err, ML_EINPUT, name, 0, 0,
				 "binary data (NUL bytes): not nvidia-smi "
				 "CSV output");
	}
	out->gpus = json_array();
	out->ignored = json_array();
	out->kind = header_names ? "smi" : "csv";
	nlines = split_lines(copy, &lines);
	while (first < nlines && blank(lines[first]))
		first++;
	if (header_names) {
		hdr = xstrdup(header_names);
	} else if (first < nlines) {
		hdr = lines[first++];
	}
	if (!hdr) {
		rc = ml_err_at(err, ML_EINPUT, name, 0, 0,
			       "empty input: expected nvidia-smi "
			       "--query-gpu CSV with a header line");
		goto out;
	}
	known = map_header(hdr, &cols, &ncols, out->ignored);
	if (is_apps_header(cols, ncols)) {
		rc = ml_err_at(err, ML_EINPUT, name, (int)first, 0,
			       "this is --query-compute-apps output; pass it "
			       "as --apps next to a --query-gpu file");
		goto out;
	}
	if (known == 0) {
		rc = ml_err_at(err, ML_EINPUT, name, (int)first, 0,
			       "no header line with known nvidia-smi "
			       "--query-gpu field names (index, uuid, "
			       "memory.used, ...); record it with "
			       "--format=csv, not csv,noheader");
		goto out;
	}
	for (size_t i = first; i < nlines && !rc; i++)
		if (!blank(lines[i]))
			rc = parse_row(lines[i], (int)i + 1, cols, ncols, name,
				       out->gpus, err);
	if (!rc && json_array_size(out->gpus) > 0) {
		const char *d = jget_str(json_array_get(out->gpus, 0),
					 "driver_version", NULL);
		out->driver = xstrdup(d);
	}
out:
	if (header_names)
		free(hdr);
	cols_free(cols, ncols);
	free(lines);
	free(copy);
	if (rc)
		gpu_read_free(out);
	return rc;
}

/* The record in gpus whose uuid or bus_id equals id, or NULL. */
static json_t *find_gpu(json_t *gpus, const char *id)
{
	size_t i;
	json_t *g;

	json_array_foreach(gpus, i, g)
	{
		const char *u = jget_str(g, "uuid", NULL);
		const char *b = jget_str(g, "bus_id", NULL);
		if ((u && !strcasecmp(u, id)) || (b && !strcasecmp(b, id)))
			return g;
	}
	return NULL;
}

/* Column positions of a compute-apps header (-1: absent). */
struct apps_cols {
	int gpu, pid, pname, mem;
};

static int apps_row(char *line, int lineno, const struct apps_cols *ac,
		    size_t ncols, const char *name, json_t *gpus,
		    struct ml_err *err)
{
	char **cells;
	size_t n = split_cells(line, &cells);
	json_t *g, *p;
	double pid = -1, mem = 0;
	enum gpu_val v = GPU_VAL_NA;
	char *id;

	if (n != ncols) {
		free(cells);
		return ml_err_at(err, ML_EINPUT, name, lineno, 0,
				 "expected %zu comma-separated values as in "
				 "the header, got %zu (truncated line?)",
				 ncols, n);
	}
	if (gpu_parse_num(cells[ac->pid], &pid) == GPU_VAL_BAD ||
	    (ac->mem >= 0 &&
	     (v = gpu_parse_num(cells[ac->mem], &mem)) == GPU_VAL_BAD)) {
		free(cells);
		return ml_err_at(err, ML_EINPUT, name, lineno, 0,
				 "pid and used_gpu_memory must be numbers");
	}
	id = gpu_text_clean(cells[ac->gpu], strlen(cells[ac->gpu]));
	g = find_gpu(gpus, id);
	if (g) {
		p = json_object();
		gpu_set_num(p, "pid", pid);
		if (ac->pname >= 0)
			gpu_set_text(p, "name", cells[ac->pname],
				     strlen(cells[ac->pname]));
		else
			json_object_set_new(p, "name", json_null());
		if (ac->mem >= 0 && v == GPU_VAL_OK)
			gpu_set_num(p, "used_memory_mib", mem);
		else
			json_object_set_new(p, "used_memory_mib", json_null());
		json_array_append_new(json_object_get(g, "processes"), p);
	}
	free(id);
	free(cells);
	return 0;
}

/* Finds the compute-apps columns in a header. */
static int apps_header(char *line, struct apps_cols *ac, size_t *ncols)
{
	char **cells;
	size_t n = split_cells(line, &cells);

	ac->gpu = ac->pid = ac->pname = ac->mem = -1;
	for (size_t i = 0; i < n; i++) {
		char *k = header_key(cells[i]);
		if (!strcmp(k, "gpu_uuid") ||
		    (ac->gpu < 0 && !strcmp(k, "gpu_bus_id")))
			ac->gpu = (int)i;
		else if (!strcmp(k, "pid"))
			ac->pid = (int)i;
		else if (!strcmp(k, "process_name") || !strcmp(k, "name"))
			ac->pname = (int)i;
		else if (!strcmp(k, "used_gpu_memory") ||
			 !strcmp(k, "used_memory"))
			ac->mem = (int)i;
		free(k);
	}
	free(cells);
	*ncols = n;
	return ac->gpu >= 0 && ac->pid >= 0 ? 0 : -1;
}

int gpu_csv_apps(const char *text, size_t len, const char *name,
		 const char *header_names, json_t *gpus, struct ml_err *err)
{
	char *copy = xmalloc(len + 1), *hdr = NULL, **lines;
	size_t nlines, ncols = 0, first = 0;
	struct apps_cols ac = {-1, -1, -1, -1};
	int rc = 0;

	memcpy(copy, text, len);
	copy[len] = '\0';
	nlines = split_lines(copy, &lines);
	while (first < nlines && blank(lines[first]))
		first++;
	if (header_names)
		hdr = xstrdup(header_names);
	else if (first < nlines)
		hdr = lines[first++];
	if (memchr(text, '\0', len) || !hdr || apps_header(hdr, &ac, &ncols))
		rc = ml_err_at(err, ML_EINPUT, name, (int)first, 0,
			       "expected nvidia-smi --query-compute-apps CSV "
			       "with a header naming gpu_uuid (or gpu_bus_id) "
			       "and pid");
	for (size_t i = first; i < nlines && !rc; i++)
		if (!blank(lines[i]))
			rc = apps_row(lines[i], (int)i + 1, &ac, ncols, name,
				      gpus, err);
	if (header_names)
		free(hdr);
	free(lines);
	free(copy);
	return rc;
}

/* Field lists for live queries: the current names, then the names that
 * drivers before R535 use. The order matches query-gpu.csv fixtures. */
static const char *const smi_fields[] = {
    "index,uuid,name,pci.bus_id,driver_version,persistence_mode,"
    "memory.total,memory.used,memory.free,utilization.gpu,"
    "utilization.memory,power.draw,enforced.power.limit,clocks.current.sm,"
    "clocks.current.memory,temperature.gpu,"
    "ecc.errors.corrected.volatile.total,"
    "ecc.errors.uncorrected.volatile.total,clocks_event_reasons.active,"
    "mig.mode.current,retired_pages.pending,remapped_rows.pending,"
    "remapped_rows.failure,clocks.max.sm",
    "index,uuid,name,pci.bus_id,driver_version,persistence_mode,"
    "memory.total,memory.used,memory.free,utilization.gpu,"
    "utilization.memory,power.draw,enforced.power.limit,clocks.sm,clocks.mem,"
    "temperature.gpu,ecc.errors.corrected.volatile.total,"
    "ecc.errors.uncorrected.volatile.total,"
    "clocks_throttle_reasons.active,mig.mode.current,"
    "retired_pages.pending,remapped_rows.pending,remapped_rows.failure,"
    "clocks.max.sm",
    NULL};

static const char apps_fields[] = "gpu_uuid,pid,process_name,used_gpu_memory";

/* Runs nvidia-smi with one --query-... argument; fills r. */
static int smi_run(const char *query, const char *fields_list,
		   struct proc_result *r, struct ml_err *err)
{
	char *q = xmalloc(strlen(query) + strlen(fields_list) + 2);
	const char *argv[] = {"nvidia-smi", q, "--format=csv,noheader,nounits",
			      NULL};
	struct proc_opts o = {0};
	int rc;

	sprintf(q, "%s=%s", query, fields_list);
	o.argv = argv;
	o.timeout_ms = 30000;
	o.cap = 16 * 1024 * 1024;
	rc = proc_run(&o, r, err);
	free(q);
	return rc;
}

static int smi_fail(const struct proc_result *r, struct ml_err *err)
{
	char *msg = gpu_text_clean(buf_str(&r->err), r->err.len);
	int rc;

	if (r->timed_out)
		rc = ml_err_set(err, ML_ETIMEOUT,
				"nvidia-smi timed out after "
				"30s (GPU hung or driver stuck?)");
	else
		rc = ml_err_set(err, ML_EIO,
				"nvidia-smi failed (exit %d): %.300s",
				r->exited ? r->exit_code : -1,
				*msg ? msg : buf_str(&r->out));
	free(msg);
	return rc;
}

int gpu_smi_read(struct gpu_read *out, struct ml_err *err)
{
	struct proc_result r;
	int rc = 0, i;

	for (i = 0; smi_fields[i]; i++) {
		if ((rc = smi_run("--query-gpu", smi_fields[i], &r, err)) != 0)
			return rc;
		if (r.exited && r.exit_code == 0)
			break;
		/* Older drivers refuse the new names: try the old ones. */
		if (!smi_fields[i + 1] ||
		    (!strstr(buf_str(&r.out), "valid field") &&
		     !strstr(buf_str(&r.err), "valid field"))) {
			rc = smi_fail(&r, err);
			proc_result_free(&r);
			return rc;
		}
		proc_result_free(&r);
	}
	rc = gpu_csv_parse(buf_str(&r.out), r.out.len, "nvidia-smi --query-gpu",
			   smi_fields[i], out, err);
	proc_result_free(&r);
	if (rc)
		return rc;
	out->kind = "smi";
	if (smi_run("--query-compute-apps", apps_fields, &r, err) == 0 &&
	    r.exited && r.exit_code == 0)
		rc = gpu_csv_apps(buf_str(&r.out), r.out.len,
				  "nvidia-smi --query-compute-apps",
				  apps_fields, out->gpus, err);
	proc_result_free(&r);
	if (rc)
		gpu_read_free(out);
	return rc;
}
