"""Points of the problem space -> validated scenarios -> outcomes, for the sensitivity and paths tools.

A *point* is one row of a DataFrame whose columns are variables of the problem definition:
lever names (``infra_budget_cny_per_year``), lever timings (``<lever>__start``, a month index,
0 = 2025-01: the lever keeps its default until then) and parameter names
(``herders.bass_q_per_year``). A sampler's numbers are first made the variable's type
(:func:`snap`: integers rounded, on/off levers on above 0.5), then checked and turned into a
scenario by :meth:`model.problem.Problem.scenario`, exactly as a scenario file is.

:func:`evaluate` runs every point × replication through the sweep engine
(:func:`studies.sweep.evaluate`: worker processes or Dask, common random numbers, replication
``r`` of every point on the seed :func:`studies.batch.rep_seed` ``(base_seed, r)``, a resumable
store). :func:`evaluate_scenarios` runs whole scenarios (library packages with parameter draws,
portfolios with dated lever changes, points when yearly values are wanted) through the same engine.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.problem import PROBLEM, START, Variable
from model.scenario import BASE_YEAR, Scenario
from model.settings import SettingError
from studies.errors import BatchError

REPO_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"     # the library's packages
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


def short_label(name: str) -> str:
    """A variable's English label short enough for a sentence: its first clause with the code name
    beside it ('Lead time from decision to capacity (datacentres.build_months)'), or the code name
    alone when the label is a formula or a paragraph."""
    first = re.sub(r"\s*\([^()]*\)$", "", variable(name).label_en.split(". ")[0]).rstrip(".")
    return f"{first} ({name})" if len(first) <= 70 and "=" not in first else name


def snap(value: Any, v: Variable) -> Any:
    """A sampled number as the variable's type: on/off above 0.5, integers rounded, reals as they are
    (the problem definition snaps values within a relative 1e-9 of a bound)."""
    if v.kind == "boolean":
        return bool(float(value) >= 0.5)
    if v.kind == "vector":
        return [float(e) for e in value]
    x = float(value)
    if not math.isfinite(x):
        raise StudyError(f"{v.name}: sampled value {x!r} is not a finite number")
    if v.kind in ("integer", "date"):
        return round(x)
    return x


def typed(point: Mapping[str, Any]) -> dict[str, Any]:
    """A point with every value made its variable's type (``point_id`` left out)."""
    return {k: snap(val, variable(k)) for k, val in point.items() if k != "point_id"}


def point_scenario(point: Mapping[str, Any], name: str = "point", until: int = 2027) -> Scenario:
    """A validated scenario for one point; a bad value raises :class:`StudyError` naming it."""
    try:
        return PROBLEM.scenario(typed(point), until=until, name=name, where=f"point {name}")
    except SettingError as exc:
        raise StudyError(str(exc)) from None


def scenario_dict(point: Mapping[str, Any], until: int = 2027) -> dict[str, Any]:
    """The scenario-file data of one point (levers from 2025-01, dated changes, parameters)."""
    sc = point_scenario(point, until=until)
    values = typed(point)
    levers = {k: getattr(sc.levers, k) for k in values if variable(k).role == "lever"
              and values.get(k + START, 0) == 0}
    data: dict[str, Any] = {"until": until}
    if levers:
        data["levers"] = levers
    changes = [{"date": f"{BASE_YEAR + month // 12}-{month % 12 + 1:02d}", **vals} for month, vals in sc.changes]
    if changes:
        data["lever_changes"] = changes
    params: dict[str, dict[str, Any]] = {}
    for k in values:
        if variable(k).role == "uncertainty":
            group, key = k.split(".", 1)
            val = getattr(getattr(sc.parameters, group), key)
            params.setdefault(group, {})[key] = list(val) if isinstance(val, tuple) else val
    if params:
        data["parameters"] = params
    return data


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
def evaluate_scenarios(items: Sequence[tuple[int, Scenario]], *, reps: int = 1, base_seed: int = 0,
                       scale: float = 0.1, workers: int | None = None, yearly: bool = False,
                       progress: Callable[[int, int], None] | bool | None = None, out: Any = None,
                       dask_address: str | None = None, dask_local: int | None = None) -> pd.DataFrame:
    """One row per (id, scenario) × replication, replication r of every scenario on the same seed,
    through the sweep engine (:func:`studies.sweep.evaluate_scenarios`): a local pool or Dask, and
    with ``out`` a resumable store. Every scenario must end in the same year."""
    from studies.sweep import evaluate_scenarios as sweep_scenarios

    if not items:
        return pd.DataFrame(columns=["point_id", "rep", "seed", *PROBLEM.outcome_names()])
    until = items[0][1].until
    try:
        return sweep_scenarios(list(items), reps=reps, base_seed=base_seed, scale=scale, until=until, out=out,
                               workers=workers, dask_address=dask_address, dask_local=dask_local,
                               yearly=YEARLY_COLUMNS if yearly else (), progress=bool(progress))
    except SettingError as exc:
        raise StudyError(str(exc)) from None


