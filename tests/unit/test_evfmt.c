/* How node events are written (src/common/evfmt): the words of every event
 * type, one expected line each (a new type without its line fails here),
 * the timeline line, and the JSON object (parsed back with jansson). */
#include <jansson.h>
#include <stdlib.h>

#include "tu.h"
#include "evfmt.h"
#include "util/m6_err.h"

#define HA "2001:db8:1::1"
#define HOA "2001:db8:1::100"
#define COA "2001:db8:2::100"

struct row {
	enum m6_ev_type type;
	const char *peer, *addr;     /* NULL: left zero */
	int32_t code;
	uint32_t u32;
	const char *text;            /* the engine's words, NULL: none */
	const char *want;
};

static const struct row rows[] = {
	{ M6_EV_NONE, NULL, NULL, 0, 0, NULL, "none" },
	{ M6_EV_MOVED, NULL, COA, 0, 0, NULL, "moved: care-of address " COA },
	{ M6_EV_RETURNED_HOME, NULL, NULL, 0, 0, NULL, "returned home" },
	{ M6_EV_BU_SENT, HA, COA, 7, 3600, NULL, "BU sent to " HA " seq 7 lifetime 3600s (care-of " COA ")" },
	{ M6_EV_BU_RETRANSMIT, HA, COA, 8, 2000, NULL,
	  "BU retransmitted to " HA " seq 8 after 2000 ms without BA (care-of " COA ")" },
	{ M6_EV_BU_RECEIVED, HOA, COA, 9, 3600, NULL, "BU received from " HOA " seq 9 (care-of " COA ")" },
	{ M6_EV_BA_SENT, HOA, NULL, 0, 3600, NULL, "BA sent to " HOA " status 0 (Binding Update accepted) lifetime 3600s" },
	{ M6_EV_BA_RECEIVED, HA, NULL, 135, 0, NULL, "BA received from " HA " status 135 (Sequence number out of window)" },
	{ M6_EV_BE_SENT, COA, NULL, 2, 0, NULL, "BE sent to " COA " status 2" },
	{ M6_EV_BE_RECEIVED, HA, NULL, 1, 0, NULL, "BE received from " HA " status 1" },
	{ M6_EV_BRR_SENT, HOA, NULL, 0, 0, NULL, "BRR sent to " HOA },
	{ M6_EV_BRR_RECEIVED, HA, NULL, 0, 0, NULL, "BRR received from " HA },
	{ M6_EV_BINDING_ADDED, HOA, COA, 1, 3600, NULL, "binding added: " HOA " -> care-of " COA " lifetime 3600s" },
	{ M6_EV_BINDING_UPDATED, HOA, COA, 2, 60, NULL, "binding updated: " HOA " -> care-of " COA " lifetime 60s" },
	{ M6_EV_BINDING_DELETED, HOA, COA, 3, 0, "de-registration", "binding deleted: " HOA " [de-registration]" },
	{ M6_EV_BINDING_EXPIRED, HOA, COA, 4, 0, NULL, "binding expired: " HOA },
	{ M6_EV_RR_STARTED, "2001:db8:4::1", NULL, 0, 0, NULL, "return routability started with 2001:db8:4::1" },
	{ M6_EV_RR_DONE, "2001:db8:4::1", NULL, 0, 0, NULL, "return routability done with 2001:db8:4::1" },
	{ M6_EV_HOTI_SENT, "2001:db8:4::1", NULL, 0, 0, NULL, "HoTI sent to 2001:db8:4::1" },
	{ M6_EV_COTI_SENT, "2001:db8:4::1", NULL, 0, 0, NULL, "CoTI sent to 2001:db8:4::1" },
	{ M6_EV_HOT_SENT, HOA, NULL, 0, 0, NULL, "HoT sent to " HOA },
	{ M6_EV_COT_SENT, COA, NULL, 0, 0, NULL, "CoT sent to " COA },
	{ M6_EV_TUNNEL_ENCAP, HOA, COA, 0, 120, NULL, "tunnelled to " COA },
	{ M6_EV_TUNNEL_DECAP, HOA, COA, 0, 120, NULL, "decapsulated a tunnelled packet from " COA },
	{ M6_EV_DELIVERED, NULL, NULL, 0, 0, NULL, "delivered to the application" },
	{ M6_EV_DROP, NULL, NULL, M6_E_HAO_POSTCHECK, 0, "ipsec in",
	  "DROP hao_postcheck: Home Address not authorised for the SA's peer [ipsec in]" },
	{ M6_EV_SA_ACQUIRE, NULL, NULL, 0, 3, NULL, "SA acquire: policy 3 has no SA" },
	{ M6_EV_SA_EXPIRE, NULL, NULL, 2, 0x1001, NULL, "SA 0x00001001 hard lifetime expired" },
	{ M6_EV_DAD_STARTED, HOA, COA, 1, 1000, NULL, "DAD started for home address " HOA " (care-of " COA ")" },
	{ M6_EV_DAD_FAILED, HOA, NULL, 0, 0, NULL, "DAD failed for home address " HOA },
	{ M6_EV_PROXY_NA, HOA, NULL, 0, 0, NULL, "proxy NA for " HOA },
	{ M6_EV_DHAAD_SENT, "2001:db8:1:0:fdff:ffff:ffff:fffe", COA, 4660, 3000, NULL,
	  "home agent discovery request 4660 sent to 2001:db8:1:0:fdff:ffff:ffff:fffe after 3000 ms without reply" },
	{ M6_EV_HA_DISCOVERED, HA, "2001:db8:1::2", 0, 2, NULL, "home agent " HA " chosen (2 in the list)" },
	{ M6_EV_DHAAD_REPLIED, COA, NULL, 4660, 2, NULL,
	  "home agent discovery reply 4660 sent to " COA " with 2 address(es)" },
	{ M6_EV_MPS_SENT, HA, COA, 17, 0, NULL, "mobile prefix solicitation 17 sent to " HA },
	{ M6_EV_MPA_SENT, HOA, COA, 0, 2, "unsolicited",
	  "unsolicited mobile prefix advertisement sent to " COA " for " HOA " with 2 prefix(es)" },
	{ M6_EV_MPA_RECEIVED, HA, NULL, 17, 1, NULL, "mobile prefix advertisement 17 from " HA " with 1 prefix(es)" },
	{ M6_EV_HOA_CHANGED, HOA, "2001:db8:5::100", 0, 86400, "home prefix renumbered",
	  "home address " HOA " -> 2001:db8:5::100 [home prefix renumbered]" },
	{ M6_EV_HA_LIST, "fe80::2", "2001:db8:1::2", 10, 1800, "added",
	  "home agents list: 2001:db8:1::2 (router fe80::2) preference 10 lifetime 1800s [added]" },
	{ M6_EV_HOME_PREFIX, NULL, "2001:db8:5::", 64, 86400, "advertised",
	  "home prefix 2001:db8:5::/64 valid 86400s [advertised]" },
	{ M6_EV_IKE_UP, "2001:db8:1::1", "2001:db8:2::100", 0, 0, NULL,
	  "IKE SA up between 2001:db8:2::100 and 2001:db8:1::1" },
	{ M6_EV_IKE_MOVED, "2001:db8:1::1", "2001:db8:3::100", 0, 0, NULL,
	  "IKE SA moved (MOBIKE): now between 2001:db8:3::100 and 2001:db8:1::1" },
};

