#!/usr/bin/python3
"""Write the seed corpora of the fuzz harnesses, tests/fuzz/corpus/NAME/,
and their dictionaries, tests/fuzz/*.dict. Run it again after changing it;
the files are committed (each a few KB). Inputs the fuzzers found, kept
as corpus/NAME/found-*, are left as they are.

One small synthetic machine, laid out as tests/fuzz/fuzz.h says, holds
what the capture reads: page tables (one page that is its own PML4, PUD
and PMD), a printk ring buffer (or a legacy log_buf), mem_section (or
mem_map) and struct pages with one page of each class makedumpfile knows.
Its VMCOREINFO takes the entry names and values of real Debian kernels
(5.10, 6.1, 6.12, 7.2; a 5.4-like one for log_buf), the addresses of this
machine. The machine is then written as:

  vmcore_dump, vmcore_dmesg   ELF vmcores, their memory in small PT_LOADs
                              (zero stretches point at the zeros the
                              harness appends: option bits 0-1 of the
                              last byte), some whole pages to dump
  kdump                       kdump-compressed files (block size 1024,
                              zstd or raw), flattened streams (4096,
                              only the non-zero bytes as records)
  dmesg, filter               VMCOREINFO, options, memory patches
  config                      kdumpinit.conf text, NUL, command line

usage: make-seeds.py [OUTDIR]   (default: the directory of this script)
"""
import os
import struct
import subprocess
import sys

PS = 4096
KMAP = 0xffffffff80000000
DMAP = 0xffff888000000000
VBASE = 0xffffea0000000000
MSIZE = 2 << 20          # MACHINE_SIZE
TABLE = 0x1000           # MACHINE_TABLE
PRB_VAR = 0x2000         # `prb`: pointer to the ring
PRB = 0x2100             # struct printk_ringbuffer
LOG_VARS = 0x2800        # log_buf, log_buf_len, log_first_idx, ...
MEMMAP_VAR = 0x2900      # mem_map (FLATMEM)
DESCS = 0x3000
INFOS = 0x3400
TEXT = 0x4000            # the ring's text, or log_buf
ROOTS = 0x5000           # mem_section roots (SPARSEMEM_EXTREME)
SECS = 0x6000            # mem_section entries
PAGES = 0x10000          # struct pages (vmemmap VBASE + PAGES)
NPFN = 0x70              # struct pages written for pfns below this

# Entries of real kernels' VMCOREINFO (Debian's 5.10, 6.1, 6.12, 7.2).
PRB_61 = """SIZE(printk_ringbuffer)=88
OFFSET(printk_ringbuffer.desc_ring)=0
OFFSET(printk_ringbuffer.text_data_ring)=48
OFFSET(printk_ringbuffer.fail)=80
SIZE(prb_desc_ring)=48
OFFSET(prb_desc_ring.count_bits)=0
OFFSET(prb_desc_ring.descs)=8
OFFSET(prb_desc_ring.infos)=16
OFFSET(prb_desc_ring.head_id)=24
OFFSET(prb_desc_ring.tail_id)=32
SIZE(prb_desc)=24
OFFSET(prb_desc.state_var)=0
OFFSET(prb_desc.text_blk_lpos)=8
SIZE(prb_data_blk_lpos)=16
OFFSET(prb_data_blk_lpos.begin)=0
OFFSET(prb_data_blk_lpos.next)=8
SIZE(printk_info)=88
OFFSET(printk_info.seq)=0
OFFSET(printk_info.ts_nsec)=8
OFFSET(printk_info.text_len)=16
OFFSET(printk_info.caller_id)=20
OFFSET(printk_info.dev_info)=24
SIZE(prb_data_ring)=32
OFFSET(prb_data_ring.size_bits)=0
OFFSET(prb_data_ring.data)=8
OFFSET(prb_data_ring.head_lpos)=16
OFFSET(prb_data_ring.tail_lpos)=24
SIZE(atomic_long_t)=8
OFFSET(atomic_long_t.counter)=0
"""
PRB_510 = (PRB_61.replace("SIZE(printk_ringbuffer)=88",
                          "SIZE(printk_ringbuffer)=80")
           .replace("text_data_ring)=48", "text_data_ring)=40")
           .replace("fail)=80", "fail)=72")
           .replace("SIZE(prb_desc_ring)=48", "SIZE(prb_desc_ring)=40"))
