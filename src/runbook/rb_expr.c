/* rb_expr.c: sandboxed Lua 5.4 expressions (`when:`, `expect:`): one Lua
 * state per environment with a memory-capped allocator and an instruction
 * limit; compiling, evaluating, and errors placed at the runbook's
 * file:line:col. The sandbox's contents are in rb_expr_lua.c. */
#include "runbook/rb_expr.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "runbook/rb_expr_int.h"

/* Instructions between two checks of the instruction limit. */
#define RBX_HOOK_EVERY 1000

struct rb_expr_env {
	lua_State *L;
	size_t used;  /* bytes allocated by Lua */
	size_t limit; /* allocation fails beyond this */
	long long steps;
	int over_memory; /* an allocation was refused */
};

static void *env_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct rb_expr_env *e = ud;
	size_t old = ptr ? osize : 0;

	if (nsize == 0) {
		free(ptr);
		e->used -= old;
		return NULL;
	}
	if (nsize > old && e->used + (nsize - old) > e->limit) {
		e->over_memory = 1;
		return NULL;
	}
	ptr = realloc(ptr, nsize);
	if (ptr)
		e->used = e->used - old + nsize;
	return ptr;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	void *ud;

	(void)ar;
	lua_getallocf(L, &ud);
	if (((struct rb_expr_env *)ud)->steps++ * RBX_HOOK_EVERY >=
	    ML_LUA_MAX_INSTRUCTIONS)
		luaL_error(L,
			   "instruction limit exceeded (%d): the expression "
			   "runs too long (an endless loop?)",
			   ML_LUA_MAX_INSTRUCTIONS);
}

static struct rb_expr_env *state_new(size_t limit)
{
	struct rb_expr_env *e = xcalloc(1, sizeof(*e));

	e->limit = limit;
	e->L = lua_newstate(env_alloc, e);
	if (!e->L) {
		free(e);
		return NULL;
	}
	return e;
}

void rb_expr_env_free(struct rb_expr_env *env)
{
	if (!env)
		return;
	lua_close(env->L);
	free(env);
}

/* Protected body of env_set: [name, value lightuserdata]. */
static int set_fact(lua_State *L)
{
	const char *name = lua_tostring(L, 1);
	const json_t *v = lua_touserdata(L, 2);

	lua_getfield(L, LUA_REGISTRYINDEX, RBX_FACTS);
	if (v)
		rbx_push_json(L, v, 0);
	else
		lua_pushnil(L); /* NULL: the fact is removed */
	lua_setfield(L, -2, name);
	return 0;
}

static int pfail(struct rb_expr_env *e, int status, struct ml_err *err,
		 const char *what)
{
	const char *m = lua_tostring(e->L, -1);

	ml_err_set(err, status == LUA_ERRMEM ? ML_ENOMEM : ML_EINPUT, "%s: %s",
		   what,
		   status == LUA_ERRMEM ? "facts too large for the expression "
					  "memory limit"
					: (m ? m : "Lua error"));
	lua_settop(e->L, 0);
	return err ? err->code : ML_EINPUT;
}

int rb_expr_env_set(struct rb_expr_env *env, const char *name,
		    const json_t *value, struct ml_err *err)
{
	int st;

	if (!name || !*name)
		return ml_err_set(err, ML_EINTERNAL, "fact without a name");
	env->limit = env->used + ML_LUA_MAX_FACTS_MEMORY;
	lua_pushcfunction(env->L, set_fact);
	lua_pushstring(env->L, name);
	lua_pushlightuserdata(env->L, (void *)value);
	st = lua_pcall(env->L, 2, 0, 0);
	if (st != LUA_OK)
		return pfail(env, st, err, name);
	return 0;
}

static int open_sandbox(lua_State *L)
{
	return rbx_open_sandbox(L);
}

int rb_expr_env_new(const json_t *facts, const json_t *params,
		    struct rb_expr_env **out, struct ml_err *err)
{
	struct rb_expr_env *e = state_new(ML_LUA_MAX_FACTS_MEMORY);
	const char *k;
	json_t *v;
	int st, rc;

