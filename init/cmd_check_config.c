/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit check-config [--cmdline STRING] [FILE]: what the capture would
 * make of a config, before a crash finds out. kdumpinit-mkinitrd runs it
 * and reads the summary line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "config.h"
#include "transport.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/kdumpinit.conf"

int cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{"cmdline", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *cmdline = NULL, *path = DEFAULT_CONFIG;
	struct kdi_config cfg;
	char summary[2048];
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c') {
			msg("usage: kdumpinit check-config [--cmdline STRING] "
			    "[FILE]");
			return EXIT_USAGE;
		}
		cmdline = optarg;
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		msg("check-config takes one file, not '%s'", argv[optind]);
		return EXIT_USAGE;
	}

	config_defaults(&cfg);
	err = config_parse_file(&cfg, path);
	if (cmdline && config_apply_cmdline(&cfg, cmdline))
		err = err ? err : -EINVAL;
	if (!err && !transport_find(cfg.tgt.type)) {
		msg("%s: %s %s: this build cannot save to %s targets yet", path,
		    cfg.tgt.type, cfg.tgt.device, cfg.tgt.type);
		err = -EPROTONOSUPPORT;
	}
	if (err) {
		msg("%s: not usable, fix the errors above", path);
		return EXIT_USAGE;
	}
	config_summary(&cfg, summary, sizeof(summary));
	printf("%s: ok: %s\n", path, summary);
	return 0;
}
