/* SPDX-License-Identifier: MIT */
/*
 * Waiting for a block device without udev: devtmpfs makes the nodes, and
 * /sys/class/block is probed with libblkid until the device shows up.
 */
#ifndef KDI_DEVWAIT_H
#define KDI_DEVWAIT_H

#include <stddef.h>

/*
 * Wait up to @timeout_s seconds for the block device @spec: a path
 * ("/dev/vdb1"), "UUID=", "LABEL=", "PARTUUID=" or "PARTLABEL=".
 * @return 0 with its node ("/dev/vdb1") in @dev; -ETIMEDOUT with a message
 *         naming the device, the time waited and the devices seen.
 */
int devwait(const char *spec, unsigned int timeout_s, char *dev, size_t size);

#endif
