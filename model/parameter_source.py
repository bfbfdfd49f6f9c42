"""Where a run's behavioural parameters come from: one rule for every entry point.

Every entry point (``model.simulate``, ``model.problem.PROBLEM.scenario``, sweeps, the EMA
adapter, ``steppe run/batch/sensitivity/paths/report``, the app) takes its parameter values from
one declared :class:`ParameterSource`:

- ``central`` (the default): the **posterior central set** (weighted median of each calibrated
  parameter), the rest at their hand-set values;
- ``draws``: **K posterior draws**, run (or replication) ``r`` using set ``r mod K``;
- ``hand-set``: the **hand-set values** of ``model/params.py``.

A source describes itself in one phrase (``"posterior central set of 3f2a…"``, ``"40 posterior
draws of 3f2a…"``, ``"hand-set values"``) that outputs print and manifests record, with the
posterior's sha256.

**Where the calibrated values live.** ``model/`` imports nothing from ``calibration/``, yet its
Python API must default to the calibrated values. The calibration pipeline therefore *exports*
the shipped posterior into ``model/data/calibrated.json`` (the central set, the posterior's rows
and weights, and the sha256 of the posterior and of the model source it was fitted on); the model
reads that data file and nothing else. ``calibration/posterior/`` keeps the full result (Parquet,
manifest, report). A file whose ``model_sha256`` differs from the current model's source is
*stale*: it still runs, but the source says so in its phrase (``…, stale: fitted on model …``)
and a :class:`StaleCalibrationWarning` is issued, until the posterior is rebuilt
(``python experiments/calibrate_posterior.py``).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from model.settings import SettingError

if TYPE_CHECKING:
    from model.params import Parameters
    from model.scenario import Scenario

CALIBRATED = Path(__file__).resolve().parent / "data" / "calibrated.json"
CALIBRATED_SHOWN = "model/data/calibrated.json"
CALIBRATED_FORMAT = "digital-steppe-calibrated/1"
KINDS = ("central", "draws", "hand-set")
DRAW_STREAM = 0x9057          # the draw rule's stream tag (as calibration.posterior.draw)


class ParameterSourceError(SettingError):
    """A parameter source that cannot be used; the message names the file or option."""


class StaleCalibrationWarning(UserWarning):
    """The calibrated values were fitted on another version of the model source."""


@cache
def model_source_hash() -> str:
    """sha256 over the sorted ``model/*.py`` files (names and contents): two processes with the same
    hash run the same model. Data files (``model/data``) are not part of it."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class ParameterSource:
    """The parameter values of a set of runs and what they are.

    ``table`` holds the posterior's rows (``names`` columns) and ``weights``; ``sets`` the value
    sets actually used (one for ``central``, K for ``draws``, none for ``hand-set``) and
    ``rows`` the posterior row each draw came from."""

    kind: Literal["central", "draws", "hand-set"]
    sets: tuple[dict[str, float], ...] = ()
    posterior_sha256: str | None = None
    fitted_model_sha256: str | None = None
    origin: str | None = None                 # where the values were read (repository-relative)
    draw_seed: int | None = None
    rows: tuple[int, ...] = ()
    names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def stale(self) -> bool:
        return self.fitted_model_sha256 is not None and self.fitted_model_sha256 != model_source_hash()

    @property
    def draws(self) -> int:
        return len(self.sets) if self.kind == "draws" else 0

    def describe(self) -> str:
        """The phrase every output prints: which values the runs used."""
        if self.kind == "hand-set":
            return "hand-set values"
        h = (self.posterior_sha256 or "?")[:12]
        text = f"posterior central set of {h}" if self.kind == "central" else \
            f"{len(self.sets)} posterior draws of {h}"
        if self.stale:
            text += f" (stale: fitted on model {str(self.fitted_model_sha256)[:12]}, not {model_source_hash()[:12]})"
        return text

    def record(self) -> dict[str, Any]:
        """What a manifest records (no absolute path): kind, phrase, hashes and the value sets."""
        out: dict[str, Any] = {"kind": self.kind, "description": self.describe()}
        if self.kind != "hand-set":
            out.update({"posterior_sha256": self.posterior_sha256, "model_sha256": self.fitted_model_sha256,
                        "stale": self.stale, "origin": self.origin, "sets": [dict(s) for s in self.sets]})
        if self.kind == "draws":
            out.update({"draws": len(self.sets), "draw_seed": self.draw_seed, "rows": list(self.rows),
                        "rule": "run (replication) r uses set r mod draws"})
        return out

    def values(self, rep: int = 0) -> dict[str, float]:
        """The calibrated values of run (replication) ``rep`` (empty for hand-set values)."""
        if not self.sets:
            return {}
        return dict(self.sets[rep % len(self.sets)])

    def parameters(self, rep: int = 0, base: Parameters | None = None) -> Parameters:
        """``base`` (default the hand-set values) with this source's values of run ``rep``."""
        from model.params import Parameters

        base = base or Parameters()
        return base.with_overrides(overrides(self.values(rep), base), f"parameters ({self.describe()})")

    def apply(self, scenario: Scenario, rep: int = 0) -> Scenario:
        """``scenario`` with this source's values applied to every parameter the scenario file
        leaves at its hand-set value (a value the file sets itself wins)."""
        return apply_unless_set(scenario, self.values(rep))


HAND_SET = ParameterSource("hand-set")


def from_record(record: Mapping[str, Any]) -> ParameterSource:
    """The source a manifest recorded (see :meth:`ParameterSource.record`): runs re-run exactly."""
    kind = record.get("kind")
    if kind not in KINDS:
        raise ParameterSourceError(f"parameter source: kind {kind!r}; allowed {', '.join(KINDS)}")
    if kind == "hand-set":
        return HAND_SET
    sets = tuple({str(k): float(v) for k, v in s.items()} for s in record.get("sets") or ())
    if not sets:
        raise ParameterSourceError("parameter source: the record holds no value sets")
    return ParameterSource(kind, sets, record.get("posterior_sha256"), record.get("model_sha256"),
                           record.get("origin"), record.get("draw_seed"), tuple(record.get("rows") or ()))


# -- the shipped calibrated values ---------------------------------------------------------------
@dataclass(frozen=True)
class Calibrated:
    """``model/data/calibrated.json``: the shipped posterior, exported for the model."""

    names: tuple[str, ...]
    table: np.ndarray            # rows x names
    weights: np.ndarray          # sums to 1
    central: dict[str, float]
    posterior_sha256: str
    model_sha256: str
    origin: str

    def source(self, kind: str = "central", draws: int = 0, seed: int = 0) -> ParameterSource:
        """This posterior's central set, K draws from ``seed``, or hand-set values."""
        if kind == "hand-set":
            return HAND_SET
        if kind == "central":
            return ParameterSource("central", (dict(self.central),), self.posterior_sha256, self.model_sha256,
                                   self.origin, names=self.names)
        if kind == "draws":
            rows = draw_rows(self.weights, draws, seed)
            sets = tuple({n: float(self.table[i, j]) for j, n in enumerate(self.names)
                          if np.isfinite(self.table[i, j])} for i in rows)
            return ParameterSource("draws", sets, self.posterior_sha256, self.model_sha256, self.origin,
                                   seed, tuple(int(i) for i in rows), self.names)
        raise ParameterSourceError(f"parameter source {kind!r}; allowed {', '.join(KINDS)}")


def draw_rows(weights: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``k`` posterior rows drawn with replacement by weight, reproducibly from ``seed``."""
    if k < 1:
        raise ParameterSourceError(f"posterior draws {k}: give at least 1")
    rng = np.random.default_rng([seed, DRAW_STREAM])
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=k, replace=True, p=w / w.sum())


_warned: set[str] = set()


def load_calibrated(path: str | Path | None = None) -> Calibrated:
    """Read ``model/data/calibrated.json`` (or ``path``); a stale file warns once per process."""
    p = Path(path) if path is not None else CALIBRATED
    shown = CALIBRATED_SHOWN if path is None else str(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterSourceError(f"{shown}: no such file; the calibration pipeline writes it "
                                   "(python experiments/calibrate_posterior.py); or use hand-set values "
                                   "(--parameters hand-set)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParameterSourceError(f"{shown}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != CALIBRATED_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else None
        raise ParameterSourceError(f"{shown}: key 'format' is {got!r}; expected {CALIBRATED_FORMAT!r}")
    try:
        names = tuple(str(n) for n in doc["names"])
        table = np.array(doc["rows"], dtype=float).reshape(-1, len(names))
        weights = np.array(doc["weights"], dtype=float)
        central = {str(k): float(v) for k, v in doc["central"].items()}
        post_hash, model_hash = str(doc["posterior_sha256"]), str(doc["model_sha256"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ParameterSourceError(f"{shown}: missing or malformed entry ({type(exc).__name__}: {exc}); "
                                   "rewrite it with the calibration pipeline") from None
    if len(weights) != len(table) or not np.all(weights >= 0) or weights.sum() <= 0:
        raise ParameterSourceError(f"{shown}: key 'weights' must hold one non-negative weight per row")
    if model_hash != model_source_hash() and shown not in _warned:
        _warned.add(shown)
        warnings.warn(f"{shown}: the calibrated values were fitted on model {model_hash[:12]}, but this model's "
                      f"source hashes to {model_source_hash()[:12]}; rebuild them (python "
                      "experiments/calibrate_posterior.py) or use hand-set values", StaleCalibrationWarning,
                      stacklevel=2)
    return Calibrated(names, table, weights / weights.sum(), central, post_hash, model_hash, shown)


def resolve(source: ParameterSource | str | None = None, *, draws: int = 0, seed: int = 0) -> ParameterSource:
    """The source of a set of runs: a :class:`ParameterSource` as is; ``None`` or ``"central"``
    the shipped posterior's central set; ``"hand-set"``; ``"draws"`` (with ``draws`` K) or
    ``"draws:K"`` K posterior draws from ``seed``."""
    if isinstance(source, ParameterSource):
        return source
    kind = "central" if source is None else str(source)
    if kind.startswith("draws:"):
        try:
            draws = int(kind.split(":", 1)[1])
        except ValueError:
            raise ParameterSourceError(f"parameter source {kind!r}: expected draws:K with K a whole number") from None
        kind = "draws"
    if kind not in KINDS:
        raise ParameterSourceError(f"parameter source {kind!r}; allowed: central (the default), hand-set, draws:K")
    if kind == "hand-set":
        return HAND_SET
    if kind == "draws" and draws < 1:
        raise ParameterSourceError(f"parameter source draws: K = {draws}; give at least 1 (draws:K)")
    return load_calibrated().source(kind, draws, seed)


def default_source() -> ParameterSource:
    """What every entry point uses unless told otherwise: the posterior central set."""
    return resolve(None)


# -- applying values -----------------------------------------------------------------------------
def split_name(name: str) -> tuple[str, str, int | None]:
    """``"group.param[i]"`` -> (group, param, i); ``i`` is None for a scalar."""
    group, key = name.split(".", 1)
    if key.endswith("]") and "[" in key:
        key, idx = key[:-1].split("[", 1)
        return group, key, int(idx)
    return group, key, None


def overrides(values: Mapping[str, Any], base: Parameters | None = None) -> dict[str, dict[str, Any]]:
    """``{"group.param": value}`` -> ``{group: {param: value}}`` (integers rounded; vector elements
    replace that element of ``base``'s vector; values within 1e-9 of a prior bound snapped to it)."""
    from model.params import Parameters
    from model.settings import field_kinds

    base = base or Parameters()
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        group, key, idx = split_name(name)
        v = float(value)
        cls = type(getattr(base, group, None))
        fld = getattr(cls, "__dataclass_fields__", {}).get(key)
        prior = fld.metadata["spec"].prior if fld is not None else None
        is_int = fld is not None and field_kinds(cls)[key] is int
        lo, hi = prior or (v, v)
        if abs(v - lo) <= 1e-9 * (hi - lo) or abs(v - hi) <= 1e-9 * (hi - lo):   # sampling round-off only
            v = lo if abs(v - lo) < abs(v - hi) else hi
        table = out.setdefault(group, {})
        if idx is not None:
            vec = table.setdefault(key, list(getattr(getattr(base, group), key)))
            vec[idx] = v
        else:
            table[key] = round(v) if is_int else v
    return out


def apply_unless_set(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with ``values`` applied to every parameter the scenario does not set itself: a
    value its file names (``scenario.parameters_set``) wins, even when it repeats the hand-set
    value; for a scenario built in code, a parameter away from its hand-set value counts as set."""
    from dataclasses import replace

    from model.params import Parameters

    if not values:
        return scenario
    defaults, current = Parameters(), scenario.parameters
    keep = {}
    named = set(scenario.parameters_set)
    for name, v in values.items():
        group, key, idx = split_name(name)
        if f"{group}.{key}" in named:
            continue
        d = getattr(getattr(defaults, group), key)
        c = getattr(getattr(current, group), key)
        if (d[idx] == c[idx]) if idx is not None else (d == c):
            keep[name] = v
    params = current.with_overrides(overrides(keep, current), "calibrated parameters")
    return replace(scenario, parameters=params)


def names_in(sources: Sequence[ParameterSource]) -> list[str]:
    """Every parameter name the sources set (for tables of per-run values)."""
    seen: dict[str, None] = {}
    for s in sources:
        for st in s.sets:
            seen.update(dict.fromkeys(st))
    return list(seen)
