/* xid.c: the `xid` probe: NVRM Xid and NVSwitch SXid events from the
 * kernel log (dmesg, journalctl -k), a log file or stdin, classified with
 * NVIDIA's Xid catalogue (xid_catalog.c) into events per GPU with counts,
 * first/last time, codes and the worst recommended action. Facts schema:
 * docs/probes/xid.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/dur.h"
#include "core/out.h"
#include "core/proc.h"
#include "core/xmalloc.h"
#include "probe/probe.h"
#include "probe/gpu/xid.h"

/* Largest log read (file, stdin or live command output). */
#define XID_MAX_INPUT (1024u * 1024 * 1024)
/* Most recent events listed one by one in the facts. */
#define XID_MAX_EVENTS 1000

struct xid_code_agg {
	int code;
	long count;
	const char *worst; /* catalogue action, or worse one an Xid 154
			      message announced (static string) */
	char first[48], last[48];
};

/* Events of one device (a GPU, or an NVSwitch for SXids). */
struct xid_dev {
	char *bus_id;
	int sxid;
	long events, fatal; /* fatal: SXid events with severity Fatal */
	char first[48], last[48];
	struct xid_code_agg *codes;
	size_t ncodes;
};

struct xid_state {
	struct xid_dev *devs;
	size_t ndevs;
	struct xid_event *ring; /* the last XID_MAX_EVENTS events ... */
	long *ring_line;	/* ... and their line numbers */
	size_t ring_n, ring_head;
	long total, nxid, nsxid, lines, undated, before_since, dropped;
	int64_t since_ms; /* INT64_MIN: no filter */
	int64_t now_ms;
};

static void when(const struct xid_event *ev, char *out, size_t n)
{
	if (ev->has_time)
		time_format(ev->time_ms, out, n);
	else if (ev->has_uptime)
		snprintf(out, n, "boot+%.6fs", ev->uptime_s);
	else
		snprintf(out, n, "unknown");
}

static struct xid_dev *dev_of(struct xid_state *st, const struct xid_event *ev)
{
	struct xid_dev *d;

	for (size_t i = 0; i < st->ndevs; i++)
		if (st->devs[i].sxid == ev->sxid &&
		    !strcmp(st->devs[i].bus_id, ev->bus_id))
			return &st->devs[i];
	st->devs = xrealloc(st->devs, (st->ndevs + 1) * sizeof(*st->devs));
	d = &st->devs[st->ndevs++];
	memset(d, 0, sizeof(*d));
	d->bus_id = xstrdup(ev->bus_id);
	d->sxid = ev->sxid;
	return d;
}

static struct xid_code_agg *code_of(struct xid_dev *d, int code)
{
	struct xid_code_agg *c;

	for (size_t i = 0; i < d->ncodes; i++)
		if (d->codes[i].code == code)
			return &d->codes[i];
	d->codes = xrealloc(d->codes, (d->ncodes + 1) * sizeof(*d->codes));
	c = &d->codes[d->ncodes++];
	memset(c, 0, sizeof(*c));
	c->code = code;
	return c;
}

/* The catalogue columns of ev into o (null when unknown). */
static void describe(json_t *o, int sxid, int code, const char *severity)
{
	const struct xid_info *x = sxid ? NULL : xid_lookup(code);
	int fatal = severity && !strcmp(severity, "Fatal");

	jset_str(o, "mnemonic", x ? x->mnemonic : NULL);
	jset_str(o, "meaning", x ? x->meaning : NULL);
	jset_str(o, "category", x ? x->category : sxid ? "NVLink" : NULL);
	jset_str(o, "action",
		 x	? x->action
		 : sxid ? (fatal ? "RESET_GPU" : "IGNORE")
			: NULL);
	if (!sxid)
		jset_bool(o, "known", x != NULL);
}

static json_t *event_json(const struct xid_event *ev, long lineno)
{
	json_t *o = json_object();
	char t[48];

	jset_str(o, "kind", ev->sxid ? "sxid" : "xid");
	if (ev->has_time) {
		time_format(ev->time_ms, t, sizeof(t));
		jset_str(o, "time", t);
	} else {
		json_object_set_new(o, "time", json_null());
	}
	if (ev->has_uptime)
		jset_real(o, "uptime_s", ev->uptime_s);
	else
		json_object_set_new(o, "uptime_s", json_null());
	jset_str(o, "bus_id", ev->bus_id);
	jset_int(o, "code", ev->code);
	if (ev->sxid)
		jset_str(o, "severity", ev->severity);
	else if (ev->pid >= 0)
		jset_int(o, "pid", ev->pid);
	else
		json_object_set_new(o, "pid", json_null());
	if (!ev->sxid)
		jset_str(o, "process", ev->process);
	jset_str(o, "message", ev->message);
	describe(o, ev->sxid, ev->code, ev->severity);
	if (!ev->sxid && ev->code == 154 && xid_recovery_action(ev->message))
		jset_str(o, "action", xid_recovery_action(ev->message));
	jset_int(o, "line", lineno);
	return o;
}

