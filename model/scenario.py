"""Scenario files (TOML): levers, dated lever changes, parameter overrides, horizon, description.

```toml
description = "What this scenario is and which seed passage it comes from"
until = 2027                      # last simulated year (2025-2030)

[levers]                          # values from 2025-01; unnamed levers keep their defaults
transformation_subsidy_rate = 0.2

[[lever_changes]]                 # a change on a date within the run
date = "2026-01"
promotion_centres = 3

[parameters.herders]              # behavioural parameter overrides, checked against priors
bass_q_per_year = 0.45
```
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.levers import Levers
from model.params import Parameters
from model.settings import SettingError, validated_replace

BASE_YEAR = 2025
MIN_UNTIL, MAX_UNTIL = 2025, 2030
TOP_KEYS = {"description", "until", "levers", "lever_changes", "parameters", "name"}
DATE_RE = re.compile(r"^(\d{4})-(\d{2})$")


class ScenarioError(SettingError):
    """A scenario file that cannot be used; the message names the file, key and what is allowed."""


def month_index(date: str, until: int, where: str) -> int:
    """'YYYY-MM' -> months since 2025-01, checked to lie within the run."""
    m = DATE_RE.match(date) if isinstance(date, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ScenarioError(f"{where}: {date!r} is not a date; expected \"YYYY-MM\" "
                            f"between \"{BASE_YEAR}-01\" and \"{until}-12\"")
    year, month = int(m.group(1)), int(m.group(2))
    idx = (year - BASE_YEAR) * 12 + month - 1
    if not 0 <= idx < (until - BASE_YEAR + 1) * 12:
        raise ScenarioError(f"{where}: {date!r} is outside the run; allowed "
                            f"\"{BASE_YEAR}-01\" to \"{until}-12\"")
    return idx


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: everything a run needs besides its seed and scale."""

    name: str = "defaults"
    description: str = "Lever defaults (policy as of end-2024) and default parameters."
    until: int = 2027
    levers: Levers = field(default_factory=Levers)
    changes: tuple[tuple[int, dict[str, Any]], ...] = ()
    parameters: Parameters = field(default_factory=Parameters)
    source_text: str = ""
    # "group.name" of every parameter the file sets itself: a parameter source never overrides these
    # (model/parameter_source.py), even where the file repeats the hand-set value
    parameters_set: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """A scenario built in code is checked as a file's is (levers and parameters check
        themselves on construction)."""
        until = self.until
        if isinstance(until, bool) or not isinstance(until, int) or not MIN_UNTIL <= until <= MAX_UNTIL:
            raise ScenarioError(f"Scenario: until {until!r} is not allowed; expected a year from "
                                f"{MIN_UNTIL} to {MAX_UNTIL}")
        if not isinstance(self.levers, Levers):
            raise ScenarioError(f"Scenario: levers must be a Levers, not {type(self.levers).__name__}")
        if not isinstance(self.parameters, Parameters):
            raise ScenarioError("Scenario: parameters must be a Parameters, not "
                                f"{type(self.parameters).__name__}")
        months = (until - BASE_YEAR + 1) * 12
        for when, values in self.changes:
            if isinstance(when, bool) or not isinstance(when, int) or not 0 <= when < months:
                raise ScenarioError(f"Scenario: lever change at month {when!r} is outside the run "
                                    f"(0 to {months - 1})")
            validated_replace(self.levers, values, f"Scenario: lever change at month {when}")

    @property
    def months(self) -> int:
        return (self.until - BASE_YEAR + 1) * 12

    @property
    def digest(self) -> str:
        """Hash of the file's text, for manifests."""
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    def lever_timeline(self) -> list[Levers]:
        """Lever values in force in each month of the run."""
        out, current = [], self.levers
        pending = sorted(self.changes, key=lambda c: c[0])
        for month in range(self.months):
            for when, values in pending:
                if when == month:
                    current = validated_replace(current, values, "lever_changes")
            out.append(current)
        return out


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read this scenario file ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise ScenarioError(f"{path}: is a folder, not a scenario file; give a .toml file "
                            f"(e.g. {path / 'baseline.toml'})")
    if not stat.S_ISREG(mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) \
            else "a device"
        raise ScenarioError(f"{path}: is {kind}, not a regular file; save the scenario as a .toml file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read this scenario file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")     # a byte-order mark (as Windows Notepad writes) is fine
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    if not data:
        raise ScenarioError(f"{path}: the file holds no setting (it is empty or only comments); "
                            "a scenario of the defaults needs at least a line description = \"...\"")
    return text, data