PRB_72 = (PRB_61.replace("SIZE(printk_info)=88", "SIZE(printk_info)=112")
          .replace("dev_info)=24", "dev_info)=44"))
LEGACY = """SIZE(printk_log)=16
OFFSET(printk_log.ts_nsec)=0
OFFSET(printk_log.len)=8
OFFSET(printk_log.text_len)=10
OFFSET(printk_log.caller_id)=12
"""
PAGE_OLD = """SIZE(page)=64
OFFSET(page.flags)=0
OFFSET(page._refcount)=52
OFFSET(page.mapping)=24
OFFSET(page.lru)=8
OFFSET(page._mapcount)=48
OFFSET(page.private)=40
OFFSET(page.compound_dtor)=16
OFFSET(page.compound_order)=17
OFFSET(page.compound_head)=8
LENGTH(zone.free_area)=11
NUMBER(PG_lru)=4
NUMBER(PG_private)=13
NUMBER(PG_swapcache)=10
NUMBER(PG_swapbacked)=19
NUMBER(PG_slab)=9
NUMBER(PG_hwpoison)=23
NUMBER(PG_head_mask)=65536
NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129
NUMBER(HUGETLB_PAGE_DTOR)=2
NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257
"""
PAGE_612 = """SIZE(page)=64
OFFSET(page.flags)=0
OFFSET(page._refcount)=52
OFFSET(page.mapping)=24
OFFSET(page.lru)=8
OFFSET(page._mapcount)=48
OFFSET(page.private)=40
OFFSET(page.compound_head)=8
LENGTH(zone.free_area)=11
NUMBER(PG_lru)=5
NUMBER(PG_private)=14
NUMBER(PG_swapcache)=10
NUMBER(PG_swapbacked)=17
NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376
NUMBER(PG_hwpoison)=20
NUMBER(PG_head_mask)=64
NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456
NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592
NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240
"""
PAGE_72 = (PAGE_612.replace("page.compound_head", "page.compound_info")
           .replace("PG_hwpoison)=20", "PG_hwpoison)=21") +
           "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n")


def sparse(extreme=True, ssb=27):
    """mem_section entries; LENGTH says whether they are EXTREME's roots."""
    length = (1 << (46 - ssb)) // (PS // 32) if extreme else 4096 * 128
    return ("SYMBOL(mem_section)=%x\nLENGTH(mem_section)=%d\n"
            "SIZE(mem_section)=32\nOFFSET(mem_section.section_mem_map)=0\n"
            "NUMBER(SECTION_SIZE_BITS)=%d\nNUMBER(MAX_PHYSMEM_BITS)=46\n"
            % (DMAP + (ROOTS if extreme else SECS), length, ssb))


FLAT = "SYMBOL(mem_map)=%x\n" % (KMAP + MEMMAP_VAR)


def vmcoreinfo(release, page, log, mm, l5=0, extra=""):
    text = ("OSRELEASE=%s\nBUILD-ID=eb4fbcd037e7253717950bf2b93bd5566f47c56f\n"
            "PAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%x\n" % (release,
                                                           KMAP + TABLE))
    text += mm + page
    if log == "legacy":
        text += ("SYMBOL(log_buf)=%x\nSYMBOL(log_buf_len)=%x\n"
                 "SYMBOL(log_first_idx)=%x\nSYMBOL(log_next_idx)=%x\n"
                 % (KMAP + LOG_VARS, KMAP + LOG_VARS + 8,
                    KMAP + LOG_VARS + 16, KMAP + LOG_VARS + 24)) + LEGACY
    elif log:
        text += "SYMBOL(prb)=%x\n" % (KMAP + PRB_VAR) + log
    text += ("NUMBER(phys_base)=0\nSYMBOL(init_top_pgt)=%x\n"
             "NUMBER(pgtable_l5_enabled)=%d\nKERNELOFFSET=0\n"
             "NUMBER(sme_mask)=0\nCRASHTIME=1795892216\n"
             % (KMAP + TABLE, l5)) + extra
    return text


KERNELS = {
    # name: VMCOREINFO
    "5.10": vmcoreinfo("5.10.0-46-amd64", PAGE_OLD, PRB_510, sparse()),
    "6.1": vmcoreinfo("6.1.0-56-amd64", PAGE_OLD, PRB_61, sparse(ssb=15)),
    "6.12": vmcoreinfo("6.12.118+deb13-amd64", PAGE_612, PRB_61,
                       sparse(extreme=False, ssb=15)),
    "7.2": vmcoreinfo("7.2.13+deb14-amd64", PAGE_72, PRB_72, sparse(), l5=1),
    "5.4": vmcoreinfo("5.4.0-legacy", PAGE_OLD, "legacy", FLAT),
}


