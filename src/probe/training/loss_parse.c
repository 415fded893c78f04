/* loss_parse.c: finds step and training loss in one line of a training
 * log, in the common forms: "step 100 loss 2.31", "step: 100, loss: 2.31",
 * "iter 100 | loss 2.31", Megatron-LM "iteration 100/ 5000 | ... | lm
 * loss: 2.315E+00 |", HF Trainer "{'loss': 2.31, ..., 'epoch': 0.5}",
 * Keras / Lightning "... loss: 2.31" after "Epoch 1/10", and JSON lines
 * ({"step": 100, "loss": 2.31, "time": ...}). Validation losses (val_,
 * eval_, valid, test) are not the training loss and are skipped. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/dur.h"
#include "core/xmalloc.h"
#include "probe/training/loss.h"

/* Records kept at most (a 256 MiB log has fewer loss lines). */
#define LOSS_MAX_RECORDS 20000000

/* Longest line looked at for a loss (longer ones are not log lines). */
#define LOSS_MAX_LINE 65536

static void add(struct loss_log *log, long long step, int implicit, double loss,
		const int64_t *t, long lineno)
{
	struct loss_rec *r;

	if (log->n >= LOSS_MAX_RECORDS)
		return;
	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 256;
		log->r = xrealloc(log->r, log->cap * sizeof(*log->r));
	}
	r = &log->r[log->n++];
	r->step = step;
	r->implicit = implicit;
	r->loss = loss;
	r->has_t = t != NULL;
	r->t_ms = t ? *t : 0;
	r->line = lineno;
}

static long long next_step(const struct loss_log *log)
{
	return log->n ? log->r[log->n - 1].step + 1 : 1;
}

int loss_line_time(const char *s, size_t n, int64_t *ms)
{
	char tmp[48];
	size_t i = 0, o = 0;

	if (n && s[0] == '[')
		i = 1;
	if (n - i < 19 || !isdigit((unsigned char)s[i]) || s[i + 4] != '-' ||
	    s[i + 7] != '-' || (s[i + 10] != 'T' && s[i + 10] != ' ') ||
	    s[i + 13] != ':')
		return -1;
	for (; i < n && o < sizeof(tmp) - 2; i++) {
		char c = s[i];
		if (o == 10 && c == ' ')
			c = 'T';
		else if (c == ',')
			c = '.';
		if (!isdigit((unsigned char)c) && !strchr("-:T.Z+", c))
			break;
		tmp[o++] = c;
	}
	tmp[o] = '\0';
	if (o >= 19 && !strchr(tmp + 19, 'Z') && !strchr(tmp + 19, '+') &&
	    !strchr(tmp + 19, '-'))
		tmp[o++] = 'Z', tmp[o] = '\0';
	return time_parse(tmp, ms) == 0 ? 0 : -1;
}

/* A number (with nan/inf spellings) at p; returns chars used or 0. */
static size_t number_at(const char *p, const char *end, double *v)
{
	char tmp[64];
	size_t n = 0;
	char *e;

	while (p + n < end && n < sizeof(tmp) - 1 &&
	       (isalnum((unsigned char)p[n]) || strchr("+-.", p[n])))
		n++;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (!n)
		return 0;
	*v = strtod(tmp, &e);
	if (e == tmp)
		return 0;
	return (size_t)(e - tmp);
}

/* Is the word at w (len k) preceded by a validation marker? */
static int is_eval(const char *start, const char *w)
{
	static const char *const pre[] = {
	    "val_",  "val/",  "eval_",	     "eval/", "valid",
	    "test_", "test/", "validation ", "val ",  NULL};
	for (int i = 0; pre[i]; i++) {
		size_t l = strlen(pre[i]);
		if ((size_t)(w - start) >= l && !strncasecmp(w - l, pre[i], l))
			return 1;
	}
	return 0;
}

/* Finds key (case-insensitive, as a word) followed by quotes, blanks,
 * ':' or '=' and a number; stores the number. Returns 1 when found. */
