"""Shared fixtures: the reference data in ../shared/data and the `niche` binary.

Tests that need ../shared/data skip with a clear message without it, and fail when CI=true.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
CI = os.environ.get("CI") == "true"


def _require(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if CI:
        pytest.fail(f"CI=true but {what} is missing at {path}")
    pytest.skip(f"{what} not found at {path}: skipping")


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared/data (skips without it; fails under CI=true)."""
    return _require(SHARED / "fcs", "the shared reference data (../shared/data)").parent


@pytest.fixture(scope="session")
def niche_bin() -> Path:
    """The `niche` CLI of this checkout ($NICHE_BIN, else target/debug or target/release)."""
    candidates = [Path(os.environ["NICHE_BIN"])] if os.environ.get("NICHE_BIN") else []
    candidates += [ROOT / "target" / "debug" / "niche", ROOT / "target" / "release" / "niche"]
    for c in candidates:
        if c.is_file():
            return c
    return _require(candidates[0], "the niche binary (cargo build -p niche-cli)")


@pytest.fixture(scope="session")
def cli(niche_bin):
    """Runs `niche ARGS…` and returns its stdout (raises with stderr on failure)."""

    def run(*args, cwd=None) -> str:
        p = subprocess.run([str(niche_bin), *map(str, args)], capture_output=True, text=True, cwd=cwd)
        if p.returncode != 0:
            raise AssertionError(f"niche {' '.join(map(str, args))} failed:\n{p.stderr}")
        return p.stdout

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    return lambda *args, **kw: json.loads(cli(*args, **kw))


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory):
    """A small `niche.reproduce` run (2,000 events per tube, no validation), shared by the tests
    of reproduce, elisa, blot and the Parquet tables."""
    import niche

    out = tmp_path_factory.mktemp("reproduce") / "out"
    niche.reproduce(out, events=2_000, seed=3, progress=False)
    return out