static void make(const struct row *r, struct m6_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = 1500000000ull;
	ev->type = r->type;
	ev->node = "mn";
	if (r->peer)
		tu_addr(r->peer, ev->peer);
	if (r->addr)
		tu_addr(r->addr, ev->addr);
	ev->code = r->code;
	ev->u32 = r->u32;
	if (r->text)
		snprintf(ev->text, sizeof(ev->text), "%s", r->text);
}

/* Every type has its line, and the words are exactly those. */
static void test_text_every_type(void **s)
{
	(void)s;
	bool covered[M6_EV_TYPE_COUNT] = { false };
	char buf[EVFMT_TEXT_LEN];
	struct m6_event ev;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make(&rows[i], &ev);
		evfmt_text(&ev, buf, sizeof(buf));
		if (strcmp(buf, rows[i].want))
			fail_msg("%s:\n got  \"%s\"\n want \"%s\"", m6_ev_name(rows[i].type), buf, rows[i].want);
		covered[rows[i].type] = true;
	}
	for (int t = 0; t < M6_EV_TYPE_COUNT; t++)
		if (!covered[t])
			fail_msg("event type %d (%s) has no expected line here", t, m6_ev_name((enum m6_ev_type)t));
}

/* The variants: unknown addresses, the soft expiry, the engine's words
 * kept only when they add something, and a short buffer. */
