"""Western-blot densitometry."""

from __future__ import annotations

import json

from . import _niche

__all__ = ["quantify"]


def quantify(image, layout) -> dict:
    """Quantifies a blot image (16-bit TIFF or PNG) with its layout TOML, as
    ``niche blot quantify --format json``: background, lanes, bands (volumes, normalised to the
    loading control, fold change vs the reference group) and warnings."""
    return json.loads(_niche.blot_quantify_json(image, layout))
