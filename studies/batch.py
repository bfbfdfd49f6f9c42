"""Scenario batches: every scenario × replication, on a local process pool or a Dask cluster.

Replication ``r`` of every scenario runs with the seed :func:`rep_seed` ``(base_seed, r)``,
which never depends on the scenario. The model spawns all its random streams from that seed
and draws a fixed amount from each every month, so replication ``r`` of two scenarios shares its
random numbers (common random numbers): identical levers give identical runs, and the
difference between two scenarios in one replication is the effect of their levers, not noise.
A run is deterministic in (scenario, seed, scale), so the results do not depend on the executor
or the number of workers. Results go to a :class:`studies.store.ResultStore`, which a batch
started again with the same command resumes.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import model
from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE
from model.parameter_source import HAND_SET, ParameterSource
from model.run import run_scenario
from model.scenario import Scenario, load_scenario
from studies.engines import DaskEngine, PoolEngine, SerialEngine, make_engine
from studies.errors import BatchError, BatchInterrupted
from studies.progress import Progress
from studies.provenance import model_source_hash
from studies.store import DATA_TABLES, FORMAT, ResultStore, StoreError, utc_now

__all__ = ["BatchError", "BatchInterrupted", "Design", "RunSpec", "rep_seed", "run_batch"]

SEED_RULE = ("seed of replication r = SeedSequence([base_seed, r]).generate_state(1, uint64)[0] >> 1 "
             "(63 bits; the same for every scenario: common random numbers)")
MAX_REPS = 10_000_000
M_MMAP_THRESHOLD = -3   # glibc mallopt parameter
SEEDS_IN_MANIFEST = 1000   # the manifest lists the seeds of the first replications only


def parameter_source(parameters: ParameterSource | str | None = None, posterior: str | None = None,
                     seed: int = 0) -> ParameterSource:
    """The parameter source of a batch or study: ``parameters`` (default the posterior central set;
    ``"hand-set"``; ``"draws:K"``, drawn from ``seed``) of the shipped calibrated values, or of the
    posterior folder ``posterior`` or ``$STEPPE_POSTERIOR`` (checked against this model; refused when fitted
    on another)."""
    import os

    from calibration.posterior import POSTERIOR_ENV
    from model.parameter_source import ParameterSourceError, resolve

    if posterior is None:
        posterior = os.environ.get(POSTERIOR_ENV) or None      # the same rule for every command
    try:
        if posterior is None or parameters == "hand-set":
            return resolve(parameters, seed=seed)
        from calibration.posterior import PosteriorError, load_posterior

        kind = "central" if parameters is None else str(parameters)
        draws = 0
        if kind.startswith("draws:"):
            kind, draws = "draws", int(kind.split(":", 1)[1])
        try:
            return load_posterior(posterior).source(kind, draws, seed)
        except PosteriorError as exc:
            raise BatchError(str(exc)) from None
    except (ParameterSourceError, ValueError) as exc:
        raise BatchError(str(exc)) from None


def rep_seed(base_seed: int, rep: int) -> int:
    """The seed of replication ``rep``: a hash of (base seed, rep), never of the scenario."""
    state = np.random.SeedSequence([base_seed, rep]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch."""

    run_id: str
    scenario: str
    index: int      # position of the scenario in the design
    rep: int
    seed: int


