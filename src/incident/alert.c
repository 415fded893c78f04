/* alert.c: Alertmanager v4 and generic alert payloads -> struct alert. */
#include "incident/alert.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/dur.h"
#include "core/fingerprint.h"
#include "core/jdepth.h"
#include "core/out.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "incident/drill_notify.h"

/* Most alerts one payload may carry; Alertmanager sends far fewer. */
#define ALERT_MAX_PER_PAYLOAD 10000
/* Most labels one alert may carry. */
#define ALERT_MAX_LABELS 512

int alert_severity_parse(const char *s, int *sev)
{
	static const struct {
		const char *name;
		int sev;
	} map[] = {{"p1", 1},	  {"1", 1},	{"critical", 1}, {"page", 1},
		   {"p2", 2},	  {"2", 2},	{"high", 2},	 {"error", 2},
		   {"major", 2},  {"p3", 3},	{"3", 3},	 {"warning", 3},
		   {"medium", 3}, {"minor", 3}, {"p4", 4},	 {"4", 4},
		   {"info", 4},	  {"low", 4},	{"none", 4}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].name)) {
			*sev = map[i].sev;
			return 0;
		}
	return -1;
}

void alert_fingerprint(const json_t *labels, char out[17])
{
	fingerprint_labels(labels, out);
}

static int field_err(struct ml_err *err, const char *path, size_t i,
		     const char *what)
{
	if (i == (size_t)-1)
		return ml_err_set(err, ML_EINPUT, "%s: %s", path, what);
	return ml_err_set(err, ML_EINPUT, "alerts[%zu].%s: %s", i, path, what);
}

/* Optional RFC 3339 time field; Alertmanager's zero time means unset. */
static int time_field(const json_t *a, const char *key, size_t i, int64_t *out,
		      struct ml_err *err)
{
	const json_t *v = json_object_get(a, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return field_err(err, key, i,
				 "expected an RFC 3339 time string");
	if (str_starts(json_string_value(v), "0001-01-01"))
		return 0;
	if (time_parse(json_string_value(v), out) != 0)
		return field_err(err, key, i, "not an RFC 3339 time");
	return 0;
}

static int check_labels(const json_t *labels, size_t i, struct ml_err *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(labels))
		return field_err(err, "labels", i,
				 "expected an object of "
				 "strings");
	if (json_object_size(labels) == 0)
		return field_err(err, "labels", i, "must not be empty");
	if (json_object_size(labels) > ALERT_MAX_LABELS)
		return field_err(err, "labels", i, "too many labels (max 512)");
	json_object_foreach((json_t *)labels, k, v) if (!json_is_string(v))
	{
		char path[300];
		snprintf(path, sizeof(path), "labels.%.200s", k);
		return field_err(err, path, i, "expected a string");
	}
	return 0;
}

static const char *opt_str(const json_t *o, const char *k)
{
	return jget_str(o, k, NULL);
}

/* Fills out->v[i] from alert object a. */
static int parse_one(json_t *a, size_t i, int default_sev,
		     const char *group_key, const char *source,
		     struct alert *out, struct ml_err *err)
{
	json_t *labels = json_object_get(a, "labels");
	json_t *ann = json_object_get(a, "annotations");
	const char *fp = opt_str(a, "fingerprint"), *status, *sev;
	int rc;

	if (!json_is_object(a))
		return field_err(err, "", i, "expected an alert object");
	if ((rc = check_labels(labels, i, err)) != 0)
		return rc;
	if (ann && !json_is_null(ann) && !json_is_object(ann))
		return field_err(err, "annotations", i, "expected an object");
	status = opt_str(a, "status");
	if (json_object_get(a, "status") && !status)
		return field_err(err, "status", i, "expected a string");
	if (status && strcmp(status, "firing") && strcmp(status, "resolved"))
		return field_err(err, "status", i,
				 "expected \"firing\" or \"resolved\"");
	out->json = json_incref(a);
	out->labels = json_incref(labels);
	if (fp && *fp && strlen(fp) < sizeof(out->fingerprint))
		snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", fp);
	else
		alert_fingerprint(labels, out->fingerprint);
	out->group_key = xstrdup(group_key ? group_key : out->fingerprint);
	out->rec.fingerprint = out->fingerprint;
	out->rec.group_key = out->group_key;
	out->rec.status = status ? status : "firing";
	out->rec.alertname = opt_str(labels, "alertname");
	out->rec.title = ann ? opt_str(ann, "summary") : NULL;
	if (!out->rec.title)
		out->rec.title = out->rec.alertname;
	sev = opt_str(labels, "severity");
	if (!sev || alert_severity_parse(sev, &out->rec.severity) != 0)
		out->rec.severity = default_sev;
	out->rec.labels = labels;
	out->rec.annotations = json_is_object(ann) ? ann : NULL;
	out->rec.generator_url = opt_str(a, "generatorURL");
	out->rec.source = source;
	out->rec.drill = drill_labels_marked(labels);
	out->rec.payload = a;
	if ((rc = time_field(a, "startsAt", i, &out->rec.starts_at, err)) ||
	    (rc = time_field(a, "endsAt", i, &out->rec.ends_at, err)))
		return rc;
	return 0;
}

