#include "sim_ike.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "ike/ike_km.h"
#include "keyfile.h"
#include "sim_node.h"
#include "util/m6_err.h"

struct sim_ike {
	size_t n;
	struct ike_km **km;           /* per scenario node, NULL without IKE */
};

struct sim_ike *sim_ike_new(struct sim *s, const struct scenario *sc, char *err, size_t errlen)
{
	struct sim_ike *si = calloc(1, sizeof(*si));
	if (!si || !(si->km = calloc(sc->n_nodes ? sc->n_nodes : 1, sizeof(*si->km)))) {
		free(si);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	si->n = sc->n_nodes;
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct nodeconf *nc = &sc->nodes[i];
		if (!nc->ike)
			continue;
		struct node *n = sim_host_node(sim_host(s, (unsigned)i));
		struct ike_km_cfg cfg = *nc->ike;
		char why[160];
		cfg.keep_keys = true;     /* the run writes them for Wireshark */
		if (!n || !(si->km[i] = ike_km_new(&cfg, why, sizeof(why)))) {
			snprintf(err, errlen, "%s:%u: node \"%s\": ike: %s", sc->path, nc->line, nc->name,
				 n ? why : "not a protocol node");
			m6_wipe(&cfg, sizeof(cfg));
			sim_ike_free(si);
			return NULL;
		}
		m6_wipe(&cfg, sizeof(cfg));
		ike_km_attach(si->km[i], n);
	}
	return si;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

int sim_ike_keys(const struct sim_ike *si, struct keyfile *kf, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ikev2_decryption_table", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return M6_E_CONFIG;
	}
	int rc = 0;
	for (size_t i = 0; i < si->n && !rc; i++) {
		const struct ike_km *k = si->km[i];
		if (!k)
			continue;
		/* Both ends log each IKE SA: the initiator's line is enough,
		 * unless only the responder knew it (its peer never finished). */
		for (size_t j = 0; j < ike_km_ike_count(k); j++) {
			const struct ike_km_ike_keys *e = ike_km_ike_at(k, j);
			bool dup = false;
			for (size_t p = 0; p < i && !dup; p++)
				for (size_t q = 0; si->km[p] && q < ike_km_ike_count(si->km[p]); q++)
					dup |= !memcmp(ike_km_ike_at(si->km[p], q)->spi_i, e->spi_i, 8) &&
					       !memcmp(ike_km_ike_at(si->km[p], q)->spi_r, e->spi_r, 8);
			const char *en = ike_km_ws_encr(&e->suite), *in = ike_km_ws_integ(&e->suite);
			if (dup || !en || !in)
				continue;
			/* strongSwan save-keys: SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ" */
			hex(f, e->spi_i, 8), fputc(',', f);
			hex(f, e->spi_r, 8), fputc(',', f);
			hex(f, e->keys.ei, e->keys.e_len), fputc(',', f);
			hex(f, e->keys.er, e->keys.e_len);
			fprintf(f, ",\"%s\",", en);
			hex(f, e->keys.ai, e->keys.a_len), fputc(',', f);
			hex(f, e->keys.ar, e->keys.a_len);
			fprintf(f, ",\"%s\"\n", in);
		}
		for (size_t j = 0; j < ike_km_child_count(k) && !rc; j++) {
			const struct ike_km_child_keys *c = ike_km_child_at(k, j);
			struct keyfile_sa ks;
			memset(&ks, 0, sizeof(ks));
			ks.spi = c->spi;
			memcpy(ks.src, c->src, 16);
			memcpy(ks.dst, c->dst, 16);
			ks.cfg = c->x;
			rc = keyfile_add(kf, &ks);
			if (rc == M6_E_EXISTS)
				rc = keyfile_append(kf, &ks);
			m6_wipe(&ks, sizeof(ks));
			if (rc > 0)
				rc = 0;
			if (rc)
				snprintf(err, errlen, "out of memory");
		}
	}
	if (fclose(f) && !rc) {
		snprintf(err, errlen, "%s: write error", path);
		rc = M6_E_CONFIG;
	}
	return rc;
}

void sim_ike_forget(struct sim_ike *si, unsigned node)
{
	if (si && node < si->n && si->km[node])
		ike_km_forget(si->km[node]);
}

unsigned long long sim_ike_established(const struct sim_ike *si)
{
	unsigned long long n = 0;
	for (size_t i = 0; si && i < si->n; i++)
		if (si->km[i])
			n += ike_km_stats(si->km[i])->established;
	return n;
}

void sim_ike_free(struct sim_ike *si)
{
	if (!si)
		return;
	for (size_t i = 0; i < si->n; i++)
		ike_km_free(si->km[i]);
	free(si->km);
	free(si);
}
