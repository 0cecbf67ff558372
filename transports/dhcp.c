/* SPDX-License-Identifier: MIT */
/*
 * The DHCPv4 client of net_up(). The interface has no address, so the
 * messages go out and come in on an AF_PACKET datagram socket with IPv4
 * and UDP headers of our own (dhcp_msg.c); a socket filter lets only UDP
 * to port 68 through, and replies are matched by xid and chaddr. Asking
 * for broadcast replies and reading below IP means a server that answers
 * by broadcast (dnsmasq, busybox udhcpd) or by unicast to the offered
 * address (QEMU's slirp) is heard alike.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp.h"
#include "util.h"

#define BACKOFF_MAX_S 64 /* RFC 2131 4.1 */
#define REQUESTS_MAX 3	 /* then start over with a DISCOVER */
#define NAKS_MAX 3

struct run {
	int fd, ifindex;
	const char *ifname;
	struct dhcp_client c;
	uint64_t start, deadline; /* ms, CLOCK_MONOTONIC */
	uint32_t rnd;		  /* backoff jitter */
	unsigned int discovers, requests, naks;
};

static unsigned int elapsed_s(const struct run *u)
{
	return (unsigned int)((now_ms() - u->start + 500) / 1000);
}

/* Random bits for xids; never blocks on an early-boot entropy pool. */
static uint32_t random32(const unsigned char mac[6])
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	v = (uint32_t)now_ms() * 2654435761u;
	return v ^ ((uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
		    (uint32_t)mac[4] << 8 | mac[5]);
}

/* When to send again: 4, 8, 16 ... 64 s after the @n-th send, +-1 s. */
static uint64_t backoff_ms(struct run *u, unsigned int n)
{
	unsigned int s = n >= 5 ? BACKOFF_MAX_S : 4u << (n - 1);

	u->rnd ^= u->rnd << 13;
	u->rnd ^= u->rnd >> 17;
	u->rnd ^= u->rnd << 5;
	return (uint64_t)s * 1000 - 1000 + u->rnd % 2001;
}

/* Keep only IPv4, unfragmented, UDP, destination port 68. */
static int filter_attach(int fd)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 5),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 3, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(code), .filter = code};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

