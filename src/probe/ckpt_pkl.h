/* ckpt_pkl.h: the inert object model of the pickle scanner, shared by the
 * opcode machine (ckpt_pickle.c) and the walker that turns its result into
 * facts (ckpt_pkl_walk.c). Not used outside the checkpoint probe. */
#ifndef ML_CKPT_PKL_H
#define ML_CKPT_PKL_H

#include "probe/ckpt.h"

enum pk_kind {
	PK_NONE,
	PK_BOOL,
	PK_INT,
	PK_BIGINT, /* s/slen: little-endian two's complement bytes */
	PK_FLOAT,
	PK_STR, /* s/slen point into the pickle (not NUL-terminated) */
	PK_BYTES,
	PK_TUPLE,
	PK_LIST,
	PK_DICT, /* items: k0, v0, k1, v1, ... */
	PK_SET,
	PK_GLOBAL, /* s: "module.name" (owned) */
	PK_CALL,   /* fn(args); items: what SETITEMS/APPENDS added */
	PK_PERSID  /* args: the persistent id */
};

/* One inert object. Nodes are owned by the state's node list. */
struct pk {
	enum pk_kind k;
	int bad_name;
	int64_t i;
	double f;
	const char *s;
	size_t slen;
	char *own; /* storage owned by the node, or NULL */
	struct pk **items;
	size_t n, cap;
	struct pk *fn, *args;
};

struct pk_state {
	const uint8_t *data;
	size_t len, pos, op_at;
	const char *what;
	struct ml_err *err;
	int proto;
	struct pk **nodes;
	size_t nnodes, capnodes;
	struct pk **stack;
	size_t sp, capstack;
	size_t *marks;
	size_t nmarks, capmarks, mark_floor;
	struct pk **memo;
	size_t nmemo, capmemo;
	struct pk *root;
	json_t *globals; /* distinct dotted names seen, in order */
};

/* A new node of kind k, or NULL past CKPT_PKL_MAX_NODES. */
struct pk *pk_new(struct pk_state *st, enum pk_kind k);

/* Runs the machine to STOP. Returns 0 (st->root set) or -1 (err set). */
int pk_run(struct pk_state *st, const uint8_t *data, size_t len,
	   const char *what, struct ml_err *err);

/* Records a global (ckpt_pkl_walk.c). */
void pk_note_global(struct pk_state *st, const struct pk *g);

/* Frees every node and array of st (not the globals JSON). */
void pk_state_free(struct pk_state *st);

#endif
