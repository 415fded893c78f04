/* artifact.c: the `artifact` probe (placeholder until its issue lands). */
#include "probe/probe.h"

static int run(const struct probe_ctx *ctx, json_t **facts,
	       struct ml_err *err)
{
	(void)ctx;
	*facts = NULL;
	return ml_err_set(err, ML_EUNSUPPORTED,
			  "probe artifact is not implemented yet");
}

static const struct probe_opt opts[] = {{0}};

const struct probe_def probe_artifact = {
	.name = "artifact",
	.summary = "(not implemented yet)",
	.read_only = 1,
	.opts = opts,
	.run = run,
};