def _reject_dates(value: Any, where: str, file: str) -> None:
    """TOML dates and times parse to Python objects no setting accepts: name the key and say what
    to write instead."""
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_dates(v, f"{where}.{k}" if where else k, file)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _reject_dates(v, f"{where}[{i}]", file)
    elif isinstance(value, (dt.date, dt.time)):
        hint = (f'write the month as a string, date = "{value.year}-{value.month:02d}"'
                if isinstance(value, dt.date) and where.endswith(".date")
                else "dates and times are allowed only as a lever change's date = \"YYYY-MM\" (a string)")
        raise ScenarioError(f"{file}: {where}: {value.isoformat()} is a TOML date or time, not allowed here; {hint}")


NAME_RULE = ("no '/' or '\\', no control character, not starting with '.', no space at either end, "
             "at most 100 characters")


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a scenario (it names runs, stored files and results folders), or
    None. Any script is fine (基准, 促进中心方案, 'subsidy up (v2)')."""
    if not isinstance(name, str):
        return f"{name!r} is not a string"
    if not name.strip():
        return "it is empty"
    if "/" in name or "\\" in name or name.startswith(".") or name != name.strip() or len(name) > 100 \
            or any(not c.isprintable() for c in name):
        return f"{name!r} is not allowed"
    return None


def parse_scenario(text: str, data: dict[str, Any], name: str, where: str) -> Scenario:
    """Validate parsed TOML ``data``; ``where`` (the file) prefixes every error."""
    _reject_dates(data, "", where)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r}; allowed top-level keys are: "
                            + ", ".join(sorted(TOP_KEYS)))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"{where}: key 'description' must be a string")
    if "name" in data:
        name = data["name"]
        why = name_problem(name)
        if why:
            raise ScenarioError(f"{where}: key 'name': {why}; a name may be in any script, with "
                                f"{NAME_RULE} (it names the scenario's runs and results folder)")
    else:
        why = name_problem(name)
        if why:
            raise ScenarioError(f"{where}: the file name gives the scenario name {name!r}, which "
                                f"cannot be used ({NAME_RULE}); rename the file or add a line "
                                "name = \"...\"")
    until = data.get("until", 2027)
    if isinstance(until, bool) or not isinstance(until, int) or not MIN_UNTIL <= until <= MAX_UNTIL:
        raise ScenarioError(f"{where}: key 'until': {until!r} is not allowed; "
                            f"expected a year from {MIN_UNTIL} to {MAX_UNTIL}")
    raw_levers = data.get("levers", {})
    if not isinstance(raw_levers, dict):
        raise ScenarioError(f"{where}: key 'levers' must be a table")
    levers = validated_replace(Levers(), raw_levers, f"{where}: levers")
    changes = []
    raw_changes = data.get("lever_changes", [])
    if not isinstance(raw_changes, list):
        raise ScenarioError(f"{where}: key 'lever_changes' must be an array of tables [[lever_changes]]")
    dates: dict[int, int] = {}
    for i, change in enumerate(raw_changes):
        at = f"{where}: lever_changes[{i}]"
        if not isinstance(change, dict) or "date" not in change:
            raise ScenarioError(f"{at}: each change needs a 'date = \"YYYY-MM\"' and lever values")
        values = {k: v for k, v in change.items() if k != "date"}
        month = month_index(change["date"], until, f"{at}.date")
        if not values:
            raise ScenarioError(f"{at}: the change on {change['date']!r} sets no lever; add lines "
                                "such as promotion_centres = 3 below its date, or remove it")
        if month in dates:
            raise ScenarioError(f"{at}.date: {change['date']!r} is also the date of "
                                f"lever_changes[{dates[month]}]; two changes on one date would "
                                "silently let the last win: put their levers in one [[lever_changes]]")
        later = [j for m, j in dates.items() if m > month]
        if later:
            raise ScenarioError(f"{at}.date: {change['date']!r} comes before the date of lever_changes[{min(later)}] "
                                "above it; list the changes in date order (they apply by date, so a file out of "
                                "order reads as a different timeline than it runs)")
        dates[month] = i
        validated_replace(levers, values, at)
        changes.append((month, values))
    raw_params = data.get("parameters", {})
    if not isinstance(raw_params, dict):
        raise ScenarioError(f"{where}: key 'parameters' must be a table of parameter groups")
    try:
        parameters = Parameters().with_overrides(raw_params, f"{where}: parameters")
    except SettingError as exc:
        raise ScenarioError(str(exc)) from None
    named = tuple(sorted(f"{g}.{k}" for g, table in raw_params.items() if isinstance(table, dict) for k in table))
    return Scenario(name=name, description=description, until=until,
                    levers=levers, changes=tuple(changes), parameters=parameters,
                    source_text=text, parameters_set=named)


def load_scenario(path: str | Path, until: int | None = None) -> Scenario:
    """Read and validate a scenario file; ``until`` overrides its horizon."""
    path = Path(path)
    text, data = _read(path)
    if until is not None:
        data = {**data, "until": until}
    try:
        return parse_scenario(text, data, path.stem, str(path))
    except ScenarioError:
        raise
    except SettingError as exc:
        raise ScenarioError(str(exc)) from None
