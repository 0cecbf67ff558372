/* SPDX-License-Identifier: MIT */
/*
 * The network directives: every ip= form we take, what each sets (seen
 * through the one-line summary), and for every form we refuse, a reason
 * that names what is wrong. A refused directive changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "net.h"
#include "util.h"

static char why[256];

/* Apply @key=@value to fresh defaults; the summary of the result. */
static const char *conf_one(const char *key, const char *value, int *rc)
{
	static char sum[512];
	struct net_conf nc;

	net_conf_defaults(&nc);
	why[0] = 0;
	*rc = net_conf_set(&nc, key, value, why, sizeof(why));
	net_conf_summary(&nc, sum, sizeof(sum));
	return sum;
}

static void test_defaults(void)
{
	struct net_conf nc;
	char sum[128];

	net_conf_defaults(&nc);
	CHECK(nc.method == NET_DHCP);
	CHECK_EQ_U(nc.timeout, 60);
	CHECK_STR(nc.resolv_conf, "/etc/resolv.conf");
	CHECK_EQ_U(net_conf_summary(&nc, sum, sizeof(sum)), strlen(sum));
	CHECK_STR(sum, "net=dhcp net_iface=auto net_timeout=60");
}

static void test_ip_good(void)
{
	static const struct {
		const char *value, *summary;
	} t[] = {
		{"dhcp", "net=dhcp net_iface=auto net_timeout=60"},
		{"on", "net=dhcp net_iface=auto net_timeout=60"},
		{"any", "net=dhcp net_iface=auto net_timeout=60"},
		{"eth1:dhcp", "net=dhcp net_iface=eth1 net_timeout=60"},
		{"enp0s3:on", "net=dhcp net_iface=enp0s3 net_timeout=60"},
		{"10.0.2.15::10.0.2.2:255.255.255.0::eth0:none",
		 "net=static net_iface=eth0 net_addr=10.0.2.15/24 net_gw=10.0.2.2 "
		 "net_timeout=60"},
		{"10.0.2.15:10.0.2.4:10.0.2.2:24:crashhost:eth0:off:10.0.2.3",
		 "net=static net_iface=eth0 net_addr=10.0.2.15/24 net_gw=10.0.2.2 "
		 "net_dns=10.0.2.3 net_hostname=crashhost net_timeout=60"},
		{"192.168.1.9::192.168.1.1:255.255.254.0",
		 "net=static "
		 "net_iface=auto net_addr=192.168.1.9/23 net_gw=192.168.1.1 net_timeout=60"},
		{"10.1.2.3:::8",
		 "net=static net_iface=auto net_addr=10.1.2.3/8 "
		 "net_timeout=60"},
		{"[fd00::15]::[fd00::1]:64::eth0:none:[fd00::53]:10.0.0.53",
		 "net=static net_iface=eth0 net_addr=fd00::15/64 net_gw=fd00::1 "
		 "net_dns=fd00::53,10.0.0.53 net_timeout=60"},
		{"[2001:db8::5]::[fe80::1]:64::eth0:none",
		 "net=static "
		 "net_iface=eth0 net_addr=2001:db8::5/64 net_gw=fe80::1 net_timeout=60"},
		{"::::kdump-host:eth2:dhcp",
		 "net=dhcp net_iface=eth2 "
		 "net_hostname=kdump-host net_timeout=60"},
		{":10.0.2.4:::::dhcp:1.1.1.1:8.8.8.8",
		 "net=dhcp net_iface=auto "
		 "net_dns=1.1.1.1,8.8.8.8 net_timeout=60"},
	};
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		const char *sum = conf_one("ip", t[i].value, &rc);

		CHECK_EQ_U(rc, 0);
		CHECK_STR(sum, t[i].summary);
		if (rc)
			fprintf(stderr, "  ip=%s: %s\n", t[i].value, why);
	}
}

