#include <string.h>

#include "pbuf.h"
#include "../util/m6_err.h"

int pbuf_init(struct pbuf *pb, uint8_t *mem, size_t cap, size_t headroom)
{
	if (!pb || !mem || headroom > cap)
		return M6_E_INVAL;
	pb->base = mem;
	pb->cap = cap;
	pb->head = headroom;
	pb->len = 0;
	return 0;
}

int pbuf_push(struct pbuf *pb, size_t n, uint8_t **out)
{
	if (n > pb->head)
		return M6_E_NOMEM;
	pb->head -= n;
	pb->len += n;
	if (out)
		*out = pbuf_data(pb);
	return 0;
}

int pbuf_pull(struct pbuf *pb, size_t n)
{
	if (n > pb->len)
		return M6_E_TRUNC;
	pb->head += n;
	pb->len -= n;
	return 0;
}

int pbuf_put(struct pbuf *pb, size_t n, uint8_t **out)
{
	if (n > pbuf_tailroom(pb))
		return M6_E_NOMEM;
	if (out)
		*out = pbuf_data(pb) + pb->len;
	pb->len += n;
	return 0;
}

int pbuf_trim(struct pbuf *pb, size_t n)
{
	if (n > pb->len)
		return M6_E_TRUNC;
	pb->len -= n;
	return 0;
}

int pbuf_insert(struct pbuf *pb, size_t off, size_t n, uint8_t **out)
{
	if (off > pb->len)
		return M6_E_INVAL;
	if (n > pb->head)
		return M6_E_NOMEM;
	uint8_t *old = pbuf_data(pb);
	memmove(old - n, old, off);
	pb->head -= n;
	pb->len += n;
	if (out)
		*out = pbuf_data(pb) + off;
	return 0;
}

int pbuf_remove(struct pbuf *pb, size_t off, size_t n)
{
	if (off > pb->len || n > pb->len - off)
		return M6_E_INVAL;
	uint8_t *old = pbuf_data(pb);
	memmove(old + n, old, off);
	pb->head += n;
	pb->len -= n;
	return 0;
}
