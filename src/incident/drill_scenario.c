/* drill_scenario.c: loading and checking drill scenario files
 * (drill.h, docs/drills.md). Every error names file:line:col. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "incident/drill.h"
#include "incident/drill_notify.h"

/* Error at node n. */
static int at(const struct drill_scenario *sc, const struct ydoc_node *n,
	      struct ml_err *err, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	return ml_err_at(err, ML_EINPUT, sc->file, n ? n->line : 0,
			 n ? n->col : 0, "%s", msg);
}

static int want(const struct drill_scenario *sc, const struct ydoc_node *n,
		enum ydoc_type t, const char *what, struct ml_err *err)
{
	char msg[300];

	if (n && n->type == t)
		return 0;
	snprintf(msg, sizeof(msg), "expected %s, found %s", what,
		 ydoc_type_name(n));
	return at(sc, n, err, "%s", msg);
}

static int check_keys(const struct drill_scenario *sc,
		      const struct ydoc_node *m, const char *const *known,
		      struct ml_err *err)
{
	return ydoc_check_keys(m, known, NULL, sc->file, err);
}

static int get_str(const struct drill_scenario *sc, const struct ydoc_node *n,
		   const char *what, char **out, struct ml_err *err)
{
	if (want(sc, n, YDOC_SCALAR, what, err))
		return ML_EINPUT;
	if (!n->value || !*n->value)
		return at(sc, n, err, "expected %s, found an empty value",
			  what);
	free(*out);
	*out = xstrdup(n->value);
	return 0;
}

static int get_dur(const struct drill_scenario *sc, const struct ydoc_node *n,
		   int64_t *out, struct ml_err *err)
{
	if (want(sc, n, YDOC_SCALAR, "a duration like 10m", err))
		return ML_EINPUT;
	if (dur_parse(n->value, out) != 0 || *out <= 0)
		return at(sc, n, err,
			  "expected a duration like 30s, 10m or 1h, "
			  "found `%.100s`",
			  n->value);
	return 0;
}

/* A name made of [A-Za-z0-9._@-], 1..64 bytes. */
static int good_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._@-") == n;
}

static int load_participants(struct drill_scenario *sc,
			     const struct ydoc_node *n, struct ml_err *err)
{
	if (want(sc, n, YDOC_SEQ, "a list of people", err))
		return ML_EINPUT;
	if (n->n == 0)
		return at(sc, n, err,
			  "a drill needs at least one participant%s", NULL);
	sc->participants = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *p = n->items[i];
		if (want(sc, p, YDOC_SCALAR, "a person's name", err))
			return ML_EINPUT;
		if (!good_name(p->value))
			return at(sc, p, err,
				  "`%.80s` is not a name (letters, "
				  "digits, . _ @ -)",
				  p->value);
		sc->participants[sc->n_participants++] = xstrdup(p->value);
	}
	return 0;
}

/* An object of strings (labels, annotations) into *out. */
static int load_strmap(struct drill_scenario *sc, const struct ydoc_node *m,
		       json_t **out, struct ml_err *err)
{
	if (want(sc, m, YDOC_MAP, "a mapping of names to strings", err))
		return ML_EINPUT;
	for (size_t i = 0; i < m->n; i++) {
		const struct ydoc_node *k = ydoc_key(m, i), *v = ydoc_val(m, i);
		json_t *s;
		if (want(sc, v, YDOC_SCALAR, "a string", err))
			return ML_EINPUT;
		if (!k->value || !*k->value)
			return at(sc, k, err, "a name must not be empty%s",
				  NULL);
		s = json_string(v->value ? v->value : "");
		if (!s)
			return at(sc, v, err, "expected UTF-8 text%s", NULL);
		json_object_set_new(*out, k->value, s);
	}
	return 0;
}

static int load_alert(struct drill_scenario *sc, const struct ydoc_node *m,
		      struct ml_err *err)
{
	static const char *const keys[] = {"labels", "annotations", NULL};
	const struct ydoc_node *l, *a;

