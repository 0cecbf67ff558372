/* SPDX-License-Identifier: MIT */
/*
 * DHCPv4 messages: the bytes of what we send, the fields of well-formed
 * replies, and a reason (never a crash: ASan and UBSan watch) for every
 * malformed one. Each packet under test sits in a heap block of exactly
 * its length, so that any read past the end is caught.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dhcp_msg.h"
#include "util.h"

static const unsigned char MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
#define XID 0x12345678u

static char why[256];

/* A BOOTREPLY header for us, yiaddr 10.0.2.15, then @opts. */
static size_t reply(unsigned char *b, const void *opts, size_t olen)
{
	memset(b, 0, 240);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	b[4] = 0x12, b[5] = 0x34, b[6] = 0x56, b[7] = 0x78;
	b[16] = 10, b[17] = 0, b[18] = 2, b[19] = 15;
	memcpy(b + 28, MAC, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
	memcpy(b + 240, opts, olen);
	return 240 + olen;
}

/* dhcp_parse on an exact-size heap copy of @len bytes of @b. */
static int parse(const unsigned char *b, size_t len, struct dhcp_reply *r)
{
	unsigned char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, b, len);
	why[0] = 0;
	rc = dhcp_parse(copy, len, XID, MAC, r, why, sizeof(why));
	free(copy);
	return rc;
}

/* Parse @opts in a reply; the reason must contain @reason. */
static void bad_opts(const void *opts, size_t olen, const char *reason)
{
	unsigned char b[2048];
	struct dhcp_reply r;
	size_t len = reply(b, opts, olen);

	if (parse(b, len, &r) != -EINVAL || !strstr(why, reason)) {
		fprintf(stderr, "  want \"%s\", got \"%s\"\n", reason, why);
		check_failed_now = 1;
	}
}

/* clang-format off */
static const unsigned char OFFER[] = {
	53, 1, 2,				/* DHCPOFFER */
	54, 4, 10, 0, 2, 2,			/* server id */
	1, 4, 255, 255, 255, 0,			/* mask */
	3, 8, 10, 0, 2, 2, 10, 0, 2, 1,		/* two routers */
	6, 16, 10, 0, 2, 3, 8, 8, 8, 8, 1, 1, 1, 1, 9, 9, 9, 9,
	51, 4, 0, 1, 0x51, 0x80,		/* lease 86400 */
	58, 4, 0, 0, 0xa8, 0xc0,		/* T1 43200 */
	59, 4, 0, 1, 0x27, 0x50,		/* T2 75600 */
	0, 0, 255, 0, 0,			/* pads, end, pads */
};
/* clang-format on */

static void test_discover_bytes(void)
{
	/* clang-format off */
	static const unsigned char opts[] = {
		53, 1, 1,				/* DHCPDISCOVER */
		61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* client id */
		57, 2, 0x05, 0xc0,			/* max size 1472 */
		55, 6, 1, 3, 6, 51, 58, 59,		/* parameters */
		12, 5, 'c', 'r', 'a', 's', 'h',		/* hostname */
		255,
	};
	/* clang-format on */
	struct dhcp_client c = {.xid = XID, .hostname = "crash", .secs = 3};
	unsigned char b[600], zero[300] = {0};
	size_t len;

	memcpy(c.mac, MAC, 6);
	len = dhcp_build_discover(b, sizeof(b), &c);
	CHECK_EQ_U(len, 300);
	CHECK(b[0] == 1 && b[1] == 1 && b[2] == 6 && b[3] == 0);
	CHECK(!memcmp(b + 4, "\x12\x34\x56\x78", 4));
	CHECK(b[8] == 0 && b[9] == 3);	    /* secs */
	CHECK(b[10] == 0x80 && b[11] == 0); /* broadcast flag */
	CHECK(!memcmp(b + 12, zero, 16));   /* ciaddr .. giaddr */
	CHECK(!memcmp(b + 28, MAC, 6) && !memcmp(b + 34, zero, 10));
	CHECK(!memcmp(b + 44, zero, 192)); /* sname, file */
	CHECK(!memcmp(b + 236, "\x63\x82\x53\x63", 4));
	CHECK(!memcmp(b + 240, opts, sizeof(opts)));
	CHECK(!memcmp(b + 240 + sizeof(opts), zero, 300 - 240 - sizeof(opts)));
	/* No hostname: no option 12. */
	c.hostname = NULL;
	CHECK_EQ_U(dhcp_build_discover(b, sizeof(b), &c), 300);
	CHECK(b[240 + 24] == 255);
	CHECK_EQ_U(dhcp_build_discover(b, 299, &c), 0);
}

