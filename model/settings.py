"""Typed, validated settings: the machinery shared by levers and behavioural parameters.

A setting is a dataclass field declared with :func:`setting`. Its metadata carries the unit, the
allowed range, and either a source (a fact with its origin) or a calibration prior. Validation
turns a raw value from a scenario file into the field's type, or raises :class:`SettingError`
naming the file, the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


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
) -> Any:
    """Declare a setting. Give ``source`` for a sourced constant or ``prior`` for a calibration
    parameter (its range is then the allowed range unless ``low``/``high`` widen it)."""
    if source is None and prior is None:
        raise TypeError(f"setting {doc!r} needs a source or a calibration prior")
    if prior is not None:
        low = prior[0] if low is None else low
        high = prior[1] if high is None else high
    spec = Spec(unit=unit, low=low, high=high, doc=doc, source=source, prior=prior, zh=zh)
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


def coerce(value: Any, kind: type, spec: Spec, where: str) -> Any:
    """Check one raw value against its type and range; return it as that type."""
    allowed = allowed_text(spec, kind)
    if kind is bool:
        if not isinstance(value, bool):
            raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
    if kind is int and not float(value).is_integer():
        raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
    if not math.isfinite(value):
        raise SettingError(f"{where}: {value!r} is not allowed; expected {allowed}")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise SettingError(f"{where}: {value!r} is out of range; allowed {allowed}")
    return kind(value)


def field_kinds(cls: type) -> dict[str, type]:
    """Field name -> python type (bool, int, float or tuple) of a settings dataclass."""
    hints = {"bool": bool, "int": int, "float": float}
    out = {}
    for f in dataclasses.fields(cls):
        t = f.type if isinstance(f.type, str) else f.type.__name__
        out[f.name] = hints.get(t, tuple)
    return out


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
            default = getattr(obj, key)
            if not isinstance(value, list) or len(value) != len(default):
                raise SettingError(
                    f"{where}.{key}: {value!r} is not allowed; expected a list of "
                    f"{len(default)} numbers, each in [{spec.low:g}, {spec.high:g}] ({spec.unit})"
                )
            clean[key] = tuple(
                coerce(v, float, spec, f"{where}.{key}[{i}]") for i, v in enumerate(value)
            )
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
            }
        )
    return rows
