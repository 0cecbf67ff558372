/* SPDX-License-Identifier: MIT */
/*
 * The variable-length record log_buf of Linux 3.5 to 5.9: records from
 * log_first_idx to log_next_idx, a zero-length record wrapping to the
 * start of the buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg_priv.h"
#include "util.h"

struct legacy {
	int64_t log_buf, buf_len_sym, first_sym, next_sym, rec_size, len_off,
		text_len_off, ts_off;
	int64_t caller_off; /* -1: not in VMCOREINFO (no PRINTK_CALLER) */
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
	int err = dmesg_lookup(ms, n, ARRAY_SIZE(n));

	if (err)
		return err;
	if (!vmcoreinfo_get(ms->vi, "OFFSET", "printk_log.caller_id",
			    &l->caller_off))
		l->caller_off = -1;
	if (!vmcoreinfo_get(ms->vi, "SIZE", "printk_log", &l->rec_size) &&
	    vmcoreinfo_get(ms->vi, "SIZE", "log", &l->rec_size))
		return dmesg_lookup(ms, old, ARRAY_SIZE(old));
	return dmesg_lookup(ms, rec, ARRAY_SIZE(rec));
}

/* The record's caller_id, or -1 when VMCOREINFO does not place it. */
static int64_t legacy_caller(const struct legacy *l, const uint8_t *rec)
{
	if (!field_fits(l->caller_off, 4, l->rec_size))
		return -1;
	return (int64_t)dmesg_get32(rec, l->caller_off);
}

/* Walk the records from @first to @next, wrapping at a zero-length one. */
static int legacy_walk(const struct legacy *l, const uint8_t *buf,
		       uint32_t size, uint32_t first, uint32_t next,
		       struct out *o)
{
	uint64_t hdr = (uint64_t)l->rec_size, walked = 0;
	uint32_t pos = first;

	/* A log is read once around at most: records that lead back to
	 * where they were are a cycle, not more log. */
	while (pos != next) {
		uint32_t at = pos, len;

		if (at > size || size - at < hdr)
			goto corrupt;
		if (!dmesg_get16(buf, at + l->len_off)) { /* end marker: wrap */
			walked += size - at;
			at = 0;
			if (size < hdr)
				goto corrupt;
		}
		len = dmesg_get16(buf, at + l->len_off);
		walked += len;
		if (len < hdr || size - at < len || walked > size ||
		    dmesg_get16(buf, at + l->text_len_off) > len - hdr)
			goto corrupt;
		dmesg_out_record(o, dmesg_get64(buf, at + l->ts_off),
				 legacy_caller(l, buf + at), buf + at + hdr,
				 dmesg_get16(buf, at + l->text_len_off));
		pos = at + len;
	}
	return 0;
corrupt:
	msg("the kernel log buffer is corrupt at offset %u", pos);
	return -EINVAL;
}

int dmesg_legacy_write(const struct memsrc *ms, struct out *o)
{
	struct legacy l;
	uint64_t buf_addr;
	int32_t size;
	uint32_t first, next;
	uint8_t *buf = NULL;
	int err = legacy_lookup(ms, &l);

	if (err)
		return err;
	if (l.rec_size <= 0 || l.rec_size > 256 ||
	    !field_fits(l.len_off, 2, l.rec_size) ||
	    !field_fits(l.text_len_off, 2, l.rec_size) ||
	    !field_fits(l.ts_off, 8, l.rec_size)) {
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
	buf = dmesg_read_array(ms, buf_addr, (uint64_t)size, "buffer", &err);
	if (buf)
		err = legacy_walk(&l, buf, (uint32_t)size, first, next, o);
	free(buf);
	return err;
}
