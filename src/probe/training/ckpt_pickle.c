/* ckpt_pickle.c: a pickle opcode scanner (protocols 0-5) that never
 * executes anything. It simulates the pickle machine's stack and memo
 * with inert nodes: a GLOBAL is a name, a REDUCE is a "call" node holding
 * the callable and its arguments, a persistent id is a node holding the
 * id tuple. ckpt_pkl_walk.c then walks the result to list tensors and
 * plain values. Memory is bounded by
 * CKPT_PKL_MAX_NODES; every read is bounds-checked. A long function
 * (step) is the opcode switch: one case per opcode reads best together. */
#include "probe/training/ckpt_pkl.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

struct pk *pk_new(struct pk_state *st, enum pk_kind k)
{
	struct pk *n;

	if (st->nnodes >= CKPT_PKL_MAX_NODES)
		return NULL;
	if (st->nnodes == st->capnodes) {
		st->capnodes = st->capnodes ? st->capnodes * 2 : 256;
		st->nodes =
		    xrealloc(st->nodes, st->capnodes * sizeof(*st->nodes));
	}
	n = xcalloc(1, sizeof(*n));
	n->k = k;
	st->nodes[st->nnodes++] = n;
	return n;
}

/* Appends child to n's items (NULL children are kept out). */
static void pk_add(struct pk *n, struct pk *child)
{
	if (n->n == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 4;
		n->items = xrealloc(n->items, n->cap * sizeof(*n->items));
	}
	n->items[n->n++] = child;
}

void pk_state_free(struct pk_state *st)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		free(st->nodes[i]->items);
		free(st->nodes[i]->own);
		free(st->nodes[i]);
	}
	free(st->nodes);
	free(st->stack);
	free(st->marks);
	free(st->memo);
	free(st->gtab);
	memset(st, 0, sizeof(*st));
}

static int fail(struct pk_state *st, const char *fmt, const char *a)
{
	ml_err_set(st->err, ML_EINPUT, "%s: byte %zu: %s%s", st->what,
		   st->op_at, fmt, a ? a : "");
	return -1;
}

/* A scanner limit, not a malformed pickle: ML_EUNSUPPORTED. */
static int limit(struct pk_state *st, const char *what)
{
	ml_err_set(st->err, ML_EUNSUPPORTED,
		   "%s: byte %zu: %s: over the scanner's limit", st->what,
		   st->op_at, what);
	return -1;
}

static int push(struct pk_state *st, struct pk *n)
{
	if (!n)
		return limit(st, "too many objects");
	if (st->sp == st->capstack) {
		if (st->capstack >= CKPT_PKL_MAX_NODES)
			return limit(st, "stack too deep");
		st->capstack = st->capstack ? st->capstack * 2 : 64;
		st->stack =
		    xrealloc(st->stack, st->capstack * sizeof(*st->stack));
	}
	st->stack[st->sp++] = n;
	return 0;
}

static struct pk *pop(struct pk_state *st)
{
	if (st->sp <= st->mark_floor) {
		fail(st, "stack underflow", NULL);
		return NULL;
	}
	return st->stack[--st->sp];
}

static struct pk *top(struct pk_state *st)
{
	if (st->sp <= st->mark_floor) {
		fail(st, "stack underflow", NULL);
		return NULL;
	}
	return st->stack[st->sp - 1];
}

static int mark(struct pk_state *st)
{
	if (st->nmarks == st->capmarks) {
		if (st->capmarks >= CKPT_PKL_MAX_NODES)
			return limit(st, "too many marks");
		st->capmarks = st->capmarks ? st->capmarks * 2 : 16;
		st->marks =
		    xrealloc(st->marks, st->capmarks * sizeof(*st->marks));
	}
	st->marks[st->nmarks++] = st->sp;
	st->mark_floor = st->sp;
	return 0;
}

/* Pops to the last mark; the popped items are stack[*from .. sp). */
static int pop_mark(struct pk_state *st, size_t *from)
{
	if (!st->nmarks)
		return fail(st, "no MARK on the stack", NULL);
	*from = st->marks[--st->nmarks];
	st->mark_floor = st->nmarks ? st->marks[st->nmarks - 1] : 0;
	return 0;
}

