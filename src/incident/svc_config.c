/* svc_config.c: loading the incident service's YAML configuration. */
#include "incident/svc_config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "core/ydoc.h"
#include "incident/alert.h"
#include "incident/svc_remind.h"
#include "incident/schedule.h"
#include "incident/svc_rules.h"

void svc_config_defaults(struct svc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->default_severity = 3;
	c->sla_ms[1] = 15 * 60000;
	c->sla_ms[2] = 60 * 60000;
	c->sla_ms[3] = 4 * 3600000;
	c->sla_ms[4] = 24 * 3600000;
	c->n_levels = 2;
	c->levels = xcalloc(2, sizeof(*c->levels));
	c->levels[0].notify = xcalloc(1, sizeof(char *));
	c->levels[0].notify[0] = xstrdup("primary");
	c->levels[0].n_notify = 1;
	c->levels[1].after_ms = 15 * 60000;
	c->levels[1].notify = xcalloc(1, sizeof(char *));
	c->levels[1].notify[0] = xstrdup("secondary");
	c->levels[1].n_notify = 1;
	c->repeat = 0;
	c->repeat_after_ms = 30 * 60000;
	c->run_concurrency = 2;
	c->run_timeout_ms = 10 * 60000;
	c->notify_retries = 3;
	c->notify_backoff_ms = 1000;
	c->body_limit = 1024 * 1024;
	c->tick_ms = 200;
	c->http.header_timeout_s = 10;
	c->http.body_timeout_s = 30;
	c->http.max_conns = 512;
	c->http.max_per_client = 64;
	c->http.name = "mloncall serve";
	svc_remind_defaults(c);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void svc_config_free(struct svc_config *c)
{
	for (size_t i = 0; i < c->n_levels; i++)
		free_strv(c->levels[i].notify, c->levels[i].n_notify);
	free(c->levels);
	sched_free(c->schedule);
	for (size_t i = 0; i < c->n_channels; i++) {
		free(c->channels[i].name);
		free(c->channels[i].url);
		free(c->channels[i].command);
	}
	free(c->channels);
	free(c->runbooks_dir);
	svc_rules_free(c->rules);
	free(c->trusted_nets);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

/* Error at node n of the config file. */
static int at(const struct svc_config *c, const struct ydoc_node *n,
	      struct ml_err *err, const char *what)
{
	return ml_err_at(err, ML_EINPUT, c->file, n ? n->line : 0,
			 n ? n->col : 0, "%s", what);
}

static int want(const struct svc_config *c, const struct ydoc_node *n,
		enum ydoc_type t, const char *what, struct ml_err *err)
{
	char msg[256];

	if (n && n->type == t)
		return 0;
	snprintf(msg, sizeof(msg), "expected %s, found %s", what,
		 ydoc_type_name(n));
	return at(c, n, err, msg);
}

static int get_dur(const struct svc_config *c, const struct ydoc_node *n,
		   int64_t *out, struct ml_err *err)
{
	if (want(c, n, YDOC_SCALAR, "a duration like 15m", err))
		return ML_EINPUT;
	if (dur_parse(n->value, out) != 0)
		return at(c, n, err,
			  "expected a duration like 500ms, 30s, 15m, "
			  "1h or 1d");
	return 0;
}

static int get_int(const struct svc_config *c, const struct ydoc_node *n,
		   int lo, int hi, int *out, struct ml_err *err)
{
	int64_t v;
	char msg[128];

	if (want(c, n, YDOC_SCALAR, "an integer", err))
		return ML_EINPUT;
	if (str_to_i64(n->value, &v) != 0 || v < lo || v > hi) {
		snprintf(msg, sizeof(msg), "expected an integer from %d to %d",
			 lo, hi);
		return at(c, n, err, msg);
	}
	*out = (int)v;
	return 0;
}

static int check_keys(const struct svc_config *c, const struct ydoc_node *m,
		      const char *const *known, struct ml_err *err)
{
	return ydoc_check_keys(m, known, NULL, c->file, err);
}

static int get_strv(const struct svc_config *c, const struct ydoc_node *n,
		    char ***out, size_t *nout, struct ml_err *err)
{
	if (n && n->type == YDOC_SCALAR) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(n->value);
		*nout = 1;
		return 0;
	}
	if (want(c, n, YDOC_SEQ, "a list of names", err))
		return ML_EINPUT;
	*out = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if (want(c, n->items[i], YDOC_SCALAR, "a name", err))
			return ML_EINPUT;
		(*out)[i] = xstrdup(n->items[i]->value);
		*nout = i + 1;
	}
	return 0;
}

static int load_sla(struct svc_config *c, const struct ydoc_node *m,
		    struct ml_err *err)
{
	if (want(c, m, YDOC_MAP, "a mapping like {P1: 15m}", err))
		return ML_EINPUT;
	for (size_t i = 0; i < m->n; i++) {
		int sev;
		if (alert_severity_parse(ydoc_key(m, i)->value, &sev) != 0)
			return at(c, ydoc_key(m, i), err,
				  "expected a severity P1, P2, P3 or P4");
		if (get_dur(c, ydoc_val(m, i), &c->sla_ms[sev], err))
			return ML_EINPUT;
	}
	return 0;
}