def evaluate(points: pd.DataFrame, *, reps: int = 1, base_seed: int = 0, scale: float = 0.1,
             until: int = 2027, workers: int | None = None, yearly: bool = False,
             progress: Callable[[int, int], None] | bool | None = None, out: Any = None,
             dask_address: str | None = None, dask_local: int | None = None) -> pd.DataFrame:
    """One row per point × replication: ``point_id``, ``rep``, ``seed`` and every outcome.

    Every point is checked before any run starts (by the sweep, or here for yearly values).
    Results do not depend on ``workers`` or the executor; ``out`` keeps the runs in a resumable
    store (the same call again computes only the runs not yet stored)."""
    if "point_id" not in points.columns:
        points = points.assign(point_id=np.arange(len(points)))
    if yearly:
        items = [(int(r["point_id"]), point_scenario(r, f"p{int(r['point_id'])}", until))
                 for r in points.to_dict("records")]
        return evaluate_scenarios(items, reps=reps, base_seed=base_seed, scale=scale, workers=workers,
                                  yearly=True, progress=progress, out=out, dask_address=dask_address,
                                  dask_local=dask_local)
    from studies.sweep import evaluate as sweep

    frame = pd.DataFrame([{"point_id": int(r["point_id"]), **typed(r)} for r in points.to_dict("records")])
    try:
        out_frame = sweep(frame, reps=reps, base_seed=base_seed, scale=scale, until=until, workers=workers,
                          progress=bool(progress), out=out, dask_address=dask_address, dask_local=dask_local)
    except SettingError as exc:
        raise StudyError(str(exc)) from None
    keep = ["point_id", "rep", "seed", *PROBLEM.outcome_names()]
    return out_frame[keep].sort_values(["point_id", "rep"], kind="stable").reset_index(drop=True)


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
    named = tuple(sorted({*scenario.parameters_set, *values}))
    return dataclasses.replace(scenario, parameters=params, parameters_set=named)


def store_path(out: Any) -> Any:
    """Where a study keeps its runs while it computes them: the sweep engine's resumable store in
    a hidden sibling of ``out`` (``.NAME.store``), so that ``out`` appears only when complete. An
    interrupted study is resumed by the same call (the stored runs are not computed again); the
    finished study moves the store into ``out/store``."""
    from pathlib import Path

    out = Path(out)
    return out.parent / f".{out.name}.store"


def adopt_store(store: Any, folder: Any) -> None:
    """Move a finished study's store (see :func:`store_path`) into ``folder/store``."""
    from pathlib import Path

    store, folder = Path(store), Path(folder)
    if store.is_dir() and not (folder / "store").exists():
        store.rename(folder / "store")


class Timer:
    """Wall time of a block, for the study manifests."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


__all__ = ["START", "StudyError", "adopt_store", "evaluate", "evaluate_scenarios", "point_scenario", "scenario_dict",
           "scenario_toml", "snap", "store_path", "typed", "variable", "with_parameters"]
