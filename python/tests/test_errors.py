"""Errors raise niche.NicheError (a ValueError) whose message names the file and the problem."""

from __future__ import annotations

import pytest

import niche


def test_missing_file_names_it(tmp_path):
    path = tmp_path / "absent.fcs"
    with pytest.raises(niche.NicheError) as e:
        niche.read_fcs(path)
    assert str(path) in str(e.value)
    assert "No such file" in str(e.value) or "not found" in str(e.value)


def test_not_an_fcs_file_names_the_file_and_the_fault(tmp_path):
    path = tmp_path / "notes.fcs"
    path.write_bytes(b"this is not a flow cytometry file, only some text" * 4)
    with pytest.raises(ValueError) as e:  # NicheError is a ValueError
        niche.read_fcs(path)
    message = str(e.value)
    assert message.startswith(str(path) + ": ")
    assert "FCS" in message or "HEADER" in message or "header" in message


def test_truncated_fcs_names_the_segment(tmp_path, shared):
    data = (shared / "fcs" / "G11.fcs").read_bytes()
    path = tmp_path / "cut.fcs"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(niche.NicheError) as e:
        niche.read_fcs(path)
    assert str(path) in str(e.value) and "DATA" in str(e.value)
    # lenient reading recovers and says what it recovered from
    sample = niche.read_fcs(path, lenient=True)
    assert sample.warnings


def test_bad_gatingml_names_the_file_and_line(tmp_path):
    path = tmp_path / "gates.xml"
    path.write_text("<gating:Gating-ML xmlns:gating='x'><unclosed></gating:Gating-ML>")
    with pytest.raises(niche.NicheError) as e:
        niche.GatingStrategy.from_gatingml(path)
    assert str(path) in str(e.value)


def test_stats_errors_say_what_is_wrong():
    with pytest.raises(niche.NicheError, match="an unpaired t test compares two groups, the data have 3"):
        niche.stats.compare({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, test="student")
    with pytest.raises(niche.NicheError, match=r"control group \"z\" is not in the data \(a, b, c\)"):
        niche.stats.compare({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, test="anova", control="z")
    with pytest.raises(niche.NicheError, match="test \"t\": use student"):
        niche.stats.compare({"a": [1, 2], "b": [3, 4]}, test="t")


def test_write_fcs_checks_the_shape(tmp_path):
    with pytest.raises(niche.NicheError, match="2 columns for 3 channels"):
        niche.write_fcs(tmp_path / "x.fcs", [[1.0, 2.0]], ["a", "b", "c"])


def test_model_errors():
    with pytest.raises(niche.NicheError, match="model.scan"):
        niche.model.scan(vcr=[], amd=[0.0])
