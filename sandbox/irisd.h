/* irisd.h: the sandbox model service `irisd`: the Iris data set, a softmax
 * regression model (train, predict, JSON form), the model registry (one
 * folder per version plus a sha256 manifest), and the three subcommands
 * (train, serve, load). See docs/irisd.md. */
#ifndef IRISD_H
#define IRISD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define IRIS_NFEAT 4
#define IRIS_NCLASS 3

/* Largest data or model file read; the real ones are a few KiB. */
#define IRIS_MAX_FILE_BYTES ((size_t)16 << 20)

/* Most rows a data file may hold (the real set has 150). */
#define IRIS_MAX_ROWS 100000

/* Feature and class names, in model order (static strings). */
extern const char *const iris_feature_names[IRIS_NFEAT];
extern const char *const iris_class_names[IRIS_NCLASS];

/* Class index of a name ("setosa", also "Iris-setosa"), or -1. */
int iris_class_index(const char *name);

/* One labelled row. */
struct iris_row {
	double x[IRIS_NFEAT];
	int y; /* class index */
};

/* A data set read from CSV. */
struct iris_data {
	struct iris_row *rows; /* owned */
	size_t n;
	char sha256[65]; /* of the file's bytes */
};

/* Reads an Iris CSV: a header naming the four feature columns and
 * `species` (any order, other columns ignored), then rows with finite
 * numbers and a known class. Returns 0, or ML_ENOTFOUND / ML_EIO /
 * ML_EINPUT with err naming file:line and what was expected. Empty data
 * (header only) is an input error. Free with iris_data_free(). */
int iris_data_load(const char *path, struct iris_data *d, struct ml_err *err);
void iris_data_free(struct iris_data *d);

/* The model: standardization then softmax(W x + b). */
struct iris_model {
	char version[64];
	double mean[IRIS_NFEAT];
	double scale[IRIS_NFEAT];
	double w[IRIS_NCLASS][IRIS_NFEAT];
	double b[IRIS_NCLASS];
};

/* Training settings; iris_train_defaults() fills the documented ones. */
struct iris_train_opts {
	uint64_t seed;	  /* split shuffle and initial weights */
	int epochs;	  /* full-batch gradient steps */
	double lr;	  /* learning rate */
	double l2;	  /* weight decay */
	double test_frac; /* held-out share per class */
	int flip_labels;  /* swap versicolor and virginica in all labels */
};
void iris_train_defaults(struct iris_train_opts *o);

/* Result of a training run. */
struct iris_train_result {
	double accuracy;       /* on the held-out split */
	double train_accuracy; /* on the training split */
	size_t n_train, n_test;
};

/* Splits d per class (seeded shuffle), fits the model on the training
 * part and measures both parts. Deterministic for equal inputs and seed.
 * Returns 0, or ML_EINPUT when a split would be empty. */
int iris_train(const struct iris_data *d, const struct iris_train_opts *o,
	       struct iris_model *m, struct iris_train_result *res,
	       struct ml_err *err);

/* Class probabilities of one input (x in centimetres); returns the
 * argmax class. */
int iris_predict(const struct iris_model *m, const double x[IRIS_NFEAT],
		 double probs[IRIS_NCLASS]);

/* The model as JSON (new reference). */
json_t *iris_model_to_json(const struct iris_model *m);

/* Reads a model file written by iris_model_to_json. Checks the format
 * tag, sizes and that every number is finite. Returns 0 or ML_ENOTFOUND /
 * ML_EIO / ML_EINPUT (err names the file and field). */
int iris_model_load(const char *path, struct iris_model *m, struct ml_err *err);

/* sha256 of a file as 64 hex digits + NUL. Returns 0 or -1 (errno). */
int iris_sha256_file(const char *path, char out[65]);

/* sha256 of bytes as hex. */
void iris_sha256_hex(const void *p, size_t n, char out[65]);

/* Nonzero when s is a usable version name: 1-63 bytes of [A-Za-z0-9._-],
 * not starting with '.'. */
int iris_version_ok(const char *s);

/* Rewrites DIR/manifest.sha256 (sha256sum format, sorted) over every
 * model.json and meta.json of every version folder in dir. Atomic.
 * Returns 0 or ML_EIO. */
int iris_registry_write_manifest(const char *dir, struct ml_err *err);

/* The next free "vN" name in dir (v1 for an empty or new registry) into
 * out (size n). */
void iris_registry_next_version(const char *dir, char *out, size_t n);

/* The version names in dir that hold a model.json, sorted (caller frees
 * each and the array). Returns the count. */
size_t iris_registry_list(const char *dir, char ***out);

/* Subcommands: argc/argv start at the subcommand name. Return an exit
 * code (0 ok, 1 finding, 2 usage/input, 3 internal). */
int irisd_train_main(int argc, char **argv);
int irisd_serve_main(int argc, char **argv);
int irisd_load_main(int argc, char **argv);

/* Prints "irisd: msg" to stderr and returns the exit code for err. */
int irisd_fail(const struct ml_err *err);

#endif
