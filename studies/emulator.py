"""An emulator of the model's 2027 outcomes: Gaussian processes trained on simulation runs, grown
where they are least sure, validated on held-out runs, used for Sobol and to search portfolios.

``steppe emulate [--over deep|levers|prior] [--inputs NAME ...] [--under SCENARIO] [--train N]
[--rounds R] [--batch B] [--validate V] [--sobol-n N] [--search K] --out DIR``

**Why Gaussian processes** (scikit-learn's ``GaussianProcessRegressor``, a Matérn-5/2 kernel with
one length-scale per input plus a white-noise term): the studies that need an emulator vary a
handful of inputs (the deep uncertainties, or a lever group) over a few hundred affordable runs;
there a GP is the standard choice for a smooth, noisy simulator. It gives a predictive standard
deviation at every point, which is what adaptive sampling needs ("run the model where the
emulator is least sure"), the white-noise term absorbs the model's replication noise, and
prediction at 10⁵ points costs well under a second per outcome. Gradient boosting would scale to
more inputs and runs but has no predictive uncertainty without extra machinery (quantile
models); with more than ~15 inputs or thousands of runs, prefer it.

1. **Training**: a Latin hypercube of ``--train`` points over the inputs, run by simulation
   (sweep engine, resumable store, any executor; common random numbers).
2. **Adaptive sampling**: ``--rounds`` rounds, each adding the ``--batch`` candidates (of a fresh
   Latin hypercube of 20 × batch) with the largest predictive standard deviation (scaled per
   outcome, averaged over outcomes), spread apart, run by simulation; the GPs are refitted.
3. **Validation** on ``--validate`` held-out simulations (another hypercube): R² per outcome, and
   per target the met/missed accuracy over all held-out runs and over those within 10% of the
   outcome's range of the threshold ("near"), where a wrong side matters and is most likely.
4. **Sobol** (SALib, Saltelli/Sobol' sampling) on the emulator with N (k + 2) ≥ ``--sobol-n``
   evaluations; printed with the validation beside it.
5. **Search** (when the inputs are levers): ``--search`` portfolios with the most targets
   predicted met, cheapest first, among 20,000 candidates; every one re-run by simulation and
   reported with the simulated result beside the emulator's.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.problem import PROBLEM
from studies.batch import model_source_hash, package_version
from studies.points import StudyError, Timer, adopt_store, evaluate, evaluate_scenarios, store_path, typed
from studies.sensitivity import Input, under_scenario

TARGETS = PROBLEM.targets
OUTCOMES = (*(t.id for t in TARGETS), "public_cost_cny_cum")
FLAGS = tuple(f"{t.id}_met" for t in TARGETS)
NEAR_SHARE = 0.10          # "near the threshold": within this share of the outcome's held-out range
CANDIDATES_PER_PICK = 20
SEARCH_CANDIDATES = 20_000


@dataclass
class EmulatorStudy:
    """What an emulator study computes."""

    inputs: list[Input]
    under: str | None = None
    train: int = 64
    rounds: int = 2
    batch: int = 16
    validate: int = 32
    sobol_n: int = 100_000
    search: int = 0
    reps: int = 1
    seed: int = 0
    scale: float = 0.2
    until: int = 2027

    def key(self) -> dict[str, Any]:
        return {**asdict(self), "model_sha256": model_source_hash()}

    def check(self) -> None:
        if len(self.inputs) < 2:
            raise StudyError("an emulator needs at least two inputs")
        if self.train < 2 * len(self.inputs):
            raise StudyError(f"--train {self.train}: give at least 2 runs per input ({2 * len(self.inputs)})")
        if self.validate < 5:
            raise StudyError("--validate must be at least 5 held-out runs")
        if self.rounds < 0 or self.batch < 1:
            raise StudyError("--rounds must be 0 or more and --batch at least 1")
        if self.sobol_n < 1:
            raise StudyError("--sobol-n must be at least 1")
        levers = [i for i in self.inputs if PROBLEM.variable(i.name).role == "lever"]
        if levers and self.under is not None:
            raise StudyError("--under with lever inputs: the scenario's dated lever changes would override them")
        if self.search and len(levers) != len(self.inputs):
            raise StudyError("--search needs lever inputs only (--over levers)")


# -- design and runs -------------------------------------------------------------------------
def lhs(study: EmulatorStudy, n: int, stream: int) -> np.ndarray:
    """n points of a Latin hypercube over the inputs (unit cube), from the seed and a stream number."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=len(study.inputs), seed=np.random.default_rng([study.seed, 0xE4, stream])).random(n)