static int packet_open(struct run *u)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = u->ifindex};
	int one = 1, err;

	/* Protocol 0 receives nothing until bound to the one interface. */
	u->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (filter_attach(u->fd) ||
	    setsockopt(u->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    bind(u->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		close(u->fd);
		return err;
	}
	return 0;
}

static int send_msg(struct run *u, const unsigned char *m, size_t len)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = u->ifindex,
		.sll_halen = 6,
		.sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	unsigned char frame[DHCP_FRAME_MAX];
	size_t n = dhcp_frame(frame, sizeof(frame), m, len);

	if (!n)
		return -EMSGSIZE;
	if (sendto(u->fd, frame, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* One packet: @return its length, 0 for one to skip, or -errno. */
static ssize_t recv_one(struct run *u, unsigned char *buf, size_t size,
			bool *csum_unverified)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {.msg_name = &from,
			    .msg_namelen = sizeof(from),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n = recvmsg(u->fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	*csum_unverified = false;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET ||
		    c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		/* Sent from this host with the checksum left to the NIC. */
		*csum_unverified = aux.tp_status & TP_STATUS_CSUMNOTREADY;
	}
	if (from.sll_pkttype == PACKET_OUTGOING || (mh.msg_flags & MSG_TRUNC))
		return 0;
	return n;
}

/*
 * Wait until @until for a reply of type @want (or a NAK when @want is an
 * ACK) from @server (0: any). @return 0, -ETIMEDOUT, or -errno.
 */
static int wait_reply(struct run *u, enum dhcp_type want, uint32_t server,
		      uint64_t until, struct dhcp_reply *r)
{
	unsigned char buf[DHCP_FRAME_MAX + 64];
	struct pollfd p = {.fd = u->fd, .events = POLLIN};
	const unsigned char *m;
	size_t mlen;
	bool unverified = false;
	ssize_t n;
	uint64_t now;

	while ((now = now_ms()) < until) {
		if (poll(&p, 1, (int)(until - now)) < 0 && errno != EINTR)
			return -errno;
		n = recv_one(u, buf, sizeof(buf), &unverified);
		if (n < 0)
			return (int)n;
		if (!n ||
		    dhcp_unframe(buf, (size_t)n, unverified, &m, &mlen, NULL,
				 0) ||
		    dhcp_parse(m, mlen, u->c.xid, u->c.mac, r, NULL, 0))
			continue;
		if (server && r->has_server_id && r->server_id.s_addr != server)
			continue;
		if (r->type == want ||
		    (want == DHCP_ACK && r->type == DHCP_NAK))
			return 0;
	}
	return -ETIMEDOUT;
}

static void secs_update(struct run *u)
{
	unsigned int s = elapsed_s(u);

	u->c.secs = (uint16_t)(s > 0xffff ? 0xffff : s);
}

/* DISCOVER until the first OFFER. */
static int discover(struct run *u, struct dhcp_reply *offer)
{
	unsigned char m[DHCP_MSG_MAX];
	unsigned int sent = 0;
	uint64_t until;
	int err;

	u->c.xid = random32(u->c.mac);
	do {
		secs_update(u);
		err = send_msg(u, m, dhcp_build_discover(m, sizeof(m), &u->c));
		if (err) {
			msg("%s: cannot send a DHCP discover: %s", u->ifname,
			    strerror(-err));
			return err;
		}
		u->discovers++;
		until = now_ms() + backoff_ms(u, ++sent);
		err = wait_reply(u, DHCP_OFFER, 0,
				 until < u->deadline ? until : u->deadline,
				 offer);
	} while (err == -ETIMEDOUT && now_ms() < u->deadline);
	if (err == -ETIMEDOUT)
		msg("%s: no DHCP offer after %u s (%u discovers sent)",
		    u->ifname, elapsed_s(u), u->discovers);
	else if (err)
		msg("%s: DHCP: %s", u->ifname, strerror(-err));
	return err;
}

/* REQUEST the offered address until an ACK; -EAGAIN: start over. */
static int request(struct run *u, const struct dhcp_reply *offer,
		   struct dhcp_reply *ack)
{
	unsigned char m[DHCP_MSG_MAX];
	char srv[INET_ADDRSTRLEN];
	uint64_t until;
	unsigned int sent;
	int err = -ETIMEDOUT;

	inet_ntop(AF_INET, &offer->server_id, srv, sizeof(srv));
	for (sent = 1; err == -ETIMEDOUT && sent <= REQUESTS_MAX; sent++) {
		if (now_ms() >= u->deadline)
			break;
		secs_update(u);
		err = send_msg(u, m,
			       dhcp_build_request(m, sizeof(m), &u->c,
						  offer->yiaddr,
						  offer->server_id));
		if (err) {
			msg("%s: cannot send a DHCP request: %s", u->ifname,
			    strerror(-err));
			return err;
		}
		u->requests++;
		until = now_ms() + backoff_ms(u, sent);
		err = wait_reply(u, DHCP_ACK, offer->server_id.s_addr,
				 until < u->deadline ? until : u->deadline,
				 ack);
	}
	if (!err && ack->type == DHCP_NAK) {
		msg("%s: DHCP server %s refused the request (NAK%s%s)",
		    u->ifname, srv, ack->message[0] ? ": " : "", ack->message);
		return ++u->naks >= NAKS_MAX ? -ECONNREFUSED : -EAGAIN;
	}
	if (err == -ETIMEDOUT && now_ms() >= u->deadline)
		msg("%s: no DHCP ACK from %s after %u s (%u requests sent)",
		    u->ifname, srv, elapsed_s(u), u->requests);
	else if (err == -ETIMEDOUT)
		return -EAGAIN;
	else if (err)
		msg("%s: DHCP: %s", u->ifname, strerror(-err));
	return err;
}

/* The ACK is authoritative; what it leaves out, the offer may say. */
static void lease_fill(const struct dhcp_reply *o, const struct dhcp_reply *a,
		       struct dhcp_lease *l)
{
	const struct dhcp_reply *dns = a->n_dns ? a : o;

	memset(l, 0, sizeof(*l));
	l->addr = a->yiaddr;
	l->server = a->has_server_id ? a->server_id : o->server_id;
	l->mask = a->has_mask ? a->mask : o->mask;
	if (a->has_router || o->has_router)
		l->router = a->has_router ? a->router : o->router;
	memcpy(l->dns, dns->dns, sizeof(l->dns));
	l->n_dns = dns->n_dns;
	l->lease = a->has_lease ? a->lease : o->lease;
}

int dhcp_run(int ifindex, const char *ifname, const unsigned char mac[6],
	     const char *hostname, unsigned int timeout_ms,
	     struct dhcp_lease *out)
{
	struct run u = {.ifindex = ifindex, .ifname = ifname};
	struct dhcp_reply offer, ack;
	int err;

	u.start = now_ms();
	u.deadline = u.start + timeout_ms;
	memcpy(u.c.mac, mac, 6);
	u.c.hostname = hostname;
	u.rnd = random32(mac) | 1;
	err = packet_open(&u);
	if (err) {
		msg("%s: cannot open a packet socket for DHCP: %s", ifname,
		    strerror(-err));
		return err;
	}
	do {
		err = discover(&u, &offer);
		if (!err)
			err = request(&u, &offer, &ack);
	} while (err == -EAGAIN && now_ms() < u.deadline);
	if (err == -EAGAIN) {
		msg("%s: no DHCP lease after %u s", ifname, elapsed_s(&u));
		err = -ETIMEDOUT;
	}
	if (!err)
		lease_fill(&offer, &ack, out);
	close(u.fd);
	return err;
}
