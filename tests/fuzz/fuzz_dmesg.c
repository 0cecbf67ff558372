/* SPDX-License-Identifier: MIT */
/*
 * Both kernel log readers (dmesg_prb.c, dmesg_legacy.c) and the address
 * translation under them (arch_x86_64.c, memsrc.c) on the synthetic
 * machine of fuzz.h: VMCOREINFO and memory come from the input.
 *
 * Option byte 0: bit 0 DMESG_CALLER; bit 1 the hole between the
 * segments; bit 2 reads of [EIO_START, EIO_END) fail with -EIO.
 * Option byte 1: pages of memory past the file's end (not present).
 *
 * Property: the same log comes out twice (no state kept between runs).
 * FUZZ_SHOW=1 in the environment prints the log.
 */
#include "dmesg.h"
#include "fuzz.h"

#define EIO_START 0x100000u
#define EIO_END 0x108000u
#define OUT_CHECK (1u << 20) /* logs up to this are compared */

static struct machine m;
static int out_fd = -1;
static bool eio;
static int (*inner_read)(void *ctx, uint64_t paddr, void *buf, size_t len);

static int read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	if (eio && paddr < EIO_END && paddr + len > EIO_START)
		return -EIO;
	return inner_read(ctx, paddr, buf, len);
}

static int run(const struct memsrc *ms, unsigned int flags, char **log,
	       size_t *len)
{
	int err;
	off_t end;

	fuzz_fill(out_fd, NULL, 0, 0);
	if (lseek(out_fd, 0, SEEK_SET))
		abort();
	err = dmesg_write(ms, out_fd, flags);
	end = lseek(out_fd, 0, SEEK_END);
	*len = end > 0 ? (size_t)end : 0;
	*log = NULL;
	if (*len && *len <= OUT_CHECK) {
		*log = malloc(*len);
		if (!*log || pread(out_fd, *log, *len, 0) != (ssize_t)*len)
			abort();
	}
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memsrc ms;
	char *a, *b;
	size_t alen, blen, n;
	unsigned int flags;
	int ea, eb;

	if (out_fd < 0) {
		machine_setup(&m);
		out_fd = fuzz_memfd("fuzz-dmesg-out");
	}
	if (!machine_load(&m, data, size))
		return 0;
	machine_segs(&m, m.opt[0] & 2, m.opt[1]);
	eio = m.opt[0] & 4;
	flags = m.opt[0] & 1 ? DMESG_CALLER : 0;
	vmcore_memsrc(&m.vc, &ms);
	inner_read = ms.read_phys;
	ms.read_phys = read_phys;

	ea = run(&ms, flags, &a, &alen);
	if (a)
		dmesg_panic_line(a, alen, &n);
	if (getenv("FUZZ_SHOW")) /* see what a seed gives */
		printf("dmesg_write: %d\n%.*s", ea, (int)alen, a ? a : "");
	eb = run(&ms, flags, &b, &blen);
	if (ea != eb || alen != blen || (a && b && memcmp(a, b, alen)))
		FUZZ_FAIL("dmesg_write gave a different log the second time "
			  "(%d, %zu bytes; then %d, %zu bytes)",
			  ea, alen, eb, blen);
	free(a);
	free(b);
	return 0;
}
