#!/usr/bin/python3
"""make_pickle.py OUT.pt BYTES [OUT.pkl]: writes a zip checkpoint whose
data.pkl is a BYTES-long pickle of many small opcodes, the shape that made
the scanner quadratic (issue 14: a 12 MB pickle took 33 s): 1,000
distinct globals imported over and over, memo gets and a
few 64 KiB byte strings, all popped, then a dict with one tensor. It
stays under the scanner's object and memo limits at any size up to the
512 MiB pickle limit, so the whole pickle is scanned. With OUT.pkl the
bare pickle is written too (for pickletools.genops). Used by
bench/checkpoint/pickle.sh."""
import struct
import sys
import zipfile

out, size = sys.argv[1], int(sys.argv[2])
names = [b"cmod%d\nf\n0" % i for i in range(1000)]
chunk = bytearray()
for i, g in enumerate(names):  # one round: about 16 KiB of opcodes
    chunk += g + b"h\x00" + b"0" + b"h\x00" + b"0"
    if i % 8 == 0:
        chunk += b"ctorch._utils\n_rebuild_tensor_v2\n0"
blob = b"B" + struct.pack("<I", 65536) + bytes(65536) + b"0"

head = b"\x80\x02N\x94"  # memo 0 = None, for the gets
tail = (b"}(X\x01\x00\x00\x00w" + b"ctorch._utils\n_rebuild_tensor_v2\n" +
        b"((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
        b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01"
        b"\x85\x89ccollections\nOrderedDict\n)RtRu.")
body = bytearray(head)
n = 0
while len(body) + len(chunk) + len(tail) <= size:
    body += chunk
    n += 1
    if n % 64 == 0 and len(body) + len(blob) + len(tail) <= size:
        body += blob
while len(body) + 2 + len(tail) <= size:
    body += b"N0"
body += tail
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", bytes(body))
    z.writestr("archive/byteorder", "little")
    z.writestr("archive/data/0", bytes(16))
    z.writestr("archive/version", "3\n")
if len(sys.argv) > 3:
    with open(sys.argv[3], "wb") as f:
        f.write(body)
