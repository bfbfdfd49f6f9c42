"""Calibration: Morris screening, then ABC-SMC (pyabc) on the parameters that move the targets.

``calibrate(...)`` runs, in a work folder that makes it resumable:

1. **scale check** - a few prior draws at the calibration scale and at full scale, same seeds;
   the mean difference of each target measure, in tolerances, is recorded (and the run warns
   when a target differs by more than a quarter of its tolerance);
2. **screening** - SALib's Morris method over every scalar parameter with a prior; a parameter
   is calibrated when it is among the strongest drivers of some target (mu* of at least
   ``screen_threshold`` tolerances; :func:`select` takes the drivers target by target, at most
   ``max_params``); the others keep their hand-set values;
3. **ABC-SMC** - pyabc's sequential Monte Carlo on the screened parameters with uniform priors on
   their prior ranges, the distance of :func:`calibration.targets.distance`, median epsilon
   schedule; the SQLite history in the work folder lets an interrupted run go on;
4. **checks** - prior predictive runs (every parameter drawn from its prior) and posterior
   predictive runs of every target: fitted, held out and ``status = "check"``.

Runs go to the local cores by default and to a Dask cluster when given a scheduler.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.space import Space, scalar_space, scenario_with
from calibration.targets import Target, TargetSet, distance, measure_run
from model.run import run_scenario

STATE = "state.json"


class CalibrationError(ValueError):
    """A calibration that cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    """Method settings (recorded in the manifest; a resumed calibration must match them)."""

    scale: float = 0.2
    until: int = 2027
    seed: int = 0
    population: int = 400
    morris_trajectories: int = 4
    morris_levels: int = 4
    screen_threshold: float = 0.1     # mu*/tolerance a parameter must reach on some target
    max_params: int = 10
    kernel_scaling: float = 1.5       # perturbation kernel: Silverman bandwidth times this
    min_epsilon: float = 0.3
    max_generations: int = 15
    predictive_runs: int = 60
    scale_check_runs: int = 6
    budget_runs: int | None = 20000
    budget_minutes: float | None = 25.0
    held_out: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()  # calibrate exactly these (skips screening) when given

    def key(self) -> dict[str, Any]:
        """What a resumed calibration must share with the first session (budgets may change)."""
        d = asdict(self)
        for k in ("budget_runs", "budget_minutes", "predictive_runs"):
            d.pop(k)
        return d


# -- evaluating points ------------------------------------------------------------------------
def run_point(values: dict[str, float], seed: int, scale: float, until: int,
              targets: Sequence[Target]) -> dict[str, float]:
    """Simulate the baseline with these parameter values and measure every target."""
    # Exactly these values, the rest hand-set: no parameter source is applied (run_scenario).
    result = run_scenario(scenario_with(values, until=until), seed=seed, scale=scale,
                          parameter_source="calibration point")
    return measure_run(targets, result)


def _eval_chunk(points: list[dict[str, float]], seeds: list[int], scale: float, until: int,
                targets: Sequence[Target]) -> list[dict[str, float]]:
    return [run_point(p, s, scale, until, targets) for p, s in zip(points, seeds, strict=True)]