	if (want(sc, m, YDOC_MAP, "a mapping {labels:, annotations:}", err) ||
	    check_keys(sc, m, keys, err))
		return ML_EINPUT;
	if (!(l = ydoc_get(m, "labels")))
		return at(sc, m, err,
			  "the alert needs `labels:` (at least "
			  "alertname)%s",
			  NULL);
	if (load_strmap(sc, l, &sc->labels, err))
		return ML_EINPUT;
	if (!jget_str(sc->labels, "alertname", NULL))
		return at(sc, l, err, "the alert's labels need `alertname`%s",
			  NULL);
	if (json_object_get(sc->labels, DRILL_LABEL))
		return at(sc, l, err,
			  "`%s` is set by the drill itself: "
			  "leave it out",
			  DRILL_LABEL);
	if ((a = ydoc_get(m, "annotations")) &&
	    load_strmap(sc, a, &sc->annotations, err))
		return ML_EINPUT;
	return 0;
}

static int load_root(struct drill_scenario *sc, const struct ydoc_node *r,
		     struct ml_err *err)
{
	static const char *const keys[] = {
	    "name",  "description", "participants", "timeout",
	    "fault", "alert",	    "clear",	    NULL};
	static const char *const required[] = {"name", "fault", "alert",
					       "clear", NULL};
	const struct ydoc_node *n;

	if (want(sc, r, YDOC_MAP, "a mapping (a drill scenario)", err) ||
	    check_keys(sc, r, keys, err))
		return ML_EINPUT;
	for (const char *const *k = required; *k; k++)
		if (!ydoc_get(r, *k))
			return at(sc, r, err, "a scenario needs `%s:`", *k);
	if (get_str(sc, ydoc_get(r, "name"), "a name", &sc->name, err))
		return ML_EINPUT;
	n = ydoc_get(r, "name");
	if (strspn(sc->name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		strlen(sc->name) ||
	    sc->name[0] == '-' || strlen(sc->name) > 64)
		return at(sc, n, err,
			  "a name is lowercase letters, digits and "
			  "dashes (like irisd-bad-model), found "
			  "`%.80s`",
			  sc->name);
	if ((n = ydoc_get(r, "description")) &&
	    get_str(sc, n, "a text", &sc->description, err))
		return ML_EINPUT;
	for (size_t l = sc->description ? strlen(sc->description) : 0;
	     l && strchr(" \t\r\n", sc->description[l - 1]); l--)
		sc->description[l - 1] = '\0'; /* folded `>` ends in \n */
	if ((n = ydoc_get(r, "participants")) && load_participants(sc, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(r, "timeout")) &&
	    get_dur(sc, n, &sc->timeout_ms, err))
		return ML_EINPUT;
	if (drill_action_load(sc, ydoc_get(r, "fault"), &sc->fault, "fault",
			      err) ||
	    drill_action_load(sc, ydoc_get(r, "clear"), &sc->clear, "clear",
			      err) ||
	    load_alert(sc, ydoc_get(r, "alert"), err))
		return ML_EINPUT;
	return 0;
}

int drill_scenario_load(const char *path, struct drill_scenario *sc,
			struct ml_err *err)
{
	struct ydoc doc;
	int rc;

	memset(sc, 0, sizeof(*sc));
	sc->file = xstrdup(path);
	sc->timeout_ms = 10 * 60000;
	sc->labels = json_object();
	sc->annotations = json_object();
	if ((rc = ydoc_load_file(path, &doc, err)) != 0) {
		ydoc_free(&doc); /* the file name is kept even on errors */
		return rc;
	}
	if (!doc.root)
		rc = ml_err_at(err, ML_EINPUT, path, 1, 1,
			       "empty file: expected a drill scenario "
			       "(name, fault, alert, clear)");
	else
		rc = load_root(sc, doc.root, err);
	ydoc_free(&doc);
	return rc;
}

void drill_scenario_free(struct drill_scenario *sc)
{
	struct drill_action *acts[] = {&sc->fault, &sc->clear};

	for (size_t i = 0; i < 2; i++) {
		free(acts[i]->method);
		free(acts[i]->url);
		free(acts[i]->body);
		free(acts[i]->run);
	}
	for (size_t i = 0; i < sc->n_participants; i++)
		free(sc->participants[i]);
	free(sc->participants);
	free(sc->file);
	free(sc->name);
	free(sc->description);
	json_decref(sc->labels);
	json_decref(sc->annotations);
	memset(sc, 0, sizeof(*sc));
}
