#!/usr/bin/python3
"""make_big.py OUT [GIB]: writes a zip-format checkpoint in the shape
torch.save writes (ARCHIVE/data.pkl first, byteorder, version, one stored
entry per storage under ARCHIVE/data/, each entry's data 64-byte aligned
through an "FB" padding extra field, zip64 records past 2 GiB), without
holding the tensors in memory: the pickle is torch's own layout
(_rebuild_tensor_v2 over persistent-id storages), the data is streamed.
Used by bench/checkpoint/run.sh; builds nothing else.
"""
import collections
import os
import pickle
import struct
import sys
import zipfile

import torch

CHUNK = 64 << 20  # bytes per storage


class StorageRef:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class TensorRef:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride = (self.shape[1], 1)
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, tuple(self.shape), stride, False,
                 collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ('storage', torch.FloatStorage, obj.key, 'cpu', obj.numel)
        return None


def aligned_info(z, name, size):
    """A ZipInfo whose data will start on a 64-byte boundary."""
    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_STORED
    zi.file_size = size
    at = z.fp.tell() + 30 + len(name.encode()) + 4
    pad = -at % 64
    zi.extra = b'FB' + struct.pack('<H', pad) + b'Z' * pad
    return zi


def main(out, gib):
    n = int(gib * (1 << 30)) // CHUNK
    arch = 'archive'
    sd = collections.OrderedDict()
    refs = []
    for i in range(n):
        s = StorageRef(str(i), CHUNK // 4)
        refs.append(s)
        sd['layers.%d.weight' % i] = TensorRef(s, (CHUNK // 4 // 4096, 4096))
    ck = {'epoch': 9, 'step': 90000, 'loss': 1.25, 'model': sd}
    import io
    b = io.BytesIO()
    TorchPickler(b, protocol=2).dump(ck)
    block = bytearray(os.urandom(CHUNK))
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        for name, data in [('data.pkl', b.getvalue()), ('byteorder', b'little'),
                           ('version', b'3\n')]:
            zi = aligned_info(z, '%s/%s' % (arch, name), len(data))
            z.writestr(zi, data)
        for s in refs:
            block[:8] = struct.pack('<Q', int(s.key))
            zi = aligned_info(z, '%s/data/%s' % (arch, s.key), CHUNK)
            with z.open(zi, 'w') as w:
                w.write(block)


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
