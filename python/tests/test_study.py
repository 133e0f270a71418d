"""reproduce, elisa.fit and blot.quantify from Python, against the CLI on the same files."""

from __future__ import annotations

import json

import pytest

import niche


def manifest_files(reproduced, assay):
    manifest = json.loads((reproduced / "raw" / "manifest.json").read_text())
    return [f for f in manifest["files"] if f.get("assay") == assay]


def test_reproduce_writes_the_report(reproduced):
    assert (reproduced / "report.html").is_file()
    assert (reproduced / "tables" / "reproduction.csv").is_file()


def test_elisa_fit_equals_the_cli(reproduced, cli_json):
    plates = manifest_files(reproduced, "elisa")
    assert plates, "the reproduction wrote no ELISA plate"
    raw = reproduced / "raw"
    plate, layout = raw / plates[0]["path"], raw / plates[0]["layout"]
    got = niche.elisa.fit(plate, layout)
    want = cli_json("elisa", "fit", plate, "--layout", layout, "--format", "json")
    assert got["curve"]["params"]["ec50"] == pytest.approx(want["params"]["ec50"], rel=1e-12)
    assert [s["id"] for s in got["samples"]] == [s["id"] for s in want["samples"]]
    for g, w in zip(got["samples"], want["samples"]):
        assert (g["conc"] is None) == (w["conc"] is None), g["id"]
        assert g["conc"] is None or g["conc"] == pytest.approx(w["conc"], rel=1e-12), g["id"]
        assert g["flag"] == w["flag"], g["id"]


def test_blot_quantify_equals_the_cli(reproduced, cli_json):
    blots = manifest_files(reproduced, "blot")
    assert blots, "the reproduction wrote no blot"
    raw = reproduced / "raw"
    image, layout = raw / blots[0]["path"], raw / blots[0]["layout"]
    assert niche.blot.quantify(image, layout) == cli_json("blot", "quantify", image, "--layout", layout,
                                                         "--format", "json")


def test_reproduce_refuses_an_existing_directory(reproduced):
    with pytest.raises(niche.NicheError, match=str(reproduced)):
        niche.reproduce(reproduced, events=200, progress=False)
