/* SPDX-License-Identifier: MIT */
/*
 * The network the NFS and SSH targets need: one interface, an IPv4 lease
 * from DHCP or a static IPv4 or IPv6 address, a default route and the DNS
 * servers in resolv.conf (musl's getaddrinfo reads it).
 *
 * net_conf_*() are pure (transports/net_conf.c, unit tested); net_up()
 * talks to the kernel (transports/net.c, rtnl.c, dhcp.c).
 */
#ifndef KDI_NET_H
#define KDI_NET_H

#include <stdbool.h>
#include <stddef.h>

#define NET_DNS_MAX 3
#define NET_RESOLV_CONF "/etc/resolv.conf"

/* AF_INET (4 bytes of a used) or AF_INET6; family 0 = unset. */
struct net_addr {
	int family;
	unsigned char a[16];
};

enum net_method { NET_DHCP, NET_STATIC };

struct net_conf {
	enum net_method method; /* default NET_DHCP */
	/* "" = the interface with mac, else the first ethernet-type
	 * (ARPHRD_ETHER) interface that gets carrier. When both a name and
	 * a MAC are given, the interface must have both. */
	char ifname[16];
	unsigned char mac[6];
	bool has_mac;
	struct net_addr addr; /* static */
	unsigned int prefix;
	struct net_addr gw; /* family 0: no gateway */
	struct net_addr dns[NET_DNS_MAX];
	unsigned int n_dns;
	unsigned int timeout; /* seconds for link + address; default 60 */
	char hostname[64];    /* ip= <client_hostname>: DHCP option 12 */
	/* Where net_up() writes the DNS servers; NET_RESOLV_CONF by
	 * default (the host-side test points it elsewhere). */
	const char *resolv_conf;
};

struct net_state {
	char ifname[16];
	int ifindex;
	unsigned char mac[6];
	struct net_addr addr;
	unsigned int prefix;
	struct net_addr gw;
	struct net_addr dns[NET_DNS_MAX];
	unsigned int n_dns;
	/* for the summary: "DHCP from 10.0.2.2, lease 86400 s" or "static" */
	char how[96];
};

void net_conf_defaults(struct net_conf *nc);

/*
 * Apply one config directive. Keys: "ip" (the dracut/kernel ip= syntax,
 * see the top of net_conf.c), "nameserver" (an IPv4 or IPv6 address;
 * repeatable up to NET_DNS_MAX), "net_interface" (an interface name like
 * eth0, or a MAC aa:bb:cc:dd:ee:ff), "net_timeout" (decimal seconds
 * 1..3600).
 * @return 0; -ENOENT when @key is not a network directive (the caller
 *         tries others); -EINVAL with a human reason in @why (e.g.
 *         "netmask 255.0.255.0 is not contiguous"). Never exits, never
 *         prints.
 */
int net_conf_set(struct net_conf *nc, const char *key, const char *value,
		 char *why, size_t whysize);

/*
 * Words "net=dhcp iface=eth0 ..." with no blanks in values, for a
 * one-line summary. @return the length needed, as snprintf.
 */
size_t net_conf_summary(const struct net_conf *nc, char *buf, size_t size);

/*
 * Bring the network up within nc->timeout seconds in all: lo up; find the
 * interface (by name, by MAC, or the first ethernet with carrier); link
 * up; wait for carrier; DHCPv4 or the static address (IPv6 with
 * IFA_F_NODAD); the default route via the gateway; resolv.conf with the
 * DNS servers. Prints one console line on success:
 * "kdumpinit: eth0 (52:54:00:12:34:56): 10.0.2.15/24 via 10.0.2.2
 *  (DHCP from 10.0.2.2, lease 86400 s)".
 * @return 0, or -errno with one console message naming the interface and
 *         what did not happen ("eth0: no carrier after 60 s", "eth0: no
 *         DHCP offer after 60 s (5 discovers sent)", ...); -ETIMEDOUT for
 *         timeouts, -ENODEV when no interface matches.
 */
int net_up(const struct net_conf *nc, struct net_state *st);

/* "10.0.2.15" or "fd00::15" into @buf (INET6_ADDRSTRLEN is enough);
 * "-" when unset. @return buf. */
const char *net_addr_str(const struct net_addr *a, char *buf, size_t size);

#endif
