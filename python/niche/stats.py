"""Statistics as GraphPad Prism and scipy compute them: ``compare`` and ``table1``."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from . import _niche

__all__ = ["compare", "table1"]


def compare(
    groups: Mapping[str, Sequence[float]],
    test: str = "welch",
    control: str | None = None,
    pairs: Mapping[str, Sequence[str]] | None = None,
) -> dict:
    """Descriptives per group, one test and its multiple comparisons: the same object as
    ``niche stats compare --format json`` (the P value is ``result["test"]["p"]``).

    ``test`` is one of ``student``, ``welch``, ``paired``, ``mann-whitney``, ``wilcoxon``,
    ``anova``, ``kruskal``; the first group is the reference of two-group tests. ``control``
    names Dunnett's (anova) or Dunn's (kruskal) control group. Paired tests match values by
    ``pairs`` (a label per value per group), or by position when ``pairs`` is omitted.
    """
    items = [(str(name), [float(v) for v in values]) for name, values in groups.items()]
    if pairs is None and test.replace("_", "-") in ("paired", "wilcoxon"):
        pairs = {name: [str(i) for i in range(len(values))] for name, values in items}
    labels = None if pairs is None else [(str(k), [str(p) for p in v]) for k, v in pairs.items()]
    return json.loads(_niche.compare_json(items, test, control, labels))


def table1(df: Any, by: str):
    """Patient characteristics by group ("Table 1") from a ``pandas.DataFrame``: numeric columns
    as median (range) with Mann–Whitney or Kruskal–Wallis, categorical ones as n (%) with
    Fisher's exact or chi-square; missing cells (NaN, None, "", "NA", ".") are counted.

    Returns a ``pandas.DataFrame`` with the columns of ``niche stats table1 --format csv``:
    variable, level, overall, one per group, test, P (unrounded), missing.
    """
    import pandas as pd

    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    columns = [(str(c), [cell(v) for v in df[c].tolist()]) for c in df.columns]
    t = json.loads(_niche.table1_json(columns, by))
    overall = f"overall (n={sum(t['group_sizes'])})"
    names = [f"{g} (n={n})" for g, n in zip(t["groups"], t["group_sizes"])]
    rows = []
    for r in t["rows"]:
        row = {"variable": r["variable"], "level": r["level"], overall: r["overall"]}
        row.update(dict(zip(names, r["groups"])))
        row.update({"test": r["test"], "P": r["p"], "missing": r["missing"]})
        rows.append(row)
    return pd.DataFrame(rows, columns=["variable", "level", overall, *names, "test", "P", "missing"])
