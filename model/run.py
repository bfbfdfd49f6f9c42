"""Run the model once, in process, and return its results as tables: the Python API.

```python
from model import simulate

r = simulate(levers={"promotion_centres": 3}, parameters={"herders.bass_q_per_year": 0.45},
             seed=1, scale=0.1)
r.league          # one row per month (pandas)
r.targets["T4"]   # value, target, met, gap, ... of a 2027 target
r.outcomes()      # every outcome of model.problem at end-2027, T*_met flags included
```

Nothing is written to disk. ``simulate(scenario, seed, scale)`` with a
:class:`~model.scenario.Scenario` (from :func:`~model.scenario.load_scenario`) runs a scenario
file; ``levers``/``parameters`` describe a point of the problem space instead (see
``docs/API.md``). Every value is checked as a scenario file's is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from model.levers import Levers
from model.model import SteppeModel
from model.parameter_source import ParameterSource
from model.parameter_source import resolve as resolve_source
from model.params import Parameters
from model.scenario import Scenario
from model.settings import SettingError, describe


@dataclass
class RunResult:
    league: pd.DataFrame        # one row per month
    counties: pd.DataFrame      # one row per county and month
    targets: dict[str, dict[str, Any]]
    levers_cost: pd.DataFrame   # one row per year and lever
    scenario: Scenario
    seed: int
    scale: float
    parameter_source: str = "hand-set values"    # which values the run used (ParameterSource.describe)
    _outcomes: dict[str, float] | None = field(default=None, repr=False)

    def outcomes(self) -> dict[str, float]:
        """Every outcome of :data:`model.problem.PROBLEM` (see :func:`model.problem.outcomes_of`)."""
        if self._outcomes is None:
            from model.problem import outcomes_of

            self._outcomes = outcomes_of(self)
        return dict(self._outcomes)


def collect(m: SteppeModel, tables: bool = True, parameter_source: str = "as given") -> RunResult:
    """The results of a finished model. ``tables=False`` leaves the county rows and lever costs
    empty (sweeps need only the league rows and targets)."""
    league = pd.DataFrame(m.recorder.league)
    if tables:
        years = sorted({r["year"] for r in m.recorder.league})
        zh = {row["name"]: row["zh"] for row in describe(Levers)}
        cost = pd.DataFrame(m.ledger.lever_rows(years))
        cost.insert(2, "lever_zh", cost["lever"].map(zh))
        counties = pd.DataFrame(m.recorder.counties)
    else:
        cost, counties = pd.DataFrame(), pd.DataFrame()
    return RunResult(league=league, counties=counties, targets=m.recorder.targets(),
                     levers_cost=cost, scenario=m.config, seed=m.seed, scale=m.scale,
                     parameter_source=parameter_source)


def point_of(levers: Levers | Mapping[str, Any] | None,
             parameters: Parameters | Mapping[str, Any] | None) -> dict[str, Any]:
    """``levers`` and ``parameters`` as one point of the problem space (variable -> value).

    ``levers``: a :class:`Levers` or ``{lever: value, "<lever>__start": month}``; ``parameters``:
    a :class:`Parameters`, ``{"group.name": value}`` or ``{group: {name: value}}``."""
    point: dict[str, Any] = {}
    if isinstance(levers, Levers):
        point.update({k: getattr(levers, k) for k in Levers.__dataclass_fields__})
    elif levers is not None:
        if not isinstance(levers, Mapping):
            raise SettingError(f"levers: expected a Levers or a mapping of lever names to values, "
                               f"not {type(levers).__name__}")
        point.update(levers)
    if isinstance(parameters, Parameters):
        for g in Parameters.__dataclass_fields__:
            group = getattr(parameters, g)
            point.update({f"{g}.{k}": getattr(group, k) for k in type(group).__dataclass_fields__})
    elif parameters is not None:
        if not isinstance(parameters, Mapping):
            raise SettingError(f"parameters: expected a Parameters or a mapping, not "
                               f"{type(parameters).__name__}")
        for key, value in parameters.items():
            if isinstance(value, Mapping):
                point.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                point[key] = value
    return point


def check_run_arguments(seed: Any, scale: Any, until: Any) -> tuple[int, float, int | None]:
    """``simulate``'s seed (a non-negative int: None would give an unreproducible run), scale (a
    number in range) and until (an int year in range), each refused with one line naming it."""
    import numbers

    from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE
    from model.scenario import MAX_UNTIL, MIN_UNTIL

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise SettingError(f"simulate(): argument 'seed' is {seed!r}; expected an int from 0 to {MAX_SEED} "
                           "(a seed makes the run reproducible; None is not allowed)")
    if (isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(float(scale))
            or not MIN_SCALE <= float(scale) <= MAX_SCALE):
        raise SettingError(f"simulate(): argument 'scale' is {scale!r}; expected a number from {MIN_SCALE} to "
                           f"{MAX_SCALE} (agents per household or firm)")
    if until is not None and (isinstance(until, bool) or not isinstance(until, numbers.Integral)
                              or not MIN_UNTIL <= until <= MAX_UNTIL):
        raise SettingError(f"simulate(): argument 'until' is {until!r}; expected an int year from {MIN_UNTIL} to "
                           f"{MAX_UNTIL}")
    return int(seed), float(scale), None if until is None else int(until)


def simulate(scenario: Scenario | None = None, seed: int = 0, scale: float = 1.0, *,
             levers: Levers | Mapping[str, Any] | None = None,
             parameters: Parameters | Mapping[str, Any] | None = None,
             until: int | None = None, source: ParameterSource | str | None = None) -> RunResult:
    """Build the model, run its whole horizon and collect the outputs (no file is written).

    Give either a ``scenario`` or ``levers``/``parameters`` (unnamed ones keep their defaults;
    see :meth:`model.problem.Problem.point`); ``until`` is the last simulated year (default 2027,
    or the scenario's). Parameters neither the scenario nor ``parameters`` set take their values
    from ``source`` (:mod:`model.parameter_source`): by default the shipped posterior's central
    set, as ``steppe run``; ``"hand-set"`` for the hand-set values, ``"draws:K"`` for the first of
    K posterior draws, or a :class:`ParameterSource`. ``result.parameter_source`` says which.
    Bad values raise :class:`~model.settings.SettingError` naming the argument."""
    seed, scale, until = check_run_arguments(seed, scale, until)
    src = resolve_source(source)
    if scenario is None and levers is None and parameters is None and until is None:
        scenario = Scenario()
    if scenario is not None:
        if levers is not None or parameters is not None:
            raise SettingError("give either a scenario or levers/parameters, not both")
        if until is not None and until != scenario.until:
            from dataclasses import replace

            scenario = replace(scenario, until=until)
        scenario = src.apply(scenario)
    else:
        from model.problem import PROBLEM

        scenario = PROBLEM.scenario(point_of(levers, parameters), until=2027 if until is None else until,
                                    name="api", where="simulate()", source=src)
    return run_scenario(scenario, seed, scale, parameter_source=src.describe())


def run_scenario(scenario: Scenario, seed: int = 0, scale: float = 1.0, *,
                 parameter_source: str = "as given") -> RunResult:
    """Run a scenario exactly as given (no parameter source applied): what batches, sweeps and
    calibration call after applying their own source. ``parameter_source`` is recorded."""
    m = SteppeModel(scenario, seed=seed, scale=scale)
    m.run()
    return collect(m, parameter_source=parameter_source)
