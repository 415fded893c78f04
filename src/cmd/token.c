/* token.c: `mloncall token add`: create an API bearer token. A token is
 * shown once at creation; the store keeps only its sha256. The group and
 * its shared option parsing are here too; ls and revoke are in
 * token_ls.c. */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/token.h"
#include "core/dur.h"
#include "server/http.h"
#include "store/store.h"

int token_opts_parse(const struct cmd_entry *self, int argc, char **argv,
		     struct token_opts *o)
{
	struct cmd_args ca = {0};
	int rc;

	o->role = "responder";
	rc = cmd_parse(self, 1, argc, argv, o, &ca);
	cmd_parsed_free(self, &ca, o);
	o->db = ca.db;
	o->fmt = ca.fmt;
	o->args = ca.args;
	o->nargs = ca.nargs;
	if (!rc && o->nargs > 4)
		rc = cmd_usage(self, "too many arguments");
	return rc;
}

static const struct cmd_opt add_table[] = {
    CMD_STR("role", 0, struct token_opts, role),
    CMD_STR("person", 0, struct token_opts, person),
    CMD_STR("value", 0, struct token_opts, value),
    {0}};

static int token_add(const struct cmd_entry *self, int argc, char **argv)
{
	struct token_opts o = {0};
	unsigned char raw[24];
	char token[64], hash[65];
	struct store *s = NULL;
	struct ml_err err = {0};
	const char *value;
	int rc;

	if ((rc = token_opts_parse(self, argc, argv, &o)) != 0)
		return rc;
	if (o.nargs != 1 || !*o.args[0])
		return cmd_usage(self, "expected one NAME for the token");
	if (o.value && strlen(o.value) < 16)
		return cmd_usage(self, "--value: a token needs at least 16 "
				       "characters");
	value = o.value;
	if (!value) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return ml_err_set(&err, ML_EINTERNAL, "no randomness"),
			       cmd_fail(&err);
		snprintf(token, sizeof(token), "mlo_");
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(token + 4 + 2 * i, 3, "%02x", raw[i]);
		value = token;
	}
	http_token_hash(value, hash);
	if ((rc = store_open(o.db, &s, &err)) == 0)
		rc = store_token_add(s, o.args[0], o.role, o.person, hash,
				     time_now_ms(), &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	printf("%s\n", value);
	fprintf(stderr, "token `%s` (%s) added to %s; it is shown only once\n",
		o.args[0], o.role, o.db);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_token_add_entry = {
    .path = "token add",
    .summary = "create an API bearer token (printed once)",
    .help =
	"Usage: mloncall token add NAME [--role viewer|responder|admin]"
	" [--person WHO] [--db PATH]\n"
	"\n"
	"Creates a bearer token for the incident service's API and prints\n"
	"it once; only its sha256 is stored. Roles: viewer reads,\n"
	"responder also posts alerts and acts on incidents, admin all.\n"
	"Names are unique: a NAME already in use is refused (exit 2);\n"
	"revoke the old token first to replace it.\n"
	"\n"
	"Options:\n"
	"  --role ROLE    viewer, responder (default) or admin\n"
	"  --person WHO   who holds the token (shown by token ls)\n"
	"  --db PATH      the service's database (default MLONCALL_DB, else\n"
	"                 oncall.db)\n"
	"  --value TOKEN  use this token instead of a random one\n"
	"\n"
	"Examples:\n"
	"  export MLONCALL_TOKEN=$(mloncall token add me --role admin)\n"
	"  mloncall token add alertmanager --role responder "
	"--person platform-team\n",
    .exec = token_add,
    .opts = add_table,
    .flags = CMD_DB, /* prints the token alone: no -o */
};

static const struct cmd_entry *const subs[] = {
    &cmd_token_add_entry, &cmd_token_ls_entry, &cmd_token_revoke_entry, NULL};

const struct cmd_entry cmd_token_entry = {
    .path = "token",
    .summary = "manage API bearer tokens",
    .help = "Usage: mloncall token COMMAND [options]\n",
    .subs = subs,
};