/* Raises c->worst to the event's action (catalogue, or Xid 154 text). */
static void note_action(struct xid_code_agg *c, const struct xid_event *ev)
{
	const struct xid_info *x = ev->sxid ? NULL : xid_lookup(ev->code);
	const char *a = x ? x->action : NULL;

	if (x && ev->code == 154 && xid_recovery_action(ev->message))
		a = xid_recovery_action(ev->message);
	if (a && xid_action_rank(a) > xid_action_rank(c->worst))
		c->worst = a;
}

/* Moves ev into the ring of recent events (ev is zeroed). */
static void keep(struct xid_state *st, struct xid_event *ev, long lineno)
{
	size_t slot;

	if (!st->ring) {
		st->ring = xcalloc(XID_MAX_EVENTS, sizeof(*st->ring));
		st->ring_line = xcalloc(XID_MAX_EVENTS, sizeof(*st->ring_line));
	}
	if (st->ring_n < XID_MAX_EVENTS) {
		slot = (st->ring_head + st->ring_n++) % XID_MAX_EVENTS;
	} else {
		slot = st->ring_head;
		xid_event_free(&st->ring[slot]);
		st->ring_head = (st->ring_head + 1) % XID_MAX_EVENTS;
		st->dropped++;
	}
	st->ring[slot] = *ev;
	st->ring_line[slot] = lineno;
	memset(ev, 0, sizeof(*ev));
}

/* Counts ev into its device and code; keeps it among the recent ones.
 * Takes ownership of ev's strings when kept (ev is zeroed then). */
static void add_event(struct xid_state *st, struct xid_event *ev, long lineno)
{
	struct xid_dev *d;
	struct xid_code_agg *c;
	char t[48];

	if (st->since_ms != INT64_MIN && ev->has_time &&
	    ev->time_ms < st->since_ms) {
		st->before_since++;
		return;
	}
	st->undated += !ev->has_time;
	st->total++;
	st->nxid += !ev->sxid;
	st->nsxid += ev->sxid;
	when(ev, t, sizeof(t));
	d = dev_of(st, ev);
	d->events++;
	d->fatal += ev->sxid && ev->severity && !strcmp(ev->severity, "Fatal");
	if (!d->first[0])
		snprintf(d->first, sizeof(d->first), "%s", t);
	snprintf(d->last, sizeof(d->last), "%s", t);
	c = code_of(d, ev->code);
	c->count++;
	note_action(c, ev);
	if (!c->first[0])
		snprintf(c->first, sizeof(c->first), "%s", t);
	snprintf(c->last, sizeof(c->last), "%s", t);
	keep(st, ev, lineno);
}

/* Walks every line of text. */
static void scan(struct xid_state *st, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct xid_event ev;

		st->lines++;
		if (xid_parse_line(p, (size_t)(e - p), st->now_ms, &ev)) {
			add_event(st, &ev, st->lines);
			xid_event_free(&ev);
		}
		p = nl ? nl + 1 : end;
	}
}

/* Reason level for an action bucket. */
static enum probe_verdict level_of(const char *action)
{
	int r = xid_action_rank(action);

	if (r <= 0)
		return PV_HEALTHY;
	return r >= xid_action_rank("RESET_GPU") ? PV_FAILED : PV_DEGRADED;
}

static void code_reason(json_t *facts, const struct xid_dev *d,
			const struct xid_code_agg *c)
{
	const struct xid_info *x = d->sxid ? NULL : xid_lookup(c->code);
	char code[32];

	snprintf(code, sizeof(code), "%s-%d", d->sxid ? "sxid" : "xid",
		 c->code);
	if (d->sxid)
		return; /* SXid reasons come per device: severity, not code */
	if (!x) {
		probe_reason(
		    facts, PV_UNKNOWN, code,
		    "GPU %s: Xid %d x%ld (last %s) is not in the Xid "
		    "catalogue: look it up in NVIDIA's current catalogue "
		    "before acting",
		    d->bus_id, c->code, c->count, c->last);
		return;
	}
	probe_reason(facts, level_of(c->worst ? c->worst : x->action), code,
		     "GPU %s: Xid %d %s (%s) x%ld, last %s: %s (%s); then %s",
		     d->bus_id, c->code, x->mnemonic, x->meaning, c->count,
		     c->last, c->worst ? c->worst : x->action, x->category,
		     x->investigatory);
}

