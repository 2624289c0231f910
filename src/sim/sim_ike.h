/*
 * sim_ike — IKE keying in the simulator: an ike_km for every node whose
 * ipsec group has an ike group, and the key files of what they negotiated
 * (Wireshark's ikev2_decryption_table in strongSwan's save-keys format, the
 * Child SAs added to keys.txt and esp_sa).
 *
 * Contract: sim_ike_new() attaches key managers to the nodes already in the
 * simulator (nodes without an ike group are left alone); sim_ike_keys()
 * adds the logged Child SAs to a keyfile and writes dir/ikev2_decryption_table;
 * sim_ike_free() after sim_free() (the nodes call into the key managers).
 */
#ifndef MIP6SEC_SIM_IKE_H
#define MIP6SEC_SIM_IKE_H

#include <stddef.h>

#include "scenario.h"
#include "sim.h"

struct keyfile;
struct sim_ike;

/* NULL and err set on failure; a scenario without IKE gets an empty set. */
struct sim_ike *sim_ike_new(struct sim *s, const struct scenario *sc, char *err, size_t errlen);
int sim_ike_keys(const struct sim_ike *si, struct keyfile *kf, const char *dir, char *err, size_t errlen);
/* A node's key manager loses every IKE SA and Child SA (a restart). */
void sim_ike_forget(struct sim_ike *si, unsigned node);
/* The IKE SAs established by all nodes (for the summary). */
unsigned long long sim_ike_established(const struct sim_ike *si);
void sim_ike_free(struct sim_ike *si);

#endif