static int need(struct pk_state *st, size_t n)
{
	if (n > st->len - st->pos)
		return fail(st, "truncated: pickle ends inside an opcode",
			    NULL);
	return 0;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Reads a line (protocol 0 argument) without its newline. */
static int line(struct pk_state *st, const char **s, size_t *n)
{
	const uint8_t *p = st->data + st->pos;
	const uint8_t *nl = memchr(p, '\n', st->len - st->pos);

	if (!nl)
		return fail(st, "truncated: no end of line", NULL);
	*s = (const char *)p;
	*n = (size_t)(nl - p);
	st->pos += *n + 1;
	return 0;
}

static int memo_put(struct pk_state *st, uint64_t key)
{
	struct pk *v = top(st);

	if (!v)
		return -1;
	if (key >= CKPT_PKL_MAX_MEMO)
		return limit(st, "memo key too large");
	if (key >= st->capmemo) {
		size_t nc = st->capmemo ? st->capmemo : 64;
		while (nc <= key)
			nc *= 2;
		st->memo = xrealloc(st->memo, nc * sizeof(*st->memo));
		memset(st->memo + st->capmemo, 0,
		       (nc - st->capmemo) * sizeof(*st->memo));
		st->capmemo = nc;
	}
	st->memo[key] = v;
	if (key >= st->nmemo)
		st->nmemo = key + 1;
	return 0;
}

static int memo_get(struct pk_state *st, uint64_t key)
{
	if (key >= st->capmemo || !st->memo[key])
		return fail(st, "memo key not defined", NULL);
	return push(st, st->memo[key]);
}

static int push_str(struct pk_state *st, enum pk_kind k, size_t n)
{
	struct pk *v;

	if (need(st, n))
		return -1;
	v = pk_new(st, k);
	if (v) {
		v->s = (const char *)st->data + st->pos;
		v->slen = n;
	}
	st->pos += n;
	return push(st, v);
}

static int push_int(struct pk_state *st, int64_t i)
{
	struct pk *v = pk_new(st, PK_INT);

	if (v)
		v->i = i;
	return push(st, v);
}

/* A global "module.name": recorded, pushed as a name node (one per
 * distinct name). */
static int push_global(struct pk_state *st, const char *mod, size_t ml,
		       const char *name, size_t nl)
{
	char *d = xmalloc(ml + nl + 2);

	memcpy(d, mod, ml);
	d[ml] = '.';
	memcpy(d + ml + 1, name, nl);
	d[ml + nl + 1] = 0;
	return push(st, pk_global(st, d, ml + nl + 1));
}

/* Collects stack[from..sp) into a new container node of kind k. */
static int collect(struct pk_state *st, enum pk_kind k, size_t from)
{
	struct pk *v = pk_new(st, k);

	if (!v)
		return push(st, v);
	for (size_t i = from; i < st->sp; i++)
		pk_add(v, st->stack[i]);
	st->sp = from;
	return push(st, v);
}

static int tuple_n(struct pk_state *st, size_t n)
{
	if (st->sp < st->mark_floor + n)
		return fail(st, "stack underflow", NULL);
	return collect(st, PK_TUPLE, st->sp - n);
}

/* SETITEM(S)/APPEND(S)/ADDITEMS: adds stack[from..sp) to the object
 * below them, whatever it is (a dict, list, or an OrderedDict call). */
static int add_items(struct pk_state *st, size_t from, int pairs)
{
	struct pk *target;

	if (pairs && (st->sp - from) % 2)
		return fail(st, "odd number of items for SETITEMS", NULL);
	if (from == 0 || from <= st->mark_floor)
		return fail(st, "stack underflow", NULL);
	target = st->stack[from - 1];
	for (size_t i = from; i < st->sp; i++)
		pk_add(target, st->stack[i]);
	st->sp = from;
	return 0;
}

static int call(struct pk_state *st, enum pk_kind k)
{
	struct pk *args = pop(st), *fn = args ? pop(st) : NULL, *v;

	if (!fn)
		return -1;
	v = pk_new(st, k);
	if (v) {
		v->fn = fn;
		v->args = args;
	}
	return push(st, v);
}

static int op_long(struct pk_state *st, size_t n)
{
	struct pk *v;

	if (need(st, n))
		return -1;
	if (n <= 8) {
		uint64_t u = le(st->data + st->pos, (int)n);
		if (n && n < 8 && (u >> (8 * n - 1)) & 1)
			u |= ~0ULL << (8 * n); /* sign-extend */
		st->pos += n;
		return push_int(st, (int64_t)u);
	}
	v = pk_new(st, PK_BIGINT);
	if (v) {
		v->s = (const char *)st->data + st->pos;
		v->slen = n;
	}
	st->pos += n;
	return push(st, v);
}

static int op_text_num(struct pk_state *st, int is_float)
{
	const char *s;
	size_t n;
	char tmp[64], *end;
	struct pk *v;

	if (line(st, &s, &n))
		return -1;
	if (!is_float && n == 2 &&
	    (!memcmp(s, "00", 2) || !memcmp(s, "01", 2))) {
		v = pk_new(st, PK_BOOL);
		if (v)
			v->i = s[1] == '1';
		return push(st, v);
	}
	if (n && s[n - 1] == 'L')
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return push(st, pk_new(st, is_float ? PK_FLOAT : PK_BIGINT));
	memcpy(tmp, s, n);
	tmp[n] = 0;
	v = pk_new(st, is_float ? PK_FLOAT : PK_INT);
	if (!v)
		return push(st, v);
	if (is_float)
		v->f = strtod(tmp, &end);
	else
		v->i = strtoll(tmp, &end, 10);
	if (*end)
		return fail(st, "bad number in text opcode", NULL);
	return push(st, v);
}

static int op_text_global(struct pk_state *st)
{
	const char *m, *nm;
	size_t ml, nl;

	if (line(st, &m, &ml) || line(st, &nm, &nl))
		return -1;
	return push_global(st, m, ml, nm, nl);
}

static int op_stack_global(struct pk_state *st)
{
	struct pk *name = pop(st), *mod = name ? pop(st) : NULL;

	if (!mod)
		return -1;
	if (mod->k != PK_STR || name->k != PK_STR)
		return fail(st, "STACK_GLOBAL needs two strings", NULL);
	return push_global(st, mod->s, mod->slen, name->s, name->slen);
}

static int op_persid(struct pk_state *st, int binary)
{
	struct pk *pid, *v;

	if (binary) {
		pid = pop(st);
		if (!pid)
			return -1;
	} else {
		const char *s;
		size_t n;
		if (line(st, &s, &n))
			return -1;
		pid = pk_new(st, PK_STR);
		if (!pid)
			return push(st, pid);
		pid->s = s;
		pid->slen = n;
	}
	v = pk_new(st, PK_PERSID);
	if (v)
		v->args = pid;
	return push(st, v);
}

/* Executes the opcode at st->pos. Returns 1 at STOP, 0 to go on, -1 on
 * error. Long because it is the opcode table. */
static int step(struct pk_state *st)
{
	uint8_t op;
	size_t from;
	struct pk *a, *b;

	st->op_at = st->pos;
	if (need(st, 1))
		return -1;
	op = st->data[st->pos++];
	switch (op) {
	case '.': /* STOP */
		return 1;
	case '(': /* MARK */
		return mark(st);
	case '0': /* POP */
		return pop(st) ? 0 : -1;
	case '1': /* POP_MARK */
		if (pop_mark(st, &from))
			return -1;
		st->sp = from;
		return 0;
	case '2': /* DUP */
		a = top(st);
		return a ? push(st, a) : -1;
	case 'F': /* FLOAT */
		return op_text_num(st, 1);
	case 'I': /* INT */
	case 'L': /* LONG */
		return op_text_num(st, 0);
	case 'J': /* BININT */
		if (need(st, 4))
			return -1;
		st->pos += 4;
		return push_int(st, (int32_t)le(st->data + st->pos - 4, 4));
	case 'K': /* BININT1 */
		if (need(st, 1))
			return -1;
		return push_int(st, st->data[st->pos++]);
	case 'M': /* BININT2 */
		if (need(st, 2))
			return -1;
		st->pos += 2;
		return push_int(st, (int64_t)le(st->data + st->pos - 2, 2));
	case 'G': /* BINFLOAT, big-endian double */
		if (need(st, 8))
			return -1;
		{
			uint64_t u = 0;
			double d;
			for (int i = 0; i < 8; i++)
				u = u << 8 | st->data[st->pos + i];
			memcpy(&d, &u, 8);
			st->pos += 8;
			a = pk_new(st, PK_FLOAT);
			if (a)
				a->f = d;
			return push(st, a);
		}
	case 'N': /* NONE */
		return push(st, pk_new(st, PK_NONE));
	case 0x88: /* NEWTRUE */
	case 0x89: /* NEWFALSE */
		a = pk_new(st, PK_BOOL);
		if (a)
			a->i = op == 0x88;
		return push(st, a);
	case 0x8a: /* LONG1 */
		if (need(st, 1))
			return -1;
		return op_long(st, st->data[st->pos++]);
	case 0x8b: /* LONG4 */
		if (need(st, 4))
			return -1;
		st->pos += 4;
		if ((int32_t)le(st->data + st->pos - 4, 4) < 0)
			return fail(st, "negative LONG4 length", NULL);
		return op_long(st, (size_t)le(st->data + st->pos - 4, 4));
	case 'S': /* STRING 'text' */
	case 'V': /* UNICODE raw-unicode-escape */
	{
		const char *s;
		size_t n;
		if (line(st, &s, &n))
			return -1;
		a = pk_new(st, PK_STR);
		if (a) {
			if (op == 'S' && n >= 2 &&
			    (s[0] == '\'' || s[0] == '"')) {
				s++;
				n -= 2;
			}
			a->s = s;
			a->slen = n;
		}
		return push(st, a);
	}
	case 'T': /* BINSTRING */
	case 'X': /* BINUNICODE */
	case 'B': /* BINBYTES */
		if (need(st, 4))
			return -1;
		st->pos += 4;
		return push_str(st, op == 'B' ? PK_BYTES : PK_STR,
				(size_t)le(st->data + st->pos - 4, 4));
	case 'U':  /* SHORT_BINSTRING */
	case 'C':  /* SHORT_BINBYTES */
	case 0x8c: /* SHORT_BINUNICODE */
		if (need(st, 1))
			return -1;
		st->pos++;
		return push_str(st, op == 'C' ? PK_BYTES : PK_STR,
				st->data[st->pos - 1]);
	case 0x8d: /* BINUNICODE8 */
	case 0x8e: /* BINBYTES8 */
	case 0x96: /* BYTEARRAY8 */
		if (need(st, 8))
			return -1;
		st->pos += 8;
		{
			uint64_t n = le(st->data + st->pos - 8, 8);
			if (n > st->len - st->pos)
				return need(st, st->len - st->pos + 1);
			return push_str(st, op == 0x8d ? PK_STR : PK_BYTES,
					(size_t)n);
		}
	case ')': /* EMPTY_TUPLE */
		return push(st, pk_new(st, PK_TUPLE));
	case ']': /* EMPTY_LIST */
		return push(st, pk_new(st, PK_LIST));
	case '}': /* EMPTY_DICT */
		return push(st, pk_new(st, PK_DICT));
	case 0x8f: /* EMPTY_SET */
		return push(st, pk_new(st, PK_SET));
	case 't':  /* TUPLE */
	case 'l':  /* LIST */
	case 'd':  /* DICT */
	case 0x91: /* FROZENSET */
		if (pop_mark(st, &from))
			return -1;
		return collect(st,
			       op == 't'   ? PK_TUPLE
			       : op == 'l' ? PK_LIST
			       : op == 'd' ? PK_DICT
					   : PK_SET,
			       from);
	case 0x85: /* TUPLE1 */
	case 0x86: /* TUPLE2 */
	case 0x87: /* TUPLE3 */
		return tuple_n(st, (size_t)(op - 0x84));
	case 'a': /* APPEND */
		if (st->sp < st->mark_floor + 2)
			return fail(st, "stack underflow", NULL);
		return add_items(st, st->sp - 1, 0);
	case 's': /* SETITEM */
		if (st->sp < st->mark_floor + 3)
			return fail(st, "stack underflow", NULL);
		return add_items(st, st->sp - 2, 1);
	case 'e':  /* APPENDS */
	case 'u':  /* SETITEMS */
	case 0x90: /* ADDITEMS */
		if (pop_mark(st, &from))
			return -1;
		return add_items(st, from, op == 'u');
	case 'c': /* GLOBAL module\nname\n */
		return op_text_global(st);
	case 'i': /* INST module\nname\n: a global plus a call */
		if (op_text_global(st))
			return -1;
		a = pop(st);
		if (pop_mark(st, &from) || !a)
			return -1;
		if (collect(st, PK_TUPLE, from))
			return -1;
		b = pop(st);
		if (push(st, a) || push(st, b))
			return -1;
		return call(st, PK_CALL);
	case 0x93: /* STACK_GLOBAL */
		return op_stack_global(st);
	case 'o': /* OBJ: MARK cls args... */
		if (pop_mark(st, &from))
			return -1;
		if (from >= st->sp)
			return fail(st, "OBJ without a class", NULL);
		a = st->stack[from];
		if (collect(st, PK_TUPLE, from + 1))
			return -1;
		b = pop(st);
		st->sp = from;
		if (push(st, a) || push(st, b))
			return -1;
		return call(st, PK_CALL);
	case 'R':  /* REDUCE */
	case 0x81: /* NEWOBJ */
		return call(st, PK_CALL);
	case 0x92: /* NEWOBJ_EX: cls args kwargs */
		if (!pop(st))
			return -1;
		return call(st, PK_CALL);
	case 'b': /* BUILD: state is dropped, the object stays */
		return pop(st) && top(st) ? 0 : -1;
	case 'P': /* PERSID */
	case 'Q': /* BINPERSID */
		return op_persid(st, op == 'Q');
	case 'p': /* PUT */
	case 'g': /* GET */
	{
		const char *s;
		size_t n;
		char tmp[24], *end;
		if (line(st, &s, &n))
			return -1;
		if (n == 0 || n >= sizeof(tmp))
			return fail(st, "bad memo key", NULL);
		memcpy(tmp, s, n);
		tmp[n] = 0;
		unsigned long long k = strtoull(tmp, &end, 10);
		if (*end || tmp[0] == '-')
			return fail(st, "bad memo key", NULL);
		return op == 'p' ? memo_put(st, k) : memo_get(st, k);
	}
	case 'q': /* BINPUT */
	case 'h': /* BINGET */
		if (need(st, 1))
			return -1;
		st->pos++;
		return op == 'q' ? memo_put(st, st->data[st->pos - 1])
				 : memo_get(st, st->data[st->pos - 1]);
	case 'r': /* LONG_BINPUT */
	case 'j': /* LONG_BINGET */
		if (need(st, 4))
			return -1;
		st->pos += 4;
		return op == 'r' ? memo_put(st, le(st->data + st->pos - 4, 4))
				 : memo_get(st, le(st->data + st->pos - 4, 4));
	case 0x94: /* MEMOIZE */
		return memo_put(st, st->nmemo);
	case 0x80: /* PROTO */
		if (need(st, 1))
			return -1;
		st->proto = st->data[st->pos++];
		if (st->proto > 5)
			return fail(st, "unsupported pickle protocol", NULL);
		return 0;
	case 0x95: /* FRAME: length ignored, opcodes follow inline */
		if (need(st, 8))
			return -1;
		st->pos += 8;
		return 0;
	case 0x82: /* EXT1 */
	case 0x83: /* EXT2 */
	case 0x84: /* EXT4 */
	{
		int n = op == 0x82 ? 1 : op == 0x83 ? 2 : 4;
		if (need(st, (size_t)n))
			return -1;
		st->pos += (size_t)n;
		return push(st, pk_global(st, xstrdup("copyreg.extension_code"),
					  strlen("copyreg.extension_code")));
	}
	case 0x97: /* NEXT_BUFFER: out-of-band data, never in a file */
		return push(st, pk_new(st, PK_BYTES));
	case 0x98: /* READONLY_BUFFER */
		return top(st) ? 0 : -1;
	default: {
		char what[8];
		snprintf(what, sizeof(what), "0x%02x", op);
		return fail(st, "unknown opcode ", what);
	}
	}
}

int pk_run(struct pk_state *st, const uint8_t *data, size_t len,
	   const char *what, struct ml_err *err)
{
	int r;

	st->data = data;
	st->len = len;
	st->what = what;
	st->err = err;
	if (len == 0) {
		ml_err_set(err, ML_EINPUT, "%s: empty pickle", what);
		return -1;
	}
	while ((r = step(st)) == 0)
		;
	if (r < 0)
		return -1;
	st->root = st->sp > st->mark_floor ? st->stack[st->sp - 1] : NULL;
	if (!st->root) {
		st->op_at = st->pos - 1;
		return fail(st, "STOP with an empty stack", NULL);
	}
	return 0;
}
