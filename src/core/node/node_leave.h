/*
 * node_leave — a mobile node going out of service while away from home
 * (RFC 6275 11.7.1): one Binding Update with lifetime 0, sent from the
 * current care-of address through the node's IPsec pipeline like any
 * home registration, so the home agent deletes the binding and stops
 * intercepting for the home address. A driver calls it when it is told
 * to stop (the daemon on SIGTERM), then keeps pumping until the
 * acknowledgement arrives or its patience runs out.
 *
 * Contract: sans-I/O as node.h. seq is the sequence number to use: one
 * above the last the mobile node sent (the driver sees each BU_SENT event
 * and its code). Returns 0 when the BU was queued, M6_E_NOTFOUND when
 * there is nothing to delete (not a mobile node registered away from
 * home) or when the BU could not leave (refused by IPsec policy, no
 * route: an M6_EV_DROP says which, as for any packet). The engine's own Binding Update List is not
 * touched: the node is expected to be freed afterwards.
 */
#ifndef MIP6SEC_NODE_LEAVE_H
#define MIP6SEC_NODE_LEAVE_H

#include <stdint.h>

#include "node.h"

int node_mn_deregister(struct node *n, uint16_t seq, uint64_t now);

#endif
