"""Calibration targets: what is measured in a run, what was observed, how close is close enough.

``calibration/targets.toml`` holds one ``[[target]]`` entry per target. Each entry names a column
of the run's ``league`` table (one row a month), of its ``counties`` table (with ``county``), or an
end-2027 outcome of :func:`model.problem.outcomes_of` (``table = "outcomes"``), a statistic of it
over a time window, and either an ``observed`` value or ``lower``/``upper`` bounds (a pattern),
with a ``tolerance`` in the measure's own unit. A run's *normalised miss* on a target is

    |measure - observed| / tolerance                       (a figure), or
    max(0, lower - measure, measure - upper) / tolerance   (a pattern or a band),

so that 1 means "one tolerance away". The calibration distance is the root mean square of the
weighted misses (``weight``, default 1). A target *holds* in a run when its miss is at most 1
for a figure, 0 for a pattern. Entries with ``status = "pending"`` name outputs that the model
does not have yet; they are listed in reports and never used. Entries with ``status = "check"``
hold in every prior draw, so they carry no evidence: they are measured in the predictive checks
and never fitted.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.problem import PROBLEM, outcomes_of
from model.scenario import BASE_YEAR, DATE_RE

DEFAULT_TARGETS = Path(__file__).resolve().parent / "targets.toml"
TABLES = ("league", "counties", "outcomes")
STATISTICS = ("end", "start", "mean", "change", "growth_per_year", "max", "min", "rate_per_year")
KINDS = ("pattern", "figure", "anchor")
KEYS = {"id", "kind", "label", "table", "column", "statistic", "window", "county", "relative_to",
        "per", "observed", "lower", "upper", "tolerance", "weight", "source", "note", "status"}
REQUIRED = ("id", "kind", "label", "table", "column", "statistic", "window", "tolerance", "source",
            "note")


class TargetError(ValueError):
    """A targets file that cannot be used; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Target:
    """One calibration target (see the module docstring)."""

    id: str
    kind: Literal["pattern", "figure", "anchor"]
    label: str
    table: Literal["league", "counties", "outcomes"]
    column: str
    statistic: str
    window: tuple[str, str]
    tolerance: float
    source: str
    note: str
    observed: float | None = None
    lower: float | None = None
    upper: float | None = None
    county: str | None = None
    relative_to: tuple[str, ...] = ()
    per: str | None = None
    weight: float = 1.0
    status: Literal["active", "pending", "check"] = "active"

    def miss(self, value: float) -> float:
        """Normalised miss of a measured value (inf for NaN: a run that cannot be measured)."""
        if value is None or not math.isfinite(value):
            return math.inf
        if self.observed is not None:
            return abs(value - self.observed) / self.tolerance
        gap = max(0.0, (self.lower - value) if self.lower is not None else 0.0,
                  (value - self.upper) if self.upper is not None else 0.0)
        return gap / self.tolerance

    def holds(self, value: float) -> bool:
        m = self.miss(value)
        return m <= 1.0 if self.observed is not None else m == 0.0

    def wanted(self) -> str:
        """The observed value or band, as text."""
        if self.observed is not None:
            return f"{self.observed:g} ± {self.tolerance:g}"
        lo = "" if self.lower is None else f"≥ {self.lower:g}"
        hi = "" if self.upper is None else f"≤ {self.upper:g}"
        return " and ".join(x for x in (lo, hi) if x)

    def interval(self) -> tuple[float, float]:
        """The acceptable range of the measure (observed ± tolerance, or the bounds)."""
        if self.observed is not None:
            return self.observed - self.tolerance, self.observed + self.tolerance
        return (-math.inf if self.lower is None else self.lower,
                math.inf if self.upper is None else self.upper)


@dataclass(frozen=True)
class TargetSet:
    """The targets of one file, its path and the sha256 of its text."""

    targets: tuple[Target, ...]
    path: str
    sha256: str
    until: int

    @property
    def active(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.status == "active")

    @property
    def checks(self) -> tuple[Target, ...]:
        """Targets measured in the predictive checks but never fitted (they hold under every prior draw)."""
        return tuple(t for t in self.targets if t.status == "check")

    @property
    def measured(self) -> tuple[Target, ...]:
        """Every target a run is measured on: the fitted ones, then the checks."""
        return self.active + self.checks

    @property
    def pending(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.status == "pending")

    def without(self, ids: Iterable[str]) -> TargetSet:
        """The same set with the named targets left out (held-out checks)."""
        ids = set(ids)
        unknown = ids - {t.id for t in self.targets}
        if unknown:
            raise TargetError(f"{self.path}: no target named {sorted(unknown)[0]!r} to hold out; known: "
                              + ", ".join(t.id for t in self.active))
        return TargetSet(tuple(t for t in self.targets if t.id not in ids), self.path, self.sha256,
                         self.until)


def month_of(date: str) -> int:
    m = DATE_RE.match(date)
    assert m is not None
    return (int(m.group(1)) - BASE_YEAR) * 12 + int(m.group(2)) - 1


