#!/usr/bin/env python3
"""Writes the shared benchmark data (with --write PATH REPEATS) and times scipy on it.

Every measure has REPEATS + 1 data sets of the same sizes; each timed call gets a fresh one (the
first call is the cold one, the median of the rest the warm time), and niche gets the same ones.

- Mann-Whitney 100 vs 100 with ties: scipy.stats.mannwhitneyu(method="exact"). scipy's exact method
  uses the distribution without ties (it has no exact test with ties), so it is the same-size
  computation, not the same answer; niche counts the permutation distribution of the midranks.
- Mann-Whitney 100 vs 100 and 300 vs 300 without ties, exact in both tools (like for like).
- Tukey on 10 groups of 10: scipy.stats.tukey_hsd (all 45 P values).
- Dunnett on 10 groups of 10, the first the control: scipy.stats.dunnett (9 P values).
"""
import json
import statistics
import sys
import time

import numpy as np
from scipy import stats


def timed(sets, f):
    """(cold ms, warm median ms, result of the last call): one fresh data set per call."""
    times, last = [], None
    for data in sets:
        start = time.perf_counter()
        last = f(data)
        times.append((time.perf_counter() - start) * 1e3)
    return times[0], statistics.median(times[1:]), last


if sys.argv[1] == "--write":
    rng = np.random.default_rng(7)
    sets = int(sys.argv[3]) + 1
    pair = lambda n, f: [[f(rng.normal(0, 1, n)).tolist(), f(rng.normal(0.3, 1, n)).tolist()] for _ in range(sets)]
    data = {
        "mw_ties_100": pair(100, lambda v: np.round(v * 4) / 4),
        "mw_noties_100": pair(100, lambda v: v),
        "mw_noties_300": pair(300, lambda v: v),
        "groups_10": [[rng.normal(0.2 * i, 1, 10).tolist() for i in range(10)] for _ in range(sets)],
    }
    json.dump(data, open(sys.argv[2], "w"))
    sys.exit(0)

data = json.load(open(sys.argv[1]))
mw = lambda d: stats.mannwhitneyu(d[0], d[1], method="exact").pvalue
for name, key in [
    ("mann_whitney_exact_ties_100x100", "mw_ties_100"),
    ("mann_whitney_exact_no_ties_100x100", "mw_noties_100"),
    ("mann_whitney_exact_no_ties_300x300", "mw_noties_300"),
]:
    cold, warm, p = timed(data[key], mw)
    print(f"{name} cold_ms {cold:.4f} median_ms {warm:.4f} p {p:.10}")
cold, warm, p = timed(data["groups_10"], lambda g: stats.tukey_hsd(*g).pvalue[0, 1])
print(f"tukey_10_groups cold_ms {cold:.4f} median_ms {warm:.4f} p {p:.10}")
cold, warm, p = timed(data["groups_10"], lambda g: stats.dunnett(*g[1:], control=g[0]).pvalue[0])
print(f"dunnett_10_groups cold_ms {cold:.4f} median_ms {warm:.4f} p {p:.10}")
