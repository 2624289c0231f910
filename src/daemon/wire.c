/* AF_PACKET frames in and out, batched (see wire.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dlog.h"
#include "gso.h"
#include "util/m6_err.h"
#include "wire.h"

/* Every frame is preceded by a virtio-net header (PACKET_VNET_HDR): it
 * says when the sender left the transport checksum for hardware to fill in
 * (a host's own traffic crossing veth or virtio never gets one), and when
 * a frame is a segmentation-offload super-frame. */
#define VNET_LEN ((unsigned)sizeof(struct virtio_net_hdr))
/* Room for a segmentation-offload super-frame (64 KB of IPv6 payload),
 * and beyond, so a longer frame shows up as longer (MSG_TRUNC reports the
 * real length) instead of as a fit. */
#define RX_BUF (VNET_LEN + WIRE_ETH_LEN + 40 + 65536 + 64)
#define SOCK_BUF (4 << 20)

struct wire_rx {
	struct mmsghdr msg[WIRE_BATCH];
	struct iovec iov[WIRE_BATCH];
	struct sockaddr_ll from[WIRE_BATCH];
	uint8_t buf[WIRE_BATCH][RX_BUF];
};

struct wire_batch {
	unsigned n;
	struct mmsghdr msg[WIRE_BATCH];
	struct iovec iov[WIRE_BATCH];
	uint8_t buf[WIRE_BATCH][VNET_LEN + WIRE_FRAME_MAX];
};

static int sys_fail(char *err, size_t errlen, const char *name, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", name, what, strerror(errno));
	return M6_E_INVAL;
}

/* Generic receive offload would merge a TCP stream's segments into one
 * frame larger than the MTU before AF_PACKET sees it; the node takes
 * packets as they were on the wire. Best effort: a driver without GRO
 * has nothing to turn off. */
static void gro_off(int fd, const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 0 };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP)
		dlog(DLOG_INFO, "%s: cannot turn off generic receive offload: %s", name, strerror(errno));
}

