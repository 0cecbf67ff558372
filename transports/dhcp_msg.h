/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 messages (RFC 2131, options RFC 2132) and their IPv4/UDP frame,
 * as a client without an address sends and receives them on a packet
 * socket. Pure: building and parsing only, every length checked, so that
 * any packet from the wire is either parsed or refused with a reason.
 */
#ifndef KDI_DHCP_MSG_H
#define KDI_DHCP_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* Fixed BOOTP part (236 bytes) and the magic cookie. */
#define DHCP_FIXED_LEN 236
#define DHCP_OPTIONS_OFF 240
/* Largest message we send or accept: a 1500-byte frame minus IP, UDP. */
#define DHCP_MSG_MAX 1472
#define DHCP_FRAME_MAX 1500
#define DHCP_DNS_MAX 3

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Who we are, for every message we build. */
struct dhcp_client {
	uint32_t xid;
	unsigned char mac[6];
	const char *hostname; /* NULL or "": no option 12 */
	uint16_t secs;	      /* seconds since the exchange began */
};

/* What a server's reply says; the has_* flags tell which options came. */
struct dhcp_reply {
	enum dhcp_type type;
	struct in_addr yiaddr;
	struct in_addr server_id; /* option 54 */
	struct in_addr mask;	  /* option 1 */
	struct in_addr router;	  /* option 3, the first router */
	struct in_addr dns[DHCP_DNS_MAX];
	unsigned int n_dns;	/* option 6, the first DHCP_DNS_MAX */
	uint32_t lease, t1, t2; /* options 51, 58, 59, seconds */
	bool has_server_id, has_mask, has_router, has_lease;
	char message[64]; /* option 56 (a NAK's reason), printable only */
};

/*
 * Build a DHCPDISCOVER into @buf.
 * @return its length (at least 300, the BOOTP minimum), or 0 when @size
 *         is too small.
 */
size_t dhcp_build_discover(unsigned char *buf, size_t size,
			   const struct dhcp_client *c);

/* Build a DHCPREQUEST for @addr offered by @server (SELECTING state).
 * @return its length, or 0 when @size is too small. */
size_t dhcp_build_request(unsigned char *buf, size_t size,
			  const struct dhcp_client *c, struct in_addr addr,
			  struct in_addr server);

/*
 * Parse a server's message: a BOOTREPLY for @xid and @mac with the magic
 * cookie and a message type, options well formed (RFC 3396 overload of
 * sname and file handled).
 * @return 0, or -EINVAL with the reason in @why ("xid 0x1234 is not
 *         ours", "option 51 has length 3, want 4", ...).
 */
int dhcp_parse(const unsigned char *buf, size_t len, uint32_t xid,
	       const unsigned char mac[6], struct dhcp_reply *r, char *why,
	       size_t whysize);

/*
 * Wrap @len bytes of DHCP message in IPv4 and UDP headers, from
 * 0.0.0.0:68 to 255.255.255.255:67, both checksums set.
 * @return the frame length, or 0 when @size is too small.
 */
size_t dhcp_frame(unsigned char *buf, size_t size, const unsigned char *msg,
		  size_t len);

/*
 * Find the DHCP message inside an IPv4 packet: UDP to port 68, header
 * checksum right, not a fragment. The UDP checksum is checked unless it
 * is 0 or @csum_unverified (the packet came from this host with the
 * checksum left to the NIC, PACKET_AUXDATA's TP_STATUS_CSUMNOTREADY).
 * @return 0 with @msg and @msglen set, or -EINVAL with the reason.
 */
int dhcp_unframe(const unsigned char *pkt, size_t len, bool csum_unverified,
		 const unsigned char **msg, size_t *msglen, char *why,
		 size_t whysize);

/* "DHCPOFFER", ... for messages. */
const char *dhcp_type_name(enum dhcp_type t);

#endif
