/* mhd_guard.h: libmicrohttpd callbacks that put a server's connections
 * under a connguard (header/body deadlines, per-client limits), shared by
 * `mloncall serve` and `irisd serve`, and a duplicate-header check. */
#ifndef ML_MHD_GUARD_H
#define ML_MHD_GUARD_H

#include <microhttpd.h>

#include "core/connguard.h"

/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the connguard. Registers
 * a connection when it starts, unregisters it when it closes. */
void mhd_guard_notify(void *cls, struct MHD_Connection *c,
		      void **socket_context,
		      enum MHD_ConnectionNotificationCode code);

/* MHD_OPTION_ACCEPT_POLICY callback (MHD_start_daemon's apc); cls is the
 * connguard: MHD_NO for a client address over its connection share. */
enum MHD_Result mhd_guard_accept(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen);

/* Moves the connection to phase ph (connguard_phase). */
void mhd_guard_phase(struct connguard *g, struct MHD_Connection *c,
		     enum connguard_phase ph);

/* How many times request header name (any case) was sent. */
int mhd_guard_header_count(struct MHD_Connection *c, const char *name);

#endif