static json_t *dev_json(json_t *facts, const struct xid_dev *d,
			const char **worst)
{
	json_t *o = json_object(), *codes = json_array();
	const char *dw = NULL;
	long fatal = 0;

	jset_str(o, "bus_id", d->bus_id);
	jset_int(o, "events", d->events);
	jset_str(o, "first", d->first);
	jset_str(o, "last", d->last);
	for (size_t i = 0; i < d->ncodes; i++) {
		const struct xid_code_agg *c = &d->codes[i];
		json_t *e = json_object();
		const char *a;
		jset_int(e, "code", c->code);
		jset_int(e, "count", c->count);
		describe(e, d->sxid, c->code, NULL);
		if (c->worst)
			jset_str(e, "action", c->worst);
		a = jget_str(e, "action", NULL);
		if (!d->sxid && a && xid_action_rank(a) > xid_action_rank(dw))
			dw = a;
		jset_str(e, "first", c->first);
		jset_str(e, "last", c->last);
		json_array_append_new(codes, e);
		code_reason(facts, d, c);
	}
	if (d->sxid) {
		fatal = d->fatal;
		dw = fatal ? "RESET_GPU" : "IGNORE";
		if (fatal)
			probe_reason(
			    facts, PV_FAILED, "sxid-fatal",
			    "NVSwitch %s: %ld fatal SXid event(s), last %s: "
			    "reset the NVSwitches and GPUs of this baseboard "
			    "(fabric manager guide)",
			    d->bus_id, fatal, d->last);
		else
			probe_reason(
			    facts, PV_HEALTHY, "sxid-nonfatal",
			    "NVSwitch %s: %ld non-fatal SXid event(s): no "
			    "action unless they repeat",
			    d->bus_id, d->events);
	}
	jset_str(o, "worst_action", dw);
	json_object_set_new(o, "codes", codes);
	if (dw && xid_action_rank(dw) > xid_action_rank(*worst))
		*worst = dw;
	return o;
}

static json_t *events_json(const struct xid_state *st)
{
	json_t *a = json_array();

	for (size_t i = 0; i < st->ring_n; i++) {
		size_t slot = (st->ring_head + i) % XID_MAX_EVENTS;
		json_array_append_new(
		    a, event_json(&st->ring[slot], st->ring_line[slot]));
	}
	return a;
}

static json_t *make_facts(struct xid_state *st, const char *kind,
			  const char *from, const char *since)
{
	json_t *facts = probe_facts_new("xid"), *gpus = json_array();
	json_t *sw = json_array(), *unknown = json_array(),
	       *src = json_object();
	const char *worst = NULL;

	for (size_t i = 0; i < st->ndevs; i++) {
		struct xid_dev *d = &st->devs[i];
		json_array_append_new(d->sxid ? sw : gpus,
				      dev_json(facts, d, &worst));
		for (size_t k = 0; k < d->ncodes && !d->sxid; k++)
			if (!xid_lookup(d->codes[k].code))
				json_array_append_new(
				    unknown, json_integer(d->codes[k].code));
	}
	if (st->total == 0)
		probe_reason(facts, PV_HEALTHY, "no-events",
			     "no Xid or SXid event in %ld line(s)", st->lines);
	if (st->undated && st->since_ms != INT64_MIN)
		probe_reason(
		    facts, PV_HEALTHY, "undated",
		    "%ld event(s) carry only boot-relative dmesg times; "
		    "--since could not filter them",
		    st->undated);
	jset_int(facts, "events_total", st->total);
	jset_int(facts, "xid_events", st->nxid);
	jset_int(facts, "sxid_events", st->nsxid);
	jset_str(facts, "worst_action", worst);
	json_object_set_new(facts, "unknown_codes", unknown);
	jset_int(facts, "gpu_count", (long long)json_array_size(gpus));
	jset_int(facts, "lines", st->lines);
	jset_int(facts, "before_since", st->before_since);
	jset_str(src, "kind", kind);
	jset_str(src, "from", from);
	json_object_set_new(facts, "source", src);
	jset_str(facts, "since", since);
	json_object_set_new(facts, "gpus", gpus);
	json_object_set_new(facts, "nvswitches", sw);
	json_object_set_new(facts, "events", events_json(st));
	jset_bool(facts, "events_truncated", st->dropped > 0);
	return facts;
}

