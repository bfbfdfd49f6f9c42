"""Running comparisons in the background, with a cache of single runs.

A comparison is packages × replications; replication ``r`` of every package runs with
``studies.batch.rep_seed(base_seed, r)`` and, when the request carries posterior draws, with
parameter set ``r mod K`` (common random numbers and common parameters; see :mod:`app.posterior`).
With ``futures = L`` ≥ 1 every package also runs in L futures: a Latin hypercube over the deep
uncertainties' ranges drawn from the base seed (:func:`studies.deep.latin_futures`, the same
generator as ``steppe robustness``); future f, replication r is the same parameter set and seed for
every package. These runs are kept apart from the central ones (``Job.future_runs``) and never
pooled with them.
Each run is cached under (run key of its scenario content including the parameters applied, seed,
scale), so an identical request is served from the cache,
renaming a package costs nothing, and changing one lever of one package recomputes that
package's runs only. Runs execute on :mod:`studies.engines` (a local process pool, or in process
with one worker) through :func:`studies.batch.run_one`, in a background thread that reports
progress; the page polls :class:`Job` and never waits on it.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from app.packages import Package, run_key, to_scenario
from app.posterior import PRIORS, Parameters
from model.scenario import Scenario
from studies.batch import RunSpec, rep_seed, run_one
from studies.engines import PoolEngine, SerialEngine, default_workers

MAX_CACHED_RUNS = 4000
LEAGUE_COLUMNS = ("date", "year", "data_industry_cny_per_year", "datasets", "data_products_listed", "cases",
                  "compute_capacity_p", "green_share_new", "pilots_operating", "chain_links",
                  "herder_platform_share", "firm_adoption_share", "public_cost_cny_cum")
COUNTY_COLUMNS = ("date", "county_id", "name_zh", "herder_platform_share", "firm_adoption_share",
                  "digital_index")


def _compact(result: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """What the app keeps of a run: monthly league series it plots, targets, costs, and the
    counties at the last month."""
    cty = result["counties"]
    last = cty[cty["date"] == cty["date"].max()]
    keep = ["run_id", "scenario", "rep", "seed"]
    return {"league": result["league"][[*keep, *LEAGUE_COLUMNS]].reset_index(drop=True),
            "targets": result["targets"], "costs": result["costs"],
            "counties": last[[*keep, *COUNTY_COLUMNS]].reset_index(drop=True)}


@dataclass
class Request:
    """Packages (display order), replications, scale, base seed, parameter sets (default: the
    hand-set priors; the page and ``steppe report`` pass posterior draws) and the number of
    futures across the deep uncertainties (0: none, the deep uncertainties at their central values)."""

    packages: tuple[Package, ...]
    reps: int
    scale: float
    base_seed: int = 0
    parameters: Parameters = PRIORS
    futures: int = 0

    def future_values(self) -> list[dict[str, Any]]:
        """The deep uncertainties' values of each future (empty when ``futures`` is 0)."""
        if not self.futures:
            return []
        from studies.deep import latin_futures

        return latin_futures(self.futures, self.base_seed).drop(columns="lhs").to_dict("records")

    def scenarios(self) -> list[Scenario]:
        return [to_scenario(p) for p in self.packages]

    def scenario(self, sc: Scenario, rep: int) -> Scenario:
        """``sc`` as replication ``rep`` runs it: with parameter set ``rep mod K`` where the package
        leaves a parameter at its hand-set default."""
        sets = self.parameters.sets
        if not sets:
            return sc
        from calibration.space import apply_unless_set

        return apply_unless_set(sc, sets[rep % len(sets)])

    def in_future(self, sc: Scenario, rep: int, values: dict[str, Any]) -> Scenario:
        """``sc`` as replication ``rep`` runs it in the future with these deep-uncertainty values
        (a value the package's file sets itself wins, as for the posterior's sets)."""
        from calibration.space import apply_unless_set

        return apply_unless_set(self.scenario(sc, rep), values)

    def runs(self) -> int:
        """Simulations the request needs: packages × replications × (1 + futures)."""
        return len(self.packages) * self.reps * (1 + self.futures)

    def seeds(self) -> list[int]:
        return [rep_seed(self.base_seed, r) for r in range(self.reps)]


