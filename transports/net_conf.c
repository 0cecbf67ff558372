/* SPDX-License-Identifier: MIT */
/*
 * The network directives of the config: ip=, nameserver, net_interface,
 * net_timeout. Pure: nothing here touches the system, so the parser links
 * into the host unit tests.
 *
 * ip= takes the syntax of dracut.cmdline(7) and the kernel's nfsroot.txt:
 *
 *   ip=dhcp | ip=on | ip=any       DHCPv4 on the chosen interface
 *   ip=IFACE:dhcp                  DHCPv4 on IFACE (also IFACE:on, :any)
 *   ip=<client-IP>:[<peer>]:<gateway-IP>:<netmask>:<client_hostname>:
 *      <interface>:{none|off|dhcp|on|any}[:[<dns1>][:<dns2>]]
 *
 * The long form has the kernel's field order (client:server:gw:netmask:
 * hostname:device:autoconf:dns0:dns1); a field may be empty and trailing
 * fields may be left out. IPv6 addresses go in brackets, [fd00::15], since
 * ':' separates the fields. The netmask is a dotted mask (255.255.255.0)
 * or a prefix length (24, 64). A static address needs it: without one the
 * address would be a /32 or /128 and no gateway would be reachable. The
 * gateway must lie in that subnet (an IPv6 link-local gateway may not).
 * <peer> is checked and not used: the NFS or SSH target names its server.
 * Autoconf none or off with a client address is static, dhcp, on or any
 * without one is DHCPv4; when autoconf is left out, a client address
 * means static. <client_hostname> goes to the DHCP server (option 12).
 * DNS servers given here or by nameserver replace the DHCP server's.
 *
 * Refused, with the reason: dhcp6, auto6, link6, either6 and ibft (there
 * is no DHCPv6 or SLAAC here: use a static IPv6 address); bootp and rarp
 * (use dhcp); dracut's <mtu>:<macaddr> tail; a client address together
 * with dhcp; a gateway or netmask together with dhcp.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"
#include "util.h"

#define IP_FIELDS 9 /* client:peer:gw:mask:host:dev:autoconf:dns0:dns1 */

enum { F_CLIENT, F_PEER, F_GW, F_MASK, F_HOST, F_DEV, F_AUTO, F_DNS0 };

void net_conf_defaults(struct net_conf *nc)
{
	memset(nc, 0, sizeof(*nc));
	nc->method = NET_DHCP;
	nc->timeout = 60;
	nc->resolv_conf = NET_RESOLV_CONF;
}

const char *net_addr_str(const struct net_addr *a, char *buf, size_t size)
{
	if (!a->family || !inet_ntop(a->family, a->a, buf, (socklen_t)size))
		snprintf(buf, size, "-");
	return buf;
}

