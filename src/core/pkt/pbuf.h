/*
 * pbuf — a packet buffer over caller-owned memory, with headroom.
 *
 * Contract: the caller provides the memory and keeps owning it; pbuf never
 * allocates. Data lives in [base+head, base+head+len). Headers are added in
 * front with pbuf_push(), or in the middle with pbuf_insert(), which moves
 * only the bytes *before* the insertion point into the headroom, so the
 * payload after it is never copied (HAO, RH2, ESP and outer IPv6 headers
 * are inserted this way). Every function fails with M6_E_NOMEM instead of
 * writing outside the memory.
 */
#ifndef MIP6SEC_PBUF_H
#define MIP6SEC_PBUF_H

#include <stddef.h>
#include <stdint.h>

struct pbuf {
	uint8_t *base;
	size_t cap;
	size_t head;
	size_t len;
};

int pbuf_init(struct pbuf *pb, uint8_t *mem, size_t cap, size_t headroom);
static inline uint8_t *pbuf_data(const struct pbuf *pb) { return pb->base + pb->head; }
static inline size_t pbuf_headroom(const struct pbuf *pb) { return pb->head; }
static inline size_t pbuf_tailroom(const struct pbuf *pb) { return pb->cap - pb->head - pb->len; }
/* Grow at the front by n bytes; *out points at the new (uninitialised) bytes. */
int pbuf_push(struct pbuf *pb, size_t n, uint8_t **out);
/* Remove n bytes from the front. */
int pbuf_pull(struct pbuf *pb, size_t n);
/* Grow at the end by n bytes. */
int pbuf_put(struct pbuf *pb, size_t n, uint8_t **out);
/* Remove n bytes from the end. */
int pbuf_trim(struct pbuf *pb, size_t n);
/* Open an n-byte gap at offset off (0 <= off <= len) by moving the first
 * off bytes towards the headroom; *out points at the gap. */
int pbuf_insert(struct pbuf *pb, size_t off, size_t n, uint8_t **out);
/* Close an n-byte gap at offset off, moving the first off bytes back. */
int pbuf_remove(struct pbuf *pb, size_t off, size_t n);

#endif
