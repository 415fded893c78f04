/* nvlink.h: parsed `nvidia-smi nvlink -s`, `nvlink -e` and `topo -m`
 * output, shared by the nvlink probe (nvlink.c) and its parser
 * (nvlink_parse.c). */
#ifndef ML_PROBE_NVLINK_H
#define ML_PROBE_NVLINK_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/* Most devices (matrix columns) kept from hostile input. */
#define NVL_MAX_DEVS 512

enum nvlink_state { NVL_UNKNOWN = 0, NVL_ACTIVE, NVL_INACTIVE };

struct nvlink_link {
	int id;
	enum nvlink_state state;
	double speed_gbs; /* < 0: not reported */
	char *status;	  /* the raw status text when not a speed */
	json_t *errors;	  /* {"replay_errors": 0, ...}: counters from -e */
};

struct nvlink_gpu {
	int index;
	char *name, *uuid;
	int all_inactive_msg; /* "Unable to retrieve NVLink information as all
				 links are inActive" */
	struct nvlink_link *links;
	size_t nlinks;
};

/* The topology matrix: devices (GPU0.., NIC0.., mlx5_0..) in header order,
 * cell[i * ndev + j] the connection of row device i to column j ("X",
 * "NV18", "SYS", ...); rows lists per row device its affinity columns. */
struct nvlink_topo {
	char **dev;
	size_t ndev;
	char **cell; /* ndev * ndev; NULL where a row was missing */
	char **cpu_aff, **numa_aff, **gpu_numa; /* per device or NULL */
	int *row_seen;
	json_t *nic_names; /* {"NIC0": "mlx5_0"} */
	int in_matrix;	   /* parser state: inside the matrix rows */
	size_t naff;	   /* affinity columns in the header ... */
	int aff_kind[3];   /* ... each 0 cpu, 1 numa, 2 gpu numa id */
};

struct nvlink_data {
	struct nvlink_gpu *gpus;
	size_t ngpus;
	struct nvlink_topo topo;
	int saw_status, saw_errors, saw_topo;
	long lines;
};

/* Parses any mix of the three outputs (concatenated in one file, in any
 * order) into d, which must be zeroed. Never fails: unknown lines are
 * skipped; the caller checks saw_* to see what was found. */
void nvlink_parse(struct nvlink_data *d, const char *text, size_t len);

/* Feeds one raw line to the topology parser (nvlink_topo.c). Returns 1
 * when the line belonged to a `topo -m` matrix or legend. */
int nvlink_topo_line(struct nvlink_data *d, const char *s, size_t n);

/* Frees the matrix. */
void nvlink_topo_free(struct nvlink_topo *t);

/* Adds the topology facts of d (docs/probes/nvlink.md: "topology",
 * "pairs_without_nvlink", "selected") and their reasons to facts.
 * expect: auto, all or none; gpus: "0,1,2,3" or NULL. Returns 0, or
 * ML_EUSAGE / ML_EINPUT when gpus is malformed or names a GPU the matrix
 * lacks. */
int nvlink_topo_facts(json_t *facts, const struct nvlink_data *d,
		      const char *expect, const char *gpus, struct ml_err *err);

/* Frees everything d owns. */
void nvlink_free(struct nvlink_data *d);

#endif
