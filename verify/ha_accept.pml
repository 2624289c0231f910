/*
 * ha_accept — the home agent's decision "accept this Binding Update", as
 * the inbound IPsec pipeline (src/core/ipsec/bits.c), the node's dispatch
 * and decapsulation (src/core/node/node.c) and the home agent
 * (src/core/mip6/ha.c) take it, modelled for spin.
 *
 * The world: home agent HA on the home prefix; home addresses HOA_A and
 * HOA_B; care-of addresses COA_A and COA_B. HOA_A is registered at COA_A
 * (through an SA of its own, not an input) before the packet under test
 * arrives; HOA_B has no binding.
 *
 * Inputs (each chosen nondeterministically, so spin visits every
 * combination):
 *   PAD     which home addresses peers MN_A and MN_B are authorised for
 *           (PAD_STD: A->HOA_A, B->HOA_B; PAD_SWAP: A->HOA_B, B->HOA_A;
 *           PAD_B_BOTH: A->HOA_A, B->both; PAD_EMPTY: none). GW is in the
 *           PAD with no home address; NOBODY is an SA with no peer.
 *   SA      CLEAR: the packet is not protected (the policy below still
 *           exists); or ESP with the SA under test: its peer, its
 *           protection model (NORMALISE: RFC 3776, selectors on the home
 *           address; TRUE_ADDR: selectors on the wire addresses plus the
 *           Home Address post-check against the PAD), its mode, and its
 *           selectors: remote address (one of the four, or ANY) and
 *           protocol (SEL_BU: Mobility Header type BU; SEL_ANY). The node's
 *           own model (clear packets' policy lookup) is the SA's.
 *   packet  the Binding Update's source, Home Address option (NONE or a
 *           home address), MH type (BU, or BA: not one the home agent
 *           takes), Alternate Care-of Address option (NONE: the care-of
 *           address is the source; COA_B), and whether it arrives inside
 *           one more IPv6-in-IPv6 header (from COA_A or COA_B) within the
 *           SA's payload. The home address it speaks for is the HAO, else
 *           the source; its care-of address the ACoA, else the source
 *           (RFC 6275 9.5.1, BU-01).
 *
 * Verdict: ACCEPT (the binding cache changes: DAD started, binding updated
 * or deleted), DROP_IPSEC, DROP_TUNNEL (the reverse-tunnel source check,
 * HA-08), REFUSE_HA (the home agent says no, or ignores it).
 *
 * Property: no accepted BU for home address h unless it came under the
 * SA, the SA's peer is authorised for h in the PAD, and the model's own
 * check holds for h (NORMALISE: the SA's address selector covers h;
 * TRUE_ADDR: the post-check). Under NORMALISE this holds only when the
 * SA's selectors name an address its peer may use (RFC 3776 5.1, 3776-07:
 * one SA per home address): CFG_OK. Compile with -DNO_CFG_RULE to see spin
 * find the broad tunnel-mode SA of the 2003 thread (Tero's attack), and
 * with -DTOP_ONLY_POSTCHECK to see the hole the post-check had while it
 * looked only at the packet the SA delivers, not at a BU tunnelled once
 * more inside it.
 *
 * With -DPRINTF pan prints one line per combination:
 *   V pad prot peer model mode sela selp nest src hao mh acoa : verdict
 * which verify/ha_accept_check.c feeds through the C code.
 */

mtype = {
	HOA_A, HOA_B, COA_A, COA_B, ANY, NONE,
	PAD_STD, PAD_SWAP, PAD_B_BOTH, PAD_EMPTY,
	CLEAR, ESP,
	MN_A, MN_B, GW, NOBODY,
	NORMALISE, TRUE_ADDR,
	TRANSPORT, TUNNEL,
	SEL_BU, SEL_ANY,
	DIRECT, VIA_COA_A, VIA_COA_B,
	BU, BA,
	UNDECIDED, ACCEPT, DROP_IPSEC, DROP_TUNNEL, REFUSE_HA
};

mtype pad, prot, peer, model, mode, sela, selp;
mtype nest, src, hao, mh, acoa;
mtype hoa, coa, outer, fsrc, verdict;
bool fmh, ok, auth_hoa, auth_sel, post, cfg_ok;

/* r = peer p may use home address h (PAD) */
#define AUTH(p, h) \
	(((p) == MN_A && ((pad == PAD_STD && (h) == HOA_A) || (pad == PAD_SWAP && (h) == HOA_B) || \
	                  (pad == PAD_B_BOTH && (h) == HOA_A))) || \
	 ((p) == MN_B && ((pad == PAD_STD && (h) == HOA_B) || (pad == PAD_SWAP && (h) == HOA_A) || \
	                  (pad == PAD_B_BOTH && ((h) == HOA_A || (h) == HOA_B)))))

/* the SA's selectors (local is always HA) against a flow's remote address;
 * is_bu: the flow is a Mobility Header Binding Update */
#define SEL_OK(a, is_bu) ((sela == ANY || sela == (a)) && (selp == SEL_ANY || (is_bu)))

inline choose_addr(x) {
	if
	:: x = HOA_A
	:: x = HOA_B
	:: x = COA_A
	:: x = COA_B
	fi
}

