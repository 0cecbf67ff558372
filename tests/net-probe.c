/* SPDX-License-Identifier: MIT */
/*
 * net_up() on the host, for tests/net-dhcp.test: run inside a network
 * namespace with a veth end, it applies the directives given as
 * KEY=VALUE arguments, brings the network up and prints what it got:
 *
 *   net-probe --resolv FILE ip=dhcp net_interface=52:54:00:12:34:56
 *   rc=0
 *   ifname=veth0 addr=10.77.0.120/24 gw=10.77.0.254 dns=10.77.0.53 ...
 *
 * Exit status: 0 up, 1 net_up() failed, 100 a refused directive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static void state_print(const struct net_state *st)
{
	char a[64];
	unsigned int i;

	printf("ifname=%s addr=%s/%u", st->ifname,
	       net_addr_str(&st->addr, a, sizeof(a)), st->prefix);
	printf(" gw=%s dns=", net_addr_str(&st->gw, a, sizeof(a)));
	for (i = 0; i < st->n_dns; i++)
		printf("%s%s", i ? "," : "",
		       net_addr_str(&st->dns[i], a, sizeof(a)));
	printf(" how=%s\n", st->how);
}

int main(int argc, char **argv)
{
	struct net_conf nc;
	struct net_state st;
	char why[256], key[64], line[512];
	int i, rc;

	net_conf_defaults(&nc);
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "--resolv") && i + 1 < argc) {
			nc.resolv_conf = argv[++i];
			continue;
		}
		if (!eq || (size_t)(eq - argv[i]) >= sizeof(key)) {
			fprintf(stderr, "net-probe: %s: not KEY=VALUE\n",
				argv[i]);
			return 100;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]),
			 argv[i]);
		rc = net_conf_set(&nc, key, eq + 1, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "net-probe: %s: %s\n", argv[i],
				rc == -ENOENT ? "unknown key" : why);
			return 100;
		}
	}
	net_conf_summary(&nc, line, sizeof(line));
	printf("conf %s\n", line);
	fflush(stdout);
	rc = net_up(&nc, &st);
	printf("rc=%d\n", rc);
	if (!rc)
		state_print(&st);
	return rc ? 1 : 0;
}
