/* connguard.c: connection deadlines and limits (see connguard.h). The
 * table is a flat array scanned linearly: a few thousand slots at most,
 * and the watchdog wakes four times a second. */
#include "core/dur.h"
#include "core/connguard.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/strutil.h"
#include "core/xmalloc.h"

struct slot {
	int used;
	int fd;
	int cut;       /* shut down already */
	uint32_t addr; /* IPv4, host order; 0 for other families */
	enum connguard_phase phase;
	int64_t deadline_ms; /* 0: none */
};

struct connguard {
	struct connguard_opts o;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;
	struct slot *v;
	size_t n;
	uint64_t timeouts, refused;
	/* what a person is told (stderr), at most once per CONNGUARD_LOG_MS:
	 * counts since the last line */
	uint64_t timeouts_told, refused_told;
	int64_t told_ms;
};

/* Least time between two log lines about cut or refused connections. */
#define CONNGUARD_LOG_MS 10000

/* Tells stderr how many connections were cut or refused since the last
 * line, when there are any and the last line is old enough. Called with
 * g->mu held. */
static void tell(struct connguard *g, int64_t now)
{
	uint64_t cut = g->timeouts - g->timeouts_told;
	uint64_t refused = g->refused - g->refused_told;

	if ((!cut && !refused) ||
	    (g->told_ms && now - g->told_ms < CONNGUARD_LOG_MS))
		return;
	fprintf(stderr,
		"%s: connection guard: %llu cut for slow headers or body, "
		"%llu refused over the per-client limit (%d) in the last "
		"%llds\n",
		g->o.name ? g->o.name : "http", (unsigned long long)cut,
		(unsigned long long)refused, g->o.max_per_client,
		(long long)(g->told_ms ? (now - g->told_ms) / 1000
				       : CONNGUARD_LOG_MS / 1000));
	g->timeouts_told = g->timeouts;
	g->refused_told = g->refused;
	g->told_ms = now;
}

int connguard_parse_net(const char *s, struct connguard_net *out)
{
	char ip[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	int64_t bits = 32;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	if (slash &&
	    (str_to_i64(slash + 1, &bits) != 0 || bits < 0 || bits > 32))
		return -1;
	out->mask = bits ? 0xffffffffu << (32 - bits) : 0;
	out->addr = ntohl(a.s_addr) & out->mask;
	return 0;
}

static uint32_t v4(const struct sockaddr *sa)
{
	if (!sa || sa->sa_family != AF_INET)
		return 0;
	return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
}

static int64_t deadline(const struct connguard *g, enum connguard_phase ph)
{
	int64_t now = time_mono_ms();

	switch (ph) {
	case CONNGUARD_HEADERS:
		return now + (int64_t)g->o.header_timeout_s * 1000;
	case CONNGUARD_BODY:
		return now + (int64_t)g->o.body_timeout_s * 1000;
	case CONNGUARD_STREAM:
		return now + (int64_t)CONNGUARD_STREAM_MAX_S * 1000;
	default:
		return 0;
	}
}

/* Shuts down every socket past its deadline; the HTTP library then reads
 * EOF and closes the connection itself (the fd stays valid until
 * connguard_close, which takes the same lock). */
static void reap(struct connguard *g)
{
	int64_t now = time_mono_ms();

	for (size_t i = 0; i < g->n; i++) {
		struct slot *s = &g->v[i];
		if (!s->used || s->cut || !s->deadline_ms ||
		    s->deadline_ms > now)
			continue;
		shutdown(s->fd, SHUT_RDWR);
		s->cut = 1;
		g->timeouts++;
	}
	tell(g, now);
}

static void *watchdog(void *arg)
{
	struct connguard *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		reap(g);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int connguard_new(const struct connguard_opts *opts, struct connguard **out,
		  struct ml_err *err)
{
	struct connguard *g = xcalloc(1, sizeof(*g));

	g->o = *opts;
	/* the HTTP library may briefly hold a closing connection while a
	 * new one is accepted: room for twice the limit */
	g->n = (size_t)(opts->max_conns > 0 ? opts->max_conns : 1) * 2;
	g->v = xcalloc(g->n, sizeof(*g->v));
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (pthread_create(&g->thread, NULL, watchdog, g) != 0) {
		pthread_mutex_destroy(&g->mu);
		pthread_cond_destroy(&g->cv);
		free(g->v);
		free(g);
		return ml_err_set(err, ML_EIO,
				  "cannot start the connection watchdog");
	}
	*out = g;
	return 0;
}

void connguard_free(struct connguard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g->v);
	free(g);
}

static int trusted(const struct connguard *g, uint32_t a)
{
	for (size_t i = 0; i < g->o.n_trusted; i++)
		if ((a & g->o.trusted[i].mask) == g->o.trusted[i].addr)
			return 1;
	return 0;
}

int connguard_admit(struct connguard *g, const struct sockaddr *sa)
{
	uint32_t a = v4(sa);
	int n = 0;

	if (g->o.max_per_client <= 0 || !a || trusted(g, a))
		return 1;
	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].used && g->v[i].addr == a)
			n++;
	if (n >= g->o.max_per_client)
		g->refused++; /* told by the watchdog's next round */
	pthread_mutex_unlock(&g->mu);
	return n < g->o.max_per_client;
}

void *connguard_open(struct connguard *g, int fd, const struct sockaddr *sa)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < g->n && !s; i++)
		if (!g->v[i].used)
			s = &g->v[i];
	if (s) {
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->fd = fd;
		s->addr = v4(sa);
		s->phase = CONNGUARD_HEADERS;
		s->deadline_ms = deadline(g, CONNGUARD_HEADERS);
	}
	pthread_mutex_unlock(&g->mu);
	return s;
}

void connguard_phase(struct connguard *g, void *slot, enum connguard_phase ph)
{
	struct slot *s = slot;

	if (!s)
		return;
	pthread_mutex_lock(&g->mu);
	s->phase = ph;
	s->deadline_ms = deadline(g, ph);
	pthread_mutex_unlock(&g->mu);
}

void connguard_close(struct connguard *g, void *slot)
{
	struct slot *s = slot;

	if (!s)
		return;
	pthread_mutex_lock(&g->mu);
	s->used = 0;
	pthread_mutex_unlock(&g->mu);
}

uint64_t connguard_refused(struct connguard *g)
{
	uint64_t n;

	pthread_mutex_lock(&g->mu);
	n = g->refused;
	pthread_mutex_unlock(&g->mu);
	return n;
}

uint64_t connguard_timeouts(struct connguard *g)
{
	uint64_t n;

	pthread_mutex_lock(&g->mu);
	n = g->timeouts;
	pthread_mutex_unlock(&g->mu);
	return n;
}
