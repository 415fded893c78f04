/* cmd.c: dispatch among subcommands, help and usage errors (option
 * parsing is in cmd_opts.c). */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/strutil.h"

static void print_group(const struct cmd_entry *g)
{
	size_t w = 0;

	if (g->help)
		fputs(g->help, stdout);
	printf("\nCommands:\n");
	for (const struct cmd_entry *const *s = g->subs; *s; s++) {
		const char *name = strrchr((*s)->path, ' ');
		name = name ? name + 1 : (*s)->path;
		if (strlen(name) > w)
			w = strlen(name);
	}
	for (const struct cmd_entry *const *s = g->subs; *s; s++) {
		const char *name = strrchr((*s)->path, ' ');
		name = name ? name + 1 : (*s)->path;
		printf("  %-*s  %s\n", (int)w, name, (*s)->summary);
	}
	printf("\nRun 'mloncall %s%sCOMMAND --help' for a command's options.\n",
	       g->path[0] ? g->path : "", g->path[0] ? " " : "");
}

void cmd_print_help(const struct cmd_entry *self)
{
	if (self->subs)
		print_group(self);
	else
		fputs(self->help ? self->help : self->summary, stdout);
}

int cmd_usage(const struct cmd_entry *self, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mloncall %s: ", self->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mloncall %s --help'.\n", self->path);
	return ML_EXIT_USAGE;
}

int cmd_fail(const struct ml_err *err)
{
	ml_err_print(err);
	return ml_exit_code(err->code ? err->code : ML_EINTERNAL);
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

static const char *leaf(const struct cmd_entry *e)
{
	const char *name = strrchr(e->path, ' ');
	return name ? name + 1 : e->path;
}

static const struct cmd_entry *lookup(const struct cmd_entry *g,
				      const char *word, int *ambiguous)
{
	const struct cmd_entry *found = NULL;
	int matches = 0;

	for (const struct cmd_entry *const *s = g->subs; *s; s++)
		if (!strcmp(leaf(*s), word))
			return *s;
	for (const struct cmd_entry *const *s = g->subs; *s; s++)
		if (str_starts(leaf(*s), word)) {
			found = *s;
			matches++;
		}
	*ambiguous = matches > 1;
	return matches == 1 ? found : NULL;
}

static int unknown(const struct cmd_entry *g, const char *word, int ambiguous)
{
	const char *names[128];
	const char *near;
	size_t n = 0;

	for (const struct cmd_entry *const *s = g->subs; *s && n < 127; s++)
		names[n++] = leaf(*s);
	names[n] = NULL;
	fprintf(stderr, "mloncall%s%s: %s command `%s`", g->path[0] ? " " : "",
		g->path, ambiguous ? "ambiguous" : "unknown", word);
	near = str_nearest(word, names);
	if (near)
		fprintf(stderr, "; did you mean `%s`?", near);
	fprintf(stderr, "\nTry 'mloncall %s%shelp'.\n", g->path,
		g->path[0] ? " " : "");
	return ML_EXIT_USAGE;
}

int cmd_dispatch(const struct cmd_entry *g, int argc, char **argv)
{
	const struct cmd_entry *sub;
	int ambiguous = 0;

	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
		cmd_print_help(g);
		return argc < 1 && g->path[0] ? ML_EXIT_USAGE : ML_EXIT_OK;
	}
	if (!strcmp(argv[0], "help")) {
		if (argc < 2) {
			cmd_print_help(g);
			return ML_EXIT_OK;
		}
		sub = lookup(g, argv[1], &ambiguous);
		if (!sub)
			return unknown(g, argv[1], ambiguous);
		if (sub->subs && argc > 2)
			return cmd_dispatch(sub, argc - 1, argv + 1);
		cmd_print_help(sub);
		return ML_EXIT_OK;
	}
	sub = lookup(g, argv[0], &ambiguous);
	if (!sub)
		return unknown(g, argv[0], ambiguous);
	if (sub->subs && !sub->exec)
		return cmd_dispatch(sub, argc - 1, argv + 1);
	if (cmd_wants_help(argc, argv) && !sub->subs && !sub->own_help) {
		cmd_print_help(sub);
		return ML_EXIT_OK;
	}
	return sub->exec(sub, argc, argv);
}
