/* SPDX-License-Identifier: MIT */
/* Internal to vmcore.c and vmcore_win.c. */
#ifndef KDI_VMCORE_PRIV_H
#define KDI_VMCORE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcore.h"

/* The segment holding physical address @pa, or NULL. */
const struct vmcore_seg *vmcore_seg_find(const struct vmcore *vc, uint64_t pa);

/* Choose mapping or reading for vc->fd, allocate what it needs. */
int vmcore_win_init(struct vmcore *vc);
void vmcore_win_free(struct vmcore *vc);

#endif
