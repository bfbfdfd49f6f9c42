"""Points of the problem space -> validated scenarios -> outcomes, for the sensitivity and paths tools.

A *point* is one row of a DataFrame whose columns are lever names (``infra_budget_cny_per_year``),
parameter names (``herders.bass_q_per_year``) and lever start years (``<lever>.from_year``: the
lever keeps its default until January of that year, then takes the point's value). Every point
becomes a :class:`model.scenario.Scenario` through :func:`model.scenario.parse_scenario`, so a
sampled value gets exactly the checks a scenario file gets; numbers a sampler puts within a
relative 1e-9 outside a bound (``0.9000000000000001``) are snapped to the bound, anything further
out is refused.

:func:`evaluate` runs every point × replication with common random numbers (replication ``r``
of every point uses the seed :func:`studies.batch.rep_seed` ``(base_seed, r)``). It uses the
project's sweep engine (``studies.sweep.evaluate``) when that is installed, and otherwise a
plain process pool over :func:`model.run.simulate` with the same seed rule and the same output
(one row per point × replication, every outcome of :func:`model.problem.outcomes_of`).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from model.problem import PROBLEM, Variable, outcomes_of
from model.scenario import BASE_YEAR, Scenario, ScenarioError, parse_scenario
from model.settings import SettingError
from studies.batch import rep_seed
from studies.engines import default_workers
from studies.errors import BatchError

FROM_YEAR = ".from_year"
SNAP_RTOL = 1e-9
YEARLY_COLUMNS = ("herder_platform_share", "firm_adoption_share", "talent_adequacy",
                  "data_industry_cny_per_year", "compute_capacity_p", "datasets", "cases",
                  "data_products_listed", "chain_links", "public_cost_cny_cum")


class StudyError(BatchError):
    """Bad input to a study (names, ranges, budgets, stores); the CLI prints it and exits 2."""


def variable(name: str) -> Variable:
    """A lever or uncertain parameter of the problem, or a :class:`StudyError` naming it."""
    try:
        return PROBLEM.variable(name)
    except KeyError as exc:
        raise StudyError(str(exc.args[0])) from None


def snap(value: float, v: Variable) -> Any:
    """A sampled number as the variable's type, snapped to a bound it misses by rounding only."""
    if v.kind == "boolean":
        return bool(value >= 0.5)
    x = float(value)
    if not math.isfinite(x):
        raise StudyError(f"{v.name}: sampled value {x!r} is not a finite number")
    for bound in (v.low, v.high):
        if bound is not None and abs(x - bound) <= SNAP_RTOL * max(1.0, abs(bound)):
            x = float(bound)
    if v.kind == "integer":
        return round(x)
    return x


def scenario_dict(point: Mapping[str, Any], until: int = 2027) -> dict[str, Any]:
    """The scenario-file data of one point (what :func:`write_scenario_toml` writes)."""
    levers: dict[str, Any] = {}
    changes: dict[int, dict[str, Any]] = {}
    params: dict[str, dict[str, Any]] = {}
    for name, value in point.items():
        if name == "point_id" or name.endswith(FROM_YEAR):
            continue
        v = variable(name)
        val = snap(value, v)
        if v.role == "uncertainty":
            group, key = name.split(".", 1)
            params.setdefault(group, {})[key] = val
            continue
        start = point.get(name + FROM_YEAR)
        year = BASE_YEAR if start is None else round(float(start))
        if year <= BASE_YEAR:
            levers[name] = val
        elif year <= until:
            changes.setdefault(year, {})[name] = val
        # a start after the horizon: the lever keeps its default for the whole run
    data: dict[str, Any] = {"until": until}
    if levers:
        data["levers"] = levers
    if changes:
        data["lever_changes"] = [{"date": f"{y}-01", **vals} for y, vals in sorted(changes.items())]
    if params:
        data["parameters"] = params
    return data


def point_scenario(point: Mapping[str, Any], name: str = "point", until: int = 2027) -> Scenario:
    """A validated scenario for one point; a bad value raises :class:`StudyError` naming it."""
    try:
        return parse_scenario("", scenario_dict(point, until), name, f"point {name}")
    except ScenarioError as exc:
        raise StudyError(str(exc)) from None


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(type(v))