@dataclass(frozen=True)
class Design:
    """Scenarios × replications, with the seed rule, scale, horizon and what to store."""

    scenarios: tuple[Scenario, ...]
    files: tuple[str, ...]
    reps: int
    base_seed: int = 0
    scale: float = 1.0
    until: int | None = None
    counties: bool = False
    posterior: dict[str, Any] | None = None              # the parameter source's record (manifest)
    parameter_sets: tuple[dict[str, float], ...] = ()    # replication r uses set r % K
    source: ParameterSource = HAND_SET                   # where the parameter values come from

    @classmethod
    def from_files(cls, paths: Sequence[str | Path], reps: int, base_seed: int = 0,
                   scale: float = 1.0, until: int | None = None, counties: bool = False,
                   posterior_draws: int = 0, posterior: str | None = None,
                   parameters: ParameterSource | str | None = None) -> Design:
        """Load and check every scenario file; names (file stems) must be unique. Parameters come
        from ``parameters`` (:mod:`model.parameter_source`: default the posterior central set;
        ``"hand-set"``; ``"draws:K"``); ``posterior_draws`` K > 0 is ``"draws:K"``: K sets drawn
        from the posterior (the shipped one unless ``posterior`` names a folder) from the base
        seed, and replication r of every scenario uses set r % K."""
        if not paths:
            raise BatchError("give at least one scenario file")
        if not 1 <= reps <= MAX_REPS:
            raise BatchError(f"--reps {reps} is out of range; allowed [1, {MAX_REPS}]")
        if not MIN_SCALE <= scale <= MAX_SCALE:
            raise BatchError(f"--scale {scale} is out of range; allowed [{MIN_SCALE}, {MAX_SCALE}]")
        if not 0 <= base_seed <= MAX_SEED:
            raise BatchError(f"--seed {base_seed} is out of range; allowed [0, {MAX_SEED}]")
        scenarios = tuple(load_scenario(p, until=until) for p in paths)
        seen: dict[str, str] = {}
        for sc, path in zip(scenarios, paths, strict=True):
            if not sc.name or "/" in sc.name or sc.name.startswith("."):
                raise BatchError(f"{path}: scenario name {sc.name!r} cannot name a run "
                                 "(no '/' and no leading '.')")
            if sc.name in seen:
                raise BatchError(f"two scenarios are named {sc.name!r} ({seen[sc.name]} and {path}); "
                                 "names must be unique within a batch")
            seen[sc.name] = str(path)
        if posterior_draws:
            parameters = f"draws:{posterior_draws}"
        source = parameter_source(parameters, posterior, base_seed)
        post = source.record()
        return cls(scenarios, tuple(str(p) for p in paths), reps, base_seed, scale, until, counties,
                   post, source.sets if source.kind == "draws" else (), source)

    def scenario_for(self, spec: RunSpec) -> Scenario:
        """The scenario of a run, with its replication's posterior parameter set if any (a value
        the scenario file sets itself wins)."""
        return self.source.apply(self.scenarios[spec.index], spec.rep)

    def parameter_set(self, spec: RunSpec) -> int:
        """The index of the value set a run uses in the manifest's ``parameters.sets`` (-1: none)."""
        return spec.rep % len(self.source.sets) if self.source.sets else -1

    def runs(self) -> list[RunSpec]:
        """Every run, scenario by scenario."""
        seeds = [rep_seed(self.base_seed, r) for r in range(self.reps)]
        return [RunSpec(f"{sc.name}/{r}", sc.name, i, r, seeds[r])
                for i, sc in enumerate(self.scenarios) for r in range(self.reps)]

    def key(self) -> dict[str, Any]:
        """What must match for a batch to resume into an existing store (``until``, the option,
        is recorded; each scenario's effective horizon is what is compared)."""
        return {
            "scenarios": [{"name": sc.name, "sha256": sc.digest, "until": sc.until, "file": _shown_file(f)}
                          for sc, f in zip(self.scenarios, self.files, strict=True)],
            "reps": self.reps, "base_seed": self.base_seed, "scale": self.scale,
            "until": self.until, "counties": self.counties, "seed_rule": SEED_RULE,
            "model_sha256": model_source_hash(), "model_version": package_version(),
            "parameters": self.source.record(),
        }


