"""pyarrow and pandas read every Parquet file the CLI writes, to the CSV's values."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest


def assert_frames_match(parquet_path, csv_text):
    """Same column names; numbers equal to the CSV's (as printed), text equal."""
    got = pd.read_parquet(parquet_path)
    table = pq.read_table(parquet_path)
    # only empty cells are missing (a CSV cell "None" or "NA" is text, as niche wrote it)
    want = pd.read_csv(StringIO(csv_text) if isinstance(csv_text, str) else csv_text, keep_default_na=False,
                       na_values=[""])
    assert list(got.columns) == list(want.columns)
    assert table.num_rows == len(want)
    for name in want.columns:
        w, g = want[name], got[name]
        if pd.api.types.is_numeric_dtype(g) and not pd.api.types.is_bool_dtype(g):
            # a float column holding NaN is text to pandas without its default NA strings
            np.testing.assert_allclose(g.astype(float), w.replace("NaN", np.nan).astype(float), rtol=1e-12, atol=0,
                                       equal_nan=True, err_msg=name)
        else:
            assert [None if pd.isna(v) else str(v) for v in g] == [None if pd.isna(v) else str(v) for v in w], name
    return table


def test_fcs_export(cli, shared, tmp_path):
    fcs = shared / "fcs" / "G11.fcs"
    out = tmp_path / "g11.parquet"
    cli("fcs", "export", fcs, "--format", "parquet", "-o", out)
    table = assert_frames_match(out, cli("fcs", "export", fcs))
    assert table.schema.field(0).metadata[b"values"] == b"scaled"


def test_gate(cli, shared, tmp_path):
    suite = shared / "gatingml2"
    args = ["gate", suite / "data1.fcs", "--gatingml", suite / "gates1.xml", "--stats", "FL1-H"]
    out = tmp_path / "gate.parquet"
    cli(*args, "--format", "parquet", "-o", out)
    assert_frames_match(out, cli(*args, "--format", "csv"))


def test_model_scan_with_units(cli, tmp_path):
    args = ["model", "scan", "--vcr", "0,0.01,0.1", "--amd", "0,5", "--msc"]
    out = tmp_path / "scan.parquet"
    cli(*args, "--format", "parquet", "-o", out)
    table = assert_frames_match(out, cli(*args))
    assert table.schema.field("vcr_um").metadata[b"unit"] == "µmol/L".encode()
    assert table.schema.field("amd_ug_per_ml").metadata[b"unit"] == "µg/mL".encode()
    assert table.schema.field("apoptosis_percent").metadata[b"unit"] == b"%"


def test_model_simulate_and_cohort(cli, tmp_path):
    for args in (["model", "simulate", "--vcr", "1", "--msc", "--hours", "4"],
                 ["model", "cohort", "--patients", "5"]):
        out = tmp_path / f"{args[1]}.parquet"
        cli(*args, "--format", "parquet", "-o", out)
        assert_frames_match(out, cli(*args))


def test_parquet_needs_an_output_file(niche_bin):
    import subprocess

    p = subprocess.run([str(niche_bin), "model", "scan", "--vcr", "0", "--amd", "0", "--format", "parquet"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "give -o FILE" in p.stderr


def test_reproduce_tables(reproduced):
    tables = reproduced / "tables"
    csvs = sorted(tables.glob("*.csv"))
    assert csvs
    for csv in csvs:
        parquet = csv.with_suffix(".parquet")
        assert parquet.is_file(), f"{parquet} missing beside {csv.name}"
        assert_frames_match(parquet, csv)
