#!/usr/bin/env python3
"""Times reading one FCS file into a numpy array from Python: niche, fcsparser and FlowKit.

Each reader parses HEADER and TEXT and decodes every event into a materialised numpy array, and
every element is touched (summed). niche returns the dtype the other tool returns: float32 against
fcsparser (``parse`` → DataFrame of float32), float64 against FlowKit (``Sample`` →
``get_events(source="raw")``). Prints median and fastest milliseconds, then the ratios.

Two floors put the ratios in proportion: ``floor_numpy_float64`` converts the DATA with numpy's own
vectorised code (``np.memmap`` of the big-endian floats → float64, then the sum), and
``floor_no_read_float64`` reads nothing at all: it only allocates, fills and sums a fresh array of
the result's shape. No reader can beat the second; ``flowkit/floor`` is the largest ratio any
reader could show against FlowKit on this machine.
Used by bench/python_read.sh.
"""
import statistics
import sys
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")


def timed(fn, repeats):
    times, total = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        total = fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times), total


def main(path, repeats):
    import fcsparser
    import flowkit

    import niche

    def niche_f32():
        a = niche.read_fcs(path).events(dtype=np.float32)
        return a.shape, float(a.sum(dtype=np.float64))

    def niche_f64():
        a = niche.read_fcs(path).events(dtype=np.float64)
        return a.shape, float(a.sum())

    def read_fcsparser():
        a = fcsparser.parse(path, reformat_meta=False)[1].to_numpy()
        assert a.dtype.itemsize == 4, a.dtype
        return a.shape, float(a.sum(dtype=np.float64))

    def read_flowkit():
        a = flowkit.Sample(path).get_events(source="raw")
        assert a.dtype == np.float64, a.dtype
        return a.shape, float(a.sum())

    shape = niche.read_fcs(path).events(dtype=np.float32).shape
    keywords = dict(niche.read_fcs(path).keywords)
    begin = int(keywords["$BEGINDATA"].strip())
    order = ">" if keywords["$BYTEORD"].strip() == "4,3,2,1" else "<"

    def floor_numpy():
        raw = np.memmap(path, dtype=f"{order}f4", mode="r", offset=begin, shape=shape)
        a = np.asarray(raw, dtype=np.float64)
        return a.shape, float(a.sum())

    def floor_no_read():
        a = np.empty(shape, dtype=np.float64, order="F")
        a.fill(1.0)
        return a.shape, float(a.sum())

    slow = max(3, repeats // 3)
    rows = {}
    for name, fn, n in [("niche_float32", niche_f32, repeats), ("fcsparser", read_fcsparser, slow),
                        ("niche_float64", niche_f64, repeats), ("flowkit", read_flowkit, slow),
                        ("floor_numpy_float64", floor_numpy, repeats), ("floor_no_read_float64", floor_no_read, repeats)]:
        med, best, (shape, total) = timed(fn, n)
        rows[name] = med
        print(f"{name:<14} median_ms {med:9.2f} min_ms {best:9.2f}  shape {shape} sum {total:.6e}")
    print(f"ratio fcsparser/niche = {rows['fcsparser'] / rows['niche_float32']:.1f}  (float32, medians)")
    print(f"ratio flowkit/niche = {rows['flowkit'] / rows['niche_float64']:.1f}  (float64, medians)")
    print(f"ratio floor_numpy/niche = {rows['floor_numpy_float64'] / rows['niche_float64']:.2f}  (numpy's own conversion)")
    print(f"ratio flowkit/floor_no_read = {rows['flowkit'] / rows['floor_no_read_float64']:.1f}  (the most any reader could show)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
