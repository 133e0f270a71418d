"""niche from Python: FCS files, Gating-ML and FlowJo gating, statistics, ELISA, blots and the
ALL–MSC co-culture model, computed by the same Rust engine as the ``niche`` command line.

>>> import niche
>>> sample = niche.read_fcs("tube.fcs")                       # doctest: +SKIP
>>> sample.events(dtype="float32").shape                      # doctest: +SKIP
(10000, 8)

Errors raise :class:`NicheError` (a ``ValueError``) whose message names the file and the problem.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import _niche
from ._niche import NicheError

__all__ = [
    "NicheError",
    "Sample",
    "GatingStrategy",
    "GatingResults",
    "read_fcs",
    "write_fcs",
    "reproduce",
    "stats",
    "model",
    "elisa",
    "blot",
]
__version__ = _niche.__version__


def _dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


class Sample:
    """An FCS file's first data set, as :func:`read_fcs` returns it."""

    __slots__ = ("_fcs",)

    def __init__(self, fcs: _niche.Fcs):
        self._fcs = fcs

    def __repr__(self) -> str:
        return f"Sample({self.path!r}, {self.n_events} events, channels={self.channels})"

    @property
    def path(self) -> str:
        """The path the file was read from."""
        return self._fcs.path

    @property
    def channels(self) -> list[str]:
        """``$PnN`` of every parameter, in order."""
        return self._fcs.channels

    @property
    def labels(self) -> list[str | None]:
        """``$PnS`` of every parameter (``None`` where absent)."""
        return self._fcs.labels

    @property
    def keywords(self) -> dict[str, str]:
        """TEXT keywords, in file order."""
        return dict(self._fcs.keywords)

    @property
    def n_events(self) -> int:
        """Number of events."""
        return self._fcs.n_events

    @property
    def version(self) -> str:
        """The FCS version of the HEADER, e.g. ``"3.1"``."""
        return self._fcs.version

    @property
    def warnings(self) -> list[str]:
        """Faults tolerated while reading (with ``lenient=True``, or those every reader accepts)."""
        return self._fcs.warnings

    @property
    def spillover(self):
        """The spillover matrix as a ``pandas.DataFrame`` (rows: dyes, columns: detectors, both
        named by channel), or ``None`` when the file has none."""
        s = self._fcs.spillover
        if s is None:
            return None
        import pandas as pd

        channels, matrix = s
        return pd.DataFrame(matrix, index=channels, columns=channels)

    def events(self, scaled: bool = True, dtype: Any = np.float64) -> np.ndarray:
        """Events as an ``n_events × n_channels`` array of ``dtype`` (float64 or float32).

        ``scaled`` gives FlowIO's "preprocessed" values ($PnE log decoding, $PnG, $TIMESTEP);
        otherwise the stored values. The array is Fortran-ordered (decoded column by column).
        """
        return self._fcs.events(scaled, _dtype_name(dtype))

    def to_pandas(self, scaled: bool = True, dtype: Any = np.float64):
        """The events as a ``pandas.DataFrame`` whose columns are :attr:`channels`."""
        import pandas as pd

        return pd.DataFrame(self.events(scaled, dtype), columns=self.channels, copy=False)


def read_fcs(path: str | "os.PathLike[str]", lenient: bool = False) -> Sample:
    """Reads an FCS 2.0–3.2 file (its first data set).

    Strict except for the faults FlowIO, FlowKit and flowCore all accept; ``lenient=True``
    recovers every recoverable fault and lists it in :attr:`Sample.warnings`.
    """
    return Sample(_niche.read_fcs(path, lenient))


