/* cmd_sim — `mip6sec sim`: run a simulation scenario (src/sim); and the
 * usage-error reply every command shares (main.c). */
#ifndef MIP6SEC_CMD_SIM_H
#define MIP6SEC_CMD_SIM_H

#include <stdio.h>

int cmd_sim(int argc, char **argv);
/* The full help: usage, options, outputs and the scenario format. */
void cmd_sim_help(FILE *f);

/* A usage error of `mip6sec CMD`: why (may be NULL) and the command's
 * one-line synopsis on standard error; returns the exit status, 2. */
int usage_error(const char *cmd, const char *why);
/* The same for what getopt_long() returned (c: '?' or ':') with opterr = 0
 * and an option string starting with ':'. */
int option_error(const char *cmd, int c, char **argv);

#endif
