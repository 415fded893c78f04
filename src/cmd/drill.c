/* drill.c: `mloncall drill run|ls|show`: drills and game days (see
 * docs/drills.md). `run` plays a scenario against the incident service
 * and prints the debrief; `ls` lists the scenarios of a folder; `show`
 * prints one scenario's plan. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "incident/drill.h"
#include "runbook/rb.h"

/* Set by SIGINT/SIGTERM during `drill run`: the one piece of global
 * state, because a signal handler can reach nothing else. */
static volatile sig_atomic_t drill_stop;

static void on_signal(int sig)
{
	(void)sig;
	drill_stop = 1;
}

struct run_opts {
	struct drill_opts d;
	enum out_fmt fmt;
	const char *participants, *timeout, *debrief_file, *token;
	const char *file; /* the scenario */
};

static const struct cmd_opt run_table[] = {
    CMD_STR("token", 0, struct run_opts, token),
    CMD_STR("participants", 0, struct run_opts, participants),
    CMD_STR("timeout", 0, struct run_opts, timeout),
    CMD_DUR("poll", 0, struct run_opts, d.poll_ms, 10, 0),
    CMD_STR("debrief", 0, struct run_opts, debrief_file),
    CMD_FLAG("quiet", 'q', struct run_opts, d.quiet),
    {0}};

static int parse_run(const struct cmd_entry *self, int argc, char **argv,
		     struct run_opts *o)
{
	struct cmd_args ca = {0};
	int rc;

	o->d.poll_ms = 500;
	rc = cmd_parse(self, 1, argc, argv, o, &ca);
	o->d.server = ca.client.server;
	o->d.token = o->token ? o->token : ca.client.token;
	o->d.db = ca.client.db;
	o->fmt = ca.fmt;
	o->file = ca.nargs == 1 ? ca.args[0] : NULL;
	if (!rc && ca.nargs != 1)
		rc = cmd_usage(self, "expected one scenario file");
	cmd_parsed_free(self, &ca, o);
	if (!rc && !o->d.server && !o->d.db)
		rc = cmd_usage(self, "pass --server URL (or MLONCALL_SERVER) "
				     "or --db PATH");
	return rc;
}

/* Scenario overrides from the command line. */
static int apply_overrides(const struct cmd_entry *self, struct run_opts *o,
			   struct drill_scenario *sc, struct ml_err *err)
{
	int rc;

	if (o->participants &&
	    (rc = drill_set_participants(sc, o->participants, err)) != 0)
		return cmd_fail(err);
	if (o->timeout &&
	    (dur_parse(o->timeout, &sc->timeout_ms) || sc->timeout_ms <= 0))
		return cmd_usage(self, "--timeout: expected a duration like "
				       "10m");
	if (sc->n_participants == 0)
		return cmd_usage(self,
				 "%s names no participants: add "
				 "`participants:` or --participants a,b",
				 sc->file);
	return 0;
}

static int print_debrief(const struct run_opts *o, const json_t *d)
{
	struct buf md = BUF_INIT;
	int rc = 0;

	drill_debrief_markdown(d, &md);
	if (o->debrief_file &&
	    buf_write_file_atomic(o->debrief_file, md.data, md.len) != 0) {
		fprintf(stderr, "mloncall drill run: cannot write %s\n",
			o->debrief_file);
		rc = ML_EXIT_INTERNAL;
	}
	if (o->fmt == OUT_JSON)
		out_json(stdout, d);
	else
		fputs(buf_str(&md), stdout);
	buf_free(&md);
	return rc;
}