static void test_request_bytes(void)
{
	struct dhcp_client c = {.xid = XID};
	struct in_addr addr = {htonl(0x0a00020f)}, srv = {htonl(0x0a000202)};
	unsigned char b[600];
	size_t len;

	memcpy(c.mac, MAC, 6);
	len = dhcp_build_request(b, sizeof(b), &c, addr, srv);
	CHECK_EQ_U(len, 300);
	CHECK(b[240] == 53 && b[241] == 1 && b[242] == 3);
	CHECK(!memcmp(b + 264, "\x32\x04\x0a\x00\x02\x0f", 6));
	CHECK(!memcmp(b + 270, "\x36\x04\x0a\x00\x02\x02", 6));
	CHECK(b[276] == 255);
	c.hostname = "a-very-long-hostname-that-will-not-fit-in-a-small-buffer";
	CHECK_EQ_U(dhcp_build_request(b, 300, &c, addr, srv), 0);
}

static void test_parse_offer(void)
{
	unsigned char b[1024];
	struct dhcp_reply r;
	size_t len = reply(b, OFFER, sizeof(OFFER));

	CHECK_EQ_U(parse(b, len, &r), 0);
	CHECK(r.type == DHCP_OFFER);
	CHECK_EQ_U(ntohl(r.yiaddr.s_addr), 0x0a00020f);
	CHECK(r.has_server_id && ntohl(r.server_id.s_addr) == 0x0a000202);
	CHECK(r.has_mask && ntohl(r.mask.s_addr) == 0xffffff00);
	CHECK(r.has_router && ntohl(r.router.s_addr) == 0x0a000202);
	CHECK_EQ_U(r.n_dns, 3); /* of 4 */
	CHECK_EQ_U(ntohl(r.dns[2].s_addr), 0x01010101);
	CHECK(r.has_lease && r.lease == 86400);
	CHECK(r.t1 == 43200 && r.t2 == 75600);
	CHECK_STR(dhcp_type_name(r.type), "DHCPOFFER");
}

static void test_parse_ack_nak(void)
{
	static const unsigned char ack[] = {53, 1, 5, 54, 4, 10, 0, 2, 2, 255};
	/* DHCPNAK, server id, message "wrong\n\x1bne" */
	static const unsigned char nak[] = {
		53,  1,	  6,   54,  4,	 10,   0,    2,	  2,   56,  9,
		'w', 'r', 'o', 'n', 'g', '\n', 0x1b, 'n', 'e', 255,
	};
	unsigned char b[1024];
	struct dhcp_reply r;
	size_t len = reply(b, ack, sizeof(ack));

	CHECK_EQ_U(parse(b, len, &r), 0);
	CHECK(r.type == DHCP_ACK && !r.has_mask && !r.has_router);
	CHECK(!r.has_lease && r.n_dns == 0);
	reply(b, nak, sizeof(nak));
	memset(b + 16, 0, 4); /* a NAK carries no address */
	CHECK_EQ_U(parse(b, 240 + sizeof(nak), &r), 0);
	CHECK(r.type == DHCP_NAK);
	CHECK_STR(r.message, "wrong??ne");
}

static void test_truncated_everywhere(void)
{
	unsigned char b[1024];
	struct dhcp_reply r;
	size_t full = reply(b, OFFER, sizeof(OFFER)), len;

	/* Cut anywhere before its end option: refused. */
	for (len = 0; len < full - 2; len++) {
		if (parse(b, len, &r) != -EINVAL || !why[0]) {
			fprintf(stderr, "  %zu bytes: accepted\n", len);
			check_failed_now = 1;
		}
	}
}

