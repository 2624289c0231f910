/*
 * nl — the few rtnetlink and sysctl operations the daemon needs: bring a
 * link up, set its MTU, add an address and a route (the TUN device), read
 * whether a link is running, watch link changes (movement), and the
 * per-interface IPv6 switch that keeps the kernel off a wire interface.
 *
 * Contract: requests are synchronous on their own socket and wait for the
 * kernel's acknowledgement; they return 0 or a negative M6_E_* code with
 * the reason (the kernel's errno text) in err. The monitor socket is
 * non-blocking; nl_monitor_read() calls cb once per link message and
 * returns when the socket is empty. Nothing here allocates.
 */
#ifndef MIP6SEC_M6D_NL_H
#define MIP6SEC_M6D_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int nl_open(char *err, size_t errlen);
int nl_link_set(int fd, int ifindex, bool up, unsigned mtu, char *err, size_t errlen);   /* mtu 0: leave */
int nl_addr_add(int fd, int ifindex, const uint8_t addr[16], unsigned plen, char *err, size_t errlen);
int nl_route_add(int fd, int ifindex, const uint8_t prefix[16], unsigned plen, unsigned metric, char *err,
		 size_t errlen);
/* running: administratively up with carrier (IFF_RUNNING). */
int nl_link_running(int fd, int ifindex, bool *running, char *err, size_t errlen);

int nl_monitor_open(char *err, size_t errlen);
typedef void (*nl_link_cb)(void *ctx, int ifindex, bool running, bool deleted);
/* 0 when drained, or M6_E_* when the socket failed (an overrun is
 * reported as 1: the caller should re-read every link's state). */
int nl_monitor_read(int fd, nl_link_cb cb, void *ctx);

/* /proc/sys/net/ipv6/conf/IFNAME/KEY */
int sysctl_ipv6_get(const char *ifname, const char *key, int *val);
int sysctl_ipv6_set(const char *ifname, const char *key, int val);

#endif
