"""niche.model against the CLI's JSON and CSV."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd

import niche


def test_scan_equals_the_cli_json(cli_json):
    vcr, amd = [0.0, 0.01, 0.1], [0.0, 5.0]
    df = niche.model.scan(vcr=vcr, amd=amd, msc=True, donors=0)
    assert len(df) == len(vcr) * len(amd)
    want = cli_json("model", "scan", "--vcr", "0,0.01,0.1", "--amd", "0,5", "--msc", "--format", "json")
    assert want["msc"] is True
    grid = want["grid"]
    assert df["vcr_um"].tolist() == [g["vcr_um"] for g in grid]
    assert df["amd_ug_per_ml"].tolist() == [g["amd_ug_per_ml"] for g in grid]
    for name in ["apoptosis_percent", "early_percent", "late_percent", "cxcr4_mfi", "cxcl12_ng_per_ml", "bax", "bcl2"]:
        np.testing.assert_allclose(df[name], [g["readouts"][name] for g in grid], rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(df["apoptosis_sd"], [g["apoptosis_sd"] for g in grid])
    for name in ["bliss", "hsa", "loewe"]:
        np.testing.assert_allclose(df[name], [g["synergy"][name] if g["synergy"] else np.nan for g in grid])


def test_scan_with_donors_equals_the_cli(cli_json):
    df = niche.model.scan(vcr=[0.0, 0.1], amd=[0.0, 5.0], msc=False, donors=3, seed=2)
    want = cli_json("model", "scan", "--vcr", "0,0.1", "--amd", "0,5", "--donors", "3", "--seed", "2",
                    "--format", "json")
    np.testing.assert_allclose(df["apoptosis_sd"], [g["apoptosis_sd"] for g in want["grid"]], rtol=1e-12)


def test_simulate_equals_the_cli_csv(cli):
    df = niche.model.simulate(vcr=1.0, amd=5.0, msc=True, hours=6)
    want = pd.read_csv(StringIO(cli("model", "simulate", "--vcr", "1", "--amd", "5", "--msc", "--hours", "6")))
    assert list(df.columns) == list(want.columns)
    np.testing.assert_allclose(df.to_numpy(), want.to_numpy(), rtol=1e-5, atol=1e-7)


def test_fit_equals_the_cli_json(cli_json):
    fit = niche.model.fit()
    assert fit["targets"] and fit["chi_square"] >= 0
    assert all("name" in p for p in fit["parameters"])
    # the same object as `niche model fit --no-refit --format json`, every part of it
    assert fit == cli_json("model", "fit", "--no-refit", "--format", "json")
    assert {"mfi_decomposition", "donor_variability", "variance_function"} <= fit.keys()
