/* rb_record.c: building the run record (docs/run-record.md): step
 * records, lifecycle transitions, narration, and the masking that keeps
 * secret param values out of every string the engine stores or prints. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "runbook/rb_exec_int.h"

static const char *const status_names[RB_RUN_STATUS_LAST] = {
    [RB_RUN_SUCCEEDED] = "succeeded",
    [RB_RUN_FAILED_PRECHECKS] = "failed_prechecks",
    [RB_RUN_NO_DIAGNOSIS] = "no_diagnosis",
    [RB_RUN_ROLLED_BACK] = "rolled_back",
    [RB_RUN_ROLLBACK_FAILED] = "rollback_failed",
    [RB_RUN_ABORTED] = "aborted",
    [RB_RUN_DIAGNOSED] = "diagnosed",
    [RB_RUN_PLANNED] = "planned",
};

static const char *const trans_names[RB_TRANS_LAST] = {
    [RB_TRANS_PRECHECKS] = "prechecks",
    [RB_TRANS_PRECHECKS_FAILED] = "prechecks-failed",
    [RB_TRANS_DIAGNOSE] = "diagnose",
    [RB_TRANS_CAUSE_FOUND] = "cause-found",
    [RB_TRANS_PROCEDURE] = "procedure",
    [RB_TRANS_REMEDY] = "remedy",
    [RB_TRANS_VERIFY] = "verify",
    [RB_TRANS_RETRY] = "retry",
    [RB_TRANS_ROLLBACK] = "rollback",
    [RB_TRANS_VERIFY_ROLLBACK] = "verify-rollback",
    [RB_TRANS_VERIFIED] = "verified",
    [RB_TRANS_UNVERIFIED] = "unverified",
};

/* Index of s in names[0..n), or -1. */
static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

const char *rb_run_status_name(enum rb_run_status s)
{
	return (unsigned)s < RB_RUN_STATUS_LAST && status_names[s]
		   ? status_names[s]
		   : "unknown";
}

int rb_run_status_parse(const char *s, enum rb_run_status *out)
{
	int i = name_index(status_names, RB_RUN_STATUS_LAST, s);

	if (i < 0)
		return -1;
	*out = (enum rb_run_status)i;
	return 0;
}

const char *rb_trans_name(enum rb_trans t)
{
	return (unsigned)t < RB_TRANS_LAST && trans_names[t] ? trans_names[t]
							     : "unknown";
}

int rb_trans_parse(const char *s, enum rb_trans *out)
{
	int i = name_index(trans_names, RB_TRANS_LAST, s);

	if (i < 0)
		return -1;
	*out = (enum rb_trans)i;
	return 0;
}

char *rb_mask(char *const *secrets, const char *s)
{
	struct buf b = BUF_INIT;

	if (!s)
		return NULL;
	if (!secrets || !*secrets)
		return xstrdup(s);
	while (*s) {
		size_t best = 0;
		for (char *const *x = secrets; *x; x++) {
			size_t n = strlen(*x);
			if (n > best && !strncmp(s, *x, n))
				best = n;
		}
		if (best) {
			buf_puts(&b, "***");
			s += best;
		} else {
			buf_putc(&b, *s++);
		}
	}
	return buf_detach(&b, NULL);
}

/* json_string that never fails: invalid UTF-8 becomes "\ufffd" bytes. */
static json_t *string_lossy(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j = json_string(s);

	if (j)
		return j;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x80)
			buf_putc(&b, (char)*p);
		else
			buf_puts(&b, "\xef\xbf\xbd");
	j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}

json_t *rb_mask_json(char *const *secrets, const json_t *j)
{
	const char *k;
	json_t *v, *out;
	size_t i;

	if (!j)
		return NULL;
	switch (json_typeof(j)) {
	case JSON_STRING: {
		char *m = rb_mask(secrets, json_string_value(j));
		out = string_lossy(m);
		free(m);
		return out;
	}
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)j, k, v)
		{
			char *mk = rb_mask(secrets, k);
			json_object_set_new(out, mk, rb_mask_json(secrets, v));
			free(mk);
		}
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(j, i, v)
		    json_array_append_new(out, rb_mask_json(secrets, v));
		return out;
	default:
		return json_incref((json_t *)j);
	}
}

void rb_jset_masked(json_t *o, char *const *secrets, const char *k,
		    const char *s)
{
	char *m;

	if (!s) {
		json_object_set_new(o, k, json_null());
		return;
	}
	m = rb_mask(secrets, s);
	json_object_set_new(o, k, string_lossy(m));
	free(m);
}

void rb_jset_time(json_t *o, const char *k, int64_t ms)
{
	char t[40];

	time_format(ms, t, sizeof(t));
	jset_str(o, k, t);
}

void rb_say(struct rb_run *run, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char *m;

	if (!run->opts->progress)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	m = rb_mask(run->secrets, buf_str(&b));
	fprintf(run->opts->progress, "%s\n", m);
	fflush(run->opts->progress);
	free(m);
	buf_free(&b);
}

void rb_transition(struct rb_run *run, const char *to, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	json_t *t = json_object();
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rb_jset_time(t, "at", run->ops->now_ms(run->ops->ctx));
	jset_str(t, "to", to);
	if (run->attempt)
		jset_int(t, "attempt", run->attempt);
	rb_jset_masked(t, run->secrets, "why", buf_str(&b));
	json_array_append_new(run->transitions, t);
	rb_say(run, "== %s: %s", to, buf_str(&b));
	buf_free(&b);
}

json_t *rb_step_record(struct rb_lane *ln, const struct rb_step *st,
		       int64_t start)
{
	json_t *r = json_object();

	jset_str(r, "phase", ln->phase);
	if (ln->run->attempt)
		jset_int(r, "attempt", ln->run->attempt);
	if (ln->remedy && !strcmp(ln->phase, "remedy"))
		jset_str(r, "remedy", ln->remedy);
	jset_str(r, "kind", rb_step_kind_name(st->kind));
	if (st->name)
		rb_jset_masked(r, ln->run->secrets, "name", st->name);
	jset_int(r, "line", st->line);
	if (ln->item)
		rb_jset_masked(r, ln->run->secrets, "item", ln->item);
	rb_jset_time(r, "start", start);
	return r;
}

int rb_record_write(const json_t *rec, const char *path, struct ml_err *err)
{
	char *text = out_json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct buf b = BUF_INIT;
	int rc = 0;

	buf_puts(&b, text ? text : "{}");
	buf_putc(&b, '\n');
	free(text);
	if (buf_write_file_atomic(path, b.data, b.len) != 0)
		rc = ml_err_set(err, ML_EIO, "cannot write run record %s: %s",
				path, strerror(errno));
	buf_free(&b);
	return rc;
}
