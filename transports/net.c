/* SPDX-License-Identifier: MIT */
/*
 * net_up(): the capture kernel's network, in the order it can fail:
 * loopback, the interface, its carrier, an address (DHCPv4 or static),
 * the default route, resolv.conf. One deadline covers it all, so a
 * missing cable or server costs net_timeout and never hangs the capture.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dhcp.h"
#include "net.h"
#include "rtnl.h"
#include "util.h"

#define LINK_POLL_MS 100
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h; glibc's net/if.h lacks it */
#endif

struct up {
	struct rtnl r;
	const struct net_conf *nc;
	uint64_t start, deadline; /* ms, CLOCK_MONOTONIC */
	/* Interfaces we set up while looking for carrier, to set down
	 * again when another one is chosen. */
	int raised[RTNL_LINKS_MAX];
	int n_raised;
};

static unsigned int elapsed_s(const struct up *u)
{
	return (unsigned int)((now_ms() - u->start + 500) / 1000);
}

static void mac_str(const unsigned char *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

static bool link_wanted(const struct net_conf *nc, const struct rtnl_link *l)
{
	if (nc->ifname[0] && strcmp(nc->ifname, l->name))
		return false;
	if (nc->has_mac && (!l->has_mac || memcmp(nc->mac, l->mac, 6)))
		return false;
	if (nc->ifname[0] || nc->has_mac)
		return true;
	return l->type == ARPHRD_ETHER;
}

static bool carrier(const struct rtnl_link *l)
{
	return (l->flags & (IFF_UP | IFF_LOWER_UP)) == (IFF_UP | IFF_LOWER_UP);
}

/* Set @l up once; remember it if it was down. */
static int link_raise(struct up *u, const struct rtnl_link *l)
{
	int i, err;

	for (i = 0; i < u->n_raised; i++)
		if (u->raised[i] == l->index)
			return 0;
	if (l->flags & IFF_UP)
		return 0;
	err = rtnl_link_set_up(&u->r, l->index, true);
	if (err)
		msg("%s: cannot set the link up: %s", l->name, strerror(-err));
	else if (u->n_raised < RTNL_LINKS_MAX)
		u->raised[u->n_raised++] = l->index;
	return err;
}

static const char *link_state(const struct rtnl_link *l)
{
	if (!(l->flags & IFF_UP))
		return " down";
	return carrier(l) ? "" : " no carrier";
}

/* "eth0 52:54:00:12:34:56, eth1 ..." for the message when none fits. */
static void links_seen(const struct rtnl_link *l, int n, char *buf, size_t size)
{
	size_t len = 0;
	char mac[18];
	int i;

	snprintf(buf, size, "none");
	for (i = 0; i < n && len < size; i++) {
		if (l[i].type == ARPHRD_LOOPBACK)
			continue;
		mac_str(l[i].mac, mac, sizeof(mac));
		len += (size_t)snprintf(buf + len, size - len, "%s%s %s%s",
					len ? ", " : "", l[i].name,
					l[i].has_mac ? mac : "(no MAC)",
					link_state(&l[i]));
	}
}

static int link_missing(struct up *u, const struct rtnl_link *l, int n,
			bool candidate)
{
	const struct net_conf *nc = u->nc;
	char seen[256], mac[18], what[48];

	links_seen(l, n, seen, sizeof(seen));
	if (candidate) {
		msg("no carrier on any ethernet interface after %u s (seen: %s)",
		    elapsed_s(u), seen);
		return -ETIMEDOUT;
	}
	mac_str(nc->mac, mac, sizeof(mac));
	if (nc->has_mac)
		snprintf(what, sizeof(what), "%s%swith MAC %s", nc->ifname,
			 nc->ifname[0] ? " " : "", mac);
	else
		snprintf(what, sizeof(what), "%s",
			 nc->ifname[0] ? nc->ifname : "of ethernet type");
	msg("no network interface %s after %u s (seen: %s)", what, elapsed_s(u),
	    seen);
	return -ENODEV;
}

/* Find the interface and wait for its carrier; set @out. */
static int link_find(struct up *u, struct rtnl_link *out)
{
	struct rtnl_link l[RTNL_LINKS_MAX];
	bool candidate = false;
	int n = 0, i, err;

	while (now_ms() < u->deadline) {
		n = rtnl_links(&u->r, l, RTNL_LINKS_MAX);
		if (n < 0) {
			msg("cannot list network interfaces: %s", strerror(-n));
			return n;
		}
		for (i = 0; i < n; i++) {
			if (!link_wanted(u->nc, &l[i]))
				continue;
			candidate = true;
			*out = l[i];
			if (carrier(&l[i]))
				return 0;
			err = link_raise(u, &l[i]);
			if (err)
				return err;
		}
		poll(NULL, 0, LINK_POLL_MS);
	}
	if (!candidate || !(u->nc->ifname[0] || u->nc->has_mac))
		return link_missing(u, l, n, candidate);
	msg("%s: no carrier after %u s", out->name, elapsed_s(u));
	return -ETIMEDOUT;
}

/* Set down again what we raised and did not choose. */
static void links_lower(struct up *u, int keep)
{
	int i;

	for (i = 0; i < u->n_raised; i++)
		if (u->raised[i] != keep)
			rtnl_link_set_up(&u->r, u->raised[i], false);
}

static unsigned int mask_prefix(struct in_addr mask, struct in_addr addr)
{
	uint32_t m = ntohl(mask.s_addr), a = ntohl(addr.s_addr);
	unsigned int p = 0;

	/* No mask or a broken one: the classful default (RFC 2131 3.3). */
	if (!m || (~m & (~m + 1)))
		return a < 0x80000000u ? 8 : a < 0xc0000000u ? 16 : 24;
	for (; m; m <<= 1)
		p++;
	return p;
}

static void v4(struct net_addr *a, struct in_addr in)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->a, &in, 4);
}

