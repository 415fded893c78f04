/* test_incident_actions.c: the incident action table (incident/actions.c)
 * on a temporary store: each action, the field checks (type, required),
 * refused values with the messages the API and the CLI share, and that a
 * refused action writes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tstore.h"

#include "incident/actions.h"
#include "store/store_comms.h"

struct fx {
	char path[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ml_err err = {0};
	int64_t incident;

	snprintf(f->path, sizeof(f->path), "test-actions-%d.db", getpid());
	if (tstore_open_incident(f->path, "fp1", "GPUHot", &f->s, &incident,
				 &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tstore_unlink(f->path);
	free(f);
	return 0;
}

/* Runs action name with a body given as JSON text. */
static int act(struct fx *f, const char *name, const char *body,
	       struct ml_err *err)
{
	json_t *b = body ? json_loads(body, 0, NULL) : NULL;
	int rc;

	ml_err_clear(err);
	rc = actions_run(f->s, 1, name, b, "ana", 5000, err);
	json_decref(b);
	return rc;
}

static size_t timeline_len(struct fx *f)
{
	struct ml_err err = {0};
	json_t *inc = NULL;
	size_t n;

	assert_int_equal(store_incident_get(f->s, 1, &inc, &err), 0);
	n = json_array_size(json_object_get(inc, "timeline"));
	json_decref(inc);
	return n;
}

static void test_each_action(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	json_t *inc = NULL;

	assert_int_equal(act(f, "ack", NULL, &err), 0);
	assert_int_equal(act(f, "note", "{\"text\":\"looking\"}", &err), 0);
	assert_int_equal(act(f, "update", "{\"text\":\"rolling back\"}", &err),
			 0);
	assert_int_equal(act(f, "role",
			     "{\"role\":\"incident_commander\","
			     "\"person\":\"ana\"}",
			     &err),
			 0);
	assert_int_equal(act(f, "severity", "{\"severity\":\"P1\"}", &err), 0);
	assert_int_equal(act(f, "bridge", "{\"url\":\"https://meet/x\"}", &err),
			 0);
	/* a field the action does not take (the API's actor) is ignored */
	assert_int_equal(
	    act(f, "resolve", "{\"reason\":\"fixed\",\"actor\":\"zed\"}", &err),
	    0);
	assert_int_equal(store_incident_get(f->s, 1, &inc, &err), 0);
	assert_string_equal(json_string_value(json_object_get(inc, "status")),
			    "resolved");
	assert_int_equal(json_integer_value(json_object_get(inc, "severity")),
			 1);
	assert_string_equal(
	    json_string_value(json_object_get(inc, "bridge_url")),
	    "https://meet/x");
	json_decref(inc);
	/* acking a resolved incident does not apply: ML_EINPUT (409) */
	assert_int_equal(act(f, "ack", "{}", &err), ML_EINPUT);
}

static void test_refused_bodies(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	size_t before = timeline_len(f);

	assert_int_equal(act(f, "explode", "{}", &err), ML_ENOTFOUND);
	assert_string_equal(err.msg, "unknown action `explode` (ack, "
				     "resolve, note, update, role, severity, "
				     "bridge)");
	assert_int_equal(act(f, NULL, "{}", &err), ML_ENOTFOUND);
	assert_int_equal(act(f, "note", "{\"text\":5}", &err), ML_EUSAGE);
	assert_string_equal(err.msg, "text: expected a string");
	assert_int_equal(act(f, "note", "[1]", &err), ML_EUSAGE);
	assert_string_equal(err.msg, "body: expected a JSON object");
	assert_int_equal(act(f, "note", "{}", &err), ML_EINPUT);
	assert_string_equal(err.msg, "text: required");
	assert_int_equal(act(f, "note", NULL, &err), ML_EINPUT);
	assert_int_equal(act(f, "update", "{\"text\":\"\"}", &err), ML_EINPUT);
	assert_string_equal(err.msg, "text: required");
	assert_int_equal(act(f, "update", "{\"text\":\" \\n\"}", &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "an update needs text");
	assert_int_equal(act(f, "role", "{\"role\":\"operations\"}", &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "person: required");
	assert_int_equal(
	    act(f, "role", "{\"role\":\"jester\",\"person\":\"x\"}", &err),
	    ML_EINPUT);
	assert_non_null(strstr(err.msg, "unknown role `jester`"));
	assert_int_equal(act(f, "severity", "{\"severity\":\"P5\"}", &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "severity: expected P1, P2, P3 or P4");
	assert_int_equal(act(f, "severity", "{}", &err), ML_EINPUT);
	assert_string_equal(err.msg, "severity: required");
	assert_int_equal(act(f, "bridge", "{\"url\":\"ftp://x\"}", &err),
			 ML_EINPUT);
	assert_int_equal(act(f, "bridge", "{\"url\":null}", &err), ML_EUSAGE);
	assert_int_equal(timeline_len(f), before); /* nothing written */
	assert_int_equal(actions_run(f->s, 99, "ack", NULL, "ana", 1, &err),
			 ML_ENOTFOUND);
}

static void test_update_limit(void **state)
{
	struct fx *f = *state;
	struct ml_err err = {0};
	char *text = malloc(STORE_UPDATE_MAX + 2);
	json_t *b;

	memset(text, 'a', STORE_UPDATE_MAX);
	text[STORE_UPDATE_MAX] = '\0';
	b = json_pack("{s:s}", "text", text);
	assert_int_equal(actions_run(f->s, 1, "update", b, "ana", 1, &err), 0);
	json_decref(b);
	strcat(text, "a");
	b = json_pack("{s:s}", "text", text);
	assert_int_equal(actions_run(f->s, 1, "update", b, "ana", 1, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "at most 4000 bytes"));
	json_decref(b);
	/* bytes that are not UTF-8 (a body made without jansson's check) */
	b = json_object();
	json_object_set_new(b, "text", json_stringn_nocheck("caf\xe9", 4));
	assert_int_equal(actions_run(f->s, 1, "update", b, "ana", 1, &err),
			 ML_EINPUT);
	assert_string_equal(err.msg, "an update must be valid UTF-8 text");
	json_decref(b);
	free(text);
	assert_non_null(actions_find("update"));
	assert_null(actions_find("Update"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_each_action, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_bodies, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_update_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
