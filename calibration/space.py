"""The calibration's parameter space: the scalar behavioural parameters that carry a prior.

Names are ``"group.param"`` as in :data:`model.problem.PROBLEM`. Vector parameters (level and
sector shares that must sum to one, per-level costs, compute, staff and spending) are not sampled:
they keep their hand-set values, and the docs say so. The exception is the four upgrade hazards
``enterprises.upgrade_rate_per_year``, which set how fast firms deepen (patterns W1 and O2): each
element is a parameter of its own, ``"enterprises.upgrade_rate_per_year[i]"``. The model requires the
ladder to be non-increasing (its declared constraint), so each element gets its own prior, the
intervals in :data:`ELEMENT_PRIORS`: disjoint and ordered, around the hand-set ladder, so that every
sampled ladder is valid. Integer parameters are sampled on their range and rounded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import model.parameter_source as _ps
from model.params import Parameters
from model.problem import PROBLEM, Variable
from model.scenario import Scenario

ELEMENTWISE = ("enterprises.upgrade_rate_per_year",)
# Calibration priors of the upgrade-hazard ladder (1/year), one per step: disjoint and ordered, so
# that every draw is a non-increasing ladder; together they cover the vector's whole prior [0, 1],
# and each contains the hand-set value (0.45, 0.40, 0.20, 0.12). (Narrower intervals, 0.05 to 0.70,
# left pattern W1 holding in every prior draw.)
ELEMENT_PRIORS = {"enterprises.upgrade_rate_per_year": ((0.42, 1.0), (0.25, 0.42), (0.13, 0.25), (0.0, 0.13))}


@dataclass(frozen=True)
class Space:
    """An ordered set of scalar parameters with uniform priors on their prior ranges."""

    variables: tuple[Variable, ...]

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def bounds(self) -> np.ndarray:
        return np.array([v.prior for v in self.variables], dtype=float)

    def subset(self, names: list[str]) -> Space:
        by = {v.name: v for v in self.variables}
        missing = [n for n in names if n not in by]
        if missing:
            raise KeyError(f"{missing[0]!r} is not a scalar parameter with a prior")
        return Space(tuple(by[n] for n in names))

    def defaults(self) -> dict[str, float]:
        return {v.name: float(v.default) for v in self.variables}

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        b = self.bounds()
        return b[:, 0] + rng.random((n, len(b))) * (b[:, 1] - b[:, 0])


def _element(v: Variable, i: int) -> Variable:
    lo, hi = ELEMENT_PRIORS[v.name][i]
    return dataclasses.replace(v, name=f"{v.name}[{i}]", kind="real", default=float(v.default[i]),
                               low=lo, high=hi, prior=(lo, hi), label_en=f"{v.label_en} (element {i})")


def scalar_space() -> Space:
    """Every scalar (real or integer) uncertainty of the problem, and the elements of the
    vectors in :data:`ELEMENTWISE`; not the deep uncertainties (:data:`model.uncertainties.DEEP`),
    which nothing available constrains: they stay scenario axes, never calibrated."""
    from model.uncertainties import DEEP

    out = []
    for v in PROBLEM.uncertainties:
        if v.name in DEEP:
            continue
        if v.kind in ("real", "integer"):
            out.append(v)
        elif v.name in ELEMENTWISE:
            out.extend(_element(v, i) for i in range(len(v.default)))
    return Space(tuple(out))


# The rule that applies calibrated values to a scenario lives in the model (model/parameter_source.py),
# so that model.simulate can apply the shipped posterior without importing calibration/.
split_name = _ps.split_name
overrides = _ps.overrides
apply_unless_set = _ps.apply_unless_set


def scenario_with(values: Mapping[str, Any], base: Scenario | None = None, until: int = 2027) -> Scenario:
    """The baseline (or ``base``) scenario with these parameter values (each range-checked)."""
    base = base or Scenario()
    params = base.parameters.with_overrides(overrides(values, base.parameters), "calibration parameters")
    return Scenario(name=base.name, description=base.description, until=until, levers=base.levers,
                    changes=base.changes, parameters=params, source_text=base.source_text,
                    parameters_set=base.parameters_set)


def default_parameters() -> Parameters:
    return Parameters()
