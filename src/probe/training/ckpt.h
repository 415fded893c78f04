/* ckpt.h: internal interfaces of the `checkpoint` probe: the input file
 * (read by ranges), the zip reader, the pickle scanner, the safetensors and
 * legacy torch.save checkers and folder mode. Each checker adds what it finds
 * to a per-file JSON object ("file facts") with its own "verdict" and "reasons"
 * (probe_reason works on it). Nothing here ever executes a pickle. */
#ifndef ML_CKPT_H
#define ML_CKPT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"

/* Limits of the pickle scanner (bounded memory whatever the input). */
#define CKPT_PKL_MAX_NODES (2u * 1024 * 1024) /* ~100 B each */
#define CKPT_PKL_MAX_MEMO (4u * 1024 * 1024)
#define CKPT_PKL_MAX_DEPTH 64	  /* nesting walked when listing facts */
#define CKPT_PKL_MAX_VALUES 256	  /* plain values listed per file */
#define CKPT_PKL_MAX_TENSORS 4096 /* tensors listed per file (all counted) */
#define CKPT_PKL_MAX_BYTES (512u * 1024 * 1024) /* largest data.pkl */
/* Distinct globals one pickle may name: each is classified and listed;
 * past it the file is failed ("too many globals to check"), never
 * passed with names unchecked. Real checkpoints name a few dozen. */
#define CKPT_PKL_MAX_GLOBALS 4096

/* One input file. A structural check reads only the byte ranges it needs
 * (the zip's tail and central directory, each local header, data.pkl) with
 * pread: no mapping, so no page faults or page-table work per header
 * (measurably slower on a 2 GiB file, and more so in a VM). mem is set
 * instead of fd for bytes already in memory (ckpt_check_mem). */
struct ckpt_file {
	const char *path; /* borrowed */
	int fd;		  /* -1 for mem */
	uint64_t size;
	const uint8_t *mem; /* in-memory input, or NULL */
};

/* Opens path. Returns 0, ML_ENOTFOUND, ML_EINPUT (not a regular file) or
 * ML_EIO (err filled). Close with ckpt_file_close (safe on a zeroed
 * struct with fd -1). */
int ckpt_file_open(struct ckpt_file *f, const char *path, struct ml_err *err);
void ckpt_file_close(struct ckpt_file *f);

/* The bytes [off, off + len) of f: a pointer into mem, or into scratch
 * (grown and filled by pread; valid until scratch is next used or freed).
 * NULL when the range runs past the end of the file or cannot be read (a
 * file that shrank under us reads as truncated). len 0 returns a valid
 * pointer. */
const uint8_t *ckpt_bytes(const struct ckpt_file *f, uint64_t off, size_t len,
			  struct buf *scratch);

/* Options of one check. */
struct ckpt_opts {
	int deep;		       /* CRC32 of zip entries + sha256 */
	FILE *progress;		       /* or NULL */
	volatile sig_atomic_t *cancel; /* or NULL */
};

/* Checks one file: detects the format by content and fills *out with a
 * new file-facts object {path, format, size, verdict, reasons, ...}.
 * Findings (corrupt, unsafe) are verdicts, not errors; returns nonzero
 * only when the file cannot be opened or read (ML_ENOTFOUND, ML_EIO). */
int ckpt_check_file(const char *path, const struct ckpt_opts *o, json_t **out,
		    struct ml_err *err);

/* Structural check of n bytes in memory (no --deep: that needs a file),
 * named name in the facts. Returns new file facts. For tests and for
 * callers that already hold the bytes. */
json_t *ckpt_check_mem(const char *name, const uint8_t *p, size_t n);

/* Checks every checkpoint in a folder; fills *facts (the probe's facts:
 * files, newest valid, resume_path, resume_step...). */
int ckpt_check_dir(const char *path, const struct ckpt_opts *o, json_t *facts,
		   struct ml_err *err);

/* --- pickle scanner (ckpt_pickle.c) ----------------------------------- */

/* Scans one pickle in data[0..len) (protocols 0-5) by simulating its
 * stack and memo, never importing or calling anything. *out is always set
 * to a new object (even on error, with what was found so far):
 *   tensors: [{name, dtype, shape, stride, offset, storage, location,
 *              numel}]      (at most CKPT_PKL_MAX_TENSORS listed)
 *   tensor_count, tensor_bytes
 *   storages: {key: {dtype, elem_size, numel, location}}
 *   values: {"epoch": 5, "optimizer.param_groups.0.lr": 0.001, ...}
 *   globals: ["collections.OrderedDict", ...] (distinct, in order)
 *   unsafe_globals: [...] (outside the weights_only allowlist)
 *   dangerous_globals: [...] (known to run code: os.system, eval...)
 * *consumed is the offset just past STOP. Returns 0, ML_EINPUT with a
 * message "WHAT: byte N: ..." when the pickle is malformed, or
 * ML_EUNSUPPORTED when it exceeds the scanner's limits (too big to judge:
 * callers report it as unknown, not corrupt). */