static int keyed(const char *s, const char *end, const char *key, double *v,
		 int skip_eval)
{
	size_t k = strlen(key);

	for (const char *p = s; p + k <= end; p++) {
		const char *q = p + k;
		if (strncasecmp(p, key, k) ||
		    (p > s &&
		     (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
		    (q < end && (isalnum((unsigned char)*q) || *q == '_')))
			continue;
		if (skip_eval && is_eval(s, p))
			continue;
		while (q < end && strchr("'\": =\t", *q))
			q++;
		if (q < end && number_at(q, end, v))
			return 1;
	}
	return 0;
}

static int json_line(struct loss_log *log, const char *s, size_t n,
		     const int64_t *t, long lineno)
{
	static const char *const lk[] = {"loss",    "train_loss", "train/loss",
					 "lm loss", "lm_loss",	  NULL};
	static const char *const sk[] = {
	    "step",  "global_step",	    "iteration", "iter",
	    "_step", "trainer/global_step", NULL};
	static const char *const tk[] = {"time", "timestamp", "_timestamp",
					 NULL};
	json_t *j = json_loadb(s, n, 0, NULL), *v = NULL;
	int64_t tm, *tp = (int64_t *)t;
	int i;

	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	for (i = 0; lk[i] && !json_is_number(v); i++)
		v = json_object_get(j, lk[i]);
	if (json_is_number(v)) {
		json_t *st = NULL, *tt = NULL;
		for (i = 0; sk[i] && !json_is_number(st); i++)
			st = json_object_get(j, sk[i]);
		for (i = 0; tk[i] && !tt; i++)
			tt = json_object_get(j, tk[i]);
		if (json_is_string(tt) &&
		    time_parse(json_string_value(tt), &tm) == 0)
			tp = &tm;
		else if (json_is_number(tt) && json_number_value(tt) > 0 &&
			 json_number_value(tt) < 1e11)
			tm = (int64_t)(json_number_value(tt) * 1000), tp = &tm;
		if (json_is_number(st) && json_number_value(st) >= 0 &&
		    json_number_value(st) < 9e15)
			add(log, (long long)json_number_value(st), 0,
			    json_number_value(v), tp, lineno);
		else
			add(log, next_step(log), 1, json_number_value(v), tp,
			    lineno);
		log->format = "json";
	}
	json_decref(j);
	return 1;
}

/* "Epoch 3/10" anywhere in the line (Keras, Lightning). */
static void epoch_of(struct loss_log *log, const char *s, const char *end)
{
	double v;
	if (keyed(s, end, "Epoch", &v, 0) && v >= 0 && v < 1e9)
		log->epoch = (long long)v;
}

void loss_parse_line(struct loss_log *log, const char *s, size_t n, long lineno)
{
	const char *end = s + n;
	int64_t tm;
	const int64_t *t = NULL;
	double loss, step;
	int has_step = 0;

	if (n > LOSS_MAX_LINE || memmem(s, n, "train_runtime", 13))
		return; /* HF Trainer's end-of-run summary is not a step */
	if (loss_line_time(s, n, &tm) == 0)
		t = &tm;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s < end && *s == '{' &&
	    json_line(log, s, (size_t)(end - s), t, lineno))
		return;
	epoch_of(log, s, end);
	if (!keyed(s, end, "lm loss", &loss, 1) &&
	    !keyed(s, end, "train_loss", &loss, 1) &&
	    !keyed(s, end, "train/loss", &loss, 1) &&
	    !keyed(s, end, "loss", &loss, 1))
		return;
	if (keyed(s, end, "global_step", &step, 0) ||
	    keyed(s, end, "iteration", &step, 0) ||
	    keyed(s, end, "step", &step, 0) || keyed(s, end, "iter", &step, 0))
		has_step = step >= 0 && step < 9e15 && step == floor(step);
	if (has_step)
		add(log, (long long)step, 0, loss, t, lineno);
	else
		add(log, next_step(log), 1, loss, t, lineno);
	if (!log->format)
		log->format = memmem(s, (size_t)(end - s), "lm loss", 7)
				  ? "megatron"
			      : *s == '{'	? "hf-dict"
			      : log->epoch >= 0 ? "keras"
						: "text";
}

void loss_log_free(struct loss_log *log)
{
	free(log->r);
	memset(log, 0, sizeof(*log));
}
