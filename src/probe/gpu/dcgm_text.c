/* dcgm_text.c: parser of the boxed tables `dcgmi diag` and `dcgmi health
 * -c` print: "| name | value |" rows, section rules ("|-----  Deployment
 * ---+---|"), result words with GPU lists ("Pass - GPUs: 0, 1",
 * "Fail - All") and Error/Warning/Info rows whose text dcgmi wraps at 45
 * characters onto rows with an empty name. Tolerates copies with the
 * padding collapsed and lines indented or ending in CRLF. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/gpu/dcgm.h"
#include "probe/gpu/gpu.h"

/* dcgmi wraps verbose text into chunks of this many characters. */
#define DCGM_CHUNK 45

struct row {
	char *name;    /* trimmed */
	char *value;   /* one leading blank removed, trailing blanks kept */
	size_t vtrim;  /* length of value without trailing blanks */
	size_t indent; /* blanks before the name */
};

struct tstate {
	struct dcgm_report *r;
	char *section;	  /* current section name, owned */
	int health;	  /* inside a Health Monitor Report */
	int last_msg;	  /* last row started or continued a message */
	int chunk_full;	  /* that row's chunk had the full wrap width */
	char *group;	  /* health: entity group ("GPU"), owned */
	json_t *entity;	  /* health: borrowed */
	json_t *incident; /* health: borrowed */
	struct buf pend;  /* text of the message being read (raw chunks) */
	const char *pend_level; /* its level, NULL when none */
	json_t *pend_test;	/* its test (borrowed), NULL: the report */
};

/* Ends the message being read: adds it with its whole text. */
static void flush(struct tstate *st)
{
	if (st->pend_level)
		dcgm_message(st->r, st->pend_test, st->pend_level,
			     buf_str(&st->pend), -1, -1);
	st->pend_level = NULL;
	buf_reset(&st->pend);
	st->last_msg = 0;
}

/* Starts a message (the previous one ends). */
static void start_msg(struct tstate *st, const char *level, const char *text)
{
	flush(st);
	st->pend_level = level;
	st->pend_test = st->r->cur_test;
	buf_puts(&st->pend, text);
	st->last_msg = 1;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return dup_n(s, n);
}

/* Splits "| name | value |" (line has no newline). 0 when not a row. */
static int split_row(const char *l, size_t n, struct row *w)
{
	const char *bar, *last, *v;
	size_t vn;

	if (n < 2 || l[0] != '|')
		return 0;
	bar = memchr(l + 1, '|', n - 1);
	if (!bar)
		return 0;
	last = l + n - 1;
	while (last > bar && *last != '|')
		last--;
	v = bar + 1;
	vn = (size_t)((last > bar ? last : l + n) - v);
	if (vn && *v == ' ')
		v++, vn--;
	w->indent = strspn(l + 1, " ");
	w->name = trim_dup(l + 1, (size_t)(bar - l - 1));
	w->value = dup_n(v, vn);
	w->vtrim = vn;
	while (w->vtrim && isspace((unsigned char)v[w->vtrim - 1]))
		w->vtrim--;
	return 1;
}

/* "|-----  Deployment  ---+---|": the section name, or NULL. */
static char *section_of(const char *l, size_t n)
{
	size_t i = 1, s;

	if (n < 8 || (l[0] != '|' && l[0] != '+') || strncmp(l + 1, "---", 3))
		return NULL;
	while (i < n && l[i] == '-')
		i++;
	while (i < n && l[i] == ' ')
		i++;
	s = i;
	while (i < n && l[i] != '-' && l[i] != '+' && l[i] != '|')
		i++;
	if (i == s || i >= n || l[i] != '-')
		return NULL;
	return trim_dup(l + s, i - s);
}

/* Parses a result cell: "Pass", "Fail - All", "Warn - GPU: 3",
 * "Pass - GPUs: 0, 1, 2". Adds it to test t. 0 when not a result. */
