/*
 * pcapio — read and write capture files for the CLI (libpcap).
 *
 * Contract: pcapio_open_read() accepts classic pcap and pcapng with the
 * link types mip6sec understands (raw IPv6/IP, Ethernet with VLAN tags,
 * Linux cooked v1/v2, BSD loopback) and refuses others with the file and the
 * link type; pcapio_next() hands out the IPv6 packet of each frame with its
 * link-layer header removed (ip == NULL with a reason when the frame holds
 * no IPv6), and names the file and frame when the file ends mid-frame.
 * Writers produce LINKTYPE_RAW files.
 */
#ifndef MIP6SEC_PCAPIO_H
#define MIP6SEC_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

struct pcapio;

struct pcapio_frame {
	unsigned no;              /* 1-based frame number */
	uint64_t ts_us;           /* capture time, microseconds */
	const uint8_t *ip;        /* IPv6 packet or NULL */
	size_t ip_len;
	size_t wire_len;          /* original length on the wire */
	size_t cap_len;           /* octets captured: below wire_len when the snap length cut the frame */
	const char *why;          /* when ip == NULL: why not */
};

/* Returns NULL and fills err (size errlen) on failure. */
struct pcapio *pcapio_open_read(const char *path, char *err, size_t errlen);
/* 1: a frame, 0: end of file, <0: read error (err filled). */
int pcapio_next(struct pcapio *pc, struct pcapio_frame *f, char *err, size_t errlen);
struct pcapio *pcapio_open_write(const char *path, char *err, size_t errlen);
int pcapio_write(struct pcapio *pc, const uint8_t *pkt, size_t len, uint64_t ts_us);
void pcapio_close(struct pcapio *pc);

#endif
