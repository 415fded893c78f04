/* check.c: `mloncall check NAME [ARGS] [--opt value]...`: runs one probe
 * from the registry and prints its facts. Options come from the probe's
 * own argument table, so `check NAME` and `probe: NAME` take the same
 * arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
#include "core/xmalloc.h"
#include "probe/probe.h"

static void list_probes(void)
{
	printf("Probes:\n");
	for (const struct probe_def *const *p = probe_list(); *p; p++)
		printf("  %-12s %s\n", (*p)->name, (*p)->summary);
	printf("\nRun 'mloncall check NAME --help' for a probe's options.\n");
}

static void probe_help(const struct probe_def *p)
{
	printf("Usage: mloncall check %s", p->name);
	for (const struct probe_opt *o = p->opts; o->name; o++)
		if (o->positional)
			printf(o->required ? " %s" : " [%s]", o->name);
	printf(" [options]\n\n%s\n", p->summary);
	printf("\nOptions:\n");
	for (const struct probe_opt *o = p->opts; o->name; o++) {
		char left[64];
		if (o->positional)
			continue;
		snprintf(left, sizeof(left), "--%s%s", o->name,
			 o->type == PO_BOOL ? "" : " VALUE");
		printf("  %-26s %s", left, o->help);
		if (o->dflt)
			printf(" (default: %s)", o->dflt);
		printf("\n");
	}
	printf("  %-26s %s\n", "-o, --output FORMAT", "text or json");
	printf("  %-26s %s\n", "-q, --quiet", "no progress on stderr");
	printf(
	    "  %-26s %s\n", "--timing",
	    "print the probe's own run time on stderr (without program start)");
	printf("  %-26s %s\n", "-h, --help", "this help");
	if (p->help)
		printf("\n%s", p->help);
	printf("\nExit status: 0 healthy, 1 degraded or failed, 2 usage or "
	       "input error, 3 internal error.\n");
}

/* The positional option for the index-th bare word; a list positional
 * that is the last one takes all remaining words (check k8s a.json b.json). */
static const struct probe_opt *next_positional(const struct probe_def *p,
					       int index)
{
	const struct probe_opt *last = NULL;

	for (const struct probe_opt *o = p->opts; o->name; o++) {
		if (!o->positional)
			continue;
		if (index-- == 0)
			return o;
		last = o;
	}
	return last && last->type == PO_LIST ? last : NULL;
}

static void add_value(json_t *args, const struct probe_opt *o, const char *val)
{
	if (o->type == PO_LIST) {
		json_t *a = json_object_get(args, o->name);
		if (!a) {
			a = json_array();
			json_object_set_new(args, o->name, a);
		}
		json_array_append_new(a, json_string(val));
	} else {
		json_object_set_new(args, o->name, json_string(val));
	}
}

struct check_opts {
	const struct probe_def *p;
	json_t *args;
	int quiet;
	int timing;
};

/* A probe argument given as --NAME VALUE (or a PO_BOOL flag). */
static int probe_arg(void *opts, const struct cmd_opt *co, const char *val,
		     struct ml_err *err)
{
	struct check_opts *c = opts;

	(void)err;
	for (const struct probe_opt *o = c->p->opts; o->name; o++)
		if (!strcmp(o->name, co->name)) { /* --from works for
						   * positionals too */
			if (o->type == PO_BOOL && !val)
				json_object_set_new(c->args, o->name,
						    json_true());
			else
				add_value(c->args, o, val);
		}
	return 0;
}

/* The command-line table of probe p: its arguments, then check's own. */
static struct cmd_opt *probe_table(const struct probe_def *p)
{
	size_t n = 0;
	struct cmd_opt *t;

	for (const struct probe_opt *o = p->opts; o->name; o++)
		n++;
	t = xcalloc(n + 3, sizeof(*t));
	n = 0;
	for (const struct probe_opt *o = p->opts; o->name; o++, n++) {
		t[n].name = o->name;
		t[n].arg = o->type == PO_BOOL ? CMD_ARG_FN_FLAG : CMD_ARG_FN;
		t[n].fn = probe_arg;
	}
	t[n++] =
	    (struct cmd_opt)CMD_FLAG("quiet", 'q', struct check_opts, quiet);
	t[n] = (struct cmd_opt)CMD_FLAG("timing", 0, struct check_opts, timing);
	return t;
}

