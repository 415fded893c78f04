/* cmd_opts.c: the one command-line parser: a command's options as data
 * (struct cmd_opt in cmd.h) plus the setup options its flags name (-o,
 * --db, --server), long and short forms, `--`, positional words, and
 * usage errors that name the option ("did you mean" included). */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/dur.h"
#include "core/strutil.h"
#include "core/xmalloc.h"

static int set_output(void *base, const struct cmd_opt *o, const char *val,
		      struct ml_err *err)
{
	struct cmd_args *a = base;

	(void)o;
	if (out_parse(val, &a->fmt) != 0)
		return ml_err_set(err, ML_EUSAGE,
				  "unknown output format `%s` (expected text "
				  "or json)",
				  val);
	return 0;
}

static int set_db(void *base, const struct cmd_opt *o, const char *val,
		  struct ml_err *err)
{
	struct cmd_args *a = base;

	(void)o;
	(void)err;
	a->db = a->client.db = val;
	a->client.server = NULL; /* CMD_CLIENT: the file, not the service */
	a->db_defaulted = 0;
	return 0;
}

static int set_server(void *base, const struct cmd_opt *o, const char *val,
		      struct ml_err *err)
{
	struct cmd_args *a = base;

	(void)o;
	(void)err;
	a->client.server = val;
	return 0;
}

static const struct cmd_opt output_opt = {.name = "output",
					  .short_name = 'o',
					  .arg = CMD_ARG_FN,
					  .fn = set_output,
					  .metavar = "FORMAT"};
static const struct cmd_opt db_opt = {.name = "db",
				      .short_name = 'd',
				      .arg = CMD_ARG_FN,
				      .fn = set_db,
				      .metavar = "PATH"};
static const struct cmd_opt server_opt = {.name = "server",
					  .short_name = 's',
					  .arg = CMD_ARG_FN,
					  .fn = set_server,
					  .metavar = "URL"};

/* The options a command takes: its own table, then its setup flags'. */
struct optset {
	const struct cmd_opt *own;
	const struct cmd_opt *common[3];
	size_t ncommon;
};

static void optset_init(const struct cmd_entry *self, struct optset *s)
{
	s->own = self->opts;
	s->ncommon = 0;
	if (self->flags & CMD_OUTPUT)
		s->common[s->ncommon++] = &output_opt;
	if (self->flags & (CMD_DB | CMD_CLIENT))
		s->common[s->ncommon++] = &db_opt;
	if (self->flags & CMD_CLIENT)
		s->common[s->ncommon++] = &server_opt;
}

/* Calls fn for every option of s; stops at a nonzero return. */
static const struct cmd_opt *
optset_each(const struct optset *s,
	    int (*fn)(const struct cmd_opt *o, void *ctx), void *ctx)
{
	for (const struct cmd_opt *o = s->own; o && o->name; o++)
		if (fn(o, ctx))
			return o;
	for (size_t i = 0; i < s->ncommon; i++)
		if (fn(s->common[i], ctx))
			return s->common[i];
	return NULL;
}

struct match {
	const char *word;
	size_t len;
	const struct cmd_opt *prefix; /* the one prefix match so far */
	int nprefix;
	char short_name;
};

static int is_exact(const struct cmd_opt *o, void *ctx)
{
	struct match *m = ctx;

	if (m->short_name)
		return o->short_name == m->short_name;
	if (strlen(o->name) == m->len && !strncmp(o->name, m->word, m->len))
		return 1;
	if (!strncmp(o->name, m->word, m->len)) {
		m->prefix = o;
		m->nprefix++;
	}
	return 0;
}

struct names {
	const char *v[128];
	size_t n;
};

static int add_name(const struct cmd_opt *o, void *ctx)
{
	struct names *ns = ctx;

	if (o->arg != CMD_ARG_NOT_HERE && ns->n < 127)
		ns->v[ns->n++] = o->name;
	return 0;
}

static int unknown_option(const struct cmd_entry *self, const struct optset *s,
			  const char *word, size_t len, int ambiguous)
{
	struct names ns = {.n = 0};
	char *w = xmalloc(len + 1);
	const char *near;
	int rc;

	memcpy(w, word, len);
	w[len] = 0;
	optset_each(s, add_name, &ns);
	ns.v[ns.n] = NULL;
	near = str_nearest(w, ns.v);
	rc = cmd_usage(self, "%s option `--%s`%s%s%s",
		       ambiguous ? "ambiguous" : "unknown", w,
		       near ? "; did you mean `--" : "", near ? near : "",
		       near ? "`?" : "");
	free(w);
	return rc;
}

