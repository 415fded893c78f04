/* prom_window.c: the `window` argument of the `prom` probe: watch a
 * /metrics page for a while instead of reading it once. The page is
 * scraped at the start, about every second, and at the end; histogram
 * quantiles are computed over the increase between the first and the
 * last scrape (histogram_quantile over rate(...[window]) in PromQL), and
 * a `select` value is tracked over every scrape (min, max), so "p99 under
 * target for 5 minutes" and "accuracy never dipped for 5 minutes" are one
 * probe step each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/xmalloc.h"
#include "probe/serving/prom_api.h"
#include "probe/serving/prom_expo.h"
#include "probe/serving/prom_select.h"
#include "probe/serving/prom_window.h"

/* Scrapes url once and parses the page into *e. */
static int scrape(const char *url, int64_t timeout_ms, struct prom_expo *e,
		  struct ml_err *err)
{
	struct buf text = BUF_INIT;
	long status = 0;
	int rc = prom_http_get(url, timeout_ms, &text, &status, err);

	if (!rc && (status < 200 || status > 299))
		rc = ml_err_set(err, ML_EIO, "GET %s: HTTP %ld", url, status);
	if (!rc)
		rc = prom_expo_parse(buf_str(&text), text.len, url, e, err);
	buf_free(&text);
	return rc;
}

/* A series key: name and labels sorted by name, NUL-free separators. */
static char *series_key(const struct prom_sample *s)
{
	json_t *o = prom_labels_json(s, NULL);
	char *labels = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	struct buf k = BUF_INIT;

	buf_printf(&k, "%s%s", s->name, labels ? labels : "");
	free(labels);
	json_decref(o);
	return buf_detach(&k, NULL);
}

int prom_window_delta(const struct prom_expo *first,
		      const struct prom_expo *last, struct prom_expo *out)
{
	json_t *idx = json_object();

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < first->nsamples; i++) {
		char *k = series_key(&first->samples[i]);
		json_object_set_new(idx, k, json_integer((json_int_t)i));
		free(k);
	}
	out->samples =
	    xcalloc(last->nsamples ? last->nsamples : 1, sizeof(*out->samples));
	out->nsamples = last->nsamples;
	out->families = last->families;
	out->nfamilies = last->nfamilies;
	for (size_t i = 0; i < last->nsamples; i++) {
		const struct prom_sample *s = &last->samples[i];
		char *k = series_key(s);
		json_t *j = json_object_get(idx, k);
		double prev =
		    j ? first->samples[json_integer_value(j)].value : 0;

		out->samples[i] = *s;
		/* a drop is a counter reset: the new value is the increase */
		out->samples[i].value =
		    s->value >= prev ? s->value - prev : s->value;
		free(k);
	}
	json_decref(idx);
	return 0;
}

void prom_window_delta_free(struct prom_expo *d)
{
	free(d->samples);
	memset(d, 0, sizeof(*d));
}

/* Tracks the select value of one scrape in stats. */
static void track(const struct prom_expo *e, const char *select, json_t *stats,
		  struct ml_err *err)
{
	json_t *f = json_object();
	const json_t *v;

	if (select && prom_select_facts(e, select, f, err) == 0 &&
	    json_is_number(v = json_object_get(f, "value"))) {
		double x = json_number_value(v);
		double lo = jget_num(stats, "value_min", INFINITY);
		double hi = jget_num(stats, "value_max", -INFINITY);
		json_object_set_new(stats, "value_min",
				    json_real(x < lo ? x : lo));
		json_object_set_new(stats, "value_max",
				    json_real(x > hi ? x : hi));
		jset_int(stats, "value_samples",
			 jget_int(stats, "value_samples", 0) + 1);
	}
	json_decref(f);
}

int prom_window_collect(const json_t *args, volatile sig_atomic_t *cancel,
			struct prom_expo *first, struct prom_expo *last,
			json_t *facts, struct ml_err *err)
{
	const char *url = jget_str(args, "metrics_url", NULL);
	const char *select = jget_str(args, "select", NULL);
	int64_t win = jget_int(args, "window", 0);
	int64_t timeout = jget_int(args, "timeout", 30000);
	int64_t t0 = time_mono_ms(), end = t0 + win;
	json_t *stats = json_object();
	int rc, n = 1;

	memset(first, 0, sizeof(*first));
	memset(last, 0, sizeof(*last));
	if (!url || win <= 0) {
		json_decref(stats);
		return ml_err_set(err, ML_EUSAGE,
				  "prom: `window` needs `metrics_url` (a live "
				  "page to watch) and a duration above 0");
	}
	if ((rc = scrape(url, timeout, first, err)) != 0)
		goto out;
	track(first, select, stats, err);
	while (!rc && time_mono_ms() < end && !(cancel && *cancel)) {
		int64_t left = end - time_mono_ms();
		time_sleep_ms(left < 1000 ? left : 1000);
		prom_expo_free(last);
		if ((rc = scrape(url, timeout, last, err)) == 0) {
			track(last, select, stats, err);
			n++;
		}
	}
	if (!rc && cancel && *cancel)
		rc = ml_err_set(err, ML_EIO,
				"prom: window cut short (stopping)");
	if (!rc && n == 1) /* no time for a second scrape */
		rc = scrape(url, timeout, last, err);
out:
	jset_int(stats, "ms", time_mono_ms() - t0);
	jset_int(stats, "scrapes", n);
	json_object_set_new(facts, "window", stats);
	if (rc) {
		prom_expo_free(first);
		prom_expo_free(last);
	}
	return rc;
}