@cache
def model_columns() -> dict[str, frozenset[str]]:
    """Columns of the league and county tables and the outcome names, read off a tiny run
    (scale 0.01, one year), so that a target naming an output the model lacks is caught before
    any calibration run."""
    from model.run import simulate
    from model.scenario import Scenario

    r = simulate(Scenario(until=BASE_YEAR), seed=0, scale=0.01)
    return {"league": frozenset(r.league.columns) - {"date", "year", "month"},
            "counties": frozenset(r.counties.columns) - {"date", "county_id", "name_zh"},
            "outcomes": frozenset(o.name for o in PROBLEM.outcomes)
            | frozenset(f"{t.id}_met" for t in PROBLEM.targets),
            "county_ids": frozenset(r.counties["county_id"])}


def _number(entry: dict[str, Any], key: str, where: str) -> float | None:
    v = entry.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise TargetError(f"{where}: key {key!r}: {v!r} is not allowed; expected a finite number")
    return float(v)


def _parse_entry(entry: Any, i: int, path: str, until: int) -> Target:
    where = f"{path}: target[{i}]"
    if not isinstance(entry, dict):
        raise TargetError(f"{where}: each [[target]] must be a table")
    if isinstance(entry.get("id"), str):
        where = f"{path}: target {entry['id']!r}"
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise TargetError(f"{where}: unknown key {unknown[0]!r}; allowed keys are: " + ", ".join(sorted(KEYS)))
    for key in REQUIRED:
        if key not in entry:
            raise TargetError(f"{where}: missing key {key!r}")
    for key in ("id", "label", "column", "source", "note"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise TargetError(f"{where}: key {key!r} must be a non-empty string")
    status = entry.get("status", "active")
    if status not in ("active", "pending", "check"):
        raise TargetError(f"{where}: key 'status': {status!r} is not allowed; expected \"active\", "
                          "\"check\" or \"pending\"")
    if entry["kind"] not in KINDS:
        raise TargetError(f"{where}: key 'kind': {entry['kind']!r} is not allowed; expected one of {', '.join(KINDS)}")
    table = entry["table"]
    if table not in TABLES:
        raise TargetError(f"{where}: key 'table': {table!r} is not allowed; expected one of {', '.join(TABLES)}")
    stat = entry["statistic"]
    if stat not in STATISTICS:
        raise TargetError(f"{where}: key 'statistic': {stat!r} is not allowed; expected one of "
                          + ", ".join(STATISTICS))
    window = entry["window"]
    if (not isinstance(window, list) or len(window) != 2
            or not all(isinstance(d, str) and DATE_RE.match(d) and 1 <= int(d[5:]) <= 12 for d in window)):
        raise TargetError(f"{where}: key 'window': {window!r} is not allowed; expected two dates "
                          f"[\"YYYY-MM\", \"YYYY-MM\"] within \"{BASE_YEAR}-01\" to \"{until}-12\"")
    a, b = month_of(window[0]), month_of(window[1])
    last = (until - BASE_YEAR + 1) * 12 - 1
    if not (0 <= a <= b <= last):
        raise TargetError(f"{where}: key 'window': {window!r} is outside the run or reversed; allowed "
                          f"dates from \"{BASE_YEAR}-01\" to \"{until}-12\", first not after last")
    tol = _number(entry, "tolerance", where)
    if tol is None or tol <= 0:
        raise TargetError(f"{where}: key 'tolerance': {entry['tolerance']!r} is not allowed; expected a "
                          "positive number (in the measure's unit)")
    weight = _number(entry, "weight", where)
    if weight is not None and weight <= 0:
        raise TargetError(f"{where}: key 'weight': {weight!r} is not allowed; expected a positive number")
    observed, lower, upper = (_number(entry, k, where) for k in ("observed", "lower", "upper"))
    if observed is not None and (lower is not None or upper is not None):
        raise TargetError(f"{where}: give either 'observed' or 'lower'/'upper', not both")
    if observed is None and lower is None and upper is None:
        raise TargetError(f"{where}: give 'observed' (a figure) or 'lower' and/or 'upper' (a pattern)")
    if lower is not None and upper is not None and lower > upper:
        raise TargetError(f"{where}: 'lower' {lower:g} is above 'upper' {upper:g}")
    county, per = entry.get("county"), entry.get("per")
    relative_to = entry.get("relative_to", [])
    if not isinstance(relative_to, list) or not all(isinstance(c, str) for c in relative_to):
        raise TargetError(f"{where}: key 'relative_to' must be a list of county ids")
    if stat == "rate_per_year" and per is None:
        raise TargetError(f"{where}: statistic 'rate_per_year' needs key 'per' (the column of the stock)")
    if table == "outcomes" and (stat != "end" or b != month_of(f"{min(until, 2027)}-12")):
        raise TargetError(f"{where}: outcomes are end-2027 values; use statistic \"end\" and a window "
                          "ending \"2027-12\"")
    t = Target(id=entry["id"], kind=entry["kind"], label=entry["label"], table=table,
               column=entry["column"], statistic=stat, window=(window[0], window[1]), tolerance=tol,
               source=entry["source"], note=entry["note"], observed=observed, lower=lower,
               upper=upper, county=county, relative_to=tuple(relative_to), per=per,
               weight=1.0 if weight is None else weight, status=status)
    if status != "pending":
        _check_names(t, where)
    return t


def _check_names(t: Target, where: str) -> None:
    cols = model_columns()
    if t.column not in cols[t.table]:
        raise TargetError(f"{where}: key 'column': {t.column!r} is not an output of the model's "
                          f"{t.table} table; known: " + ", ".join(sorted(cols[t.table]))
                          + " (mark an output that a later model version adds with status = \"pending\")")
    if t.per is not None and t.per not in cols[t.table]:
        raise TargetError(f"{where}: key 'per': {t.per!r} is not a column of the {t.table} table")
    if t.table == "counties":
        if t.county is None:
            raise TargetError(f"{where}: a counties target needs key 'county' (a county id)")
        for c in (t.county, *t.relative_to):
            if c not in cols["county_ids"]:
                raise TargetError(f"{where}: {c!r} is not a county id; known: " + ", ".join(sorted(cols["county_ids"])))
    elif t.county is not None or t.relative_to:
        raise TargetError(f"{where}: keys 'county' and 'relative_to' apply to table \"counties\" only")


def load_targets(path: str | Path | None = None, until: int = 2027) -> TargetSet:
    """Read and check a targets file (default ``calibration/targets.toml``)."""
    path = Path(path) if path is not None else DEFAULT_TARGETS
    if path.is_dir():
        raise TargetError(f"{path}: is a folder, not a targets file; give a TOML file of [[target]] entries "
                          f"such as {DEFAULT_TARGETS.relative_to(DEFAULT_TARGETS.parents[1])}")
    if path.exists() and not path.is_file():
        raise TargetError(f"{path}: is not a regular file; give a TOML file of [[target]] entries")
    if not path.is_file():
        raise TargetError(f"{path}: no such targets file")
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TargetError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"target", "description"})
    if unknown:
        raise TargetError(f"{path}: unknown top-level key {unknown[0]!r}; expected [[target]] entries")
    entries = data.get("target", [])
    if not isinstance(entries, list) or not entries:
        raise TargetError(f"{path}: no [[target]] entries")
    targets = tuple(_parse_entry(e, i, str(path), until) for i, e in enumerate(entries))
    seen: set[str] = set()
    for t in targets:
        if t.id in seen:
            raise TargetError(f"{path}: target {t.id!r}: two entries have this id; ids must be unique")
        seen.add(t.id)
    return TargetSet(targets, str(path), hashlib.sha256(raw).hexdigest(), until)


