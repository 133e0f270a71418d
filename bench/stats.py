#!/usr/bin/env python3
"""Writes the shared benchmark data (with --write) and times scipy on it.

- Mann-Whitney 100 vs 100 with ties: scipy.stats.mannwhitneyu(method="exact"). scipy's exact method
  uses the distribution without ties (it has no exact test with ties), so it is the same-size
  computation, not the same answer; niche counts the permutation distribution of the midranks.
- Mann-Whitney 100 vs 100 without ties, exact in both tools (the like-for-like comparison).
- Tukey on 10 groups of 10: scipy.stats.tukey_hsd.
"""
import json
import statistics
import sys
import time

import numpy as np
from scipy import stats


def median_ms(repeats, f):
    times, last = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        last = f()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), last


if sys.argv[1] == "--write":
    rng = np.random.default_rng(7)
    data = {
        "mw_a": (np.round(rng.normal(0, 1, 100) * 4) / 4).tolist(),
        "mw_b": (np.round(rng.normal(0.3, 1, 100) * 4) / 4).tolist(),
        "tukey": [rng.normal(0.2 * i, 1, 10).tolist() for i in range(10)],
        "mw_noties_a": rng.normal(0, 1, 100).tolist(),
        "mw_noties_b": rng.normal(0.3, 1, 100).tolist(),
    }
    json.dump(data, open(sys.argv[2], "w"))
    sys.exit(0)

data = json.load(open(sys.argv[1]))
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
ms, r = median_ms(repeats, lambda: stats.mannwhitneyu(data["mw_a"], data["mw_b"], method="exact").pvalue)
print(f"mann_whitney_exact_ties_100x100 median_ms {ms:.3} p {r:.10}")
ms, r = median_ms(repeats, lambda: stats.mannwhitneyu(data["mw_noties_a"], data["mw_noties_b"], method="exact").pvalue)
print(f"mann_whitney_exact_no_ties_100x100 median_ms {ms:.3} p {r:.10}")
ms, r = median_ms(repeats, lambda: stats.tukey_hsd(*data["tukey"]).pvalue[0, 1])
print(f"tukey_10_groups median_ms {ms:.3} p {r:.10}")