static int result_cell(json_t *t, const char *v)
{
	size_t w = strcspn(v, " ");
	int s = dcgm_status_word(v, w);
	const char *p = v + w;
	long ids[64];
	int n = 0;

	if (s < 0)
		return 0;
	while (*p == ' ')
		p++;
	if (!*p) {
		if (t)
			dcgm_test_result(t, (enum dcgm_status)s, -1);
		return 1;
	}
	if (strncmp(p, "- ", 2))
		return 0;
	p += 2;
	if (!strncmp(p, "All", 3) && !p[3 + strspn(p + 3, " ")]) {
		if (t)
			dcgm_test_result(t, (enum dcgm_status)s, -1);
		return 1;
	}
	if (strncmp(p, "GPU: ", 5) && strncmp(p, "GPUs: ", 6))
		return 0;
	p += p[3] == 's' ? 6 : 5;
	while (*p && n < 64) {
		char *end;
		long id = strtol(p, &end, 10);
		if (end == p || id < 0 || id > 99999)
			return 0;
		ids[n++] = id;
		p = end + strspn(end, ", ");
	}
	if (!n || *p)
		return 0;
	for (int i = 0; t && i < n; i++)
		dcgm_test_result(t, (enum dcgm_status)s, ids[i]);
	return 1;
}

static void metadata(struct tstate *st, const struct row *w)
{
	static const char *const keys[][2] = {
	    {"DCGM Version", "dcgm_version"},
	    {"Driver Version Detected", "driver_version"},
	    {"EUD Test Version", "eud_version"},
	    {"CPU EUD Test Version", "cpu_eud_version"}};
	json_t *f = st->r->facts;
	char *v = gpu_text_clean(w->value, w->vtrim);

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(w->name, keys[i][0]))
			jset_str(f, keys[i][1], v);
	if (!strcmp(w->name, "GPU Device IDs Detected")) {
		json_t *a = json_array();
		char *save = NULL;
		for (char *tok = strtok_r(v, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(tok));
		json_object_set_new(f, "gpu_device_ids", a);
	}
	free(v);
}

/* The text of a wrapped chunk: full chunks keep their inner blanks. */
static char *chunk_of(const struct row *w, int *full)
{
	size_t n = w->vtrim;

	*full = strlen(w->value) >= DCGM_CHUNK;
	if (*full && n < DCGM_CHUNK)
		n = DCGM_CHUNK;
	return dup_n(w->value, n);
}

static const char *msg_level(const char *name)
{
	return !strcmp(name, "Error")	  ? "error"
	       : !strcmp(name, "Warning") ? "warning"
	       : !strcmp(name, "Info")	  ? "info"
					  : NULL;
}

static void diag_row(struct tstate *st, const struct row *w)
{
	struct dcgm_report *r = st->r;
	const char *lv = msg_level(w->name);
	int full = 0;
	char *chunk;

	if (st->section && !strcmp(st->section, "Metadata")) {
		metadata(st, w);
		return;
	}
	if (lv || (!*w->name && st->last_msg)) {
		chunk = chunk_of(w, &full);
		if (lv) {
			start_msg(st, lv, chunk);
		} else {
			if (!st->chunk_full && *chunk)
				buf_putc(&st->pend, ' ');
			buf_puts(&st->pend, chunk);
		}
		free(chunk);
		st->chunk_full = full;
		return;
	}
	flush(st);
	if (!*w->name) {
		/* More GPU lists of the current test, or (some copies) a
		 * message without an Error/Info name */
		char *v = trim_dup(w->value, w->vtrim);
		if (*v && !result_cell(r->cur_test, v)) {
			const char *t = jget_str(r->cur_test, "result", "");
			start_msg(st, !strcmp(t, "fail") ? "error" : "info", v);
			st->chunk_full = w->vtrim >= DCGM_CHUNK;
		}
		free(v);
		return;
	}
	{
		char *v = trim_dup(w->value, w->vtrim);
		if (result_cell(NULL, v))
			result_cell(
			    dcgm_test(r, st->section ? st->section : "Unknown",
				      w->name),
			    v);
		free(v);
	}
}

/* Health tree rows: "Overall Health", a group ("GPU"), "-> 0" entities,
 * "-> Errors", "-> PCIe system" incidents and their wrapped text. */
