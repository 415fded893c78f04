/* artifact.h: internals of the `artifact` probe shared by its files: the
 * list of files under a path (artifact_walk.c), their parallel sha256
 * (artifact_hash.c) and manifests in sha256sum or JSON form
 * (artifact_manifest.c). */
#ifndef ML_PROBE_ARTIFACT_H
#define ML_PROBE_ARTIFACT_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/err.h"

/* Bytes per read() while hashing. Large sequential reads keep the disk
 * streaming; raise only for storage that wants bigger requests. */
#define ART_READ_BYTES (1024 * 1024)

/* Entries of each problem list (mismatched, missing, ...) kept in the
 * facts; the *_count fields always give the full number. */
#define ART_MAX_LIST 1000

/* Most hashing threads, whatever `threads` asks for. */
#define ART_MAX_THREADS 256

/* Largest manifest read. */
#define ART_MAX_MANIFEST_BYTES ((size_t)256 << 20)

/* One file found under the checked path. */
struct artifact_file {
	char *rel;    /* name relative to the root, '/'-separated; raw
		       * bytes (may be non-UTF-8, hold newlines); owned */
	char *path;   /* path to open; owned */
	int64_t size; /* bytes hashed (stat size before hashing) */
	unsigned char sha[32];
	int err;	  /* errno when it could not be read; 0 = hashed */
	const char *skip; /* not a file to hash (why), static string */
};

struct artifact_list {
	struct artifact_file *v; /* owned */
	size_t n, cap;
};

/* Files to leave out of the walk (the manifest itself), by device and
 * inode. */
struct artifact_skip {
	dev_t dev;
	ino_t ino;
};

/* Lists the files under root, sorted by rel (byte order). A file root
 * gives one entry named after its last component; *is_dir says which.
 * Symlinks: to a file, followed and hashed under the link's name; to a
 * directory, not descended (entry with skip set); dangling, an entry with
 * err = ENOENT. Other non-regular files get skip set. Returns 0, or
 * ML_ENOTFOUND/ML_EIO naming root (a subfolder that cannot be read is an
 * entry with err, not a failure). */
int artifact_walk(const char *root, const struct artifact_skip *skip,
		  size_t nskip, struct artifact_list *out, int *is_dir,
		  struct ml_err *err);

/* Frees what l owns and zeroes it; NULL is a no-op. */
void artifact_list_free(struct artifact_list *l);

/* Hashes every entry of l without skip set, on nthreads threads (<= 0:
 * all online CPUs; at most ART_MAX_THREADS), filling sha, size and err.
 * Progress lines go to progress (may be NULL) when the work lasts over a
 * second. cancel (may be NULL) stops the work: returns ML_ETIMEOUT then.
 * Returns 0 or ML_EINTERNAL (OpenSSL or thread failure). *used gets the thread
 * count. */
int artifact_hash(struct artifact_list *l, int nthreads, FILE *progress,
		  volatile sig_atomic_t *cancel, int *used, struct ml_err *err);

/* One manifest entry. */
struct artifact_entry {
	char *name; /* normalized: no leading "./"; owned */
	unsigned char sha[32];
	int64_t size; /* -1: not given */
	long line;    /* 1-based line (sha256sum) or index + 1 */
};

struct artifact_manifest {
	struct artifact_entry *v; /* sorted by name after loading; owned */
	size_t n, cap;
	const char *format; /* "sha256sum" or "json" (static) */
};

/* Parses a manifest: JSON when the first non-blank byte is '{' or '[',
 * else sha256sum lines (text "HASH  NAME", binary "HASH *NAME", a leading
 * backslash for escaped names, BSD "SHA256 (NAME) = HASH"; blank lines and
 * '#' comments skipped). name labels errors. Returns 0 or ML_EINPUT with
 * file:line. m must be zeroed. */
int artifact_manifest_parse(const char *data, size_t len, const char *name,
			    struct artifact_manifest *m, struct ml_err *err);

/* Reads and parses the manifest file path. */
int artifact_manifest_load(const char *path, struct artifact_manifest *m,
			   struct ml_err *err);

void artifact_manifest_free(struct artifact_manifest *m);

/* Removes "prefix/" from the front of every name that has it (trailing
 * slashes of prefix ignored), so a manifest made by `sha256sum dir/...`
 * names files relative to dir; keeps m sorted. */
void artifact_manifest_strip(struct artifact_manifest *m, const char *prefix);

/* Writes l (hashed entries, none with err) as a manifest to path,
 * atomically: JSON when path ends in ".json", else sha256sum format with
 * GNU escaping. Returns 0, ML_EINPUT (a non-UTF-8 name in JSON) or
 * ML_EIO. */
int artifact_manifest_write(const char *path, const struct artifact_list *l,
			    struct ml_err *err);

/* Lower-case hex of a digest into out[65]. */
void artifact_hex(const unsigned char sha[32], char out[65]);

/* A JSON string for a raw file name: valid UTF-8 kept, other bytes as
 * "\xHH" (new reference). */
json_t *artifact_json_name(const char *s);

#endif