static int parse_list(json_t *root, json_t *alerts, int default_sev,
		      const char *group_key, const char *source,
		      struct alert_batch *out, struct ml_err *err)
{
	size_t n = json_array_size(alerts);
	int rc;

	if (n > ALERT_MAX_PER_PAYLOAD)
		return ml_err_set(err, ML_EINPUT,
				  "alerts: too many alerts in one payload "
				  "(%zu, max %d)",
				  n, ALERT_MAX_PER_PAYLOAD);
	out->root = root;
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		rc = parse_one(json_array_get(alerts, i), i, default_sev,
			       group_key, source, &out->v[i], err);
		out->n = i + 1;
		if (rc)
			return rc;
	}
	return 0;
}

static int load_json(const char *body, size_t len, json_t **root,
		     struct ml_err *err)
{
	json_error_t je;

	*root = NULL;
	/* before parsing: jansson recurses once per level, and a stored
	 * over-deep alert would be dumped recursively on every read */
	if (jdepth_over(body, len, ML_JSON_MAX_DEPTH))
		return ml_err_set(err, ML_EINPUT,
				  "body: JSON nested deeper than %d levels",
				  ML_JSON_MAX_DEPTH);
	*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!*root)
		return ml_err_set(err, ML_EINPUT,
				  "malformed JSON at line %d column %d: %s",
				  je.line, je.column, je.text);
	return 0;
}

int alert_parse_alertmanager(const char *body, size_t len, int default_sev,
			     struct alert_batch *out, struct ml_err *err)
{
	json_t *root, *alerts;
	const char *gk, *ver;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_json(body, len, &root, err)) != 0)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return ml_err_set(err, ML_EINPUT,
				  "expected an Alertmanager webhook object");
	}
	ver = opt_str(root, "version");
	if (ver && strcmp(ver, "4")) {
		json_decref(root);
		return field_err(err, "version", (size_t)-1,
				 "only version \"4\" is supported");
	}
	alerts = json_object_get(root, "alerts");
	if (!json_is_array(alerts)) {
		json_decref(root);
		return field_err(err, "alerts", (size_t)-1,
				 "missing or not a list");
	}
	gk = opt_str(root, "groupKey");
	rc =
	    parse_list(root, alerts, default_sev, gk, "alertmanager", out, err);
	if (rc)
		alert_batch_free(out);
	return rc;
}

int alert_parse_generic(const char *body, size_t len, int default_sev,
			struct alert_batch *out, struct ml_err *err)
{
	json_t *root, *alerts;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_json(body, len, &root, err)) != 0)
		return rc;
	if (json_is_array(root))
		alerts = root;
	else if (json_is_object(root) &&
		 json_is_array(json_object_get(root, "alerts")))
		alerts = json_object_get(root, "alerts");
	else if (json_is_object(root))
		alerts = NULL;
	else {
		json_decref(root);
		return ml_err_set(err, ML_EINPUT,
				  "expected an alert object or a list");
	}
	if (!alerts) {
		json_t *one = json_pack("[O]", root);
		rc = parse_list(root, one, default_sev, NULL, "api", out, err);
		json_decref(one);
	} else {
		rc = parse_list(root, alerts, default_sev, NULL, "api", out,
				err);
	}
	if (rc)
		alert_batch_free(out);
	return rc;
}

void alert_batch_free(struct alert_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->v[i].json);
		json_decref(b->v[i].labels);
		free(b->v[i].group_key);
	}
	free(b->v);
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}