static void test_bad_headers(void)
{
	unsigned char b[1024];
	struct dhcp_reply r;
	size_t len;
	int i;
	static const struct {
		int off;
		unsigned char val;
		const char *reason;
	} t[] = {
		{0, 1, "op 1 is not BOOTREPLY"},
		{0, 3, "op 3"},
		{2, 17, "hlen 17 is over 16"},
		{2, 255, "hlen 255 is over 16"},
		{2, 16, "htype 1 hlen 16"},
		{1, 6, "htype 6 hlen 6"},
		{7, 0x79, "xid 0x12345679 is not ours (0x12345678)"},
		{33, 0x57, "chaddr is not our MAC"},
		{236, 98, "magic cookie 62825363 is wrong"},
		{239, 0, "magic cookie"},
	};

	for (i = 0; i < (int)ARRAY_SIZE(t); i++) {
		len = reply(b, OFFER, sizeof(OFFER));
		b[t[i].off] = t[i].val;
		if (parse(b, len, &r) != -EINVAL || !strstr(why, t[i].reason)) {
			fprintf(stderr, "  byte %d = %u: \"%s\"\n", t[i].off,
				t[i].val, why);
			check_failed_now = 1;
		}
	}
	CHECK(parse(b, 239, &r) == -EINVAL && strstr(why, "239 bytes"));
}

static void test_bad_options(void)
{
	unsigned char many[1400];
	size_t i;

	bad_opts((unsigned char[]){53, 1, 2, 54}, 4,
		 "option 54 at byte 3 has no length");
	bad_opts((unsigned char[]){53, 1, 2, 54, 4, 10, 0}, 7,
		 "option 54 of length 4 runs past the end (2 bytes left)");
	/* A length byte of 255 right after a type: far past the end. */
	bad_opts((unsigned char[]){53, 255, 2, 255}, 4,
		 "option 53 of length 255 runs past");
	bad_opts((unsigned char[]){53, 1, 2, 54, 4, 10, 0, 2, 2}, 9,
		 "no end option (255)");
	bad_opts((unsigned char[]){0, 0, 0}, 3, "no end option");
	bad_opts((unsigned char[]){255}, 1, "no message type (option 53)");
	bad_opts((unsigned char[]){53, 0, 255}, 3,
		 "option 53 has length 0, want 1");
	bad_opts((unsigned char[]){53, 2, 2, 2, 255}, 5,
		 "option 53 has length 2, want 1");
	bad_opts((unsigned char[]){53, 1, 0, 255}, 4,
		 "message type 0 is unknown");
	bad_opts((unsigned char[]){53, 1, 9, 255}, 4,
		 "message type 9 is unknown");
	bad_opts((unsigned char[]){53, 1, 2, 53, 1, 2, 255}, 7,
		 "option 53 appears twice");
	bad_opts((unsigned char[]){53, 1, 2, 1, 3, 255, 255, 0, 255}, 9,
		 "option 1 has length 3, want 4");
	bad_opts((unsigned char[]){53, 1, 2, 51, 0, 255}, 6,
		 "option 51 has length 0, want 4");
	bad_opts((unsigned char[]){53, 1, 2, 6, 0, 255}, 6,
		 "option 6 has length 0, want a multiple of 4");
	bad_opts((unsigned char[]){53, 1, 2, 3, 5, 1, 2, 3, 4, 5, 255}, 11,
		 "option 3 has length 5");
	bad_opts((unsigned char[]){53, 1, 6, 56, 0, 255}, 6,
		 "option 56 has length 0");
	bad_opts((unsigned char[]){53, 1, 2, 52, 1, 4, 255}, 7,
		 "option 52 (overload) is 4, want 1..3");
	bad_opts((unsigned char[]){53, 1, 2, 255}, 4,
		 "DHCPOFFER has no server id (54)");
	/* Huge counts: 1000 pads and no end; the type 400 times. */
	memset(many, 0, 1000);
	bad_opts(many, 1000, "no end option");
	for (i = 0; i + 3 <= 1200; i += 3)
		memcpy(many + i, "\x35\x01\x02", 3);
	many[1200] = 255;
	bad_opts(many, 1201, "option 53 appears twice");
}

