/*
 * m6d_state — a home agent's bindings across a restart of the daemon.
 *
 * The binding cache lives in the node's memory; a home agent that is
 * killed and started again has none, and until its mobile nodes refresh
 * (possibly an hour later) nothing reaches them: the home link has nobody
 * answering for their home addresses. With daemon.state_file set, the
 * daemon writes every binding (home address, care-of address, sequence
 * number, expiry) to that file whenever the cache changes, and at start
 * sends each mobile node found there a Binding Refresh Request through
 * the tunnel it used (IPv6(HA -> care-of) | IPv6(HA -> home) | BRR), up to
 * M6D_BRR_TRIES times M6D_BRR_INTERVAL_NS apart, until it registers again
 * (RFC 6275 11.7.4: a mobile node away from home answers a home agent's
 * BRR with a home registration). The file is only a list of whom to ask:
 * no binding is ever restored from it, so a stale or forged file can cause
 * a Binding Refresh Request, never a route.
 *
 * Contract: m6d_state_save() rewrites the file atomically (a temporary
 * file renamed over it); m6d_state_restore() reads it once at start; the
 * timer functions drive the retries. All are no-ops without state_file or
 * on a node that is not a home agent. Errors are logged, never fatal.
 */
#ifndef MIP6SEC_M6D_STATE_H
#define MIP6SEC_M6D_STATE_H

#include <stdint.h>

#include "m6d.h"

#define M6D_BRR_TRIES 4
#define M6D_BRR_INTERVAL_NS 3000000000ull   /* longer than DAD plus a round trip */

void m6d_state_save(struct m6d *d);
void m6d_state_restore(struct m6d *d, uint64_t now);
uint64_t m6d_state_next(const struct m6d *d);
void m6d_state_timer(struct m6d *d, uint64_t now);
void m6d_state_free(struct m6d *d);

#endif
