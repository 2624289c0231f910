/*
 * cmd_ctl — the control client: `mip6sec show`, `mip6sec reload` and
 * `mip6sec keys FILE` talk to a running mip6secd over its control socket
 * (protocol in src/daemon/ctl_proto.h).
 */
#ifndef MIP6SEC_CMD_CTL_H
#define MIP6SEC_CMD_CTL_H

#include <stdio.h>

int cmd_show(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_rekey(int argc, char **argv);
int cmd_keys(int argc, char **argv);
void cmd_ctl_help(FILE *f);

#endif