init {
	/* ---- the inputs ---- */
	if :: pad = PAD_STD :: pad = PAD_SWAP :: pad = PAD_B_BOTH :: pad = PAD_EMPTY fi;
	if
	:: prot = CLEAR; peer = NOBODY; mode = TRANSPORT
	:: prot = ESP;
	   if :: peer = MN_B :: peer = MN_A :: peer = GW :: peer = NOBODY fi;
	   if :: mode = TRANSPORT :: mode = TUNNEL fi
	fi;
	if :: model = TRUE_ADDR :: model = NORMALISE fi;
	if :: choose_addr(sela) :: sela = ANY fi;
	if :: selp = SEL_BU :: selp = SEL_ANY fi;
	if :: nest = DIRECT :: nest = VIA_COA_A :: nest = VIA_COA_B fi;
	choose_addr(src);
	if :: hao = NONE :: hao = HOA_A :: hao = HOA_B fi;
	if :: mh = BU :: mh = BA fi;
	if :: acoa = NONE :: acoa = COA_B fi;

	d_step {
		hoa = (hao != NONE -> hao : src);
		coa = (acoa != NONE -> acoa : src);
		outer = (nest == VIA_COA_A -> COA_A : (nest == VIA_COA_B -> COA_B : NONE));
		verdict = UNDECIDED;

		/* ---- 1. IPsec inbound (bits_input) ----
		 * The packet the SA delivers (a tunnel-mode SA has taken its outer
		 * header off): the nesting IPv6 header, or the BU itself. Its flow
		 * has the HAO as source under NORMALISE, the wire source under
		 * TRUE_ADDR; a nesting header carries no HAO. */
		if
		:: nest != DIRECT -> fsrc = outer; fmh = false
		:: else -> fsrc = (model == NORMALISE && hao != NONE -> hao : src); fmh = true
		fi;
		if
		:: prot == CLEAR ->
			/* policy lookup: the registration's PROTECT policy (HOA_A, BU)
			 * or the one of the SA under test; anything else bypasses */
			if
			:: (fmh && mh == BU && fsrc == HOA_A) || SEL_OK(fsrc, fmh && mh == BU) -> verdict = DROP_IPSEC
			:: else -> skip
			fi
		:: prot == ESP ->
			if
			:: !SEL_OK(fsrc, fmh && mh == BU) -> verdict = DROP_IPSEC
			/* the post-check: an MH packet that speaks for a home address
			 * (a HAO, or a BU's source) under a TRUE_ADDR SA */
			:: else -> if
				:: model == TRUE_ADDR && fmh && (hao != NONE || mh == BU) && !AUTH(peer, hoa) ->
					verdict = DROP_IPSEC
				:: else -> skip
				fi
			fi;
#ifndef TOP_ONLY_POSTCHECK
			/* a BU nested in IPv6-in-IPv6 inside the SA's payload reaches
			 * the home agent with this SA too (the node decapsulates it and
			 * hands on the SA): it is checked as if the SA carried it
			 * directly, selectors and post-check */
			if
			:: verdict == UNDECIDED && nest != DIRECT && (hao != NONE || mh == BU) ->
				fsrc = (model == NORMALISE && hao != NONE -> hao : src);
				if
				:: !SEL_OK(fsrc, mh == BU) -> verdict = DROP_IPSEC
				:: else -> if
					:: model == TRUE_ADDR && !AUTH(peer, hoa) -> verdict = DROP_IPSEC
					:: else -> skip
					fi
				fi
			:: else -> skip
			fi
#endif
		fi;

		/* ---- 2. the reverse tunnel (ha_input_tunnel, HA-08) ----
		 * Under a tunnel-mode SA the SA vouches for the sender; otherwise
		 * the inner source must be bound, with the outer source as its
		 * care-of address: only HOA_A at COA_A is. */
		if
		:: verdict == UNDECIDED && nest != DIRECT && !(prot == ESP && mode == TUNNEL) &&
		   !(src == HOA_A && outer == COA_A) -> verdict = DROP_TUNNEL
		:: else -> skip
		fi;

		/* ---- 3. the home agent (ha_input_mh) ---- */
		if
		:: verdict != UNDECIDED -> skip
		:: mh == BA -> verdict = REFUSE_HA                   /* not for a home agent */
		:: mh == BU && prot == CLEAR -> verdict = REFUSE_HA   /* H = 1 without IPsec */
		:: mh == BU && prot == ESP && (hoa == COA_A || hoa == COA_B) ->
			verdict = REFUSE_HA                           /* 132: not home subnet (HA-01) */
		:: mh == BU && prot == ESP && hoa == HOA_B && coa == hoa ->
			verdict = REFUSE_HA                           /* 133: de-registering nothing (HA-05) */
		:: else -> verdict = ACCEPT                           /* DAD (HA-02), refresh or delete */
		fi;

		/* ---- the property ---- */
		auth_hoa = AUTH(peer, hoa);
		post = (model == TRUE_ADDR -> auth_hoa : (sela == ANY || sela == hoa));
		auth_sel = AUTH(peer, sela);
		cfg_ok = (model == TRUE_ADDR || (sela != ANY && (sela == COA_A || sela == COA_B || auth_sel)));
#ifdef NO_CFG_RULE
		cfg_ok = true;
#endif
		ok = (verdict != ACCEPT || !cfg_ok || (prot == ESP && auth_hoa && post));

		printf("V "); printm(pad); printf(" "); printm(prot); printf(" "); printm(peer);
		printf(" "); printm(model); printf(" "); printm(mode); printf(" "); printm(sela);
		printf(" "); printm(selp); printf(" "); printm(nest); printf(" "); printm(src);
		printf(" "); printm(hao); printf(" "); printm(mh); printf(" "); printm(acoa);
		printf(" : "); printm(verdict); printf("\n");
		assert(ok)
	}
}