static void test_text_details(void **s)
{
	(void)s;
	char buf[EVFMT_TEXT_LEN];
	struct m6_event ev;
	struct row r = { M6_EV_BU_SENT, NULL, NULL, 1, 10, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "BU sent to ? seq 1 lifetime 10s (care-of ?)");
	r = (struct row){ M6_EV_TUNNEL_DECAP, HOA, NULL, 0, 0, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "decapsulated a tunnelled packet");
	r = (struct row){ M6_EV_SA_EXPIRE, NULL, NULL, 1, 0xdeadbeef, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "SA 0xdeadbeef soft lifetime expired");
	r = (struct row){ M6_EV_PROXY_NA, HOA, "fe80::1", 0, 0, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "proxy NA for fe80::1");
	r = (struct row){ M6_EV_HA_LIST, "fe80::2", "2001:db8:1::2", 10, 0, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "home agents list: 2001:db8:1::2 (router fe80::2) removed");
	r = (struct row){ M6_EV_MPS_SENT, HA, COA, 17, 6000, NULL, NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "mobile prefix solicitation 17 sent to " HA " after 6000 ms without advertisement");
	r = (struct row){ M6_EV_MPA_SENT, HOA, COA, 1, 1, "solicited", NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "solicited mobile prefix advertisement sent to " COA " for " HOA " with 1 prefix(es)");
	r = (struct row){ M6_EV_RETURNED_HOME, NULL, NULL, 0, 0, "home", NULL };
	make(&r, &ev);
	evfmt_text(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "returned home");                 /* "home" only repeats it */
	/* a text filling the whole field (no terminating NUL) */
	memset(ev.text, 'x', sizeof(ev.text));
	evfmt_text(&ev, buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen("returned home [") + sizeof(ev.text) + 1);
	evfmt_text(&ev, buf, 8);
	assert_string_equal(buf, "returne");
}

static void test_time_and_line(void **s)
{
	(void)s;
	char t[EVFMT_TIME_LEN], line[512];
	evfmt_time(0, t);
	assert_string_equal(t, "0.000000");
	evfmt_time(1234567891ull, t);
	assert_string_equal(t, "1.234567");
	evfmt_time(UINT64_MAX, t);
	assert_string_equal(t, "18446744073.709551");
	evfmt_line(1500000000ull, "mn", 6, "returned home", line, sizeof(line));
	assert_string_equal(line, "   1.500000 mn     returned home");
	evfmt_line(1500000000ull, "[backbone]", 6, "x", line, sizeof(line));
	assert_string_equal(line, "   1.500000 [backbone] x");
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_int_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_non_null(v);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* Every event as the event log writes it (compact, keys in order), parsed
 * back: the fields are the event's, msg is its words. */
static void test_json_every_type(void **s)
{
	(void)s;
	struct m6_event ev;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		make(r, &ev);
		json_t *o = evfmt_json(&ev, "mn");
		assert_non_null(o);
		char *dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		assert_non_null(dump);
		static const char head[] = "{\"t_ns\":1500000000,\"time\":\"1.500000\",\"node\":\"mn\",\"type\":";
		assert_int_equal(strncmp(dump, head, sizeof(head) - 1), 0);
		json_error_t err;
		json_t *p = json_loads(dump, 0, &err);
		if (!p)
			fail_msg("%s does not parse: %s\n%s", m6_ev_name(r->type), err.text, dump);
		assert_int_equal(num(p, "t_ns"), 1500000000);
		assert_string_equal(str(p, "time"), "1.500000");
		assert_string_equal(str(p, "node"), "mn");
		assert_string_equal(str(p, "type"), m6_ev_name(r->type));
		assert_int_equal(num(p, "code"), r->code);
		assert_int_equal(num(p, "u32"), r->u32);
		assert_string_equal(str(p, "msg"), r->want);
		if (r->peer)
			assert_string_equal(str(p, "peer"), r->peer);
		else
			assert_null(json_object_get(p, "peer"));
		if (r->addr)
			assert_string_equal(str(p, "addr"), r->addr);
		else
			assert_null(json_object_get(p, "addr"));
		if (r->text)
			assert_string_equal(str(p, "text"), r->text);
		else
			assert_null(json_object_get(p, "text"));
		if (r->type == M6_EV_DROP)
			assert_string_equal(str(p, "reason"), m6_errid(r->code));
		else
			assert_null(json_object_get(p, "reason"));
		json_decref(p);
		free(dump);
	}
}

/* One whole object, as events.jsonl has it. */
static void test_json_exact(void **s)
{
	(void)s;
	struct m6_event ev;
	make(&rows[3], &ev);     /* bu_sent */
	json_t *o = evfmt_json(&ev, "mn");
	char *dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(dump,
			    "{\"t_ns\":1500000000,\"time\":\"1.500000\",\"node\":\"mn\",\"type\":\"bu_sent\","
			    "\"peer\":\"" HA "\",\"addr\":\"" COA "\",\"code\":7,\"u32\":3600,"
			    "\"msg\":\"BU sent to " HA " seq 7 lifetime 3600s (care-of " COA ")\"}");
	free(dump);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_every_type),
		cmocka_unit_test(test_text_details),
		cmocka_unit_test(test_time_and_line),
		cmocka_unit_test(test_json_every_type),
		cmocka_unit_test(test_json_exact),
	};
	return cmocka_run_group_tests_name("evfmt", tests, NULL, NULL);
}