/* Runs one kernel-log command; 0 with its output in out, or -1 with a
 * description in why. */
static int run_log(const char *const *argv, struct buf *out, struct buf *why)
{
	struct proc_opts o = {0};
	struct proc_result r;
	struct ml_err e = {0};

	o.argv = argv;
	o.timeout_ms = 60000;
	o.cap = XID_MAX_INPUT;
	if (proc_run(&o, &r, &e) != 0) {
		buf_printf(why, "%s%s: %s", why->len ? "; " : "", argv[0],
			   e.msg);
		proc_result_free(&r);
		return -1;
	}
	if (!r.exited || r.exit_code != 0) {
		char *m =
		    r.err.len ? xstrdup(buf_str(&r.err)) : xstrdup("failed");
		m[strcspn(m, "\n")] = '\0';
		buf_printf(why, "%s%s: %.200s", why->len ? "; " : "", argv[0],
			   m);
		free(m);
		proc_result_free(&r);
		return -1;
	}
	buf_add(out, buf_str(&r.out), r.out.len);
	proc_result_free(&r);
	return 0;
}

static int read_live(const char *source, struct buf *out, const char **kind,
		     struct ml_err *err)
{
	static const char *const dmesg[] = {"dmesg", "--time-format", "iso",
					    NULL};
	static const char *const dmesg_plain[] = {"dmesg", NULL};
	static const char *const journal[] = {"journalctl", "-k",	  "-o",
					      "short-iso",  "--no-pager", NULL};
	struct buf why = BUF_INIT;
	int want_d = strcmp(source, "journal") != 0;
	int want_j = strcmp(source, "dmesg") != 0;
	int rc = 0;

	/* Plain dmesg last: busybox and old util-linux lack --time-format;
	 * their boot-relative stamps still give codes and counts. */
	if (want_d && run_log(dmesg, out, &why) == 0)
		*kind = "dmesg";
	else if (want_j && run_log(journal, out, &why) == 0)
		*kind = "journal";
	else if (want_d && run_log(dmesg_plain, out, &why) == 0)
		*kind = "dmesg";
	else
		rc = ml_err_set(
		    err, ML_ENOTFOUND,
		    "cannot read the kernel log (%s); run as root or "
		    "pass --from /var/log/kern.log",
		    why.len ? buf_str(&why) : "no source");
	buf_free(&why);
	return rc;
}

static int parse_since(const char *since, int64_t now, int64_t *ms,
		       struct ml_err *err)
{
	int64_t d;

	*ms = INT64_MIN;
	if (!since)
		return 0;
	if (!dur_parse(since, &d)) {
		*ms = now - d;
		return 0;
	}
	if (!time_parse(since, ms))
		return 0;
	return ml_err_set(err, ML_EUSAGE,
			  "--since must be a duration (2h, 7d) or an RFC 3339 "
			  "time (2026-11-23T08:00:00Z), not `%.60s`",
			  since);
}

static int read_source(const char *from, const char *source, struct buf *b,
		       const char **kind, struct ml_err *err)
{
	if (!from)
		return read_live(source, b, kind, err);
	if (!strcmp(from, "-")) {
		*kind = "stdin";
		if (buf_read_fd(b, 0, XID_MAX_INPUT) != 0)
			return ml_err_set(err, ML_EIO, "cannot read stdin: %s",
					  strerror(errno));
		return 0;
	}
	*kind = "file";
	if (buf_read_file(b, from, XID_MAX_INPUT) != 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "cannot read %s: %s", from,
				  errno == EFBIG ? "file too large"
						 : strerror(errno));
	return 0;
}

static void state_free(struct xid_state *st)
{
	for (size_t i = 0; i < st->ndevs; i++) {
		free(st->devs[i].bus_id);
		free(st->devs[i].codes);
	}
	free(st->devs);
	for (size_t i = 0; st->ring && i < XID_MAX_EVENTS; i++)
		xid_event_free(&st->ring[i]);
	free(st->ring);
	free(st->ring_line);
}

