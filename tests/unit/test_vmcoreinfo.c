/* SPDX-License-Identifier: MIT */
/* VMCOREINFO parsing: fixed fields, lookups by kind and name, bad input. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "vmcoreinfo.h"

/* As the kernel writes it, padded with NULs like a note descriptor. */
static const char text[] =
	"OSRELEASE=6.1.0-18-amd64\nBUILD-ID=5a2b9f0c1d\nPAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff9b613ec0\nSYMBOL(prb)=ffffffff9b2a8e48\n"
	"SYMBOL(prb_x)=1\nOFFSET(page.flags)=0\nOFFSET(page._mapcount)=48\n"
	"SIZE(page)=64\nLENGTH(zone.free_area)=11\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(kimage_voffset)=0xffffffc008000000\nNUMBER(bad)=12x\n"
	"KERNELOFFSET=1a000000\nCRASHTIME=1700000123\0\0\0";

static void test_fixed_fields(void)
{
	struct vmcoreinfo vi;

	CHECK_EQ_U(vmcoreinfo_parse(&vi, text, sizeof(text) - 1), 0);
	CHECK_STR(vi.osrelease, "6.1.0-18-amd64");
	CHECK_STR(vi.build_id, "5a2b9f0c1d");
	CHECK_EQ_U(vi.page_size, 4096);
	CHECK_EQ_U(vi.kerneloffset, 0x1a000000);
	CHECK(vi.has_crashtime);
	CHECK_EQ_U(vi.crashtime, 1700000123);
	CHECK_EQ_U(vi.size, strlen(text)); /* the NUL padding is not text */
	vmcoreinfo_free(&vi);
}

static void test_lookup(void)
{
	struct vmcoreinfo vi;
	int64_t v = 0;
	size_t len = 0;
	const char *raw;

	CHECK_EQ_U(vmcoreinfo_parse(&vi, text, sizeof(text) - 1), 0);
	CHECK(vmcoreinfo_get(&vi, "SYMBOL", "prb", &v));
	CHECK_EQ_U(v, 0xffffffff9b2a8e48ull);
	CHECK(vmcoreinfo_get(&vi, "OFFSET", "page._mapcount", &v));
	CHECK_EQ_U(v, 48);
	CHECK(vmcoreinfo_get(&vi, "SIZE", "page", &v));
	CHECK_EQ_U(v, 64);
	CHECK(vmcoreinfo_get(&vi, "LENGTH", "zone.free_area", &v));
	CHECK_EQ_U(v, 11);
	CHECK(vmcoreinfo_get(&vi, "NUMBER", "PAGE_BUDDY_MAPCOUNT_VALUE", &v));
	CHECK(v == -129);
	CHECK(vmcoreinfo_get(&vi, "NUMBER", "kimage_voffset", &v));
	CHECK_EQ_U(v, 0xffffffc008000000ull);
	CHECK(!vmcoreinfo_get(&vi, "NUMBER", "bad", &v));
	CHECK(!vmcoreinfo_get(&vi, "SYMBOL", "pr", &v));
	CHECK(!vmcoreinfo_get(&vi, "OFFSET", "page", &v));
	CHECK(!vmcoreinfo_get(&vi, "SIZE", "page.flags", &v));
	raw = vmcoreinfo_raw(&vi, "OSRELEASE", &len);
	CHECK(raw && len == 14 && !memcmp(raw, "6.1.0-18-amd64", 14));
	CHECK(!vmcoreinfo_raw(&vi, "OSREL", &len));
	vmcoreinfo_free(&vi);
}

static void test_required(void)
{
	static const char *const bad[] = {
		"PAGESIZE=4096\n",
		"OSRELEASE=6.1\n",
		"OSRELEASE=6.1\nPAGESIZE=4k\n",
		"OSRELEASE=6.1\nPAGESIZE=-4096\n",
		"",
	};
	struct vmcoreinfo vi;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_U(vmcoreinfo_parse(&vi, bad[i], strlen(bad[i])),
			   -EINVAL);
		CHECK(vi.text == NULL);
	}
	/* without a final newline, and without optional fields */
	CHECK_EQ_U(vmcoreinfo_parse(&vi, "OSRELEASE=5.10\nPAGESIZE=65536", 29),
		   0);
	CHECK_EQ_U(vi.page_size, 65536);
	CHECK(!vi.has_crashtime);
	CHECK_EQ_U(vi.kerneloffset, 0);
	vmcoreinfo_free(&vi);
}

int main(void)
{
	RUN(test_fixed_fields);
	RUN(test_lookup);
	RUN(test_required);
	CHECK_EXIT();
}
