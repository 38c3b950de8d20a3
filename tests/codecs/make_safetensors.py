#!/usr/bin/env python3
"""make_safetensors.py -- safetensors files written by hand with numpy, for
tests/codecs/test_safetensors.c (CI has no torch and needs none).

    make_safetensors.py fresh TEMPLATE OUT.safetensors OUT.bin [DTYPE]
        A new agent with the names, shapes and metadata of TEMPLATE (a file
        from `semsim export`) but fresh random weights from numpy, written the
        way another tool would: tensors in reverse name order, no
        "semsim.types" map, no header padding, dtype F32 (or F16, BF16, F64).
        OUT.bin holds the weights as semsim should read them: float32
        little-endian, tensors in name order.
    make_safetensors.py bad KIND TEMPLATE OUT.safetensors
        TEMPLATE with one defect KIND (see BAD below).
"""
import json
import struct
import sys

import numpy as np


def read(path):
    """(metadata, {name: float32 array}) of a safetensors file."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    head = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    meta = head.pop("__metadata__", {})
    tensors = {}
    for name, e in head.items():
        assert e["dtype"] == "F32"
        b, f = e["data_offsets"]
        tensors[name] = np.frombuffer(data[b:f], dtype="<f4").reshape(e["shape"])
    return meta, tensors


def encode(meta, tensors, dtype="F32", order=None, pad=True, entry=None):
    """safetensors bytes; entry(name, dict) may edit a tensor's header entry."""
    np_types = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}
    header = {"__metadata__": meta} if meta is not None else {}
    blobs, pos = [], 0
    for name in order or sorted(tensors):
        x = np.asarray(tensors[name], dtype=np.float32)
        if dtype == "BF16":  # the top 16 bits of each float32 (truncation)
            b = (x.view("<u4") >> 16).astype("<u2").tobytes()
        else:
            b = x.astype(np_types[dtype]).tobytes()
        e = {"dtype": dtype, "shape": list(x.shape), "data_offsets": [pos, pos + len(b)]}
        if entry:
            entry(name, e)
        header[name] = e
        blobs.append(b)
        pos += len(b)
    js = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        js += b" " * (-len(js) % 8)
    return struct.pack("<Q", len(js)) + js + b"".join(blobs)


def fresh(template, out, binout, dtype="F32"):
    meta, tensors = read(template)
    meta.pop("semsim.types", None)
    rng = np.random.default_rng(18)
    new = {}
    for name, x in tensors.items():
        y = rng.standard_normal(x.shape).astype(np.float32) * np.float32(0.1)
        if dtype == "F16":
            y = y.astype("<f2").astype(np.float32)
        elif dtype == "BF16":
            y = (y.view("<u4") & np.uint32(0xFFFF0000)).view(np.float32)
        new[name] = y
    order = sorted(new, reverse=True)
    open(out, "wb").write(encode(meta, new, dtype, order=order, pad=False))
    with open(binout, "wb") as f:
        for name in sorted(new):
            f.write(new[name].astype("<f4").tobytes())


def bad(kind, template, out):
    meta, t = read(template)
    names = sorted(t)
    first, second = names[0], names[1]
    body = None
    if kind == "dtype":  # I32 is no float
        def e(name, d):
            if name == first:
                d["dtype"] = "I32"
        body = encode(meta, t, entry=e)
    elif kind == "shape":  # same byte count, dimensions swapped
        two = [n for n in names if t[n].ndim == 2 and t[n].shape[0] != t[n].shape[1]][0]
        t[two] = t[two].reshape(t[two].shape[::-1])
        body = encode(meta, t)
    elif kind == "missing":
        del t[first]
        body = encode(meta, t)
    elif kind == "extra":
        t["dec.extra.w"] = np.zeros((2, 3), np.float32)
        body = encode(meta, t)
    elif kind == "overlap":  # second tensor points into the first one's bytes
        def e(name, d):
            if name == second:
                d["data_offsets"] = [d["data_offsets"][0] - 4, d["data_offsets"][1] - 4]
        body = encode(meta, t, entry=e)
    elif kind == "range":
        def e(name, d):
            if name == first:
                d["data_offsets"] = [d["data_offsets"][0] + 2**40, d["data_offsets"][1] + 2**40]
        body = encode(meta, t, entry=e)
    elif kind == "truncated":
        body = encode(meta, t)[:-100]
    elif kind == "json":
        b = bytearray(encode(meta, t))
        b[8] = ord("[")
        body = bytes(b)
    elif kind == "utf8":
        meta["note"] = "\udcff"  # a lone surrogate: not UTF-8 once encoded below
        b = encode(meta, t)
        body = b.replace(b'\\udcff', b'\xff\xfe\xfd\xfc\xfb\xfa')
    elif kind == "huge":
        b = encode(meta, t)
        body = struct.pack("<Q", 2**62) + b[8:]
    elif kind == "noformat":
        del meta["format"]
        body = encode(meta, t)
    elif kind == "metatype":
        b = encode(meta, t)
        body = b.replace(b'"stride":"', b'"stride":0,"x":"', 1)
        n = struct.unpack("<Q", b[:8])[0] + (len(body) - len(b))
        body = struct.pack("<Q", n) + body[8:]
    elif kind == "vocab":
        meta["vocab"] = "_ 'abcdefghijklmnopqrstuvwxyZ"
        body = encode(meta, t)
    else:
        sys.exit("unknown defect " + kind)
    open(out, "wb").write(body)


if __name__ == "__main__":
    if sys.argv[1] == "fresh":
        fresh(*sys.argv[2:])
    elif sys.argv[1] == "bad":
        bad(*sys.argv[2:])
    else:
        sys.exit(__doc__)
