/* SPDX-License-Identifier: MIT */
/*
 * The lockless printk ring buffer (Linux 5.10 and later), read as
 * makedumpfile reads it: records from tail_id to head_id, skipping those
 * not committed or finalized, those without text, and stale ids.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg_priv.h"
#include "util.h"

struct prb {
	int64_t sym, rb_size, desc_ring, text_ring, count_bits, descs_off,
		infos_off, head_off, tail_off, desc_size, state_off, lpos_off,
		begin_off, next_off, size_bits, data_off, info_size, ts_off,
		len_off, counter_off;
	int64_t caller_off; /* -1: not in VMCOREINFO */
	uint64_t count, ring_size;
	uint8_t *descs, *infos, *text;
};

#define DESC_ID_MASK (~(3ull << 62))

static int prb_lookup(const struct memsrc *ms, struct prb *r)
{
	const struct need n[] = {
		{"SYMBOL", "prb", &r->sym},
		{"SIZE", "printk_ringbuffer", &r->rb_size},
		{"OFFSET", "printk_ringbuffer.desc_ring", &r->desc_ring},
		{"OFFSET", "printk_ringbuffer.text_data_ring", &r->text_ring},
		{"OFFSET", "prb_desc_ring.count_bits", &r->count_bits},
		{"OFFSET", "prb_desc_ring.descs", &r->descs_off},
		{"OFFSET", "prb_desc_ring.infos", &r->infos_off},
		{"OFFSET", "prb_desc_ring.head_id", &r->head_off},
		{"OFFSET", "prb_desc_ring.tail_id", &r->tail_off},
		{"SIZE", "prb_desc", &r->desc_size},
		{"OFFSET", "prb_desc.state_var", &r->state_off},
		{"OFFSET", "prb_desc.text_blk_lpos", &r->lpos_off},
		{"OFFSET", "prb_data_blk_lpos.begin", &r->begin_off},
		{"OFFSET", "prb_data_blk_lpos.next", &r->next_off},
		{"OFFSET", "prb_data_ring.size_bits", &r->size_bits},
		{"OFFSET", "prb_data_ring.data", &r->data_off},
		{"SIZE", "printk_info", &r->info_size},
		{"OFFSET", "printk_info.ts_nsec", &r->ts_off},
		{"OFFSET", "printk_info.text_len", &r->len_off},
		{"OFFSET", "atomic_long_t.counter", &r->counter_off},
	};

	int err = dmesg_lookup(ms, n, ARRAY_SIZE(n));

	if (!vmcoreinfo_get(ms->vi, "OFFSET", "printk_info.caller_id",
			    &r->caller_off) ||
	    !field_fits(r->caller_off, 4, r->info_size))
		r->caller_off = -1;
	return err;
}

/* The record's caller_id, or -1 when VMCOREINFO does not place it. */
static int64_t prb_caller(const struct prb *r, const uint8_t *inf)
{
	return r->caller_off < 0 ? -1
				 : (int64_t)dmesg_get32(inf, r->caller_off);
}

/*
 * Every offset and size from VMCOREINFO inside what it indexes: the ring
 * buffer structure (read whole, at most 4096 bytes), one descriptor, one
 * record info. Any of them may be garbage.
 */
static bool prb_sane(const struct prb *r)
{
	int64_t dr = r->desc_ring, tr = r->text_ring, rb = r->rb_size;
	int64_t c = r->counter_off, ds = r->desc_size, is = r->info_size;

	if (rb <= 0 || rb > 4096 || !field_fits(dr, 0, rb) ||
	    !field_fits(tr, 0, rb) || !field_fits(c, 8, 64))
		return false;
	/* The kernel's: 24 and 88 bytes; room for growth, not for 2^60. */
	if (ds <= 0 || ds > 256 || is <= 0 || is > 1024)
		return false;
	return field_fits(r->count_bits, 4, rb - dr) &&
	       field_fits(r->descs_off, 8, rb - dr) &&
	       field_fits(r->infos_off, 8, rb - dr) &&
	       field_fits(r->head_off, c + 8, rb - dr) &&
	       field_fits(r->tail_off, c + 8, rb - dr) &&
	       field_fits(r->size_bits, 4, rb - tr) &&
	       field_fits(r->data_off, 8, rb - tr) &&
	       field_fits(r->state_off, c + 8, ds) &&
	       field_fits(r->lpos_off, 0, ds) &&
	       field_fits(r->begin_off, 8, ds - r->lpos_off) &&
	       field_fits(r->next_off, 8, ds - r->lpos_off) &&
	       field_fits(r->ts_off, 8, is) && field_fits(r->len_off, 2, is);
}

