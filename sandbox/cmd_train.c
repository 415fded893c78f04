/* cmd_train.c: `irisd train`: fits the Iris model and registers it as a
 * new version (model.json, meta.json) and rewrites the manifest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "irisd.h"

static const char train_help[] =
    "Usage: irisd train --registry DIR [options]\n"
    "\n"
    "Fits a softmax regression on a stratified, seeded training split of\n"
    "the Iris data and registers it as DIR/VERSION/{model.json,meta.json};\n"
    "then rewrites DIR/manifest.sha256 over every registered file.\n"
    "\n"
    "Options:\n"
    "  --data FILE        Iris CSV (default: the copy in the source tree,\n"
    "                     " IRISD_DEFAULT_DATA ")\n"
    "  --registry DIR     the registry folder (created when missing)\n"
    "  --version NAME     version name (default: the next vN)\n"
    "  --seed N           split and initial weights (default 42)\n"
    "  --epochs N         gradient steps (default 2000)\n"
    "  --lr X             learning rate (default 0.1)\n"
    "  --test-frac X      held-out share of each class (default 0.3)\n"
    "  --flip-labels      simulate a labelling bug: versicolor and\n"
    "                     virginica swapped in the training data (a\n"
    "                     regressed model whose offline accuracy looks fine)\n"
    "  --force            replace an existing version\n"
    "  -o text|json       output format (json: the meta.json document)\n"
    "\n"
    "Examples:\n"
    "  irisd train --registry reg                      # reg/v1\n"
    "  irisd train --registry reg --flip-labels        # reg/v2, regressed\n"
    "  mloncall check artifact reg --manifest reg/manifest.sha256\n";

struct train_args {
	const char *data, *registry, *version;
	struct iris_train_opts t;
	int force;
	enum out_fmt fmt;
};

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "irisd train: %s%s\n(see irisd train --help)\n", msg,
		arg ? arg : "");
	return ML_EXIT_USAGE;
}

/* Parses a number option into *v within [lo, hi]. */
static int num_opt(const char *name, const char *s, double lo, double hi,
		   double *v)
{
	if (str_to_double(s, v) != 0 || !(*v >= lo && *v <= hi)) {
		fprintf(stderr,
			"irisd train: --%s: `%s` is not a number in "
			"[%g, %g]\n",
			name, s, lo, hi);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct train_args *a)
{
	static const struct option lo[] = {
	    {"data", 1, NULL, 'd'},	 {"registry", 1, NULL, 'r'},
	    {"version", 1, NULL, 'v'},	 {"seed", 1, NULL, 's'},
	    {"epochs", 1, NULL, 'e'},	 {"lr", 1, NULL, 'l'},
	    {"test-frac", 1, NULL, 't'}, {"flip-labels", 0, NULL, 'F'},
	    {"force", 0, NULL, 'f'},	 {"help", 0, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	double x;
	int c;

	a->data = IRISD_DEFAULT_DATA;
	iris_train_defaults(&a->t);
	while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'r':
			a->registry = optarg;
			break;
		case 'v':
			a->version = optarg;
			break;
		case 's':
			if (num_opt("seed", optarg, 0, 9007199254740992.0, &x))
				return ML_EXIT_USAGE;
			a->t.seed = (uint64_t)x;
			break;
		case 'e':
			if (num_opt("epochs", optarg, 0, 1e7, &x))
				return ML_EXIT_USAGE;
			a->t.epochs = (int)x;
			break;
		case 'l':
			if (num_opt("lr", optarg, 1e-9, 100, &a->t.lr))
				return ML_EXIT_USAGE;
			break;
		case 't':
			if (num_opt("test-frac", optarg, 0.01, 0.99,
				    &a->t.test_frac))
				return ML_EXIT_USAGE;
			break;
		case 'F':
			a->t.flip_labels = 1;
			break;
		case 'f':
			a->force = 1;
			break;
		case 'o':
			if (out_parse(optarg, &a->fmt) || a->fmt > OUT_JSON)
				return usage_err(
				    "-o: expected text or json, got ", optarg);
			break;
		case 'h':
			fputs(train_help, stdout);
			return -1;
		default:
			return usage_err("bad option", NULL);
		}
	}
	if (optind < argc)
		return usage_err("unexpected argument: ", argv[optind]);
	if (!a->registry)
		return usage_err("--registry DIR is required", NULL);
	if (a->version && !iris_version_ok(a->version))
		return usage_err("--version: expected 1-63 of [A-Za-z0-9._-], "
				 "got ",
				 a->version);
	return 0;
}

/* The meta.json document. */
static json_t *meta_json(const struct train_args *a, const char *version,
			 const struct iris_data *d,
			 const struct iris_train_result *r,
			 const char *model_sha)
{
	json_t *m = json_object();
	char now[40];

	time_format(time_now_ms(), now, sizeof(now));
	jset_str(m, "version", version);
	jset_str(m, "trained_at", now);
	jset_str(m, "data", a->data);
	jset_str(m, "data_sha256", d->sha256);
	jset_str(m, "model_sha256", model_sha);
	jset_real(m, "accuracy", r->accuracy);
	jset_real(m, "train_accuracy", r->train_accuracy);
	jset_int(m, "n_train", (long long)r->n_train);
	jset_int(m, "n_test", (long long)r->n_test);
	jset_int(m, "seed", (long long)a->t.seed);
	jset_int(m, "epochs", a->t.epochs);
	jset_real(m, "learning_rate", a->t.lr);
	jset_real(m, "test_frac", a->t.test_frac);
	jset_bool(m, "flip_labels", a->t.flip_labels);
	return m;
}

/* Writes one JSON document atomically to dir/version/name; fills sha.
 * Reals get 17 digits in the model (exact round trip) and 15 in the
 * metadata (readable: 0.1, not 0.10000000000000001). */
static int write_doc(const char *dir, const char *version, const char *name,
		     const json_t *doc, int digits, char sha[65],
		     struct ml_err *err)
{
	struct buf p = BUF_INIT;
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				      JSON_REAL_PRECISION(digits));
	size_t n = strlen(s);
	int rc = 0;

	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	s[n] = '\0';
	buf_printf(&p, "%s/%s/%s", dir, version, name);
	if (buf_write_file_atomic(buf_str(&p), s, n) != 0)
		rc = ml_err_at(err, ML_EIO, buf_str(&p), 0, 0,
			       "cannot write: %s", strerror(errno));
	if (sha)
		iris_sha256_hex(s, n, sha);
	free(s);
	buf_free(&p);
	return rc;
}