/* The option a long word (after "--", up to '=' or its end) names:
 * exact, else a unique prefix. NULL after printing a usage error. */
static const struct cmd_opt *find_long(const struct cmd_entry *self,
				       const struct optset *s, const char *word,
				       size_t len)
{
	struct match m = {.word = word, .len = len};
	const struct cmd_opt *o = optset_each(s, is_exact, &m);

	if (!o && m.nprefix == 1 && len > 0)
		o = m.prefix;
	if (!o)
		unknown_option(self, s, word, len, m.nprefix > 1);
	return o;
}

static const struct cmd_opt *find_short(const struct optset *s, char c)
{
	struct match m = {.short_name = c};

	return c ? optset_each(s, is_exact, &m) : NULL;
}

static int takes_value(const struct cmd_opt *o)
{
	return o->arg != CMD_ARG_FLAG && o->arg != CMD_ARG_FN_FLAG &&
	       o->arg != CMD_ARG_NOT_HERE;
}

static int bad_number(const struct cmd_entry *self, const struct cmd_opt *o,
		      const char *val)
{
	char lo[32], hi[32];

	if (o->arg == CMD_ARG_INT)
		return cmd_usage(self,
				 "--%s: expected a number from %lld to %lld, "
				 "got `%s`",
				 o->name, (long long)o->min, (long long)o->max,
				 val);
	dur_format(o->min, lo, sizeof(lo));
	dur_format(o->max, hi, sizeof(hi));
	if (o->max)
		return cmd_usage(self,
				 "--%s: expected a duration such as 30d, 12h "
				 "or 15m (from %s to %s), got `%s`",
				 o->name, lo, hi, val);
	return cmd_usage(self,
			 "--%s: expected a duration such as 30d, 12h or 15m "
			 "(at least %s), got `%s`",
			 o->name, lo, val);
}

