/* rb_expr_lua.c: the Lua side of the expression sandbox: which functions
 * expressions may call, read-only proxy tables for facts and libraries,
 * a capped string.rep, cost-checked pattern functions, and conversion
 * between JSON and Lua values. */
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runbook/rb_expr_int.h"

/* ---- read-only proxies ---------------------------------------------- */

/* Every proxy is an empty table whose own metatable has __index = the
 * real table; these shared functions find the real table through it.
 * __metatable hides the metatable from Lua code. */
static void push_real(lua_State *L, int proxy)
{
	if (!lua_getmetatable(L, proxy)) {
		lua_pushvalue(L, proxy);
		return;
	}
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
}

static int ro_newindex(lua_State *L)
{
	const char *k =
	    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";

	return luaL_error(L, "facts are read-only: cannot set `%s`", k);
}

static int ro_len(lua_State *L)
{
	push_real(L, 1);
	lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
	return 1;
}

static int ro_next(lua_State *L)
{
	push_real(L, 1);
	lua_pushvalue(L, 2);
	if (!lua_next(L, -2))
		return 0;
	return 2;
}

static int ro_pairs(lua_State *L)
{
	lua_pushcfunction(L, ro_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Replaces the table at the top of the stack by a read-only proxy. */
static void make_proxy(lua_State *L)
{
	lua_newtable(L);	  /* real proxy */
	lua_createtable(L, 0, 5); /* real proxy mt */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, ro_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ro_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, ro_pairs);
	lua_setfield(L, -2, "__pairs");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

/* ---- JSON <-> Lua ---------------------------------------------------- */

void rbx_push_json(lua_State *L, const json_t *j, int depth)
{
	const char *k;
	json_t *v;
	size_t i;

	if (depth > RBX_MAX_DEPTH)
		luaL_error(L, "facts nested deeper than %d levels",
			   RBX_MAX_DEPTH);
	luaL_checkstack(L, 8, "facts nested too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_foreach((json_t *)j, k, v)
		{
			if (json_is_null(v))
				continue;
			rbx_push_json(L, v, depth + 1);
			lua_setfield(L, -2, k);
		}
		make_proxy(L);
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(j), 0);
		json_array_foreach(j, i, v)
		{
			rbx_push_json(L, v, depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		make_proxy(L);
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(j));
		break;
	default:
		lua_pushnil(L);
	}
}

/* A table is a list when its keys are exactly 1..n. */
static int is_list(lua_State *L, int idx, size_t *n)
{
	size_t count = 0;

	*n = lua_rawlen(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		count++;
		if (!lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return 0;
		}
	}
	return count == *n && (*n > 0 || count == 0);
}

static json_t *table_to_json(lua_State *L, int idx, int depth)
{
	json_t *out;
	size_t n;

	if (!lua_checkstack(L, 6))
		return NULL;
	push_real(L, idx);
	idx = lua_gettop(L);
	if (is_list(L, idx, &n) && n > 0) {
		out = json_array();
		for (size_t i = 1; i <= n; i++) {
			json_t *v;

			lua_rawgeti(L, idx, (lua_Integer)i);
			v = rbx_to_json(L, -1, depth + 1);
			lua_pop(L, 1);
			if (!v) {
				json_decref(out);
				lua_pop(L, 1);
				return NULL;
			}
			json_array_append_new(out, v);
		}
		lua_pop(L, 1);
		return out;
	}
	out = json_object();
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		char key[64];
		const char *ks = key;
		json_t *v = rbx_to_json(L, -1, depth + 1);

		if (lua_type(L, -2) == LUA_TSTRING)
			ks = lua_tostring(L, -2);
		else if (lua_isinteger(L, -2))
			snprintf(key, sizeof(key), "%lld",
				 (long long)lua_tointeger(L, -2));
		else
			snprintf(key, sizeof(key), "%s", luaL_typename(L, -2));
		lua_pop(L, 1);
		if (!v) {
			lua_pop(L, 2);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, ks, v);
	}
	lua_pop(L, 1);
	return out;
}

json_t *rbx_to_json(lua_State *L, int idx, int depth)
{
	double d;

	if (depth > RBX_MAX_DEPTH)
		return NULL;
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		d = lua_tonumber(L, idx);
		return isfinite(d) ? json_real(d) : json_null();
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		json_t *j = json_stringn(s, len);

		return j ? j : json_string("(not UTF-8)");
	}
	case LUA_TTABLE:
		return table_to_json(L, idx, depth);
	default:
		return json_string(luaL_typename(L, idx));
	}
}

