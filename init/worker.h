/* SPDX-License-Identifier: MIT */
/*
 * The capture worker: everything PID 1 does not do itself. It runs in a
 * child of PID 1, so it may fail or die; its exit status tells PID 1
 * whether to take the final_action (0) or the failure_action.
 */
#ifndef KDI_WORKER_H
#define KDI_WORKER_H

struct kdi_config;

#define CONFIG_FILE "/etc/kdumpinit.conf"
#define CMDLINE_FILE "/proc/cmdline"
#define VMCORE_FILE "/proc/vmcore"

/*
 * Defaults, then CONFIG_FILE, then kdumpinit.KEY=VALUE from the kernel
 * command line. Never exits (PID 1 calls it).
 * @return 0, or -errno with a message; @cfg holds the defaults and what
 *         could be read, so that PID 1 can still act on it.
 */
int config_load(struct kdi_config *cfg);

/*
 * Capture: load modules, open the target, save the kernel log, the dump
 * and a summary. @cfg_err is what config_load() returned. Sends SIGUSR1
 * to PID 1 when the dump starts (its watchdog then counts dump_timeout).
 *
 * @fallback: NULL for the capture; else why a first attempt died, and
 * this one trusts nothing of the crashed kernel's own tables: no kernel
 * log (its reader may be what died), an unfiltered dump (level 0, no
 * struct page read), in a directory of its own, its summary saying so.
 *
 * @return the exit status: 0 when the dump was saved complete.
 */
int worker_main(const struct kdi_config *cfg, int cfg_err,
		const char *fallback);

#endif
