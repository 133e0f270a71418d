#!/usr/bin/env python3
"""How much arithmetic the exact tied Mann-Whitney P needs, whatever order the blocks go in.

niche counts the permutation distribution of the doubled midrank sum with the shift algorithm over
blocks of tied values (crates/niche-stats/src/rank_sum.rs): a table of rows k (values picked) by
sums s, pruned to the nodes whose completions straddle the observed sum (a node whose every
completion is in the tail is counted at once, one that cannot reach it is dropped). Adding a block
of t values costs one multiply-add per cell of every shifted source row that lands in a kept cell.

This script models that table by intervals (each row's live sums as one interval) and counts the
multiply-adds for the order niche uses (blocks by increasing rank) and for the alternatives one
might try: decreasing rank, the largest blocks first or last, blocks by size, blocks split into
smaller ones, one value at a time. For increasing rank the count equals the instrumented count of
the Rust code on the same data (4,682,827 for the data set below). It then prints each block's cost
counted forwards and backwards, which is what a meet-in-the-middle split would pay on either side.

With --magnitude it also computes the whole table (numpy, a few seconds) and counts how many live
nodes contribute at least eps of the tail count, for eps = 1e-17, 1e-20, 1e-25: how much dropping
negligible nodes could save.

Usage: bench/mw_ties_network.py [DATA.json [SET]] [--magnitude]
DATA.json is the file bench/stats.sh writes (its mw_ties_100 data sets); SET defaults to 1.
"""
import json
import sys
from math import comb

import numpy as np

N1 = 100  # values in the group counted (both groups have 100)


def blocks_and_observed(first, second):
    """The tie blocks (size, doubled midrank) in increasing order and the first group's doubled sum."""
    values, sizes = np.unique(np.concatenate([first, second]), return_counts=True)
    before = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    doubled = 2 * before + sizes + 1
    rank_of = dict(zip(values.tolist(), doubled.tolist()))
    observed = sum(rank_of[v] for v in first)
    return list(zip(sizes.tolist(), doubled.tolist())), observed


def lower_tail_problem(blocks, observed, n):
    """The blocks and cut of the tail niche counts first (the smaller one, reflected if upper)."""
    reflected = 2 * N1 * (n + 1) - observed
    if observed <= reflected:
        return blocks, observed
    return [(t, 2 * (n + 1) - r) for t, r in reversed(blocks)], reflected


def multiply_adds(order, cut, per_block=None):
    """Multiply-adds of the pruned shift algorithm adding the blocks in `order`."""
    remaining = sorted(r for t, r in order for _ in range(t))
    rows = [None] * (N1 + 1)  # live sums of row k as (lo, hi), None: empty
    rows[0] = (0, 0)
    total = 0
    for t, r in order:
        for _ in range(t):
            remaining.remove(r)
        smallest = np.concatenate([[0], np.cumsum(remaining)])
        largest = np.concatenate([[0], np.cumsum(remaining[::-1])])
        before, cost = list(rows), 0
        for k in range(N1, 0, -1):
            need = N1 - k
            if need > len(remaining):
                rows[k] = None
                continue
            # kept: some completion in the tail and some outside it
            keep_lo, keep_hi = cut - largest[need] + 1, cut - smallest[need]
            lo, hi = before[k] if before[k] else (None, None)
            for c in range(1, min(t, k) + 1):
                if before[k - c] is None:
                    continue
                a = max(before[k - c][0] + c * r, keep_lo)
                b = min(before[k - c][1] + c * r, keep_hi)
                if a <= b:
                    cost += b - a + 1
                    lo, hi = (a, b) if lo is None else (min(lo, a), max(hi, b))
            if lo is not None:
                lo, hi = max(lo, keep_lo), min(hi, keep_hi)
                rows[k] = (lo, hi) if lo <= hi else None
        if rows[0] is not None and (N1 > len(remaining) or smallest[N1] > cut or largest[N1] <= cut):
            rows[0] = None
        total += cost
        if per_block is not None:
            per_block.append(((t, r), cost))
    return total


