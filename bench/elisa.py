#!/usr/bin/env python3
"""Writes 96-well benchmark plates (fresh noise and samples on each, one layout) and their layout
(--write DIR PLATES), or times scipy's curve_fit on them (DIR PLATES), one plate per call, the first
call cold, on the same analysis niche does: 4PL on every positive standard well after blank subtraction, unweighted and
weighted 1/Y^2 by the curve (iterated to convergence), then interpolation of the samples."""
import json
import statistics
import sys
import time
import warnings

import numpy as np
from scipy.optimize import curve_fit

warnings.simplefilter("ignore")
TIGHT = dict(ftol=1e-15, xtol=1e-15, gtol=1e-15, maxfev=200000)


def f4(x, b, t, c, h):
    return b + (t - b) / (1 + (c / x) ** h)


if sys.argv[1] == "--write":
    d, plates = sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(3)
    for p in range(plates):
        od = np.full((8, 12), 0.045)
        layout = 'units = "ng/mL"\nblanks = ["A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1"]\n[standards]\n'
        for k in range(8):
            for col in (1, 2):
                conc = 40 * 2.0 ** (k - 4)
                od[k, col] = 0.045 + f4(conc, 0.05, 2.5, 40, 1.2) * (1 + 0.02 * rng.normal())
                layout += f"{'ABCDEFGH'[k]}{col + 1} = {conc!r}\n"
        layout += "[samples]\n"
        for j in range(36):
            r, col = j % 8, 3 + 2 * (j // 8)
            if col + 1 >= 12:
                break
            conc = 40 * 2.0 ** rng.uniform(-3, 3)
            for dc in (0, 1):
                od[r, col + dc] = 0.045 + f4(conc, 0.05, 2.5, 40, 1.2) * (1 + 0.02 * rng.normal())
                layout += f'{"ABCDEFGH"[r]}{col + dc + 1} = "s{j:02d}"\n'
        open(f"{d}/plate_{p}.csv", "w").write("\n".join(",".join(f"{v:.6f}" for v in row) for row in od) + "\n")
    open(f"{d}/layout.toml", "w").write(layout)
    sys.exit(0)

d, plates = sys.argv[1], int(sys.argv[2])
layout = f"{d}/layout.toml"
import tomllib

lay = tomllib.load(open(layout, "rb"))


def analyze(plate, weighted):
    cell = lambda w: plate["ABCDEFGH".index(w[0]), int(w[1:]) - 1]
    blank = np.mean([cell(w) for w in lay["blanks"]])
    x = np.array([c for w, c in lay["standards"].items() if c > 0])
    y = np.array([cell(w) - blank for w, c in lay["standards"].items() if c > 0])
    p0 = [y.min(), y.max(), float(np.exp(0.5 * np.log(x.min()) + 0.5 * np.log(x.max()))), 1.0]
    p, _ = curve_fit(f4, x, y, p0=p0, **TIGHT)
    if weighted:
        for _ in range(100):
            q, _ = curve_fit(f4, x, y, p0=p, sigma=np.abs(f4(x, *p)), **TIGHT)
            done = np.all(np.abs(q - p) <= 1e-10 * np.maximum(np.abs(p), 1e-12))
            p = q
            if done:
                break
    b, t, c, h = p
    ids = sorted(set(lay["samples"].values()))
    for sid in ids:
        m = np.mean([cell(w) for w, s in lay["samples"].items() if s == sid]) - blank
        frac = (t - b) / (m - b)
        _ = c / (frac - 1) ** (1 / h) if frac > 1 else None
    return p[2]


plates = [np.loadtxt(f"{d}/plate_{p}.csv", delimiter=",") for p in range(plates)]
for name, weighted in [("fit_4pl_unweighted", False), ("fit_4pl_weighted_1_over_y2", True)]:
    times = []
    for plate in plates:
        start = time.perf_counter()
        ec50 = analyze(plate, weighted)
        times.append((time.perf_counter() - start) * 1e3)
    print(f"{name} cold_ms {times[0]:.4f} median_ms {statistics.median(times[1:]):.4f} ec50 {ec50:.8f}")