/* Turns argv into probe arguments. Returns 0 or an exit code. */
static int parse_args(const struct cmd_entry *self, int argc, char **argv,
		      struct check_opts *co, enum out_fmt *fmt)
{
	struct cmd_entry e = *self;
	struct cmd_opt *table = probe_table(co->p);
	struct cmd_args ca = {0};
	int rc;

	e.opts = table;
	rc = cmd_parse(&e, 2, argc, argv, co, &ca);
	for (int i = 0; !rc && i < ca.nargs; i++) {
		const struct probe_opt *o = next_positional(co->p, i);
		if (!o)
			rc = cmd_usage(self, "unexpected argument `%s`",
				       ca.args[i]);
		else
			add_value(co->args, o, ca.args[i]);
	}
	*fmt = ca.fmt;
	cmd_parsed_free(&e, &ca, co);
	free(table);
	return rc;
}

static int print_facts(const struct probe_def *p, const json_t *facts,
		       enum out_fmt fmt)
{
	struct buf out = BUF_INIT;

	if (fmt == OUT_JSON) {
		out_json(stdout, facts);
	} else {
		if (p->render)
			p->render(facts, &out);
		else
			probe_render_default(facts, &out);
		fputs(buf_str(&out), stdout);
		buf_free(&out);
	}
	return probe_verdict_of(facts) >= PV_DEGRADED ? ML_EXIT_FINDING
						      : ML_EXIT_OK;
}

static int check_exec(const struct cmd_entry *self, int argc, char **argv)
{
	struct check_opts co = {0};
	enum out_fmt fmt = OUT_TEXT;
	int64_t t0, t1;
	const struct probe_def *p;
	struct ml_err err = {0};
	json_t *args, *facts = NULL;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		printf("%s", self->help);
		list_probes();
		return argc < 2 ? ML_EXIT_USAGE : ML_EXIT_OK;
	}
	p = probe_find(argv[1]);
	if (!p) {
		const char *names[64];
		size_t n = 0;
		for (const struct probe_def *const *q = probe_list();
		     *q && n < 63; q++)
			names[n++] = (*q)->name;
		names[n] = NULL;
		const char *near = str_nearest(argv[1], names);
		return cmd_usage(self, "unknown probe `%s`%s%s%s", argv[1],
				 near ? "; did you mean `" : "",
				 near ? near : "", near ? "`?" : "");
	}
	if (cmd_wants_help(argc, argv)) {
		probe_help(p);
		return ML_EXIT_OK;
	}
	args = json_object();
	co.p = p;
	co.args = args;
	if ((rc = parse_args(self, argc, argv, &co, &fmt)) != 0) {
		json_decref(args);
		return rc;
	}
	t0 = time_mono_us();
	rc =
	    probe_run(p, args, 0, co.quiet ? NULL : stderr, NULL, &facts, &err);
	t1 = time_mono_us();
	json_decref(args);
	if (co.timing)
		fprintf(stderr, "timing: probe %s ran %.3f ms\n", p->name,
			(double)(t1 - t0) / 1e3);
	if (rc)
		return cmd_fail(&err);
	rc = print_facts(p, facts, fmt);
	json_decref(facts);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
    .path = "check",
    .summary = "run a diagnostic probe (gpu, xid, oom, checkpoint, drift...)",
    .help = "Usage: mloncall check PROBE [ARGS] [options]\n"
	    "\n"
	    "Runs one probe and prints its facts and verdict. The same probe\n"
	    "runs in a runbook as `probe: PROBE` with the same arguments.\n"
	    "\n"
	    "Examples:\n"
	    "  mloncall check gpu\n"
	    "  mloncall check gpu --from nvidia-smi.csv -o json\n"
	    "  mloncall check checkpoint ckpts/ --deep\n"
	    "\n",
    .exec = check_exec,
    .own_help = 1,
    .flags = CMD_OUTPUT,
};
