/* ckpt_pkl.h: the inert object model of the pickle scanner, shared by the
 * opcode machine (ckpt_pickle.c) and the walker that turns its result into
 * facts (ckpt_pkl_walk.c). Not used outside the checkpoint probe. */
#ifndef ML_CKPT_PKL_H
#define ML_CKPT_PKL_H

#include "probe/training/ckpt.h"

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
	json_t *globals;  /* distinct dotted names seen, in order */
	struct pk **gtab; /* hash set of the global nodes in globals */
	size_t gcap, gcount;
	int globals_over; /* more distinct globals than CKPT_PKL_MAX_GLOBALS */
};

/* A new node of kind k, or NULL past CKPT_PKL_MAX_NODES. */
struct pk *pk_new(struct pk_state *st, enum pk_kind k);

/* Runs the machine to STOP. Returns 0 (st->root set) or -1 (err set). */
int pk_run(struct pk_state *st, const uint8_t *data, size_t len,
	   const char *what, struct ml_err *err);

/* The global node for the dotted name d[0..n) (ckpt_pkl_glob.c), taking
 * ownership of d (xmalloc'd; freed when the name was seen before): one
 * node per distinct name, found by hash, so repeated imports cost neither
 * a scan nor a node. A new name is appended to st->globals; past
 * CKPT_PKL_MAX_GLOBALS distinct names st->globals_over is set (the
 * caller's verdict is then failed) and the name gets a node of its own.
 * NULL past CKPT_PKL_MAX_NODES. */
struct pk *pk_global(struct pk_state *st, char *d, size_t n);

/* Frees every node and array of st (not the globals JSON). */
void pk_state_free(struct pk_state *st);

#endif