def vi_dict(text):
    d = {}
    for line in text.splitlines():
        k, _, v = line.partition("=")
        d[k] = v
    return d


def num(vi, key):
    return int(vi[key]) if key in vi else None


class Machine:
    def __init__(self, text):
        self.text = text
        self.vi = vi_dict(text)
        self.mem = bytearray(MSIZE)

    def put(self, pa, data):
        self.mem[pa:pa + len(data)] = data

    def q(self, pa, v):
        self.put(pa, struct.pack("<Q", v & (2**64 - 1)))

    def d(self, pa, v):
        self.put(pa, struct.pack("<I", v & (2**32 - 1)))

    def w(self, pa, v):
        self.put(pa, struct.pack("<H", v & 0xffff))


def build_tables(m):
    for idx, val in ((0, 0xe3), (273, TABLE | 0x63), (468, TABLE | 0x63),
                     (510, TABLE | 0x63), (511, TABLE | 0x63)):
        m.q(TABLE + idx * 8, val)


RING = 512


def build_prb(m):
    vi = m.vi
    dr = num(vi, "OFFSET(printk_ringbuffer.desc_ring)")
    tr = num(vi, "OFFSET(printk_ringbuffer.text_data_ring)")
    dsize = num(vi, "SIZE(prb_desc)")
    isize = num(vi, "SIZE(printk_info)")
    m.q(PRB_VAR, KMAP + PRB)
    m.d(PRB + dr, 3)                      # count_bits: 8 descriptors
    m.q(PRB + dr + 8, KMAP + DESCS)
    m.q(PRB + dr + 16, KMAP + INFOS)
    m.q(PRB + dr + 24, 20)                # head_id
    m.q(PRB + dr + 32, 13)                # tail_id
    m.d(PRB + tr, 9)                      # size_bits: 512 bytes
    m.q(PRB + tr + 8, DMAP + TEXT)

    def rec(rid, sid, state, begin, nxt, ts, text, tlen, caller):
        d = DESCS + (rid % 8) * dsize
        i = INFOS + (rid % 8) * isize
        m.q(d, state << 62 | sid)
        m.q(d + 8, begin)
        m.q(d + 16, nxt)
        m.q(i, rid)
        m.q(i + 8, ts)
        m.w(i + 16, tlen)
        m.d(i + 20, caller)
        if text is not None:
            at = 0 if begin % RING > nxt % RING else begin % RING
            m.q(TEXT + at, rid)
            m.put(TEXT + at + 8, text)

    rec(13, 13, 2, 2 * RING + 200, 2 * RING + 264, 0,
        b"Linux version 6.1.0 (debian-kernel)", 35, 0)
    rec(14, 14, 3, 2 * RING + 264, 2 * RING + 296, 5, b"reusable", 8, 1)
    rec(15, 15, 2, 2 * RING + 296, 2 * RING + 328, 1500000000,
        b"line one\nline two", 17, 0x80000001)
    rec(16, 16, 2, 2 * RING + 328, 2 * RING + 328, 7, None, 0, 1)
    rec(17, 17, 2, 2 * RING + 328, 2 * RING + 360, 2000001999,
        b"a\x01b\xc3\tc\r", 7, 4242)
    rec(18, 18, 2, 2 * RING + 440, 3 * RING + 56, 3000000000,
        b"BUG: kernel NULL pointer dereference", 36, 1)
    rec(19, 11, 2, 3 * RING + 56, 3 * RING + 96, 4, b"stale id", 8, 1)
    rec(20, 20, 1, 3 * RING + 96, 3 * RING + 200, 123456789012345,
        b"Kernel panic - not syncing: sysrq triggered crash", 100, 1)


def build_legacy(m):
    m.q(LOG_VARS, DMAP + TEXT)
    m.d(LOG_VARS + 8, 256)            # log_buf_len
    m.d(LOG_VARS + 16, 200)           # log_first_idx
    m.d(LOG_VARS + 24, 120)           # log_next_idx

    def rec(at, ts, length, text, caller=1):
        m.q(TEXT + at, ts)
        m.w(TEXT + at + 8, length)
        m.w(TEXT + at + 10, len(text))
        m.d(TEXT + at + 12, caller)
        m.put(TEXT + at + 16, text)

    rec(200, 9000001000, 40, b"oldest\nsecond line")
    rec(240, 0, 0, b"")                                  # wrap
    rec(0, 10000000000, 48, b"Oops: 0002 [#1] SMP PTI")
    rec(48, 11000000000, 72,
        b"Kernel panic - not syncing: Fatal exception\xff", 0x80000003)