int ckpt_pickle_scan(const uint8_t *data, size_t len, const char *what,
		     json_t **out, size_t *consumed, struct ml_err *err);

/* Classifies "module.name": 0 allowed (weights_only allowlist), 1 not on
 * the allowlist, 2 known to execute code. */
int ckpt_global_class(const char *dotted);

/* Element size of a storage type name ("torch.FloatStorage") and its dtype
 * name ("float32"); 0 and NULL when unknown. */
size_t ckpt_storage_dtype(const char *dotted, const char **dtype);

/* Adds the reason for a failed scan (err from ckpt_pickle_scan) to ff:
 * failed/pickle when malformed, failed/pickle_limit when too big (code
 * past a limit is never waved through). */
void ckpt_pickle_fail(json_t *ff, const struct ml_err *err);

/* Adds the results of the file's main pickle (data.pkl, the legacy data
 * pickle) to file facts ff: tensors, values, step/epoch, its globals (as
 * ckpt_pickle_globals with what NULL), and failed `size_overflow` reasons
 * for sizes that overflow 64 bits. */
void ckpt_pickle_report(json_t *ff, json_t *scan);

/* Adds the globals of one pickle's scan to ff: the unsafe ones to
 * "unsafe_globals" (set, for the main pickle, even when empty), each as
 * a reason (`unsafe_pickle` failed for code, `unsafe_global` degraded),
 * and `too_many_globals` (failed) when the pickle names more distinct
 * globals than the scanner checks. what names the pickle in messages
 * ("sys_info" gives "sys_info pickle imports ..."); NULL for the main
 * one ("pickle imports ..."). Every pickle torch.load would unpickle
 * goes through here. */
void ckpt_pickle_globals(json_t *ff, const json_t *scan, const char *what);

/* --- formats ----------------------------------------------------------- */

/* PyTorch zip format (ckpt_zip.c). ff gets entries, tensors, and the
 * deep-check results when o->deep. */
void ckpt_zip_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		    json_t *ff);

/* safetensors (ckpt_safetensors.c). */
void ckpt_st_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		   json_t *ff);

/* legacy torch.save (ckpt_legacy.c). */
void ckpt_legacy_check(const struct ckpt_file *f, const struct ckpt_opts *o,
		       json_t *ff);

/* For a file of no known format (or a zip found only by its end record):
 * torch.load unpickles such a file from byte 0 (its legacy path reads the
 * magic-number pickle first), so the pickle there, if any, is scanned and
 * its globals added to ff as the "magic-number" pickle's. Adds nothing when the
 * bytes are no pickle that names a global. */
void ckpt_legacy_stray(const struct ckpt_file *f, json_t *ff);

/* True when the file starts like a legacy torch.save (magic number). */
int ckpt_is_legacy(const uint8_t *p, uint64_t n);

/* sha256 of the whole file with large sequential reads, and, when crcs is
 * not NULL, CRC32 of n byte ranges [off[i], off[i]+len[i]) computed in the
 * same pass (a second thread crcs each block while this one hashes it).
 * Ranges must be sorted by offset and not overlap. hex gets 65 bytes.
 * Returns 0, ML_EIO, or ML_ETIMEOUT when cancelled. */
int ckpt_hash_pass(const struct ckpt_file *f, const struct ckpt_opts *o,
		   const uint64_t *off, const uint64_t *len, uint32_t *crcs,
		   size_t n, char hex[65], struct ml_err *err);

/* --deep for a format without checksums: sha256 of the whole file into
 * facts ff ("sha256"; a failed pass is an unknown `deep_check` reason) and
 * an informational `no_checksums` reason saying why (note). */
void ckpt_deep_sha256(const struct ckpt_file *f, const struct ckpt_opts *o,
		      json_t *ff, const char *note);

/* A JSON string of s[0..n) that is always valid UTF-8 (invalid bytes are
 * written as \xNN) and at most max bytes of s long (then "..."). */
json_t *ckpt_jstr(const char *s, size_t n, size_t max);

#endif
