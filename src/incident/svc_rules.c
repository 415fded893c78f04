/* svc_rules.c: the alert rules of `mloncall serve`: loading the `rules:`
 * config section, the pending/firing state machine, evaluating `when:`
 * over a probe's facts, and the Alertmanager-format payload of a state
 * change. The threads that run rules are in svc_rules_run.c. */
#include "incident/svc_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "probe/probe.h"
#include "runbook/rb_expr.h"

static int at(const char *file, const struct ydoc_node *n, struct ml_err *err,
	      const char *what)
{
	return ml_err_at(err, ML_EINPUT, file, n ? n->line : 0, n ? n->col : 0,
			 "rules: %s", what);
}

static int want_scalar(const char *file, const struct ydoc_node *n,
		       const char *what, struct ml_err *err)
{
	char msg[256];

	if (n && n->type == YDOC_SCALAR && n->value && n->len > 0)
		return 0;
	snprintf(msg, sizeof(msg), "expected %s, found %s", what,
		 n && n->type == YDOC_SCALAR ? "an empty value"
					     : ydoc_type_name(n));
	return at(file, n, err, msg);
}

static int get_dur(const char *file, const struct ydoc_node *n, int64_t *out,
		   int allow_zero, struct ml_err *err)
{
	if (want_scalar(file, n, "a duration like 30s", err))
		return ML_EINPUT;
	if (dur_parse(n->value, out) != 0 || *out < 0 ||
	    (!allow_zero && *out == 0))
		return at(file, n, err,
			  allow_zero ? "expected a duration like 0s, 20s or 5m"
				     : "expected a duration above 0, like "
				       "500ms, 5s or 1m");
	return 0;
}

/* A mapping of string values (labels, annotations) as a JSON object. */
static int get_strmap(const char *file, const struct ydoc_node *m, json_t **out,
		      struct ml_err *err)
{
	if (!m || m->type != YDOC_MAP)
		return at(file, m, err, "expected a mapping of names to text");
	*out = json_object();
	for (size_t i = 0; i < m->n; i++) {
		const struct ydoc_node *k = ydoc_key(m, i), *v = ydoc_val(m, i);
		json_t *s;

		if (v->type != YDOC_SCALAR || !v->value)
			return at(file, v, err, "expected a text value");
		if (!(s = json_string(v->value)))
			return at(file, v, err, "expected UTF-8 text");
		json_object_set_new(*out, k->value, s);
	}
	return 0;
}

static int check_keys(const char *file, const struct ydoc_node *m,
		      struct ml_err *err)
{
	static const char *const keys[] = {
	    "name", "every",	       "probe",	 "with",	"when",
	    "for",  "keep_firing_for", "labels", "annotations", NULL};
	int rc = ydoc_check_keys(m, keys, NULL, file, err);

	if (rc)
		ml_err_prefix(err, "rules");
	return rc;
}

/* probe: and with: of one rule; the arguments are checked against the
 * probe's table now, so a typo fails at startup, not at 3 am. */
static int load_probe(const char *file, const struct ydoc_node *m,
		      struct svc_rule *r, struct ml_err *err)
{
	const struct ydoc_node *p = ydoc_get(m, "probe"),
			       *w = ydoc_get(m, "with");
	json_t *checked = NULL;
	char msg[1800];

	if (want_scalar(file, p, "a probe name like prom", err))
		return ML_EINPUT;
	if (!(r->probe = probe_find(p->value))) {
		snprintf(msg, sizeof(msg),
			 "unknown probe `%.200s` (see "
			 "`mloncall check --help`)",
			 p->value);
		return at(file, p, err, msg);
	}
	if (w && w->type != YDOC_MAP)
		return at(file, w, err,
			  "`with:` expected a mapping of probe "
			  "arguments");
	r->with = w ? ydoc_to_json(w) : json_object();
	if (probe_args_check(r->probe, r->with, &checked, err) != 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return at(file, w ? w : p, err, msg);
	}
	json_decref(checked);
	return 0;
}

static int load_rule(const char *file, const struct ydoc_node *m,
		     struct svc_rule *r, struct ml_err *err)
{
	const struct ydoc_node *n;

	if (!m || m->type != YDOC_MAP)
		return at(file, m, err,
			  "expected a rule {name, every, probe, "
			  "with, when, for, labels}");
	if (check_keys(file, m, err))
		return ML_EINPUT;
	r->file = xstrdup(file ? file : "<config>");
	r->every_ms = 30000;
	n = ydoc_get(m, "name");
	if (want_scalar(file, n ? n : m, "`name:` (the alertname)", err))
		return ML_EINPUT;
	r->name = xstrdup(n->value);
	if ((n = ydoc_get(m, "every")) &&
	    get_dur(file, n, &r->every_ms, 0, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "for")) && get_dur(file, n, &r->for_ms, 1, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "keep_firing_for")) &&
	    get_dur(file, n, &r->keep_firing_ms, 1, err))
		return ML_EINPUT;
	if (load_probe(file, m, r, err))
		return ML_EINPUT;
	n = ydoc_get(m, "when");
	if (want_scalar(file, n ? n : m,
			"`when:` (a Lua expression over the "
			"probe's facts)",
			err))
		return ML_EINPUT;
	r->when = xstrdup(n->value);
	r->when_line = n->line;
	r->when_col = n->col;
	if (rb_expr_check(r->when, file, n->line, n->col, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "labels")) && get_strmap(file, n, &r->labels, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "annotations")) &&
	    get_strmap(file, n, &r->annotations, err))
		return ML_EINPUT;
	if (!r->labels)
		r->labels = json_object();
	if (!r->annotations)
		r->annotations = json_object();
	json_object_set_new(r->labels, "alertname", json_string(r->name));
	return 0;
}

