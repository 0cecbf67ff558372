/* SPDX-License-Identifier: MIT */
/* TEMPORARY, removed before the first release: weak placeholders so the
 * binary links while the commands are written. Each real command file
 * overrides its symbol. */
#include <stdlib.h>
#include <unistd.h>

#include "commands.h"
#include "util.h"

#define PENDING(fn)                                                        \
	__attribute__((weak)) int fn(int argc, char **argv)                \
	{                                                                  \
		(void)argc;                                                \
		(void)argv;                                                \
		msg("%s is not built yet", #fn);                           \
		return EXIT_SYSTEM;                                        \
	}

PENDING(cmd_dump)
PENDING(cmd_dmesg)
PENDING(cmd_info)
PENDING(cmd_load)
PENDING(cmd_unload)
PENDING(cmd_status)
PENDING(cmd_check_config)
PENDING(cmd_version)

__attribute__((weak)) _Noreturn void pid1_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (;;)
		pause();
}