/* Each bad value, and a word its reason must contain. */
static void test_ip_bad(void)
{
	static const struct {
		const char *value, *reason;
	} t[] = {
		{"", "ip= is empty"},
		{"dhcp6", "dhcp6 is not supported: use a static IPv6 address"},
		{"auto6", "auto6 is not supported: use a static IPv6"},
		{"eth0:ibft", "ibft is not supported: use a static IPv6"},
		{"eth0:link6", "link6 is not supported"},
		{"bootp", "bootp is not supported: use dhcp"},
		{"off", "a static address needs the long form"},
		{"eth0:none", "a static address needs the long form"},
		{"10.0.2.15", "client address 10.0.2.15 has no netmask"},
		{"10.0.2.15::10.0.2.2:::eth0:none", "has no netmask"},
		{"[fd00::15]::::eth0:none", "a /128 reaches no gateway"},
		{"10.0.2.15::10.0.2.2:255.0.255.0::eth0:none",
		 "netmask 255.0.255.0 is not contiguous"},
		{"10.0.2.15::10.0.2.2:0.0.0.0", "netmask 0.0.0.0 is empty"},
		{"10.0.2.15::10.0.2.2:33", "prefix length 33 is not in 1..32"},
		{"10.0.2.15:::0", "prefix length 0 is not in 1..32"},
		{"[fd00::15]:::129", "prefix length 129 is not in 1..128"},
		{"[fd00::15]:::255.255.255.0", "IPv6 takes a prefix length"},
		{"10.0.2.15:::/24", "netmask '/24' is not a mask or a prefix"},
		{"10.0.2.15::10.0.3.1:24", "gateway 10.0.3.1 is not in "
					   "10.0.2.15/24"},
		{"10.0.2.15::10.0.2.2:32", "gateway 10.0.2.2 is not in "
					   "10.0.2.15/32"},
		{"10.0.2.15::10.0.2.15:24", "gateway 10.0.2.15 is the address"},
		{"10.0.2.15::[fd00::1]:24", "not of one family"},
		{"10.0.2.999:::24",
		 "client address '10.0.2.999' is not an IPv4"},
		{"fd00::15:::64", "is not an IPv4 or a [bracketed] IPv6"},
		{"[fd00::zz]:::64",
		 "client address '[fd00::zz]' is not an IPv6"},
		{"[fd00::15:::64", "client address '[fd00::15:::64' is not"},
		{"224.0.0.5:::24", "224.0.0.5 is not a unicast address"},
		{"0.0.0.0:::8", "0.0.0.0 is not a unicast address"},
		{"[ff02::1]:::64", "ff02::1 is not a unicast address"},
		{"10.0.2.15:nfs-server::24", "peer 'nfs-server' is not"},
		{"10.0.2.15:::24:host_name", "hostname 'host_name' is not"},
		{"10.0.2.15:::24:h:way-too-long-name0", "interface name "
							"'way-too-long-name0'"},
		{"10.0.2.15:::24:h:eth/0", "interface name 'eth/0'"},
		{"10.0.2.15::::h:eth0:static", "autoconf 'static' is not"},
		{"10.0.2.15::::h:eth0:none:1500:52:54:00:12:34:56",
		 "more than 9 ':'-separated fields"},
		{"10.0.2.15:::24::eth0:none:1500", "<mtu>:<macaddr> fields"},
		{"10.0.2.15:::24::eth0:none:dns.example",
		 "DNS server 'dns.example' is not"},
		{"10.0.2.15:::24::eth0:none:fd00::53", "more than 9"},
		{"10.0.2.15::::::dhcp", "client address 10.0.2.15 with dhcp"},
		{"::10.0.2.2:24:::dhcp", "a gateway or netmask with dhcp"},
		{"eth0:dhcp:extra", "client address 'eth0' is not"},
		{"a:b:c:d:e:f:g:h:i:j", "more than 9"},
	};
	struct net_conf nc, before;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		conf_one("ip", t[i].value, &rc);
		CHECK_EQ_U(rc, (unsigned long long)-EINVAL);
		if (!strstr(why, t[i].reason)) {
			fprintf(stderr, "  ip=%s: \"%s\" lacks \"%s\"\n",
				t[i].value, why, t[i].reason);
			check_failed_now = 1;
		}
	}
	/* A refused directive leaves what was there. */
	net_conf_defaults(&nc);
	CHECK_EQ_U(net_conf_set(&nc, "ip", "eth0:dhcp", why, sizeof(why)), 0);
	before = nc;
	CHECK(net_conf_set(&nc, "ip",
			   "10.0.2.15::10.0.2.2:255.0.255.0::eth1:none", why,
			   sizeof(why)) == -EINVAL);
	CHECK(!memcmp(&nc, &before, sizeof(nc)));
}

static void test_long_value(void)
{
	char v[400];
	int rc;

	memset(v, '1', sizeof(v) - 1);
	v[sizeof(v) - 1] = 0;
	conf_one("ip", v, &rc);
	CHECK(rc == -EINVAL);
	CHECK(strstr(why, "longer than") != NULL);
	/* A reason cut short by a small buffer stays a string. */
	{
		struct net_conf nc;
		char small[8];

		net_conf_defaults(&nc);
		CHECK(net_conf_set(&nc, "ip", "dhcp6", small, sizeof(small)) ==
		      -EINVAL);
		CHECK_EQ_U(strlen(small), 7);
		CHECK(net_conf_set(&nc, "ip", "dhcp6", NULL, 0) == -EINVAL);
	}
}

static void test_nameserver(void)
{
	struct net_conf nc;
	char sum[256];

	net_conf_defaults(&nc);
	CHECK_EQ_U(
		net_conf_set(&nc, "nameserver", "10.0.2.3", why, sizeof(why)),
		0);
	CHECK_EQ_U(
		net_conf_set(&nc, "nameserver", "fd00::53", why, sizeof(why)),
		0);
	CHECK_EQ_U(
		net_conf_set(&nc, "nameserver", "[fd00::54]", why, sizeof(why)),
		0);
	net_conf_summary(&nc, sum, sizeof(sum));
	CHECK_STR(sum,
		  "net=dhcp net_iface=auto net_dns=10.0.2.3,fd00::53,fd00::54 "
		  "net_timeout=60");
	CHECK(net_conf_set(&nc, "nameserver", "1.1.1.1", why, sizeof(why)) ==
	      -EINVAL);
	CHECK(strstr(why, "more than 3 DNS servers") != NULL);
	CHECK_EQ_U(nc.n_dns, 3);
	net_conf_defaults(&nc);
	CHECK(net_conf_set(&nc, "nameserver", "dns.google", why, sizeof(why)) ==
	      -EINVAL);
	CHECK(strstr(why, "DNS server 'dns.google' is not") != NULL);
	CHECK(net_conf_set(&nc, "nameserver", "", why, sizeof(why)) == -EINVAL);
	CHECK_EQ_U(nc.n_dns, 0);
}

