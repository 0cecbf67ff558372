/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 messages and their IPv4/UDP frame: building and parsing only.
 * Everything read from the wire is bounds-checked before it is used; a
 * refused packet comes back with a reason, for the debug line and tests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcp_msg.h"
#include "util.h"

/* Offsets in the fixed part (RFC 2131 figure 1). */
#define OFF_OP 0
#define OFF_HTYPE 1
#define OFF_HLEN 2
#define OFF_XID 4
#define OFF_SECS 8
#define OFF_FLAGS 10
#define OFF_YIADDR 16
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define BOOTP_MIN_LEN 300 /* RFC 1542: some relays drop shorter */

enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_REQ_ADDR = 50,
	OPT_LEASE = 51,
	OPT_OVERLOAD = 52,
	OPT_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_MESSAGE = 56,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

static const unsigned char cookie[4] = {99, 130, 83, 99};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

const char *dhcp_type_name(enum dhcp_type t)
{
	static const char *const names[] = {
		"DHCP(0)",     "DHCPDISCOVER", "DHCPOFFER",
		"DHCPREQUEST", "DHCPDECLINE",  "DHCPACK",
		"DHCPNAK",     "DHCPRELEASE",  "DHCPINFORM"};

	return (unsigned int)t < 9 ? names[t] : "DHCP(?)";
}

/* Append option @code; false when it does not fit before the end byte. */
static bool opt_put(unsigned char *buf, size_t size, size_t *pos,
		    unsigned char code, const void *data, size_t len)
{
	if (len > 255 || *pos + 2 + len + 1 > size)
		return false;
	buf[(*pos)++] = code;
	buf[(*pos)++] = (unsigned char)len;
	memcpy(buf + *pos, data, len);
	*pos += len;
	return true;
}

/* The fixed part and the options every message of ours carries. */
static size_t build_head(unsigned char *buf, size_t size,
			 const struct dhcp_client *c, enum dhcp_type type)
{
	/* What a server needs to answer: mask, router, DNS, lease. */
	static const unsigned char params[] = {OPT_MASK,  OPT_ROUTER, OPT_DNS,
					       OPT_LEASE, OPT_T1,     OPT_T2};
	unsigned char t = (unsigned char)type, id[7] = {1}, max[2];
	size_t pos = DHCP_OPTIONS_OFF;
	size_t hlen = c->hostname ? strlen(c->hostname) : 0;

	if (size < BOOTP_MIN_LEN)
		return 0;
	memset(buf, 0, BOOTP_MIN_LEN);
	buf[OFF_OP] = 1; /* BOOTREQUEST */
	buf[OFF_HTYPE] = 1;
	buf[OFF_HLEN] = 6;
	put16(buf + OFF_XID, (uint16_t)(c->xid >> 16));
	put16(buf + OFF_XID + 2, (uint16_t)c->xid);
	put16(buf + OFF_SECS, c->secs);
	/* Broadcast replies: we have no address to take a unicast one. */
	put16(buf + OFF_FLAGS, 0x8000);
	memcpy(buf + OFF_CHADDR, c->mac, 6);
	memcpy(buf + OFF_COOKIE, cookie, 4);
	memcpy(id + 1, c->mac, 6);
	put16(max, DHCP_MSG_MAX);
	if (!opt_put(buf, size, &pos, OPT_TYPE, &t, 1) ||
	    !opt_put(buf, size, &pos, OPT_CLIENT_ID, id, sizeof(id)) ||
	    !opt_put(buf, size, &pos, OPT_MAX_SIZE, max, 2) ||
	    !opt_put(buf, size, &pos, OPT_PARAMS, params, sizeof(params)) ||
	    (hlen && !opt_put(buf, size, &pos, OPT_HOSTNAME, c->hostname,
			      hlen > 255 ? 255 : hlen)))
		return 0;
	return pos;
}

