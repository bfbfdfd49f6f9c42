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

import hashlib
import re
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
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None


def parse_scenario(text: str, data: dict[str, Any], name: str, where: str) -> Scenario:
    """Validate parsed TOML ``data``; ``where`` (the file) prefixes every error."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r}; allowed top-level keys are: "
                            + ", ".join(sorted(TOP_KEYS)))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"{where}: key 'description' must be a string")
    name = data.get("name", name)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ScenarioError(f"{where}: key 'name': {name!r} is not allowed; expected a string of "
                            "letters, digits, '_', '.' or '-' (it names the scenario in batch results)")
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
    for i, change in enumerate(raw_changes):
        at = f"{where}: lever_changes[{i}]"
        if not isinstance(change, dict) or "date" not in change:
            raise ScenarioError(f"{at}: each change needs a 'date = \"YYYY-MM\"' and lever values")
        values = {k: v for k, v in change.items() if k != "date"}
        validated_replace(levers, values, at)
        changes.append((month_index(change["date"], until, f"{at}.date"), values))
    raw_params = data.get("parameters", {})
    if not isinstance(raw_params, dict):
        raise ScenarioError(f"{where}: key 'parameters' must be a table of parameter groups")
    try:
        parameters = Parameters().with_overrides(raw_params, f"{where}: parameters")
    except SettingError as exc:
        raise ScenarioError(str(exc)) from None
    return Scenario(name=name, description=description, until=until,
                    levers=levers, changes=tuple(changes), parameters=parameters,
                    source_text=text)


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
