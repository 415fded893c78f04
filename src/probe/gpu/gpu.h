/* gpu.h: internals of the `gpu` probe shared by its files: the normalised
 * per-GPU record (a JSON object with a fixed set of keys, see
 * docs/probes/gpu.md), the readers that fill it (nvidia-smi CSV, nvidia-smi
 * -q -x XML, NVML through dlopen), value parsing, thresholds and the
 * verdict rules. Not used outside src/probe/gpu*.c and xid*.c. */
#ifndef ML_PROBE_GPU_H
#define ML_PROBE_GPU_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Clock event reasons (nvml.h nvmlClocksEventReason* bits) and the names
 * used in facts; the XML and CSV field names are these names with a
 * clocks_event_reason(s)_ / clocks_throttle_reason(s)_ prefix. */
struct gpu_reason_bit {
	uint64_t bit;
	const char *name;
	int slowdown; /* 1: a thermal/HW slowdown the verdict reports */
};

/* The table, terminated by a {0, NULL, 0} entry. */
const struct gpu_reason_bit *gpu_reason_bits(void);

/* The bit for a reason name ("hw_slowdown"), or 0 when unknown. */
uint64_t gpu_reason_bit_of(const char *name);

/* A JSON array of the names of the bits set in mask (new reference). Bits
 * not in the table are named "unknown_0x..." so nothing is hidden. */
json_t *gpu_reason_names(uint64_t mask);

/* Result of parsing one nvidia-smi value. */
enum gpu_val { GPU_VAL_OK = 0, GPU_VAL_NA = 1, GPU_VAL_BAD = -1 };

/* Parses a number as nvidia-smi prints it: "81559", "81559 MiB",
 * "116.93 W", "100 %", "0x0000000000000001" (hex, for bitmasks). "[N/A]",
 * "N/A", "[Not Supported]", any "[...]" and the empty string give
 * GPU_VAL_NA. Anything else, or a non-finite value, gives GPU_VAL_BAD. */
enum gpu_val gpu_parse_num(const char *s, double *out);

/* Parses a hex bitmask "0x0000000000000001" exactly; N/A forms give
 * GPU_VAL_NA. */
enum gpu_val gpu_parse_mask(const char *s, uint64_t *out);

/* Parses "Enabled"/"Disabled", "Yes"/"No", "Active"/"Not Active",
 * "On"/"Off" into 1/0; N/A forms give GPU_VAL_NA; else GPU_VAL_BAD. */
enum gpu_val gpu_parse_bool(const char *s, int *out);

/* Copies s (n bytes) into a new string with invalid UTF-8 bytes and
 * control characters replaced by '?', trimmed of surrounding blanks.
 * Caller frees. Never NULL. */
char *gpu_text_clean(const char *s, size_t n);

/* A new GPU record with every documented key present and null, in the
 * documented order; "processes" and "clocks_event_reasons" start empty. */
json_t *gpu_record_new(void);

/* Sets key to v as an integer when v is integral, else as a real rounded
 * to 2 decimals. */
void gpu_set_num(json_t *rec, const char *key, double v);

/* Sets key to a cleaned string (see gpu_text_clean). */
void gpu_set_text(json_t *rec, const char *key, const char *s, size_t n);

/* Fills the derived keys of a record: memory_used_pct from used/total,
 * clocks_event_reasons names from clocks_event_reasons_mask. */
void gpu_record_finish(json_t *rec);

/* Which reader produced the records. */
struct gpu_read {
	json_t *gpus;	  /* array of records (owned) */
	json_t *ignored;  /* array of column names not understood, or NULL */
	const char *kind; /* "csv", "xml", "nvml", "smi" */
	char *driver;	  /* driver version when the source gives it */
	json_t *problems; /* strings: the live source answered with an
			     error (GPU lost, driver down), or NULL */
};

void gpu_read_free(struct gpu_read *r);

/* Parses nvidia-smi --query-gpu CSV text (with a header line, by header
 * name; units in the header and values are accepted). With header_names
 * non-NULL the text has no header and these comma-separated names are
 * used (live mode, noheader). name is used in errors (file:line). A file
 * whose header is a --query-compute-apps one is refused with a hint. */
int gpu_csv_parse(const char *text, size_t len, const char *name,
		  const char *header_names, struct gpu_read *out,
		  struct ml_err *err);

/* Parses --query-compute-apps CSV (gpu_uuid or gpu_bus_id, pid,
 * process_name, used_gpu_memory; header required unless header_names is
 * given) and appends each process to the matching record of gpus. */
int gpu_csv_apps(const char *text, size_t len, const char *name,
		 const char *header_names, json_t *gpus, struct ml_err *err);

/* Runs nvidia-smi --query-gpu (new field names, then the pre-535 names if
 * the driver refuses them) and --query-compute-apps. */
int gpu_smi_read(struct gpu_read *out, struct ml_err *err);

/* Parses nvidia-smi -q -x output with libxml2 (no network, no DTD, no
 * entity expansion). */
int gpu_xml_parse(const char *text, size_t len, const char *name,
		  struct gpu_read *out, struct ml_err *err);

/* Reads every GPU through NVML loaded with dlopen("libnvidia-ml.so.1")
 * (MLONCALL_NVML_LIB overrides the name, for tests). Returns
 * ML_ENOTFOUND with the dlerror() text when the library is missing. */
int gpu_nvml_read(struct gpu_read *out, struct ml_err *err);

/* Verdict thresholds; a config file may change each (docs/probes/gpu.md). */
struct gpu_thresholds {
	double memory_pct;	  /* memory used above this: near cap */
	double temp_c;		  /* GPU temperature above this */
	double ecc_uncorrected;	  /* volatile uncorrected ECC above this */
	double power_limit_pct;	  /* draw at or above this % of the limit.. */
	double low_clock_pct;	  /* ..with SM clock below this % of max */
	double util_high_pct;	  /* --watch: mean util at or above: flood */
	double util_low_pct;	  /* --watch: mean util at or below: starved */
	int persistence_required; /* persistence mode off is a finding */
};

/* The documented defaults. */
void gpu_thresholds_default(struct gpu_thresholds *t);

/* Loads a YAML or JSON mapping of threshold names to numbers (or
 * true/false for persistence_required) over the defaults in t. Unknown
 * keys and wrong types are ML_EINPUT errors naming file:line. */
int gpu_thresholds_load(const char *path, struct gpu_thresholds *t,
			struct ml_err *err);

/* Adds to facts the top-level aggregates of gpus (count,
 * memory_used_pct max, ecc_uncorrected total, ...) and one reason per
 * rule a GPU breaks (verdict raised accordingly). gpus is borrowed. */
void gpu_judge(json_t *facts, const json_t *gpus,
	       const struct gpu_thresholds *t);

#endif
