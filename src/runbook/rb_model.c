/* rb_model.c: the runbook model's small functions: freeing, lookups,
 * severity and step-kind names. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runbook/rb_load_int.h"

static void free_params(struct rb_runbook *rb)
{
	for (size_t i = 0; i < rb->n_params; i++) {
		struct rb_param *p = &rb->params[i];

		free(p->name);
		free(p->dflt);
		free(p->pattern);
		if (p->has_re)
			regfree(&p->re);
		for (size_t j = 0; j < p->n_choices; j++)
			free(p->choices[j]);
		free(p->choices);
		free(p->help);
	}
	free(rb->params);
}

void rb_free(struct rb_runbook *rb)
{
	if (!rb)
		return;
	free(rb->file);
	free(rb->id);
	free(rb->title);
	free(rb->description);
	free(rb->owner);
	for (size_t i = 0; i < rb->n_trigger; i++)
		rb_matcher_free(&rb->trigger[i]);
	free(rb->trigger);
	free_params(rb);
	rb_steps_free(&rb->prechecks);
	rb_steps_free(&rb->diagnose);
	for (size_t i = 0; i < rb->n_cases; i++) {
		free(rb->cases[i].when);
		free(rb->cases[i].cause);
		free(rb->cases[i].remedy);
	}
	free(rb->cases);
	for (size_t i = 0; i < rb->n_remedies; i++) {
		free(rb->remedies[i].name);
		rb_steps_free(&rb->remedies[i].steps);
	}
	free(rb->remedies);
	rb_steps_free(&rb->procedure);
	rb_steps_free(&rb->verify);
	rb_steps_free(&rb->rollback);
	free(rb->rollback_reason);
	json_decref(rb->contacts);
	for (size_t i = 0; i < rb->n_acceptance; i++)
		free(rb->acceptance[i]);
	free(rb->acceptance);
	free(rb);
}

const struct rb_remedy *rb_remedy_find(const struct rb_runbook *rb,
				       const char *name)
{
	if (!rb || !name)
		return NULL;
	for (size_t i = 0; i < rb->n_remedies; i++)
		if (!strcmp(rb->remedies[i].name, name))
			return &rb->remedies[i];
	return NULL;
}

const struct rb_param *rb_param_find(const struct rb_runbook *rb,
				     const char *name)
{
	if (!rb || !name)
		return NULL;
	for (size_t i = 0; i < rb->n_params; i++)
		if (!strcmp(rb->params[i].name, name))
			return &rb->params[i];
	return NULL;
}

const char *rb_severity_name(enum rb_severity s)
{
	static const char *const names[] = {"", "P1", "P2", "P3", "P4"};

	return (unsigned)s <= RB_P4 ? names[s] : "";
}

int rb_severity_parse(const char *s, enum rb_severity *out)
{
	static const struct {
		const char *word;
		enum rb_severity sev;
	} words[] = {
	    {"critical", RB_P1}, {"page", RB_P1},  {"high", RB_P2},
	    {"error", RB_P2},	 {"major", RB_P2}, {"warning", RB_P3},
	    {"medium", RB_P3},	 {"minor", RB_P3}, {"low", RB_P4},
	    {"info", RB_P4},
	};

	if (!s)
		return -1;
	if ((s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '4' &&
	    !s[2]) {
		*out = (enum rb_severity)(s[1] - '0');
		return 0;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i].word)) {
			*out = words[i].sev;
			return 0;
		}
	return -1;
}
