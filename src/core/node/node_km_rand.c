/* node_km_random — randomness for the key manager from the node's DRBG, so
 * that IKE SPIs, nonces and private keys come from the same generator as
 * every other secret of the node (a seeded simulation stays reproducible). */
#include <stdio.h>
#include <stdlib.h>

#include "node_int.h"

void node_km_random(struct node *n, uint8_t *out, size_t len)
{
	/* A DRBG that fails after instantiation means a broken crypto
	 * library: no key manager may go on with predictable secrets. */
	if (node_draw(n, out, len)) {
		fprintf(stderr, "%s: random generator failure\n", n->name);
		abort();
	}
}

uint64_t node_km_now(const struct node *n)
{
	return n->now;
}
