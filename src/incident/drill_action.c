/* drill_action.c: a drill's fault and clear actions (an HTTP request or a
 * shell command): loading them from the scenario and running them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/httpc.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "incident/drill.h"

static int bad(const struct drill_scenario *sc, const struct ydoc_node *n,
	       struct ml_err *err, const char *what, const char *msg)
{
	return ml_err_at(err, ML_EINPUT, sc->file, n ? n->line : 0,
			 n ? n->col : 0, "%s: %s", what, msg);
}

static int load_http(struct drill_scenario *sc, const struct ydoc_node *h,
		     struct drill_action *a, const char *what,
		     struct ml_err *err)
{
	static const char *const methods[] = {"GET",	"POST",	 "PUT",
					      "DELETE", "PATCH", NULL};
	const struct ydoc_node *u = ydoc_get(h, "url"),
			       *m = ydoc_get(h, "method"),
			       *b = ydoc_get(h, "body");
	int ok = 0;

	if (h->type != YDOC_MAP)
		return bad(sc, h, err, what,
			   "`http:` expects a mapping "
			   "{method, url, body}");
	for (size_t i = 0; i < h->n; i++) {
		const char *k = ydoc_key(h, i)->value;
		if (!k || (strcmp(k, "url") && strcmp(k, "method") &&
			   strcmp(k, "body")))
			return bad(sc, ydoc_key(h, i), err, what,
				   "unknown key (expected method, url, body)");
	}
	if (!u || u->type != YDOC_SCALAR || !u->value ||
	    (!str_starts(u->value, "http://") &&
	     !str_starts(u->value, "https://")))
		return bad(sc, u ? u : h, err, what,
			   "`http:` needs an http(s) `url:`");
	a->url = xstrdup(u->value);
	a->method = xstrdup(m && m->value ? m->value : "POST");
	for (const char *const *p = methods; *p; p++)
		ok |= !strcmp(*p, a->method);
	if (!ok || (m && m->type != YDOC_SCALAR))
		return bad(sc, m, err, what,
			   "method: expected GET, POST, PUT, "
			   "DELETE or PATCH");
	if (b && b->type == YDOC_SCALAR && b->quoted) {
		a->body = xstrdup(b->value);
	} else if (b) {
		json_t *j = ydoc_to_json(b);
		a->body = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(j);
		if (!a->body)
			return bad(sc, b, err, what,
				   "body: not JSON-encodable");
	}
	return 0;
}

int drill_action_load(struct drill_scenario *sc, const struct ydoc_node *m,
		      struct drill_action *a, const char *what,
		      struct ml_err *err)
{
	const struct ydoc_node *h, *r, *t;

	a->timeout_ms = 30000;
	if (!m || m->type != YDOC_MAP)
		return bad(sc, m, err, what,
			   "expected a mapping with `http:` "
			   "or `run:`");
	for (size_t i = 0; i < m->n; i++) {
		const char *k = ydoc_key(m, i)->value;
		if (!k || (strcmp(k, "http") && strcmp(k, "run") &&
			   strcmp(k, "timeout")))
			return bad(sc, ydoc_key(m, i), err, what,
				   "unknown key (expected http, run, timeout)");
	}
	h = ydoc_get(m, "http");
	r = ydoc_get(m, "run");
	if (!!h == !!r)
		return bad(sc, m, err, what,
			   "give exactly one of `http:` and `run:`");
	if ((t = ydoc_get(m, "timeout")) &&
	    (t->type != YDOC_SCALAR || dur_parse(t->value, &a->timeout_ms) ||
	     a->timeout_ms <= 0))
		return bad(sc, t, err, what,
			   "timeout: expected a duration like 30s");
	if (h)
		return load_http(sc, h, a, what, err);
	if (r->type != YDOC_SCALAR || !r->value || !*r->value)
		return bad(sc, r, err, what, "run: expected a shell command");
	a->run = xstrdup(r->value);
	return 0;
}

static int do_http(const struct drill_action *a, const char *what,
		   char **detail, struct ml_err *err)
{
	static const char *const hdrs[] = {"Content-Type: application/json",
					   NULL};
	struct httpc_req q = {.method = a->method,
			      .url = a->url,
			      .headers = hdrs,
			      .body = a->body,
			      .timeout_ms = (long)a->timeout_ms,
			      .body_cap = 4096}; /* the start, for messages */
	struct httpc_resp r;
	struct ml_err herr = {0};
	int ret;

	ret = httpc_request(&q, &r, &herr);
	if (ret == ML_EINTERNAL) {
		httpc_resp_free(&r);
		return ml_err_set(err, ML_EINTERNAL, "curl init failed");
	}
	if (ret)
		ret = ml_err_set(err, ML_EIO, "%s: %s %s: %s", what, a->method,
				 a->url, r.error_short);
	else if (r.status < 200 || r.status >= 300)
		ret = ml_err_set(err, ML_EIO,
				 "%s: %s %s answered HTTP %ld: "
				 "%.200s",
				 what, a->method, a->url, r.status,
				 buf_str(&r.body));
	if (detail) {
		struct buf d = BUF_INIT;
		buf_printf(&d, "%s %s: HTTP %ld", a->method, a->url, r.status);
		*detail = buf_detach(&d, NULL);
	}
	httpc_resp_free(&r);
	return ret;
}

