"""read_fcs against FlowIO 1.4 on the shared FCS files, write_fcs round trips, pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import niche

# files FlowIO 1.4 reads as they are (the offset-discrepancy examples need lenient reading)
FILES = [
    "0877408774.B08",
    "100715.fcs",
    "3FITC_4PE_004.fcs",
    "B01 KC-A-W---91-US.fcs",
    "G11.fcs",
    "index_sorted_example.fcs",
    "test_comp_example.fcs",
    "variable_int_example.fcs",
    "coulter.lmd",
    "facscalibur_compensation/060909.001",
    "facscalibur_compensation/060909.005",
]


def flowio_arrays(path):
    """FlowIO's data set 1, raw and preprocessed, read as the committed FlowIO reference was."""
    import flowio

    options = dict(ignore_offset_error=True, ignore_offset_discrepancy=True)
    try:
        data = flowio.FlowData(str(path), **options)
    except flowio.exceptions.MultipleDataSetsError:
        data = flowio.read_multiple_data_sets(str(path), **options)[0]
    raw = data.as_array(preprocess=False)
    try:
        float(data.text.get("timestep", "1") or "1")
    except ValueError:
        # anonymised files hold $TIMESTEP = "xxxxxxxxx"; niche warns and leaves time unscaled
        data.text["timestep"] = "1"
    return data, raw, data.as_array(preprocess=True)


@pytest.mark.parametrize("name", FILES)
def test_values_equal_flowio(shared, name):
    path = shared / "fcs" / name
    sample = niche.read_fcs(path)
    data, raw, pre = flowio_arrays(path)
    assert sample.n_events == data.event_count
    assert len(sample.channels) == data.channel_count
    got_raw = sample.events(scaled=False)
    got = sample.events()
    assert got.shape == pre.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got_raw, raw, rtol=1e-6, atol=0)
    np.testing.assert_allclose(got, pre, rtol=1e-6, atol=1e-9)
    # float32 is the same values rounded
    np.testing.assert_allclose(sample.events(dtype=np.float32), got.astype(np.float32), rtol=0, atol=0)


def test_values_equal_flowio_truth_csvs(shared):
    truth = shared / "fcs" / "truth"
    data1 = niche.read_fcs(shared / "gatingml2" / "data1.fcs")
    raw = np.loadtxt(truth / "data1_original_events.csv", delimiter=",", ndmin=2)
    pre = np.loadtxt(truth / "data1_preprocessed.csv", delimiter=",", ndmin=2)
    # the truth CSVs hold 8 significant digits
    np.testing.assert_allclose(data1.events(scaled=False), raw, rtol=1e-7)
    np.testing.assert_allclose(data1.events(), pre, rtol=1e-7)
    b01 = niche.read_fcs(shared / "fcs" / "B01 KC-A-W---91-US.fcs")
    want = np.loadtxt(truth / "B01 KC-A-W---91-US_preprocessed_events.csv", delimiter=",", ndmin=2)
    np.testing.assert_allclose(b01.events(), want, rtol=1e-6)


def test_channels_labels_keywords_and_spillover(shared):
    import flowio

    path = shared / "fcs" / "B01 KC-A-W---91-US.fcs"
    sample = niche.read_fcs(path)
    data = flowio.FlowData(str(path))
    assert sample.channels == list(data.pnn_labels)
    assert sample.keywords["$TOT"].strip() == str(data.event_count)
    assert len(sample.labels) == len(sample.channels)
    s = sample.spillover
    assert s is not None and list(s.index) == list(s.columns)
    assert np.allclose(np.diag(s.to_numpy()), 1.0)
    df = sample.to_pandas()
    assert list(df.columns) == sample.channels
    assert len(df) == sample.n_events


def test_write_fcs_round_trips(tmp_path):
    rng = np.random.default_rng(7)
    events = rng.uniform(0, 1000, size=(500, 3)).astype(np.float32).astype(np.float64)
    path = tmp_path / "written.fcs"
    niche.write_fcs(path, events, ["FSC-H", "SSC-H", "FL1-H"], {"$FIL": "written.fcs", "NOTE": "x"},
                    labels=[None, None, "CD45 FITC"])
    back = niche.read_fcs(path)
    assert back.channels == ["FSC-H", "SSC-H", "FL1-H"]
    assert back.labels == [None, None, "CD45 FITC"]
    assert back.keywords["NOTE"] == "x"
    np.testing.assert_array_equal(back.events(), events)
    # a DataFrame works as events, and FlowIO reads what niche writes
    import flowio

    niche.write_fcs(tmp_path / "df.fcs", pd.DataFrame(events), ["a", "b", "c"])
    np.testing.assert_allclose(flowio.FlowData(str(tmp_path / "df.fcs")).as_array(preprocess=False), events)
