/* SPDX-License-Identifier: MIT */
/*
 * Kernel log extraction. Every structure offset and size comes from
 * VMCOREINFO; every index read from the dump is checked against the
 * buffers before use, so a corrupt log gives an error, never a crash.
 */
#include "dmesg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Rings bigger than this are corrupt, not big logs (the kernel caps
 * log_buf_len at 2^25; descriptors are fewer than bytes). */
#define MAX_RING_BITS 28
#define OUT_SIZE 65536

struct out {
	int fd;
	int err;
	size_t len;
	char buf[OUT_SIZE];
};

struct need {
	const char *kind, *name;
	int64_t *val;
};

static int lookup(const struct memsrc *ms, const struct need *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!vmcoreinfo_get(ms->vi, n[i].kind, n[i].name, n[i].val)) {
			msg("cannot find the kernel log: VMCOREINFO has no "
			    "%s(%s)",
			    n[i].kind, n[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

static void out_flush(struct out *o)
{
	if (!o->err && o->len)
		o->err = write_all(o->fd, o->buf, o->len);
	o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* One record, formatted as makedumpfile formats it (see dmesg.h). */
static void out_record(struct out *o, uint64_t ts_nsec, const uint8_t *text,
		       size_t len)
{
	char pre[48], esc[16];
	int plen = snprintf(pre, sizeof(pre), "[%5lld.%06ld] ",
			    (long long)(ts_nsec / 1000000000),
			    (long)(ts_nsec % 1000000000 / 1000));

	out_put(o, pre, (size_t)plen);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = text[i];

		if (c == '\n') {
			out_put(o, "\n", 1);
			memset(pre, ' ', (size_t)plen);
			out_put(o, pre, (size_t)plen);
		} else if ((c >= 0x20 && c < 0x7f) || (c >= 9 && c <= 13)) {
			out_put(o, (const char *)&c, 1);
		} else {
			/* makedumpfile passes a signed char to %02x */
			int n = snprintf(esc, sizeof(esc), "\\x%02x",
					 (unsigned int)(int)(signed char)c);
			out_put(o, esc, (size_t)n);
		}
	}
	out_put(o, "\n", 1);
}

/*
 * Read one of the log's arrays. A filtered dump leaves out zero pages
 * (and an unfilled ring has some): those read as zeros, as makedumpfile
 * reads them, and a zero descriptor is skipped as not committed.
 */
static void *read_array(const struct memsrc *ms, uint64_t vaddr, uint64_t size,
			const char *what, int *err)
{
	uint8_t *p = malloc(size ? size : 1);
	uint64_t ps = ms->vi->page_size, done = 0, got = 0;

	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = 0;
	while (!*err && done < size) {
		uint64_t n = ps - (vaddr + done) % ps;

		if (n > size - done)
			n = size - done;
		*err = memsrc_read_virt(ms, vaddr + done, p + done, n);
		got += !*err;
		if (*err == -ENOENT) {
			memset(p + done, 0, n);
			*err = 0;
		}
		done += n;
	}
	if (!*err && !got && size)
		*err = -ENOENT; /* none of it: the pointer is wrong */
	if (*err) {
		msg("cannot read the kernel log's %s at 0x%llx: %s", what,
		    (unsigned long long)vaddr, strerror(-*err));
		free(p);
		return NULL;
	}
	return p;
}

static uint64_t get64(const uint8_t *p, int64_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t get32(const uint8_t *p, int64_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint16_t get16(const uint8_t *p, int64_t off)
{
	uint16_t v;

	memcpy(&v, p + off, 2);
	return v;
}

/* The lockless ring buffer, as read from the dump. */
struct prb {
	int64_t sym, rb_size, desc_ring, text_ring, count_bits, descs_off,
		infos_off, head_off, tail_off, desc_size, state_off, lpos_off,
		begin_off, next_off, size_bits, data_off, info_size, ts_off,
		len_off, counter_off;
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

	return lookup(ms, n, ARRAY_SIZE(n));
}

static bool prb_sane(const struct prb *r)
{
	int64_t dr = r->desc_ring, tr = r->text_ring, rb = r->rb_size;

	return rb > 0 && rb < 4096 && dr >= 0 && tr >= 0 &&
	       dr + r->count_bits + 4 <= rb && dr + r->descs_off + 8 <= rb &&
	       dr + r->infos_off + 8 <= rb &&
	       dr + r->head_off + r->counter_off + 8 <= rb &&
	       dr + r->tail_off + r->counter_off + 8 <= rb &&
	       tr + r->size_bits + 4 <= rb && tr + r->data_off + 8 <= rb &&
	       r->desc_size > 0 && r->desc_size < 1024 &&
	       r->state_off + r->counter_off + 8 <= r->desc_size &&
	       r->lpos_off + r->begin_off + 8 <= r->desc_size &&
	       r->lpos_off + r->next_off + 8 <= r->desc_size &&
	       r->info_size > 0 && r->info_size < 4096 &&
	       r->ts_off + 8 <= r->info_size && r->len_off + 2 <= r->info_size;
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
	cb = get32(hdr, r->desc_ring + r->count_bits);
	sb = get32(hdr, r->text_ring + r->size_bits);
	if (cb > MAX_RING_BITS || sb > MAX_RING_BITS) {
		msg("the kernel log's ring buffer is corrupt (2^%u records, "
		    "2^%u bytes)",
		    cb, sb);
		return -EINVAL;
	}
	r->count = 1ull << cb;
	r->ring_size = 1ull << sb;
	*head = get64(hdr, r->desc_ring + r->head_off + r->counter_off);
	*tail = get64(hdr, r->desc_ring + r->tail_off + r->counter_off);
	r->descs = read_array(ms, get64(hdr, r->desc_ring + r->descs_off),
			      r->count * (uint64_t)r->desc_size, "descriptors",
			      &err);
	if (r->descs)
		r->infos =
			read_array(ms, get64(hdr, r->desc_ring + r->infos_off),
				   r->count * (uint64_t)r->info_size,
				   "record infos", &err);
	if (r->infos)
		r->text = read_array(ms, get64(hdr, r->text_ring + r->data_off),
				     r->ring_size, "text", &err);
	return err;
}

/* One record by id; records not committed or without text are skipped,
 * as makedumpfile skips them. */
static void prb_record(const struct prb *r, struct out *o, uint64_t id)
{
	const uint8_t *d = r->descs + (id % r->count) * (uint64_t)r->desc_size;
	const uint8_t *inf =
		r->infos + (id % r->count) * (uint64_t)r->info_size;
	uint64_t sv = get64(d, r->state_off + r->counter_off);
	uint64_t state = sv >> 62, begin, next, len;

	if ((sv & DESC_ID_MASK) != id || (state != 1 && state != 2))
		return;
	begin = get64(d, r->lpos_off + r->begin_off) % r->ring_size;
	next = get64(d, r->lpos_off + r->next_off) % r->ring_size;
	if (begin == next)
		return;
	if (begin > next) /* the block wrapped to the ring's start */
		begin = 0;
	begin += 8; /* the block starts with its descriptor id */
	if (begin > next)
		return;
	len = get16(inf, r->len_off);
	if (len > next - begin)
		len = next - begin;
	out_record(o, get64(inf, r->ts_off), r->text + begin, len);
}

static int prb_write(const struct memsrc *ms, struct out *o)
{
	struct prb r = {0};
	uint64_t head, tail, id, n = 0;
	int err = prb_lookup(ms, &r);

	if (!err && !prb_sane(&r)) {
		msg("VMCOREINFO's printk ring buffer layout is inconsistent");
		err = -EINVAL;
	}
	if (!err)
		err = prb_read(ms, &r, &head, &tail);
	if (err)
		goto out;
	/* From the oldest record to the newest, head included; a ring
	 * never holds more than count records. */
	for (id = tail; n <= r.count; id = (id + 1) & DESC_ID_MASK, n++) {
		prb_record(&r, o, id);
		if (id == head)
			break;
	}
out:
	free(r.descs);
	free(r.infos);
	free(r.text);
	return err;
}

/* Linux 3.5 to 5.9: variable-length records in log_buf. */
struct legacy {
	int64_t log_buf, buf_len_sym, first_sym, next_sym, rec_size, len_off,
		text_len_off, ts_off;
};

static int legacy_lookup(const struct memsrc *ms, struct legacy *l)
{
	const struct need n[] = {
		{"SYMBOL", "log_buf", &l->log_buf},
		{"SYMBOL", "log_buf_len", &l->buf_len_sym},
		{"SYMBOL", "log_first_idx", &l->first_sym},
		{"SYMBOL", "log_next_idx", &l->next_sym},
	};
	const struct need rec[] = {
		{"SIZE", "printk_log", &l->rec_size},
		{"OFFSET", "printk_log.len", &l->len_off},
		{"OFFSET", "printk_log.text_len", &l->text_len_off},
		{"OFFSET", "printk_log.ts_nsec", &l->ts_off},
	};
	/* Linux 3.5 to 3.10 called the record struct "log" */
	const struct need old[] = {
		{"SIZE", "log", &l->rec_size},
		{"OFFSET", "log.len", &l->len_off},
		{"OFFSET", "log.text_len", &l->text_len_off},
		{"OFFSET", "log.ts_nsec", &l->ts_off},
	};
	int err = lookup(ms, n, ARRAY_SIZE(n));

	if (err)
		return err;
	if (!vmcoreinfo_get(ms->vi, "SIZE", "printk_log", &l->rec_size) &&
	    vmcoreinfo_get(ms->vi, "SIZE", "log", &l->rec_size))
		return lookup(ms, old, ARRAY_SIZE(old));
	return lookup(ms, rec, ARRAY_SIZE(rec));
}

/* Walk the records from @first to @next, wrapping at a zero-length one. */
static int legacy_walk(const struct legacy *l, const uint8_t *buf,
		       uint32_t size, uint32_t first, uint32_t next,
		       struct out *o)
{
	uint64_t hdr = (uint64_t)l->rec_size;
	uint32_t pos = first;

	for (uint32_t n = 0; pos != next; n++) {
		uint32_t at = pos, len;

		if (n > size || at > size || size - at < hdr)
			goto corrupt;
		if (!get16(buf, at + l->len_off)) { /* end marker: wrap */
			at = 0;
			if (size < hdr)
				goto corrupt;
		}
		len = get16(buf, at + l->len_off);
		if (len < hdr || size - at < len ||
		    get16(buf, at + l->text_len_off) > len - hdr)
			goto corrupt;
		out_record(o, get64(buf, at + l->ts_off), buf + at + hdr,
			   get16(buf, at + l->text_len_off));
		pos = at + len;
	}
	return 0;
corrupt:
	msg("the kernel log buffer is corrupt at offset %u", pos);
	return -EINVAL;
}

static int legacy_write(const struct memsrc *ms, struct out *o)
{
	struct legacy l;
	uint64_t buf_addr;
	int32_t size;
	uint32_t first, next;
	uint8_t *buf = NULL;
	int err = legacy_lookup(ms, &l);

	if (err)
		return err;
	if (l.rec_size <= 0 || l.rec_size > 256 || l.len_off < 0 ||
	    l.len_off + 2 > l.rec_size || l.text_len_off < 0 ||
	    l.text_len_off + 2 > l.rec_size || l.ts_off < 0 ||
	    l.ts_off + 8 > l.rec_size) {
		msg("VMCOREINFO's printk_log layout is inconsistent");
		return -EINVAL;
	}
	err = memsrc_read_virt(ms, (uint64_t)l.log_buf, &buf_addr, 8);
	if (!err)
		err = memsrc_read_virt(ms, (uint64_t)l.buf_len_sym, &size, 4);
	if (!err)
		err = memsrc_read_virt(ms, (uint64_t)l.first_sym, &first, 4);
	if (!err)
		err = memsrc_read_virt(ms, (uint64_t)l.next_sym, &next, 4);
	if (err) {
		msg("cannot read the kernel log's indexes: %s", strerror(-err));
		return err;
	}
	if (size <= 0 || size > (1 << MAX_RING_BITS)) {
		msg("the kernel log buffer has an absurd size (%d)", size);
		return -EINVAL;
	}
	buf = read_array(ms, buf_addr, (uint64_t)size, "buffer", &err);
	if (buf)
		err = legacy_walk(&l, buf, (uint32_t)size, first, next, o);
	free(buf);
	return err;
}

int dmesg_write(const struct memsrc *ms, int fd)
{
	struct out *o = malloc(sizeof(*o));
	int64_t sym;
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	if (!ms->vi)
		err = -ENOENT;
	else if (vmcoreinfo_get(ms->vi, "SYMBOL", "prb", &sym))
		err = prb_write(ms, o);
	else
		err = legacy_write(ms, o);
	out_flush(o);
	if (!err)
		err = o->err;
	free(o);
	return err;
}
