"""Typed, validated settings: the machinery shared by levers and behavioural parameters.

A setting is a dataclass field declared with :func:`setting`. Its metadata carries the unit, the
allowed range, an optional constraint on a vector (a monotone ladder, shares summing to one),
and either a source (a fact with its origin) or a calibration prior. Validation turns a raw
value into the field's type, or raises :class:`SettingError` naming the file, the key and what
is allowed. Every way in validates the same way: scenario files, the Python API, sweeps and the
dataclasses themselves (:class:`Settings` checks every field on construction).

What is accepted: Python or numpy numbers and booleans (``numpy.float64(0.3)``,
``numpy.int64(2)``, ``numpy.True_``); a number within ``SNAP_REL`` (1e-9) of a bound, relative to
the larger of the bound's size and the range's width, is snapped to the bound (samplers produce
``0.9000000000000001`` for ``0.9``); for a whole-number setting, a float within 1e-9 of a whole
number is taken as that number. Everything else, text for a number or an on/off value included,
is refused.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

SNAP_REL = 1e-9
SIMPLEX_TOL = 1e-6
Constraint = Literal["increasing", "decreasing", "simplex"]
CONSTRAINT_TEXT = {"increasing": "non-decreasing from first to last",
                   "decreasing": "non-increasing from first to last",
                   "simplex": "summing to 1"}


class SettingError(ValueError):
    """A bad value in a scenario or parameter file; the message says where and what is allowed."""


@dataclass(frozen=True)
class Spec:
    """Metadata of one setting."""

    unit: str
    low: float | None
    high: float | None
    doc: str
    source: str | None = None
    prior: tuple[float, float] | None = None
    zh: str | None = None
    constraint: Constraint | None = None


def setting(
    default: Any,
    unit: str,
    doc: str,
    *,
    low: float | None = None,
    high: float | None = None,
    source: str | None = None,
    prior: tuple[float, float] | None = None,
    zh: str | None = None,
    constraint: Constraint | None = None,
) -> Any:
    """Declare a setting. Give ``source`` for a sourced constant or ``prior`` for a calibration
    parameter (its range is then the allowed range unless ``low``/``high`` widen it). A vector
    setting may carry a ``constraint``: ``"increasing"``/``"decreasing"`` (a monotone ladder) or
    ``"simplex"`` (shares summing to one)."""
    if source is None and prior is None:
        raise TypeError(f"setting {doc!r} needs a source or a calibration prior")
    if constraint is not None and constraint not in CONSTRAINT_TEXT:
        raise TypeError(f"setting {doc!r}: unknown constraint {constraint!r}")
    if constraint is not None and not isinstance(default, (list, tuple)):
        raise TypeError(f"setting {doc!r}: a constraint needs a vector default")
    if prior is not None:
        low = prior[0] if low is None else low
        high = prior[1] if high is None else high
    spec = Spec(unit=unit, low=low, high=high, doc=doc, source=source, prior=prior, zh=zh,
                constraint=constraint)
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def spec_of(cls: type, name: str) -> Spec:
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(cls)}[name]


def allowed_text(spec: Spec, kind: type) -> str:
    if kind is bool:
        return "true or false"
    lo = "-inf" if spec.low is None else f"{spec.low:g}"
    hi = "inf" if spec.high is None else f"{spec.high:g}"
    word = "a whole number" if kind is int else "a number"
    return f"{word} in [{lo}, {hi}] ({spec.unit})"


def _snap(value: float, spec: Spec) -> float:
    """``value`` snapped to a bound it lies within ``SNAP_REL`` of (see the module docstring)."""
    width = (spec.high - spec.low) if spec.low is not None and spec.high is not None else 0.0
    for bound in (spec.low, spec.high):
        if bound is not None and abs(value - bound) <= SNAP_REL * max(abs(bound), width):
            return float(bound)
    return value


def coerce(value: Any, kind: type, spec: Spec, where: str) -> Any:
    """Check one raw value against its type and range; return it as that type (a plain Python
    ``bool``, ``int`` or ``float``; numpy scalars are accepted, near-bound values snapped)."""
    allowed = allowed_text(spec, kind)
    if isinstance(value, np.generic) and isinstance(value, (np.bool_, np.integer, np.floating)):
        value = value.item()
    if kind is bool:
        if not isinstance(value, bool):
            raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
    if not math.isfinite(value):
        raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
    if kind is int and not isinstance(value, int):
        nearest = round(value)
        if abs(value - nearest) > SNAP_REL * max(1.0, abs(nearest)):
            raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
        value = nearest
    value = _snap(value, spec)
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise SettingError(f"{where}: {value!r} is out of range; allowed {allowed}")
    return kind(value)


def check_constraint(values: Sequence[float], spec: Spec, where: str) -> None:
    """Refuse a vector that breaks its declared constraint."""
    c = spec.constraint
    if c is None:
        return
    v = list(values)
    if c == "simplex":
        ok = abs(sum(v) - 1.0) <= SIMPLEX_TOL
        if not ok:
            raise SettingError(f"{where}: shares sum to {sum(v):g}; they must sum to 1")
        return
    pairs = list(itertools.pairwise(v))
    ok = all(a <= b for a, b in pairs) if c == "increasing" else all(a >= b for a, b in pairs)
    if not ok:
        raise SettingError(f"{where}: {v!r} is not allowed; expected values {CONSTRAINT_TEXT[c]}")


def coerce_vector(value: Any, default: tuple, spec: Spec, where: str) -> tuple[float, ...]:
    """A list, tuple or 1-d numpy array of ``len(default)`` numbers, each checked, then the
    constraint."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or len(value) != len(default):
        lo = "-inf" if spec.low is None else f"{spec.low:g}"
        hi = "inf" if spec.high is None else f"{spec.high:g}"
        extra = f", {CONSTRAINT_TEXT[spec.constraint]}" if spec.constraint else ""
        raise SettingError(f"{where}: {value!r} is not allowed; expected a list of "
                           f"{len(default)} numbers, each in [{lo}, {hi}] ({spec.unit}){extra}")
    out = tuple(coerce(v, float, spec, f"{where}[{i}]") for i, v in enumerate(value))
    check_constraint(out, spec, where)
    return out


