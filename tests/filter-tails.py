#!/usr/bin/python3
"""Check the evidence for a makedumpfile that drops compound tail pages.

usage: filter-tails.py VMCORE KDI MDF
KDI and MDF are kdump-compressed dumps of the ELF VMCORE (kdumpinit's and
makedumpfile's). Passes (exit 0) when kdumpinit keeps every page that
makedumpfile keeps, and every page only kdumpinit keeps is a tail page
(bit 0 of page.compound_info/compound_head) of a compound page whose head
is not anonymous (bit 0 of the head's mapping clear): kernel memory (slab,
large kmalloc) or page cache, which no level that leaves out only user
pages may drop. Prints the extra pages by the head's kind. Reads struct
pages with python3-libkdumpfile at SYMBOL(vmemmap), offsets and numbers
from the vmcore's VMCOREINFO.
"""
import collections
import importlib.util
import os
import struct
import sys

import kdumpfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    'filter_compare', os.path.join(HERE, 'filter-compare.py'))
FC = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(FC)


def vmcoreinfo(path):
    """The VMCOREINFO note of an ELF64 vmcore, as a dict."""
    with open(path, 'rb') as f:
        eh = f.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phentsize, phnum = struct.unpack_from('<HH', eh, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ph = f.read(56)
            if struct.unpack_from('<I', ph, 0)[0] != 4:  # PT_NOTE
                continue
            off, size = struct.unpack_from('<Q', ph, 8)[0], \
                struct.unpack_from('<Q', ph, 32)[0]
            f.seek(off)
            notes = f.read(size)
            p = 0
            while p + 12 <= len(notes):
                nsz, dsz, _ = struct.unpack_from('<III', notes, p)
                name = notes[p + 12:p + 12 + nsz].rstrip(b'\0')
                d = p + 12 + (nsz + 3) // 4 * 4
                if name == b'VMCOREINFO':
                    text = notes[d:d + dsz].decode('ascii', 'replace')
                    return dict(line.split('=', 1)
                                for line in text.splitlines() if '=' in line)
                p = d + (dsz + 3) // 4 * 4
    raise ValueError(f'{path}: no VMCOREINFO note')


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    vm, kdi, mdf = sys.argv[1:]
    vi = vmcoreinfo(vm)
    size = int(vi['SIZE(page)'])
    vmemmap = int(vi['SYMBOL(vmemmap)'], 16)
    tail_off = int(vi.get('OFFSET(page.compound_info)',
                          vi.get('OFFSET(page.compound_head)', '-1')))
    map_off = int(vi['OFFSET(page.mapping)'])
    flags_off = int(vi['OFFSET(page.flags)'])
    head_mask = int(vi['NUMBER(PG_head_mask)'])
    type_off = int(vi.get('OFFSET(page.page_type)',
                          vi['OFFSET(page._mapcount)']))
    slab = int(vi.get('NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)', '0')) & 0xffffffff
    k = kdumpfile.kdumpfile(vm)
    k.attr['addrxlat.ostype'] = 'linux'

    def page(pfn):
        b = k.read(kdumpfile.KDUMP_KVADDR, vmemmap + pfn * size, size)
        return (struct.unpack_from('<Q', b, flags_off)[0],
                struct.unpack_from('<Q', b, tail_off)[0],
                struct.unpack_from('<Q', b, map_off)[0],
                struct.unpack_from('<I', b, type_off)[0])

    n, a = FC.read_bitmap2(kdi)
    nb, b = FC.read_bitmap2(mdf)
    mask = (1 << min(n, nb)) - 1
    a, b = a & mask, b & mask
    if b & ~a:
        print(f'makedumpfile keeps {bin(b & ~a).count("1")} pages '
              f'kdumpinit leaves out: [{FC.pfns(b & ~a)}]')
        return 1
    kinds = collections.Counter()
    bad = []
    x = a & ~b
    while x:
        low = x & -x
        x ^= low
        pfn = low.bit_length() - 1
        _, info, _, _ = page(pfn)
        head = pfn - 1
        while head > pfn - (1 << 18) and head >= 0:
            hflags, hinfo, hmap, htype = page(head)
            if hflags & head_mask and not hinfo & 1:
                break
            head -= 1
        else:
            hmap = 1
        # Slab pages keep their own pointers where mapping is.
        if not info & 1 or (hmap & 1 and htype != slab):
            bad.append(hex(pfn))
            continue
        if htype == slab:
            kinds['slab'] += 1
        elif htype >> 28 == 0xf and htype >> 24 != 0xff:
            kinds[f'page type {htype >> 24:#x}'] += 1
        else:
            kinds['page cache' if hmap else 'untyped kernel'] += 1
    extra = bin(a & ~b).count('1')
    print(f'{extra} pages only kdumpinit keeps: '
          + ', '.join(f'{v} tails of {k} compound pages'
                      for k, v in sorted(kinds.items()))
          + (f'; {len(bad)} are not such tails: {bad[:8]}' if bad else ''))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
