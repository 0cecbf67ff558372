#!/usr/bin/python3
"""Write a small synthetic ELF vmcore: VMCOREINFO (OSRELEASE, PAGESIZE,
CRASHTIME), two CPU notes, three RAM segments whose pages are zero (pfn %
5 == 0), random, or a text pattern. For tests that need no real kernel.

usage: synthetic-vmcore.py OUT
"""
import os
import struct
import sys

PS = 4096
SEGS = [(0, 40), (256, 300), (300000, 50)]  # (start pfn, pages)
VMCOREINFO = (b'OSRELEASE=6.1.0-kdi-synthetic\nPAGESIZE=4096\n'
              b'CRASHTIME=1700000000\nNUMBER(phys_base)=0\n')


def page(pfn):
    kind = pfn % 5
    if kind == 0:
        return bytes(PS)
    if kind == 1:
        return os.urandom(PS)
    return bytes((b'kdumpinit page '[i % 15] + pfn) & 0xff for i in range(PS))


def note(name, typ, desc):
    def pad(b):
        return b + bytes(-len(b) % 4)
    n = name.encode() + b'\0'
    return struct.pack('<III', len(n), len(desc), typ) + pad(n) + pad(desc)


def main():
    notes = note('CORE', 1, bytes(336)) * 2 + note('VMCOREINFO', 0,
                                                    VMCOREINFO)
    nph = 1 + len(SEGS)
    off = 64 + 56 * nph
    ph = [struct.pack('<IIQQQQQQ', 4, 0, off, 0, 0, len(notes), 0, 0)]
    doff = (off + len(notes) + PS - 1) // PS * PS
    data = bytearray()
    for start, n in SEGS:
        ph.append(struct.pack('<IIQQQQQQ', 1, 7, doff + len(data),
                              0xffff888000000000 + start * PS, start * PS,
                              n * PS, n * PS, 0))
        for pfn in range(start, start + n):
            data += page(pfn)
    eh = (b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) +
          struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, 64, 0, 0, 64, 56, nph,
                      0, 0, 0))
    with open(sys.argv[1], 'wb') as f:
        f.write(eh + b''.join(ph) + notes)
        f.seek(doff)
        f.write(data)


main()