def scenario_toml(data: dict[str, Any], description: str, name: str | None = None) -> str:
    """Scenario-file text (TOML) for :func:`scenario_dict` output; readable by ``load_scenario``."""
    lines = [f"description = {_toml_value(description)}"]
    if name is not None:
        lines.append(f"name = {_toml_value(name)}")
    lines.append(f"until = {data.get('until', 2027)}")
    if data.get("levers"):
        lines += ["", "[levers]"] + [f"{k} = {_toml_value(v)}" for k, v in data["levers"].items()]
    for change in data.get("lever_changes", []):
        lines += ["", "[[lever_changes]]"] + [f"{k} = {_toml_value(v)}" for k, v in change.items()]
    for group, values in data.get("parameters", {}).items():
        lines += ["", f"[parameters.{group}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


# -- evaluation ------------------------------------------------------------------------------
def _outcomes(scenario: Scenario, seed: int, scale: float, yearly: bool) -> dict[str, float]:
    from model.run import simulate

    result = simulate(scenario, seed=seed, scale=scale)
    out = outcomes_of(result)
    if yearly:
        dec = result.league[result.league["month"] == 12]
        for _, row in dec.iterrows():
            for col in YEARLY_COLUMNS:
                out[f"{col}@{int(row['year'])}"] = float(row[col])
    return out


def _run_chunk(args: tuple[list[tuple[int, Scenario]], list[int], float, bool]) -> list[dict[str, Any]]:
    items, seeds, scale, yearly = args
    rows = []
    for pid, scenario in items:
        for rep, seed in enumerate(seeds):
            rows.append({"point_id": pid, "rep": rep, "seed": seed,
                         **_outcomes(scenario, seed, scale, yearly)})
    return rows


def _sweep_engine() -> Callable[..., pd.DataFrame] | None:
    try:
        from studies.sweep import evaluate as sweep_evaluate  # issue 8's engine, once merged
    except ImportError:
        return None
    return sweep_evaluate


def evaluate_scenarios(items: Sequence[tuple[int, Scenario]], *, reps: int = 1, base_seed: int = 0,
                       scale: float = 0.1, workers: int | None = None, yearly: bool = False,
                       progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per (id, scenario) × replication, replication r of every scenario on the same seed."""
    seeds = [rep_seed(base_seed, r) for r in range(reps)]
    n = workers or default_workers()
    chunk = max(1, min(16, math.ceil(len(items) / (4 * n))))
    jobs = [(list(items[i:i + chunk]), seeds, scale, yearly) for i in range(0, len(items), chunk)]
    rows: list[dict[str, Any]] = []
    done = 0
    if n == 1 or len(jobs) == 1:
        for job in jobs:
            rows += _run_chunk(job)
            done += len(job[0])
            if progress:
                progress(done, len(items))
    else:
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            for job, part in zip(jobs, pool.map(_run_chunk, jobs), strict=True):
                rows += part
                done += len(job[0])
                if progress:
                    progress(done, len(items))
    frame = pd.DataFrame(rows)
    return frame.sort_values(["point_id", "rep"], kind="stable").reset_index(drop=True)


def evaluate(points: pd.DataFrame, *, reps: int = 1, base_seed: int = 0, scale: float = 0.1,
             until: int = 2027, workers: int | None = None, yearly: bool = False,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per point × replication: ``point_id``, ``rep``, ``seed`` and every outcome.

    Every point is checked before any run starts. Results do not depend on ``workers``."""
    if "point_id" not in points.columns:
        points = points.assign(point_id=np.arange(len(points)))
    items = []
    for r in points.to_dict("records"):
        pid = int(r.pop("point_id"))
        items.append((pid, point_scenario(r, f"p{pid}", until)))    # validate everything first
    engine = _sweep_engine()
    if engine is not None and not yearly:
        out = engine(points, reps=reps, base_seed=base_seed, scale=scale, until=until,
                     out=None, workers=workers, progress=False)
        return out.sort_values(["point_id", "rep"]).reset_index(drop=True)
    return evaluate_scenarios(items, reps=reps, base_seed=base_seed, scale=scale, workers=workers,
                              yearly=yearly, progress=progress)


def with_parameters(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with the parameters ``{"group.name": value}`` set (checked against priors)."""
    groups: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        v = variable(name)
        group, key = name.split(".", 1)
        groups.setdefault(group, {})[key] = snap(value, v)
    try:
        params = scenario.parameters.with_overrides(groups, f"{scenario.name}: parameters")
    except SettingError as exc:
        raise StudyError(str(exc)) from None
    return dataclasses.replace(scenario, parameters=params)


class Timer:
    """Wall time of a block, for the study manifests."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


__all__ = ["FROM_YEAR", "StudyError", "evaluate", "evaluate_scenarios", "point_scenario", "scenario_dict",
           "scenario_toml", "snap", "variable", "with_parameters"]
