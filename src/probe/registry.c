/* registry.c: the one table of built-in probes. Add a probe here and in
 * its own file; `mloncall check` and the runbook engine pick it up. */
#include "probe/probe.h"

extern const struct probe_def probe_command, probe_file, probe_http;
extern const struct probe_def probe_gpu, probe_xid, probe_k8s, probe_prom;
extern const struct probe_def probe_oom, probe_checkpoint, probe_artifact;
extern const struct probe_def probe_schema, probe_drift, probe_quality;
extern const struct probe_def probe_nvlink, probe_ipmi, probe_nccl, probe_loss;
extern const struct probe_def probe_dcgm;

static const struct probe_def *const registry[] = {
	&probe_gpu,	   &probe_xid,	    &probe_oom,	   &probe_checkpoint,
	&probe_artifact,   &probe_drift,    &probe_schema, &probe_quality,
	&probe_k8s,	   &probe_prom,	    &probe_http,   &probe_command,
	&probe_file,
	&probe_nvlink, &probe_ipmi, &probe_nccl,
	&probe_loss, /* catB: thin tool-output probes */
	&probe_dcgm, /* catC: dcgmi diag / health */
	NULL};

const struct probe_def *const *probe_list(void)
{
	return registry;
}