static int run(const struct probe_ctx *ctx, json_t **facts, struct ml_err *err)
{
	const char *from = jget_str(ctx->args, "from", NULL);
	const char *source = jget_str(ctx->args, "source", "auto");
	const char *since = jget_str(ctx->args, "since", NULL);
	const char *kind = NULL;
	struct xid_state st = {0};
	struct buf b = BUF_INIT;
	int rc;

	*facts = NULL;
	if (strcmp(source, "auto") && strcmp(source, "dmesg") &&
	    strcmp(source, "journal"))
		return ml_err_set(
		    err, ML_EUSAGE,
		    "--source must be auto, dmesg or journal, not "
		    "`%.40s`",
		    source);
	st.now_ms = time_now_ms();
	if ((rc = parse_since(since, st.now_ms, &st.since_ms, err)) != 0)
		return rc;
	if ((rc = read_source(from, source, &b, &kind, err)) != 0) {
		buf_free(&b);
		return rc;
	}
	scan(&st, buf_str(&b), b.len);
	buf_free(&b);
	if (since && st.since_ms != INT64_MIN) {
		char t[48];
		time_format(st.since_ms, t, sizeof(t));
		*facts = make_facts(&st, kind, from, t);
	} else {
		*facts = make_facts(&st, kind, from, NULL);
	}
	state_free(&st);
	return 0;
}

static void render(const json_t *facts, struct buf *out)
{
	const json_t *src = json_object_get(facts, "source"), *r, *d, *c;
	size_t i, j;

	buf_printf(
	    out,
	    "xid: %s: %lld event(s) (%lld Xid, %lld SXid) in %lld line(s) "
	    "from %s%s%s; worst action %s\n",
	    jget_str(facts, "verdict", "unknown"),
	    jget_int(facts, "events_total", 0),
	    jget_int(facts, "xid_events", 0), jget_int(facts, "sxid_events", 0),
	    jget_int(facts, "lines", 0), jget_str(src, "kind", "?"),
	    jget_str(src, "from", NULL) ? " " : "", jget_str(src, "from", ""),
	    jget_str(facts, "worst_action", "none"));
	json_array_foreach(json_object_get(facts, "reasons"), i, r)
	    buf_printf(out, "  [%s] %s: %s\n", jget_str(r, "level", "?"),
		       jget_str(r, "code", "?"), jget_str(r, "message", ""));
	if (json_array_size(json_object_get(facts, "gpus")))
		buf_printf(out, "  %-14s %5s %6s  %-17s %-13s %s\n", "GPU",
			   "XID", "COUNT", "ACTION", "CATEGORY", "LAST");
	json_array_foreach(json_object_get(facts, "gpus"), i, d)
	    json_array_foreach(json_object_get(d, "codes"), j, c) buf_printf(
		out, "  %-14s %5lld %6lld  %-17s %-13s %s\n",
		jget_str(d, "bus_id", "?"), jget_int(c, "code", 0),
		jget_int(c, "count", 0), jget_str(c, "action", "UNKNOWN"),
		jget_str(c, "category", "unknown"), jget_str(c, "last", "?"));
}

static const struct probe_opt opts[] = {
    {"from", PO_PATH,
     "kernel log file (dmesg, journalctl -k, syslog "
     "kern.log); - reads stdin",
     NULL, 0, 0},
    {"source", PO_STRING,
     "live source: auto (dmesg, else journalctl -k), "
     "dmesg or journal",
     "auto", 0, 0},
    {"since", PO_STRING,
     "only events after this: a duration back from now "
     "(2h, 7d) or an RFC 3339 time",
     NULL, 0, 0},
    {0}};

const struct probe_def probe_xid = {
    .name = "xid",
    .summary = "NVIDIA Xid/SXid errors from the kernel log, classified "
	       "with NVIDIA's Xid catalogue",
    .help =
	"Finds NVRM Xid and NVSwitch SXid lines (dmesg, dmesg -T, ISO,\n"
	"journalctl short-iso and syslog timestamps) and classifies each\n"
	"code with NVIDIA's Xid catalogue: meaning, category and the\n"
	"recommended action (RESTART_APP, RESET_GPU, RESTART_BM,\n"
	"CONTACT_SUPPORT, ...). Classify before anyone RMAs a GPU: Xid 13,\n"
	"31 and 43 are application faults. Codes not in the catalogue are\n"
	"reported as unknown, never guessed.\n"
	"\n"
	"Verdict: failed when an action is RESET_GPU or worse, degraded for\n"
	"RESTART_APP-level events, unknown for uncatalogued codes.\n"
	"\n"
	"Examples:\n"
	"  sudo mloncall check xid --since 24h\n"
	"  mloncall check xid --from /var/log/kern.log -o json\n"
	"  journalctl -k -o short-iso | mloncall check xid --from -\n",
    .read_only = 1,
    .opts = opts,
    .run = run,
    .render = render,
};
