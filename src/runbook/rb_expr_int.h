/* rb_expr_int.h: pieces of the Lua sandbox shared by rb_expr.c (states,
 * evaluation, errors) and rb_expr_lua.c (safe libraries, read-only proxies,
 * JSON <-> Lua). Not a public interface. */
#ifndef ML_RB_EXPR_INT_H
#define ML_RB_EXPR_INT_H

#include <jansson.h>
#include <lua.h>

/* Deepest nesting of facts turned into Lua tables, and of Lua tables
 * turned back into JSON. */
#define RBX_MAX_DEPTH 64

/* Largest string string.rep may build, and the largest repeat count. */
#define RBX_MAX_REP_BYTES (1024 * 1024)
#define RBX_MAX_REP_COUNT 1000000

/* Pattern functions (find, match, gmatch, gsub) refuse a subject of n
 * bytes with q backtracking quantifiers (* + - ?) when n^(q+1) exceeds
 * this: Lua patterns backtrack in C, where the instruction limit cannot
 * see them. Plain find (4th argument true) is never refused. */
#define RBX_MAX_PATTERN_COST 1e10

/* Installs the safe libraries in a new state and builds the sandbox
 * environment; leaves nothing on the stack. Raises Lua errors (run it
 * protected). Registry keys: RBX_ENV (the _ENV proxy of expressions) and
 * RBX_FACTS (name -> value of the facts and params). */
#define RBX_ENV "mloncall.env"
#define RBX_FACTS "mloncall.facts"
int rbx_open_sandbox(lua_State *L);

/* Pushes j as a Lua value: objects and arrays become read-only tables,
 * null becomes nil. Raises a Lua error when nested too deep. */
void rbx_push_json(lua_State *L, const json_t *j, int depth);

/* The Lua value at idx as JSON (new reference); read-only proxies are
 * seen through; functions and other values become their type name as a
 * string. Returns NULL when nested too deep. */
json_t *rbx_to_json(lua_State *L, int idx, int depth);

#endif