def build_pages(m):
    vi = m.vi
    flat = "SYMBOL(mem_map)" in vi
    if flat:
        m.q(MEMMAP_VAR, VBASE + PAGES)
    else:
        ssb = num(vi, "NUMBER(SECTION_SIZE_BITS)")
        spfn = 1 << (ssb - 12)
        extreme = vi["SYMBOL(mem_section)"] == "%x" % (DMAP + ROOTS)
        if extreme:
            m.q(ROOTS, DMAP + SECS)
        for s in range(max(1, NPFN // spfn)):
            if s != 5:                                 # a section missing
                m.q(SECS + s * 32, (VBASE + PAGES) | 3)
    o_flags = num(vi, "OFFSET(page.flags)")
    o_map = num(vi, "OFFSET(page.mapping)")
    o_priv = num(vi, "OFFSET(page.private)")
    o_head = num(vi, "OFFSET(page.compound_head)")
    if o_head is None:
        o_head = num(vi, "OFFSET(page.compound_info)")
    o_type = num(vi, "OFFSET(page._mapcount)")
    head_mask = num(vi, "NUMBER(PG_head_mask)")
    bits = {k: num(vi, "NUMBER(PG_%s)" % k)
            for k in ("lru", "private", "swapcache", "swapbacked", "slab",
                      "hwpoison")}

    def sp(pfn):
        return PAGES + pfn * 64

    def flags(pfn, *names, extra=0):
        v = extra
        for n in names:
            if bits[n] is not None:
                v |= 1 << bits[n]
        m.q(sp(pfn) + o_flags, v)

    def ptype(pfn, key):
        v = num(vi, "NUMBER(%s)" % key)
        if v is not None:
            m.d(sp(pfn) + o_type, v)

    def buddy(pfn, order):
        ptype(pfn, "PAGE_BUDDY_MAPCOUNT_VALUE")
        m.q(sp(pfn) + o_priv, order)

    def compound(pfn, order, *names, hugetlb=False):
        flags(pfn, *names, extra=head_mask)
        tail = sp(pfn + 1)
        if "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)" in vi:
            m.q(tail + o_flags, order)
            if hugetlb:
                ptype(pfn, "PAGE_HUGETLB_MAPCOUNT_VALUE")
        else:
            m.put(tail + num(vi, "OFFSET(page.compound_order)"),
                  bytes([order]))
            if hugetlb:
                m.put(tail + num(vi, "OFFSET(page.compound_dtor)"),
                      bytes([num(vi, "NUMBER(HUGETLB_PAGE_DTOR)")]))
        for i in range(1, 1 << order):
            m.q(sp(pfn + i) + o_head, (VBASE + sp(pfn)) | 1)

    buddy(0x40, 2)
    flags(0x44, "lru")
    m.q(sp(0x44) + o_map, DMAP + 0x100000)
    flags(0x45, "lru", "private")
    m.q(sp(0x45) + o_map, DMAP + 0x100000)
    flags(0x46, "lru")
    m.q(sp(0x46) + o_map, DMAP + 0x100001)              # anonymous
    flags(0x47, "hwpoison")
    compound(0x48, 1, "lru")
    m.q(sp(0x48) + o_map, DMAP + 0x100001)
    flags(0x4a, "slab")
    ptype(0x4a, "PAGE_SLAB_MAPCOUNT_VALUE")
    m.q(sp(0x4a) + o_map, DMAP + 0x100001)
    ptype(0x4b, "PAGE_OFFLINE_MAPCOUNT_VALUE")
    compound(0x4c, 2, hugetlb=True)
    flags(0x50, "swapcache", "swapbacked")
    buddy(0x58, 3)
    buddy(0x60, 11)                                   # impossible order
    ptype(0x68, "PAGE_UNACCEPTED_MAPCOUNT_VALUE")


def machine(kernel):
    m = Machine(KERNELS[kernel])
    build_tables(m)
    if "SYMBOL(prb)" in m.vi:
        build_prb(m)
    elif "SYMBOL(log_buf)" in m.vi:
        build_legacy(m)
    build_pages(m)
    # Page contents for the dump: text, a pattern, zeros.
    for pfn in range(0x40, 0x60):
        if pfn % 4 == 1:
            m.put(pfn * PS, (b"kdumpinit page %3d " % pfn) * 200)
        elif pfn % 4 == 2:
            m.put(pfn * PS, bytes((i * 7 + pfn) & 0xff for i in range(PS)))
    return m


def runs(mem, a, b, gap=24):
    """Split [a, b) into (start, end, nonzero) runs; short zero gaps
    stay inside a non-zero run."""
    out = []
    i = a
    while i < b:
        j = i
        if mem[i]:
            zeros = 0
            while j < b and zeros <= gap:
                zeros = zeros + 1 if not mem[j] else 0
                j += 1
            j -= zeros if j < b else 0
            out.append((i, j, True))
        else:
            while j < b and not mem[j]:
                j += 1
            out.append((i, j, False))
        i = j
    return out


# --- ELF vmcores -------------------------------------------------------

def note(name, typ, desc):
    def pad(b):
        return b + bytes(-len(b) % 4)
    n = name.encode() + b"\0"
    return struct.pack("<III", len(n), len(desc), typ) + pad(n) + pad(desc)


# Physical memory exposed byte by byte, and the whole pages (pfn, pages,
# file data: "zero", "alias" (the file's first bytes) or "mem", extra
# pages past the data).
LOW = [(TABLE, TABLE + 8 * 512), (PRB_VAR, 0x4000 + RING),
       (ROOTS, SECS + 32 * 16), (PAGES, PAGES + NPFN * 64)]
WHOLE = [(0x40, 8, "zero", 0), (0x48, 4, "alias", 0), (0x4c, 1, "zero", 7)]


def elf_vmcore(m, opt, ncpu=1, low=LOW, whole=WHOLE):
    notes = b"".join(note("CORE", 1, bytes(336)) for _ in range(ncpu))
    notes += note("VMCOREINFO", 0, m.text.encode())
    segs = []                         # [paddr, memsz, filesz, data or tag]
    for a, b in low:
        for s, e, nz in runs(m.mem, a, b):
            while not nz and e - s > 0x10000:
                segs.append([s, 0x10000, 0x10000, "zero"])
                s += 0x10000
            segs.append([s, e - s, e - s, bytes(m.mem[s:e]) if nz else "zero"])
    for pfn, n, kind, extra in whole:
        data = bytes(m.mem[pfn * PS:(pfn + n) * PS]) if kind == "mem" else kind
        segs.append([pfn * PS, (n + extra) * PS, n * PS, data])
    nph = 1 + len(segs)
    off = 64 + 56 * nph
    blobs = b""
    body_off = off + len(notes)
    for s in segs:
        if isinstance(s[3], bytes):
            s.append(body_off + len(blobs))
            blobs += s[3]
    size = body_off + len(blobs) + 1           # + the option byte
    ph = [struct.pack("<IIQQQQQQ", 4, 0, off, 0, 0, len(notes), 0, 0)]
    for s in segs:
        if s[3] == "zero":
            foff = size                        # the zeros appended
        elif s[3] == "alias":
            foff = 0
        else:
            foff = s[4]
        ph.append(struct.pack("<IIQQQQQQ", 1, 7, foff, DMAP + s[0], s[0],
                              s[2], s[1], 0))
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) +
          struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, nph,
                      0, 0, 0))
    out = eh + b"".join(ph) + notes + blobs + bytes([opt])
    assert len(out) == size
    return out


