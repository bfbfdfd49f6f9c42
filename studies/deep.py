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

from studies.points import StudyError, variable

__all__ = ["PROVISIONAL_DEEP_UNCERTAINTIES", "Deep", "deep_uncertainties"]

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
