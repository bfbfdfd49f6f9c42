"""Sweeps: evaluate many points of the problem space, fast, with common random numbers.

A point is a row of a DataFrame whose columns are variables of :data:`model.problem.PROBLEM`
(lever names, ``<lever>__start`` timings and ``"group.param"`` parameters; unnamed variables
keep their defaults) and, optionally, ``point_id``. :func:`evaluate` runs every point ``reps``
times and returns one row per (point, replication) with the point's columns, ``point_id``,
``rep``, ``seed`` and every outcome of :func:`model.problem.outcomes_of` (``T*_met`` included:
1.0/0.0, NaN when the run ends before 2027).

- **Common random numbers.** Replication ``r`` of every point runs with the seed
  :func:`studies.batch.rep_seed` ``(base_seed, r)``, as in a batch.
- **Chunks.** Worker processes (a local pool or Dask, as for batches) import the model once and
  run chunks of consecutive runs, replication by replication. A run's set-up (households, firms,
  ties) depends on its seed, scale and parameters only, never on the levers, so a worker builds
  it once per (seed, scale, parameters) and gives each run a copy: in a lever sweep the set-up is
  built once per replication and worker. Results are bit for bit those of
  :func:`model.run.simulate` (tested).
- **Resumable.** With ``out``, results go to a :class:`studies.store.ResultStore`: one row per
  run in its ``runs`` table (ids, the point's values, outcomes), plus the monthly league rows
  with ``monthly=True``. The same call again computes only the runs not yet stored.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
import math
import os
import socket
import sys
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.indicators import TARGET_YEAR
from model.levers import Levers
from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE, SteppeModel
from model.parameter_source import ParameterSource, from_record
from model.parameter_source import resolve as resolve_source
from model.params import Parameters
from model.problem import PROBLEM, outcomes_from
from model.scenario import MAX_UNTIL, MIN_UNTIL, Scenario
from model.settings import SettingError, validated_replace
from studies.batch import (
    MAX_REPS,
    SEED_RULE,
    SEEDS_IN_MANIFEST,
    _finish_manifest,
    _provenance,
    _start_session,
    _undo_fixed_mmap_threshold,
    model_source_hash,
    package_version,
    rep_seed,
    stored_design,
)
from studies.batch import stored_run as batch_stored_run
from studies.engines import make_engine
from studies.errors import BatchError, BatchInterrupted
from studies.progress import Progress
from studies.store import FORMAT, ResultStore, utc_now

__all__ = ["evaluate", "evaluate_scenarios", "scenario_delta", "scenario_from_delta", "scenario_record", "stored_run"]

ID_COLUMNS = ("point_id", "rep", "seed")
CACHE_SIZE = 2          # set-ups kept per worker (a lever sweep needs one)
FLUSH_RUNS, FLUSH_SECONDS = 5000, 10.0

# (point key, point_id, rep, seed, scenario)
Job = tuple[str, Any, int, int, Scenario]


# -- in the worker ---------------------------------------------------------------------------
_SETUPS: OrderedDict[tuple[int, float, int, Any], SteppeModel] = OrderedDict()


def _model_for(scenario: Scenario, seed: int, scale: float) -> SteppeModel:
    """A model set up for ``scenario``, ready to run: a copy of the cached set-up for this seed,
    scale, horizon and parameters (built with default levers: set-up does not read the levers),
    with the scenario's levers put in place."""
    key = (seed, scale, scenario.until, scenario.parameters)
    base = _SETUPS.get(key)
    if base is None:
        base = SteppeModel(Scenario(until=scenario.until, parameters=scenario.parameters),
                           seed=seed, scale=scale)
        _SETUPS[key] = base
        while len(_SETUPS) > CACHE_SIZE:
            _SETUPS.popitem(last=False)
    else:
        _SETUPS.move_to_end(key)
    m = copy.deepcopy(base)
    m.config = scenario
    m.timeline = scenario.lever_timeline()
    return m


def _december(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, float]:
    """``{"<column>@<year>": value}`` of every December league row (NaN for a missing column)."""
    out: dict[str, float] = {}
    for r in rows:
        if r["month"] == 12:
            for c in columns:
                out[f"{c}@{int(r['year'])}"] = float(r[c]) if c in r else math.nan
    return out