def split(blocks, most):
    """Each block cut into blocks of at most `most` values (the same distribution)."""
    return [(min(most, t - i), r) for t, r in blocks for i in range(0, t, most)]


def magnitude(blocks, cut, eps_list):
    """Per block boundary: live nodes, and those contributing at least eps of the tail count."""
    width = sum(sorted(r for t, r in blocks for _ in range(t))[-N1:]) + 1

    def tables(order):
        table = np.zeros((N1 + 1, width))
        table[0, 0] = 1.0
        out = [table.copy()]
        for t, r in order:
            new = table.copy()
            for c in range(1, min(t, N1) + 1):
                new[c:, c * r:] += comb(t, c) * table[:-c, : width - c * r]
            table = new
            out.append(table.copy())
        return out

    forward, backward = tables(blocks), tables(blocks[::-1])
    tail = np.cumsum(forward[-1][N1])[cut]
    sums = np.arange(width)
    print(f"tail count {tail:.6e}, one-sided P {tail / comb(sum(t for t, _ in blocks), N1):.6g}")
    for i in range(len(blocks) + 1):
        remaining = sorted(r for t, r in blocks[i:] for _ in range(t))
        smallest = np.concatenate([[0], np.cumsum(remaining)])
        largest = np.concatenate([[0], np.cumsum(remaining[::-1])])
        completions = np.cumsum(backward[len(blocks) - i], axis=1)
        live, kept = 0, dict.fromkeys(eps_list, 0)
        for k in range(N1 + 1):
            need = N1 - k
            if need > len(remaining):
                continue
            straddles = (sums + smallest[need] <= cut) & (sums + largest[need] > cut) & (forward[i][k] > 0)
            room = cut - sums
            in_tail = np.where((room >= 0) & (room < width), completions[need][np.clip(room, 0, width - 1)], 0.0)
            contribution = forward[i][k] * in_tail
            live += straddles.sum()
            for eps in eps_list:
                kept[eps] += (straddles & (contribution >= eps * tail)).sum()
        after = blocks[i - 1] if i else "start"
        print(f"  after {after}: live {live}, kept " + ", ".join(f"{e:g}: {int(v)}" for e, v in kept.items()))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else "/tmp/niche_stats_bench.json"
    which = int(args[1]) if len(args) > 1 else 1
    first, second = json.load(open(path))["mw_ties_100"][which]
    blocks, observed = blocks_and_observed(np.array(first), np.array(second))
    n = sum(t for t, _ in blocks)
    blocks, cut = lower_tail_problem(blocks, observed, n)
    print(f"{len(blocks)} tie blocks (size, doubled rank): {blocks}")
    largest_first = sorted(blocks, key=lambda b: -b[0])
    orders = {
        "increasing rank (niche)": blocks,
        "decreasing rank": blocks[::-1],
        "largest block first": largest_first[:1] + [b for b in blocks if b != largest_first[0]],
        "largest block last": [b for b in blocks if b != largest_first[0]] + largest_first[:1],
        "four largest last": [b for b in blocks if b not in largest_first[:4]] + sorted(largest_first[:4], key=lambda b: b[1]),
        "by size, smallest first": sorted(blocks),
        "blocks cut to <= 16": split(blocks, 16),
        "blocks cut to <= 4": split(blocks, 4),
        "one value at a time": split(blocks, 1),
    }
    for name, order in orders.items():
        print(f"multiply-adds, {name}: {multiply_adds(order, cut):,}")
    forward, backward = [], []
    multiply_adds(blocks, cut, forward)
    multiply_adds(blocks[::-1], cut, backward)
    print("each block's cost added forwards and backwards (a meet-in-the-middle pays one of each):")
    for (block, ahead), (_, behind) in zip(forward, reversed(backward)):
        print(f"  {block}: {ahead:,} forwards, {behind:,} backwards")
    if "--magnitude" in sys.argv:
        magnitude(blocks, cut, [1e-17, 1e-20, 1e-25])


if __name__ == "__main__":
    main()