	*out = NULL;
	if (!e)
		return ml_err_set(err, ML_ENOMEM, "cannot create a Lua state");
	lua_pushcfunction(e->L, open_sandbox);
	if ((st = lua_pcall(e->L, 0, 0, 0)) != LUA_OK) {
		pfail(e, st, err, "Lua sandbox");
		rb_expr_env_free(e);
		return err ? err->code : ML_EINTERNAL;
	}
	if (json_is_object(facts))
		json_object_foreach(
		    (json_t *)facts, k,
		    v) if ((rc = rb_expr_env_set(e, k, v, err)) != 0)
		{
			rb_expr_env_free(e);
			return rc;
		}
	if (params && (rc = rb_expr_env_set(e, "params", params, err)) != 0) {
		rb_expr_env_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* "return (\n" expr "\n)": one expression; a trailing -- comment is fine. */
static int load_expr(lua_State *L, const char *expr)
{
	struct buf b = BUF_INIT;
	int st;

	buf_printf(&b, "return (\n%s\n)", expr);
	st = luaL_loadbufferx(L, buf_str(&b), b.len, "=expr", "t");
	buf_free(&b);
	return st;
}

/* Turns Lua's "expr:N: message" into an error at the runbook position. */
static int expr_fail(const char *msg, const char *expr, const char *file,
		     int line, int col, struct ml_err *err, int code)
{
	long n = 0;
	const char *p = msg ? msg : "Lua error";
	char tail[512];

	if (str_starts(p, "expr:")) {
		char *end;

		n = strtol(p + 5, &end, 10);
		if (*end == ':') {
			p = end + 1;
			while (*p == ' ')
				p++;
		} else {
			n = 0;
		}
	}
	if (str_starts(p, "')' expected (to close '(' at line 1) near ")) {
		/* the wrapper's own parenthesis: say what the user wrote */
		snprintf(
		    tail, sizeof(tail),
		    "unexpected %s (expected an operator or the end of "
		    "the expression)",
		    p + strlen("')' expected (to close '(' at line 1) near "));
		p = tail;
	}
	if (n > 2 && line > 0) {
		long last = 2; /* the expression's last line in the chunk */

		for (const char *q = expr; *q; q++)
			last += *q == '\n';
		if (n > last) { /* on the wrapper's closing line */
			const char *near = strstr(p, " near ')'");

			n = last;
			if (near) {
				snprintf(tail, sizeof(tail),
					 "%.*s at the end of "
					 "the expression",
					 (int)(near - p), p);
				p = tail;
			}
		}
		if (n > 2) {
			line += (int)n - 2;
			col = 0;
		}
	}
	return ml_err_at(err, code, file, line, col, "expression `%.80s%s`: %s",
			 expr, strlen(expr) > 80 ? "..." : "", p);
}

int rb_expr_check(const char *expr, const char *file, int line, int col,
		  struct ml_err *err)
{
	struct rb_expr_env *e;
	int st, rc = 0;

	if (!expr || !*expr || strspn(expr, " \t\r\n") == strlen(expr))
		return ml_err_at(err, ML_EINPUT, file, line, col,
				 "empty expression");
	if (!(e = state_new(ML_LUA_MAX_MEMORY)))
		return ml_err_set(err, ML_ENOMEM, "cannot create a Lua state");
	st = load_expr(e->L, expr);
	if (st != LUA_OK)
		rc = expr_fail(st == LUA_ERRMEM ? "expression too large"
						: lua_tostring(e->L, -1),
			       expr, file, line, col, err, ML_EINPUT);
	rb_expr_env_free(e);
	return rc;
}

/* Compiles and runs expr with the limits on; leaves one result on the
 * stack, or fills err. */
static int run_expr(struct rb_expr_env *e, const char *expr, const char *file,
		    int line, int col, struct ml_err *err)
{
	lua_State *L = e->L;
	int st;

	lua_settop(L, 0);
	lua_gc(L, LUA_GCCOLLECT);
	e->limit = e->used + ML_LUA_MAX_MEMORY;
	e->over_memory = 0;
	e->steps = 0;
	if (!expr || !*expr)
		return ml_err_at(err, ML_EINPUT, file, line, col,
				 "empty expression");
	st = load_expr(L, expr);
	if (st == LUA_OK) {
		lua_getfield(L, LUA_REGISTRYINDEX, RBX_ENV);
		lua_setupvalue(L, -2, 1);
		lua_sethook(L, count_hook, LUA_MASKCOUNT, RBX_HOOK_EVERY);
		st = lua_pcall(L, 0, 1, 0);
		lua_sethook(L, NULL, 0, 0);
	}
	if (st == LUA_OK)
		return 0;
	if (st == LUA_ERRMEM || e->over_memory)
		lua_pushfstring(L, "memory limit exceeded (%d bytes)",
				ML_LUA_MAX_MEMORY);
	st = expr_fail(lua_tostring(L, -1), expr, file, line, col, err,
		       ML_EINPUT);
	lua_settop(L, 0);
	return st;
}

int rb_expr_eval_bool(struct rb_expr_env *env, const char *expr,
		      const char *file, int line, int col, int *result,
		      struct ml_err *err)
{
	int rc = run_expr(env, expr, file, line, col, err);

	if (rc)
		return rc;
	*result = lua_toboolean(env->L, -1);
	lua_settop(env->L, 0);
	return 0;
}

int rb_expr_eval_json(struct rb_expr_env *env, const char *expr,
		      const char *file, int line, int col, json_t **out,
		      struct ml_err *err)
{
	int rc = run_expr(env, expr, file, line, col, err);

	*out = NULL;
	if (rc)
		return rc;
	*out = rbx_to_json(env->L, -1, 0);
	lua_settop(env->L, 0);
	if (!*out)
		return ml_err_at(err, ML_EINPUT, file, line, col,
				 "expression result nested deeper than %d "
				 "levels",
				 RBX_MAX_DEPTH);
	return 0;
}
