#!/usr/bin/python3
"""Compare the dumped-page sets (2nd bitmaps) of two kdump-compressed
files, e.g. kdumpinit's and makedumpfile's dump of the same vmcore.

usage: filter-compare.py A B [--allow PFN[-PFN]...]
Prints the number of pages each keeps and, when they differ, the counts
and first pfns kept by only one of them; exits 0 when the sets are equal
(pfns named by --allow, documented exceptions, are left out of the
comparison), 1 when not, 2 on a bad file.
"""
import struct
import sys

HDR = '<8si390x6xqqIiiIIIIIIi'


def read_bitmap2(path):
    with open(path, 'rb') as f:
        h = f.read(464)
        if len(h) < 464 or h[:8] != b'KDUMP   ':
            raise ValueError(f'{path}: not a kdump-compressed file')
        (_, _, _, _, _, bs, sub_blocks, bmp_blocks, _, _, _, _, _,
         _) = struct.unpack(HDR, h)
        f.seek(bs)
        sub = f.read(104)
        max_mapnr = struct.unpack_from('<Q', sub, 96)[0]
        half = bmp_blocks // 2 * bs
        f.seek((1 + sub_blocks) * bs + half)
        bmp = f.read(half)
        if len(bmp) != half or max_mapnr > half * 8:
            raise ValueError(f'{path}: truncated bitmap')
    return max_mapnr, int.from_bytes(bmp, 'little')


def parse_allow(args):
    allow = set()
    for a in args:
        lo, _, hi = a.partition('-')
        allow.update(range(int(lo, 0), int(hi or lo, 0) + 1))
    return allow


def pfns(x, limit=8):
    out = []
    while x and len(out) < limit:
        low = x & -x
        out.append(hex(low.bit_length() - 1))
        x ^= low
    return ' '.join(out)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    allow = parse_allow(sys.argv[4:] if sys.argv[3:4] == ['--allow']
                        else [])
    try:
        na, a = read_bitmap2(sys.argv[1])
        nb, b = read_bitmap2(sys.argv[2])
    except (OSError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    n = min(na, nb)
    mask = (1 << n) - 1
    for p in allow:
        mask &= ~(1 << p)
    a &= mask
    b &= mask
    print(f'kept: {bin(a).count("1")} (A) {bin(b).count("1")} (B) '
          f'of {n} pfns')
    if a == b:
        return 0
    only_a, only_b = a & ~b, b & ~a
    print(f'only A: {bin(only_a).count("1")} [{pfns(only_a)}]')
    print(f'only B: {bin(only_b).count("1")} [{pfns(only_b)}]')
    return 1


sys.exit(main())
