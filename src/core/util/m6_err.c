#include "m6_err.h"

struct err_row { const char *id, *text; };

static const struct err_row err_rows[M6_E_SPAN] = {
#define M6_X(name, n, id, text) [n] = { id, text },
	M6_ERR_LIST(M6_X)
#undef M6_X
};

static const struct err_row *err_find(int err)
{
	if (err <= M6_E_FIRST_ || err >= M6_E_LAST_ || !err_rows[err - M6_E_FIRST_].id)
		return NULL;
	return &err_rows[err - M6_E_FIRST_];
}

bool m6_err_known(int err)
{
	return err_find(err) != NULL;
}

const char *m6_strerror(int err)
{
	const struct err_row *r = err_find(err);
	if (err == 0)
		return "ok";
	return r ? r->text : "unknown error";
}

const char *m6_errid(int err)
{
	const struct err_row *r = err_find(err);
	if (err == 0)
		return "ok";
	return r ? r->id : "unknown";
}

void m6_diag_add(struct m6_diags *ds, int code, size_t off)
{
	if (ds->n >= M6_DIAG_MAX) {
		ds->dropped++;
		return;
	}
	ds->d[ds->n].code = code;
	ds->d[ds->n].off = (uint32_t)off;
	ds->n++;
}

bool m6_diags_has(const struct m6_diags *ds, int code)
{
	for (unsigned i = 0; i < ds->n; i++)
		if (ds->d[i].code == code)
			return true;
	return false;
}
