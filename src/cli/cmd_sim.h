/* cmd_sim — `mip6sec sim`: run a simulation scenario (src/sim). */
#ifndef CMD_SIM_H
#define CMD_SIM_H

#include <stdio.h>

int cmd_sim(int argc, char **argv);
/* The full help: usage, options, outputs and the scenario format. */
void cmd_sim_help(FILE *f);

#endif
