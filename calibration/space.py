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
    vectors in :data:`ELEMENTWISE`."""
    out = []
    for v in PROBLEM.uncertainties:
        if v.kind in ("real", "integer"):
            out.append(v)
        elif v.name in ELEMENTWISE:
            out.extend(_element(v, i) for i in range(len(v.default)))
    return Space(tuple(out))


def split_name(name: str) -> tuple[str, str, int | None]:
    """``"group.param[i]"`` -> (group, param, i); ``i`` is None for a scalar."""
    group, key = name.split(".", 1)
    if key.endswith("]") and "[" in key:
        key, idx = key[:-1].split("[", 1)
        return group, key, int(idx)
    return group, key, None


def overrides(values: Mapping[str, Any], base: Parameters | None = None) -> dict[str, dict[str, Any]]:
    """``{"group.param": value}`` -> ``{group: {param: value}}`` (integers rounded; vector elements
    replace that element of ``base``'s vector)."""
    base = base or Parameters()
    kinds = {v.name: v.kind for v in PROBLEM.uncertainties}
    priors = {v.name: v.prior for v in PROBLEM.uncertainties}
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        group, key, idx = split_name(name)
        v = float(value)
        lo, hi = priors.get(f"{group}.{key}") or (v, v)
        if abs(v - lo) <= 1e-9 * (hi - lo) or abs(v - hi) <= 1e-9 * (hi - lo):   # sampling round-off only
            v = lo if abs(v - lo) < abs(v - hi) else hi
        table = out.setdefault(group, {})
        if idx is not None:
            vec = table.setdefault(key, list(getattr(getattr(base, group), key)))
            vec[idx] = v
        else:
            table[key] = round(v) if kinds.get(name) == "integer" else v
    return out


def scenario_with(values: Mapping[str, Any], base: Scenario | None = None, until: int = 2027) -> Scenario:
    """The baseline (or ``base``) scenario with these parameter values (each range-checked)."""
    base = base or Scenario()
    params = base.parameters.with_overrides(overrides(values, base.parameters), "calibration parameters")
    return Scenario(name=base.name, description=base.description, until=until, levers=base.levers,
                    changes=base.changes, parameters=params, source_text=base.source_text)


def default_parameters() -> Parameters:
    return Parameters()


def apply_unless_set(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with the calibrated ``values`` applied to every parameter the scenario file
    leaves at its hand-set default; a value the file sets itself wins."""
    defaults, current = Parameters(), scenario.parameters
    keep = {}
    for name, v in values.items():
        group, key, idx = split_name(name)
        d = getattr(getattr(defaults, group), key)
        c = getattr(getattr(current, group), key)
        if (d[idx] == c[idx]) if idx is not None else (d == c):
            keep[name] = v
    return scenario_with(keep, base=scenario, until=scenario.until)
