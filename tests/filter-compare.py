#!/usr/bin/python3
"""Compare the dumped-page sets (2nd bitmaps) of two kdump-compressed
files, e.g. kdumpinit's and makedumpfile's dump of the same vmcore.

usage: filter-compare.py [--subset] A B
Prints the number of pages each keeps and, when they differ, the counts
and first pfns kept by only one of them; exits 0 when the sets are equal
(with --subset: when A keeps no page that B leaves out), 1 when not, 2 on
a bad file. Pfns past the smaller max_mapnr are not compared.
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


def pfns(x, limit=8):
    out = []
    while x and len(out) < limit:
        low = x & -x
        out.append(hex(low.bit_length() - 1))
        x ^= low
    return ' '.join(out)


def main():
    args = sys.argv[1:]
    subset = args[:1] == ['--subset']
    if subset:
        args = args[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        na, a = read_bitmap2(args[0])
        nb, b = read_bitmap2(args[1])
    except (OSError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    n = min(na, nb)
    mask = (1 << n) - 1
    a &= mask
    b &= mask
    print(f'kept: {bin(a).count("1")} (A) {bin(b).count("1")} (B) '
          f'of {n} pfns')
    only_a, only_b = a & ~b, b & ~a
    if only_a or only_b:
        print(f'only A: {bin(only_a).count("1")} [{pfns(only_a)}]')
        print(f'only B: {bin(only_b).count("1")} [{pfns(only_b)}]')
    return 1 if only_a or (only_b and not subset) else 0


if __name__ == '__main__':
    sys.exit(main())