/* ---- safe library functions ------------------------------------------ */

/* string.rep with a cap on the result and on the count (the original
 * loops in C, out of reach of the instruction limit). */
static int safe_rep(lua_State *L)
{
	size_t l, lsep = 0;
	lua_Integer n;

	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n > RBX_MAX_REP_COUNT ||
	    (n > 0 && (double)(l + lsep) * (double)n > RBX_MAX_REP_BYTES))
		return luaL_error(L,
				  "string.rep: result too large (at most %d "
				  "bytes, %d repeats)",
				  RBX_MAX_REP_BYTES, RBX_MAX_REP_COUNT);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* Backtracking quantifiers in a Lua pattern (outside %-escapes). */
static int quantifiers(const char *p, size_t n)
{
	int q = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%') {
			i++;
			continue;
		}
		if (p[i] == '*' || p[i] == '+' || p[i] == '-' || p[i] == '?')
			q++;
	}
	return q;
}

static int guarded_pattern(lua_State *L)
{
	size_t ls = 0, lp = 0;
	int plain = lua_toboolean(L, 4) &&
		    lua_toboolean(L, lua_upvalueindex(2)); /* find only */
	const char *p;

	luaL_checklstring(L, 1, &ls);
	p = luaL_checklstring(L, 2, &lp);
	if (!plain) {
		int q = quantifiers(p, lp);

		if (q > 0 && pow((double)ls + 1, q + 1) > RBX_MAX_PATTERN_COST)
			return luaL_error(L,
					  "pattern with %d quantifiers on a "
					  "%I-byte string is too costly; use "
					  "a simpler pattern or a plain find",
					  q, (lua_Integer)ls);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* Wraps string[name] (string table at -1) with f. */
static void wrap(lua_State *L, const char *name, lua_CFunction f, int plain_ok)
{
	lua_getfield(L, -1, name);
	if (f == guarded_pattern) {
		lua_pushboolean(L, plain_ok);
		lua_pushcclosure(L, f, 2);
	} else {
		lua_pushcclosure(L, f, 1);
	}
	lua_setfield(L, -2, name);
}

/* Makes the string library (shared with the string metatable, so
 * ("").rep is covered too) safe. */
static void fix_string_lib(lua_State *L)
{
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	wrap(L, "rep", safe_rep, 0);
	wrap(L, "find", guarded_pattern, 1);
	wrap(L, "match", guarded_pattern, 0);
	wrap(L, "gmatch", guarded_pattern, 0);
	wrap(L, "gsub", guarded_pattern, 0);
	lua_pop(L, 1);
}

static const char *const safe_globals[] = {"assert",   "error",	 "ipairs",
					   "pairs",    "select", "tonumber",
					   "tostring", "type",	 NULL};
static const char *const safe_libs[] = {"string", "math", "table", "utf8",
					NULL};

static int globals_newindex(lua_State *L)
{
	const char *k =
	    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";

	return luaL_error(L,
			  "cannot assign the global `%s`: expressions only "
			  "read facts (use `local`)",
			  k);
}

int rbx_open_sandbox(lua_State *L)
{
	luaL_requiref(L, "_G", luaopen_base, 1);
	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
	luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
	lua_pop(L, 5);
	fix_string_lib(L);

	lua_newtable(L); /* facts: name -> value */
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, RBX_FACTS);

	lua_newtable(L); /* facts base; base.__index = facts */
	for (int i = 0; safe_globals[i]; i++) {
		lua_getglobal(L, safe_globals[i]);
		lua_setfield(L, -2, safe_globals[i]);
	}
	for (int i = 0; safe_libs[i]; i++) {
		lua_getglobal(L, safe_libs[i]);
		make_proxy(L);
		lua_setfield(L, -2, safe_libs[i]);
	}
	lua_createtable(L, 0, 1);
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2); /* facts base */

	lua_newtable(L); /* facts base env */
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, globals_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, RBX_ENV);
	lua_pop(L, 2);
	return 0;
}
