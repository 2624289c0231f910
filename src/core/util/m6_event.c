#include "m6_event.h"

const char *m6_ev_name(enum m6_ev_type t)
{
	static const char *const names[M6_EV_TYPE_COUNT] = {
		[M6_EV_NONE] = "none", [M6_EV_MOVED] = "moved", [M6_EV_RETURNED_HOME] = "returned_home",
		[M6_EV_BU_SENT] = "bu_sent", [M6_EV_BU_RETRANSMIT] = "bu_retransmit",
		[M6_EV_BU_RECEIVED] = "bu_received", [M6_EV_BA_SENT] = "ba_sent",
		[M6_EV_BA_RECEIVED] = "ba_received", [M6_EV_BE_SENT] = "be_sent",
		[M6_EV_BE_RECEIVED] = "be_received", [M6_EV_BRR_SENT] = "brr_sent",
		[M6_EV_BRR_RECEIVED] = "brr_received", [M6_EV_BINDING_ADDED] = "binding_added",
		[M6_EV_BINDING_UPDATED] = "binding_updated", [M6_EV_BINDING_DELETED] = "binding_deleted",
		[M6_EV_BINDING_EXPIRED] = "binding_expired", [M6_EV_RR_STARTED] = "rr_started",
		[M6_EV_RR_DONE] = "rr_done", [M6_EV_HOTI_SENT] = "hoti_sent", [M6_EV_COTI_SENT] = "coti_sent",
		[M6_EV_HOT_SENT] = "hot_sent", [M6_EV_COT_SENT] = "cot_sent",
		[M6_EV_TUNNEL_ENCAP] = "tunnel_encap", [M6_EV_TUNNEL_DECAP] = "tunnel_decap",
		[M6_EV_DELIVERED] = "delivered", [M6_EV_DROP] = "drop", [M6_EV_SA_ACQUIRE] = "sa_acquire",
		[M6_EV_SA_EXPIRE] = "sa_expire", [M6_EV_DAD_STARTED] = "dad_started",
		[M6_EV_DAD_FAILED] = "dad_failed", [M6_EV_PROXY_NA] = "proxy_na",
		[M6_EV_DHAAD_SENT] = "dhaad_sent", [M6_EV_HA_DISCOVERED] = "ha_discovered",
		[M6_EV_DHAAD_REPLIED] = "dhaad_replied", [M6_EV_MPS_SENT] = "mps_sent",
		[M6_EV_MPA_SENT] = "mpa_sent", [M6_EV_MPA_RECEIVED] = "mpa_received",
		[M6_EV_HOA_CHANGED] = "hoa_changed", [M6_EV_HA_LIST] = "ha_list",
		[M6_EV_HOME_PREFIX] = "home_prefix",
		[M6_EV_IKE_UP] = "ike_up", [M6_EV_IKE_MOVED] = "ike_moved",
	};
	return (unsigned)t < M6_EV_TYPE_COUNT && names[t] ? names[t] : "unknown";
}