static int set_enum(const struct cmd_entry *self, const struct cmd_opt *o,
		    const char *val, int *out)
{
	struct buf b = BUF_INIT;

	for (int i = 0; o->choices[i]; i++)
		if (!strcmp(o->choices[i], val)) {
			*out = i;
			return 0;
		}
	for (int i = 0; o->choices[i]; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", o->choices[i]);
	cmd_usage(self, "--%s: expected one of %s, got `%s`", o->name,
		  buf_str(&b), val);
	buf_free(&b);
	return ML_EXIT_USAGE;
}

/* Stores val (NULL for a flag) as o says. Returns 0 or ML_EXIT_USAGE. */
static int store(const struct cmd_entry *self, const struct cmd_opt *o,
		 void *base, const char *val)
{
	char *at = (char *)base + o->off;
	struct ml_err err;
	int64_t v;

	ml_err_clear(&err);
	switch (o->arg) {
	case CMD_ARG_FLAG:
		*(int *)(void *)at = 1;
		return 0;
	case CMD_ARG_STRING:
		*(const char **)(void *)at = val;
		return 0;
	case CMD_ARG_INT:
		if (str_to_i64(val, &v) || v < o->min || v > o->max)
			return bad_number(self, o, val);
		*(int64_t *)(void *)at = v;
		return 0;
	case CMD_ARG_DURATION:
		if (dur_parse(val, &v) || v < o->min || (o->max && v > o->max))
			return bad_number(self, o, val);
		*(int64_t *)(void *)at = v;
		return 0;
	case CMD_ARG_ENUM:
		return set_enum(self, o, val, (int *)(void *)at);
	case CMD_ARG_LIST: {
		struct cmd_list *l = (struct cmd_list *)(void *)at;
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = val;
		return 0;
	}
	case CMD_ARG_FN:
	case CMD_ARG_FN_FLAG:
		if (o->fn(base, o, val, &err) != 0)
			return cmd_usage(self, "%s", err.msg);
		return 0;
	case CMD_ARG_NOT_HERE:
		return cmd_usage(self, "--%s does not apply here", o->name);
	}
	return 0;
}

static int missing(const struct cmd_entry *self, const struct cmd_opt *o)
{
	return cmd_usage(self, "--%s needs %s%s", o->name,
			 o->metavar ? "a " : "a value",
			 o->metavar ? o->metavar : "");
}

struct pstate {
	const struct cmd_entry *self;
	const struct optset *set;
	void *opts;
	struct cmd_args *a;
	int argc;
	char **argv;
};

static void *base_of(const struct pstate *p, const struct cmd_opt *o)
{
	return o == &output_opt || o == &db_opt || o == &server_opt
		   ? (void *)p->a
		   : p->opts;
}

/* A `--name[=value]` word at argv[*i]. */
static int take_long(const struct pstate *p, int *i)
{
	const char *w = p->argv[*i] + 2, *eq = strchr(w, '=');
	size_t len = eq ? (size_t)(eq - w) : strlen(w);
	const struct cmd_opt *o = find_long(p->self, p->set, w, len);

	if (!o)
		return ML_EXIT_USAGE;
	if (!takes_value(o)) {
		if (eq && o->arg == CMD_ARG_FN_FLAG)
			return store(p->self, o, base_of(p, o), eq + 1);
		if (eq && o->arg != CMD_ARG_NOT_HERE)
			return cmd_usage(p->self, "--%s takes no value",
					 o->name);
		return store(p->self, o, base_of(p, o), NULL);
	}
	if (eq)
		return store(p->self, o, base_of(p, o), eq + 1);
	if (*i + 1 >= p->argc)
		return missing(p->self, o);
	return store(p->self, o, base_of(p, o), p->argv[++*i]);
}

/* A `-x`, `-xVALUE`, `-x VALUE` or `-xyz` (flags) word at argv[*i]. */
static int take_short(const struct pstate *p, int *i)
{
	const char *w = p->argv[*i] + 1;

	for (; *w; w++) {
		const struct cmd_opt *o = find_short(p->set, *w);
		int rc;

		if (!o)
			return cmd_usage(p->self, "unknown option `-%c`", *w);
		if (!takes_value(o)) {
			if ((rc = store(p->self, o, base_of(p, o), NULL)))
				return rc;
			continue;
		}
		if (w[1])
			return store(p->self, o, base_of(p, o), w + 1);
		if (*i + 1 >= p->argc)
			return missing(p->self, o);
		return store(p->self, o, base_of(p, o), p->argv[++*i]);
	}
	return 0;
}

static void resolve_setup(const struct cmd_entry *self, struct cmd_args *a)
{
	if (self->flags & CMD_CLIENT) {
		a->client.server = getenv("MLONCALL_SERVER");
		a->client.token = getenv("MLONCALL_TOKEN");
		a->client.db = a->db = getenv("MLONCALL_DB");
	} else if (self->flags & CMD_DB) {
		a->db = getenv("MLONCALL_DB");
		a->db_defaulted = !a->db;
		if (!a->db)
			a->db = "oncall.db";
	}
}

int cmd_parse(const struct cmd_entry *self, int first, int argc, char **argv,
	      void *opts, struct cmd_args *a)
{
	struct optset set;
	struct pstate p = {self, &set, opts, a, argc, argv};
	int only_args = 0, rc = 0;

	optset_init(self, &set);
	resolve_setup(self, a);
	/* positional words move to argv[first..] in place, as getopt
	 * permutes: the k-th one is never behind a word still to read */
	a->args = argv + (first < argc ? first : argc);
	a->nargs = 0;
	for (int i = first; i < argc && !rc; i++) {
		const char *w = argv[i];

		if (only_args || w[0] != '-' || !w[1])
			argv[first + a->nargs++] = argv[i];
		else if (!strcmp(w, "--"))
			only_args = 1;
		else if (w[1] == '-')
			rc = take_long(&p, &i);
		else
			rc = take_short(&p, &i);
	}
	if (first + a->nargs < argc)
		argv[first + a->nargs] = NULL;
	if (!rc && (self->flags & CMD_CLIENT) && a->client.server &&
	    a->client.server[0] &&
	    a->client.server[strlen(a->client.server) - 1] == '/')
		rc = cmd_usage(self, "--server: give the URL without a "
				     "trailing slash");
	return rc;
}

void cmd_parsed_free(const struct cmd_entry *self, struct cmd_args *a,
		     void *opts)
{
	(void)a; /* args are argv's own slots */
	for (const struct cmd_opt *o = self->opts; opts && o && o->name; o++)
		if (o->arg == CMD_ARG_LIST) {
			struct cmd_list *l =
			    (struct cmd_list *)(void *)((char *)opts + o->off);
			free(l->v);
			l->v = NULL;
			l->n = 0;
		}
}