# -- measuring a run -------------------------------------------------------------------------
def _series(t: Target, league: pd.DataFrame, counties: pd.DataFrame) -> pd.Series:
    if t.table == "league":
        s = league.set_index("date")[t.column].astype(float)
    else:
        c = counties.pivot(index="date", columns="county_id", values=t.column).astype(float)
        s = c[t.county]
        if t.relative_to:
            s = s / c[list(t.relative_to)].mean(axis=1)
    return s.loc[t.window[0]:t.window[1]]


def measure(t: Target, league: pd.DataFrame, counties: pd.DataFrame,
            outcomes: dict[str, float] | None = None) -> float:
    """The value of target ``t``'s measure in one run (NaN when it cannot be measured)."""
    if t.table == "outcomes":
        return float((outcomes or {}).get(t.column, math.nan))
    s = _series(t, league, counties)
    if s.empty:
        return math.nan
    v = s.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        match t.statistic:
            case "end":
                return float(v[-1])
            case "start":
                return float(v[0])
            case "mean":
                return float(np.mean(v))
            case "max":
                return float(np.max(v))
            case "min":
                return float(np.min(v))
            case "change":
                return float(v[-1] - v[0])
            case "growth_per_year":
                months = len(v) - 1
                if months <= 0 or v[0] <= 0:
                    return math.nan
                return float((v[-1] / v[0]) ** (12 / months) - 1)
            case "rate_per_year":
                stock = league.set_index("date")[t.per].astype(float).loc[t.window[0]:t.window[1]]
                den = float(stock.mean())
                return float(np.sum(v) / den * 12 / len(v)) if den > 0 else math.nan
    raise AssertionError(t.statistic)


def measure_all(targets: Iterable[Target], league: pd.DataFrame, counties: pd.DataFrame,
                outcomes: dict[str, float] | None = None) -> dict[str, float]:
    return {t.id: measure(t, league, counties, outcomes) for t in targets}


def measure_run(targets: Iterable[Target], result: Any) -> dict[str, float]:
    """Measures of a :class:`model.run.RunResult`."""
    return measure_all(targets, result.league, result.counties, outcomes_of(result))


def distance(targets: Iterable[Target], values: dict[str, float]) -> float:
    """Root mean square of the weighted normalised misses (inf if any is unmeasurable)."""
    num = den = 0.0
    for t in targets:
        m = t.miss(values.get(t.id, math.nan))
        if not math.isfinite(m):
            return math.inf
        num += t.weight * m * m
        den += t.weight
    return math.sqrt(num / den) if den > 0 else 0.0
