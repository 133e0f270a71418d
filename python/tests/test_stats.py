"""niche.stats against scipy, and compare() against `niche stats compare --format json`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp

import niche

A = [31.2, 28.4, 35.1, 30.0, 33.7]
B = [22.5, 25.1, 19.8, 24.0, 21.7]
C = [27.0, 26.2, 29.9, 25.5, 28.8]


@pytest.mark.parametrize(
    "test,reference",
    [
        ("student", lambda: sp.ttest_ind(A, B).pvalue),
        ("welch", lambda: sp.ttest_ind(A, B, equal_var=False).pvalue),
        ("paired", lambda: sp.ttest_rel(A, B).pvalue),
        ("mann-whitney", lambda: sp.mannwhitneyu(A, B, alternative="two-sided", method="exact").pvalue),
        ("wilcoxon", lambda: sp.wilcoxon(A, B, method="exact").pvalue),
    ],
)
def test_two_group_p_values_equal_scipy(test, reference):
    r = niche.stats.compare({"a": A, "b": B}, test=test)
    assert r["test"]["p"] == pytest.approx(reference(), rel=1e-9)


def test_anova_and_kruskal_equal_scipy():
    groups = {"a": A, "b": B, "c": C}
    anova = niche.stats.compare(groups, test="anova")
    assert anova["test"]["p"] == pytest.approx(sp.f_oneway(A, B, C).pvalue, rel=1e-9)
    assert anova["test"]["statistic"] == pytest.approx(sp.f_oneway(A, B, C).statistic, rel=1e-12)
    assert [p["method"] for p in anova["posthoc"]] == ["Tukey"] * 3
    tukey = sp.tukey_hsd(A, B, C)
    ab = next(p for p in anova["posthoc"] if {p["a"], p["b"]} == {"a", "b"})
    assert ab["p"] == pytest.approx(tukey.pvalue[0, 1], rel=1e-4)
    kw = niche.stats.compare(groups, test="kruskal")
    assert kw["test"]["p"] == pytest.approx(sp.kruskal(A, B, C).pvalue, rel=1e-9)


def test_descriptives_equal_numpy():
    r = niche.stats.compare({"a": A, "b": B}, test="welch")
    name, d = r["groups"][0]
    assert name == "a"
    assert d["mean"] == pytest.approx(np.mean(A), rel=1e-14)
    assert d["sd"] == pytest.approx(np.std(A, ddof=1), rel=1e-14)


@pytest.mark.parametrize("test,control", [("welch", None), ("mann-whitney", None), ("anova", "a"), ("kruskal", None)])
def test_compare_is_the_cli_json(tmp_path, cli_json, test, control):
    groups = {"a": A, "b": B} if control is None and test != "kruskal" else {"a": A, "b": B, "c": C}
    csv = tmp_path / "groups.csv"
    csv.write_text("group,value\n" + "".join(f"{g},{v}\n" for g, vs in groups.items() for v in vs))
    args = ["stats", "compare", csv, "--test", test, "--format", "json"] + (["--control", control] if control else [])
    assert niche.stats.compare(groups, test=test, control=control) == cli_json(*args)


def test_paired_by_labels():
    r = niche.stats.compare({"a": [1.0, 2.0, 4.0], "b": [2.5, 1.5, 2.2]}, test="paired",
                            pairs={"a": ["x", "y", "z"], "b": ["z", "x", "y"]})
    assert r["test"]["p"] == pytest.approx(sp.ttest_rel([1.0, 2.0, 4.0], [1.5, 2.2, 2.5]).pvalue, rel=1e-9)


def test_table1_is_the_cli_table(tmp_path, cli):
    df = pd.DataFrame({
        "arm": ["x", "x", "x", "y", "y", "y", "y"],
        "age": [34, 51, 47, 29, None, 62, 40],
        "sex": ["F", "M", "F", "M", "M", "F", "NA"],
    })
    t = niche.stats.table1(df, by="arm")
    csv = tmp_path / "patients.csv"
    df.to_csv(csv, index=False)
    from io import StringIO

    want = pd.read_csv(StringIO(cli("stats", "table1", csv, "--by", "arm", "--format", "csv")), dtype=str,
                       keep_default_na=False)
    assert list(t.columns) == list(want.columns)
    assert t["variable"].tolist() == want["variable"].tolist()
    assert t.iloc[:, 2].tolist() == want.iloc[:, 2].tolist()
    age = t[t["variable"] == "age"].iloc[0]
    assert age["P"] == pytest.approx(sp.mannwhitneyu([34, 51, 47], [29, 62, 40], method="exact").pvalue, rel=1e-9)
