/* A mobile node's de-registration before it stops (see node_leave.h). */
#include <string.h>

#include "node_int.h"
#include "node_leave.h"
#include "../mip6/mip6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"

int node_mn_deregister(struct node *n, uint16_t seq, uint64_t now)
{
	if (!n->mn || !mn_registered(n->mn) || mn_at_home(n->mn) || !mn_coa(n->mn) || !mn_ha(n->mn))
		return M6_E_NOTFOUND;
	uint8_t coa[16];
	memcpy(coa, mn_coa(n->mn), 16);
	/* The layout of a home registration away from home (TMR-04):
	 * IPv6(CoA->HA) | HAO(HoA) | BU(A, H, lifetime 0) + ACoA(CoA). The
	 * A bit asks for the BA that tells the driver it may stop. */
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = seq;
	m.flags = MH_BU_A | MH_BU_H;
	m.lifetime = 0;
	m.n_opts = 1;
	m.opts[0].type = MHO_ACOA;
	m.opts[0].len = 16;
	m.opts[0].data = coa;
	/* buf2 is the receive scratch: free outside node_input */
	int len = mip6_build_mh(n->buf2, NODE_BUF, coa, mn_ha(n->mn), mn_hoa(n->mn), NULL, &m);
	if (len < 0)
		return len;
	node_enter(n, now);
	size_t queued = n->q->tail - n->q->head;
	node_send_local(n, n->buf2, (size_t)len);
	/* nothing queued: the pipeline refused it (fail closed) or there was
	 * no route; the M6_EV_DROP event already says which */
	int rc = n->q->tail - n->q->head > queued ? 0 : M6_E_NOTFOUND;
	node_leave(n);
	return rc;
}
