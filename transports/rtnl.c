/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink for net_up(): one request at a time, answered by an ack or a
 * dump, read with poll() so that a kernel that never answers costs
 * RTNL_WAIT_MS and not the capture.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtnl.h"

/* A request: header, family message, room for a few attributes. */
struct req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
	};
	unsigned char attrs[128];
};

int rtnl_open(struct rtnl *r)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	r->seq = 1;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0)
		return -errno;
	if (bind(r->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(r->fd);
		r->fd = -1;
		return err;
	}
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static void attr_put(struct req *q, unsigned short type, const void *data,
		     size_t len)
{
	struct rtattr *rta =
		(struct rtattr *)((char *)q + NLMSG_ALIGN(q->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	q->nh.nlmsg_len =
		NLMSG_ALIGN(q->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void req_init(struct rtnl *r, struct req *q, unsigned short type,
		     unsigned short flags, size_t body)
{
	memset(q, 0, sizeof(*q));
	q->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	q->nh.nlmsg_type = type;
	q->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	q->nh.nlmsg_seq = ++r->seq;
}

/* Read one datagram of answers, waiting at most RTNL_WAIT_MS. */
static ssize_t recv_wait(struct rtnl *r, void *buf, size_t size)
{
	struct pollfd p = {.fd = r->fd, .events = POLLIN};
	ssize_t n;
	int rc;

	do
		rc = poll(&p, 1, RTNL_WAIT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return rc ? -errno : -ETIMEDOUT;
	n = recv(r->fd, buf, size, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

static void link_parse(struct nlmsghdr *nh, struct rtnl_link *l)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *a = IFLA_RTA(ifi);
	int len = (int)IFLA_PAYLOAD(nh);

	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->flags = ifi->ifi_flags;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(a) < sizeof(l->name)
					   ? RTA_PAYLOAD(a)
					   : sizeof(l->name) - 1;

			memcpy(l->name, RTA_DATA(a), n);
			l->name[sizeof(l->name) - 1] = 0;
		} else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6) {
			memcpy(l->mac, RTA_DATA(a), 6);
			l->has_mac = true;
		}
	}
}

/*
 * Send @q and read until its ack (or NLMSG_DONE for a dump), handing each
 * RTM_NEWLINK answer to @out (up to @max). @return the number of links
 * seen, or -errno (the kernel's own error for a refused request).
 */
static int transact(struct rtnl *r, struct req *q, struct rtnl_link *out,
		    int max)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	static char buf[32768] __attribute__((aligned(4)));
	struct nlmsghdr *nh;
	ssize_t n;
	int count = 0, len;

	if (sendto(r->fd, q, q->nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv_wait(r, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != q->nh.nlmsg_seq)
				continue; /* a late answer to an earlier one */
			if (nh->nlmsg_type == NLMSG_DONE)
				return count;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error ? e->error : count;
			}
			if (nh->nlmsg_type == RTM_NEWLINK && count < max)
				link_parse(nh, &out[count++]);
		}
	}
}

int rtnl_links(struct rtnl *r, struct rtnl_link *out, int max)
{
	struct req q;

	req_init(r, &q, RTM_GETLINK, NLM_F_DUMP, sizeof(q.ifi));
	q.ifi.ifi_family = AF_UNSPEC;
	return transact(r, &q, out, max);
}

int rtnl_link_set_up(struct rtnl *r, int index, bool up)
{
	struct req q;
	int n;

	req_init(r, &q, RTM_NEWLINK, NLM_F_ACK, sizeof(q.ifi));
	q.ifi.ifi_index = index;
	q.ifi.ifi_flags = up ? IFF_UP : 0;
	q.ifi.ifi_change = IFF_UP;
	n = transact(r, &q, NULL, 0);
	return n < 0 ? n : 0;
}

int rtnl_addr_add(struct rtnl *r, int index, const struct net_addr *a,
		  unsigned int prefix)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	/* Ours by configuration: no duplicate address detection to wait for. */
	uint32_t flags = IFA_F_NODAD;
	unsigned char bcast[4];
	uint32_t host;
	struct req q;
	int n;

	req_init(r, &q, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
		 sizeof(q.ifa));
	q.ifa.ifa_family = (unsigned char)a->family;
	q.ifa.ifa_prefixlen = (unsigned char)prefix;
	q.ifa.ifa_index = (unsigned int)index;
	attr_put(&q, IFA_LOCAL, a->a, alen);
	attr_put(&q, IFA_ADDRESS, a->a, alen);
	if (a->family == AF_INET && prefix < 31) {
		host = 0xffffffffu >> prefix;
		memcpy(bcast, a->a, 4);
		bcast[0] |= (unsigned char)(host >> 24);
		bcast[1] |= (unsigned char)(host >> 16);
		bcast[2] |= (unsigned char)(host >> 8);
		bcast[3] |= (unsigned char)host;
		attr_put(&q, IFA_BROADCAST, bcast, 4);
	}
	if (a->family == AF_INET6)
		attr_put(&q, IFA_FLAGS, &flags, sizeof(flags));
	n = transact(r, &q, NULL, 0);
	return n < 0 ? n : 0;
}

int rtnl_route_default(struct rtnl *r, int index, const struct net_addr *gw,
		       bool onlink)
{
	uint32_t oif = (uint32_t)index;
	struct req q;
	int n;

	req_init(r, &q, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
		 sizeof(q.rtm));
	q.rtm.rtm_family = (unsigned char)gw->family;
	q.rtm.rtm_table = RT_TABLE_MAIN;
	q.rtm.rtm_protocol = RTPROT_BOOT;
	q.rtm.rtm_scope = RT_SCOPE_UNIVERSE;
	q.rtm.rtm_type = RTN_UNICAST;
	q.rtm.rtm_flags = onlink ? RTNH_F_ONLINK : 0;
	attr_put(&q, RTA_GATEWAY, gw->a, gw->family == AF_INET ? 4 : 16);
	attr_put(&q, RTA_OIF, &oif, sizeof(oif));
	n = transact(r, &q, NULL, 0);
	return n < 0 ? n : 0;
}
