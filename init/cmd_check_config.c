/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit check-config [--cmdline STRING] [FILE]: what the capture would
 * make of a config, before a crash finds out. kdumpinit-mkinitrd runs it
 * and reads the summary line.
 *
 * kdumpinit check-target [--cmdline STRING] [--write MIB] [FILE]: whether
 * its target works, from this running system, with the capture's own
 * transport code: no crash needed to find out. --write times a file of
 * MIB MiB through the transport and prints the rate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "config.h"
#include "transport.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/kdumpinit.conf"

/* Parse the command line and the config into @cfg.
 * @return 0, or the exit code to return. */
static int config_read(int argc, char **argv, const char *cmd,
		       struct kdi_config *cfg, const char **path,
		       unsigned int *mib)
{
	static const struct option opts[] = {
		{"cmdline", required_argument, NULL, 'c'},
		{"write", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	const char *cmdline = NULL;
	char *end;
	unsigned long v;
	int c, err;

	*path = DEFAULT_CONFIG;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c') {
			cmdline = optarg;
			continue;
		}
		if (c == 'w' && mib) {
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!errno && *end == 0 && v >= 1 && v <= 65536) {
				*mib = (unsigned int)v;
				continue;
			}
			msg("--write takes a size in MiB, 1 to 65536, not '%s'",
			    optarg);
			return EXIT_USAGE;
		}
		msg("usage: kdumpinit %s [--cmdline STRING]%s [FILE]", cmd,
		    mib ? " [--write MIB]" : "");
		return EXIT_USAGE;
	}
	if (optind < argc)
		*path = argv[optind++];
	if (optind < argc) {
		msg("%s takes one file, not '%s'", cmd, argv[optind]);
		return EXIT_USAGE;
	}

	config_defaults(cfg);
	err = config_parse_file(cfg, *path);
	if (cmdline && config_apply_cmdline(cfg, cmdline))
		err = err ? err : -EINVAL;
	if (!err && !transport_find(cfg->tgt.type)) {
		msg("%s: %s %s: this build of kdumpinit cannot save to %s "
		    "targets",
		    *path, cfg->tgt.type, cfg->tgt.device, cfg->tgt.type);
		err = -EPROTONOSUPPORT;
	}
	if (err) {
		msg("%s: not usable, fix the errors above", *path);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_check_config(int argc, char **argv)
{
	struct kdi_config cfg;
	char summary[2048];
	const char *path;
	int rc = config_read(argc, argv, "check-config", &cfg, &path, NULL);

	if (rc)
		return rc;
	config_summary(&cfg, summary, sizeof(summary));
	printf("%s: ok: %s\n", path, summary);
	return 0;
}

int cmd_check_target(int argc, char **argv)
{
	struct kdi_config cfg;
	const char *path;
	unsigned int mib = 0;
	int rc = config_read(argc, argv, "check-target", &cfg, &path, &mib);

	if (rc)
		return rc;
	if (target_check(&cfg.tgt, mib)) {
		msg("%s: the target does not work (above): a dump would be "
		    "lost",
		    path);
		return EXIT_SYSTEM;
	}
	printf("%s: target ok\n", path);
	return 0;
}
