/*
 * replay — the ESP/AH anti-replay window with extended sequence numbers
 * (RFC 4303 3.4.3 and Appendix A2).
 *
 * Contract: replay_check() is called before the ICV is verified: it infers
 * the full 64-bit sequence number from the 32 low bits on the wire (ESN
 * Case A / Case B) and rejects duplicates and numbers left of the window
 * without changing state. replay_update() moves the window and must be
 * called only after the ICV has passed (ESP-03). Window sizes are 32..
 * REPLAY_WINDOW_MAX, default 64 (replay_init() with size 0).
 *
 * With ESN, a Seql left of the window is taken as the next 2^32 subspace
 * (RFC 4303 A2.2), so replay_check() accepts it with a high Seqh and the
 * ICV decides; M6_E_REPLAY_OLD then only means "before sequence number 1"
 * (or past 2^64 - 1). Neither function allocates or reads a clock.
 *
 * Storage: a window of up to REPLAY_WINDOW_INLINE packets keeps its bitmap
 * in the struct, which is then a few dozen octets, not the 528 a bitmap
 * for REPLAY_WINDOW_MAX would take in every SA. A larger window needs
 * replay_words() words elsewhere: the SAD gives each SA it holds its own
 * (sad_add), a window used on its own gets them with replay_attach().
 * Until it has them, replay_check() refuses every packet (M6_E_INVAL).
 * Copies of a struct share the external bitmap.
 */
#ifndef MIP6SEC_REPLAY_H
#define MIP6SEC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_WINDOW_DEFAULT 64
#define REPLAY_WINDOW_MAX 4096
#define REPLAY_WINDOW_INLINE 64

struct replay_window {
	uint64_t top;           /* highest sequence number accepted (0: none yet) */
	uint32_t size;          /* window size in packets */
	bool esn;               /* extended sequence numbers */
	union {                 /* which one: by size (replay_words) */
		uint64_t word;  /* the bitmap of a window of up to 64 packets */
		uint64_t *ext;  /* a larger window's bitmap (not owned) */
	};
};

int replay_init(struct replay_window *w, uint32_t size, bool esn);
/* Words of bitmap a window of w->size packets needs outside the struct
 * (0 up to REPLAY_WINDOW_INLINE). */
size_t replay_words(const struct replay_window *w);
/* Give a larger window its bitmap (replay_words() words, zeroed here),
 * which must live as long as the window is used. */
void replay_attach(struct replay_window *w, uint64_t *bits);
/* 0 and *seq = full sequence number, or M6_E_REPLAY (duplicate) /
 * M6_E_REPLAY_OLD (left of the window) / M6_E_SEQ_ZERO. */
int replay_check(const struct replay_window *w, uint32_t seql, uint64_t *seq);
void replay_update(struct replay_window *w, uint64_t seq);

#endif
