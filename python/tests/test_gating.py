"""Gating from Python: the Gating-ML 2.0 compliance suite's set 1 event for event, FlowJo
workspaces against FlowJo's own counts, results against the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest

import niche


def read_expected(path):
    """One 0/1 per event, as the suite's Results_<id>.txt hold them."""
    tokens = path.read_text().split()
    bad = [t for t in tokens if t not in ("0", "1")]
    assert not bad, f"{path}: unexpected token {bad[0]!r}"
    return np.array([t == "1" for t in tokens])


@pytest.mark.parametrize("gates,data,expected,cases", [("gates1.xml", "data1.fcs", "expected/set_1", 60),
                                                       ("gates2.xml", "data2.fcs", "expected/set_2", 40)])
def test_compliance_memberships_event_for_event(shared, gates, data, expected, cases):
    suite = shared / "gatingml2"
    strategy = niche.GatingStrategy.from_gatingml(suite / gates)
    results = strategy.apply(niche.read_fcs(suite / data))
    files = sorted((suite / expected).glob("Results_*.txt"))
    assert len(files) == cases
    failures = []
    for path in files:
        gate_id = path.stem.removeprefix("Results_")
        want = read_expected(path)
        got = results.membership(gate_id)
        assert got.dtype == np.bool_ and got.shape == want.shape, gate_id
        wrong = int((got != want).sum())
        if wrong:
            failures.append(f"{gate_id}: {wrong} events differ")
    assert not failures, "\n".join(failures)


def test_counts_frame_matches_the_cli(shared, cli_json):
    suite = shared / "gatingml2"
    results = niche.GatingStrategy.from_gatingml(suite / "gates1.xml").apply(niche.read_fcs(suite / "data1.fcs"))
    counts = results.counts()
    assert list(counts.columns) == ["id", "parent", "count", "absolute_percent", "relative_percent"]
    report = cli_json("gate", suite / "data1.fcs", "--gatingml", suite / "gates1.xml", "--format", "json")
    assert counts["id"].tolist() == [p["id"] for p in report["populations"]]
    assert counts["count"].tolist() == [p["count"] for p in report["populations"]]
    np.testing.assert_allclose(counts["relative_percent"], [p["relative_percent"] for p in report["populations"]])
    gate_id = counts["id"][0]
    assert counts["count"][0] == results.membership(gate_id).sum()


def test_stats_match_the_cli(shared, cli_json):
    suite = shared / "gatingml2"
    results = niche.GatingStrategy.from_gatingml(suite / "gates1.xml").apply(niche.read_fcs(suite / "data1.fcs"))
    gate_id = results.ids[0]
    stats = results.stats(gate_id, ["FL1-H", "FL2-H"])
    report = cli_json("gate", suite / "data1.fcs", "--gatingml", suite / "gates1.xml", "--format", "json",
                      "--stats", "FL1-H", "FL2-H")
    row = next(p for p in report["populations"] if p["id"] == gate_id)
    for s in row["stats"]:
        assert stats.loc[s["channel"], "mean"] == pytest.approx(s["stats"]["mean"], rel=1e-12)
        assert stats.loc[s["channel"], "median"] == pytest.approx(s["stats"]["median"], rel=1e-12)
        assert stats.loc[s["channel"], "count"] == s["stats"]["count"]


def flowjo_counts(wsp):
    """FlowJo's count per population path of the workspace's (only) sample."""
    import xml.etree.ElementTree as ET

    counts = {}

    def walk(node, path):
        for sub in node.findall("Subpopulations"):
            for child in sub:
                name = child.get("name")
                if name is None:
                    continue
                p = path + [name.replace("/", "\\/")]
                if child.get("count") is not None:
                    counts["/".join(p)] = int(child.get("count"))
                walk(child, p)

    root = ET.parse(wsp).getroot()
    for node in root.iter("SampleNode"):
        walk(node, [])
        break
    return counts


def test_flowjo_workspace_counts_equal_flowjo(shared):
    folder = shared / "flowjo" / "simple_diamond"
    wsps = sorted(folder.glob("*.wsp"))
    assert wsps, f"no workspace in {folder}"
    sample = niche.read_fcs(folder / "test_data_diamond_01.fcs")
    for wsp in wsps:
        results = niche.GatingStrategy.from_wsp(wsp).apply(sample)
        counts = results.counts().set_index("id")["count"].to_dict()
        want = flowjo_counts(wsp)
        assert want, wsp
        for path, count in want.items():
            assert counts.get(path) == count, f"{wsp.name}: {path}: niche {counts.get(path)}, FlowJo {count}"


def test_unknown_population_names_the_sample_and_lists_ids(shared):
    suite = shared / "gatingml2"
    results = niche.GatingStrategy.from_gatingml(suite / "gates1.xml").apply(niche.read_fcs(suite / "data1.fcs"))
    with pytest.raises(niche.NicheError, match=re.escape("data1.fcs") + r".*no population 'nope'|no population \"nope\""):
        results.membership("nope")