static void test_interface(void)
{
	static const char *const bad[][2] = {
		{"52:54:00:12:34", "MAC '52:54:00:12:34' is not"},
		{"52:54:00:12:34:5g", "MAC '52:54:00:12:34:5g' is not"},
		{"52-54-00-12-34-56", "interface name '52-54-00-12-34-56'"},
		{"52:54:00:12:34:56:", "MAC '52:54:00:12:34:56:' is not"},
		{"+2:54:00:12:34:56", "MAC '+2:54:00:12:34:56' is not"},
		{"01:00:5e:00:00:01", "MAC 01:00:5e:00:00:01 is a multicast"},
		{"", "interface name '' is not"},
		{"eth 0", "interface name 'eth 0'"},
		{"abcdefghijklmnop", "interface name 'abcdefghijklmnop'"},
	};
	struct net_conf nc;
	char sum[256];
	size_t i;

	net_conf_defaults(&nc);
	CHECK_EQ_U(net_conf_set(&nc, "net_interface", "52:54:00:AB:cd:0F", why,
				sizeof(why)),
		   0);
	CHECK(nc.has_mac && nc.mac[3] == 0xab && nc.mac[5] == 0x0f);
	CHECK_EQ_U(
		net_conf_set(&nc, "net_interface", "enp0s3", why, sizeof(why)),
		0);
	net_conf_summary(&nc, sum, sizeof(sum));
	CHECK_STR(sum, "net=dhcp net_iface=enp0s3 net_mac=52:54:00:ab:cd:0f "
		       "net_timeout=60");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(net_conf_set(&nc, "net_interface", bad[i][0], why,
				   sizeof(why)) == -EINVAL);
		if (!strstr(why, bad[i][1])) {
			fprintf(stderr, "  %s: \"%s\"\n", bad[i][0], why);
			check_failed_now = 1;
		}
	}
	CHECK_STR(nc.ifname, "enp0s3");
}

static void test_timeout(void)
{
	static const char *const bad[] = {
		"0",   "3601", "-5",
		"",    "0x10", "10s",
		" 10", "1e3",  "99999999999999999999"};
	struct net_conf nc;
	size_t i;

	net_conf_defaults(&nc);
	CHECK_EQ_U(net_conf_set(&nc, "net_timeout", "1", why, sizeof(why)), 0);
	CHECK_EQ_U(nc.timeout, 1);
	CHECK_EQ_U(net_conf_set(&nc, "net_timeout", "3600", why, sizeof(why)),
		   0);
	CHECK_EQ_U(nc.timeout, 3600);
	CHECK_EQ_U(net_conf_set(&nc, "net_timeout", "0090", why, sizeof(why)),
		   0);
	CHECK_EQ_U(nc.timeout, 90);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(net_conf_set(&nc, "net_timeout", bad[i], why,
				   sizeof(why)) == -EINVAL);
		CHECK(strstr(why, "net_timeout") != NULL);
	}
	CHECK(strstr(why, "not in 1..3600") != NULL);
	CHECK_EQ_U(nc.timeout, 90);
}

static void test_other_keys(void)
{
	struct net_conf nc;

	net_conf_defaults(&nc);
	strcpy(why, "untouched");
	CHECK(net_conf_set(&nc, "path", "/var/crash", why, sizeof(why)) ==
	      -ENOENT);
	CHECK(net_conf_set(&nc, "IP", "dhcp", why, sizeof(why)) == -ENOENT);
	CHECK_STR(why, "untouched");
}

static void test_summary_truncated(void)
{
	struct net_conf nc;
	char full[512], part[20];
	size_t need;

	net_conf_defaults(&nc);
	net_conf_set(&nc, "ip", "[fd00::15]::[fd00::1]:64::eth0:none", why,
		     sizeof(why));
	need = net_conf_summary(&nc, full, sizeof(full));
	CHECK_EQ_U(need, strlen(full));
	CHECK_EQ_U(net_conf_summary(&nc, part, sizeof(part)), need);
	CHECK_EQ_U(strlen(part), sizeof(part) - 1);
	CHECK(!strncmp(part, full, sizeof(part) - 1));
	CHECK_EQ_U(net_conf_summary(&nc, NULL, 0), need);
	CHECK(!strchr(full, '\t') && !strstr(full, "  "));
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_ip_good);
	RUN(test_ip_bad);
	RUN(test_long_value);
	RUN(test_nameserver);
	RUN(test_interface);
	RUN(test_timeout);
	RUN(test_other_keys);
	RUN(test_summary_truncated);
	CHECK_EXIT();
}
