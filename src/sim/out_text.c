/* Simulator notes as JSON (node events: evfmt). */
#include "out.h"

json_t *out_note_json(const struct sim_note *n, const char *who)
{
	char t[EVFMT_TIME_LEN];
	evfmt_time(n->time, t);
	json_t *o = json_object();
	json_object_set_new(o, "t_ns", json_integer((json_int_t)n->time));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "node", json_string(who));
	json_object_set_new(o, "type", json_string(sim_note_name(n->type)));
	json_object_set_new(o, "sim", json_true());
	json_object_set_new(o, "msg", json_string(n->text));
	return o;
}
