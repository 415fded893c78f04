/* connguard.h: per-connection deadlines and connection limits of an HTTP
 * server, independent of the HTTP library: a watchdog thread shuts down
 * the socket of a connection whose headers (or body) did not arrive in
 * time, however slowly the client trickles bytes (slowloris), and an
 * admission check refuses a client address over its share. */
#ifndef ML_CONNGUARD_H
#define ML_CONNGUARD_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A trusted proxy: IPv4 network and mask (host order). */
struct connguard_net {
	uint32_t addr, mask;
};

struct connguard_opts {
	int header_timeout_s; /* accept (or previous response) to headers */
	int body_timeout_s;   /* headers to the whole body */
	int max_conns;	      /* all connections at once */
	int max_per_client;   /* connections of one client address */
	/* peers exempt from max_per_client: a load balancer or proxy in
	 * front speaks for many clients, and X-Forwarded-For is not known
	 * when a connection is accepted (borrowed) */
	const struct connguard_net *trusted;
	size_t n_trusted;
	/* names the server in the stderr lines that count cut and refused
	 * connections (at most one each 10 s): "mloncall serve" (borrowed) */
	const char *name;
};

/* Phase of a connection; each but DONE has a deadline. */
enum connguard_phase {
	CONNGUARD_HEADERS, /* waiting for request headers */
	CONNGUARD_BODY,	   /* headers in, body arriving */
	CONNGUARD_DONE,	   /* handler running or response going out */
	/* a long-lived response stream (live updates): exempt from the body
	 * timeout, closed CONNGUARD_STREAM_MAX_S after it began */
	CONNGUARD_STREAM,
};

/* Longest a streaming response (CONNGUARD_STREAM) may last; the client
 * reconnects after it. Nothing streams yet: a handler that starts one
 * calls connguard_phase(g, slot, CONNGUARD_STREAM) before answering. */
#define CONNGUARD_STREAM_MAX_S (60 * 60)

struct connguard;

/* Parses "10.0.0.1" or "10.0.0.0/8" into *out. 0 or -1. */
int connguard_parse_net(const char *s, struct connguard_net *out);

/* Starts the watchdog thread. opts is copied (trusted stays borrowed).
 * 0, or ML_EIO with err set. */
int connguard_new(const struct connguard_opts *opts, struct connguard **out,
		  struct ml_err *err);

/* Stops the watchdog and frees g; NULL is a no-op. Call after the HTTP
 * server stopped (no connection is open). */
void connguard_free(struct connguard *g);

/* Accept-time check: 1 when a connection from sa may be admitted (its
 * address holds fewer than max_per_client, or is a trusted proxy), 0 to
 * refuse. Thread-safe. */
int connguard_admit(struct connguard *g, const struct sockaddr *sa);

/* Registers an accepted connection (socket fd, peer sa) in phase
 * HEADERS; returns a slot for the calls below, or NULL when the table is
 * full (the caller should close). */
void *connguard_open(struct connguard *g, int fd, const struct sockaddr *sa);

/* Moves slot to phase ph; the deadline restarts from now. */
void connguard_phase(struct connguard *g, void *slot, enum connguard_phase ph);

/* Unregisters slot before its socket is closed; NULL is a no-op. */
void connguard_close(struct connguard *g, void *slot);

/* Connections refused over max_per_client since the start. Thread-safe. */
uint64_t connguard_refused(struct connguard *g);

/* Connections the watchdog cut off since the start. Thread-safe. */
uint64_t connguard_timeouts(struct connguard *g);

#endif
