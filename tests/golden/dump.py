#!/usr/bin/python3
"""dump.py -- print an HDF5 results file's /summary table as text, one row a
line, every column as name=value with floats in hex (exact to the bit), so
two runs compare with diff. Columns that measure wall time (latency_*) and
cache folders (*.cache) are left out: they depend on the machine and the
run's folders, not on the simulation.

    /usr/bin/python3 tests/golden/dump.py results.h5
"""
import sys

import h5py
import numpy as np

SKIP = ("latency_",)


def fmt(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace").rstrip("\0")
    if isinstance(v, (float, np.floating)):
        return float(v).hex()
    return str(v)


def main(path):
    with h5py.File(path, "r") as f:
        s = f["summary"][()]
        names = [n for n in s.dtype.names if not n.startswith(SKIP) and not n.endswith(".cache")]
        for row in s:
            print(" ".join(f"{n}={fmt(row[n])}" for n in names))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: dump.py RESULTS.h5")
    main(sys.argv[1])