static void test_zero_yiaddr(void)
{
	static const unsigned char ack[] = {53, 1, 5, 255};
	unsigned char b[512];
	struct dhcp_reply r;
	size_t len = reply(b, ack, sizeof(ack));

	memset(b + 16, 0, 4);
	CHECK(parse(b, len, &r) == -EINVAL);
	CHECK(strstr(why, "DHCPACK offers no address") != NULL);
}

static void test_many_dns_and_ff_data(void)
{
	unsigned char opts[600], b[1024];
	struct dhcp_reply r;
	size_t n = 0, i;

	memcpy(opts, "\x35\x01\x02\x36\x04\x0a\x00\x02\x02", 9);
	n = 9;
	/* 120 DNS servers in two options (RFC 3396 concatenation), all
	 * 255.255.255.255: 0xff in data is no end option. */
	for (i = 0; i < 2; i++) {
		opts[n++] = 6;
		opts[n++] = 240;
		memset(opts + n, 0xff, 240);
		n += 240;
	}
	opts[n++] = 255;
	n = reply(b, opts, n);
	CHECK_EQ_U(parse(b, n, &r), 0);
	CHECK_EQ_U(r.n_dns, DHCP_DNS_MAX);
	CHECK_EQ_U(r.dns[0].s_addr, 0xffffffffu);
}

static void test_overload(void)
{
	static const unsigned char opts[] = {53, 1, 2, 52, 1, 3, 255};
	static const unsigned char in_file[] = {
		54, 4, 10, 0, 2, 2, 3, 4, 10, 0, 2, 1, 255, /* id, router */
	};
	static const unsigned char in_sname[] = {1, 4, 255, 255, 0, 0, 255};
	unsigned char b[512];
	struct dhcp_reply r;
	size_t len = reply(b, opts, sizeof(opts));

	memcpy(b + 108, in_file, sizeof(in_file));
	memcpy(b + 44, in_sname, sizeof(in_sname));
	CHECK_EQ_U(parse(b, len, &r), 0);
	CHECK(r.has_server_id && r.has_router && r.has_mask);
	CHECK_EQ_U(ntohl(r.mask.s_addr), 0xffff0000);
	/* An sname without its end option. */
	memset(b + 44, 0, 64);
	CHECK(parse(b, len, &r) == -EINVAL &&
	      strstr(why, "sname: no end option"));
	/* Overload named again inside the file field. */
	memcpy(b + 44, in_sname, sizeof(in_sname));
	memcpy(b + 108, "\x34\x01\x01\xff", 4);
	CHECK(parse(b, len, &r) == -EINVAL &&
	      strstr(why, "option 52 appears twice"));
	/* A file field option running past the field, not the packet. */
	memcpy(b + 108, "\x03\x7f", 2);
	CHECK(parse(b, len, &r) == -EINVAL && strstr(why, "file: option 3"));
}

/* dhcp_unframe on an exact-size heap copy. */
static int unframe(const unsigned char *f, size_t len, bool unverified,
		   size_t *mlen)
{
	unsigned char *copy = malloc(len ? len : 1);
	const unsigned char *m;
	int rc;

	memcpy(copy, f, len);
	why[0] = 0;
	rc = dhcp_unframe(copy, len, unverified, &m, mlen, why, sizeof(why));
	if (!rc && (m != copy + 28 || *mlen > len - 28))
		rc = -1000;
	free(copy);
	return rc;
}

