/* SPDX-License-Identifier: MIT */
/*
 * The DHCPv4 exchange of net_up(): DISCOVER, the first OFFER, REQUEST,
 * ACK, over a packet socket since the interface has no address yet.
 */
#ifndef KDI_DHCP_H
#define KDI_DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dhcp_msg.h"

struct dhcp_lease {
	struct in_addr addr, mask, server;
	struct in_addr router; /* 0.0.0.0: none offered */
	struct in_addr dns[DHCP_DNS_MAX];
	unsigned int n_dns;
	uint32_t lease; /* seconds; 0xffffffff: infinite */
};

/*
 * Get a lease for interface @ifindex (@ifname, @mac; @hostname NULL or
 * sent as option 12) within @timeout_ms. Retransmits with RFC 2131's
 * randomised exponential backoff; a NAK starts over with a new DISCOVER.
 * @return 0, or -errno with one message naming @ifname (-ETIMEDOUT: no
 *         offer or no answer to the request; -ECONNREFUSED: NAKed three
 *         times).
 */
int dhcp_run(int ifindex, const char *ifname, const unsigned char mac[6],
	     const char *hostname, unsigned int timeout_ms,
	     struct dhcp_lease *out);

#endif