/* Read the ring header and its three arrays. */
static int prb_read(const struct memsrc *ms, struct prb *r, uint64_t *head,
		    uint64_t *tail)
{
	uint8_t hdr[4096];
	uint64_t ptr;
	uint32_t cb, sb;
	int err;

	err = memsrc_read_virt(ms, (uint64_t)r->sym, &ptr, 8);
	if (!err)
		err = memsrc_read_virt(ms, ptr, hdr, (size_t)r->rb_size);
	if (err) {
		msg("cannot read the kernel log's ring buffer: %s",
		    strerror(-err));
		return err;
	}
	cb = dmesg_get32(hdr, r->desc_ring + r->count_bits);
	sb = dmesg_get32(hdr, r->text_ring + r->size_bits);
	/* A descriptor per 32 bytes of text (PRB_AVGBITS): never more
	 * descriptors than bytes. */
	if (cb > MAX_RING_BITS || sb > MAX_RING_BITS || cb > sb) {
		msg("the kernel log's ring buffer is corrupt (2^%u records, "
		    "2^%u bytes)",
		    cb, sb);
		return -EINVAL;
	}
	r->count = 1ull << cb;
	r->ring_size = 1ull << sb;
	*head = dmesg_get64(hdr, r->desc_ring + r->head_off + r->counter_off);
	*tail = dmesg_get64(hdr, r->desc_ring + r->tail_off + r->counter_off);
	r->descs = dmesg_read_array(
		ms, dmesg_get64(hdr, r->desc_ring + r->descs_off),
		r->count * (uint64_t)r->desc_size, "descriptors", &err);
	if (r->descs)
		r->infos = dmesg_read_array(
			ms, dmesg_get64(hdr, r->desc_ring + r->infos_off),
			r->count * (uint64_t)r->info_size, "record infos",
			&err);
	if (r->infos)
		r->text = dmesg_read_array(
			ms, dmesg_get64(hdr, r->text_ring + r->data_off),
			r->ring_size, "text", &err);
	return err;
}

/* One record by id; records not committed or without text are skipped,
 * as makedumpfile skips them. @return false when the record's text block
 * belongs to another record (a corrupt descriptor): left out. */
static bool prb_record(const struct prb *r, struct out *o, uint64_t id)
{
	const uint8_t *d = r->descs + (id % r->count) * (uint64_t)r->desc_size;
	const uint8_t *inf =
		r->infos + (id % r->count) * (uint64_t)r->info_size;
	uint64_t sv = dmesg_get64(d, r->state_off + r->counter_off);
	uint64_t state = sv >> 62, begin, next, len;

	if ((sv & DESC_ID_MASK) != id || (state != 1 && state != 2))
		return true;
	begin = dmesg_get64(d, r->lpos_off + r->begin_off) % r->ring_size;
	next = dmesg_get64(d, r->lpos_off + r->next_off) % r->ring_size;
	if (begin == next)
		return true;
	if (begin > next) /* the block wrapped to the ring's start */
		begin = 0;
	if (begin + 8 > next)
		return false;
	/* The block starts with its descriptor's id: the kernel's own
	 * check that a text block is this record's. */
	if (dmesg_get64(r->text, (int64_t)begin) != id)
		return false;
	begin += 8;
	len = dmesg_get16(inf, r->len_off);
	if (len > next - begin)
		len = next - begin;
	dmesg_out_record(o, dmesg_get64(inf, r->ts_off), prb_caller(r, inf),
			 r->text + begin, len);
	return true;
}

int dmesg_prb_write(const struct memsrc *ms, struct out *o)
{
	struct prb r = {0};
	uint64_t head, tail, id, n = 0, foreign = 0;
	int err = prb_lookup(ms, &r);

	if (!err && !prb_sane(&r)) {
		msg("VMCOREINFO's printk ring buffer layout is inconsistent");
		err = -EINVAL;
	}
	if (!err)
		err = prb_read(ms, &r, &head, &tail);
	if (err)
		goto out;
	/* A ring holds count records at most: a tail further from the head
	 * is corrupt, and the last count ids are read instead. */
	if (((head - tail) & DESC_ID_MASK) >= r.count) {
		msg("the kernel log's tail id %llu and head id %llu are %llu "
		    "records apart, more than the %llu the ring holds: "
		    "reading the last %llu",
		    (unsigned long long)tail, (unsigned long long)head,
		    (unsigned long long)((head - tail) & DESC_ID_MASK),
		    (unsigned long long)r.count, (unsigned long long)r.count);
		tail = (head - r.count + 1) & DESC_ID_MASK;
	}
	/* From the oldest record to the newest, head included. */
	for (id = tail; n <= r.count; id = (id + 1) & DESC_ID_MASK, n++) {
		foreign += !prb_record(&r, o, id);
		if (id == head)
			break;
	}
	if (foreign)
		msg("%llu records of the kernel log point at text that is not "
		    "theirs (corrupt descriptors): left out",
		    (unsigned long long)foreign);
out:
	free(r.descs);
	free(r.infos);
	free(r.text);
	return err;
}
