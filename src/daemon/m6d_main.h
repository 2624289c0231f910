/*
 * m6d_main — what main() calls: set everything up (after the
 * configuration is loaded into d->conf), run the loop until a stop, and
 * release everything (also after a failed setup).
 */
#ifndef MIP6SEC_M6D_MAIN_H
#define MIP6SEC_M6D_MAIN_H

#include "m6d.h"

int m6d_setup(struct m6d *d, char *err, size_t errlen);
/* ready(ctx) is called once the node runs (background mode tells the
 * waiting parent). */
void m6d_run(struct m6d *d, void (*ready)(void *ctx), void *ready_ctx);
void m6d_cleanup(struct m6d *d);

#endif
