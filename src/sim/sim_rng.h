/*
 * sim_rng — the simulator's only source of randomness: xoshiro256**
 * seeded through splitmix64, so one 64-bit scenario seed fixes every loss,
 * jitter, duplication and reordering decision and every node's seed.
 *
 * Contract: pure functions of the state; no system entropy, no clock.
 */
#ifndef MIP6SEC_SIM_RNG_H
#define MIP6SEC_SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A seed for stream `index` of `seed` (nodes, links): independent streams
 * so the traffic on one link does not shift another link's loss pattern. */
static inline uint64_t sim_seed_derive(uint64_t seed, uint64_t domain, uint64_t index)
{
	uint64_t x = seed ^ (domain * 0xd1b54a32d192ed03ull);
	sim_splitmix64(&x);
	x ^= index * 0xa0761d6478bd642full;
	return sim_splitmix64(&x);
}

static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&x);
}

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in [0, 1) with 53 bits. */
static inline double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, n] (n < 2^63); the bias is below 2^-63 * n, irrelevant here. */
static inline uint64_t sim_rng_upto(struct sim_rng *r, uint64_t n)
{
	return n ? sim_rng_next(r) % (n + 1) : 0;
}

#endif