def write_fcs(
    path: str | "os.PathLike[str]",
    events: Any,
    channels: Sequence[str],
    keywords: Mapping[str, str] | None = None,
    labels: Sequence[str | None] | None = None,
) -> None:
    """Writes an FCS 3.1 file of 32-bit floats, atomically.

    ``events`` is ``n_events × len(channels)`` (anything ``numpy.asarray`` takes, e.g. a
    DataFrame); ``keywords`` are added to TEXT (computed ones such as ``$TOT`` win);
    ``labels`` become ``$PnS``.
    """
    array = np.ascontiguousarray(np.asarray(events, dtype=np.float64))
    if array.ndim != 2:
        raise NicheError(f"{path}: events must be two-dimensional, got shape {array.shape}")
    _niche.write_fcs(
        path,
        array,
        list(channels),
        {str(k): str(v) for k, v in (keywords or {}).items()},
        None if labels is None else list(labels),
    )


class GatingResults:
    """The populations of one gated sample (FlowKit's names: count, absolute and relative percent)."""

    __slots__ = ("_results",)

    def __init__(self, results: _niche.GatingResults):
        self._results = results

    @property
    def n_events(self) -> int:
        """Events in the sample."""
        return self._results.n_events

    @property
    def ids(self) -> list[str]:
        """Population ids in strategy order."""
        return self._results.ids

    @property
    def warnings(self) -> list[str]:
        """Warnings of the gating."""
        return self._results.warnings

    def counts(self):
        """A ``pandas.DataFrame``: ``id``, ``parent``, ``count``, ``absolute_percent`` (of all
        events), ``relative_percent`` (of the parent)."""
        import pandas as pd

        return pd.DataFrame(self._results.counts())

    def membership(self, id: str) -> np.ndarray:
        """One ``bool`` per event: whether it is in population ``id``."""
        return self._results.membership(id)

    def stats(
        self,
        id: str,
        channels: Iterable[str],
        percentiles: Sequence[float] = (5.0, 95.0),
        compensated: bool = True,
    ):
        """Statistics of ``channels`` within population ``id`` as a ``pandas.DataFrame`` indexed by
        channel: count, mean, sd, cv, median, geometric_mean, robust_sd, robust_cv and one ``p<q>``
        column per percentile; values compensated by the file's spillover unless
        ``compensated=False``."""
        import pandas as pd

        rows = self._results.stats(id, list(channels), [float(p) for p in percentiles], compensated)
        return pd.DataFrame(rows).set_index("channel")


class GatingStrategy:
    """A gating strategy: Gating-ML 2.0 gates, or a FlowJo workspace's gates."""

    __slots__ = ("_strategy",)

    def __init__(self, strategy: _niche.GatingStrategy):
        self._strategy = strategy

    @classmethod
    def from_gatingml(cls, path: str | "os.PathLike[str]") -> "GatingStrategy":
        """Reads a Gating-ML 2.0 file."""
        return cls(_niche.GatingStrategy.from_gatingml(path))

    @classmethod
    def from_wsp(cls, path: str | "os.PathLike[str]", sample: str | None = None) -> "GatingStrategy":
        """Reads a FlowJo workspace: the gates of ``sample`` (its FlowJo name or FCS file name), or
        else of the sample that matches each file :meth:`apply` gets (URI file name, then $FIL).
        Population ids are the populations' paths, "/"-joined."""
        return cls(_niche.GatingStrategy.from_wsp(path, sample))

    def apply(self, sample: Sample) -> GatingResults:
        """Gates ``sample`` on its scaled values (compensation-ref="FCS": the file's spillover)."""
        return GatingResults(self._strategy.apply(sample._fcs))


def reproduce(
    out_dir: str | "os.PathLike[str]",
    events: int = 20_000,
    seed: int = 1,
    sampling: str = "random",
    instrument: str = "facscalibur",
    repeats: int = 0,
    validate: bool = False,
    force: bool = False,
    progress: bool = True,
) -> dict:
    """Runs the seed study end to end into ``out_dir`` as ``niche reproduce`` does (model →
    virtual lab → raw files → analysis → report.html, tables/*.csv), with a progress bar on
    stderr. Returns ``out_dir``, ``files``, ``headline`` and ``text`` (the text report)."""
    return _niche.reproduce(out_dir, events, seed, sampling, instrument, repeats, validate, force, progress)


from . import blot, elisa, model, stats  # noqa: E402  (submodules use the names above)
