#!/usr/bin/python3
"""Compare the pages of a dump, read with libkdumpfile, to a source ELF
vmcore read directly. Used by tests/dump-*.test.

usage: kdumpfile-compare.py SRC DUMP [--every N] [--allow-missing]
                             [--expect-read N]
  --every N        compare every Nth present pfn (default 1: all of them)
  --allow-missing  pages may be missing (left out by the filter, or an
                   incomplete dump); those read must be equal, and at
                   least one must be
  --expect-read N  exactly N pages must be read (equal)
Prints one summary line; exits 1 on the first kind of mismatch found.
"""
import struct
import sys

import kdumpfile
from kdumpfile.exceptions import NoDataException

KERNEL_TEXT = 0xffffffff80000000


def source_segments(path):
    with open(path, 'rb') as f:
        eh = f.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phnum, = struct.unpack_from('<H', eh, 56)
        f.seek(phoff)
        ph = f.read(56 * phnum)
    segs = []
    for i in range(phnum):
        typ, _, off, vaddr, paddr, filesz, _, _ = \
            struct.unpack_from('<IIQQQQQQ', ph, 56 * i)
        # The kernel-text segment repeats part of the direct map.
        if typ == 1 and vaddr < KERNEL_TEXT:
            segs.append((paddr, off, filesz))
    return segs


def main():
    args = sys.argv[1:]
    every = 1
    allow_missing = '--allow-missing' in args
    expect = None
    if '--expect-read' in args:
        expect = int(args[args.index('--expect-read') + 1])
    if '--every' in args:
        every = int(args[args.index('--every') + 1])
    src, dump = args[0], args[1]
    k = kdumpfile.kdumpfile(dump)
    ps = 4096
    n = same = missing = bad = 0
    with open(src, 'rb') as f:
        for paddr, off, size in source_segments(src):
            for i in range(0, size // ps, every):
                f.seek(off + i * ps)
                want = f.read(ps)
                n += 1
                try:
                    got = k.read(kdumpfile.KDUMP_MACHPHYSADDR,
                                 paddr + i * ps, ps)
                except NoDataException:
                    missing += 1
                    if not allow_missing:
                        bad += 1
                        print('pfn %#x missing' % ((paddr // ps) + i))
                    continue
                if got != want:
                    bad += 1
                    print('pfn %#x differs' % ((paddr // ps) + i))
                else:
                    same += 1
                if bad > 10:
                    break
    print('%d pages compared: %d equal, %d missing, %d bad'
          % (n, same, missing, bad))
    if expect is not None and same != expect:
        print('expected %d pages read, got %d' % (expect, same))
        return 1
    return 1 if bad or same == 0 else 0


sys.exit(main())
