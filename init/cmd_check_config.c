/* SPDX-License-Identifier: MIT */
/*
 * kdumpinit check-config [--cmdline STRING] [FILE]: what the capture would
 * make of a config, before a crash finds out. kdumpinit-mkinitrd runs it
 * and reads the summary line.
 *
 * kdumpinit check-target [--cmdline STRING] [FILE]: whether its target
 * works, from this running system, with the capture's own transport code:
 * no crash needed to find out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "config.h"
#include "transport.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/kdumpinit.conf"

/* Parse the command line and the config into @cfg.
 * @return 0, or the exit code to return. */
static int config_read(int argc, char **argv, const char *cmd,
		       struct kdi_config *cfg, const char **path)
{
	static const struct option opts[] = {
		{"cmdline", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *cmdline = NULL;
	int c, err;

	*path = DEFAULT_CONFIG;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c') {
			msg("usage: kdumpinit %s [--cmdline STRING] [FILE]",
			    cmd);
			return EXIT_USAGE;
		}
		cmdline = optarg;
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
	int rc = config_read(argc, argv, "check-config", &cfg, &path);

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
	int rc = config_read(argc, argv, "check-target", &cfg, &path);

	if (rc)
		return rc;
	if (target_check(&cfg.tgt)) {
		msg("%s: the target does not work (above): a dump would be "
		    "lost",
		    path);
		return EXIT_SYSTEM;
	}
	printf("%s: target ok\n", path);
	return 0;
}
