/* rb_json.c: a loaded runbook as JSON (for `runbook show -o json`, run
 * records and the API), and review status. Durations are integer
 * milliseconds in fields ending in _ms; dates are YYYY-MM-DD. */
#include <stdio.h>
#include <string.h>

#include "core/dur.h"
#include "core/out.h"
#include "runbook/rb.h"

enum rb_review rb_review_status(const struct rb_runbook *rb, int64_t now_ms,
				int64_t *days)
{
	const int64_t day = 86400000;
	int64_t due, d;

	if (days)
		*days = 0;
	if (!rb->reviewed_ms)
		return RB_REVIEW_NEVER;
	due = rb->reviewed_ms + rb->review_every_ms;
	if (now_ms > due) {
		if (days)
			*days = (now_ms - due + day - 1) / day;
		return RB_REVIEW_OVERDUE;
	}
	d = (due - now_ms) / day;
	if (days)
		*days = d;
	return d <= RB_REVIEW_DUE_DAYS ? RB_REVIEW_DUE : RB_REVIEW_OK;
}

const char *rb_review_name(enum rb_review r)
{
	static const char *const n[] = {"never", "ok", "due", "overdue"};

	return (unsigned)r <= RB_REVIEW_OVERDUE ? n[r] : "?";
}

static void set_steps(json_t *o, const char *k, const struct rb_steps *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, rb_step_to_json(&s->v[i]));
	json_object_set_new(o, k, a);
}

json_t *rb_step_to_json(const struct rb_step *s)
{
	json_t *o = json_object();

	jset_str(o, "kind", rb_step_kind_name(s->kind));
	jset_int(o, "line", s->line);
	if (s->name)
		jset_str(o, "name", s->name);
	switch (s->kind) {
	case RB_STEP_RUN:
		jset_str(o, "run", s->run);
		jset_bool(o, "read_only", s->read_only);
		break;
	case RB_STEP_PROBE:
		jset_str(o, "probe", s->probe);
		json_object_set_new(o, "with",
				    s->with ? json_deep_copy(s->with)
					    : json_object());
		jset_str(o, "as", s->as ? s->as : s->probe);
		jset_bool(o, "read_only", s->read_only);
		break;
	case RB_STEP_WAIT:
		jset_int(o, "wait_ms", s->wait_ms);
		break;
	case RB_STEP_CONFIRM:
		jset_str(o, "prompt", s->prompt);
		break;
	case RB_STEP_NOTIFY:
		jset_str(o, "message", s->message);
		jset_str(o, "channel", s->channel);
		break;
	case RB_STEP_BATCH:
		jset_str(o, "items", s->items);
		jset_int(o, "parallel", s->parallel);
		set_steps(o, "before", &s->before);
		set_steps(o, "steps", &s->steps);
		set_steps(o, "after", &s->after);
		break;
	}
	if (s->kind == RB_STEP_RUN || s->kind == RB_STEP_PROBE) {
		if (s->timeout_ms)
			jset_int(o, "timeout_ms", s->timeout_ms);
		if (s->expect) {
			jset_str(o, "expect", s->expect);
			jset_int(o, "retries", s->retries);
			jset_int(o, "within_ms", s->within_ms);
			jset_int(o, "every_ms", s->interval_ms);
		}
	}
	return o;
}