@dataclass
class Runner:
    """Where simulations run: a local pool (default), in process (1 worker) or Dask."""

    workers: int | None = None
    dask_address: str | None = None
    dask_local: int | None = None
    runs: int = 0
    seconds: float = 0.0
    _client: Any = field(default=None, repr=False)

    def evaluate(self, points: list[dict[str, float]], seeds: list[int], scale: float, until: int,
                 targets: Sequence[Target], label: str = "") -> pd.DataFrame:
        """Measures of every point (one row each, in order), computed in chunks on the engine."""
        from studies.engines import make_engine
        from studies.progress import Progress

        start = time.monotonic()
        engine = make_engine(self.workers, self.dask_address, self.dask_local)
        n = len(points)
        size = max(1, min(20, n // (4 * max(engine.workers, 1)) or 1))
        chunks = [(i, min(i + size, n)) for i in range(0, n, size)]
        out: list[list[dict[str, float]] | None] = [None] * len(chunks)
        bar = Progress(n, label or "runs", None)
        try:
            futs = {engine.submit(_eval_chunk, points[a:b], seeds[a:b], scale, until, list(targets)): j
                    for j, (a, b) in enumerate(chunks)}
            pending = set(futs)
            while pending:
                done, pending = engine.wait(pending, timeout=1.0)
                for f in done:
                    j = futs[f]
                    out[j] = f.result()
                    for _ in range(chunks[j][1] - chunks[j][0]):
                        bar.update()
        except BaseException:
            engine.close(cancel=True)
            raise
        finally:
            bar.close()
        engine.close()
        self.runs += n
        self.seconds += time.monotonic() - start
        return pd.DataFrame([r for chunk in out for r in chunk])  # type: ignore[union-attr]

    def abc_sampler(self, seed: int) -> Any:
        """The ABC sampler: candidates evaluated in index order with seeds derived from their index
        (:class:`calibration.sampler.OrderedSampler`), on this runner's engine, so that the
        posterior is the same on 1 worker, a local pool and Dask."""
        from calibration.sampler import OrderedSampler
        from studies.engines import make_engine

        return OrderedSampler(seed, lambda: make_engine(self.workers, self.dask_address, self.dask_local))

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                cluster = self._client.cluster
                self._client.close()
                if cluster is not None:
                    cluster.close()
            self._client = None


def seeds_for(base_seed: int, stage: str, n: int) -> list[int]:
    """Run seeds of a stage, derived from the calibration seed and the stage's name."""
    tag = int.from_bytes(stage.encode()[:8].ljust(8, b"\0"), "little")
    ss = np.random.SeedSequence([base_seed, tag])
    return [int(s >> np.uint64(1)) for s in ss.generate_state(n, np.uint64)]


# -- 1. scale check ---------------------------------------------------------------------------
def scale_check(targets: TargetSet, space: Space, settings: Settings, runner: Runner) -> pd.DataFrame:
    """Each target's mean |measure(scale) - measure(1)| in tolerances, over prior draws with the
    same seeds at both scales."""
    if settings.scale == 1.0:
        return pd.DataFrame({"target": [t.id for t in targets.active], "mean_abs_diff_tol": 0.0})
    n = settings.scale_check_runs
    rng = np.random.default_rng([settings.seed, 1])
    X = space.sample(n, rng)
    points = [dict(zip(space.names, row, strict=True)) for row in X]
    seeds = seeds_for(settings.seed, "scale", n)
    small = runner.evaluate(points, seeds, settings.scale, settings.until, targets.active, "scale check (small)")
    full = runner.evaluate(points, seeds, 1.0, settings.until, targets.active, "scale check (full)")
    rows = []
    for t in targets.active:
        d = (small[t.id] - full[t.id]) / t.tolerance
        bias, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else math.inf
        rows.append({"target": t.id, "mean_abs_diff_tol": float(d.abs().mean()),
                     "max_abs_diff_tol": float(d.abs().max()), "mean_diff_tol": bias, "se_tol": se,
                     # agreement: no bias above a quarter tolerance beyond two standard errors
                     "agrees": bool(abs(bias) <= 0.25 + 2 * se)})
    return pd.DataFrame(rows)


# -- 2. screening -----------------------------------------------------------------------------
def screen(targets: TargetSet, space: Space, settings: Settings, runner: Runner) -> pd.DataFrame:
    """Morris mu* of every parameter on every active target, in units of the target's tolerance."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": len(space.names), "names": space.names, "bounds": space.bounds().tolist()}
    X = morris_sample.sample(problem, settings.morris_trajectories, num_levels=settings.morris_levels,
                             seed=settings.seed)
    points = [dict(zip(space.names, row, strict=True)) for row in X]
    # One seed for all points: the elementary effects then hold chance fixed (common random numbers).
    seeds = [seeds_for(settings.seed, "morris", 1)[0]] * len(points)
    Y = runner.evaluate(points, seeds, settings.scale, settings.until, targets.active, "screening (Morris)")
    out = pd.DataFrame(index=space.names)
    for t in targets.active:
        y = Y[t.id].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            y = np.where(np.isfinite(y), y, np.nanmedian(y[np.isfinite(y)]) if np.isfinite(y).any() else 0.0)
        res = morris_analyze.analyze(problem, X, y, num_levels=settings.morris_levels, seed=settings.seed)
        out[t.id] = np.asarray(res["mu_star"]) / t.tolerance
    out["max_mu_star_tol"] = out.max(axis=1)
    out["driver_target"] = out.drop(columns="max_mu_star_tol").idxmax(axis=1)
    return out.sort_values("max_mu_star_tol", ascending=False)


def select(screening: pd.DataFrame, settings: Settings) -> list[str]:
    """The parameters to calibrate: each target's strongest driver first, then each target's
    second strongest, and so on, until ``max_params`` (only effects of at least
    ``screen_threshold`` tolerances count). Taking drivers target by target, rather than the
    largest effects overall, keeps a target with a wide tolerance from being left with none of its
    drivers because another target's narrow tolerance makes every effect on it look large."""
    effects = screening.drop(columns=["max_mu_star_tol", "driver_target"], errors="ignore")
    ranked = {t: [p for p in effects[t].sort_values(ascending=False).index
                  if effects.at[p, t] >= settings.screen_threshold] for t in effects.columns}
    order = sorted(ranked, key=lambda t: -effects[t].max())    # the strongest effect picks first
    chosen: list[str] = []
    for depth in range(len(effects.index)):
        for t in order:
            if depth < len(ranked[t]) and ranked[t][depth] not in chosen:
                chosen.append(ranked[t][depth])
                if len(chosen) == settings.max_params:
                    return chosen
    return chosen


# -- 3. ABC-SMC -------------------------------------------------------------------------------
def to_prior_space(z: np.ndarray | float, low: float, high: float) -> np.ndarray | float:
    """ABC works on z = Phi^-1((x - low) / (high - low)) with a standard normal prior, which is
    exactly the uniform prior on [low, high] and has no bounds: perturbation kernels then lose no
    mass outside the prior (on the bounded ranges that inflated the weights of particles near a
    bound). The normal, unlike the logistic of a logit transform, has tails no heavier than the
    Gaussian perturbation kernel's, so a parameter the targets do not constrain does not leave
    heavy-tailed particles with huge importance weights (the logit version ended with an
    effective sample size of 10 of 400)."""
    from scipy.special import ndtr
    return low + (high - low) * ndtr(np.asarray(z, dtype=float))


@dataclass
class Simulator:
    """The pyabc model: parameter dict (normal-quantile space) -> target measures (picklable)."""

    targets: tuple[Target, ...]
    scale: float
    until: int
    bounds: dict[str, tuple[float, float]]
    driver_pid: int = 0

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        if self.driver_pid and os.getpid() != self.driver_pid:
            _quiet_worker()
        seed = int(np.random.randint(0, 2**62))
        x = {k: float(to_prior_space(v, *self.bounds[k])) for k, v in dict(pars).items()}
        values = run_point(x, seed, self.scale, self.until, self.targets)
        return {k: (v if math.isfinite(v) else 1e300) for k, v in values.items()}


_QUIET: list[int] = []


def _quiet_worker() -> None:
    """In a pyabc worker process (forked from the driver): Ctrl-C, which the terminal sends to the
    whole process group, ends it silently (the driver reports the interruption in one line), and
    SIGTERM ends it instead of raising the driver's KeyboardInterrupt with a traceback."""
    if _QUIET == [os.getpid()]:
        return
    import signal

    with contextlib.suppress(ValueError):          # not the main thread (a Dask worker): leave it
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _QUIET[:] = [os.getpid()]


@contextlib.contextmanager
def _workers_end_quietly():
    """While pyabc forks its workers: Ctrl-C and SIGTERM interrupt the driver (KeyboardInterrupt)
    and end a forked worker at once, without a traceback (the handler is inherited at the fork,
    so there is no window before the worker's first simulation)."""
    import signal

    driver = os.getpid()

    def handler(signum: int, frame: object) -> None:
        if os.getpid() != driver:
            os._exit(128 + signum)
        raise KeyboardInterrupt

    try:
        saved = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:              # not the main thread: leave signals alone
        saved = {}
    try:
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


@dataclass
class Distance:
    """The pyabc distance: RMS of normalised misses (the observed data live in the targets)."""

    targets: tuple[Target, ...]

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        d = distance(self.targets, {k: (math.nan if v >= 1e300 else v) for k, v in x.items()})
        return d if math.isfinite(d) else 1e6


def _abc(space: Space, targets: TargetSet, settings: Settings, runner: Runner) -> Any:
    import pyabc

    prior = pyabc.Distribution(**{v.name: pyabc.RV("norm", 0, 1) for v in space.variables})
    bounds = {v.name: (float(v.prior[0]), float(v.prior[1])) for v in space.variables}
    return pyabc.ABCSMC(Simulator(targets.active, settings.scale, settings.until, bounds, os.getpid()), prior,
                        Distance(targets.active), population_size=settings.population,
                        transitions=pyabc.transition.MultivariateNormalTransition(scaling=settings.kernel_scaling),
                        sampler=runner.abc_sampler(settings.seed), eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5))


@dataclass
class Progress:
    """Budget and progress of the ABC stage."""

    start: float
    budget_runs: int | None
    budget_minutes: float | None
    runs_before: int

    def left(self, runs: int) -> tuple[int | None, float | None]:
        elapsed = time.monotonic() - self.start
        runs_left = None if self.budget_runs is None else self.budget_runs - runs
        min_left = None if self.budget_minutes is None else self.budget_minutes - elapsed / 60
        return runs_left, min_left

    def exhausted(self, runs: int) -> bool:
        r, m = self.left(runs)
        return (r is not None and r <= 0) or (m is not None and m <= 0)


class _AbcLog(logging.Handler):
    """Turns pyabc's per-generation log lines into progress lines with the budget left."""

    def __init__(self, say: Callable[[str], None], progress: Progress, runs_before: int,
                 population: int) -> None:
        super().__init__(logging.INFO)
        self.say, self.progress, self.runs, self.population = say, progress, runs_before, population
        self.t, self.eps, self.last = "?", "?", time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("t: ") and "eps:" in msg:
            parts = msg.replace(",", "").replace(".\n", "").split()
            self.t, self.eps = parts[1], parts[3].rstrip(".")
        elif msg.startswith("Accepted:"):
            n = int(msg.split()[3])
            self.runs += n
            now = time.monotonic()
            dt, self.last = now - self.last, now
            r_left, m_left = self.progress.left(self.runs)
            left = [f"{max(r_left, 0)} runs" if r_left is not None else "",
                    f"{max(m_left, 0):.1f} min" if m_left is not None else ""]
            self.say(f"ABC generation {self.t}: epsilon {float(self.eps):.3g}, {self.population} accepted "
                     f"of {n} runs ({self.population / max(n, 1):.0%}) in {dt:.0f} s ({n / max(dt, 1e-9):.1f} "
                     f"runs/s); budget left: {', '.join(x for x in left if x) or 'unlimited'}")


def run_abc(space: Space, targets: TargetSet, settings: Settings, runner: Runner, work: Path,
            say: Callable[[str], None], progress: Progress, reserve: int = 0) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run (or resume) ABC-SMC until the budget, ``min_epsilon`` or ``max_generations``; return the
    last population (parameters + ``weight``) and run facts. pyabc stores every generation in
    ``work/abc.db``; a resumed calibration continues from the last complete generation. ``reserve``
    runs of the run budget are kept for the stages after the ABC (the predictive checks)."""
    import datetime

    db = work / "abc.db"
    state_path = work / STATE
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    logger = logging.getLogger("ABC")
    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Epsilon", "ABC.Distance", "ABC.Transition",
                 "ABC.Acceptor", "ABC.Predictor", "ABC.Population", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    abc = _abc(space, targets, settings, runner)
    np.random.seed(settings.seed % 2**32)
    if state.get("abc_id"):
        history = abc.load(f"sqlite:///{db}", state["abc_id"])
        say(f"resuming ABC-SMC after generation {history.max_t} ({history.total_nr_simulations} runs stored)")
    else:
        history = abc.new(f"sqlite:///{db}", {t.id: 0.0 for t in targets.active})
        state["abc_id"] = history.id
        state_path.write_text(json.dumps(state))
    handler = _AbcLog(say, progress, runner.runs, settings.population)
    saved = logger.handlers[:]
    logger.handlers = [handler]
    t0 = time.monotonic()
    spent, cut, calls = 0, False, 0
    try:
        # One generation per call, each given at most the runs left (pyabc's max_eval): a budget is a
        # ceiling. A generation that would need more is stopped there and discarded (pyabc keeps
        # only complete generations), so the posterior is the last complete generation.
        while history.max_t + 1 < settings.max_generations:
            last_eps = _last_epsilon(history)
            if last_eps is not None and last_eps <= settings.min_epsilon:
                break
            runs_left, minutes_left = progress.left(runner.runs + spent)
            if minutes_left is not None and minutes_left <= 0:
                break
            kw: dict[str, Any] = {"minimum_epsilon": settings.min_epsilon, "max_nr_populations": 1}
            if minutes_left is not None:
                kw["max_walltime"] = datetime.timedelta(minutes=minutes_left)
            abc_left = None if runs_left is None else runs_left - reserve
            first = history.max_t < 0
            if abc_left is not None:
                need = settings.population * (2 if first else 1)   # generation 0 needs a calibration sample
                if abc_left < need:
                    cut = True
                    break
                slack = max(getattr(abc.sampler, "n_procs", 1) - 1, 0)   # workers check, then start
                gen_cap = abc_left - (settings.population if first else 0) - slack
                kw["min_acceptance_rate"] = settings.population / max(gen_cap, settings.population)
            before_t = history.max_t
            before = history.total_nr_simulations if history.max_t >= 0 else 0
            if calls:
                # a fresh ABCSMC loaded from the database, as a resumed calibration is: one object run
                # twice would set its next epsilon from its first calibration sample again
                abc = _abc(space, targets, settings, runner)
                history = abc.load(f"sqlite:///{db}", history.id)
            calls += 1
            with _workers_end_quietly():
                history = abc.run(**kw)
            after = history.total_nr_simulations if history.max_t >= 0 else 0
            spent += after - before
            if history.max_t == before_t:      # stopped inside the generation: its runs were spent too
                spent += int(getattr(abc.sampler, "nr_evaluations_", 0) or 0)
                cut = abc_left is not None
                break
    finally:
        logger.handlers = saved
        runner.seconds += time.monotonic() - t0
    if history.max_t < 0:
        raise CalibrationError("the budget ended before the first ABC generation; give a larger --budget")
    pops = history.get_all_populations().query("t >= 0")
    eps = [float(e) for e in pops["epsilon"]]
    if eps[-1] <= settings.min_epsilon:
        stop = f"epsilon {eps[-1]:.3g} <= {settings.min_epsilon:g}"
    elif history.max_t + 1 >= settings.max_generations:
        stop = f"{settings.max_generations} generations"
    else:
        stop = "budget (runs or minutes)"
    frame, w = history.get_distribution(m=0, t=history.max_t)
    post = frame.reset_index(drop=True)[space.names].astype(float)
    for v in space.variables:
        post[v.name] = to_prior_space(post[v.name].to_numpy(), float(v.prior[0]), float(v.prior[1]))
    post["weight"] = np.asarray(w, dtype=float) / float(np.sum(w))
    facts = {"generations": int(history.max_t + 1), "abc_runs": int(history.total_nr_simulations),
             "epsilons": eps, "stopped_by": stop, "abc_id": int(history.id), "database": str(db)}
    facts["runs_this_session"] = spent
    if cut:
        facts["budget_note"] = ("the run budget ended before the next generation could complete; the posterior "
                                "is the last complete generation")
    runner.runs += spent
    return post, facts


def _last_epsilon(history: Any) -> float | None:
    if history.max_t < 0:
        return None
    pops = history.get_all_populations().query("t >= 0")
    return float(pops["epsilon"].iloc[-1]) if len(pops) else None


# -- 4. predictive checks ---------------------------------------------------------------------
def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(w)[order]
    c = np.cumsum(w) - 0.5 * w
    c /= np.sum(w)
    return np.interp(q, c, x)


def predictive(targets: Sequence[Target], params: list[dict[str, float]], settings: Settings,
               runner: Runner, stage: str) -> pd.DataFrame:
    seeds = seeds_for(settings.seed, stage, len(params))
    return runner.evaluate(params, seeds, settings.scale, settings.until, targets, stage)


def check_table(targets: Sequence[Target], prior_pred: pd.DataFrame, post_pred: pd.DataFrame,
                held_out: Sequence[str], like: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Each target: observed value or band, 90% prior and posterior predictive intervals, share
    of runs in which it holds; ``covered`` (band overlap: the posterior interval meets the band
    observed ± tolerance) beside ``point_covered`` (the observed value itself inside the posterior
    interval; None for a band or bound); and for each frame of ``like`` (e.g. the hand-set point,
    the calibrated parameters from their priors with the rest as in the posterior runs) the share
    of its runs in which the target holds (``<name>_holds_share``)."""
    rows = []
    for t in targets:
        lo_obs, hi_obs = t.interval()
        role = "held out" if t.id in held_out else ("check" if t.status == "check" else "fitted")
        row: dict[str, Any] = {"target": t.id, "kind": t.kind, "role": role, "held_out": t.id in held_out,
                               "observed": t.wanted()}
        for name, frame in (("prior", prior_pred), ("posterior", post_pred)):
            v = frame[t.id].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            q = np.quantile(v, [0.05, 0.5, 0.95]) if len(v) else [np.nan] * 3
            row[f"{name}_q05"], row[f"{name}_median"], row[f"{name}_q95"] = (float(x) for x in q)
            row[f"{name}_holds_share"] = float(np.mean([t.holds(x) for x in frame[t.id]]))
        row["covered"] = bool(row["posterior_q05"] <= hi_obs and row["posterior_q95"] >= lo_obs)
        row["point_covered"] = (None if t.observed is None else
                                bool(row["posterior_q05"] <= t.observed <= row["posterior_q95"]))
        for name, frame in (like or {}).items():
            row[f"{name}_holds_share"] = float(np.mean([t.holds(x) for x in frame[t.id]]))
        rows.append(row)
    return pd.DataFrame(rows)


def identifiability(space: Space, post: pd.DataFrame) -> pd.DataFrame:
    """Posterior 90% interval width over prior width (uniform prior: 0.9 x range), per parameter."""
    rows = []
    for v in space.variables:
        lo, hi = v.prior
        q05, q50, q95 = weighted_quantile(post[v.name].to_numpy(), post["weight"].to_numpy(), [0.05, 0.5, 0.95])
        ratio = (q95 - q05) / (0.9 * (hi - lo))
        verdict = "identified" if ratio < 0.5 else ("weakly identified" if ratio < 0.8 else "not identified")
        rows.append({"parameter": v.name, "prior_low": lo, "prior_high": hi, "default": v.default,
                     "posterior_q05": q05, "posterior_median": q50, "posterior_q95": q95,
                     "width_ratio": ratio, "verdict": verdict})
    return pd.DataFrame(rows)


def resample(post: pd.DataFrame, k: int, seed: int) -> list[dict[str, float]]:
    names = [c for c in post.columns if c != "weight"]
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(post), size=k, replace=True, p=post["weight"].to_numpy() / post["weight"].sum())
    return [dict(zip(names, post.iloc[i][names].astype(float), strict=True)) for i in idx]


def say_stderr(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def default_runner() -> Runner:
    return Runner(workers=int(os.environ.get("STEPPE_WORKERS", "0")) or None)


def full_space() -> Space:
    return scalar_space()
