"""Scenario batches: every scenario × replication, on a local process pool or a Dask cluster.

Replication ``r`` of every scenario runs with the seed :func:`rep_seed` ``(base_seed, r)``,
which never depends on the scenario. The model spawns all its random streams from that seed
and draws a fixed amount from each every month, so replication ``r`` of two scenarios shares its
random numbers (common random numbers): identical levers give identical runs, and the
difference between two scenarios in one replication is the effect of their levers, not noise.
A run is deterministic in (scenario, seed, scale), so the results do not depend on the executor
or the number of workers. Results go to a :class:`model.store.ResultStore`, which a batch
started again with the same command resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import model
from model.model import MAX_SCALE, MAX_SEED, MIN_SCALE
from model.run import simulate
from model.scenario import MAX_UNTIL, MIN_UNTIL, Scenario, ScenarioError, load_scenario
from model.store import DATA_TABLES, FORMAT, ResultStore, StoreError, utc_now

SEED_RULE = ("seed of replication r = SeedSequence([base_seed, r]).generate_state(1, uint64)[0] >> 1 "
             "(63 bits; the same for every scenario: common random numbers)")
MAX_REPS = 10_000_000
M_MMAP_THRESHOLD = -3   # glibc mallopt parameter
SEEDS_IN_MANIFEST = 1000   # the manifest lists the seeds of the first replications only
# Modules of the batch tooling itself: not part of the model hash (they do not change results).
NOT_HASHED = {"batch.py", "store.py", "compare.py", "cli.py"}


class BatchError(Exception):
    """Bad input, or an executor that cannot be used; the message says what to do."""


class BatchInterrupted(Exception):
    """Stopped by Ctrl-C or SIGTERM after storing every finished run."""


@cache
def model_source_hash() -> str:
    """sha256 over the sorted ``model/*.py`` files of the imported ``model`` package (names and
    contents), without the batch tooling: two processes with the same hash run the same model."""
    h = hashlib.sha256()
    for path in sorted(Path(model.__file__).resolve().parent.glob("*.py")):
        if path.name not in NOT_HASHED:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


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

    @classmethod
    def from_files(cls, paths: Sequence[str | Path], reps: int, base_seed: int = 0,
                   scale: float = 1.0, until: int | None = None, counties: bool = False) -> Design:
        """Load and check every scenario file; names (file stems) must be unique."""
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
        return cls(scenarios, tuple(str(p) for p in paths), reps, base_seed, scale, until, counties)

    def runs(self) -> list[RunSpec]:
        """Every run, scenario by scenario."""
        seeds = [rep_seed(self.base_seed, r) for r in range(self.reps)]
        return [RunSpec(f"{sc.name}/{r}", sc.name, i, r, seeds[r])
                for i, sc in enumerate(self.scenarios) for r in range(self.reps)]

    def key(self) -> dict[str, Any]:
        """What must match for a batch to resume into an existing store (``until``, the option,
        is recorded; each scenario's effective horizon is what is compared)."""
        return {
            "scenarios": [{"name": sc.name, "sha256": sc.digest, "until": sc.until, "file": f}
                          for sc, f in zip(self.scenarios, self.files, strict=True)],
            "reps": self.reps, "base_seed": self.base_seed, "scale": self.scale,
            "until": self.until, "counties": self.counties, "seed_rule": SEED_RULE,
            "model_sha256": model_source_hash(), "model_version": package_version(),
        }


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


def run_one(scenario: Scenario, spec: RunSpec, scale: float, counties: bool) -> dict[str, Any]:
    """Simulate one run and return its tables (plain DataFrames, pickled back to the client)."""
    _undo_fixed_mmap_threshold()
    start = time.perf_counter()
    result = simulate(scenario, seed=spec.seed, scale=scale)
    ids = {"run_id": spec.run_id, "scenario": spec.scenario, "rep": spec.rep, "seed": spec.seed}
    return {
        "league": _with_ids(result.league, ids),
        "targets": targets_frame(result.targets, ids),
        "costs": _with_ids(result.levers_cost, ids),
        "counties": _with_ids(result.counties, ids) if counties else None,
        "run": {**ids, "scenario_sha256": scenario.digest, "model_sha256": model_source_hash(),
                "wall_s": time.perf_counter() - start,
                "worker": f"{socket.gethostname()}:{os.getpid()}", "finished_at": utc_now()},
    }


# -- executors -------------------------------------------------------------------------------
def default_workers() -> int:
    """CPU cores this process may use (respects affinity masks set by SLURM or taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _worker_init() -> None:
    """Workers ignore Ctrl-C and SIGTERM sent to the whole process group: the driver stores
    what has finished and then ends them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class SerialEngine:
    """Runs in this process, one at a time (``--workers 1``)."""

    label = "in-process, 1 worker"
    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        return set(pending), set()

    def capacity(self) -> int:
        return 1

    def close(self, cancel: bool = False) -> None:
        pass


class PoolEngine:
    """A local process pool (forkserver where available, else spawn)."""

    def __init__(self, workers: int) -> None:
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["model.batch"])
        self.workers = workers
        self.label = f"local process pool, {workers} workers"
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        done, rest = futures_wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def capacity(self) -> int:
        return 2 * self.workers

    def close(self, cancel: bool = False) -> None:
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        procs = list((getattr(self.pool, "_processes", None) or {}).values())
        with contextlib.suppress(Exception):
            self.pool.shutdown(wait=False, cancel_futures=True)
        # Runs in progress are not waited for: they are recomputed next time. The workers ignore
        # SIGTERM, hence SIGKILL, sent by pid: when a SIGTERM to the process group has ended the
        # forkserver, multiprocessing believes its children dead and Process.kill() does nothing.
        for proc in procs:
            with contextlib.suppress(Exception):
                if proc.pid is not None:
                    os.kill(proc.pid, signal.SIGKILL)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)


class DaskEngine:
    """A ``dask.distributed`` client: a scheduler at ``address`` or a new loopback LocalCluster."""

    def __init__(self, address: str | None = None, local_workers: int | None = None,
                 timeout: float = 10.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchError("Dask is not installed; pip install 'dask[distributed]'") from None
        self.cluster = None
        if local_workers:
            try:
                self.cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                            processes=True, host="127.0.0.1",
                                            dashboard_address="127.0.0.1:0",
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster, set_as_default=False)
            except Exception as exc:
                if self.cluster is not None:
                    with contextlib.suppress(Exception):
                        self.cluster.close()
                raise BatchError(f"cannot start a Dask LocalCluster of {local_workers} workers "
                                 f"({type(exc).__name__}: {exc}); try --workers instead") from None
            self.label = f"Dask LocalCluster, {local_workers} workers"
        else:
            try:
                self.client = Client(address, timeout=timeout, set_as_default=False)
            except Exception as exc:
                raise BatchError(
                    f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                    f"({type(exc).__name__}: {exc}); check the address (e.g. tcp://host:8786) and "
                    "that `dask scheduler` is running and reachable from here") from None
            self.label = f"Dask scheduler {address}"
        self._threads, self._checked = 0, 0.0

    @property
    def workers(self) -> int:
        now = time.monotonic()
        if now - self._checked > 2.0:
            self._threads = sum(self.client.nthreads().values())
            self._checked = now
        return self._threads

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        from distributed import wait

        try:
            with self.client.as_current():
                done, rest = wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set(), set(pending)
        except (OSError, CancelledError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BatchError(f"lost the connection to the Dask scheduler ({reason}); the runs "
                             "finished so far are stored: run the same command again once it is "
                             "back") from exc
        return set(done), set(rest)

    def capacity(self) -> int:
        return max(8, 2 * self.workers)

    def close(self, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_engine(workers: int | None = None, dask_address: str | None = None,
                dask_local: int | None = None, dask_timeout: float = 10.0
                ) -> SerialEngine | PoolEngine | DaskEngine:
    """The executor asked for: Dask if given an address or a local worker count, else a pool."""
    if dask_address and dask_local:
        raise BatchError("give either --dask ADDRESS or --dask-local N, not both")
    if dask_address or dask_local:
        if workers:
            raise BatchError("--workers sets the local pool; with Dask the cluster sets the workers")
        return DaskEngine(dask_address, dask_local, dask_timeout)
    n = workers or default_workers()
    return SerialEngine() if n == 1 else PoolEngine(n)


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


# -- progress --------------------------------------------------------------------------------
class Progress:
    """A tqdm bar on a terminal; elsewhere (batch jobs) a log line every ``every`` seconds."""

    def __init__(self, total: int, desc: str, enabled: bool | None, every: float = 30.0) -> None:
        self.total, self.done, self.start = total, 0, time.monotonic()
        tty = sys.stderr.isatty()
        self.bar = None
        self.log = False
        if enabled is not False and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr, smoothing=0.05,
                            dynamic_ncols=True)
        elif enabled is not False:
            self.log, self.every, self.last = True, every, self.start

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.log and time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            rate = self.done / max(self.last - self.start, 1e-9)
            left = (self.total - self.done) / rate if rate > 0 else float("nan")
            print(f"{self.done}/{self.total} runs, {rate:.2f} runs/s, about {_duration(left)} left",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


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
                pending[engine.submit(run_one, design.scenarios[spec.index], spec, design.scale,
                                      design.counties)] = spec
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
                               "same command again to retry, or reproduce this run alone with "
                               f"`steppe run {design.files[exc.spec.index]} --seed {exc.spec.seed} "
                               f"--scale {design.scale:g}{until}`")
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


# -- command line ----------------------------------------------------------------------------
def _handle_errors(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (BatchError, StoreError, ScenarioError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except BatchInterrupted as exc:
            print(str(exc), file=sys.stderr)
            return 130
        except KeyboardInterrupt:
            print("interrupted before any run was stored", file=sys.stderr)
            return 130
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@_handle_errors
def cmd_batch(args: argparse.Namespace) -> int:
    design = Design.from_files(args.scenarios, args.reps, args.seed, args.scale, args.until,
                               args.counties)
    print(f"batch: {len(design.scenarios)} scenario(s) × {design.reps} replication(s) = "
          f"{len(design.scenarios) * design.reps} runs, base seed {design.base_seed}, scale "
          f"{design.scale:g} -> {args.out}", file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        summary = run_batch(design, args.out, workers=args.workers, dask_address=args.dask,
                            dask_local=args.dask_local, dask_timeout=args.dask_timeout,
                            progress=False if args.no_progress else None,
                            flush_runs=args.flush_runs, flush_seconds=args.flush_seconds,
                            argv=sys.argv)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(summary.text(), file=sys.stderr)
    print(f"compare the scenarios with: steppe compare {args.out}", file=sys.stderr)
    return 0


@_handle_errors
def cmd_compare(args: argparse.Namespace) -> int:
    from model.compare import write_report

    report = write_report(args.dir, args.out, baseline=args.baseline)
    print(report.table_text)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"\n{len(report.files)} files in {report.folder}", file=sys.stderr)
    return 0


@_handle_errors
def cmd_store_check(args: argparse.Namespace) -> int:
    store = ResultStore.open(args.dir)
    if args.set_aside:
        store.lock()      # before scanning, so that no batch commits a part in between
    try:
        return _store_check(store, args)
    finally:
        store.close()


def _store_check(store: ResultStore, args: argparse.Namespace) -> int:
    state = store.scan(check_files=True, hashes=True, full=True)
    total = store.manifest().get("runs_total")
    print(f"{args.dir}: {len(state.run_ids)} of {total} runs stored in {len(state.committed)} parts")
    if state.uncommitted:
        print(f"{len(state.uncommitted)} part(s) without a run index (interrupted writes, or a batch "
              "writing now)")
    for p in state.problems:
        print(f"problem: {p}")
    bad = set(state.damaged_parts) | (set(state.uncommitted) if args.set_aside else set())
    if args.set_aside and bad:
        moved = store.set_aside(bad)
        print(f"moved {len(moved)} file(s) to {store.root / '_set_aside'}; repeat the batch command "
              "to recompute their runs")
        return 0
    return 1 if state.problems else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``batch``, ``compare`` and ``store-check`` with the ``steppe`` command."""
    from model.cli import _bounded

    b = sub.add_parser("batch", help="run scenarios × replications into a resumable result store",
                       description="Run every scenario × replication and store the results as "
                       "Parquet in --out. Started again with the same command, a batch finishes "
                       "the runs not yet stored. See docs/BATCH.md.")
    b.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files")
    b.add_argument("--reps", type=_bounded(int, 1, MAX_REPS, "--reps"), required=True,
                   help="replications per scenario (run r of every scenario uses the same seed)")
    b.add_argument("--out", required=True, help="result store folder (new, or the same design to resume)")
    b.add_argument("--seed", type=_bounded(int, 0, MAX_SEED, "--seed"), default=0,
                   help="base seed; replication r runs with a hash of (seed, r)")
    b.add_argument("--scale", type=_bounded(float, MIN_SCALE, MAX_SCALE, "--scale"), default=1.0,
                   help="agents per household or firm (0.1: one agent per ten)")
    b.add_argument("--until", type=_bounded(int, MIN_UNTIL, MAX_UNTIL, "--until"), default=None,
                   help="last simulated year for every scenario (default: each scenario's)")
    b.add_argument("--counties", action="store_true", help="also store one row per county and month")
    ex = b.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=_bounded(int, 1, 4096, "--workers"), default=None,
                    help=f"local worker processes (default: all cores, here {default_workers()})")
    ex.add_argument("--dask", metavar="ADDRESS", default=None,
                    help="run on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786)")
    ex.add_argument("--dask-local", type=_bounded(int, 1, 4096, "--dask-local"), metavar="N",
                    default=None, help="start a Dask LocalCluster of N worker processes on loopback")
    b.add_argument("--dask-timeout", type=_bounded(float, 0.1, 3600, "--dask-timeout"), default=10.0,
                   help="seconds to wait for the scheduler (default 10)")
    b.add_argument("--flush-runs", type=_bounded(int, 1, 10**6, "--flush-runs"), default=200,
                   help="store finished runs at least every this many runs (default 200)")
    b.add_argument("--flush-seconds", type=_bounded(float, 0.0, 86400, "--flush-seconds"),
                   default=10.0, help="... and at least every this many seconds (default 10)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    b.set_defaults(func=cmd_batch)

    c = sub.add_parser("compare", help="compare the scenarios of a batch: target probabilities, "
                       "intervals, costs, fan charts")
    c.add_argument("dir", help="result store of `steppe batch`")
    c.add_argument("--out", default=None, help="report folder (default DIR/report)")
    c.add_argument("--baseline", default="baseline",
                   help="scenario the differences are taken from (default baseline)")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser("store-check", help="check a result store; --set-aside moves damaged parts")
    s.add_argument("dir", help="result store of `steppe batch`")
    s.add_argument("--set-aside", action="store_true",
                   help="move damaged or uncommitted parts to DIR/_set_aside (their runs are "
                   "recomputed by the next batch)")
    s.set_defaults(func=cmd_store_check)
