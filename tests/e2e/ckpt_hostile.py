#!/usr/bin/python3
"""ckpt_hostile.py OUTDIR: writes hostile PyTorch checkpoints for
ckpt_hostile.sh (issue 14 of the fuzzing report) and prints one line per
file: NAME<TAB>EXIT<TAB>NEEDLE, where EXIT is the exit status
`mloncall check checkpoint` must give and NEEDLE a text its output must
hold. The pickles are written opcode by opcode (protocol 2, as
torch.save writes them) and the zips with the stdlib zipfile, so nothing
here needs torch; when torch is installed, the benign files are also
loaded with torch.load(weights_only=True) to show the layouts are real.
Nothing here is ever unpickled."""
import os
import struct
import sys
import zipfile

OUT = sys.argv[1]
MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."
CASES = []


def glob(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def text(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def num(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if -(2**31) <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    b = n.to_bytes(8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b


def tup(items):
    return b"(" + b"".join(items) + b"t"


# posix.system("echo pwned") as a REDUCE, its result popped
EVIL = glob("posix", "system") + text("echo pwned") + b"\x85R0"


def tensor(key, numel, shape, stride, offset=0, view=b""):
    """torch._utils._rebuild_tensor_v2 over a persistent-id storage (the
    legacy format adds a view-metadata item, view)."""
    pid = tup([text("storage"), glob("torch", "FloatStorage"), text(key),
               text("cpu"), num(numel), view]) + b"Q"
    return (glob("torch._utils", "_rebuild_tensor_v2") +
            tup([pid, num(offset), tup([num(n) for n in shape]),
                 tup([num(n) for n in stride]), b"\x89",
                 glob("collections", "OrderedDict") + b")R"]) + b"R")


def state(tensor_pickle, pre=b"", extra=b""):
    """{'epoch': 5, 'w': tensor} as data.pkl, with pre run first."""
    return (b"\x80\x02" + pre + b"}(" + text("epoch") + num(5) +
            text("w") + tensor_pickle + extra + b"u.")


GOOD_T = tensor("0", 4, (4,), (1,))
DATA4 = struct.pack("<4f", 1, 2, 3, 4)


def legacy(name, evil_at=None, want=1, needle="posix.system"):
    """Legacy torch.save: magic, protocol, sys_info, data, storage keys
    pickles, then the storage record; evil_at names the pickle that also
    calls posix.system."""
    ev = lambda where: EVIL if evil_at == where else b""
    magic = (b"\x80\x02" + EVIL + MAGIC[2:]) if evil_at == "magic" else MAGIC
    proto = b"\x80\x02" + ev("protocol") + b"M\xe9\x03."
    sysinfo = (b"\x80\x02" + ev("sys_info") + b"}(" +
               text("protocol_version") + b"M\xe9\x03" +
               text("little_endian") + b"\x88" + text("type_sizes") +
               b"}(" + text("short") + num(2) + text("int") + num(4) +
               text("long") + num(4) + b"uu.")
    data = state(tensor("0", 4, (4,), (1,), view=b"N"), ev("data"))
    keys = b"\x80\x02" + ev("storage_keys") + b"](" + text("0") + b"e."
    rec = struct.pack("<Q", 4) + DATA4
    write(name, magic + proto + sysinfo + data + keys + rec, want, needle)


def torch_zip(name, pkl, storages, want=1, needle="posix.system",
              dup_pkl=None, pkl_method=zipfile.ZIP_STORED):
    path = os.path.join(OUT, name)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on a duplicate name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            z.writestr("archive/data.pkl", pkl, compress_type=pkl_method)
            z.writestr("archive/byteorder", "little")
            for k, v in storages.items():
                z.writestr("archive/data/" + k, v)
            z.writestr("archive/version", "3\n")
            if dup_pkl is not None:
                z.writestr("archive/data.pkl", dup_pkl)
    CASES.append((name, want, needle))


def write(name, data, want, needle):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    CASES.append((name, want, needle))


# the benign shapes the hostile ones start from
legacy("legacy_ok.pt", None, 0, "torch-legacy")
torch_zip("zip_ok.pt", state(GOOD_T), {"0": DATA4}, 0, "torch-zip")
# 2: code in each pickle of the legacy format
for where in ("magic", "protocol", "sys_info", "data", "storage_keys"):
    legacy("legacy_evil_%s.pt" % where, where)
# 3: 1,001 harmless (not allowlisted) globals, then posix.system
many = b"".join(glob("harmless%d" % i, "f") + b"0" for i in range(1001))
torch_zip("globals_1001.pt", state(GOOD_T, many + EVIL), {"0": DATA4}, 1,
          "posix.system;991 more globals")
# 3: past the limit of distinct globals: failed, never waved through
many = b"".join(glob("harmless%d" % i, "f") + b"0" for i in range(5000))
torch_zip("globals_5000.pt", state(GOOD_T, many), {"0": DATA4}, 1,
          "too many globals to check")
# 4: a storage of 2^62 float32 elements (2^64 bytes wraps to 0)
torch_zip("storage_2p62.pt", state(tensor("0", 2**62, (1,), (1,))),
          {"0": DATA4}, 1, "size_overflow: storage 0")
# 4: a stride whose extent wraps: (5 - 1) * 2^62 = 2^64 = 0
torch_zip("stride_wrap.pt", state(tensor("0", 8, (5,), (2**62,))),
          {"0": DATA4 * 2}, 1, "size_overflow: tensor w")
# 4: a shape whose element count overflows
torch_zip("shape_numel.pt",
          state(tensor("0", 8, (2**32, 2**32), (0, 0))), {"0": DATA4 * 2},
          1, "size_overflow: tensor w")
# 5: two data.pkl entries: the first benign, the last (what Python's
# zipfile reads) malicious
torch_zip("dup_data_pkl.pt", state(GOOD_T), {"0": DATA4}, 1,
          "zip_duplicate;posix.system", dup_pkl=state(GOOD_T, EVIL))
# limits: what is not scanned for code is failed, never waved through
torch_zip("compressed_pkl.pt", state(GOOD_T), {"0": DATA4}, 1,
          "compressed_pickle", pkl_method=zipfile.ZIP_DEFLATED)
big = b"](" + b"K\x00" * (2 * 1024 * 1024 + 16) + b"e"
torch_zip("objects_over_limit.pt", state(GOOD_T, big + b"0"), {"0": DATA4},
          1, "pickle_limit")

try:
    import torch
except ImportError:
    torch = None
if torch is not None:  # the benign layouts are what torch.load reads
    for name in ("legacy_ok.pt", "zip_ok.pt"):
        d = torch.load(os.path.join(OUT, name), weights_only=True)
        assert d["epoch"] == 5 and d["w"].tolist() == [1, 2, 3, 4], name
for name, want, needle in CASES:
    print("%s\t%d\t%s" % (name, want, needle))