def run_chunk(jobs: list[Job], scale: float, monthly: bool, yearly: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run ``jobs`` one after the other in this process; one dict per run: its ids and outcomes
    (with ``yearly``, also the December values of those league columns, ``name@YYYY``), and with
    ``monthly`` its league rows."""
    _undo_fixed_mmap_threshold()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    out = []
    for key, pid, rep, seed, scenario in jobs:
        start, cpu = time.perf_counter(), time.process_time()
        m = _model_for(scenario, seed, scale)
        m.run()
        rows = m.recorder.league
        at = next(r for r in reversed(rows) if r["year"] <= TARGET_YEAR)
        row = {"run_id": f"{key}/{rep}", "scenario": key, "point_id": pid, "rep": rep, "seed": seed,
               **outcomes_from(at, m.recorder.targets()), **(_december(rows, yearly) if yearly else {}),
               "wall_s": time.perf_counter() - start,
               "cpu_s": time.process_time() - cpu,
               "worker": worker, "finished_at": utc_now(), "model_sha256": model_source_hash()}
        league = None
        if monthly:
            league = pd.DataFrame(rows)
            head = pd.DataFrame({"run_id": row["run_id"], "scenario": key, "rep": rep, "seed": seed},
                                index=league.index).astype({"rep": "int64", "seed": "int64"})
            league = pd.concat([head, league], axis=1)
        out.append({"row": row, "league": league})
    return out


# -- in the driver ---------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def _points(points: pd.DataFrame, until: int, source: ParameterSource | None = None
            ) -> tuple[list[str], list[Any], list[Scenario], list[str]]:
    """Validate every row: point keys (text ids naming the runs), point ids, scenarios and the
    variable columns."""
    if not isinstance(points, pd.DataFrame):
        raise SettingError(f"points: expected a pandas DataFrame, not {type(points).__name__}")
    if len(points) == 0:
        raise SettingError("points: no rows; give at least one point")
    columns = [c for c in points.columns if c != "point_id"]
    for c in columns:
        if c in ID_COLUMNS or c in PROBLEM.outcome_names():
            raise SettingError(f"points: column {c!r} names an output; rename it")
    if "point_id" in points:
        ids = list(points["point_id"])
    else:
        ids = list(range(len(points)))
    keys = [str(_plain(i)) for i in ids]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise SettingError(f"points: point_id {dup!r} occurs more than once; ids must be unique")
    records = points[columns].to_dict("records")
    scenarios = []
    for i, (key, rec) in enumerate(zip(keys, records, strict=True)):
        where = f"points row {i} (point_id {key})"
        for k, v in rec.items():
            if isinstance(v, float) and math.isnan(v):
                raise SettingError(f"{where}.{k}: NaN is not allowed; give a value or drop the column "
                                   "(unnamed variables keep their defaults)")
        scenarios.append(PROBLEM.scenario(rec, until=until, name=key, where=where, source=source))
    return keys, ids, scenarios, columns


def _digest(record: dict[str, Any]) -> str:
    text = json.dumps({k: _plain(v) for k, v in record.items()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _design(keys: list[str], records: list[dict[str, Any]], reps: int, base_seed: int, scale: float,
            until: int, monthly: bool, yearly: tuple[str, ...] = (),
            source: ParameterSource | None = None) -> dict[str, Any]:
    extra = {"yearly": list(yearly)} if yearly else {}
    return {**extra,
        "kind": "sweep",
        "scenarios": [{"name": k, "sha256": _digest(r), "until": until}
                      for k, r in zip(keys, records, strict=True)],
        "reps": reps, "base_seed": base_seed, "scale": scale, "until": until, "counties": False,
        "tables": ["league"] if monthly else [], "seed_rule": SEED_RULE,
        "model_sha256": model_source_hash(), "model_version": package_version(),
        "parameters": (source or resolve_source(None)).record(),
    }


def _manifest(design: dict[str, Any], records: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    reps = design["reps"]
    shown = min(reps, SEEDS_IN_MANIFEST)
    return {
        "format": FORMAT, "design": design, "seed_rule": SEED_RULE,
        "seeds": [rep_seed(design["base_seed"], r) for r in range(shown)],
        "seeds_listed": f"replications 0 to {shown - 1} of {reps}; the others follow the seed rule",
        "points": {k: {c: _plain(v) for c, v in r.items()} for k, r in zip(keys, records, strict=True)},
        "runs_total": len(keys) * reps, "created": utc_now(), "completed": None,
        **_provenance(), "sessions": [],
    }


def _chunks(jobs: list[Job], size: int) -> Iterator[list[Job]]:
    for i in range(0, len(jobs), size):
        yield jobs[i:i + size]


def _check_args(reps: int, base_seed: int, scale: float, until: int) -> None:
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or not 1 <= reps <= MAX_REPS:
        raise BatchError(f"reps {reps!r} is out of range; allowed a whole number in [1, {MAX_REPS}]")
    if isinstance(base_seed, bool) or not isinstance(base_seed, (int, np.integer)) \
            or not 0 <= base_seed <= MAX_SEED:
        raise BatchError(f"base_seed {base_seed!r} is out of range; allowed [0, {MAX_SEED}]")
    if not isinstance(scale, (int, float, np.number)) or not MIN_SCALE <= scale <= MAX_SCALE:
        raise BatchError(f"scale {scale!r} is out of range; allowed [{MIN_SCALE}, {MAX_SCALE}]")
    if isinstance(until, bool) or not isinstance(until, (int, np.integer)) \
            or not MIN_UNTIL <= until <= MAX_UNTIL:
        raise BatchError(f"until {until!r} is out of range; allowed a year from {MIN_UNTIL} to {MAX_UNTIL}")


def evaluate(points: pd.DataFrame, *, reps: int = 1, base_seed: int = 0, scale: float = 0.1,
             until: int = 2027, out: str | Path | None = None, workers: int | None = None,
             dask_address: str | None = None, dask_local: int | None = None,
             monthly: bool = False, progress: bool | None = None,
             chunk_size: int | None = None, source: ParameterSource | str | None = None) -> pd.DataFrame:
    """Run every point of ``points`` ``reps`` times; one row per (point, replication).

    Columns: the point's columns, ``point_id`` (the column given, else the row position),
    ``rep``, ``seed`` and every outcome (:meth:`model.problem.Problem.outcome_names`). Rows are in
    point order, replications in order within a point. ``workers`` (default: every core; 1 runs
    in this process), ``dask_address`` or ``dask_local`` choose the executor as for batches.
    With ``out`` the runs are stored there (and read back from there: a second call with the same
    arguments computes nothing); ``monthly`` also stores the monthly league rows. Parameters a
    point does not name take their values from ``source`` (:mod:`model.parameter_source`; default
    the posterior central set, as every entry point; ``"hand-set"``), which the store's manifest
    records (``design.parameters``) and ``frame.attrs["parameter_source"]`` names. Bad points
    raise :class:`~model.settings.SettingError` naming the row and variable before any run."""
    _check_args(reps, base_seed, scale, until)
    reps, base_seed, scale, until = int(reps), int(base_seed), float(scale), int(until)
    src = resolve_source(source)
    if src.kind == "draws":
        raise SettingError("source: a sweep runs each point with one parameter set; give 'central' or "
                           "'hand-set' (posterior draws: steppe batch --parameters draws:K)")
    keys, ids, scenarios, columns = _points(points, until, src)
    records = points[columns].to_dict("records")
    frame = _evaluate(keys, ids, scenarios, records, reps=reps, base_seed=base_seed, scale=scale, until=until,
                      out=out, workers=workers, dask_address=dask_address, dask_local=dask_local,
                      monthly=monthly, yearly=(), progress=progress, chunk_size=chunk_size, source=src)
    result = _result_frame(frame, points, columns, keys)
    result.attrs["parameter_source"] = src.describe()
    return result


def _content_sha256(scenario: Scenario) -> str:
    text = json.dumps(dataclasses.asdict(scenario), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_delta(scenario: Scenario) -> dict[str, Any]:
    """A whole scenario as its differences from the defaults: the levers, dated changes and
    parameters it sets (``{group: {name: value}}``), plus its name, text and the parameters its file
    named. Enough to rebuild it exactly (:func:`scenario_from_delta`) in a few hundred bytes."""
    base_levers, levers = dataclasses.asdict(Levers()), dataclasses.asdict(scenario.levers)
    base_params, params = dataclasses.asdict(Parameters()), dataclasses.asdict(scenario.parameters)
    changed = {g: {k: _plain(v) for k, v in values.items() if v != base_params[g][k]} for g, values in params.items()}
    return {"name": scenario.name, "description": scenario.description, "until": scenario.until,
            "levers": {k: _plain(v) for k, v in levers.items() if v != base_levers[k]},
            "changes": [[int(m), {k: _plain(v) for k, v in values.items()}] for m, values in scenario.changes],
            "parameters": {g: v for g, v in changed.items() if v},
            "parameters_set": list(scenario.parameters_set), "source_text": scenario.source_text}


def scenario_from_delta(delta: dict[str, Any], where: str) -> Scenario:
    """The scenario :func:`scenario_delta` recorded (every value checked again)."""
    levers = validated_replace(Levers(), delta["levers"], f"{where}.levers")
    params = Parameters().with_overrides(delta["parameters"], f"{where}.parameters")
    return Scenario(name=delta["name"], description=delta["description"], until=int(delta["until"]),
                    levers=levers, changes=tuple((int(m), dict(v)) for m, v in delta["changes"]),
                    parameters=params, source_text=delta["source_text"],
                    parameters_set=tuple(delta["parameters_set"]))


def scenario_record(scenario: Scenario) -> dict[str, Any]:
    """What a store records of a whole scenario: its name, the sha256 of all its content (levers,
    dated changes, every parameter), so that a changed scenario is never mistaken for a stored
    one, and its differences from the defaults (:func:`scenario_delta`), so that any stored run
    can be re-run exactly (``steppe run --from-store``)."""
    return {"name": scenario.name, "content_sha256": _content_sha256(scenario), "delta": scenario_delta(scenario)}


def stored_run(store: str | Path, run_id: str) -> tuple[Scenario, int, float, str]:
    """What re-runs stored run ``run_id`` (``KEY/REP``) of a batch, sweep or study store exactly:
    its scenario, seed, scale and the parameter-source phrase. A whole scenario is rebuilt from its
    recorded differences and must hash to the content hash recorded when it ran."""
    path, manifest, design = stored_design(store)
    if design.get("kind") != "sweep":
        return batch_stored_run(store, run_id)
    points = manifest.get("points") or {}
    key, sep, rep_text = run_id.rpartition("/")
    if not sep or key not in points or not rep_text.isdigit() or int(rep_text) >= int(design.get("reps", 0)):
        known = next(iter(points), "0")
        raise BatchError(f"{path}: no run {run_id!r} in this store; run ids are KEY/REP with REP from 0 to "
                         f"{int(design.get('reps', 1)) - 1} (e.g. {known}/0)")
    record, where = points[key], f"{path} (run {run_id})"
    source = from_record(design.get("parameters") or {"kind": "hand-set"})
    try:
        if "content_sha256" in record:
            if "delta" not in record:
                raise BatchError(f"{where}: the store records only a hash of this scenario (written before "
                                 "scenarios were recorded); it cannot be re-run")
            scenario = scenario_from_delta(record["delta"], where)
            if _content_sha256(scenario) != record["content_sha256"]:
                raise BatchError(f"{where}: the rebuilt scenario does not match the content hash recorded "
                                 "when it ran")
        else:
            scenario = PROBLEM.scenario(record, until=int(design["until"]), name=key, where=where, source=source)
    except SettingError as exc:
        raise BatchError(str(exc)) from None
    return scenario, rep_seed(int(design["base_seed"]), int(rep_text)), float(design["scale"]), source.describe()


def evaluate_scenarios(items: list[tuple[Any, Scenario]], *, reps: int = 1, base_seed: int = 0,
                       scale: float = 0.1, until: int = 2027, out: str | Path | None = None,
                       workers: int | None = None, dask_address: str | None = None,
                       dask_local: int | None = None, yearly: tuple[str, ...] = (),
                       progress: bool | None = None, chunk_size: int | None = None,
                       source: ParameterSource | str | None = None) -> pd.DataFrame:
    """Run whole scenarios (``(id, scenario)`` pairs: library packages with parameter draws,
    portfolios with dated lever changes) ``reps`` times each, as :func:`evaluate` runs points:
    parameters a scenario does not set take their values from ``source`` (default the posterior
    central set, as every entry point), which the store's design records;
    the same executors, seeds (replication ``r`` of every scenario on ``rep_seed(base_seed, r)``:
    common random numbers) and resumable store. Every scenario must end in ``until``.

    One row per (id, replication), sorted by id then replication: ``point_id``, ``rep``,
    ``seed``, every outcome and, with ``yearly`` (league column names), their December values
    ``name@YYYY``. Results do not depend on the executor or the worker count."""
    _check_args(reps, base_seed, scale, until)
    reps, base_seed, scale, until = int(reps), int(base_seed), float(scale), int(until)
    if not items:
        raise SettingError("scenarios: none given")
    ids = [_plain(i) for i, _ in items]
    keys = [str(i) for i in ids]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise SettingError(f"scenarios: id {dup!r} occurs more than once; ids must be unique")
    scenarios = [sc for _, sc in items]
    for k, sc in zip(keys, scenarios, strict=True):
        if sc.until != until:
            raise SettingError(f"scenario {k} ({sc.name}) ends in {sc.until}, the sweep in {until}")
    src = resolve_source(source)
    if src.kind == "draws":
        raise SettingError("source: whole scenarios run with one parameter set each; give 'central' or "
                           "'hand-set', or apply draws to the scenarios")
    scenarios = [src.apply(sc) for sc in scenarios]
    records = [scenario_record(sc) for sc in scenarios]
    frame = _evaluate(keys, ids, scenarios, records, reps=reps, base_seed=base_seed, scale=scale, until=until,
                      out=out, workers=workers, dask_address=dask_address, dask_local=dask_local,
                      monthly=False, yearly=tuple(yearly), progress=progress, chunk_size=chunk_size,
                      source=src)
    position = {k: i for i, k in enumerate(keys)}
    frame = frame.assign(_pos=frame["scenario"].map(position))
    frame = frame.sort_values(["point_id", "rep"] if all(isinstance(i, int) for i in ids) else ["_pos", "rep"],
                              kind="stable")
    extra = [c for c in frame.columns if "@" in c]
    cols = list(ID_COLUMNS) + PROBLEM.outcome_names() + sorted(extra)
    return frame[cols].astype({"rep": "int64", "seed": "int64"}).reset_index(drop=True)


def _evaluate(keys: list[str], ids: list[Any], scenarios: list[Scenario], records: list[dict[str, Any]], *,
              reps: int, base_seed: int, scale: float, until: int, out: str | Path | None,
              workers: int | None, dask_address: str | None, dask_local: int | None, monthly: bool,
              yearly: tuple[str, ...], progress: bool | None, chunk_size: int | None,
              source: ParameterSource | None = None) -> pd.DataFrame:
    """Every (scenario, replication) not yet stored, on the chosen executor; the runs table."""
    seeds = [rep_seed(base_seed, r) for r in range(reps)]
    jobs: list[Job] = [(keys[i], _plain(ids[i]), r, seeds[r], scenarios[i])
                       for r in range(reps) for i in range(len(keys))]
    model_hash = model_source_hash()
    store = None
    if out is not None:
        design = _design(keys, records, reps, base_seed, scale, until, monthly, yearly, source)
        store = ResultStore.create_or_resume(out, design, _manifest(design, records, keys), {})
    rows: list[dict[str, Any]] = []
    try:
        if store is not None:
            stored = store.scan(check_files=False).run_ids
            jobs = [j for j in jobs if f"{j[0]}/{j[2]}" not in stored]
        if jobs:
            _run_jobs(jobs, scale, monthly, model_hash, store, rows, workers, dask_address,
                      dask_local, progress, chunk_size, yearly)
        elif store is not None:
            _finish_manifest(store, None, "completed", 0, len(keys) * reps, len(keys) * reps)
        frame = store.read("runs") if store is not None else pd.DataFrame(rows)
    finally:
        if store is not None:
            store.close()
    return frame


def _run_jobs(jobs: list[Job], scale: float, monthly: bool, model_hash: str, store: ResultStore | None,
              rows: list[dict[str, Any]], workers: int | None, dask_address: str | None,
              dask_local: int | None, progress: bool | None, chunk_size: int | None,
              yearly: tuple[str, ...] = ()) -> None:
    engine = make_engine(workers, dask_address, dask_local)
    n_workers = max(1, engine.workers if dask_address is None else 1)
    size = chunk_size or max(1, min(64, math.ceil(len(jobs) / (4 * n_workers))))
    total = len(jobs)
    skipped = (store.manifest()["runs_total"] - total) if store is not None else 0
    session = _start_session(store, engine.label, skipped, sys.argv) if store is not None else None
    bar = Progress(total, "sweep", progress)
    buffer: list[dict[str, Any]] = []
    last = time.monotonic()
    new = 0
    status = "failed"

    def flush() -> None:
        nonlocal buffer, last, new
        if buffer:
            if store is not None:
                frames = {"runs": pd.DataFrame([b["row"] for b in buffer])
                          .astype({"rep": "int64", "seed": "int64"}).assign(session=session)}
                if monthly:
                    frames["league"] = pd.concat([b["league"] for b in buffer], ignore_index=True)
                store.write_part(frames)
            else:
                rows.extend(b["row"] for b in buffer)
            new += len(buffer)
            buffer = []
        last = time.monotonic()

    pending: set[Any] = set()
    queue = _chunks(jobs, size)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < engine.capacity():
                chunk = next(queue, None)
                if chunk is None:
                    exhausted = True
                    break
                pending.add(engine.submit(run_chunk, chunk, scale, monthly, yearly))
            if not pending:
                break
            done, pending = engine.wait(pending, timeout=1.0)
            for fut in done:
                try:
                    results = fut.result()
                except Exception as exc:
                    kept = "stored" if store is not None else "lost (give out= to keep them)"
                    raise BatchError(f"a sweep run failed: {type(exc).__name__}: {exc}. The {new + len(buffer)} "
                                     f"runs finished so far are {kept}; reproduce one point with "
                                     "model.simulate(levers=..., parameters=..., seed=...)") from exc
                for res in results:
                    if res["row"]["model_sha256"] != model_hash:
                        raise BatchError(f"run {res['row']['run_id']} came back from worker "
                                         f"{res['row']['worker']} whose model code differs from "
                                         "this driver's; install the same version everywhere")
                buffer.extend(results)
                bar.update(len(results))
            if store is None or len(buffer) >= FLUSH_RUNS or time.monotonic() - last >= FLUSH_SECONDS:
                flush()
        flush()
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        with contextlib.suppress(Exception):
            flush()
        if store is not None:
            raise BatchInterrupted(f"interrupted: {new} run(s) stored; call again to compute the rest") from None
        raise BatchInterrupted("interrupted: no run was stored (these runs are kept in memory until the whole "
                               f"evaluation ends; {new} had finished); the same call starts again from the "
                               "beginning") from None
    except Exception:
        if store is not None:
            with contextlib.suppress(Exception):
                flush()
        raise
    finally:
        bar.close()
        with contextlib.suppress(Exception):
            engine.close(cancel=status != "completed")
        if store is not None and session is not None:
            with contextlib.suppress(Exception):
                _finish_manifest(store, session, status, new, skipped, store.manifest()["runs_total"])


def _result_frame(frame: pd.DataFrame, points: pd.DataFrame, columns: list[str], keys: list[str]) -> pd.DataFrame:
    """The points' columns joined to their runs, in point order then replication order."""
    position = {k: i for i, k in enumerate(keys)}
    frame = frame.assign(_pos=frame["scenario"].map(position)).sort_values(["_pos", "rep"], kind="stable")
    values = points[columns].reset_index(drop=True).iloc[frame["_pos"].to_numpy()].reset_index(drop=True)
    outcome_cols = PROBLEM.outcome_names()
    ids = frame[list(ID_COLUMNS)].reset_index(drop=True)
    if "point_id" in points:
        ids["point_id"] = points["point_id"].reset_index(drop=True).iloc[frame["_pos"].to_numpy()].to_numpy()
    return pd.concat([values, ids, frame[outcome_cols].reset_index(drop=True)], axis=1)