static int load_escalation(struct svc_config *c, const struct ydoc_node *m,
			   struct ml_err *err)
{
	static const char *const keys[] = {"levels", "repeat", "repeat_after",
					   NULL};
	static const char *const lkeys[] = {"after", "notify", NULL};
	const struct ydoc_node *levels = ydoc_get(m, "levels"), *n;

	if (want(c, m, YDOC_MAP, "a mapping", err) ||
	    check_keys(c, m, keys, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "repeat")) &&
	    get_int(c, n, 0, 100, &c->repeat, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "repeat_after")) &&
	    get_dur(c, n, &c->repeat_after_ms, err))
		return ML_EINPUT;
	if (!levels)
		return 0;
	if (want(c, levels, YDOC_SEQ, "a list of levels", err))
		return ML_EINPUT;
	if (levels->n == 0)
		return at(c, levels, err,
			  "escalation needs at least one level");
	for (size_t i = 0; i < c->n_levels; i++)
		free_strv(c->levels[i].notify, c->levels[i].n_notify);
	free(c->levels);
	c->levels = xcalloc(levels->n, sizeof(*c->levels));
	c->n_levels = levels->n;
	for (size_t i = 0; i < levels->n; i++) {
		const struct ydoc_node *l = levels->items[i];
		if (want(c, l, YDOC_MAP, "a level {after:, notify:}", err) ||
		    check_keys(c, l, lkeys, err))
			return ML_EINPUT;
		if ((n = ydoc_get(l, "after")) &&
		    get_dur(c, n, &c->levels[i].after_ms, err))
			return ML_EINPUT;
		if (!(n = ydoc_get(l, "notify")))
			return at(c, l, err, "a level needs `notify:`");
		if (get_strv(c, n, &c->levels[i].notify, &c->levels[i].n_notify,
			     err))
			return ML_EINPUT;
	}
	return 0;
}

static int load_channel(struct svc_config *c, const struct ydoc_node *m,
			struct notify_channel *ch, struct ml_err *err)
{
	static const char *const keys[] = {"name",    "type",	 "url",
					   "command", "timeout", NULL};
	const struct ydoc_node *t, *n;

	if (want(c, m, YDOC_MAP, "a channel {name, type, url|command}", err) ||
	    check_keys(c, m, keys, err))
		return ML_EINPUT;
	t = ydoc_get(m, "type");
	n = ydoc_get(m, "name");
	ch->name = xstrdup(n && n->value ? n->value : "notify");
	ch->timeout_ms = 10000;
	if (!t || !t->value)
		return at(c, m, err,
			  "a channel needs `type:` (slack, webhook "
			  "or command)");
	if (!strcmp(t->value, "slack"))
		ch->type = NOTIFY_SLACK;
	else if (!strcmp(t->value, "webhook"))
		ch->type = NOTIFY_WEBHOOK;
	else if (!strcmp(t->value, "command"))
		ch->type = NOTIFY_COMMAND;
	else
		return at(c, t, err, "expected slack, webhook or command");
	if ((n = ydoc_get(m, "timeout")) && get_dur(c, n, &ch->timeout_ms, err))
		return ML_EINPUT;
	if (ch->type == NOTIFY_COMMAND) {
		if (!(n = ydoc_get(m, "command")) || !n->value)
			return at(c, m, err,
				  "a command channel needs "
				  "`command:`");
		ch->command = xstrdup(n->value);
		return 0;
	}
	if (!(n = ydoc_get(m, "url")) || !n->value ||
	    (!str_starts(n->value, "http://") &&
	     !str_starts(n->value, "https://")))
		return at(c, n ? n : m, err,
			  "a webhook channel needs an "
			  "http(s) `url:`");
	ch->url = xstrdup(n->value);
	return 0;
}

static int load_runs(struct svc_config *c, const struct ydoc_node *m,
		     struct ml_err *err)
{
	static const char *const keys[] = {"concurrency", "timeout", NULL};
	const struct ydoc_node *n;

	if (want(c, m, YDOC_MAP, "a mapping", err) ||
	    check_keys(c, m, keys, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "concurrency")) &&
	    get_int(c, n, 1, 64, &c->run_concurrency, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "timeout")) &&
	    get_dur(c, n, &c->run_timeout_ms, err))
		return ML_EINPUT;
	return 0;
}

/* Seconds from a duration node (at least 1s, at most 1h). */
static int get_secs(const struct svc_config *c, const struct ydoc_node *n,
		    int *out, struct ml_err *err)
{
	int64_t ms;

	if (get_dur(c, n, &ms, err))
		return ML_EINPUT;
	if (ms < 1000 || ms > 3600 * 1000)
		return at(c, n, err, "expected a duration from 1s to 1h");
	*out = (int)(ms / 1000);
	return 0;
}