@dataclass
class Job:
    """One request being computed; read by the page while it runs."""

    id: int
    request: Request
    total: int = 0
    done: int = 0
    cached: int = 0
    new: int = 0
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0
    finished: bool = False
    error: str | None = None
    runs: list[list[dict[str, pd.DataFrame]]] | None = None   # [package][rep]: the central values
    future_runs: list[list[list[dict[str, pd.DataFrame]]]] | None = None   # [package][future][rep]
    running: bool = False    # False while it waits behind other jobs
    preview: bool = False    # a quick look (few replications, small scale) before the full result

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else self.done / self.total


class RunService:
    """The cache of runs and the background worker; one per app process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._engine: SerialEngine | PoolEngine | None = None
        self._cache: OrderedDict[tuple[str, int, float], dict[str, pd.DataFrame]] = OrderedDict()
        self._lock = threading.Lock()          # the cache
        self._run_lock = threading.Lock()      # one job computes at a time
        self._ids = itertools.count(1)
        self.jobs: dict[int, Job] = {}
        self._tasks: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._waiting: list[int] = []          # ids of submitted jobs not yet started, in order

    # -- the one long-lived thread that owns the worker pool ------------------------------------
    # The pool's processes die with the thread that started them (studies.engines sets
    # PR_SET_PDEATHSIG), so every use of the pool from the page goes through this thread, which
    # lives as long as the app; the page's own threads end after each rerun.
    def _in_thread(self, fn: Any, *args: Any) -> Future:
        fut: Future = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="steppe-runs", daemon=True)
                self._thread.start()
        self._tasks.put((fut, fn, args))
        return fut

    def _loop(self) -> None:
        while True:
            fut, fn, args = self._tasks.get()
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:   # handed to whoever waits on the future
                fut.set_exception(exc)

    # -- cache ------------------------------------------------------------------------------
    def cached(self, key: tuple[str, int, float]) -> dict[str, pd.DataFrame] | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _store(self, key: tuple[str, int, float], run: dict[str, pd.DataFrame]) -> None:
        with self._lock:
            self._cache[key] = run
            while len(self._cache) > MAX_CACHED_RUNS:
                self._cache.popitem(last=False)

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    # -- jobs -------------------------------------------------------------------------------
    def submit(self, request: Request, preview: bool = False) -> Job:
        """Start computing ``request`` in the background; returns at once. Jobs run one after
        another, in the order submitted."""
        job = Job(next(self._ids), request, preview=preview)
        self.jobs[job.id] = job
        with self._lock:
            self._waiting.append(job.id)
        self._in_thread(self._work, job)
        return job

    def ahead(self, job: Job) -> int:
        """How many jobs run or wait before ``job`` (0 once it runs)."""
        if job.running or job.finished:
            return 0
        with self._lock:
            waiting = list(self._waiting)
        before = waiting.index(job.id) if job.id in waiting else 0
        busy = any(j.running and not j.finished for j in list(self.jobs.values()))
        return before + (1 if busy else 0)

    def run(self, request: Request) -> Job:
        """Compute ``request`` in this thread (the command line)."""
        job = Job(next(self._ids), request)
        self._work(job)
        if job.error:
            raise RuntimeError(job.error)
        return job

    def warm(self) -> None:
        """Start the worker processes now (in the background), so that the first request does
        not pay for their start-up and imports."""
        if self.workers > 1:
            def start() -> None:
                with self._run_lock:
                    engine = self._engine_for(self.workers)
                    from app.drawing import warm_up

                    for fut in [engine.submit(warm_up) for _ in range(self.workers)]:
                        fut.result()
            self._in_thread(start)

    def map_in_pool(self, fn: Any, args: list[tuple]) -> list[Any]:
        """``fn(*a)`` for each ``a``, on the worker processes when there are several, in order."""
        if self.workers == 1 or len(args) == 1:
            return [fn(*a) for a in args]

        def in_pool() -> list[Any]:
            with self._run_lock:
                engine = self._engine_for(len(args))
                futures = [engine.submit(fn, *a) for a in args]
                return [f.result() for f in futures]
        return self._in_thread(in_pool).result()

    def _engine_for(self, n: int) -> SerialEngine | PoolEngine:
        if self.workers == 1 or n == 1:
            return SerialEngine()
        if self._engine is None:
            self._engine = PoolEngine(self.workers)
        return self._engine

    def _work(self, job: Job) -> None:
        try:
            with self._run_lock:
                with self._lock:
                    if job.id in self._waiting:
                        self._waiting.remove(job.id)
                job.running = True
                job.started = time.perf_counter()
                self._compute(job)
        except Exception as exc:   # shown to the user as one line; the page never sees a traceback
            traceback.print_exc()
            job.error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                if job.id in self._waiting:
                    self._waiting.remove(job.id)
            job.seconds = time.perf_counter() - job.started
            job.finished = True
            job.running = False

    def _compute(self, job: Job) -> None:
        req = job.request
        scenarios = req.scenarios()
        seeds = req.seeds()
        runs = [[req.scenario(sc, rep) for rep in range(req.reps)] for sc in scenarios]
        keys = [[(run_key(s), seed, float(req.scale)) for s, seed in zip(row, seeds, strict=True)]
                for row in runs]
        futures = req.future_values()
        fruns = [[[req.in_future(sc, rep, values) for rep in range(req.reps)] for values in futures]
                 for sc in scenarios]
        fkeys = [[[(run_key(s), seed, float(req.scale)) for s, seed in zip(row, seeds, strict=True)]
                  for row in per_pkg] for per_pkg in fruns]
        todo: dict[tuple[str, int, float], tuple[Scenario, int, int]] = {}
        flat = [(srow, row) for srow, row in zip(runs, keys, strict=True)]
        flat += [(srow, row) for sp, kp in zip(fruns, fkeys, strict=True) for srow, row in zip(sp, kp, strict=True)]
        for srow, row in flat:
            for rep, (sc, key) in enumerate(zip(srow, row, strict=True)):
                if key not in todo and self.cached(key) is None:
                    todo[key] = (sc, rep, key[1])
        job.total = len(todo)
        job.cached = sum(len(r) for _, r in flat) - len(todo)
        if todo:
            engine = self._engine_for(len(todo))
            pending: dict[Any, tuple[str, int, float]] = {}
            queue = iter(todo.items())
            exhausted = False
            while True:
                while not exhausted and len(pending) < engine.capacity():
                    item = next(queue, None)
                    if item is None:
                        exhausted = True
                        break
                    key, (sc, rep, seed) = item
                    spec = RunSpec(f"{key[0][:12]}/{rep}", key[0][:12], 0, rep, seed)
                    pending[engine.submit(run_one, sc, spec, req.scale, True)] = key
                if not pending:
                    break
                done, _ = engine.wait(set(pending), timeout=0.5)
                for fut in done:
                    key = pending.pop(fut)
                    self._store(key, _compact(fut.result()))
                    job.done += 1
                    job.new += 1
        job.runs = [[self._must(k) for k in row] for row in keys]
        job.future_runs = [[[self._must(k) for k in row] for row in kp] for kp in fkeys] if futures else None

    def _must(self, key: tuple[str, int, float]) -> dict[str, pd.DataFrame]:
        run = self.cached(key)
        if run is None:   # evicted while computing a very large request
            raise RuntimeError("the run cache is too small for this request; use fewer replications")
        return run

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close(cancel=True)
            self._engine = None
