"""ELISA plates: 4PL/5PL standard curves and sample concentrations."""

from __future__ import annotations

import json

from . import _niche

__all__ = ["fit"]


def fit(plate, layout, model: str = "4pl", weight: str = "none", cv_limit: float = 20.0) -> dict:
    """Fits the plate's standard curve (``model`` "4pl" or "5pl", ``weight`` "none", "y" or "y2")
    and reads its samples, as ``niche elisa fit`` does. ``plate`` is a Gen5-style export,
    ``layout`` its layout TOML. Returns a dict with ``units``, ``blank``, ``curve`` (params,
    standard errors, CIs, R²), ``standards`` and ``samples``."""
    return json.loads(_niche.elisa_fit_json(plate, layout, model, weight, cv_limit))
