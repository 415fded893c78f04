/* token_ls.c: `mloncall token ls` (name, role, person, created, last
 * used; never the secret nor its hash) and `mloncall token revoke NAME`
 * (a running service refuses the token from its next request: it looks
 * every token up in the store, nothing is cached). */
#include <stdio.h>
#include <string.h>

#include "cmd/token.h"
#include "core/dur.h"
#include "store/store.h"

/* RFC 3339 to the second, or NULL for a missing stamp. */
static json_t *stamp(const json_t *v)
{
	char t[32];

	if (!json_is_integer(v))
		return json_null();
	time_format((int64_t)json_integer_value(v), t, sizeof(t));
	memcpy(t + 19, "Z", 2);
	return json_string(t);
}

/* The store's rows in the documented -o json form. */
static json_t *tokens_json(const json_t *rows)
{
	json_t *list = json_array(), *row;
	size_t i;

	json_array_foreach(rows, i, row) json_array_append_new(
	    list,
	    json_pack("{s:O, s:O, s:O, s:o, s:o}", "name",
		      json_object_get(row, "name"), "role",
		      json_object_get(row, "role"), "person",
		      json_object_get(row, "person"), "created",
		      stamp(json_object_get(row, "created_at")), "last_used",
		      stamp(json_object_get(row, "last_used_at"))));
	return json_pack("{s:o}", "tokens", list);
}

static void tokens_text(const json_t *doc)
{
	const json_t *list = json_object_get(doc, "tokens"), *t;
	size_t i;

	if (!json_array_size(list)) {
		printf("no tokens (mloncall token add NAME creates one)\n");
		return;
	}
	printf("%-20s %-9s %-16s %-20s %s\n", "NAME", "ROLE", "PERSON",
	       "CREATED", "LAST USED");
	json_array_foreach(list, i, t) printf(
	    "%-20s %-9s %-16s %-20s %s\n", jget_str(t, "name", ""),
	    jget_str(t, "role", ""), jget_str(t, "person", "-"),
	    jget_str(t, "created", "-"), jget_str(t, "last_used", "never"));
}

static int token_ls(const struct cmd_entry *self, int argc, char **argv)
{
	struct token_opts o = {0};
	struct store *s = NULL;
	struct ml_err err = {0};
	json_t *rows = NULL, *doc;
	int rc;

	if ((rc = token_opts_parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs)
		return cmd_usage(self, "unexpected argument `%s`", o.args[0]);
	if ((rc = store_open(o.db, &s, &err)) == 0)
		rc = store_token_list(s, &rows, &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	doc = tokens_json(rows);
	json_decref(rows);
	if (o.fmt == OUT_JSON)
		out_json(stdout, doc);
	else
		tokens_text(doc);
	json_decref(doc);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_token_ls_entry = {
    .path = "token ls",
    .summary = "list API tokens (never their secrets)",
    .help =
	"Usage: mloncall token ls [--db PATH] [-o text|json]\n"
	"\n"
	"Lists the bearer tokens of a service's database: name, role, the\n"
	"person it was made for (--person at token add), when it was\n"
	"created and when it last authenticated a request (updated at\n"
	"most once a minute; `never` when unused). The token itself is\n"
	"never shown; only its sha256 is stored.\n"
	"\n"
	"Options:\n"
	"  --db PATH      the service's database (default MLONCALL_DB, else\n"
	"                 oncall.db)\n"
	"  -o json        {\"tokens\": [{name, role, person, created,\n"
	"                 last_used}]}, times RFC 3339 or null\n"
	"\n"
	"Examples:\n"
	"  mloncall token ls --db oncall.db\n"
	"  mloncall token ls -o json | jq -r '.tokens[] | "
	"select(.last_used == null) | .name'\n",
    .exec = token_ls,
    .flags = CMD_OUTPUT | CMD_DB,
};

static int token_revoke(const struct cmd_entry *self, int argc, char **argv)
{
	struct token_opts o = {0};
	struct store *s = NULL;
	struct ml_err err = {0};
	int rc, n = 0;

	if ((rc = token_opts_parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs != 1)
		return cmd_usage(self, "expected the NAME of one token");
	if ((rc = store_open(o.db, &s, &err)) == 0)
		rc = store_token_revoke(s, o.args[0], &n, &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	fprintf(stderr,
		"token `%s` revoked%s; a running service refuses it "
		"from its next request\n",
		o.args[0], n > 1 ? " (it had several entries)" : "");
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_token_revoke_entry = {
    .path = "token revoke",
    .summary = "delete an API token; a running service refuses it at once",
    .help =
	"Usage: mloncall token revoke NAME [--db PATH]\n"
	"\n"
	"Deletes the token NAME from the service's database. A running\n"
	"`mloncall serve` on that database refuses it from the next\n"
	"request (401): tokens are looked up per request, not cached.\n"
	"An unknown NAME is an error (exit 2); see mloncall token ls.\n"
	"\n"
	"Options:\n"
	"  --db PATH      the service's database (default MLONCALL_DB, else\n"
	"                 oncall.db)\n"
	"\n"
	"Examples:\n"
	"  mloncall token revoke alertmanager --db oncall.db\n"
	"  mloncall token revoke old-laptop && "
	"mloncall token add laptop --role admin\n",
    .exec = token_revoke,
    .flags = CMD_DB, /* no -o: nothing to print but one line */
};
