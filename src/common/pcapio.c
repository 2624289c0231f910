#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapio.h"

struct pcapio {
	pcap_t *p;
	pcap_dumper_t *d;
	int link;
	unsigned no;
	char path[256];           /* for messages */
};

static bool link_supported(int link)
{
	switch (link) {
	case DLT_RAW:
	case DLT_IPV6:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
#endif
		return true;
	default:
		return false;
	}
}

struct pcapio *pcapio_open_read(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	/* "-" is standard input, as for libpcap */
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		return NULL;
	}
	int link = pcap_datalink(p);
	if (!link_supported(link)) {
		/* every frame would fail alike: say it once, as an error */
		const char *name = pcap_datalink_val_to_name(link);
		snprintf(err, errlen, "%s: link type %d (%s) is not supported (raw IPv6, Ethernet, Linux cooked v1/v2, "
			 "BSD loopback)", path, link, name ? name : "unknown");
		pcap_close(p);
		return NULL;
	}
	struct pcapio *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		pcap_close(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc->p = p;
	pc->link = link;
	snprintf(pc->path, sizeof(pc->path), "%s", path);
	return pc;
}

/* Offset of the IPv6 header in a frame of link type link, or NULL reason. */
static const char *strip_link(int link, const uint8_t *b, size_t len, size_t *off)
{
	size_t o;
	uint16_t et;
	switch (link) {
	case DLT_RAW:
	case DLT_IPV6:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		o = 0;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		o = 4;
		break;
	case DLT_EN10MB:
		if (len < 14)
			return "Ethernet frame truncated";
		o = 12;
		et = (uint16_t)(b[o] << 8 | b[o + 1]);
		while ((et == 0x8100 || et == 0x88a8) && o + 6 <= len) {
			o += 4;
			et = (uint16_t)(b[o] << 8 | b[o + 1]);
		}
		if (et != 0x86dd)
			return "not an IPv6 frame";
		o += 2;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return "cooked frame truncated";
		if ((b[14] << 8 | b[15]) != 0x86dd)
			return "not an IPv6 frame";
		o = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (len < 20)
			return "cooked frame truncated";
		if ((b[0] << 8 | b[1]) != 0x86dd)
			return "not an IPv6 frame";
		o = 20;
		break;
#endif
	default:
		return "unsupported link type";
	}
	if (o >= len || b[o] >> 4 != 6)
		return "not an IPv6 packet";
	*off = o;
	return NULL;
}

int pcapio_next(struct pcapio *pc, struct pcapio_frame *f, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(pc->p, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		/* e.g. "truncated dump file; tried to read 60 captured bytes, only got 12" */
		snprintf(err, errlen, "%s: frame %u: %s", pc->path, pc->no + 1, pcap_geterr(pc->p));
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->no = ++pc->no;
	f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	f->wire_len = h->len;
	f->cap_len = h->caplen;
	size_t off = 0;
	f->why = strip_link(pc->link, data, h->caplen, &off);
	if (!f->why) {
		f->ip = data + off;
		f->ip_len = h->caplen - off;
	}
	return 1;
}

struct pcapio *pcapio_open_write(const char *path, char *err, size_t errlen)
{
	struct pcapio *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc->p = pcap_open_dead(DLT_RAW, 65535);
	pc->d = pc->p ? pcap_dump_open(pc->p, path) : NULL;
	if (!pc->d) {
		snprintf(err, errlen, "%s: %s", path, pc->p ? pcap_geterr(pc->p) : "pcap_open_dead failed");
		if (pc->p)
			pcap_close(pc->p);
		free(pc);
		return NULL;
	}
	pc->link = DLT_RAW;
	return pc;
}

int pcapio_write(struct pcapio *pc, const uint8_t *pkt, size_t len, uint64_t ts_us)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)pc->d, &h, pkt);
	return 0;
}

void pcapio_close(struct pcapio *pc)
{
	if (!pc)
		return;
	if (pc->d) {
		pcap_dump_flush(pc->d);
		pcap_dump_close(pc->d);
	}
	if (pc->p)
		pcap_close(pc->p);
	free(pc);
}
