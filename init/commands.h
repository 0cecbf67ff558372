/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of the one kdumpinit binary. Each takes the arguments
 * after its name (argv[0] is the subcommand) and returns the process exit
 * code: 0 ok, EXIT_USAGE (100) for bad usage or config, EXIT_SYSTEM (111)
 * or another non-zero code for failures.
 */
#ifndef KDI_COMMANDS_H
#define KDI_COMMANDS_H

int cmd_dump(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_check_target(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* PID 1 in the capture kernel's initrd. Never returns. */
_Noreturn void pid1_main(int argc, char **argv);

#endif