/* The end option, then pad up to the BOOTP minimum. */
static size_t build_end(unsigned char *buf, size_t size, size_t pos)
{
	if (!pos || pos + 1 > size)
		return 0;
	buf[pos++] = OPT_END;
	if (pos < BOOTP_MIN_LEN) {
		memset(buf + pos, 0, BOOTP_MIN_LEN - pos);
		pos = BOOTP_MIN_LEN;
	}
	return pos;
}

size_t dhcp_build_discover(unsigned char *buf, size_t size,
			   const struct dhcp_client *c)
{
	return build_end(buf, size, build_head(buf, size, c, DHCP_DISCOVER));
}

size_t dhcp_build_request(unsigned char *buf, size_t size,
			  const struct dhcp_client *c, struct in_addr addr,
			  struct in_addr server)
{
	size_t pos = build_head(buf, size, c, DHCP_REQUEST);

	if (!pos || !opt_put(buf, size, &pos, OPT_REQ_ADDR, &addr, 4) ||
	    !opt_put(buf, size, &pos, OPT_SERVER_ID, &server, 4))
		return 0;
	return build_end(buf, size, pos);
}

/* Parsing state across the option areas (options, file, sname). */
struct walk {
	struct dhcp_reply *r;
	unsigned char seen[32]; /* options met so far, one bit each */
	int overload;		/* option 52: 1 file, 2 sname, 3 both */
	char *why;
	size_t whysize;
};

/* Options that hold one value: a second copy is refused, not merged. */
static bool single_valued(unsigned int code)
{
	return code == OPT_MASK || code == OPT_LEASE || code == OPT_OVERLOAD ||
	       code == OPT_TYPE || code == OPT_SERVER_ID || code == OPT_T1 ||
	       code == OPT_T2;
}

/* The length rule of the options we read: exact, or a multiple of 4. */
static int opt_len_check(struct walk *w, unsigned int code, unsigned int len)
{
	unsigned int want = 0;

	if (code == OPT_TYPE || code == OPT_OVERLOAD)
		want = 1;
	else if (code == OPT_MASK || code == OPT_LEASE ||
		 code == OPT_SERVER_ID || code == OPT_T1 || code == OPT_T2)
		want = 4;
	if (want && len != want)
		return why_set(w->why, w->whysize, -EINVAL,
			       "option %u has length %u, want %u", code, len,
			       want);
	if ((code == OPT_ROUTER || code == OPT_DNS) && (!len || len % 4))
		return why_set(w->why, w->whysize, -EINVAL,
			       "option %u has length %u, want a multiple of 4",
			       code, len);
	if (code == OPT_MESSAGE && !len)
		return why_set(w->why, w->whysize, -EINVAL,
			       "option 56 has length 0");
	return 0;
}

static void copy_message(char *dst, size_t size, const unsigned char *p,
			 unsigned int len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	dst[i] = 0;
}

/* One option of @len bytes at @p (already inside the area). */
static int opt_take(struct walk *w, unsigned int code, const unsigned char *p,
		    unsigned int len)
{
	struct dhcp_reply *r = w->r;
	unsigned int i;
	int err = opt_len_check(w, code, len);

	if (err)
		return err;
	if (single_valued(code) && (w->seen[code / 8] & (1u << code % 8)))
		return why_set(w->why, w->whysize, -EINVAL,
			       "option %u appears twice", code);
	w->seen[code / 8] |= (unsigned char)(1u << code % 8);
	switch (code) {
	case OPT_TYPE:
		if (p[0] < DHCP_DISCOVER || p[0] > DHCP_INFORM)
			return why_set(w->why, w->whysize, -EINVAL,
				       "message type %u is unknown", p[0]);
		r->type = (enum dhcp_type)p[0];
		break;
	case OPT_OVERLOAD:
		/* Only in the options field: a second one is a repeat. */
		if (p[0] < 1 || p[0] > 3)
			return why_set(w->why, w->whysize, -EINVAL,
				       "option 52 (overload) is %u, want 1..3",
				       p[0]);
		w->overload = p[0];
		break;
	case OPT_MASK:
		memcpy(&r->mask, p, 4);
		r->has_mask = true;
		break;
	case OPT_SERVER_ID:
		memcpy(&r->server_id, p, 4);
		r->has_server_id = true;
		break;
	case OPT_ROUTER:
		/* A repeated option 3 continues the list (RFC 3396). */
		if (!r->has_router)
			memcpy(&r->router, p, 4);
		r->has_router = true;
		break;
	case OPT_DNS:
		for (i = 0; i < len && r->n_dns < DHCP_DNS_MAX; i += 4)
			memcpy(&r->dns[r->n_dns++], p + i, 4);
		break;
	case OPT_LEASE:
		r->lease = get32(p);
		r->has_lease = true;
		break;
	case OPT_T1:
		r->t1 = get32(p);
		break;
	case OPT_T2:
		r->t2 = get32(p);
		break;
	case OPT_MESSAGE:
		copy_message(r->message, sizeof(r->message), p, len);
		break;
	}
	return 0;
}

