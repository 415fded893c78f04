/* dcgm_model.c: the report model of the `dcgm` probe: tests with
 * per-GPU results and messages, filled by the text and JSON parsers, and
 * the final step that derives the overall result, the failed and warned
 * tests and GPUs, and the verdict. Schema: docs/probes/dcgm.md. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/out.h"
#include "core/strutil.h"
#include "probe/gpu/dcgm.h"
#include "probe/gpu/gpu.h"
#include "probe/probe.h"

static const char *const status_names[] = {"skip", "pass", "warn", "fail"};

void dcgm_report_init(struct dcgm_report *r)
{
	memset(r, 0, sizeof(*r));
	r->facts = probe_facts_new("dcgm");
	json_object_set_new(r->facts, "tests", json_array());
	json_object_set_new(r->facts, "messages", json_array());
}

void dcgm_report_free(struct dcgm_report *r)
{
	json_decref(r->facts);
	memset(r, 0, sizeof(*r));
}

int dcgm_status_word(const char *s, size_t n)
{
	static const struct {
		const char *w;
		enum dcgm_status s;
	} words[] = {{"pass", DS_PASS}, {"passed", DS_PASS},
		     {"fail", DS_FAIL}, {"failed", DS_FAIL},
		     {"warn", DS_WARN}, {"warning", DS_WARN},
		     {"skip", DS_SKIP}, {"skipped", DS_SKIP}};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == n && !strncasecmp(s, words[i].w, n))
			return (int)words[i].s;
	return -1;
}

const char *dcgm_status_name(enum dcgm_status s)
{
	return status_names[s];
}

static int status_of(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && !strcmp(name, status_names[i]))
			return i;
	return -1;
}

static json_t *clean_str(const char *s)
{
	char *c = gpu_text_clean(s, strlen(s));
	json_t *j = json_string(c);
	free(c);
	return j;
}

json_t *dcgm_test(struct dcgm_report *r, const char *category, const char *name)
{
	json_t *tests = json_object_get(r->facts, "tests"), *t, *g;
	json_t *cat = clean_str(category), *nm = clean_str(name);
	size_t i;

	json_array_foreach(tests, i, t)
	{
		if (!json_equal(json_object_get(t, "category"), cat) ||
		    !json_equal(json_object_get(t, "name"), nm))
			continue;
		json_decref(cat);
		json_decref(nm);
		r->cur_test = t;
		return t;
	}
	t = json_object();
	json_object_set_new(t, "category", cat);
	json_object_set_new(t, "name", nm);
	json_object_set_new(t, "result", json_null());
	json_object_set_new(t, "all_gpus", json_null());
	g = json_object();
	for (int s = DS_PASS; s <= DS_FAIL; s++)
		json_object_set_new(g, status_names[s], json_array());
	json_object_set_new(g, "skip", json_array());
	json_object_set_new(t, "gpus", g);
	json_object_set_new(t, "messages", json_array());
	json_object_set_new(t, "messages_dropped", json_integer(0));
	json_array_append_new(tests, t);
	r->cur_test = t;
	return t;
}

/* Appends id to the sorted int array a unless present. */
static void add_id(json_t *a, long id)
{
	size_t i, at = json_array_size(a);
	json_t *v;

	json_array_foreach(a, i, v)
	{
		if (json_integer_value(v) == id)
			return;
		if (json_integer_value(v) > id && at == json_array_size(a))
			at = i;
	}
	json_array_insert_new(a, at, json_integer(id));
}

void dcgm_test_result(json_t *t, enum dcgm_status s, long gpu)
{
	int cur = status_of(jget_str(t, "result", NULL));

	if (cur < 0 || (int)s > cur)
		jset_str(t, "result", status_names[s]);
	if (gpu < 0) {
		int all = status_of(jget_str(t, "all_gpus", NULL));
		if (all < 0 || (int)s > all)
			jset_str(t, "all_gpus", status_names[s]);
		return;
	}
	add_id(json_object_get(json_object_get(t, "gpus"), status_names[s]),
	       gpu);
}

/* The GPU a message names ("GPU 3", "GPU 3's", "gpu 3"), or -1. */
static long gpu_in_text(const char *s)
{
	for (const char *p = s; (p = strstr(p, "GPU ")) != NULL; p += 4) {
		char *end;
		long v;
		if (!isdigit((unsigned char)p[4]))
			continue;
		v = strtol(p + 4, &end, 10);
		if (v >= 0 && v < 100000 && !isalnum((unsigned char)*end))
			return v;
	}
	return -1;
}

static void set_text(json_t *msg, const char *text)
{
	char *c = gpu_text_clean(text, strnlen(text, DCGM_MAX_MSG + 1));
	long g;

	if (strlen(c) > DCGM_MAX_MSG) {
		size_t n = DCGM_MAX_MSG - 3;
		while (n && ((unsigned char)c[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
		strcpy(c + n, "...");
	}
	json_object_set_new(msg, "text", json_string(c));
	g = gpu_in_text(c);
	if (g >= 0 && !json_is_integer(json_object_get(msg, "gpu")))
		jset_int(msg, "gpu", g);
	free(c);
}

json_t *dcgm_message(struct dcgm_report *r, json_t *t, const char *level,
		     const char *text, long gpu, long error_id)
{
	json_t *list = json_object_get(t ? t : r->facts, "messages");
	json_t *m = json_object();

	jset_str(m, "level", level);
	json_object_set_new(m, "gpu",
			    gpu >= 0 ? json_integer(gpu) : json_null());
	json_object_set_new(m, "error_id",
			    error_id >= 0 ? json_integer(error_id)
					  : json_null());
	set_text(m, text);
	if (t && json_array_size(list) >= DCGM_MAX_MSGS) {
		jset_int(t, "messages_dropped",
			 jget_int(t, "messages_dropped", 0) + 1);
		json_decref(m);
		return NULL;
	}
	json_array_append_new(list, m);
	return m;
}
