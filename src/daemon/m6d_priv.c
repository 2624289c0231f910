/* Dropping to a user with CAP_NET_RAW and CAP_NET_ADMIN (see m6d_priv.h). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dlog.h"
#include "m6d_priv.h"

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "dropping privileges: %s: %s", what, strerror(errno));
	return M6_E_INVAL;
}

int m6d_drop_privileges(struct m6d *d, char *err, size_t errlen)
{
	if (!d->conf.has_user)
		return 0;
	gid_t groups[1] = { d->conf.control_gid };
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0)
		return fail(err, errlen, "PR_SET_KEEPCAPS");
	if (setgroups(d->conf.has_group ? 1 : 0, groups) < 0)
		return fail(err, errlen, "setgroups");
	if (setgid(d->conf.gid) < 0)
		return fail(err, errlen, "setgid");
	if (setuid(d->conf.uid) < 0)
		return fail(err, errlen, "setuid");
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	uint32_t keep = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);
	data[0].effective = keep;
	data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(err, errlen, "capset");
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return fail(err, errlen, "prctl");
	/* a way back would make the drop pointless */
	if (setuid(0) == 0) {
		errno = EPERM;
		return fail(err, errlen, "root could be regained");
	}
	dlog(DLOG_INFO, "running as %s with CAP_NET_RAW and CAP_NET_ADMIN only", d->conf.user);
	return 0;
}
