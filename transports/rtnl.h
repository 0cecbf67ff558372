/* SPDX-License-Identifier: MIT */
/*
 * The few rtnetlink requests net_up() needs: list links, set one up or
 * down, add an address, add the default route. Each waits for the
 * kernel's answer at most RTNL_WAIT_MS; nothing blocks forever.
 */
#ifndef KDI_RTNL_H
#define KDI_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"

#define RTNL_WAIT_MS 2000
#define RTNL_LINKS_MAX 32

struct rtnl {
	int fd;
	uint32_t seq;
};

struct rtnl_link {
	int index;
	unsigned int type;  /* ARPHRD_* */
	unsigned int flags; /* IFF_UP, IFF_LOWER_UP, ... */
	char name[16];
	unsigned char mac[6];
	bool has_mac;
};

/* @return 0 or -errno. */
int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);

/* Every link, up to @max (RTM_GETLINK dump). @return the count or -errno. */
int rtnl_links(struct rtnl *r, struct rtnl_link *out, int max);

/* Set IFF_UP on @index, or clear it. @return 0 or -errno. */
int rtnl_link_set_up(struct rtnl *r, int index, bool up);

/* Add @a/@prefix on @index (IPv6 without duplicate address detection:
 * the address is ours by configuration). @return 0 or -errno. */
int rtnl_addr_add(struct rtnl *r, int index, const struct net_addr *a,
		  unsigned int prefix);

/* Replace the default route of @gw's family by one via @gw on @index;
 * @onlink: @gw is outside the interface's subnet but on its link (a DHCP
 * server's /32 lease with a router). @return 0 or -errno. */
int rtnl_route_default(struct rtnl *r, int index, const struct net_addr *gw,
		       bool onlink);

#endif