/* Walk one option area up to its end option. */
static int opt_area(struct walk *w, const unsigned char *p, size_t len,
		    const char *area)
{
	size_t i = 0;
	unsigned int code, olen;
	int err;

	while (i < len) {
		code = p[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return 0;
		if (i + 1 >= len)
			return why_set(
				w->why, w->whysize, -EINVAL,
				"%s: option %u at byte %zu has no length", area,
				code, i);
		olen = p[i + 1];
		if (olen > len - i - 2)
			return why_set(
				w->why, w->whysize, -EINVAL,
				"%s: option %u of length %u runs past the "
				"end (%zu bytes left)",
				area, code, olen, len - i - 2);
		err = opt_take(w, code, p + i + 2, olen);
		if (err)
			return err;
		i += 2 + olen;
	}
	return why_set(w->why, w->whysize, -EINVAL, "%s: no end option (255)",
		       area);
}

static int header_check(const unsigned char *buf, size_t len, uint32_t xid,
			const unsigned char mac[6], char *why, size_t n)
{
	if (len < DHCP_OPTIONS_OFF)
		return why_set(why, n, -EINVAL,
			       "message of %zu bytes, under %d", len,
			       DHCP_OPTIONS_OFF);
	if (buf[OFF_OP] != 2)
		return why_set(why, n, -EINVAL, "op %u is not BOOTREPLY (2)",
			       buf[OFF_OP]);
	if (buf[OFF_HLEN] > 16)
		return why_set(why, n, -EINVAL, "hlen %u is over 16",
			       buf[OFF_HLEN]);
	if (buf[OFF_HTYPE] != 1 || buf[OFF_HLEN] != 6)
		return why_set(why, n, -EINVAL,
			       "htype %u hlen %u is not Ethernet",
			       buf[OFF_HTYPE], buf[OFF_HLEN]);
	if (get32(buf + OFF_XID) != xid)
		return why_set(why, n, -EINVAL,
			       "xid 0x%08x is not ours (0x%08x)",
			       get32(buf + OFF_XID), xid);
	if (mac && memcmp(buf + OFF_CHADDR, mac, 6))
		return why_set(why, n, -EINVAL, "chaddr is not our MAC");
	if (memcmp(buf + OFF_COOKIE, cookie, 4))
		return why_set(why, n, -EINVAL,
			       "magic cookie %02x%02x%02x%02x is wrong",
			       buf[OFF_COOKIE], buf[OFF_COOKIE + 1],
			       buf[OFF_COOKIE + 2], buf[OFF_COOKIE + 3]);
	return 0;
}

int dhcp_parse(const unsigned char *buf, size_t len, uint32_t xid,
	       const unsigned char mac[6], struct dhcp_reply *r, char *why,
	       size_t whysize)
{
	struct walk w = {.r = r, .why = why, .whysize = whysize};
	int err;

	memset(r, 0, sizeof(*r));
	err = header_check(buf, len, xid, mac, why, whysize);
	if (!err)
		err = opt_area(&w, buf + DHCP_OPTIONS_OFF,
			       len - DHCP_OPTIONS_OFF, "options");
	/* RFC 3396 order: options, then file, then sname. */
	if (!err && (w.overload & 1))
		err = opt_area(&w, buf + OFF_FILE, OFF_COOKIE - OFF_FILE,
			       "file");
	if (!err && (w.overload & 2))
		err = opt_area(&w, buf + OFF_SNAME, OFF_FILE - OFF_SNAME,
			       "sname");
	if (err)
		return err;
	if (!r->type)
		return why_set(why, whysize, -EINVAL,
			       "no message type (option 53)");
	memcpy(&r->yiaddr, buf + OFF_YIADDR, 4);
	if ((r->type == DHCP_OFFER || r->type == DHCP_ACK) && !r->yiaddr.s_addr)
		return why_set(why, whysize, -EINVAL,
			       "%s offers no address (yiaddr 0)",
			       dhcp_type_name(r->type));
	if (r->type == DHCP_OFFER && !r->has_server_id)
		return why_set(why, whysize, -EINVAL,
			       "DHCPOFFER has no server id (54)");
	return 0;
}

/* The Internet checksum (RFC 1071): @sum carried across calls. */
static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The UDP checksum's pseudo-header sum: addresses, protocol, length. */
static uint32_t pseudo_sum(const unsigned char *ip, uint16_t udplen)
{
	return csum_add(0, ip + 12, 8) + 17 + udplen;
}

size_t dhcp_frame(unsigned char *buf, size_t size, const unsigned char *msg,
		  size_t len)
{
	unsigned char *ip = buf, *udp = buf + 20;
	size_t total = 28 + len;
	uint16_t sum;

	if (total > size || total > DHCP_FRAME_MAX)
		return 0;
	memset(buf, 0, 28);
	ip[0] = 0x45; /* IPv4, 20-byte header */
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(udp, DHCP_CLIENT_PORT);
	put16(udp + 2, DHCP_SERVER_PORT);
	put16(udp + 4, (uint16_t)(8 + len));
	memcpy(udp + 8, msg, len);
	sum = csum_fold(
		csum_add(pseudo_sum(ip, (uint16_t)(8 + len)), udp, 8 + len));
	/* 0 means "no checksum" in UDP; RFC 768 sends all ones instead. */
	put16(udp + 6, sum ? sum : 0xffff);
	return total;
}

int dhcp_unframe(const unsigned char *pkt, size_t len, bool csum_unverified,
		 const unsigned char **msg, size_t *msglen, char *why, size_t n)
{
	size_t ihl, total, ulen;
	const unsigned char *udp;

	if (len < 20 || pkt[0] >> 4 != 4)
		return why_set(why, n, -EINVAL,
			       "not an IPv4 packet (%zu bytes)", len);
	ihl = (size_t)(pkt[0] & 15) * 4;
	total = get16(pkt + 2);
	if (ihl < 20 || total < ihl + 8 || total > len)
		return why_set(why, n, -EINVAL,
			       "IPv4 lengths %zu/%zu wrong for %zu bytes", ihl,
			       total, len);
	if (get16(pkt + 6) & 0x3fff)
		return why_set(why, n, -EINVAL, "IPv4 fragment");
	if (pkt[9] != 17)
		return why_set(why, n, -EINVAL, "protocol %u is not UDP",
			       pkt[9]);
	if (csum_fold(csum_add(0, pkt, ihl)))
		return why_set(why, n, -EINVAL,
			       "IPv4 header checksum is wrong");
	udp = pkt + ihl;
	ulen = get16(udp + 4);
	if (get16(udp + 2) != DHCP_CLIENT_PORT)
		return why_set(why, n, -EINVAL, "UDP port %u is not %d",
			       get16(udp + 2), DHCP_CLIENT_PORT);
	if (ulen < 8 || ulen > total - ihl)
		return why_set(why, n, -EINVAL, "UDP length %zu is wrong",
			       ulen);
	if (get16(udp + 6) && !csum_unverified &&
	    csum_fold(csum_add(pseudo_sum(pkt, (uint16_t)ulen), udp, ulen)))
		return why_set(why, n, -EINVAL, "UDP checksum is wrong");
	*msg = udp + 8;
	*msglen = ulen - 8;
	return 0;
}