# --- kdump-compressed --------------------------------------------------

def zstd(page):
    try:
        return subprocess.run(["zstd", "-q", "-c", "-19", "--no-check", "-"],
                              input=page, stdout=subprocess.PIPE,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def kdump_file(m, bs, blocks, compress=True, incomplete=False, version=6,
               max_mapnr=None):
    """A kdump-compressed file of machine @m in blocks of @bs bytes that
    holds @blocks (block numbers), laid out as kdump_write.c does."""
    vi = m.text.encode()
    notes = note("VMCOREINFO", 0, vi)
    max_mapnr = max_mapnr or (0x60 * PS) // bs
    sub_blocks = (104 + len(notes) + bs - 1) // bs
    bmp_blocks = (max_mapnr + bs * 8 - 1) // (bs * 8)
    hdr = bytearray(464)
    hdr[0:8] = b"KDUMP   "
    struct.pack_into("<i", hdr, 8, version)
    for i, s in enumerate((b"Linux", b"fuzzhost", m.vi["OSRELEASE"].encode(),
                           b"#1 SMP", b"x86_64", b"(none)")):
        hdr[12 + i * 65:12 + i * 65 + len(s)] = s
    struct.pack_into("<q", hdr, 408, 1795892216)
    status = (0x20 if compress else 0) | (8 if incomplete else 0)
    struct.pack_into("<IIIIII", hdr, 424, status, bs, sub_blocks,
                     2 * bmp_blocks, min(max_mapnr, 2**32 - 1), 0)
    struct.pack_into("<I", hdr, 460, 1)
    sub = bytearray(104)
    struct.pack_into("<QiI", sub, 0, 0, 31, 0)
    desc_in_note = 12 + 12                      # "VMCOREINFO\0" padded
    struct.pack_into("<QQQQ", sub, 32, bs + 104 + desc_in_note, len(vi),
                     bs + 104, len(notes))
    struct.pack_into("<Q", sub, 96, max_mapnr)
    f = bytearray(bs * (1 + sub_blocks + 2 * bmp_blocks))
    f[0:464] = hdr
    f[bs:bs + 104] = sub
    f[bs + 104:bs + 104 + len(notes)] = notes
    off1 = bs * (1 + sub_blocks)
    one = bs * bmp_blocks
    blocks = sorted(b for b in set(blocks) if b < max_mapnr)
    for b in range(max_mapnr):
        if (b * bs) // PS < 0x60:
            f[off1 + b // 8] |= 1 << (b % 8)
    for b in blocks:
        f[off1 + one + b // 8] |= 1 << (b % 8)
    descs = bytearray()
    data = bytearray()
    data_off = off1 + 2 * one + 24 * len(blocks)
    zero = None
    for b in blocks:
        page = bytes(m.mem[b * bs:(b + 1) * bs])
        if not any(page):
            if zero is None:
                zero = (data_off + len(data), len(bs * b"\0"))
                data += bytes(bs)
            descs += struct.pack("<QIIQ", zero[0], bs, 0, 0)
            continue
        c = zstd(page) if compress or b < 0x40 * PS // bs else None
        if c and len(c) < bs:
            descs += struct.pack("<QIIQ", data_off + len(data), len(c),
                                 0x20, 0)
            data += c
        else:
            descs += struct.pack("<QIIQ", data_off + len(data), bs, 0, 0)
            data += page
    return bytes(f + descs + data)


def flattened(full, end=True):
    """The flattened stream of file @full, its non-zero runs as records."""
    out = bytearray(4096)
    out[0:12] = b"makedumpfile"
    struct.pack_into(">QQ", out, 16, 1, 1)
    for s, e, nz in runs(full, 0, len(full), gap=32):
        if nz:
            out += struct.pack(">qq", s, e - s) + full[s:e]
    # the last byte, so that the rebuilt file has its size
    out += struct.pack(">qq", len(full) - 1, 1) + full[-1:]
    if end:
        out += struct.pack(">qq", -1, -1)
    return bytes(out)


# --- the synthetic machine's input (fuzz.h) -----------------------------

def machine_input(m, opt0, opt1=0):
    """The page tables are left out: the harness builds them."""
    out = bytearray(m.text.encode() + b"\0" + bytes([opt0, opt1]))
    spans = [(0, TABLE), (TABLE + PS, PAGES + NPFN * 64)]
    for s, e, nz in [r for a, b in spans for r in runs(m.mem, a, b, gap=16)]:
        if not nz:
            continue
        while s < e:
            n = min(e - s, 0xffff)
            out += struct.pack("<IH", s, n) + m.mem[s:s + n]
            s += n
    return bytes(out)


# --- config -------------------------------------------------------------

CONFIGS = [
    ("# a dump config\n\nxfs UUID=1234-abcd   # the dump disk\n"
     "path /srv/dumps\ndump_level 17\ncompress none\nzstd_level 19\n"
     "  device_timeout\t90  \r\ndump_timeout 600\nthreads 4\nformat elf\n"
     "hostname web-1.example\nextra_modules nvme ahci\n"
     "extra_modules ahci sd_mod\nfailure_action poweroff\n"
     "final_action halt\n", "ro quiet kdumpinit.dump_level=1"),
    ("ext4 LABEL=dumps\ndump_level 40\nzstd_level 0\nfailure_action shell\n"
     "frobnicate 1\ndevice_timeout 010x\npath relative/dir\nraw /dev/sdb1\n"
     "threads 65\n", ""),
    ("nfs srv:/e\nnfs_version 3\nnfs_port 12049\nnfs_mount_port 12050\n"
     "io_timeout 5\nretry_window 0\nip 10.0.2.15::10.0.2.2:24::eth0:none\n"
     "nameserver 10.0.2.3\nnet_interface 52:54:00:12:34:56\n",
     "quiet kdumpinit.ip=eth1:dhcp kdumpinit.retry_window=30"),
    ("nfs [fd00::1]:/e\nip [fd00::5]::[fd00::1]:64::eth0:none\n"
     "nameserver fd00::1\nnet_timeout 60\n",
     'kdumpinit.extra_modules="nvme ahci" kdumpinit.x'),
    ("ssh kdump@backup.example\nssh_port 2222\nsshkey /root/.ssh/id_kdump\n"
     "known_hosts /etc/kdumpinit/known_hosts\nhostname h1\n",
     "kdumpinit.ssh_port=22 kdumpinit.final_action=halt"),
    ("ext4 /dev/vdb\ncompress none\ncore_collector makedumpfile -l "
     "--message-level 7 -d 31\n", ""),
    ("ext4 /dev/vdb\ncore_collector /usr/sbin/makedumpfile -zF -d1\n"
     "core_collector makedumpfile -c -d 11,31\n"
     "core_collector makedumpfile --num-threads 4\n"
     "core_collector makedumpfile -E\ncore_collector cp\n", ""),
    ("ext4 /dev/vdb\npath /var/crash#1 # where\n  # indented comment\n"
     "#dump_level 40\ndefault reboot\nkdump_pre /bin/true\n",
     "kdumpinit.dump_level=77 kdumpinit.path=/x kdumpinit.hostname=" +
     "h" * 70),
    ("btrfs PARTUUID=0a1b-02\nvfat PARTLABEL=dump\next3 /dev/sdb1\n"
     "ip dhcp\nip eth0:dhcp6\n", 'kdumpinit.ip="10.0.0.9::10.0.0.1:'
     '255.255.255.0:host:eth0:none:10.0.0.1"'),
    ("ext4 UUID=" + "a" * 1100 + "\n", "kdumpinit." + "k" * 1100 + "=v"),
]

DICT_VMCOREINFO = sorted(set(
    [line.split("=")[0] + "=" for t in KERNELS.values()
     for line in t.splitlines()] +
    ["SYMBOL(", "OFFSET(", "SIZE(", "LENGTH(", "NUMBER(", "=ffffffff",
     "=ffff8880", "=-", "\n", "KDUMP   ", "makedumpfile", "\x7fELF",
     "VMCOREINFO", "CORE", "Kernel panic - not syncing", "BUG: ", "Oops",
     "SYMBOL(init_level4_pgt)=", "OFFSET(folio._folio_order)=",
     "OFFSET(folio._folio_dtor)=", "OFFSET(page.page_type)=",
     "NUMBER(PG_buddy)=", "NUMBER(PG_hugetlb)=", "SIZE(log)=",
     "OFFSET(log.len)=", "OFFSET(log.text_len)=", "OFFSET(log.ts_nsec)="]))

DICT_CONFIG = sorted(set(
    ["ext2 ", "ext3 ", "ext4 ", "xfs ", "btrfs ", "vfat ", "nfs ", "ssh ",
     "path ", "sshkey ", "known_hosts ", "core_collector makedumpfile ",
     "extra_modules ", "failure_action ", "default ", "final_action ",
     "dump_level ", "compress ", "zstd_level ", "format ", "hostname ",
     "threads ", "device_timeout ", "dump_timeout ", "io_timeout ",
     "retry_window ", "nfs_version ", "nfs_port ", "nfs_mount_port ",
     "ssh_port ", "ip ", "nameserver ", "net_interface ", "net_timeout ",
     "raw ", "kdump_pre ", "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=",
     "/dev/", "kdumpinit.", "\"", "#", "\n", " -d ", " -l", " -c", " -p",
     " -z", " -E", " -F", " --message-level ", "dhcp", "dhcp6", "none",
     "::", "reboot", "halt", "poweroff", "zstd", "elf", "kdump"]))


def write_dict(path, words):
    with open(path, "w") as f:
        for w in words:
            esc = "".join(c if 32 <= ord(c) < 127 and c not in '"\\'
                          else "\\x%02x" % ord(c) for c in w)
            f.write('"%s"\n' % esc)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    corpus = os.path.join(top, "corpus")
    files = {}

    def add(harness, name, data):
        files[(harness, name)] = data

    ms = {k: machine(k) for k in KERNELS}
    # ELF vmcores: the last byte: pad 64 KiB (3), level bits 2-3, format
    # bit 4, stream bit 5, ENOSPC bit 6, no compression bit 7.
    add("vmcore_dump", "6.1-l31", elf_vmcore(ms["6.1"], 3))
    add("vmcore_dump", "6.12-l0-elf", elf_vmcore(ms["6.12"], 3 | 4 | 16))
    add("vmcore_dump", "7.2-l16-flat", elf_vmcore(ms["7.2"], 3 | 8 | 32))
    add("vmcore_dump", "5.10-l1-enospc-raw",
        elf_vmcore(ms["5.10"], 3 | 12 | 64 | 128, ncpu=2))
    add("vmcore_dump", "5.4-flatmem-l31-elf-flat",
        elf_vmcore(ms["5.4"], 3 | 16 | 32))
    add("vmcore_dump", "6.1-l0-enospc", elf_vmcore(ms["6.1"], 3 | 4 | 64))
    for k in ("5.10", "6.1", "7.2", "5.4"):
        add("vmcore_dmesg", k, elf_vmcore(ms[k], 3 | (4 if k != "6.1"
                                                       else 0)))
    # kdump-compressed: blocks of 1024 bytes (tables, ring, mem_section,
    # struct pages and some data pages), and a flattened 4096 one.
    low = [b for a, e in LOW for b in range(a // 1024, (e + 1023) // 1024)]
    data = list(range(0x41 * 4, 0x43 * 4))
    for k, blocks, kw in (("6.1", data, {}),
                          ("7.2", data[:2], {"compress": False}),
                          ("5.4", data, {"version": 4})):
        add("kdump", k + "-bs1024", kdump_file(ms[k], 1024, low + blocks,
                                               **kw))
    pages = [b for a, e in LOW for b in range(a // PS, (e + PS - 1) // PS)]
    full = kdump_file(ms["6.12"], PS, pages + list(range(0x40, 0x50)))
    add("kdump", "6.12-flat", flattened(full))
    add("kdump", "6.12-flat-cut", flattened(full[:len(full) - 300],
                                            end=False))
    inc = kdump_file(ms["5.10"], 1024, low + data, incomplete=True)
    add("kdump", "5.10-incomplete", inc[:len(inc) - 700])
    add("kdump", "elf", elf_vmcore(ms["6.1"], 0)[:3000])
    # The synthetic machine: option byte 0 (dmesg: bit 0 caller, bit 1
    # hole, bit 2 EIO; filter: bits 0-4 level, 5 hole, 6-7 window).
    for k in KERNELS:
        add("dmesg", k, machine_input(ms[k], 1 if k != "6.1" else 0))
    add("dmesg", "6.1-hole-eio", machine_input(ms["6.1"], 6))
    for k, o0, o1 in (("5.10", 31, 0), ("6.1", 31 | 64, 1),
                      ("6.12", 16 | 128, 0), ("7.2", 31 | 192, 2),
                      ("5.4", 14 | 32, 0), ("6.1", 2 | 4, 0)):
        add("filter", "%s-%d-%d" % (k, o0, o1), machine_input(ms[k], o0, o1))
    for i, (conf, cmdline) in enumerate(CONFIGS):
        add("config", "%02d" % i, (conf + "\0" + cmdline).encode())

    # Inputs the fuzzers found (found-*) stay; the rest is made again.
    for h in sorted({h for h, _ in files}):
        d = os.path.join(corpus, h)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if not name.startswith("found-"):
                os.remove(os.path.join(d, name))
    for (h, name), data in sorted(files.items()):
        with open(os.path.join(corpus, h, name), "wb") as f:
            f.write(data)
    write_dict(os.path.join(top, "vmcoreinfo.dict"), DICT_VMCOREINFO)
    write_dict(os.path.join(top, "config.dict"), DICT_CONFIG)
    for (h, name), data in sorted(files.items()):
        print("%-14s %-26s %6d" % (h, name, len(data)))


main()