static int do_run(const struct drill_action *a, const char *what,
		  volatile sig_atomic_t *cancel, char **detail,
		  struct ml_err *err)
{
	struct proc_opts o = {.shell_cmd = a->run,
			      .timeout_ms = a->timeout_ms,
			      .merge_stderr = 1,
			      .cap = 4096,
			      .cancel = cancel};
	struct proc_result r;
	char how[128];
	int rc;

	if ((rc = proc_run(&o, &r, err)) != 0) {
		ml_err_prefix(err, "%s", what);
		return rc;
	}
	proc_describe(&r, &o, how, sizeof(how));
	if (detail) {
		struct buf d = BUF_INIT;
		buf_printf(&d, "`%s`: %s", a->run, how);
		*detail = buf_detach(&d, NULL);
	}
	if (!r.exited || r.exit_code != 0)
		rc = ml_err_set(err, ML_EIO, "%s: `%s`: %s: %.300s", what,
				a->run, how, buf_str(&r.out));
	proc_result_free(&r);
	return rc;
}

int drill_action_do(const struct drill_action *a, const char *what,
		    volatile sig_atomic_t *cancel, char **detail,
		    struct ml_err *err)
{
	if (detail)
		*detail = NULL;
	if (a->url)
		return do_http(a, what, detail, err);
	if (a->run)
		return do_run(a, what, cancel, detail, err);
	return ml_err_set(err, ML_EINTERNAL, "%s: no action", what);
}

static json_t *action_json(const struct drill_action *a)
{
	if (a->url)
		return json_pack("{s:{s:s, s:s, s:s?}, s:I}", "http", "method",
				 a->method, "url", a->url, "body", a->body,
				 "timeout_ms", (json_int_t)a->timeout_ms);
	return json_pack("{s:s?, s:I}", "run", a->run, "timeout_ms",
			 (json_int_t)a->timeout_ms);
}

json_t *drill_scenario_json(const struct drill_scenario *sc)
{
	json_t *p = json_array();

	for (size_t i = 0; i < sc->n_participants; i++)
		json_array_append_new(p, json_string(sc->participants[i]));
	return json_pack(
	    "{s:s?, s:s?, s:s?, s:o, s:I, s:o, s:o, s:{s:O, s:O}}", "name",
	    sc->name, "file", sc->file, "description", sc->description,
	    "participants", p, "timeout_ms", (json_int_t)sc->timeout_ms,
	    "fault", action_json(&sc->fault), "clear", action_json(&sc->clear),
	    "alert", "labels", sc->labels, "annotations", sc->annotations);
}

int drill_set_participants(struct drill_scenario *sc, const char *list,
			   struct ml_err *err)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	int rc = 0;

	for (size_t i = 0; i < sc->n_participants; i++)
		free(sc->participants[i]);
	free(sc->participants);
	sc->participants = NULL;
	sc->n_participants = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(tok);
		if (n == 0 || n > 64 ||
		    strspn(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
				"TUVWXYZ0123456789._@-") != n) {
			rc = ml_err_set(err, ML_EINPUT,
					"--participants: `%.80s` is not a name "
					"(letters, digits, . _ @ -)",
					tok);
			break;
		}
		sc->participants =
		    xrealloc(sc->participants,
			     (sc->n_participants + 1) * sizeof(char *));
		sc->participants[sc->n_participants++] = xstrdup(tok);
	}
	free(copy);
	if (!rc && sc->n_participants == 0)
		rc =
		    ml_err_set(err, ML_EINPUT,
			       "--participants: expected names like alice,bob");
	return rc;
}