/* Creates dir and dir/version; refuses an existing version unless force. */
static int make_dirs(const struct train_args *a, const char *version,
		     struct ml_err *err)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int rc = 0;

	if (mkdir(a->registry, 0755) != 0 && errno != EEXIST)
		return ml_err_at(err, ML_EIO, a->registry, 0, 0,
				 "cannot create: %s", strerror(errno));
	buf_printf(&p, "%s/%s/model.json", a->registry, version);
	if (!a->force && stat(buf_str(&p), &st) == 0)
		rc = ml_err_set(err, ML_EUSAGE,
				"%s already exists (use --force to replace it)",
				buf_str(&p));
	buf_reset(&p);
	buf_printf(&p, "%s/%s", a->registry, version);
	if (!rc && mkdir(buf_str(&p), 0755) != 0 && errno != EEXIST)
		rc = ml_err_at(err, ML_EIO, buf_str(&p), 0, 0,
			       "cannot create: %s", strerror(errno));
	buf_free(&p);
	return rc;
}

/* Trains, writes the version and the manifest; fills *meta. */
static int run(const struct train_args *a, const char *version, json_t **meta,
	       struct ml_err *err)
{
	struct iris_data d;
	struct iris_model m = {0};
	struct iris_train_result r;
	char sha[65];
	json_t *doc;
	int rc;

	if ((rc = iris_data_load(a->data, &d, err)) != 0)
		return rc;
	rc = iris_train(&d, &a->t, &m, &r, err);
	if (!rc)
		rc = make_dirs(a, version, err);
	if (!rc) {
		snprintf(m.version, sizeof(m.version), "%s", version);
		doc = iris_model_to_json(&m);
		rc = write_doc(a->registry, version, "model.json", doc, 17, sha,
			       err);
		json_decref(doc);
	}
	if (!rc) {
		*meta = meta_json(a, version, &d, &r, sha);
		rc = write_doc(a->registry, version, "meta.json", *meta, 15,
			       NULL, err);
	}
	if (!rc)
		rc = iris_registry_write_manifest(a->registry, err);
	iris_data_free(&d);
	return rc;
}

int irisd_train_main(int argc, char **argv)
{
	struct train_args a = {0};
	struct ml_err err = {0};
	char version[64];
	json_t *meta = NULL;
	int rc = parse(argc, argv, &a);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.version)
		snprintf(version, sizeof(version), "%s", a.version);
	else
		iris_registry_next_version(a.registry, version,
					   sizeof(version));
	if ((rc = run(&a, version, &meta, &err)) != 0) {
		json_decref(meta);
		return irisd_fail(&err);
	}
	if (a.fmt == OUT_JSON)
		out_json(stdout, meta);
	else
		printf("%s/%s: held-out accuracy %.3f (%lld test, %lld train "
		       "rows)%s, model sha256 %s\n",
		       a.registry, version, jget_num(meta, "accuracy", 0),
		       jget_int(meta, "n_test", 0),
		       jget_int(meta, "n_train", 0),
		       a.t.flip_labels ? ", labels flipped" : "",
		       jget_str(meta, "model_sha256", ""));
	json_decref(meta);
	return 0;
}
