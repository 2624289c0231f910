#include <string.h>

#include "replay.h"
#include "../util/m6_err.h"

/*
 * The bitmap is a ring of nbits (a power of two >= size, >= 64) bits where
 * sequence number s lives at bit s % nbits. A ring larger than the window
 * means moving the window forward only clears the bits it uncovers, never
 * shifts the whole map.
 */
static uint32_t ring_bits(const struct replay_window *w)
{
	uint32_t n = 64;
	while (n < w->size)
		n <<= 1;
	return n;
}

/* The bitmap: in the struct for a small window, else attached (or none). */
static uint64_t *map(const struct replay_window *w)
{
	return w->size <= REPLAY_WINDOW_INLINE ? (uint64_t *)&w->word : w->ext;
}

static bool bit_get(const struct replay_window *w, uint64_t seq, uint32_t nbits)
{
	uint32_t b = (uint32_t)(seq & (nbits - 1));
	return (map(w)[b / 64] >> (b % 64)) & 1;
}

static void bit_set(struct replay_window *w, uint64_t seq, uint32_t nbits)
{
	uint32_t b = (uint32_t)(seq & (nbits - 1));
	map(w)[b / 64] |= (uint64_t)1 << (b % 64);
}

/* Clear the ring positions of sequence numbers (from, from + n]. */
static void ring_clear(struct replay_window *w, uint64_t from, uint64_t n, uint32_t nbits)
{
	uint64_t *bits = map(w);
	if (n >= nbits) {
		memset(bits, 0, nbits / 8);
		return;
	}
	uint32_t b = (uint32_t)((from + 1) & (nbits - 1));
	while (n) {
		if (b % 64 == 0 && n >= 64) {
			bits[b / 64] = 0;
			b = (b + 64) & (nbits - 1);
			n -= 64;
		} else {
			bits[b / 64] &= ~((uint64_t)1 << (b % 64));
			b = (b + 1) & (nbits - 1);
			n--;
		}
	}
}

size_t replay_words(const struct replay_window *w)
{
	return w->size <= REPLAY_WINDOW_INLINE ? 0 : ring_bits(w) / 64;
}

void replay_attach(struct replay_window *w, uint64_t *bits)
{
	size_t n = replay_words(w);
	if (!n)
		return;
	memset(bits, 0, n * sizeof(*bits));
	w->ext = bits;
}

int replay_init(struct replay_window *w, uint32_t size, bool esn)
{
	if (!w)
		return M6_E_INVAL;
	if (size == 0)
		size = REPLAY_WINDOW_DEFAULT;
	/* RFC 4303 3.4.3: at least 32 MUST be supported; more than the map is refused. */
	if (size < 32 || size > REPLAY_WINDOW_MAX)
		return M6_E_INVAL;
	memset(w, 0, sizeof(*w));
	w->size = size;
	w->esn = esn;
	return 0;
}

/* RFC 4303 Appendix A2.2: the high half of the sequence number, chosen so
 * the packet falls in or right of the window. Returns false when the only
 * candidate lies before sequence number 0 or after 2^64 - 1. */
static bool infer_high(const struct replay_window *w, uint32_t seql, uint32_t *seqh)
{
	uint32_t tl = (uint32_t)w->top, th = (uint32_t)(w->top >> 32);
	uint32_t bl = tl - w->size + 1;      /* mod 2^32 */
	if (tl >= w->size - 1) {             /* Case A: window inside one subspace */
		if (seql >= bl) {
			*seqh = th;
			return true;
		}
		if (th == UINT32_MAX)
			return false;
		*seqh = th + 1;
		return true;
	}
	/* Case B: the window straddles the previous subspace. */
	if (seql >= bl) {
		if (th == 0)
			return false;
		*seqh = th - 1;
		return true;
	}
	*seqh = th;
	return true;
}

int replay_check(const struct replay_window *w, uint32_t seql, uint64_t *seq)
{
	if (!w || !seq)
		return M6_E_INVAL;
	uint64_t s = seql;
	if (w->esn) {
		uint32_t seqh;
		if (!infer_high(w, seql, &seqh))
			return M6_E_REPLAY_OLD;
		s |= (uint64_t)seqh << 32;
	}
	/* ESP-01: the counter starts at 1, so 0 is never sent (with ESN: the
	 * full 64-bit value 0). */
	if (s == 0)
		return M6_E_SEQ_ZERO;
	*seq = s;
	if (!map(w))
		return M6_E_INVAL;          /* a large window without its bitmap: fail closed */
	if (s > w->top)
		return 0;
	if (w->top - s >= w->size)
		return M6_E_REPLAY_OLD;
	return bit_get(w, s, ring_bits(w)) ? M6_E_REPLAY : 0;
}

void replay_update(struct replay_window *w, uint64_t seq)
{
	if (!w || seq == 0 || !map(w))
		return;
	uint32_t nbits = ring_bits(w);
	if (seq > w->top) {
		ring_clear(w, w->top, seq - w->top, nbits);
		w->top = seq;
	} else if (w->top - seq >= w->size) {
		/* The window moved on since replay_check(): nothing to record. */
		return;
	}
	bit_set(w, seq, nbits);
}
