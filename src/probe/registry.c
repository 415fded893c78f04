/* registry.c: the one table of built-in probes. Add a probe here and in
 * its own file; `mloncall check` and the runbook engine pick it up. */
#include "probe/probe.h"

/* One line per folder of src/probe/. */
extern const struct probe_def probe_gpu, probe_xid, probe_dcgm, probe_nvlink,
    probe_nccl;				  /* gpu/ */
extern const struct probe_def probe_ipmi; /* node/ */
extern const struct probe_def probe_oom, probe_checkpoint, probe_artifact,
    probe_loss; /* training/ */
extern const struct probe_def probe_drift, probe_schema,
    probe_quality;				     /* data/ */
extern const struct probe_def probe_k8s, probe_prom; /* serving/ */
extern const struct probe_def probe_http, probe_command,
    probe_file; /* basic/ */

/* The order `mloncall check --help` lists them in. */
static const struct probe_def *const registry[] = {
    &probe_gpu,	     &probe_xid,    &probe_oom,	   &probe_checkpoint,
    &probe_artifact, &probe_drift,  &probe_schema, &probe_quality,
    &probe_k8s,	     &probe_prom,   &probe_http,   &probe_command,
    &probe_file,     &probe_nvlink, &probe_ipmi,   &probe_nccl,
    &probe_loss,     &probe_dcgm,   NULL};

const struct probe_def *const *probe_list(void)
{
	return registry;
}
