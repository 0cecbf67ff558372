#!/usr/bin/python3
"""Change, in place, the bytes after every "Command line: " of a copy of
a real vmcore into control characters, DEL, bytes above 0x7f, a newline
and a NUL: the kernel log's record of the command line then holds bytes
that `makedumpfile --dump-dmesg` escapes, on a real ring buffer.

usage: vmcore-garble.py VMCORE
"""
import mmap
import sys

MARK = b'Command line: '
GARBAGE = bytes([0xc3, 0x01, 0x7f, 0x0d, 0x09, 0x0a, 0x0b, 0x80, 0x00])


def main():
    with open(sys.argv[1], 'r+b') as f:
        m = mmap.mmap(f.fileno(), 0)
        n = 0
        at = m.find(MARK)
        while at >= 0:
            pos = at + len(MARK)
            m[pos:pos + len(GARBAGE)] = GARBAGE
            n += 1
            at = m.find(MARK, pos)
        m.flush()
    print(n)


main()