static int exec_run(const struct cmd_entry *self, int argc, char **argv)
{
	struct run_opts o = {0};
	struct drill_scenario sc;
	struct ml_err err = {0};
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	json_t *debrief = NULL;
	int rc, prc;

	if ((rc = parse_run(self, argc, argv, &o)) != 0)
		return rc;
	if (drill_scenario_load(o.file, &sc, &err) != 0) {
		drill_scenario_free(&sc);
		return cmd_fail(&err);
	}
	if ((rc = apply_overrides(self, &o, &sc, &err)) != 0) {
		drill_scenario_free(&sc);
		return rc;
	}
	drill_stop = 0;
	o.d.stop = &drill_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = drill_run(&sc, &o.d, &debrief, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	prc = debrief ? print_debrief(&o, debrief) : 0;
	drill_scenario_free(&sc);
	if (rc) {
		json_decref(debrief);
		return cmd_fail(&err);
	}
	rc = prc ? prc
	     : strcmp(jget_str(debrief, "outcome", ""), "mitigated") ||
		     !jget_bool(debrief, "fault_cleared", 0)
		 ? ML_EXIT_FINDING
		 : ML_EXIT_OK;
	json_decref(debrief);
	return rc;
}

static const char *action_text(const json_t *a, char *out, size_t n)
{
	const json_t *h = json_object_get(a, "http");

	if (h)
		snprintf(out, n, "%s %s", jget_str(h, "method", "?"),
			 jget_str(h, "url", "?"));
	else
		snprintf(out, n, "run: %s", jget_str(a, "run", "?"));
	return out;
}

static void print_plan(const json_t *j)
{
	const json_t *p, *alert = json_object_get(j, "alert");
	const char *k;
	char t[600], d[32];
	size_t i;

	printf("Drill:        %s\n", jget_str(j, "name", "?"));
	if (jget_str(j, "description", NULL))
		printf("Description:  %s\n", jget_str(j, "description", ""));
	printf("File:         %s\nParticipants: ", jget_str(j, "file", "?"));
	json_array_foreach(json_object_get(j, "participants"), i, p)
	    printf("%s%s", i ? ", " : "", json_string_value(p));
	dur_format(jget_int(j, "timeout_ms", 0), d, sizeof(d));
	printf("%s\nTimeout:      %s\n\nPlan:\n",
	       json_array_size(json_object_get(j, "participants")) ? ""
								   : "(none)",
	       d);
	printf("  1. inject the fault: %s\n",
	       action_text(json_object_get(j, "fault"), t, sizeof(t)));
	if (jget_str(json_object_get(json_object_get(j, "fault"), "http"),
		     "body", NULL))
		printf("     body: %s\n",
		       jget_str(
			   json_object_get(json_object_get(j, "fault"), "http"),
			   "body", ""));
	printf("  2. raise the alert (drill=\"true\"; pages only the "
	       "participants):\n");
	json_object_foreach(json_object_get(alert, "labels"), k, p)
	    printf("     %s=%s\n", k, json_string_value(p));
	printf("  3. time acknowledge, diagnose, mitigate\n"
	       "  4. clear the fault (always, also on Ctrl-C and timeout): "
	       "%s\n  5. resolve the drill alert, print the debrief\n",
	       action_text(json_object_get(j, "clear"), t, sizeof(t)));
}

static int exec_show(const struct cmd_entry *self, int argc, char **argv)
{
	struct drill_scenario sc;
	struct ml_err err = {0};
	struct cmd_args ca = {0};
	enum out_fmt fmt;
	const char *file;
	json_t *j;
	int rc = cmd_parse(self, 1, argc, argv, NULL, &ca);

	if (!rc && ca.nargs > 1)
		rc = cmd_usage(self, "unexpected argument `%s`", ca.args[1]);
	file = ca.nargs ? ca.args[0] : NULL;
	fmt = ca.fmt;
	cmd_parsed_free(self, &ca, NULL);
	if (rc)
		return rc;
	if (!file)
		return cmd_usage(self, "expected a scenario file");
	if (drill_scenario_load(file, &sc, &err) != 0) {
		drill_scenario_free(&sc);
		return cmd_fail(&err);
	}
	j = drill_scenario_json(&sc);
	if (fmt == OUT_JSON)
		out_json(stdout, j);
	else
		print_plan(j);
	json_decref(j);
	drill_scenario_free(&sc);
	return ML_EXIT_OK;
}

/* Lists every scenario of dir; broken ones are reported on stderr and
 * make the exit code 2 after the good ones are listed. */
static int exec_ls(const struct cmd_entry *self, int argc, char **argv)
{
	struct cmd_args ca = {0};
	enum out_fmt fmt;
	const char *dir;
	struct ml_err err = {0};
	char **paths = NULL, t[600];
	size_t n = 0;
	json_t *list;
	int rc = cmd_parse(self, 1, argc, argv, NULL, &ca), broken = 0;

	if (!rc && ca.nargs > 1)
		rc = cmd_usage(self, "unexpected argument `%s`", ca.args[1]);
	dir = ca.nargs ? ca.args[0] : NULL;
	fmt = ca.fmt;
	cmd_parsed_free(self, &ca, NULL);
	if (rc)
		return rc;
	list = json_array();
	if (rb_find_files(dir ? dir : "drills", &paths, &n, &err) != 0)
		return json_decref(list), cmd_fail(&err);
	for (size_t i = 0; i < n; i++) {
		struct drill_scenario sc;
		ml_err_clear(&err);
		if (drill_scenario_load(paths[i], &sc, &err) == 0)
			json_array_append_new(list, drill_scenario_json(&sc));
		else
			broken++, ml_err_print(&err);
		drill_scenario_free(&sc);
		free(paths[i]);
	}
	free(paths);
	if (fmt == OUT_JSON) {
		out_json(stdout, list);
	} else {
		const json_t *j;
		size_t i;
		printf("%-22s %-29s %-32s %s\n", "NAME", "ALERT", "FILE",
		       "FAULT");
		json_array_foreach(list, i, j) printf(
		    "%-22s %-29s %-32s %s\n", jget_str(j, "name", ""),
		    jget_str(
			json_object_get(json_object_get(j, "alert"), "labels"),
			"alertname", ""),
		    jget_str(j, "file", ""),
		    action_text(json_object_get(j, "fault"), t, sizeof(t)));
		if (!json_array_size(list))
			printf("(no scenarios)\n");
	}
	json_decref(list);
	return broken ? ML_EXIT_USAGE : ML_EXIT_OK;
}

static const struct cmd_entry run_entry = {
    .path = "drill run",
    .summary = "play a drill scenario and print the debrief",
    .help = "Usage: mloncall drill run SCENARIO.yaml [--server URL "
	    "--token T | --db PATH]\n"
	    "                          [--participants a,b] [--timeout 10m] "
	    "[--poll 500ms]\n"
	    "                          [--debrief FILE] [-o json] [-q]\n\n"
	    "Injects the scenario's fault, raises its alert through the "
	    "service's normal\nintake labelled drill=\"true\" (routing, "
	    "runbooks and escalation run as for\nreal; pages reach only the "
	    "participants, every other one is written to the\ntimeline as "
	    "\"suppressed (drill)\"), times acknowledge, diagnose and "
	    "mitigate,\nthen ALWAYS clears the fault (also on Ctrl-C, "
	    "timeout and errors), resolves\nthe drill alert and prints the "
	    "debrief (Markdown, or JSON with -o json).\n\n"
	    "Options:\n"
	    "  --server URL        a running `mloncall serve` (or "
	    "MLONCALL_SERVER)\n"
	    "  --token T           its bearer token, responder role (or "
	    "MLONCALL_TOKEN)\n"
	    "  --db PATH           no service: write the incident to the "
	    "database\n"
	    "  --participants a,b  who takes part (overrides the "
	    "scenario's list)\n"
	    "  --timeout D         give up waiting for mitigation after D "
	    "(scenario: 10m)\n"
	    "  --poll D            how often the incident is read "
	    "(500ms)\n"
	    "  --debrief FILE      also write the Markdown debrief to FILE\n"
	    "  -o FORMAT           text (Markdown, default) or json\n"
	    "  -q                  no progress lines on stderr\n\n"
	    "Exit: 0 mitigated in time and the fault cleared; 1 not "
	    "mitigated (timed out,\ninterrupted) or the fault could not be "
	    "cleared; 2 bad scenario or usage;\n3 the fault could not be "
	    "injected or the service not reached.\n\n"
	    "Examples:\n"
	    "  mloncall drill run drills/irisd-bad-model.yaml --server "
	    "http://127.0.0.1:9094 \\\n"
	    "      --participants ana,ben --debrief debrief.md\n"
	    "  mloncall drill run drills/disk-full-command.yaml --db "
	    "oncall.db --timeout 15m\n",
    .exec = exec_run,
    .opts = run_table,
    .flags = CMD_OUTPUT | CMD_CLIENT,
};

static const struct cmd_entry ls_entry = {
    .path = "drill ls",
    .summary = "list the drill scenarios of a folder",
    .help = "Usage: mloncall drill ls [DIR] [-o json]\n\n"
	    "Lists the scenarios (*.yaml) under DIR (default drills/): "
	    "name, alert,\nfault, file. Broken files are reported on stderr "
	    "with file:line:col, and\nmake the exit code 2.\n\n"
	    "Examples:\n  mloncall drill ls drills/\n"
	    "  mloncall drill ls drills/ -o json\n",
    .exec = exec_ls,
    .flags = CMD_OUTPUT,
};

static const struct cmd_entry show_entry = {
    .path = "drill show",
    .summary = "show a drill scenario's plan",
    .help = "Usage: mloncall drill show FILE [-o json]\n\n"
	    "Checks the scenario and prints its plan: fault, alert, "
	    "participants, clear\naction, timeout.\n\n"
	    "Examples:\n  mloncall drill show drills/irisd-latency.yaml\n",
    .exec = exec_show,
    .flags = CMD_OUTPUT,
};

static const struct cmd_entry *const subs[] = {&run_entry, &ls_entry,
					       &show_entry, NULL};

const struct cmd_entry cmd_drill_entry = {
    .path = "drill",
    .summary = "drills and game days: run a scenario, list, show",
    .help = "Usage: mloncall drill run|ls|show ...\n",
    .subs = subs,
};