/* "10.0.2.15", "[fd00::15]", or with @bare_v6 also "fd00::15". */
static bool addr_parse(const char *s, bool bare_v6, struct net_addr *a)
{
	char v6[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(s);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (s[0] == '[' && len > 2 && len - 2 < sizeof(v6) &&
	    s[len - 1] == ']') {
		memcpy(v6, s + 1, len - 2);
		v6[len - 2] = 0;
		s = v6;
	} else if (!bare_v6) {
		return false;
	}
	if (inet_pton(AF_INET6, s, a->a) != 1)
		return false;
	a->family = AF_INET6;
	return true;
}

static unsigned int addr_bits(const struct net_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

/* Do @x and @y agree on their first @prefix bits? */
static bool same_prefix(const struct net_addr *x, const struct net_addr *y,
			unsigned int prefix)
{
	unsigned int bytes = prefix / 8, rest = prefix % 8;
	unsigned char m = (unsigned char)(0xff00 >> rest);

	if (memcmp(x->a, y->a, bytes))
		return false;
	return !rest || !((x->a[bytes] ^ y->a[bytes]) & m);
}

/* Up to 9 decimal digits and nothing else. */
static bool dec_parse(const char *s, unsigned int *out)
{
	size_t len = strlen(s);

	if (!len || len > 9 || strspn(s, "0123456789") != len)
		return false;
	*out = (unsigned int)strtoul(s, NULL, 10);
	return true;
}

static int mask_parse(const char *s, int family, unsigned int *prefix,
		      char *why, size_t n)
{
	unsigned int max = family == AF_INET ? 32 : 128, p;
	struct in_addr m;
	uint32_t host;

	if (dec_parse(s, &p)) {
		if (p < 1 || p > max)
			return why_set(why, n, -EINVAL,
				       "prefix length %s is not in 1..%u", s,
				       max);
		*prefix = p;
		return 0;
	}
	if (family == AF_INET6)
		return why_set(why, n, -EINVAL,
			       "netmask %s: IPv6 takes a prefix length", s);
	if (inet_pton(AF_INET, s, &m) != 1)
		return why_set(why, n, -EINVAL,
			       "netmask '%s' is not a mask or a prefix", s);
	host = ~ntohl(m.s_addr);
	/* The host part must be 2^k - 1: ones only at the low end. */
	if (host & (host + 1))
		return why_set(why, n, -EINVAL, "netmask %s is not contiguous",
			       s);
	if (host == 0xffffffffu)
		return why_set(why, n, -EINVAL, "netmask %s is empty", s);
	for (p = 32; host; host >>= 1)
		p--;
	*prefix = p;
	return 0;
}

static bool unicast(const struct net_addr *a)
{
	static const unsigned char zero[16], lo6[16] = {[15] = 1};

	if (a->family == AF_INET)
		return a->a[0] != 0 && a->a[0] != 127 && a->a[0] < 224;
	return memcmp(a->a, zero, 16) && memcmp(a->a, lo6, 16) &&
	       a->a[0] != 0xff;
}

static bool name_ok(const char *s, size_t max, const char *extra)
{
	size_t len = strlen(s);

	if (!len || len > max)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static int ifname_set(struct net_conf *t, const char *s, char *why, size_t n)
{
	if (!name_ok(s, sizeof(t->ifname) - 1, "-_.@+"))
		return why_set(
			why, n, -EINVAL,
			"interface name '%s' is not 1..15 of a-z 0-9 -_.@+", s);
	snprintf(t->ifname, sizeof(t->ifname), "%s", s);
	return 0;
}

/* "dhcp" and friends: 0 with @m set, -EINVAL (refused), -ENOENT. */
static int method_parse(const char *s, enum net_method *m, char *why, size_t n)
{
	static const char *const v6[] = {"dhcp6", "auto6", "link6", "either6",
					 "ibft"};
	size_t i;

	if (!strcmp(s, "dhcp") || !strcmp(s, "on") || !strcmp(s, "any")) {
		*m = NET_DHCP;
		return 0;
	}
	if (!strcmp(s, "none") || !strcmp(s, "off")) {
		*m = NET_STATIC;
		return 0;
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (!strcmp(s, v6[i]))
			return why_set(why, n, -EINVAL,
				       "ip=%s is not supported: "
				       "use a static IPv6 address",
				       s);
	if (!strcmp(s, "bootp") || !strcmp(s, "rarp") || !strcmp(s, "both"))
		return why_set(why, n, -EINVAL,
			       "ip=%s is not supported: use dhcp", s);
	return -ENOENT;
}

/* Split @buf at ':' outside brackets. @return the field count, or -1. */
static int split_fields(char *buf, char **f, int max)
{
	int count = 0;
	char *p = buf;

	for (;;) {
		if (count == max)
			return -1;
		f[count++] = p;
		if (*p == '[')
			p += strcspn(p, "]") + (strchr(p, ']') ? 1 : 0);
		p += strcspn(p, ":");
		if (!*p)
			return count;
		*p++ = 0;
	}
}

static int dns_add(struct net_conf *t, const char *s, bool bare_v6, char *why,
		   size_t n)
{
	struct net_addr a;

	if (!addr_parse(s, bare_v6, &a))
		return why_set(
			why, n, -EINVAL,
			"DNS server '%s' is not an IPv4 address or %s", s,
			bare_v6 ? "an IPv6 address"
				: "a bracketed IPv6 address ([fd00::53])");
	if (t->n_dns >= NET_DNS_MAX)
		return why_set(why, n, -EINVAL,
			       "DNS server %s: more than %d DNS servers", s,
			       NET_DNS_MAX);
	t->dns[t->n_dns++] = a;
	return 0;
}

static int addr_field(const char *what, const char *s, struct net_addr *a,
		      char *why, size_t n)
{
	if (addr_parse(s, false, a))
		return 0;
	if (strchr(s, '[') || strchr(s, ']'))
		return why_set(why, n, -EINVAL,
			       "%s '%s' is not an IPv6 address", what, s);
	return why_set(why, n, -EINVAL,
		       "%s '%s' is not an IPv4 or a [bracketed] IPv6 address",
		       what, s);
}

/* The gateway of a static address: same family, inside the subnet. */
static int gw_check(const struct net_conf *t, const char *s, char *why,
		    size_t n)
{
	char a[INET6_ADDRSTRLEN];
	bool link_local = t->gw.family == AF_INET6 && t->gw.a[0] == 0xfe &&
			  (t->gw.a[1] & 0xc0) == 0x80;

	net_addr_str(&t->addr, a, sizeof(a));
	if (t->gw.family != t->addr.family)
		return why_set(
			why, n, -EINVAL,
			"gateway %s and address %s are not of one family", s,
			a);
	if (!memcmp(t->gw.a, t->addr.a, 16))
		return why_set(why, n, -EINVAL,
			       "gateway %s is the address itself", s);
	if (!link_local && !same_prefix(&t->gw, &t->addr, t->prefix))
		return why_set(why, n, -EINVAL,
			       "gateway %s is not in %s/%u (unreachable)", s, a,
			       t->prefix);
	return 0;
}

static int static_addr(struct net_conf *t, char **f, int nf, char *why,
		       size_t n)
{
	const char *mask = nf > F_MASK ? f[F_MASK] : "";
	char a[INET6_ADDRSTRLEN];
	struct net_addr peer;
	int err;

	if (!f[F_CLIENT][0])
		return why_set(
			why, n, -EINVAL,
			"a static address needs <client-IP>, the first field");
	err = addr_field("client address", f[F_CLIENT], &t->addr, why, n);
	if (err)
		return err;
	net_addr_str(&t->addr, a, sizeof(a));
	if (!unicast(&t->addr))
		return why_set(why, n, -EINVAL,
			       "client address %s is not a unicast address", a);
	if (nf > F_PEER && f[F_PEER][0] &&
	    (err = addr_field("peer", f[F_PEER], &peer, why, n)))
		return err;
	if (!mask[0])
		return why_set(why, n, -EINVAL,
			       "client address %s has no netmask (4th field): "
			       "a /%u reaches no gateway",
			       a, addr_bits(&t->addr));
	err = mask_parse(mask, t->addr.family, &t->prefix, why, n);
	if (err)
		return err;
	if (nf > F_GW && f[F_GW][0]) {
		err = addr_field("gateway", f[F_GW], &t->gw, why, n);
		if (!err)
			err = gw_check(t, f[F_GW], why, n);
	}
	return err;
}

/* What the long form says, once the method is known. */
static int long_form(struct net_conf *t, char **f, int nf, char *why, size_t n)
{
	struct net_addr peer;
	int err, i;

	if (t->method == NET_STATIC) {
		err = static_addr(t, f, nf, why, n);
	} else if (f[F_CLIENT][0]) {
		err = why_set(
			why, n, -EINVAL,
			"client address %s with dhcp: for a static address, "
			"autoconf must be none",
			f[F_CLIENT]);
	} else if ((nf > F_GW && f[F_GW][0]) || (nf > F_MASK && f[F_MASK][0])) {
		err = why_set(
			why, n, -EINVAL,
			"a gateway or netmask with dhcp: the server gives them");
	} else if (nf > F_PEER && f[F_PEER][0]) {
		err = addr_field("peer", f[F_PEER], &peer, why, n);
	} else {
		err = 0;
	}
	if (!err && nf > F_HOST && f[F_HOST][0]) {
		if (!name_ok(f[F_HOST], sizeof(t->hostname) - 1, "-."))
			return why_set(
				why, n, -EINVAL,
				"hostname '%s' is not 1..63 of a-z 0-9 - .",
				f[F_HOST]);
		snprintf(t->hostname, sizeof(t->hostname), "%s", f[F_HOST]);
	}
	if (!err && nf > F_DEV && f[F_DEV][0])
		err = ifname_set(t, f[F_DEV], why, n);
	for (i = F_DNS0; !err && i < nf; i++)
		if (f[i][0])
			err = dns_add(t, f[i], false, why, n);
	return err;
}

static int ip_set(struct net_conf *t, const char *value, char *why, size_t n)
{
	char buf[256], *f[IP_FIELDS];
	const char *autoconf;
	unsigned int mtu;
	int nf, err;

	if (!value[0])
		return why_set(
			why, n, -EINVAL,
			"ip= is empty (dhcp, IFACE:dhcp or the long form)");
	if (strlen(value) >= sizeof(buf))
		return why_set(why, n, -EINVAL,
			       "ip= value is longer than %zu characters",
			       sizeof(buf) - 1);
	strcpy(buf, value);
	nf = split_fields(buf, f, IP_FIELDS);
	if (nf < 0)
		return why_set(why, n, -EINVAL,
			       "ip=%s has more than %d ':'-separated fields",
			       value, IP_FIELDS);
	memset(&t->addr, 0, sizeof(t->addr));
	memset(&t->gw, 0, sizeof(t->gw));
	t->prefix = 0;
	if (nf == 1 || nf == 2) {
		err = method_parse(f[nf - 1], &t->method, why, n);
		if (err != -ENOENT && (err || t->method == NET_STATIC))
			return err ? err
				   : why_set(why, n, -EINVAL,
					     "ip=%s: a static address needs the long form "
					     "<client-IP>::<gw>:<netmask>::<iface>:none",
					     value);
		if (!err)
			return nf == 2 ? ifname_set(t, f[0], why, n) : 0;
	}
	if (nf > F_DNS0 && dec_parse(f[F_DNS0], &mtu))
		return why_set(why, n, -EINVAL,
			       "ip=%s: the <mtu>:<macaddr> fields are not "
			       "supported",
			       value);
	autoconf = nf > F_AUTO ? f[F_AUTO] : "";
	if (!autoconf[0])
		t->method = f[F_CLIENT][0] ? NET_STATIC : NET_DHCP;
	else if ((err = method_parse(autoconf, &t->method, why, n)))
		return err != -ENOENT
			       ? err
			       : why_set(why, n, -EINVAL,
					 "autoconf '%s' is not none, off, dhcp, on or any",
					 autoconf);
	return long_form(t, f, nf, why, n);
}

/* Exactly "aa:bb:cc:dd:ee:ff". */
static int mac_parse(const char *s, unsigned char mac[6])
{
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)strtoul(s + 3 * i, NULL, 16);
	return 0;
}

static int iface_set(struct net_conf *t, const char *s, char *why, size_t n)
{
	if (!strchr(s, ':'))
		return ifname_set(t, s, why, n);
	if (mac_parse(s, t->mac))
		return why_set(why, n, -EINVAL,
			       "MAC '%s' is not aa:bb:cc:dd:ee:ff", s);
	if (t->mac[0] & 1)
		return why_set(why, n, -EINVAL, "MAC %s is a multicast address",
			       s);
	t->has_mac = true;
	return 0;
}

static int timeout_set(struct net_conf *t, const char *s, char *why, size_t n)
{
	unsigned int v;

	if (!s[0] || strspn(s, "0123456789") != strlen(s))
		return why_set(why, n, -EINVAL,
			       "net_timeout '%s' is not a number of seconds",
			       s);
	if (!dec_parse(s, &v) || v < 1 || v > 3600)
		return why_set(why, n, -EINVAL,
			       "net_timeout %s is not in 1..3600 seconds", s);
	t->timeout = v;
	return 0;
}

int net_conf_set(struct net_conf *nc, const char *key, const char *value,
		 char *why, size_t whysize)
{
	struct net_conf t = *nc;
	int err;

	if (!strcmp(key, "ip"))
		err = ip_set(&t, value, why, whysize);
	else if (!strcmp(key, "nameserver"))
		err = dns_add(&t, value, true, why, whysize);
	else if (!strcmp(key, "net_interface"))
		err = iface_set(&t, value, why, whysize);
	else if (!strcmp(key, "net_timeout"))
		err = timeout_set(&t, value, why, whysize);
	else
		return -ENOENT;
	/* A refused directive leaves the configuration as it was. */
	if (!err)
		*nc = t;
	return err;
}

size_t net_conf_summary(const struct net_conf *nc, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t len = 0;
	unsigned int i;

	if (size)
		buf[0] = 0;
	buf_addf(buf, size, &len, "net=%s",
		 nc->method == NET_DHCP ? "dhcp" : "static");
	buf_addf(buf, size, &len, " net_iface=%s",
		 nc->ifname[0] ? nc->ifname : "auto");
	if (nc->has_mac)
		buf_addf(buf, size, &len,
			 " net_mac=%02x:%02x:%02x:%02x:%02x:%02x", nc->mac[0],
			 nc->mac[1], nc->mac[2], nc->mac[3], nc->mac[4],
			 nc->mac[5]);
	if (nc->method == NET_STATIC)
		buf_addf(buf, size, &len, " net_addr=%s/%u",
			 net_addr_str(&nc->addr, a, sizeof(a)), nc->prefix);
	if (nc->gw.family)
		buf_addf(buf, size, &len, " net_gw=%s",
			 net_addr_str(&nc->gw, a, sizeof(a)));
	for (i = 0; i < nc->n_dns && i < NET_DNS_MAX; i++)
		buf_addf(buf, size, &len, "%s%s", i ? "," : " net_dns=",
			 net_addr_str(&nc->dns[i], a, sizeof(a)));
	if (nc->hostname[0])
		buf_addf(buf, size, &len, " net_hostname=%s", nc->hostname);
	buf_addf(buf, size, &len, " net_timeout=%u", nc->timeout);
	return len;
}
