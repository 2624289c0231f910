#include "evfmt.h"

#include <stdio.h>
#include <string.h>

#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "util/m6_err.h"

void evfmt_time(uint64_t ns, char buf[EVFMT_TIME_LEN])
{
	snprintf(buf, EVFMT_TIME_LEN, "%llu.%06llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull / 1000));
}

static bool is_zero(const uint8_t a[16])
{
	static const uint8_t z[16];
	return !memcmp(a, z, 16);
}

static const char *addr(const uint8_t a[16], char buf[46])
{
	if (is_zero(a))
		return "?";
	ip6_addr_format(a, buf);
	return buf;
}

bool evfmt_is_datapath(const struct m6_event *ev)
{
	return ev->type == M6_EV_TUNNEL_ENCAP || ev->type == M6_EV_TUNNEL_DECAP || ev->type == M6_EV_DELIVERED;
}

void evfmt_text(const struct m6_event *ev, char *buf, size_t cap)
{
	char p[46], a[46];
	const char *peer = addr(ev->peer, p), *ad = addr(ev->addr, a);
	unsigned code = (unsigned)ev->code;
	int n;
	switch (ev->type) {
	case M6_EV_MOVED:
		n = snprintf(buf, cap, "moved: care-of address %s", ad);
		break;
	case M6_EV_RETURNED_HOME:
		n = snprintf(buf, cap, "returned home");
		break;
	case M6_EV_BU_SENT:
		n = snprintf(buf, cap, "BU sent to %s seq %u lifetime %us (care-of %s)", peer, code, ev->u32, ad);
		break;
	case M6_EV_BU_RETRANSMIT:
		n = snprintf(buf, cap, "BU retransmitted to %s seq %u after %u ms without BA (care-of %s)", peer, code,
			     ev->u32, ad);
		break;
	case M6_EV_BU_RECEIVED:
		n = snprintf(buf, cap, "BU received from %s seq %u (care-of %s)", peer, code, ad);
		break;
	case M6_EV_BA_SENT:
		n = snprintf(buf, cap, "BA sent to %s status %u (%s) lifetime %us", peer, code,
			     mh_ba_status_text((uint8_t)code), ev->u32);
		break;
	case M6_EV_BA_RECEIVED:
		n = snprintf(buf, cap, "BA received from %s status %u (%s)", peer, code, mh_ba_status_text((uint8_t)code));
		break;
	case M6_EV_BE_SENT:
		n = snprintf(buf, cap, "BE sent to %s status %u", peer, code);
		break;
	case M6_EV_BE_RECEIVED:
		n = snprintf(buf, cap, "BE received from %s status %u", peer, code);
		break;
	case M6_EV_BRR_SENT:
		n = snprintf(buf, cap, "BRR sent to %s", peer);
		break;
	case M6_EV_BRR_RECEIVED:
		n = snprintf(buf, cap, "BRR received from %s", peer);
		break;
	case M6_EV_BINDING_ADDED:
	case M6_EV_BINDING_UPDATED:
		n = snprintf(buf, cap, "binding %s: %s -> care-of %s lifetime %us",
			     ev->type == M6_EV_BINDING_ADDED ? "added" : "updated", peer, ad, ev->u32);
		break;
	case M6_EV_BINDING_DELETED:
		n = snprintf(buf, cap, "binding deleted: %s", peer);
		break;
	case M6_EV_BINDING_EXPIRED:
		n = snprintf(buf, cap, "binding expired: %s", peer);
		break;
	case M6_EV_RR_STARTED:
		n = snprintf(buf, cap, "return routability started with %s", peer);
		break;
	case M6_EV_RR_DONE:
		n = snprintf(buf, cap, "return routability done with %s", peer);
		break;
	case M6_EV_HOTI_SENT:
	case M6_EV_COTI_SENT:
	case M6_EV_HOT_SENT:
	case M6_EV_COT_SENT: {
		static const char *const nm[] = { "HoTI", "CoTI", "HoT", "CoT" };
		n = snprintf(buf, cap, "%s sent to %s", nm[ev->type - M6_EV_HOTI_SENT], peer);
		break;
	}
	case M6_EV_TUNNEL_ENCAP:
		n = snprintf(buf, cap, "tunnelled to %s", ad);
		break;
	case M6_EV_TUNNEL_DECAP:
		n = snprintf(buf, cap, "decapsulated a tunnelled packet%s%s", is_zero(ev->addr) ? "" : " from ",
			     is_zero(ev->addr) ? "" : ad);
		break;
	case M6_EV_DELIVERED:
		n = snprintf(buf, cap, "delivered to the application");
		break;
	case M6_EV_DROP:
		n = snprintf(buf, cap, "DROP %s: %s", m6_errid(ev->code), m6_strerror(ev->code));
		break;
	case M6_EV_SA_ACQUIRE:
		n = snprintf(buf, cap, "SA acquire: policy %u has no SA", ev->u32);
		break;
	case M6_EV_SA_EXPIRE:
		n = snprintf(buf, cap, "SA 0x%08x %s lifetime expired", ev->u32, ev->code == 2 ? "hard" : "soft");
		break;
	case M6_EV_IKE_UP:
		n = snprintf(buf, cap, "IKE SA up between %s and %s", ad, peer);
		break;
	case M6_EV_IKE_MOVED:
		n = snprintf(buf, cap, "IKE SA moved (MOBIKE): now between %s and %s", ad, peer);
		break;
	case M6_EV_DAD_STARTED:
		n = snprintf(buf, cap, "DAD started for home address %s (care-of %s)", peer, ad);
		break;
	case M6_EV_DAD_FAILED:
		n = snprintf(buf, cap, "DAD failed for home address %s", peer);
		break;
	case M6_EV_PROXY_NA:
		n = snprintf(buf, cap, "proxy NA for %s", is_zero(ev->addr) ? peer : ad);
		break;
	case M6_EV_DHAAD_SENT:
		n = snprintf(buf, cap, "home agent discovery request %u sent to %s", code, peer);
		if (n >= 0 && (size_t)n < cap && ev->u32)
			n += snprintf(buf + n, cap - (size_t)n, " after %u ms without reply", ev->u32);
		break;
	case M6_EV_HA_DISCOVERED:
		n = snprintf(buf, cap, "home agent %s chosen (%u in the list)", peer, ev->u32);
		break;
	case M6_EV_DHAAD_REPLIED:
		n = snprintf(buf, cap, "home agent discovery reply %u sent to %s with %u address(es)", code, peer, ev->u32);
		break;
	case M6_EV_MPS_SENT:
		n = snprintf(buf, cap, "mobile prefix solicitation %u sent to %s", code, peer);
		if (n >= 0 && (size_t)n < cap && ev->u32)
			n += snprintf(buf + n, cap - (size_t)n, " after %u ms without advertisement", ev->u32);
		break;
	case M6_EV_MPA_SENT:
		n = snprintf(buf, cap, "%s mobile prefix advertisement sent to %s for %s with %u prefix(es)",
			     code ? "solicited" : "unsolicited", ad, peer, ev->u32);
		break;
	case M6_EV_MPA_RECEIVED:
		n = snprintf(buf, cap, "mobile prefix advertisement %u from %s with %u prefix(es)", code, peer, ev->u32);
		break;
	case M6_EV_HOA_CHANGED:
		n = snprintf(buf, cap, "home address %s -> %s", peer, ad);
		break;
	case M6_EV_HA_LIST:
		if (ev->u32)
			n = snprintf(buf, cap, "home agents list: %s (router %s) preference %d lifetime %us", ad, peer,
				     (int)ev->code, ev->u32);
		else
			n = snprintf(buf, cap, "home agents list: %s (router %s) removed", ad, peer);
		break;
	case M6_EV_HOME_PREFIX:
		n = snprintf(buf, cap, "home prefix %s/%u valid %us", ad, code, ev->u32);
		break;
	default:
		n = snprintf(buf, cap, "%s", m6_ev_name(ev->type));
		break;
	}
	/* the engine's own words, unless they only repeat ours */
	char text[sizeof(ev->text) + 1];
	snprintf(text, sizeof(text), "%.*s", (int)sizeof(ev->text), ev->text);
	if (n >= 0 && (size_t)n < cap && text[0] && !strstr(buf, text))
		snprintf(buf + n, cap - (size_t)n, " [%s]", text);
}

void evfmt_line(uint64_t ns, const char *who, int width, const char *msg, char *buf, size_t cap)
{
	char ts[EVFMT_TIME_LEN];
	evfmt_time(ns, ts);
	snprintf(buf, cap, "%11s %-*s %s", ts, width, who, msg);
}

json_t *evfmt_json(const struct m6_event *ev, const char *node)
{
	char t[EVFMT_TIME_LEN], a[46], msg[EVFMT_TEXT_LEN];
	evfmt_time(ev->time, t);
	evfmt_text(ev, msg, sizeof(msg));
	json_t *o = json_object();
	json_object_set_new(o, "t_ns", json_integer((json_int_t)ev->time));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "node", json_string(node));
	json_object_set_new(o, "type", json_string(m6_ev_name(ev->type)));
	if (!is_zero(ev->peer)) {
		ip6_addr_format(ev->peer, a);
		json_object_set_new(o, "peer", json_string(a));
	}
	if (!is_zero(ev->addr)) {
		ip6_addr_format(ev->addr, a);
		json_object_set_new(o, "addr", json_string(a));
	}
	json_object_set_new(o, "code", json_integer(ev->code));
	if (ev->type == M6_EV_DROP)
		json_object_set_new(o, "reason", json_string(m6_errid(ev->code)));
	json_object_set_new(o, "u32", json_integer(ev->u32));
	if (ev->text[0])
		json_object_set_new(o, "text", json_stringn(ev->text, strnlen(ev->text, sizeof(ev->text))));
	json_object_set_new(o, "msg", json_string(msg));
	return o;
}