def to_values(study: EmulatorStudy, u: np.ndarray) -> pd.DataFrame:
    """Unit-cube rows -> input values (integers and on/off levers typed at run time)."""
    lo = np.array([i.low for i in study.inputs])
    hi = np.array([i.high for i in study.inputs])
    return pd.DataFrame(lo + u * (hi - lo), columns=[i.name for i in study.inputs])


def simulate_points(study: EmulatorStudy, x: pd.DataFrame, store: Path | None, **run: Any) -> pd.DataFrame:
    """Outcomes (mean over replications) of every row of ``x`` by simulation, in row order."""
    points = x.assign(point_id=np.arange(len(x)))
    if study.under is None:
        runs = evaluate(points, reps=study.reps, base_seed=study.seed, scale=study.scale, until=study.until,
                        out=store, **run)
    else:
        from studies.points import with_parameters

        base = under_scenario(study.under, study.until)
        items = [(int(r["point_id"]), with_parameters(base, typed(r))) for r in points.to_dict("records")]
        runs = evaluate_scenarios(items, reps=study.reps, base_seed=study.seed, scale=study.scale, out=store, **run)
    cols = list(OUTCOMES) + [f"{t.id}_met" for t in TARGETS]
    return runs.groupby("point_id", sort=True)[cols].mean().reset_index(drop=True)


