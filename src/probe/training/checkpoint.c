/* checkpoint.c: the `checkpoint` probe: is a checkpoint file (or every
 * checkpoint in a folder) intact, what does it hold, is its pickle safe,
 * and which checkpoint should a job resume from. The formats live in
 * ckpt_*.c; this file declares the arguments, runs file or folder mode
 * and renders the facts. */
#include <string.h>
#include <sys/stat.h>

#include "core/out.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

/* Single-file mode: the file's facts become the probe's facts. */
static void merge_file(json_t *facts, json_t *ff)
{
	const char *k;
	json_t *v, *r;
	size_t i;

	json_object_foreach(ff, k, v)
	{
		if (!strcmp(k, "verdict") || !strcmp(k, "reasons"))
			continue;
		json_object_set(facts, k, v);
	}
	json_array_foreach(json_object_get(ff, "reasons"), i, r)
	    json_array_append(json_object_get(facts, "reasons"), r);
	jset_str(facts, "verdict", jget_str(ff, "verdict", "unknown"));
	if (probe_verdict_of(ff) < PV_DEGRADED) {
		jset_str(facts, "resume_path", jget_str(ff, "path", NULL));
		json_object_set(facts, "resume_step",
				json_object_get(ff, "step")
				    ? json_object_get(ff, "step")
				    : json_null());
	}
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *path = jget_str(ctx->args, "path", NULL);
	struct ckpt_opts o = {jget_bool(ctx->args, "deep", 0), ctx->progress,
			      ctx->cancel};
	struct stat st;
	json_t *ff = NULL;
	int rc;

	*facts = NULL;
	if (!path || stat(path, &st))
		return ml_err_set(err, ML_ENOTFOUND,
				  "%s: no such file or folder",
				  path ? path : "(none)");
	*facts = probe_facts_new("checkpoint");
	jset_str(*facts, "path", path);
	jset_bool(*facts, "deep", o.deep);
	if (S_ISDIR(st.st_mode)) {
		jset_str(*facts, "mode", "folder");
		return ckpt_check_dir(path, &o, *facts, err);
	}
	jset_str(*facts, "mode", "file");
	if ((rc = ckpt_check_file(path, &o, &ff, err)) != 0)
		return rc;
	merge_file(*facts, ff);
	json_decref(ff);
	return 0;
}

static void render_reasons(const json_t *ff, const char *indent,
			   struct buf *out)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(ff, "reasons"), i, r) buf_printf(
	    out, "%s[%s] %s: %s\n", indent, jget_str(r, "level", "?"),
	    jget_str(r, "code", "?"), jget_str(r, "message", ""));
}

static void render_file(const json_t *f, struct buf *out)
{
	size_t i;
	json_t *t;

	buf_printf(out, "checkpoint: %s\n", jget_str(f, "verdict", "?"));
	buf_printf(out, "  file:    %s\n  format:  %s, %lld bytes\n",
		   jget_str(f, "path", "?"), jget_str(f, "format", "?"),
		   jget_int(f, "size", 0));
	if (json_object_get(f, "tensor_count"))
		buf_printf(out, "  tensors: %lld (%lld bytes)\n",
			   jget_int(f, "tensor_count", 0),
			   jget_int(f, "tensor_bytes", 0));
	if (json_object_get(f, "step"))
		buf_printf(out, "  step:    %lld\n", jget_int(f, "step", 0));
	if (json_object_get(f, "epoch"))
		buf_printf(out, "  epoch:   %lld\n", jget_int(f, "epoch", 0));
	if (json_object_get(f, "sha256"))
		buf_printf(out, "  sha256:  %s\n", jget_str(f, "sha256", ""));
	render_reasons(f, "  ", out);
	json_array_foreach(json_object_get(f, "tensors"), i, t)
	{
		if (i == 20) {
			buf_printf(
			    out, "  ... (%zu tensors, see -o json)\n",
			    json_array_size(json_object_get(f, "tensors")));
			break;
		}
		buf_printf(out, "  %-40s %-9s [", jget_str(t, "name", "?"),
			   jget_str(t, "dtype", "?"));
		for (size_t k = 0;
		     k < json_array_size(json_object_get(t, "shape")); k++)
			buf_printf(out, "%s%lld", k ? ", " : "",
				   (long long)json_integer_value(json_array_get(
				       json_object_get(t, "shape"), k)));
		buf_puts(out, "]\n");
	}
}

static void render(const json_t *facts, struct buf *out)
{
	size_t i;
	json_t *f;

	if (strcmp(jget_str(facts, "mode", ""), "folder")) {
		render_file(facts, out);
		return;
	}
	buf_printf(out,
		   "checkpoint: %s\n  folder: %s (%lld checked, %lld "
		   "valid)\n",
		   jget_str(facts, "verdict", "?"),
		   jget_str(facts, "path", "?"), jget_int(facts, "checked", 0),
		   jget_int(facts, "valid", 0));
	render_reasons(facts, "  ", out);
	json_array_foreach(json_object_get(facts, "files"), i, f)
	{
		buf_printf(out, "  %-8s %-13s %12lld  %s\n",
			   jget_str(f, "verdict", "?"),
			   jget_str(f, "format", "?"), jget_int(f, "size", 0),
			   jget_str(f, "path", "?"));
		render_reasons(f, "           ", out);
	}
	buf_printf(out, "  resume from: %s",
		   jget_str(facts, "resume_path", "(none)"));
	if (json_is_integer(json_object_get(facts, "resume_step")))
		buf_printf(out, " (step %lld)",
			   jget_int(facts, "resume_step", 0));
	buf_putc(out, '\n');
}

static const struct probe_opt opts[] = {
    {"path", PO_PATH, "checkpoint file or folder of checkpoints", NULL, 1, 1},
    {"deep", PO_BOOL,
     "also read every byte: CRC32 of each zip entry and sha256 of the file",
     "false", 0, 0},
    {0}};

const struct probe_def probe_checkpoint = {
    .name = "checkpoint",
    .summary = "checkpoint integrity: zip/legacy/safetensors structure, "
	       "CRC, unsafe pickles, newest valid",
    .help =
	"Checks PyTorch checkpoints (zip .pt/.pth/.bin/.ckpt, legacy\n"
	"torch.save, safetensors), detected by content. Without --deep it\n"
	"reads only headers (zip directory, pickle, safetensors header);\n"
	"--deep reads every byte once for CRC32 and sha256, which catches a\n"
	"flipped bit that torch.load accepts. The pickle is scanned, never\n"
	"executed: globals outside torch.load(weights_only=True)'s allowlist\n"
	"are reported. On a folder: a verdict per file, the newest valid\n"
	"checkpoint (resume_path, resume_step) and files that shrank.\n"
	"\n"
	"Examples:\n"
	"  mloncall check checkpoint model.pt\n"
	"  mloncall check checkpoint model.pt --deep -o json\n"
	"  mloncall check checkpoint ckpts/\n"
	"Facts: docs/probes/checkpoint.md\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
