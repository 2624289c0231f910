/*
 * m6d_priv — after setup the daemon needs no more than two capabilities:
 * CAP_NET_RAW (AF_PACKET sockets, if an interface must be opened again)
 * and CAP_NET_ADMIN (the per-interface IPv6 switch it gives back at exit,
 * rtnetlink). With daemon.user set it becomes that user, keeping just
 * those two, and sets no_new_privs. Without it, it stays root.
 *
 * Contract: 0, or M6_E_INVAL with the failing step in err (the caller
 * stops: a daemon that asked to drop privileges never runs with them).
 */
#ifndef MIP6SEC_M6D_PRIV_H
#define MIP6SEC_M6D_PRIV_H

#include <stddef.h>

#include "m6d.h"

int m6d_drop_privileges(struct m6d *d, char *err, size_t errlen);

#endif
