#!/usr/bin/env python3
"""Times reading one FCS file into a numpy array from Python: niche, fcsparser and FlowKit.

Each reader parses HEADER and TEXT and decodes every event into a materialised numpy array, and
every element is touched (summed). niche returns the dtype the other tool returns: float32 against
fcsparser (``parse`` → DataFrame of float32), float64 against FlowKit (``Sample`` →
``get_events(source="raw")``). Prints median and fastest milliseconds, then the ratios.
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

    slow = max(3, repeats // 3)
    rows = {}
    for name, fn, n in [("niche_float32", niche_f32, repeats), ("fcsparser", read_fcsparser, slow),
                        ("niche_float64", niche_f64, repeats), ("flowkit", read_flowkit, slow)]:
        med, best, (shape, total) = timed(fn, n)
        rows[name] = med
        print(f"{name:<14} median_ms {med:9.2f} min_ms {best:9.2f}  shape {shape} sum {total:.6e}")
    print(f"ratio fcsparser/niche = {rows['fcsparser'] / rows['niche_float32']:.1f}  (float32, medians)")
    print(f"ratio flowkit/niche = {rows['flowkit'] / rows['niche_float64']:.1f}  (float64, medians)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