static void test_frame(void)
{
	unsigned char msg[300], f[400], g[420];
	size_t len, mlen, i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7);
	len = dhcp_frame(f, sizeof(f), msg, sizeof(msg));
	CHECK_EQ_U(len, 328);
	CHECK(f[0] == 0x45 && f[9] == 17 && f[8] == 64);
	CHECK(!memcmp(f + 12, "\0\0\0\0\xff\xff\xff\xff", 8));
	CHECK(f[20] == 0 && f[21] == 68 && f[22] == 0 && f[23] == 67);
	/* Our frame, seen as if it came back to port 68: swapping the
	 * ports leaves both sums right. */
	f[21] = 67, f[23] = 68;
	memcpy(g, f, len);
	memset(g + len, 0xee, 10);
	CHECK_EQ_U(unframe(g, len, false, &mlen), 0);
	CHECK_EQ_U(mlen, 300);
	/* Ethernet padding after the IP packet is not the message. */
	CHECK_EQ_U(unframe(g, len + 10, false, &mlen), 0);
	CHECK_EQ_U(mlen, 300);
	g[100] ^= 1;
	CHECK(unframe(g, len, false, &mlen) == -EINVAL &&
	      strstr(why, "UDP checksum is wrong"));
	CHECK_EQ_U(unframe(g, len, true, &mlen), 0);
	g[26] = g[27] = 0; /* no checksum */
	CHECK_EQ_U(unframe(g, len, false, &mlen), 0);
	for (i = 0; i < len; i++)
		if (unframe(f, i, false, &mlen) != -EINVAL) {
			fprintf(stderr, "  frame cut to %zu bytes: accepted\n",
				i);
			check_failed_now = 1;
		}
	CHECK_EQ_U(dhcp_frame(f, 327, msg, sizeof(msg)), 0);
}

static void test_frame_bad(void)
{
	static const struct {
		int off;
		unsigned char val;
		const char *reason;
	} t[] = {
		{0, 0x65, "not an IPv4 packet"},
		{0, 0x44, "IPv4 lengths 16/328 wrong"},
		{0, 0x4f, "IPv4 header checksum is wrong"},
		{2, 0x02, "IPv4 lengths 20/584 wrong for 328"},
		{3, 0x10, "IPv4 header checksum is wrong"},
		{6, 0x20, "IPv4 fragment"},
		{7, 0x08, "IPv4 fragment"},
		{9, 6, "protocol 6 is not UDP"},
		{12, 10, "IPv4 header checksum is wrong"},
		{23, 69, "UDP port 69 is not 68"},
		{24, 0x10, "UDP length 4148 is wrong"},
		{25, 0x35, "UDP length 309 is wrong"},
	};
	unsigned char msg[300] = {1}, f[400];
	size_t len, mlen;
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(t); i++) {
		len = dhcp_frame(f, sizeof(f), msg, sizeof(msg));
		f[23] = 68;
		f[t[i].off] = t[i].val;
		if (unframe(f, len, true, &mlen) != -EINVAL ||
		    !strstr(why, t[i].reason)) {
			fprintf(stderr, "  byte %d = %u: \"%s\"\n", t[i].off,
				t[i].val, why);
			check_failed_now = 1;
		}
	}
}

/* Random damage to a good offer: parsed or refused, never a fault. */
static void test_fuzz(void)
{
	unsigned char good[1024], b[1024];
	uint32_t x = 2463534242u;
	size_t full = reply(good, OFFER, sizeof(OFFER)), len;
	struct dhcp_reply r;
	int i, j, ok = 0;

	for (i = 0; i < 50000; i++) {
		memcpy(b, good, full);
		for (j = 0; j < 1 + i % 6; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			b[240 + x % (full - 240)] = (unsigned char)(x >> 24);
		}
		len = full - (x >> 8) % 8 * (i & 1);
		if (!parse(b, len, &r)) {
			ok++;
			CHECK(r.n_dns <= DHCP_DNS_MAX);
			CHECK(strlen(r.message) < sizeof(r.message));
		} else {
			CHECK(why[0] != 0);
		}
	}
	CHECK(ok > 0);
}

int main(void)
{
	RUN(test_discover_bytes);
	RUN(test_request_bytes);
	RUN(test_parse_offer);
	RUN(test_parse_ack_nak);
	RUN(test_truncated_everywhere);
	RUN(test_bad_headers);
	RUN(test_bad_options);
	RUN(test_zero_yiaddr);
	RUN(test_many_dns_and_ff_data);
	RUN(test_overload);
	RUN(test_frame);
	RUN(test_frame_bad);
	RUN(test_fuzz);
	CHECK_EXIT();
}
