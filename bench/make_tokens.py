#!/usr/bin/env python3
"""Writes N well-formed, checksum-valid keys that were never issued (one per line)."""
import os
import sys
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number, width):
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = BASE62[digit] + digits
    return digits.rjust(width, "0")


count, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for _ in range(count):
        body = "kw_live_" + base62(int.from_bytes(os.urandom(32), "big"), 43)
        out.write(body + base62(zlib.crc32(body.encode()), 6) + "\n")