static int load_proxies(struct svc_config *c, const struct ydoc_node *n,
			struct ml_err *err)
{
	if (want(c, n, YDOC_SEQ, "a list of IPv4 addresses or networks", err))
		return ML_EINPUT;
	c->trusted_nets = xcalloc(n->n ? n->n : 1, sizeof(*c->trusted_nets));
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *v = n->items[i];
		if (want(c, v, YDOC_SCALAR, "an IPv4 address or network", err))
			return ML_EINPUT;
		if (connguard_parse_net(v->value, &c->trusted_nets[i]))
			return at(c, v, err,
				  "trusted_proxies: expected an IPv4 "
				  "address or network like 10.0.0.0/8");
	}
	c->http.trusted = c->trusted_nets;
	c->http.n_trusted = n->n;
	return 0;
}

/* `http:`: connection timeouts and limits (docs/serve.md). */
static int load_http(struct svc_config *c, const struct ydoc_node *m,
		     struct ml_err *err)
{
	static const char *const keys[] = {
	    "header_timeout",  "body_timeout",
	    "max_connections", "max_connections_per_client",
	    "trusted_proxies", NULL};
	const struct ydoc_node *n;

	if (want(c, m, YDOC_MAP, "a mapping", err) ||
	    check_keys(c, m, keys, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "header_timeout")) &&
	    get_secs(c, n, &c->http.header_timeout_s, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "body_timeout")) &&
	    get_secs(c, n, &c->http.body_timeout_s, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "max_connections")) &&
	    get_int(c, n, 1, 4096, &c->http.max_conns, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "max_connections_per_client")) &&
	    get_int(c, n, 1, 4096, &c->http.max_per_client, err))
		return ML_EINPUT;
	if ((n = ydoc_get(m, "trusted_proxies")) && load_proxies(c, n, err))
		return ML_EINPUT;
	return 0;
}

static int load_root(struct svc_config *c, const struct ydoc_node *root,
		     struct ml_err *err)
{
	static const char *const keys[] = {"default_severity",
					   "sla",
					   "escalation",
					   "oncall",
					   "notify",
					   "runs",
					   "runbooks",
					   "body_limit",
					   "notify_retries",
					   "notify_backoff",
					   "tick",
					   "status_updates",
					   "rules",
					   "http",
					   NULL};
	const struct ydoc_node *n;

	if (want(c, root, YDOC_MAP, "a mapping at the top", err) ||
	    check_keys(c, root, keys, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "default_severity")) &&
	    (want(c, n, YDOC_SCALAR, "P1..P4", err) ||
	     alert_severity_parse(n->value, &c->default_severity)))
		return at(c, n, err, "expected a severity P1, P2, P3 or P4");
	if ((n = ydoc_get(root, "sla")) && load_sla(c, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "escalation")) && load_escalation(c, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "oncall")) &&
	    sched_load(n, c->file, &c->schedule, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "runs")) && load_runs(c, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "notify_retries")) &&
	    get_int(c, n, 0, 20, &c->notify_retries, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "notify_backoff")) &&
	    get_dur(c, n, &c->notify_backoff_ms, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "tick")) && get_dur(c, n, &c->tick_ms, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "status_updates")) &&
	    svc_remind_config(c, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "rules")) &&
	    svc_rules_load(c->file, n, &c->rules, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "http")) && load_http(c, n, err))
		return ML_EINPUT;
	if ((n = ydoc_get(root, "runbooks"))) {
		if (want(c, n, YDOC_SCALAR, "a folder", err))
			return ML_EINPUT;
		c->runbooks_dir = xstrdup(n->value);
	}
	if ((n = ydoc_get(root, "body_limit"))) {
		int kib;
		if (get_int(c, n, 1, 1 << 20, &kib, err))
			return ML_EINPUT;
		c->body_limit = (int64_t)kib * 1024;
	}
	if ((n = ydoc_get(root, "notify"))) {
		if (want(c, n, YDOC_SEQ, "a list of channels", err))
			return ML_EINPUT;
		c->channels = xcalloc(n->n, sizeof(*c->channels));
		for (size_t i = 0; i < n->n; i++) {
			c->n_channels = i + 1;
			if (load_channel(c, n->items[i], &c->channels[i], err))
				return ML_EINPUT;
		}
	}
	return 0;
}

int svc_config_load(const char *path, struct svc_config *c, struct ml_err *err)
{
	struct ydoc doc;
	int rc;

	svc_config_defaults(c);
	if (!path)
		return 0;
	c->file = xstrdup(path);
	if ((rc = ydoc_load_file(path, &doc, err)) != 0) {
		ydoc_free(&doc);
		return rc;
	}
	rc = doc.root ? load_root(c, doc.root, err) : 0;
	ydoc_free(&doc);
	return rc;
}

const char *svc_oncall(const struct svc_config *c, const char *role,
		       int64_t now)
{
	const struct sched_role *r = sched_role(c->schedule, role);
	struct sched_who w;

	if (!r)
		return NULL;
	sched_who(c->schedule, r, now, &w);
	return w.person;
}
