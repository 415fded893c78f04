/* token.c: `mloncall token add|ls`: API bearer tokens. A token is shown
 * once at creation; the store keeps only its sha256. */
#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/dur.h"
#include "server/http.h"
#include "store/store.h"

static int token_add(const struct cmd_entry *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"db", required_argument, NULL, 'd'},
		{"value", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0}};
	const char *role = "responder", *db = "oncall.db", *value = NULL;
	unsigned char raw[24];
	char token[64], hash[65];
	struct store *s = NULL;
	struct ml_err err = {0};
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:d:", longopts, NULL)) != -1) {
		if (ch == 'r')
			role = optarg;
		else if (ch == 'd')
			db = optarg;
		else if (ch == 'v')
			value = optarg;
		else
			return cmd_usage(self, "unknown option %s",
					 argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cmd_usage(self, "expected one NAME for the token");
	if (value && strlen(value) < 16)
		return cmd_usage(self, "--value: a token needs at least 16 "
				       "characters");
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
	if ((rc = store_open(db, &s, &err)) == 0)
		rc = store_token_add(s, argv[optind], role, hash, time_now_ms(),
				     &err);
	store_close(s);
	if (rc)
		return cmd_fail(&err);
	printf("%s\n", value);
	fprintf(stderr, "token `%s` (%s) added to %s; it is shown only once\n",
		argv[optind], role, db);
	return ML_EXIT_OK;
}

const struct cmd_entry cmd_token_add_entry = {
	.path = "token add",
	.summary = "create an API bearer token (printed once)",
	.help = "Usage: mloncall token add NAME [--role viewer|responder|admin]"
		" [--db PATH]\n"
		"\n"
		"Creates a bearer token for the incident service's API and prints\n"
		"it once; only its sha256 is stored. Roles: viewer reads,\n"
		"responder also posts alerts and acts on incidents, admin all.\n"
		"\n"
		"Options:\n"
		"  --role ROLE    viewer, responder (default) or admin\n"
		"  --db PATH      the service's database (default oncall.db)\n"
		"  --value TOKEN  use this token instead of a random one\n"
		"\n"
		"Example:\n"
		"  export MLONCALL_TOKEN=$(mloncall token add me --role admin)\n",
	.exec = token_add,
};

static const struct cmd_entry *const subs[] = {&cmd_token_add_entry, NULL};

const struct cmd_entry cmd_token_entry = {
	.path = "token",
	.summary = "manage API bearer tokens",
	.help = "Usage: mloncall token COMMAND [options]\n",
	.subs = subs,
};