static int addr_dhcp(struct up *u, const struct rtnl_link *l,
		     struct net_state *st)
{
	uint64_t now = now_ms();
	struct dhcp_lease ls;
	char srv[INET_ADDRSTRLEN];
	unsigned int i;
	int err;

	err = dhcp_run(
		l->index, l->name, l->mac, u->nc->hostname,
		(unsigned int)(u->deadline > now ? u->deadline - now : 0), &ls);
	if (err)
		return err;
	v4(&st->addr, ls.addr);
	st->prefix = mask_prefix(ls.mask, ls.addr);
	if (ls.router.s_addr)
		v4(&st->gw, ls.router);
	for (i = 0; i < ls.n_dns && i < NET_DNS_MAX; i++)
		v4(&st->dns[i], ls.dns[i]);
	st->n_dns = i;
	inet_ntop(AF_INET, &ls.server, srv, sizeof(srv));
	if (ls.lease == 0xffffffffu)
		snprintf(st->how, sizeof(st->how), "DHCP from %s, no lease end",
			 srv);
	else
		snprintf(st->how, sizeof(st->how), "DHCP from %s, lease %u s",
			 srv, ls.lease);
	return 0;
}

/* Is @gw reachable without onlink: inside @st's subnet, or an IPv6
 * link-local address? */
static bool gw_in_subnet(const struct net_state *st)
{
	unsigned int bytes = st->prefix / 8, rest = st->prefix % 8;

	if (st->gw.family == AF_INET6 && st->gw.a[0] == 0xfe &&
	    (st->gw.a[1] & 0xc0) == 0x80)
		return true;
	if (memcmp(st->gw.a, st->addr.a, bytes))
		return false;
	return !rest || !((st->gw.a[bytes] ^ st->addr.a[bytes]) &
			  (unsigned char)(0xff00 >> rest));
}

static int addr_route(struct up *u, struct net_state *st)
{
	char a[INET6_ADDRSTRLEN];
	int err;

	err = rtnl_addr_add(&u->r, st->ifindex, &st->addr, st->prefix);
	if (err) {
		msg("%s: cannot add address %s/%u: %s", st->ifname,
		    net_addr_str(&st->addr, a, sizeof(a)), st->prefix,
		    strerror(-err));
		return err;
	}
	if (!st->gw.family)
		return 0;
	err = rtnl_route_default(&u->r, st->ifindex, &st->gw,
				 !gw_in_subnet(st));
	if (err)
		msg("%s: cannot add the default route via %s: %s", st->ifname,
		    net_addr_str(&st->gw, a, sizeof(a)), strerror(-err));
	return err;
}