static json_t *params_json(const struct rb_runbook *rb)
{
	json_t *a = json_array();

	for (size_t i = 0; i < rb->n_params; i++) {
		const struct rb_param *p = &rb->params[i];
		json_t *o = json_object(), *ch = json_array();

		jset_str(o, "name", p->name);
		jset_str(o, "type", rb_param_type_name(p->type));
		jset_bool(o, "required", p->required);
		jset_str(o, "default",
			 p->secret ? (p->dflt ? "***" : NULL) : p->dflt);
		jset_str(o, "pattern", p->pattern);
		for (size_t j = 0; j < p->n_choices; j++)
			json_array_append_new(ch, json_string(p->choices[j]));
		json_object_set_new(o, "enum", ch);
		jset_bool(o, "secret", p->secret);
		jset_str(o, "help", p->help);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *trigger_json(const struct rb_runbook *rb)
{
	static const char *const ops[] = {"=", "!=", "=~", "!~"};
	json_t *a = json_array();

	for (size_t i = 0; i < rb->n_trigger; i++) {
		const struct rb_matcher *m = &rb->trigger[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "label",
						   m->label, "op", ops[m->op],
						   "value", m->value));
	}
	return a;
}

static json_t *diagnose_json(const struct rb_runbook *rb)
{
	json_t *o = json_object(), *cases = json_array();

	set_steps(o, "steps", &rb->diagnose);
	for (size_t i = 0; i < rb->n_cases; i++) {
		json_t *c = json_object();

		jset_str(c, "when", rb->cases[i].when);
		jset_str(c, "cause", rb->cases[i].cause);
		jset_str(c, "remedy", rb->cases[i].remedy);
		jset_int(c, "line", rb->cases[i].line);
		json_array_append_new(cases, c);
	}
	json_object_set_new(o, "cases", cases);
	return o;
}

static void meta_json(json_t *o, const struct rb_runbook *rb, int64_t now_ms)
{
	char date[32];
	int64_t days;
	enum rb_review r = rb_review_status(rb, now_ms, &days);
	json_t *rv = json_object();

	jset_int(o, "schema", 1);
	jset_str(o, "file", rb->file);
	jset_str(o, "id", rb->id);
	jset_str(o, "title", rb->title);
	jset_str(o, "description", rb->description);
	jset_str(o, "severity",
		 rb->severity ? rb_severity_name(rb->severity) : NULL);
	jset_str(o, "owner", rb->owner);
	if (rb->reviewed_ms) {
		time_format(rb->reviewed_ms, date, sizeof(date));
		date[10] = '\0';
	}
	jset_str(o, "reviewed", rb->reviewed_ms ? date : NULL);
	jset_int(o, "review_every_ms", rb->review_every_ms);
	jset_str(rv, "status", rb_review_name(r));
	jset_int(rv, "days", days);
	json_object_set_new(o, "review", rv);
	jset_bool(o, "auto", rb->auto_remediate);
}

json_t *rb_to_json(const struct rb_runbook *rb, int64_t now_ms)
{
	json_t *o = json_object(), *rem = json_object(), *acc = json_array();

	meta_json(o, rb, now_ms);
	json_object_set_new(o, "trigger", trigger_json(rb));
	json_object_set_new(o, "params", params_json(rb));
	set_steps(o, "prechecks", &rb->prechecks);
	json_object_set_new(o, "diagnose", diagnose_json(rb));
	for (size_t i = 0; i < rb->n_remedies; i++) {
		json_t *tmp = json_object();

		set_steps(tmp, "s", &rb->remedies[i].steps);
		json_object_set(rem, rb->remedies[i].name,
				json_object_get(tmp, "s"));
		json_decref(tmp);
	}
	json_object_set_new(o, "remedies", rem);
	set_steps(o, "procedure", &rb->procedure);
	set_steps(o, "verify", &rb->verify);
	if (rb->rollback_none)
		json_object_set_new(o, "rollback",
				    json_pack("{s:b, s:s?}", "none", 1,
					      "reason", rb->rollback_reason));
	else
		set_steps(o, "rollback", &rb->rollback);
	jset_int(o, "max_attempts", rb->max_attempts);
	json_object_set_new(o, "contacts",
			    rb->contacts ? json_deep_copy(rb->contacts)
					 : json_object());
	for (size_t i = 0; i < rb->n_acceptance; i++)
		json_array_append_new(acc, json_string(rb->acceptance[i]));
	json_object_set_new(o, "acceptance", acc);
	return o;
}
