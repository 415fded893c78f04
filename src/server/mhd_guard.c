/* mhd_guard.c: connguard glue for libmicrohttpd (see mhd_guard.h). */
#include "server/mhd_guard.h"

#include <strings.h>

void mhd_guard_notify(void *cls, struct MHD_Connection *c,
		      void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct connguard *g = cls;
	const union MHD_ConnectionInfo *fd, *addr;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		connguard_close(g, *socket_context);
		*socket_context = NULL;
		return;
	}
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	*socket_context = fd ? connguard_open(g, fd->connect_fd,
					      addr ? addr->client_addr : NULL)
			     : NULL;
}

enum MHD_Result mhd_guard_accept(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen)
{
	(void)addrlen;
	return connguard_admit(cls, addr) ? MHD_YES : MHD_NO;
}

void mhd_guard_phase(struct connguard *g, struct MHD_Connection *c,
		     enum connguard_phase ph)
{
	const union MHD_ConnectionInfo *i =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (i)
		connguard_phase(g, i->socket_context, ph);
}

struct count {
	const char *name;
	int n;
};

static enum MHD_Result count_one(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct count *k = cls;

	(void)kind;
	(void)value;
	if (key && !strcasecmp(key, k->name))
		k->n++;
	return MHD_YES;
}

int mhd_guard_header_count(struct MHD_Connection *c, const char *name)
{
	struct count k = {name, 0};

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_one, &k);
	return k.n;
}