/* The DNS servers for musl's resolver: written whole, then renamed. */
static int resolv_write(const struct up *u, const struct net_state *st)
{
	const char *path =
		u->nc->resolv_conf ? u->nc->resolv_conf : NET_RESOLV_CONF;
	char tmp[256], dir[256], text[256], a[INET6_ADDRSTRLEN], *slash;
	size_t len = 0;
	unsigned int i;
	int fd, err;

	if (strlen(path) + sizeof("-incomplete") > sizeof(tmp)) {
		msg("cannot write %s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s-incomplete", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755); /* an initrd may have no /etc */
	}
	for (i = 0; i < st->n_dns; i++)
		len += (size_t)snprintf(
			text + len, sizeof(text) - len, "nameserver %s\n",
			net_addr_str(&st->dns[i], a, sizeof(a)));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
	} else {
		err = write_all(fd, text, len);
		if (close(fd) && !err)
			err = -errno;
		if (!err && rename(tmp, path))
			err = -errno;
	}
	if (err)
		msg("cannot write %s: %s", path, strerror(-err));
	return err;
}

static void report(const struct net_state *st)
{
	char mac[18], a[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN + 8] = "";
	char dns[3 * (INET6_ADDRSTRLEN + 2) + 8] = "";
	size_t len = 0;
	unsigned int i;

	mac_str(st->mac, mac, sizeof(mac));
	if (st->gw.family)
		snprintf(gw, sizeof(gw), " via %s",
			 net_addr_str(&st->gw, a, sizeof(a)));
	for (i = 0; i < st->n_dns; i++)
		len += (size_t)snprintf(
			dns + len, sizeof(dns) - len, "%s%s",
			i ? ", " : ", DNS ",
			net_addr_str(&st->dns[i], a, sizeof(a)));
	msg("%s (%s): %s/%u%s%s (%s)", st->ifname, mac,
	    net_addr_str(&st->addr, a, sizeof(a)), st->prefix, gw, dns,
	    st->how);
}

static int bring_up(struct up *u, struct net_state *st)
{
	const struct net_conf *nc = u->nc;
	struct rtnl_link l;
	int err, lo = (int)if_nametoindex("lo");

	/* Without lo up, a resolver or RPC to 127.0.0.1 would fail. */
	if (lo && (err = rtnl_link_set_up(&u->r, lo, true)))
		msg("lo: cannot set the link up: %s", strerror(-err));
	err = link_find(u, &l);
	links_lower(u, err ? 0 : l.index);
	if (err)
		return err;
	snprintf(st->ifname, sizeof(st->ifname), "%s", l.name);
	st->ifindex = l.index;
	memcpy(st->mac, l.mac, 6);
	if (nc->method == NET_DHCP) {
		err = addr_dhcp(u, &l, st);
	} else {
		st->addr = nc->addr;
		st->prefix = nc->prefix;
		st->gw = nc->gw;
		snprintf(st->how, sizeof(st->how), "static");
	}
	if (!err && nc->n_dns) {
		memcpy(st->dns, nc->dns, sizeof(st->dns));
		st->n_dns = nc->n_dns;
	}
	if (!err)
		err = addr_route(u, st);
	if (!err && st->n_dns)
		err = resolv_write(u, st);
	return err;
}

int net_up(const struct net_conf *nc, struct net_state *st)
{
	struct up u = {.nc = nc};
	int err;

	memset(st, 0, sizeof(*st));
	u.start = now_ms();
	u.deadline = u.start + (uint64_t)nc->timeout * 1000;
	err = rtnl_open(&u.r);
	if (err) {
		msg("cannot open rtnetlink: %s", strerror(-err));
		return err;
	}
	err = bring_up(&u, st);
	rtnl_close(&u.r);
	if (!err)
		report(st);
	return err;
}
