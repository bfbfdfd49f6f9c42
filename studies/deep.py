"""The deep uncertainties: behavioural parameters no calibration target constrains, for which a
range is all we can defend. Futures (``studies.robustness``), ``steppe sensitivity --over deep``
and the emulator vary them.

:func:`deep_uncertainties` reads ``model.problem.deep_uncertainties()`` when the problem
definition declares it (issue 17), else the provisional list below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from studies.points import StudyError, variable

__all__ = ["FUTURES_STREAM", "MAX_FUTURES", "PROVISIONAL_DEEP_UNCERTAINTIES", "Deep", "central_values",
           "deep_uncertainties", "latin_futures"]

MAX_FUTURES = 50            # futures the app and `steppe report --futures` run at most (each is a full set of runs)
FUTURES_STREAM = 0xDEE9     # the named random stream of the futures' Latin hypercube: [seed, FUTURES_STREAM]

# Until the problem definition declares its deep uncertainties (issue 17), these stand in: the
# compute market's hand-set parameters that no calibration target constrains and on which T1 and
# T5 turn under the plan (Sobol, docs/STUDIES.md), each over its prior range.
PROVISIONAL_DEEP_UNCERTAINTIES = (
    "datacentres.price_elasticity",
    "datacentres.build_months",
    "datacentres.link_beijing_boost",
    "datacentres.link_horinger_boost",
    "datacentres.normal_utilisation",
)


@dataclass(frozen=True)
class Deep:
    """One deep uncertainty: a parameter sampled uniformly over [low, high] across futures."""

    name: str
    low: float
    high: float
    kind: str


def _deep_range(item: Any) -> tuple[str, float, float]:
    """Name and range of an entry of ``deep_uncertainties()``: a name (its prior is the range), a
    variable (its ``deep_range``, else its prior) or a ``(name, low, high)`` triple."""
    if isinstance(item, str):
        name, rng = item, None
    elif isinstance(item, (tuple, list)) and len(item) == 3:
        return str(item[0]), float(item[1]), float(item[2])
    else:
        name, rng = item.name, getattr(item, "deep_range", None)
    v = variable(name)
    if v.role != "uncertainty" or v.kind == "vector":
        raise StudyError(f"deep uncertainty {name!r} is not a scalar behavioural parameter with a range")
    low, high = rng if rng is not None else v.prior
    return name, float(low), float(high)


def deep_uncertainties(names: Sequence[str] | None = None) -> tuple[list[Deep], str]:
    """The deep uncertainties futures vary and where the list came from: ``names`` if given (each
    over its prior), else ``model.problem.deep_uncertainties()`` when the problem definition
    declares it, else :data:`PROVISIONAL_DEEP_UNCERTAINTIES`."""
    if names:
        items, source = list(names), "given"
    else:
        import model.problem as problem

        declared = getattr(problem, "deep_uncertainties", None)
        if callable(declared):
            items, source = list(declared()), "model.problem.deep_uncertainties()"
        else:
            items, source = list(PROVISIONAL_DEEP_UNCERTAINTIES), "provisional list (studies.deep)"
    out = []
    for item in items:
        name, low, high = _deep_range(item)
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            raise StudyError(f"deep uncertainty {name!r} has an empty range [{low:g}, {high:g}]")
        out.append(Deep(name, low, high, variable(name).kind))
    if len({d.name for d in out}) != len(out):
        raise StudyError("a deep uncertainty is named twice")
    return out, source


def latin_futures(n: int, seed: int, deep: Sequence[Deep] | None = None) -> pd.DataFrame:
    """``n`` futures: a Latin hypercube over the deep uncertainties' ranges (integers rounded), drawn
    from ``seed`` through the named stream ``[seed, FUTURES_STREAM]``; one row per future (``lhs``,
    then one column per deep uncertainty). The same seed gives the same futures for every caller
    (``steppe robustness``, ``steppe report --futures``, the app), so packages share them."""
    from scipy.stats import qmc

    if deep is None:
        deep, _ = deep_uncertainties()
    u = qmc.LatinHypercube(d=len(deep), seed=np.random.default_rng([seed, FUTURES_STREAM])).random(n)
    rows = []
    for k, point in enumerate(u):
        values: dict[str, Any] = {}
        for dim, x in zip(deep, point, strict=True):
            v = dim.low + float(x) * (dim.high - dim.low)
            values[dim.name] = round(v) if dim.kind == "integer" else v
        rows.append({"lhs": k, **values})
    return pd.DataFrame(rows)


def central_values(deep: Sequence[Deep] | None = None) -> dict[str, float]:
    """The value every run uses for each deep uncertainty unless a study or scenario sets it: the
    hand-set value of :class:`model.params.Parameters` (the calibrated posterior does not hold the
    deep uncertainties)."""
    from model.parameter_source import split_name
    from model.params import Parameters

    if deep is None:
        deep, _ = deep_uncertainties()
    base = Parameters()
    out = {}
    for d in deep:
        group, key, idx = split_name(d.name)
        v = getattr(getattr(base, group), key)
        out[d.name] = float(v[idx] if idx is not None else v)
    return out