# -- the emulator ----------------------------------------------------------------------------
class Emulator:
    """One GP per outcome on the unit cube; outcomes standardised, unevaluated runs (NaN) left out."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.models: dict[str, Any] = {}
        self.scales: dict[str, tuple[float, float]] = {}
        self.met_rule: dict[str, str] = {}      # target -> "value" (threshold on the value) or "flag"

    def fit(self, u: np.ndarray, y: pd.DataFrame) -> Emulator:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        d = u.shape[1]
        for t in TARGETS:
            # T2 counts coverage of key industries besides the value: where the flag is not the value's
            # threshold in every training run, the emulator predicts the flag itself (met above 0.5)
            v, flag = y[t.id].to_numpy(float), y[f"{t.id}_met"].to_numpy(float)
            ok = np.isfinite(v) & np.isfinite(flag)
            same = (met(t.id, v[ok]) == (flag[ok] >= 0.5)).all()
            self.met_rule[t.id] = "value" if same else "flag"
        for name in (*OUTCOMES, *FLAGS):
            v = y[name].to_numpy(float)
            ok = np.isfinite(v)
            mean, sd = (float(v[ok].mean()), float(v[ok].std())) if ok.any() else (0.0, 0.0)
            self.scales[name] = (mean, sd if sd > 0 else 1.0)
            if ok.sum() < 3 or sd == 0:
                self.models[name] = None          # constant (or unevaluated): predicted as its mean
                continue
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(d, 0.5), (1e-2, 1e2), nu=2.5)
                      + WhiteKernel(1e-2, (1e-6, 1.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=2,
                                          random_state=self.seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")       # convergence notes at bounds
                gp.fit(u[ok], (v[ok] - mean) / self.scales[name][1])
            self.models[name] = gp
        return self

    def predict(self, u: np.ndarray, std: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
        """Predicted outcomes (and standard deviations, in the outcome's units) at unit-cube rows."""
        means, sds = {}, {}
        for name, gp in self.models.items():
            mean, scale = self.scales[name]
            if gp is None:
                means[name] = np.full(len(u), mean)
                sds[name] = np.zeros(len(u))
                continue
            chunks = [gp.predict(u[i:i + 20_000], return_std=std) for i in range(0, len(u), 20_000)]
            if std:
                means[name] = mean + scale * np.concatenate([c[0] for c in chunks])
                sds[name] = scale * np.concatenate([c[1] for c in chunks])
            else:
                means[name] = mean + scale * np.concatenate(chunks)
        if std:
            return pd.DataFrame(means), pd.DataFrame(sds)
        return pd.DataFrame(means)

    def uncertainty(self, u: np.ndarray) -> np.ndarray:
        """Predictive standard deviation in standardised units, averaged over the outcomes."""
        _, sd = self.predict(u, std=True)
        return np.mean([sd[n].to_numpy() / self.scales[n][1] for n in sd.columns], axis=0)


def pick_uncertain(em: Emulator, candidates: np.ndarray, k: int) -> np.ndarray:
    """k candidates with the largest predictive uncertainty, spread apart (each pick damps the
    candidates near it, so a batch does not pile up in one corner)."""
    score = em.uncertainty(candidates)
    chosen = []
    radius2 = (0.5 / max(1, k) ** (1 / candidates.shape[1])) ** 2
    for _ in range(min(k, len(candidates))):
        i = int(np.argmax(score))
        chosen.append(i)
        d2 = ((candidates - candidates[i]) ** 2).sum(axis=1)
        score = score * (1 - np.exp(-d2 / radius2))
        score[i] = -np.inf
    return candidates[chosen]


def met(name: str, values: np.ndarray) -> np.ndarray:
    t = next(t for t in TARGETS if t.id == name)
    return values >= t.threshold if t.comparison == ">=" else values > t.threshold


def predicted_met(em: Emulator, pred: pd.DataFrame, name: str) -> np.ndarray:
    """Whether target ``name`` is met by the emulator's prediction (value or flag, see Emulator.fit)."""
    if em.met_rule.get(name, "value") == "flag":
        return pred[f"{name}_met"].to_numpy(float) >= 0.5
    return met(name, pred[name].to_numpy(float))


def validation(em: Emulator, pred: pd.DataFrame, sim: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: R² on the held-out runs; per target: met/missed accuracy, overall and near the
    threshold (within NEAR_SHARE of the outcome's held-out range), with the counts."""
    from sklearn.metrics import r2_score

    rows = []
    for name in OUTCOMES:
        y, p = sim[name].to_numpy(float), pred[name].to_numpy(float)
        ok = np.isfinite(y)
        row: dict[str, Any] = {"outcome": name, "n": int(ok.sum())}
        row["r2"] = float(r2_score(y[ok], p[ok])) if ok.sum() > 1 and np.ptp(y[ok]) > 0 else math.nan
        if name in {t.id for t in TARGETS}:
            t = next(t for t in TARGETS if t.id == name)
            truth = sim[f"{name}_met"].to_numpy(float)
            have = np.isfinite(truth)
            right = predicted_met(em, pred, name) == (truth >= 0.5)
            row["met_rule"] = em.met_rule.get(name, "value")
            row["met_share_sim"] = float(truth[have].mean()) if have.any() else math.nan
            row["accuracy"] = float(right[have].mean()) if have.any() else math.nan
            band = NEAR_SHARE * (np.ptp(y[ok]) if ok.sum() > 1 else 0.0)
            near = have & ok & (np.abs(y - t.threshold) <= band) & (band > 0)
            row["n_near"] = int(near.sum())
            row["accuracy_near"] = float(right[near].mean()) if near.any() else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def validation_text(table: pd.DataFrame) -> str:
    """The validation, one line per outcome: what every emulator result prints beside it."""
    lines = ["emulator validation on held-out simulations:"]
    for r in table.itertuples():
        line = f"  {r.outcome:<20} R² {r.r2:6.3f} (n {r.n})"
        if hasattr(r, "accuracy") and not (isinstance(r.accuracy, float) and math.isnan(r.accuracy)):
            near = "n/a" if math.isnan(r.accuracy_near) else f"{r.accuracy_near:.2f}"
            line += (f"; met/missed right {r.accuracy:.2f}, near the threshold {near} (n {int(r.n_near)}); "
                     f"met in {r.met_share_sim:.0%} of runs" + ("; met predicted from the flag" if r.met_rule == "flag"
                                                                else ""))
        lines.append(line)
    return "\n".join(lines)


# -- Sobol and search ------------------------------------------------------------------------
def sobol_on_emulator(em: Emulator, study: EmulatorStudy) -> tuple[pd.DataFrame, int]:
    """Sobol S1/ST (SALib) of every outcome from emulator predictions; N (k + 2) >= sobol_n."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    k = len(study.inputs)
    n = 1 << max(4, math.ceil(math.log2(study.sobol_n / (k + 2))))
    problem = {"num_vars": k, "names": [i.name for i in study.inputs], "bounds": [[0.0, 1.0]] * k}
    u = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=study.seed)
    pred = em.predict(u)
    rows = []
    boot = int(np.random.SeedSequence([study.seed, 0x50B0]).generate_state(1)[0]) | 1
    for name in OUTCOMES:
        v = pred[name].to_numpy(float)
        if np.ptp(v) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = analyze.analyze(problem, v, calc_second_order=False, num_resamples=200, seed=boot)
        for j, i in enumerate(study.inputs):
            rows.append({"outcome": name, "input": i.name, "S1": res["S1"][j], "S1_conf": res["S1_conf"][j],
                         "ST": res["ST"][j], "ST_conf": res["ST_conf"][j]})
    return pd.DataFrame(rows), len(u)


def search(em: Emulator, study: EmulatorStudy) -> pd.DataFrame:
    """Lever portfolios with the most targets predicted met, cheapest first."""
    u = lhs(study, SEARCH_CANDIDATES, 99)
    pred = em.predict(u)
    count = np.sum([predicted_met(em, pred, t.id) for t in TARGETS], axis=0)
    order = np.lexsort((pred["public_cost_cny_cum"].to_numpy(), -count))[:study.search]
    out = to_values(study, u[order]).reset_index(drop=True)
    out["targets_met_emulator"] = count[order]
    out["cost_cny_emulator"] = pred["public_cost_cny_cum"].to_numpy()[order]
    return out


# -- the study -------------------------------------------------------------------------------
@dataclass
class EmulatorReport:
    out: Path
    validation: pd.DataFrame
    sobol: pd.DataFrame
    evaluations: int
    search: pd.DataFrame | None
    runs: int
    wall_s: float
    text: str


def run_emulator(study: EmulatorStudy, out: str | Path, *, workers: int | None = None,
                 dask_address: str | None = None, dask_local: int | None = None,
                 progress: bool = False) -> EmulatorReport:
    """Train (with adaptive rounds), validate, run Sobol and the search; write ``out``."""
    out = Path(out)
    study.check()
    if out.exists():
        raise StudyError(f"{out}: already exists; choose a new --out (an interrupted study is resumed by the "
                         "same command)")
    store = store_path(out)
    run = {"workers": workers, "dask_address": dask_address, "dask_local": dask_local, "progress": progress}
    timings: dict[str, float] = {}
    with Timer() as total:
        with Timer() as t:
            u = lhs(study, study.train, 0)
            y = simulate_points(study, to_values(study, u), store / "train_0", **run)
            em = Emulator(study.seed).fit(u, y)
            for r in range(1, study.rounds + 1):
                new = pick_uncertain(em, lhs(study, CANDIDATES_PER_PICK * study.batch, 100 + r), study.batch)
                y = pd.concat([y, simulate_points(study, to_values(study, new), store / f"train_{r}", **run)],
                              ignore_index=True)
                u = np.vstack([u, new])
                em = Emulator(study.seed).fit(u, y)
        timings["train_s"] = t.seconds
        with Timer() as t:
            uv = lhs(study, study.validate, 1)
            yv = simulate_points(study, to_values(study, uv), store / "validation", **run)
            check = validation(em, em.predict(uv), yv)
        timings["validate_s"] = t.seconds
        with Timer() as t:
            sobol, evaluations = sobol_on_emulator(em, study)
        timings["sobol_s"] = t.seconds
        found = None
        if study.search:
            with Timer() as t:
                found = search(em, study)
                sim = simulate_points(study, found[[i.name for i in study.inputs]], store / "search", **run)
                count = np.sum([(sim[f"{x.id}_met"].to_numpy() >= 0.5) for x in TARGETS], axis=0)
                found["targets_met_simulated"] = count
                found["cost_cny_simulated"] = sim["public_cost_cny_cum"].to_numpy()
                for x in TARGETS:
                    found[f"{x.id}_simulated"] = sim[x.id].to_numpy()
            timings["search_s"] = t.seconds
    runs = len(u) + len(uv) + (len(found) if found is not None else 0)
    text = validation_text(check)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        design = {"key": study.key(), "runs": runs, "emulator_evaluations": evaluations,
                  "timings_s": {k: round(v, 3) for k, v in timings.items()}, "wall_s": round(total.seconds, 3),
                  "package_version": package_version()}
        (tmp / "design.json").write_text(json.dumps(design, indent=1, default=str) + "\n", encoding="utf-8")
        training = to_values(study, u).join(y)
        training.to_csv(tmp / "training.csv", index=False, float_format="%.6g")
        check.to_csv(tmp / "validation.csv", index=False, float_format="%.6g")
        sobol.to_csv(tmp / "sobol_emulator.csv", index=False, float_format="%.6g")
        if found is not None:
            found.to_csv(tmp / "search.csv", index=False, float_format="%.6g")
        (tmp / "validation.txt").write_text(text + "\n", encoding="utf-8")
        adopt_store(store, tmp)
        tmp.rename(out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return EmulatorReport(out, check, sobol, evaluations, found, runs, total.seconds, text)


def summary_text(report: EmulatorReport, top: int = 4) -> str:
    """Sobol leaders per outcome (emulator), the search's portfolios (emulator and simulation), the
    validation beside them."""
    lines = [f"Sobol on the emulator ({report.evaluations:,} evaluations), total order ST:"]
    t = report.sobol
    for name in OUTCOMES:
        s = t[t["outcome"] == name].sort_values("ST", ascending=False).head(top) if len(t) else t
        if len(s):
            lines.append(f"  {name:<20} " + "; ".join(f"{r.input} {r.ST:.2f}±{r.ST_conf:.2f}" for r in s.itertuples()))
    if report.search is not None:
        lines.append("portfolios found on the emulator, re-run by simulation (targets met: emulator / simulated):")
        for r in report.search.itertuples():
            lines.append(f"  {r.targets_met_emulator} / {r.targets_met_simulated} targets, cost "
                         f"{r.cost_cny_emulator / 1e6:.0f} / {r.cost_cny_simulated / 1e6:.0f} M CNY")
    lines.append(report.text)
    return "\n".join(lines)