int svc_rules_load(const char *file, const struct ydoc_node *seq,
		   struct svc_rules **out, struct ml_err *err)
{
	struct svc_rules *rs;

	*out = NULL;
	if (!seq || seq->type != YDOC_SEQ)
		return at(file, seq, err, "expected a list of rules");
	rs = xcalloc(1, sizeof(*rs));
	rs->v = xcalloc(seq->n ? seq->n : 1, sizeof(*rs->v));
	for (size_t i = 0; i < seq->n; i++) {
		rs->n = i + 1;
		if (load_rule(file, seq->items[i], &rs->v[i], err))
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(rs->v[j].name, rs->v[i].name)) {
				at(file, seq->items[i], err,
				   "two rules have the same name");
				goto fail;
			}
	}
	*out = rs;
	return 0;
fail:
	svc_rules_free(rs);
	return ML_EINPUT;
}

void svc_rules_free(struct svc_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		struct svc_rule *r = &rs->v[i];
		free(r->name);
		free(r->when);
		free(r->file);
		json_decref(r->with);
		json_decref(r->labels);
		json_decref(r->annotations);
	}
	free(rs->v);
	free(rs);
}

enum svc_rule_event svc_rule_step(struct svc_rule_eval *st, int active,
				  int64_t for_ms, int64_t keep_ms, int64_t now)
{
	if (active)
		st->last_active = now;
	if (!active && st->state == RULE_FIRING &&
	    now - st->last_active < keep_ms)
		return RULE_EV_NONE; /* keep_firing_for */
	if (!active) {
		enum svc_rule_state was = st->state;
		st->state = RULE_INACTIVE;
		st->active_since = 0;
		if (was == RULE_FIRING) {
			st->resolved_at = now;
			return RULE_EV_RESOLVE;
		}
		return was == RULE_PENDING ? RULE_EV_CANCEL : RULE_EV_NONE;
	}
	if (st->state == RULE_FIRING)
		return RULE_EV_NONE;
	if (st->state == RULE_INACTIVE) {
		st->active_since = now;
		st->state = RULE_PENDING;
		if (for_ms > 0)
			return RULE_EV_PENDING;
	}
	if (now - st->active_since < for_ms)
		return RULE_EV_NONE;
	st->state = RULE_FIRING;
	st->fired_at = now;
	return RULE_EV_FIRE;
}

int svc_rule_eval(const struct svc_rule *r, struct svc_rule_eval *st,
		  const json_t *facts, int64_t now, enum svc_rule_event *ev,
		  struct ml_err *err)
{
	struct rb_expr_env *env = NULL;
	json_t *all = json_object();
	int rc, ok = 0;

	*ev = RULE_EV_NONE;
	json_object_set(all, r->probe->name, (json_t *)facts);
	rc = rb_expr_env_new(all, NULL, &env, err);
	json_decref(all);
	if (!rc)
		rc = rb_expr_eval_bool(env, r->when, r->file, r->when_line,
				       r->when_col, &ok, err);
	rb_expr_env_free(env);
	if (rc)
		return rc;
	*ev = svc_rule_step(st, ok, r->for_ms, r->keep_firing_ms, now);
	return 0;
}

json_t *svc_rule_payload(const struct svc_rule *r,
			 const struct svc_rule_eval *st, const char *status,
			 const json_t *facts)
{
	char starts[40], ends[40], gk[300];
	json_t *ann = json_deep_copy(r->annotations), *alert;
	int resolved = !strcmp(status, "resolved");

	time_format(st->fired_at, starts, sizeof(starts));
	time_format(resolved ? st->resolved_at : 0, ends, sizeof(ends));
	if (!json_object_get(ann, "summary"))
		json_object_set_new(
		    ann, "summary",
		    json_sprintf("rule %s: %s", r->name, r->when));
	/* like Prometheus' $value: the number the rule looked at */
	for (const char *const *k = (const char *const[]){"value", "p99", NULL};
	     *k; k++)
		if (json_is_number(json_object_get(facts, *k))) {
			json_object_set_new(
			    ann, "value",
			    json_sprintf("%s = %.6g", *k,
					 jget_num(facts, *k, 0)));
			break;
		}
	snprintf(gk, sizeof(gk), "{}:{alertname=\"%.200s\"}", r->name);
	alert = json_pack("{s:s, s:O, s:o, s:s, s:s, s:s}", "status", status,
			  "labels", r->labels, "annotations", ann, "startsAt",
			  starts, "endsAt",
			  resolved ? ends : "0001-01-01T00:00:00Z",
			  "generatorURL", "mloncall-serve://rules");
	return json_pack("{s:s, s:s, s:s, s:s, s:[o], s:{s:s}, s:O, s:O}",
			 "version", "4", "groupKey", gk, "status", status,
			 "receiver", "mloncall", "alerts", alert, "groupLabels",
			 "alertname", r->name, "commonLabels", r->labels,
			 "commonAnnotations", r->annotations);
}