static void health_row(struct tstate *st, const struct row *w)
{
	json_t *f = st->r->facts;
	char *v = trim_dup(w->value, w->vtrim);

	if (!strcmp(w->name, "Overall Health")) {
		jset_str(f, "overall_health", v);
	} else if (!*w->name) {
		if (st->incident && *v) {
			json_t *m = json_object_get(st->incident, "message");
			struct buf b = BUF_INIT;
			buf_puts(&b, json_string_value(m));
			if (b.len < DCGM_MAX_MSG) {
				char *c;
				buf_printf(&b, "%s%.*s", b.len ? " " : "",
					   (int)(DCGM_MAX_MSG - b.len), v);
				c = gpu_text_clean(buf_str(&b), b.len);
				jset_str(st->incident, "message", c);
				free(c);
			}
			buf_free(&b);
		}
	} else if (!strncmp(w->name, "->", 2)) {
		const char *n = w->name + 2 + strspn(w->name + 2, " ");
		char *end;
		long id = strtol(n, &end, 10);
		if (w->indent <= 2 && end != n && !*end && id >= 0) {
			st->entity = json_object();
			jset_str(st->entity, "group",
				 st->group ? st->group : "GPU");
			jset_int(st->entity, "id", id);
			jset_str(st->entity, "health", v);
			json_object_set_new(st->entity, "incidents",
					    json_array());
			json_array_append_new(json_object_get(f, "entities"),
					      st->entity);
			st->incident = NULL;
		} else if (w->indent > 2 && strcmp(n, "Errors") && st->entity) {
			st->incident = json_object();
			jset_str(st->incident, "system", n);
			jset_str(st->incident, "health", v);
			jset_str(st->incident, "message", "");
			json_array_append_new(
			    json_object_get(st->entity, "incidents"),
			    st->incident);
		}
	} else if (!*v) {
		free(st->group);
		st->group = xstrdup(w->name);
		st->entity = st->incident = NULL;
	}
	free(v);
}

static void handle_line(struct tstate *st, const char *l, size_t n)
{
	struct row w;
	char *sec;

	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
		n--;
	if (n >= 6 && !strncmp(l, "Error:", 6) && !st->section) {
		char *t = trim_dup(l + 6, n - 6);
		dcgm_message(st->r, NULL, "error", t, -1, -1);
		free(t);
		return;
	}
	if ((sec = section_of(l, n)) != NULL) {
		flush(st);
		free(st->section);
		st->section = sec;
		st->r->cur_test = NULL;
		st->last_msg = 0;
		return;
	}
	if (!split_row(l, n, &w)) {
		flush(st);
		return;
	}
	if (!strcmp(w.name, "Diagnostic") && w.vtrim == 6 &&
	    !strncmp(w.value, "Result", 6)) {
		st->r->tables++;
		jset_str(st->r->facts, "kind", "diag");
	} else if (!strncmp(w.name, "Health Monitor Report", 21)) {
		st->health = 1;
		jset_str(st->r->facts, "kind", "health");
		json_object_set_new(st->r->facts, "entities", json_array());
	} else if (st->health) {
		health_row(st, &w);
	} else if (st->r->tables) {
		diag_row(st, &w);
	}
	free(w.name);
	free(w.value);
}

int dcgm_parse_text(struct dcgm_report *r, const char *text, size_t len,
		    const char *name, struct ml_err *err)
{
	struct tstate st = {0};
	const char *p = text, *end = text + len;

	st.r = r;
	jset_str(r->facts, "format", "text");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (!memchr(p, '\0', (size_t)(e - p)))
			handle_line(&st, p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
	flush(&st);
	buf_free(&st.pend);
	free(st.section);
	free(st.group);
	if (!r->tables && !st.health &&
	    !json_array_size(json_object_get(r->facts, "messages")))
		return ml_err_set(
		    err, ML_EINPUT,
		    "%s: not dcgmi output: no \"| Diagnostic | Result |\" "
		    "table (dcgmi diag), no \"Health Monitor Report\" "
		    "(dcgmi health -c) and no \"Error:\" line",
		    name);
	if (!json_object_get(r->facts, "kind"))
		jset_str(r->facts, "kind", "diag");
	jset_int(r->facts, "iterations", r->tables > 1 ? r->tables : 1);
	return 0;
}
