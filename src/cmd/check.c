/* check.c: `mloncall check NAME [ARGS] [--opt value]...`: runs one probe
 * from the registry and prints its facts. Options come from the probe's
 * own argument table, so `check NAME` and `probe: NAME` take the same
 * arguments. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dur.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/strutil.h"
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
	printf("  %-26s %s\n", "--timing",
	       "print the probe's own run time on stderr (without program start)");
	printf("  %-26s %s\n", "-h, --help", "this help");
	if (p->help)
		printf("\n%s", p->help);
	printf("\nExit status: 0 healthy, 1 degraded or failed, 2 usage or "
	       "input error, 3 internal error.\n");
}

static const struct probe_opt *find_opt(const struct probe_def *p,
					const char *name)
{
	for (const struct probe_opt *o = p->opts; o->name; o++)
		if (!strcmp(o->name, name)) /* --from works for positionals */
			return o;
	return NULL;
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

static void add_value(json_t *args, const struct probe_opt *o,
		      const char *val)
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
	enum out_fmt fmt;
	int quiet;
	int timing;
};

/* Turns argv into probe arguments. Returns 0 or an exit code. */
static int parse_args(const struct cmd_entry *self, const struct probe_def *p,
		      int argc, char **argv, json_t *args,
		      struct check_opts *co)
{
	int npos = 0;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct probe_opt *o;
		char name[128];
		int orc;

		if (cmd_take_output(self, argc, argv, &i, &co->fmt, &orc)) {
			if (orc)
				return orc;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			co->quiet = 1;
			continue;
		}
		if (!strcmp(a, "--timing")) {
			co->timing = 1;
			continue;
		}
		if (!str_starts(a, "--") || !strcmp(a, "--")) {
			if (!strcmp(a, "--") && ++i >= argc)
				break;
			o = next_positional(p, npos++);
			if (!o)
				return cmd_usage(self, "unexpected argument `%s`",
						 argv[i]);
			add_value(args, o, argv[i]);
			continue;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - a - 2 : (long)strlen(a) - 2), a + 2);
		o = find_opt(p, name);
		if (!o) {
			const char *names[64];
			size_t n = 0;
			for (const struct probe_opt *q = p->opts;
			     q->name && n < 63; q++)
				if (!q->positional)
					names[n++] = q->name;
			names[n] = NULL;
			const char *near = str_nearest(name, names);
			return cmd_usage(self, "unknown option --%s%s%s%s", name,
					 near ? "; did you mean --" : "",
					 near ? near : "", near ? "?" : "");
		}
		if (o->type == PO_BOOL && !eq) {
			json_object_set_new(args, o->name, json_true());
			continue;
		}
		if (!eq && ++i >= argc)
			return cmd_usage(self, "--%s needs a value", name);
		add_value(args, o, eq ? eq + 1 : argv[i]);
	}
	return 0;
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
	struct check_opts co = {OUT_TEXT, 0, 0};
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
	if ((rc = parse_args(self, p, argc, argv, args, &co)) != 0) {
		json_decref(args);
		return rc;
	}
	t0 = time_mono_us();
	rc = probe_run(p, args, 0, co.quiet ? NULL : stderr, NULL, &facts, &err);
	t1 = time_mono_us();
	json_decref(args);
	if (co.timing)
		fprintf(stderr, "timing: probe %s ran %.3f ms\n", p->name,
			(double)(t1 - t0) / 1e3);
	if (rc)
		return cmd_fail(&err);
	rc = print_facts(p, facts, co.fmt);
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
};