def _shown_file(path: str) -> str:
    """A scenario file as manifests record it: relative to the working folder when inside it, else
    its name (manifests hold no absolute path)."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return p.name


def stored_design(store: str | Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """A store's manifest path, manifest and design, refused unless this model version wrote it
    (only then can its runs be re-run exactly)."""
    path = Path(store) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"{path}: cannot be read as a store manifest ({exc})") from None
    design = manifest.get("design") or {}
    if design.get("model_sha256") != model_source_hash():
        raise BatchError(f"{path}: key 'design.model_sha256' is {str(design.get('model_sha256'))[:12]}, but this "
                         f"model's source hashes to {model_source_hash()[:12]}: the store's runs cannot be "
                         "re-run exactly with this model version")
    return path, manifest, design


def stored_run(store: str | Path, run_id: str) -> tuple[Scenario, int, float, str]:
    """What re-runs stored run ``run_id`` of a batch store exactly: its scenario (the stored file
    text with the run's parameter values applied), seed, scale and the parameter-source phrase."""
    from model.parameter_source import from_record
    from model.scenario import ScenarioError, parse_scenario
    from model.settings import SettingError

    path, manifest, design = stored_design(store)
    name, sep, rep_text = run_id.rpartition("/")
    texts = manifest.get("scenario_texts") or {}
    if not sep or name not in texts or not rep_text.isdigit():
        known = ", ".join(f"{n}/0" for n in texts) or "none"
        raise BatchError(f"{path}: no run {run_id!r} in this store; run ids are SCENARIO/REP (e.g. {known})")
    rep = int(rep_text)
    if rep >= int(design.get("reps", 0)):
        raise BatchError(f"{path}: run {run_id!r}: the batch has replications 0 to {int(design.get('reps', 0)) - 1}")
    entry = next(e for e in design["scenarios"] if e["name"] == name)
    import tomllib

    try:
        data = {**tomllib.loads(texts[name]), "until": entry.get("until")}
        sc = parse_scenario(texts[name], data, name, f"{path} (scenario {name})")
    except (ScenarioError, SettingError, tomllib.TOMLDecodeError) as exc:
        raise BatchError(str(exc)) from None
    record = design.get("parameters") or {"kind": "hand-set"}
    source = from_record(record)
    seed = rep_seed(int(design["base_seed"]), rep)
    return source.apply(sc, rep), seed, float(design["scale"]), source.describe()


# -- the unit of work ------------------------------------------------------------------------
def _with_ids(frame: pd.DataFrame, ids: dict[str, Any]) -> pd.DataFrame:
    head = pd.DataFrame({k: [v] * len(frame) for k, v in ids.items()}, index=frame.index)
    head = head.astype({"rep": "int64", "seed": "int64"})
    return pd.concat([head, frame], axis=1)


def targets_frame(targets: dict[str, dict[str, Any]], ids: dict[str, Any]) -> pd.DataFrame:
    """One row per target: value, target, met (null when not evaluated), gap and details."""
    rows = [{"target": tid, "label_en": t["label_en"], "label_zh": t["label_zh"], "unit": t["unit"],
             "value": np.nan if t["value"] is None else float(t["value"]),
             "target_value": float(t["target"]), "met": t["met"],
             "gap": np.nan if t["gap"] is None else float(t["gap"]),
             "evaluated_at": t["evaluated_at"],
             "detail": json.dumps(t["detail"], sort_keys=True, ensure_ascii=False)}
            for tid, t in targets.items()]
    frame = pd.DataFrame(rows)
    frame["met"] = pd.array(frame["met"].tolist(), dtype="boolean")
    return _with_ids(frame, ids)


@cache
def _undo_fixed_mmap_threshold() -> None:
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which also freezes glibc's
    mmap threshold at 128 KiB: every array of the model above that size is then mapped and
    unmapped afresh, and a run takes twice as long (measured 1.13 s against 0.54 s). Raising the
    mmap threshold restores the speed and leaves the trimming Dask asked for in place."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 16 * 2**20)


def run_one(scenario: Scenario, spec: RunSpec, scale: float, counties: bool, parameter_set: int = -1,
            source: str = "as given") -> dict[str, Any]:
    """Simulate one run of a scenario whose parameters are final (the source already applied) and
    return its tables (plain DataFrames, pickled back to the client). ``parameter_set`` (the index
    of the run's value set in the manifest, -1 for none) and ``source`` are recorded."""
    _undo_fixed_mmap_threshold()
    start = time.perf_counter()
    result = run_scenario(scenario, seed=spec.seed, scale=scale, parameter_source=source)
    ids = {"run_id": spec.run_id, "scenario": spec.scenario, "rep": spec.rep, "seed": spec.seed}
    return {
        "league": _with_ids(result.league, ids),
        "targets": targets_frame(result.targets, ids),
        "costs": _with_ids(result.levers_cost, ids),
        "counties": _with_ids(result.counties, ids) if counties else None,
        "run": {**ids, "scenario_sha256": scenario.digest, "model_sha256": model_source_hash(),
                "parameter_set": parameter_set, "parameter_source": source,
                "wall_s": time.perf_counter() - start,
                "worker": f"{socket.gethostname()}:{os.getpid()}", "finished_at": utc_now()},
    }


# -- provenance ------------------------------------------------------------------------------
def git_commit() -> tuple[str | None, bool | None]:
    """The commit of the source tree the model is imported from, and whether it has edits."""
    repo = Path(model.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(dirty)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("digital-steppe")
    except PackageNotFoundError:
        return model.__version__


def _provenance() -> dict[str, Any]:
    commit, dirty = git_commit()
    import mesa

    return {"package_version": package_version(), "git_commit": commit, "git_dirty": dirty,
            "python": platform.python_version(), "platform": platform.platform(),
            "host": socket.gethostname(), "numpy": np.__version__, "pandas": pd.__version__,
            "mesa": mesa.__version__}


def new_manifest(design: Design) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "design": design.key(),
        "seed_rule": SEED_RULE,
        "seeds": [rep_seed(design.base_seed, r) for r in range(min(design.reps, SEEDS_IN_MANIFEST))],
        "seeds_listed": f"replications 0 to {min(design.reps, SEEDS_IN_MANIFEST) - 1} of "
                        f"{design.reps}; the others follow the seed rule",
        "scenario_texts": {sc.name: sc.source_text for sc in design.scenarios},
        "scenario_descriptions": {sc.name: sc.description for sc in design.scenarios},
        "runs_total": len(design.scenarios) * design.reps,
        "created": utc_now(), "completed": None,
        **_provenance(),
        "sessions": [],
    }


# -- the batch -------------------------------------------------------------------------------
@dataclass
class BatchSummary:
    out: Path
    total: int
    skipped: int
    new: int
    wall_s: float
    engine: str
    stored: int

    @property
    def runs_per_s(self) -> float:
        return self.new / self.wall_s if self.wall_s > 0 else float("nan")

    def text(self) -> str:
        head = (f"{self.new} new run(s) in {self.wall_s:.1f} s ({self.runs_per_s:.2f} runs/s, "
                f"{self.engine})" if self.new else "no run left to compute")
        return (f"{head}; {self.skipped} already stored were skipped; {self.out} holds "
                f"{self.stored} of {self.total} runs")


def _hint(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "BrokenProcessPool":
        return " (a worker process died, perhaps out of memory; try fewer --workers)"
    if name == "KilledWorker":
        return " (Dask workers died running it repeatedly, perhaps out of memory)"
    if name in ("CancelledError", "FutureCancelledError"):
        return " (the connection to the Dask scheduler was lost)"
    return ""


class _RunFailed(Exception):
    def __init__(self, spec: RunSpec, exc: BaseException) -> None:
        super().__init__(spec.run_id)
        self.spec, self.exc = spec, exc


def _frames(results: list[dict[str, Any]], session: int) -> dict[str, pd.DataFrame]:
    out = {t: pd.concat([r[t] for r in results], ignore_index=True)
           for t in DATA_TABLES if results[0][t] is not None}
    runs = pd.DataFrame([r["run"] for r in results]).astype({"rep": "int64", "seed": "int64"})
    out["runs"] = runs.assign(session=session)
    return out


class _Sink:
    """Collects finished runs and commits them as a part every ``runs`` runs or ``seconds``."""

    def __init__(self, store: ResultStore, session: int, runs: int, seconds: float,
                 bar: Progress) -> None:
        self.store, self.session, self.runs, self.seconds, self.bar = store, session, runs, seconds, bar
        self.buffer: list[dict[str, Any]] = []
        self.stored = 0
        self.last = time.monotonic()

    def add(self, result: dict[str, Any]) -> None:
        self.buffer.append(result)
        self.bar.update()

    def tick(self) -> None:
        if self.buffer and (len(self.buffer) >= self.runs
                            or time.monotonic() - self.last >= self.seconds):
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.store.write_part(_frames(self.buffer, self.session))
            self.stored += len(self.buffer)
            self.buffer = []
        self.last = time.monotonic()


def _drive(engine: SerialEngine | PoolEngine | DaskEngine, design: Design, todo: list[RunSpec],
           sink: _Sink) -> None:
    """Keep the engine busy with ``todo`` (a bounded number in flight), results to ``sink``."""
    pending: dict[Any, RunSpec] = {}
    model_hash = design.key()["model_sha256"]
    queue: Iterator[RunSpec] = iter(todo)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < engine.capacity():
                spec = next(queue, None)
                if spec is None:
                    exhausted = True
                    break
                pending[engine.submit(run_one, design.scenario_for(spec), spec, design.scale,
                                      design.counties, design.parameter_set(spec),
                                      design.source.describe())] = spec
            if not pending:
                return
            done, _ = engine.wait(set(pending), timeout=1.0)
            _collect(done, pending, sink, model_hash)
            sink.tick()
    except KeyboardInterrupt:   # keep the runs that finished before the signal
        _collect([f for f in list(pending) if f.done() and not f.cancelled()], pending, sink,
                 model_hash)
        raise


def _collect(done: Iterable[Any], pending: dict[Any, RunSpec], sink: _Sink, model_hash: str) -> None:
    """Give every successful result of ``done`` to the sink, then raise the first failure."""
    failure: BaseException | None = None
    for fut in done:
        spec = pending.pop(fut)
        try:
            result = fut.result()
        except Exception as exc:
            failure = failure or _RunFailed(spec, exc)
            continue
        got = result["run"].get("model_sha256")
        if got != model_hash:
            failure = failure or BatchError(
                f"run {spec.run_id} came back from worker {result['run'].get('worker')} whose model "
                f"code has sha256 {str(got)[:12]}, not this driver's {model_hash[:12]}: the workers "
                "import another checkout or version of the model. Install the same one everywhere "
                "and run the same command again (the runs stored so far are kept)")
            continue
        sink.add(result)
    if failure is not None:
        raise failure


def run_batch(design: Design, out: str | Path, *, workers: int | None = None,
              dask_address: str | None = None, dask_local: int | None = None,
              dask_timeout: float = 10.0, progress: bool | None = None, flush_runs: int = 200,
              flush_seconds: float = 10.0, argv: list[str] | None = None) -> BatchSummary:
    """Run every run of ``design`` not yet in the store at ``out`` and store it there.

    Finished runs are committed every ``flush_runs`` runs or ``flush_seconds`` seconds, and at
    the end; Ctrl-C stores what has finished and raises :class:`BatchInterrupted`."""
    out = Path(out)
    start = time.monotonic()
    specs = design.runs()
    ids = {s.run_id for s in specs}
    engine = None
    if not ids <= ResultStore.peek(out, design.key()):
        engine = make_engine(workers, dask_address, dask_local, dask_timeout)
    try:
        store = ResultStore.create_or_resume(out, design.key(), new_manifest(design),
                                             {sc.name: sc.source_text for sc in design.scenarios})
    except BaseException:
        if engine is not None:
            engine.close(cancel=True)
        raise
    with store:
        stored = store.scan(check_files=False).run_ids
        todo = [s for s in specs if s.run_id not in stored]
        skipped = len(specs) - len(todo)
        if not todo:
            if engine is not None:
                engine.close()
            _finish_manifest(store, None, "completed", 0, skipped, len(specs))
            return BatchSummary(out, len(specs), skipped, 0, 0.0, "none", skipped)
        if engine is None:   # the store changed between peek and lock: another batch wrote
            raise StoreError(f"{out}: the store changed while it was being opened; run the same "
                             "command again")
        bar = Progress(len(todo), f"{out.name}", progress)
        session = None
        sink = _Sink(store, 0, flush_runs, flush_seconds, bar)
        status, error = "failed", None
        try:
            session = sink.session = _start_session(store, engine.label, skipped, argv)
            _drive(engine, design, todo, sink)
            sink.flush()
            status = "completed"
        except KeyboardInterrupt:
            status = "interrupted"
            sink.flush()
        except StoreError:
            raise
        except _RunFailed as exc:
            sink.flush()
            until = f" --until {design.until}" if design.until is not None else ""
            error = BatchError(f"run {exc.spec.run_id} (seed {exc.spec.seed}) failed: "
                               f"{type(exc.exc).__name__}: {exc.exc}{_hint(exc.exc)}. The "
                               f"{sink.stored + skipped} runs finished so far are stored; run the "
                               "same command again to retry, or reproduce this run alone (same "
                               f"scenario, seed, scale{' and horizon' if until else ''} and parameter values, "
                               f"{design.source.describe()}) with `steppe run --from-store {out} "
                               f"{exc.spec.run_id}`")
        except Exception:
            with contextlib.suppress(StoreError):
                sink.flush()
            raise
        finally:
            bar.close()
            with contextlib.suppress(Exception):
                engine.close(cancel=status != "completed")
            wall = time.monotonic() - start
            new = sink.stored
            have = skipped + new
            try:
                if session is not None:
                    _finish_manifest(store, session, status, new, skipped, len(specs))
            except StoreError:
                if status == "completed":
                    raise
        summary = BatchSummary(out, len(specs), skipped, new, wall, engine.label, have)
        if error is not None:
            raise error
        if status == "interrupted":
            raise BatchInterrupted(f"interrupted: {summary.text()}. Run the same command again "
                                   f"to compute the remaining {len(specs) - have} run(s).")
        return summary


def _start_session(store: ResultStore, label: str, skipped: int, argv: list[str] | None) -> int:
    m = store.manifest()
    prov = _provenance()
    if m.get("git_commit") and prov["git_commit"] and m["git_commit"] != prov["git_commit"]:
        print(f"warning: this store was started at git commit {m['git_commit'][:12]}; this "
              f"session runs {prov['git_commit'][:12]}. Runs of both may differ if the model "
              "changed in between.", file=sys.stderr)
    m["sessions"].append({"started": utc_now(), "ended": None, "status": "running",
                          "engine": label, "runs_new": 0, "runs_skipped": skipped,
                          "pid": os.getpid(), "argv": argv, **prov})
    store.write_manifest(m)
    return len(m["sessions"])


def _finish_manifest(store: ResultStore, session: int | None, status: str, new: int, skipped: int,
                     total: int) -> None:
    m = store.manifest()
    if session is not None:
        s = m["sessions"][session - 1]
        s.update(ended=utc_now(), status=status, runs_new=new)
    if skipped + new == total and not m.get("completed"):
        m["completed"] = utc_now()
    store.write_manifest(m)