def field_kinds(cls: type) -> dict[str, type]:
    """Field name -> python type (bool, int, float or tuple) of a settings dataclass."""
    hints = {"bool": bool, "int": int, "float": float}
    out = {}
    for f in dataclasses.fields(cls):
        t = f.type if isinstance(f.type, str) else f.type.__name__
        out[f.name] = hints.get(t, tuple)
    return out


class Settings:
    """Base of the settings dataclasses: every field is checked on construction (directly,
    through ``dataclasses.replace`` or :func:`validated_replace`), so no unchecked value can reach
    a run. Values are normalised (numpy scalars to Python, near-bound values snapped)."""

    _settings_where = "settings"

    def __post_init__(self) -> None:
        kinds = _kinds_cached(type(self))
        where = type(self)._settings_where
        for f in dataclasses.fields(self):   # type: ignore[arg-type]
            spec: Spec = f.metadata["spec"]
            value = getattr(self, f.name)
            if kinds[f.name] is tuple:
                clean = coerce_vector(value, f.default, spec, f"{where}.{f.name}")
            else:
                clean = coerce(value, kinds[f.name], spec, f"{where}.{f.name}")
            if clean is not value:
                object.__setattr__(self, f.name, clean)


_KINDS: dict[type, dict[str, type]] = {}


def _kinds_cached(cls: type) -> dict[str, type]:
    if cls not in _KINDS:
        _KINDS[cls] = field_kinds(cls)
    return _KINDS[cls]


def validated_replace(obj: Any, values: dict[str, Any], where: str) -> Any:
    """A copy of the settings object ``obj`` with ``values`` applied, each one checked."""
    kinds = field_kinds(type(obj))
    clean = {}
    for key, value in values.items():
        if key not in kinds:
            known = ", ".join(sorted(kinds))
            raise SettingError(f"{where}.{key}: unknown key; known keys are: {known}")
        spec = spec_of(type(obj), key)
        if kinds[key] is tuple:
            clean[key] = coerce_vector(value, getattr(obj, key), spec, f"{where}.{key}")
        else:
            clean[key] = coerce(value, kinds[key], spec, f"{where}.{key}")
    return dataclasses.replace(obj, **clean)


def describe(cls: type) -> list[dict[str, Any]]:
    """One row per setting of ``cls``: name, default, unit, range, source or prior, doc."""
    rows = []
    for f in dataclasses.fields(cls):
        s: Spec = f.metadata["spec"]
        rows.append(
            {
                "name": f.name,
                "default": f.default,
                "unit": s.unit,
                "low": s.low,
                "high": s.high,
                "zh": s.zh or "",
                "doc": s.doc,
                "source": s.source or "",
                "prior": "" if s.prior is None else f"[{s.prior[0]:g}, {s.prior[1]:g}]",
                "constraint": s.constraint or "",
            }
        )
    return rows