int wire_open(struct wire_if *w, const char *name, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (strlen(name) >= sizeof(w->name)) {
		snprintf(err, errlen, "%s: interface name too long", name);
		return M6_E_INVAL;
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->os_index = (int)if_nametoindex(name);
	if (!w->os_index)
		return sys_fail(err, errlen, name, "no such interface");
	w->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IPV6));
	if (w->fd < 0)
		return sys_fail(err, errlen, name, "AF_PACKET socket (needs CAP_NET_RAW)");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(w->fd, SIOCGIFHWADDR, &ifr) < 0)
		return sys_fail(err, errlen, name, "reading the MAC address");
	if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */) {
		snprintf(err, errlen, "%s: not an Ethernet interface", name);
		return M6_E_INVAL;
	}
	memcpy(w->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(w->fd, SIOCGIFMTU, &ifr) < 0)
		return sys_fail(err, errlen, name, "reading the MTU");
	w->mtu = (unsigned)ifr.ifr_mtu;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				   .sll_ifindex = w->os_index };
	if (bind(w->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return sys_fail(err, errlen, name, "binding the AF_PACKET socket");
	struct packet_mreq mr = { .mr_ifindex = w->os_index, .mr_type = PACKET_MR_ALLMULTI };
	if (setsockopt(w->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return sys_fail(err, errlen, name, "receiving all multicast");
	int one = 1, sz = SOCK_BUF;
	if (setsockopt(w->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		return sys_fail(err, errlen, name, "PACKET_VNET_HDR");
	/* our own frames are not news (and would look like a second sender) */
	(void)setsockopt(w->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	(void)setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(w->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	gro_off(w->fd, name);
	w->tx = calloc(1, sizeof(*w->tx));
	if (!w->tx) {
		snprintf(err, errlen, "%s: out of memory", name);
		return M6_E_NOMEM;
	}
	for (unsigned i = 0; i < WIRE_BATCH; i++) {
		w->tx->iov[i].iov_base = w->tx->buf[i];
		w->tx->msg[i].msg_hdr.msg_iov = &w->tx->iov[i];
		w->tx->msg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

void wire_close(struct wire_if *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->tx);
	w->tx = NULL;
}

struct wire_rx *wire_rx_new(void)
{
	struct wire_rx *rx = calloc(1, sizeof(*rx));
	if (!rx)
		return NULL;
	for (unsigned i = 0; i < WIRE_BATCH; i++) {
		rx->iov[i].iov_base = rx->buf[i];
		rx->iov[i].iov_len = RX_BUF;
		rx->msg[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msg[i].msg_hdr.msg_iovlen = 1;
		rx->msg[i].msg_hdr.msg_name = &rx->from[i];
		rx->msg[i].msg_hdr.msg_namelen = sizeof(rx->from[i]);
	}
	return rx;
}

void wire_rx_free(struct wire_rx *rx) { free(rx); }

int wire_recv(struct wire_if *w, struct wire_rx *rx, struct wire_frame *out, unsigned cap)
{
	unsigned want = cap < WIRE_BATCH ? cap : WIRE_BATCH;
	for (unsigned i = 0; i < want; i++)
		rx->msg[i].msg_hdr.msg_namelen = sizeof(rx->from[i]);
	int n = recvmmsg(w->fd, rx->msg, want, MSG_TRUNC | MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		w->st.rx_errors++;
		return M6_E_INVAL;
	}
	w->st.rx_batches++;
	unsigned k = 0;
	for (int i = 0; i < n; i++) {
		size_t len = rx->msg[i].msg_len;
		const struct sockaddr_ll *f = &rx->from[i];
		w->st.rx_frames++;
		w->st.rx_bytes += len > VNET_LEN ? len - VNET_LEN : 0;
		if (f->sll_pkttype == PACKET_OUTGOING) {
			w->st.rx_outgoing++;
			continue;
		}
		if (f->sll_pkttype == PACKET_OTHERHOST) {
			/* flooded by a switch, or seen in promiscuous mode: not ours */
			w->st.rx_other_host++;
			continue;
		}
		if (len > RX_BUF || (rx->msg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			w->st.rx_oversize++;
			continue;
		}
		if (len < VNET_LEN + WIRE_ETH_LEN + 40) {
			w->st.rx_runt++;
			continue;
		}
		struct virtio_net_hdr vh;
		memcpy(&vh, rx->buf[i], sizeof(vh));
		uint8_t *frame = rx->buf[i] + VNET_LEN;
		size_t flen = len - VNET_LEN;
		out[k].gso_size = 0;
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			/* a super-frame a peer's segmentation offload left whole:
			 * IPv6 TCP is cut here (gso.h), anything else dropped */
			if ((vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV6 || !vh.gso_size) {
				w->st.rx_gso_dropped++;
				continue;
			}
			w->st.rx_gso++;
			out[k].gso_size = vh.gso_size;
		} else if (flen > WIRE_FRAME_MAX) {
			w->st.rx_oversize++;
			continue;
		} else if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
			   gso_csum_finish(frame, flen, vh.csum_start, vh.csum_offset)) {
			w->st.rx_runt++;
			continue;
		}
		out[k].pkt = frame + WIRE_ETH_LEN;
		out[k].len = flen - WIRE_ETH_LEN;
		out[k].src_mac = frame + 6;
		out[k].multicast = f->sll_pkttype == PACKET_MULTICAST || f->sll_pkttype == PACKET_BROADCAST;
		k++;
	}
	return (int)k;
}

void wire_tx_frame(struct wire_if *w, const uint8_t dst_mac[6], const uint8_t *pkt, size_t len)
{
	if (len + WIRE_ETH_LEN > WIRE_FRAME_MAX || len > w->mtu) {
		w->st.tx_oversize++;
		return;
	}
	struct wire_batch *b = w->tx;
	if (b->n == WIRE_BATCH)
		wire_flush(w);
	/* no offload asked of the kernel: the frame is complete */
	memset(b->buf[b->n], 0, VNET_LEN);
	uint8_t *f = b->buf[b->n] + VNET_LEN;
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, w->mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memcpy(f + WIRE_ETH_LEN, pkt, len);
	b->iov[b->n].iov_len = VNET_LEN + WIRE_ETH_LEN + len;
	b->n++;
}

void wire_flush(struct wire_if *w)
{
	struct wire_batch *b = w->tx;
	unsigned done = 0;
	while (done < b->n) {
		int n = sendmmsg(w->fd, b->msg + done, b->n - done, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* full socket buffer or a refused frame: count it, go on */
			w->st.tx_errors++;
			done++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			w->st.tx_frames++;
			w->st.tx_bytes += b->iov[done + (unsigned)i].iov_len - VNET_LEN;
		}
		done += (unsigned)n;
	}
	if (b->n)
		w->st.tx_batches++;
	b->n = 0;
}

void wire_mcast_mac(const uint8_t addr[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, addr + 12, 4);
}
