/* nccl.h: the parsed output of an nccl-tests benchmark (all_reduce_perf
 * and its siblings), shared by the nccl probe (nccl.c) and its parser
 * (nccl_parse.c). */
#ifndef ML_PROBE_NCCL_H
#define ML_PROBE_NCCL_H

#include <jansson.h>
#include <stddef.h>

/* Columns a result row may have, in nccl-tests' names. */
enum nccl_col {
	NC_SIZE,
	NC_COUNT,
	NC_TYPE,
	NC_REDOP,
	NC_ROOT,
	NC_TIME,
	NC_ALGBW,
	NC_BUSBW,
	NC_WRONG, /* #wrong, or error */
	NC_OTHER
};

struct nccl_data {
	enum nccl_col cols[32]; /* header columns, in order */
	size_t ncols;
	int error_col;	    /* the old float "error" column, not #wrong */
	json_t *rows;	    /* array of row objects (docs/probes/nccl.md) */
	json_t *ranks;	    /* array of {rank, host, device, gpu} */
	json_t *params;	    /* {"nGpus": 8, "minBytes": 8, ...} */
	json_t *errors;	    /* array of error lines (strings) */
	double avg_busbw;   /* "# Avg bus bandwidth", or -1 */
	long out_of_bounds; /* "# Out of bounds values : N", or -1 */
	int header_seen;
	long lines, partial_row; /* partial_row: line of a cut-off row, 0 */
};

/* Parses nccl-tests output into d (zeroed by the caller). Never fails. */
void nccl_parse(struct nccl_data *d, const char *text, size_t len);

/* Frees what d owns. */
void nccl_free(struct nccl_data *d);

#endif
