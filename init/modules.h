/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules packed into the initrd by mkinitrd, loaded without kmod.
 */
#ifndef KDI_MODULES_H
#define KDI_MODULES_H

/* One module path per line, dependencies first (written by mkinitrd). */
#define MODULES_ORDER "/lib/modules/load.order"

/*
 * Load every module listed in @order with finit_module(2), in order.
 * A module already loaded is fine; any other failure is reported and the
 * next module is tried (the target may appear anyway). A missing list
 * means there is nothing to load.
 * @return 0, or the first -errno (after trying every module).
 */
int modules_load(const char *order);

#endif
