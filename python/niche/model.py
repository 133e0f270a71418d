"""The calibrated ALL–MSC co-culture model: dose scans, time courses and the calibration."""

from __future__ import annotations

import json
from typing import Sequence

from . import _niche

__all__ = ["scan", "simulate", "fit"]


def scan(
    vcr: Sequence[float],
    amd: Sequence[float],
    msc: bool = True,
    donors: int = 0,
    seed: int = 1,
    hours: float = 24.0,
):
    """Simulates every vincristine (µmol/L) × AMD3100 (µg/mL) dose pair, for ``donors`` virtual
    donors (0: the calibrated mean model), in parallel with the GIL released.

    Returns a ``pandas.DataFrame``, one row per grid point, with the columns of
    ``niche model scan``: vcr_um, amd_ug_per_ml, apoptosis_percent, early_percent, late_percent,
    cxcr4_mfi, cxcl12_ng_per_ml, bax, bcl2, apoptosis_sd, bliss, hsa, loewe, zip (synergy scores,
    positive = synergy, NaN where the grid has no zero doses).
    """
    import pandas as pd

    return pd.DataFrame(_niche.scan([float(v) for v in vcr], [float(a) for a in amd], msc, donors, seed, hours))


def simulate(vcr: float = 0.0, amd: float = 0.0, msc: bool = True, hours: float = 24.0, per_hour: int = 1):
    """One condition's time course: a ``pandas.DataFrame`` with the columns of
    ``niche model simulate`` (time_h, the ODE states, the assay readouts)."""
    import pandas as pd

    return pd.DataFrame(_niche.simulate(float(vcr), float(amd), msc, float(hours), int(per_hour)))


def fit(refit: bool = False) -> dict:
    """The calibration to the seed paper, the object ``niche model fit --format json`` prints:
    targets, directions, estimates with CIs, χ², identifiability, parameters with provenance, the
    CXCR4 MFI decomposition, the donor variability and the between-experiment variance function.
    Every number in it is fitted, none a prediction. ``refit=True`` fits again from the literature
    values (about a minute); otherwise the shipped calibrated parameters are evaluated."""
    return json.loads(_niche.fit_json(refit))
