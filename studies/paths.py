"""Paths to the 2027 targets: which lever portfolios meet them, how robustly, at what public cost.

``steppe paths [--levers ...] [--portfolios N] [--prior-draws K | --posterior-draws K] [--reps R]
[--trials T] --out DIR``

1. **Portfolios.** A Latin hypercube over the chosen levers (default: all), each over its allowed
   range (integers rounded, on/off levers on above 0.5), and, with timing (the default), the
   month each lever starts (``<lever>__start``: January 2025, 2026 or 2027, month index 0, 12 or
   24; before it the lever keeps its end-2024 default). Levers not chosen keep their defaults.
2. **Evaluation.** Every portfolio runs over the same K parameter draws (defaults if K = 0; the
   prior's Latin hypercube with ``--prior-draws``; the calibrated posterior with
   ``--posterior-draws``) × R replications, with common random numbers: draw j and
   replication r are identical for every portfolio, so differences between portfolios are the
   levers' doing. For each portfolio: P(T_i met) for each target, P(all eight met), and the mean
   public cost 2025-2027 (CNY). A target that a run cannot evaluate (NaN) counts as not met.
3. **Scenario discovery.** PRIM (EMA Workbench) and CART (scikit-learn) on the lever space with
   the case of interest "P(all met) >= p": peeling trajectory (coverage/density), the chosen
   box (the densest with coverage >= 0.5, restrictions with quasi-p > 0.05 dropped) with
   quasi-p values and resampling reproducibility, and the tree's rules.
4. **Least cost.** Optuna's NSGA-II (multi-objective: minimise cost, maximise P(all met)) with
   ``--trials`` portfolios evaluated generation by generation on the same draws and seeds; the
   Pareto front over every evaluated portfolio (and per target); the front's portfolios and the
   cheapest one reaching p written as ready-to-run scenario files in ``DIR/scenarios/``; the
   library's packages (``scenarios/*.toml``) evaluated on the same draws and placed on the front.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.problem import PROBLEM
from model.scenario import BASE_YEAR, load_scenario
from studies.batch import model_source_hash, package_version
from studies.points import (
    REPO_SCENARIOS,
    START,
    StudyError,
    Timer,
    adopt_store,
    evaluate_scenarios,
    point_scenario,
    scenario_dict,
    scenario_toml,
    store_path,
    with_parameters,
)

TARGET_IDS = tuple(t.id for t in PROBLEM.targets)
DRAW_SOURCES = ("default", "prior", "posterior")
MAX_FRONT_FILES = 12
POPULATION = 16
QP_MAX = 0.05       # restrictions of a PRIM box with a larger quasi-p value are dropped
START_MONTHS = (0, 12, 24)       # January 2025, 2026, 2027


@dataclass
class PathsStudy:
    """What a paths study computes; ``key()`` must match for a stored study to be reused."""

    levers: list[str] = field(default_factory=lambda: [v.name for v in PROBLEM.levers])
    portfolios: int = 200
    draws: int = 0
    draw_source: str = "default"
    reps: int = 3
    seed: int = 0
    scale: float = 0.1
    until: int = 2027
    p: float = 0.8
    trials: int = 64
    timing: bool = True
    packages: bool = True
    prim_resamples: int = 10

    def key(self) -> dict[str, Any]:
        return {**asdict(self), "model_sha256": model_source_hash()}

    def check(self) -> None:
        known = {v.name for v in PROBLEM.levers}
        for name in self.levers:
            if name not in known:
                raise StudyError(f"unknown lever {name!r}; known levers are: {', '.join(sorted(known))}")
        if not self.levers:
            raise StudyError("--levers: give at least one lever")
        if len(set(self.levers)) != len(self.levers):
            raise StudyError("--levers: a lever is named twice")
        for name in self.levers:
            v = PROBLEM.variable(name)
            if v.kind != "boolean" and not (v.high is not None and v.low is not None and v.high > v.low):
                raise StudyError(f"lever {name!r} has an empty range; it cannot be varied")
        if self.portfolios < 10:
            raise StudyError(f"--portfolios {self.portfolios} is too small: PRIM and CART need at least 10")
        if self.reps < 1:
            raise StudyError("--reps must be at least 1")
        if self.draw_source not in DRAW_SOURCES:
            raise StudyError(f"draw source {self.draw_source!r}; allowed {', '.join(DRAW_SOURCES)}")
        if (self.draw_source == "default") != (self.draws == 0):
            raise StudyError("give --prior-draws K or --posterior-draws K with K >= 1, or neither")
        if not 0 < self.p <= 1:
            raise StudyError(f"--p {self.p} is not a probability in (0, 1]")
        if self.trials < 0:
            raise StudyError("--trials must be 0 or more")
        if self.until < 2027:
            raise StudyError("--until must be 2027 or later: the targets are for end-2027")

    def dims(self) -> list[str]:
        out = list(self.levers)
        if self.timing:
            out += [n + START for n in self.levers]
        return out


# -- portfolios and draws --------------------------------------------------------------------
def to_portfolio(u: np.ndarray, study: PathsStudy) -> dict[str, Any]:
    """Unit-cube coordinates -> lever values (typed) and start years."""
    out: dict[str, Any] = {}
    for j, name in enumerate(study.levers):
        v = PROBLEM.variable(name)
        if v.kind == "boolean":
            out[name] = bool(u[j] >= 0.5)
        else:
            x = v.low + float(u[j]) * (v.high - v.low)
            out[name] = round(x) if v.kind == "integer" else x
    if study.timing:
        n = len(START_MONTHS)
        for j, name in enumerate(study.levers):
            out[name + START] = START_MONTHS[min(int(u[len(study.levers) + j] * n), n - 1)]
    return out


def sample_portfolios(study: PathsStudy) -> pd.DataFrame:
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(study.dims()), seed=np.random.default_rng([study.seed, 1])).random(study.portfolios)
    rows = [to_portfolio(row, study) for row in u]
    return pd.DataFrame(rows, columns=study.dims())


def parameter_draws(study: PathsStudy) -> list[dict[str, float]]:
    """K parameter sets ({"group.name": value}); one empty set for the defaults."""
    if study.draw_source == "default":
        return [{}]
    if study.draw_source == "posterior":
        from studies.sensitivity import load_posterior_frame

        frame = load_posterior_frame()
        w = frame["weight"].to_numpy(float)
        rng = np.random.default_rng([study.seed, 0x9057])
        idx = rng.choice(len(frame), size=study.draws, replace=True, p=w / w.sum())
        names = [c for c in frame.columns if c != "weight"]
        return [{n: float(frame[n].iloc[i]) for n in names if math.isfinite(frame[n].iloc[i])} for i in idx]
    from scipy.stats import qmc

    from model.problem import vector_from_unit
    from studies.deep import deep_uncertainties

    deep = {d.name for d in deep_uncertainties()[0]}     # scenario axes, never averaged over: central
    variables = [v for v in PROBLEM.uncertainties if v.name not in deep]
    sizes = [v.size if v.kind == "vector" else 1 for v in variables]
    u = qmc.LatinHypercube(d=sum(sizes), seed=np.random.default_rng([study.seed, 2])).random(study.draws)
    draws = []
    for row in u:
        d, i = {}, 0
        for v, k in zip(variables, sizes, strict=True):
            if v.kind == "vector":     # uniform over the valid vectors (ladders ordered, shares summing to 1)
                d[v.name] = list(vector_from_unit(v, row[i:i + k]))
            else:
                d[v.name] = v.prior[0] + float(row[i]) * (v.prior[1] - v.prior[0])
            i += k
        draws.append(d)
    return draws


def _items(portfolios: pd.DataFrame, draws: list[dict[str, float]], study: PathsStudy, first_id: int = 0):
    """(run id, scenario) for every portfolio × draw; id = portfolio index × K + draw."""
    items = []
    for i, row in enumerate(portfolios.to_dict("records")):
        base = point_scenario(row, f"portfolio{first_id + i}", study.until)
        for j, d in enumerate(draws):
            items.append(((first_id + i) * len(draws) + j, with_parameters(base, d) if d else base))
    return items


def attainment(runs: pd.DataFrame, n_draws: int) -> pd.DataFrame:
    """Per portfolio: P(T_i met), P(all met), mean and 90% range of public cost, runs."""
    df = runs.assign(portfolio=runs["point_id"] // n_draws)
    met = df[[f"{t}_met" for t in TARGET_IDS]].fillna(0.0)
    df = df.assign(all_met=(met == 1.0).all(axis=1).astype(float), **{f"P_{t}": met[f"{t}_met"]
                                                                       for t in TARGET_IDS})
    g = df.groupby("portfolio", sort=True)
    out = g[[f"P_{t}" for t in TARGET_IDS]].mean()
    out["P_all"] = g["all_met"].mean()
    out["cost_cny"] = g["public_cost_cny_cum"].mean()
    out["cost_p05_cny"] = g["public_cost_cny_cum"].quantile(0.05)
    out["cost_p95_cny"] = g["public_cost_cny_cum"].quantile(0.95)
    out["targets_met_mean"] = met.groupby(df["portfolio"]).sum().sum(axis=1) / g.size()
    out["unevaluated_share"] = (df[[f"{t}_met" for t in TARGET_IDS]].isna().any(axis=1)
                                .groupby(df["portfolio"]).mean())
    out["runs"] = g.size()
    return out


def pareto_mask(cost: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Non-dominated points for (minimise cost, maximise probability)."""
    order = np.lexsort((cost, -prob))      # probability descending, then cost ascending
    mask = np.zeros(len(cost), bool)
    best = math.inf
    for i in order:
        if cost[i] < best:
            mask[i] = True
            best = cost[i]
    return mask


# -- scenario discovery ----------------------------------------------------------------------
@dataclass
class PrimResult:
    threshold: float
    cases: int
    trajectory: pd.DataFrame | None
    box: pd.DataFrame | None          # restricted levers: min, max, qp lower/upper, reproducibility
    stats: dict[str, float] | None
    note: str


def run_prim(x: pd.DataFrame, y: np.ndarray, threshold: float, seed: int, resamples: int = 10,
             what: str = "P(all met)") -> PrimResult:
    """EMA Workbench PRIM on lever space; the box chosen is the densest with coverage >= 0.5."""
    cases = int(y.sum())
    if cases == 0:
        return PrimResult(threshold, 0, None, None, None,
                          f"no portfolio reaches {what} >= {threshold:g}: PRIM has no case of interest")
    if cases == len(y):
        return PrimResult(threshold, cases, None, None, None,
                          f"every portfolio reaches {what} >= {threshold:g}: nothing to discover")
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # ipyparallel missing; pandas deprecations inside EMA
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.WARNING)
        xf = x.astype(float)          # EMA 3.0's PRIM fails on bool/int columns under pandas 3
        p = prim.Prim(xf, y.astype(bool), peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        box = p.find_box()
        return _prim_result(box, threshold, cases, seed, resamples)


def _qp(box: Any, i: int) -> dict[str, float]:
    """The larger quasi-p value of each restricted dimension of box ``i`` (NaN sides ignored)."""
    out = {}
    for dim, (lo, hi) in box.p_values[i].items():
        vals = [v for v in (lo, hi) if v is not None and v >= 0 and math.isfinite(v)]
        out[dim] = max(vals) if vals else math.nan
    return out


def _prim_result(box: Any, threshold: float, cases: int, seed: int, resamples: int) -> PrimResult:
    traj = box.peeling_trajectory
    ok = traj[traj["coverage"] >= 0.5]
    i = int(ok["density"].idxmax() if len(ok) else traj["density"].idxmax())
    # Restrictions that are not significant (quasi-p > QP_MAX, Bryant and Lempert 2010) are dropped:
    # with few portfolios over many levers PRIM otherwise restricts levers that have no effect.
    dropped = sorted(d for d, q in _qp(box, i).items() if not q <= QP_MAX)
    for dim in dropped:
        box.drop_restriction(dim, i if dim == dropped[0] else None)
    if dropped:
        i = len(box.peeling_trajectory) - 1
    stats, lims = box.inspect(i, style="data")[0]
    lims.columns = ["min", "max", "qp_lower", "qp_upper"]
    rep = box.resample(i, iterations=resamples, p=0.5, rng=seed)
    lims["reproduce_coverage_pct"] = rep["reproduce coverage"].reindex(lims.index).to_numpy()
    lims["reproduce_density_pct"] = rep["reproduce density"].reindex(lims.index).to_numpy()
    lims.index.name = "lever"
    st = {k: float(stats[k]) for k in ("coverage", "density", "mass", "res_dim")}
    st["box_index"] = i
    st["dropped_restrictions"] = dropped
    return PrimResult(threshold, cases, box.peeling_trajectory.copy(), lims, st, "")


def prim_per_target(lhs: pd.DataFrame, study: PathsStudy) -> pd.DataFrame:
    """A PRIM box per target for "P(T_i met) >= p": which lever ranges make each target likely."""
    rows = []
    for tid in TARGET_IDS:
        y = (lhs[f"P_{tid}"] >= study.p).to_numpy()
        res = run_prim(lhs[study.dims()], y, study.p, study.seed, study.prim_resamples, f"P({tid} met)")
        if res.box is None or res.box.empty:
            note = res.note or "no restriction is significant (quasi-p <= 0.05): no lever range stands out"
            rows.append({"target": tid, "cases": res.cases, "note": note})
            continue
        for lever, r in res.box.iterrows():
            rows.append({"target": tid, "cases": res.cases, "coverage": res.stats["coverage"],
                         "density": res.stats["density"], "lever": lever, **r.to_dict(),
                         "data_min": float(lhs[lever].min()), "data_max": float(lhs[lever].max()), "note": ""})
    return pd.DataFrame(rows)


def run_cart(x: pd.DataFrame, y: np.ndarray, seed: int) -> str:
    """A depth-3 classification tree of "P(all met) >= p" on the lever space, as text rules."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    if y.min() == y.max():
        return "CART: every portfolio falls in the same class; no split to report\n"
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(5, len(y) // 20), random_state=seed)
    tree.fit(x.astype(float).to_numpy(), y.astype(int))
    return export_text(tree, feature_names=list(x.columns), show_weights=True, decimals=3)


# -- optimisation ----------------------------------------------------------------------------
def optimise(study: PathsStudy, draws: list[dict[str, float]], first_id: int, workers: int | None,
             log: Any = None, **run: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NSGA-II (Optuna) over the lever space, generation by generation; portfolios and their runs."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(population_size=POPULATION, seed=study.seed)
    opt = optuna.create_study(directions=["minimize", "maximize"], sampler=sampler)
    dims = study.dims()
    portfolios, all_runs = [], []
    done = 0
    while done < study.trials:
        batch = min(POPULATION, study.trials - done)
        trials = [opt.ask() for _ in range(batch)]
        rows = [to_portfolio(np.array([t.suggest_float(d, 0.0, 1.0) for d in dims]), study) for t in trials]
        frame = pd.DataFrame(rows, columns=dims)
        runs = evaluate_scenarios(_items(frame, draws, study, first_id + done), reps=study.reps,
                                  base_seed=study.seed, scale=study.scale, workers=workers,
                                  **_stage(run, f"generation_{done // POPULATION:04d}"))
        att = attainment(runs, len(draws))
        for k, t in enumerate(trials):
            r = att.loc[first_id + done + k]
            opt.tell(t, [float(r["cost_cny"]), float(r["P_all"])])
        portfolios.append(frame)
        all_runs.append(runs)
        done += batch
        if log:
            log(f"  optimiser: {done}/{study.trials} trials")
    if not portfolios:
        return pd.DataFrame(columns=dims), pd.DataFrame()
    return pd.concat(portfolios, ignore_index=True), pd.concat(all_runs, ignore_index=True)


def _stage(run: dict[str, Any], name: str) -> dict[str, Any]:
    """Executor options for one stage of a study, its store a sub-folder of the study's store."""
    out = {k: v for k, v in run.items() if k != "store"}
    if run.get("store") is not None:
        out["out"] = Path(run["store"]) / name
    return out


def evaluate_packages(study: PathsStudy, draws: list[dict[str, float]], workers: int | None, **run: Any
                      ) -> pd.DataFrame:
    """The library's packages (scenarios/*.toml) on the same draws × replications."""
    files = sorted(REPO_SCENARIOS.glob("*.toml"))
    if not files:
        return pd.DataFrame()
    items, names = [], []
    for i, f in enumerate(files):
        sc = load_scenario(f, until=study.until)
        names.append(sc.name)
        for j, d in enumerate(draws):
            items.append((i * len(draws) + j, with_parameters(sc, d) if d else sc))
    runs = evaluate_scenarios(items, reps=study.reps, base_seed=study.seed, scale=study.scale, workers=workers,
                              **_stage(run, "packages"))
    att = attainment(runs, len(draws))
    att.insert(0, "package", [names[i] for i in att.index])
    return att.reset_index(drop=True)


# -- the study -------------------------------------------------------------------------------
@dataclass
class PathsReport:
    out: Path
    table: pd.DataFrame
    prim: PrimResult
    cart: str
    front: pd.DataFrame
    cheapest: pd.Series | None
    packages: pd.DataFrame
    runs: int
    wall_s: float
    notes: list[str]
    prim_targets: pd.DataFrame


def _check_out(out: Path) -> None:
    if out.exists():
        raise StudyError(f"{out}: already exists; choose a new --out (a paths study is never written "
                         "over another)")


def run_paths(study: PathsStudy, out: str | Path, *, workers: int | None = None,
              progress: bool = False, dask_address: str | None = None,
              dask_local: int | None = None) -> PathsReport:
    """Sample, evaluate, discover, optimise and write everything to ``out`` (atomically).

    Every stage runs through the sweep engine (a local pool, or Dask with ``dask_address`` /
    ``dask_local``) into a resumable store (:func:`studies.points.store_path`): the same call
    after an interruption computes only the runs not yet stored, and gives the same files."""
    out = Path(out)
    study.check()
    _check_out(out)
    run = {"dask_address": dask_address, "dask_local": dask_local, "store": store_path(out)}
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if progress else None
    draws = parameter_draws(study)
    notes: list[str] = []
    with Timer() as t:
        portfolios = sample_portfolios(study)
        portfolios.insert(0, "source", "lhs")
        if log:
            log(f"paths: {len(portfolios)} portfolios × {len(draws)} draw(s) × {study.reps} rep(s)")
        runs = evaluate_scenarios(_items(portfolios.drop(columns="source"), draws, study), reps=study.reps,
                                  base_seed=study.seed, scale=study.scale, workers=workers,
                                  **_stage(run, "portfolios"))
        if study.trials:
            opt_ports, opt_runs = optimise(study, draws, len(portfolios), workers, log, **run)
            portfolios = pd.concat([portfolios, opt_ports.assign(source="optuna")], ignore_index=True)
            runs = pd.concat([runs, opt_runs], ignore_index=True)
        packages = evaluate_packages(study, draws, workers, **run) if study.packages else pd.DataFrame()
    att = attainment(runs, len(draws))
    table = pd.concat([portfolios.reset_index(drop=True), att.reset_index(drop=True)], axis=1)
    table.insert(0, "portfolio", np.arange(len(table)))
    table["pareto_all"] = pareto_mask(table["cost_cny"].to_numpy(), table["P_all"].to_numpy())
    for tid in TARGET_IDS:
        table[f"pareto_{tid}"] = pareto_mask(table["cost_cny"].to_numpy(), table[f"P_{tid}"].to_numpy())
    front = table[table["pareto_all"]].sort_values("cost_cny")
    reach = table[table["P_all"] >= study.p].sort_values("cost_cny")
    cheapest = reach.iloc[0] if len(reach) else None
    if cheapest is None:
        notes.append(f"no evaluated portfolio meets all eight targets with probability >= {study.p:g} "
                     f"(highest P(all met): {table['P_all'].max():.2f}); per-target highest: "
                     + ", ".join(f"{tid} {table[f'P_{tid}'].max():.2f}" for tid in TARGET_IDS))
    lhs = table[table["source"] == "lhs"]
    x = lhs[study.dims()]
    y = (lhs["P_all"] >= study.p).to_numpy()
    prim_result = run_prim(x, y, study.p, study.seed, study.prim_resamples)
    if prim_result.note:
        notes.append(prim_result.note)
    cart = run_cart(x, y, study.seed)
    per_target = prim_per_target(lhs, study)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "scenarios").mkdir(parents=True)
    try:
        _write(tmp, study, table, runs, packages, prim_result, cart, front, cheapest, notes, t.seconds, draws)
        per_target.to_csv(tmp / "prim_per_target.csv", index=False, float_format="%.6g")
        adopt_store(run["store"], tmp)
        tmp.rename(out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return PathsReport(out, table, prim_result, cart, front, cheapest, packages, len(runs), t.seconds, notes,
                       per_target)


def _portfolio_file(row: pd.Series, study: PathsStudy, name: str, why: str) -> str:
    point = {k: row[k] for k in study.dims()}
    for k, v in point.items():          # numpy scalars -> plain types for the TOML writer
        point[k] = v.item() if hasattr(v, "item") else v
    data = scenario_dict(point, study.until)
    desc = (f"{why}: portfolio {int(row['portfolio'])} of `steppe paths` ({len(study.levers)} levers, "
            f"seed {study.seed}, scale {study.scale:g}); P(all eight targets met) = {row['P_all']:.2f}, "
            f"mean public cost {row['cost_cny'] / 1e6:.0f} million CNY over "
            f"{int(row['runs'])} runs")
    return scenario_toml(data, desc, name)


def deep_uncertainty_record() -> dict[str, Any]:
    """What a paths study did with the deep uncertainties: every run holds them at their central
    values (prior draws leave them out); ``steppe robustness`` explores their ranges."""
    from studies.deep import central_values, deep_uncertainties

    deep, source = deep_uncertainties()
    return {"values": "central", "count": len(deep), "source": source, "central": central_values(deep),
            "ranges_explored_by": ["steppe robustness", "steppe report --futures L"],
            "line": DEEP_LINE.format(n=len(deep))}


DEEP_LINE = ("all results hold the {n} deep uncertainties at their central values (parameter draws leave "
             "them out); `steppe robustness` explores their ranges")


def _write(tmp: Path, study: PathsStudy, table: pd.DataFrame, runs: pd.DataFrame, packages: pd.DataFrame,
           prim_result: PrimResult, cart: str, front: pd.DataFrame, cheapest: pd.Series | None,
           notes: list[str], wall_s: float, draws: list[dict[str, float]]) -> None:
    design = {"key": study.key(), "runs_total": len(runs), "wall_s": round(wall_s, 3),
              "draws": len(draws), "package_version": package_version(),
              "deep_uncertainties": deep_uncertainty_record()}
    (tmp / "design.json").write_text(json.dumps(design, indent=1) + "\n", encoding="utf-8")
    table.to_csv(tmp / "portfolios.csv", index=False, float_format="%.6g")
    runs.to_parquet(tmp / "runs.parquet", index=False)
    if draws != [{}]:
        pd.DataFrame(draws).to_csv(tmp / "draws.csv", index_label="draw", float_format="%.6g")
    if len(packages):
        packages.to_csv(tmp / "packages.csv", index=False, float_format="%.6g")
    front.to_csv(tmp / "pareto_front.csv", index=False, float_format="%.6g")
    per_target = [table[table[f"pareto_{tid}"]].assign(target=tid)[["target", "portfolio", "cost_cny",
                                                                    f"P_{tid}"]].rename(columns={f"P_{tid}": "P"})
                  for tid in TARGET_IDS]
    pd.concat(per_target).to_csv(tmp / "pareto_per_target.csv", index=False, float_format="%.6g")
    if prim_result.trajectory is not None:
        prim_result.trajectory.to_csv(tmp / "prim_trajectory.csv", index=False, float_format="%.6g")
        prim_result.box.to_csv(tmp / "prim_box.csv", float_format="%.6g")
    (tmp / "prim.json").write_text(json.dumps({"threshold": prim_result.threshold, "cases": prim_result.cases,
                                               "stats": prim_result.stats, "note": prim_result.note},
                                              indent=1) + "\n", encoding="utf-8")
    (tmp / "cart.txt").write_text(cart, encoding="utf-8")
    written = []
    for k, (_, row) in enumerate(front.head(MAX_FRONT_FILES).iterrows()):
        name = f"pareto_{k:02d}"
        (tmp / "scenarios" / f"{name}.toml").write_text(
            _portfolio_file(row, study, name, f"Pareto front member {k} (cost vs P(all targets met))"),
            encoding="utf-8")
        written.append(name)
    if cheapest is not None:
        name = f"cheapest_p{round(study.p * 100):02d}"
        (tmp / "scenarios" / f"{name}.toml").write_text(
            _portfolio_file(cheapest, study, name, f"Cheapest portfolio with P(all targets met) >= {study.p:g}"),
            encoding="utf-8")
    for f in sorted((tmp / "scenarios").glob("*.toml")):
        load_scenario(f)       # every written file is a valid scenario
    (tmp / "notes.txt").write_text("".join(n + "\n" for n in [*notes, design["deep_uncertainties"]["line"]]),
                                   encoding="utf-8")
    write_figures(tmp, study, table, packages, prim_result)


# -- figures ---------------------------------------------------------------------------------
def _mcny(x: Any) -> Any:
    return np.asarray(x, float) / 1e6


def _front_line(ax: Any, cost: np.ndarray, prob: np.ndarray, **kw: Any) -> None:
    m = pareto_mask(cost, prob)
    order = np.argsort(cost[m])
    ax.step(_mcny(cost[m][order]), prob[m][order], where="post", **kw)


def _cost_axis(ax: Any, costs: np.ndarray) -> None:
    """Log axis for positive costs; symmetric log when some portfolio earns more than it spends."""
    c = np.asarray(costs, float) / 1e6
    c = c[np.isfinite(c)]
    if len(c) and c.min() > 0:
        ax.set_xscale("log")
        ax.set_xlim(c.min() / 1.5, c.max() * 1.5)
    else:
        ax.set_xscale("symlog", linthresh=10)


def write_figures(out: Path, study: PathsStudy, table: pd.DataFrame, packages: pd.DataFrame,
                  prim_result: PrimResult) -> None:
    """Trade-off per target, Pareto front with packages, PRIM box, attainment heatmap."""
    import matplotlib.pyplot as plt

    from model.plotting import save, use_cjk_font

    use_cjk_font()
    cost = table["cost_cny"].to_numpy()
    # trade-off curves, one panel per target and one for all eight
    fig, axes = plt.subplots(3, 3, figsize=(13, 10), sharex=True)
    for ax, tid in zip(axes.flat, ("all", *TARGET_IDS), strict=True):
        col = "P_all" if tid == "all" else f"P_{tid}"
        ax.scatter(_mcny(cost), table[col], s=8, c="0.6", label="portfolios 政策组合")
        _front_line(ax, cost, table[col].to_numpy(), color="C3", lw=1.5, label="Pareto front 帕累托前沿")
        if len(packages):
            ax.scatter(_mcny(packages["cost_cny"]), packages[col], marker="D", s=18, c="k",
                       label="library packages 政策包")
        if tid == "all":
            ax.set_title("All eight targets 全部八项目标", fontsize=9)
        else:
            t = next(t for t in PROBLEM.targets if t.id == tid)
            ax.set_title(f"{tid} {t.label_zh}\n{t.label_en[:48]}", fontsize=8)
        ax.set_ylim(-0.03, 1.03)
        _cost_axis(ax, np.concatenate([cost, packages["cost_cny"].to_numpy() if len(packages) else []]))
        ax.axhline(study.p, color="C0", lw=0.6, ls=":")
    axes[0, 0].legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("mean public cost 2025-2027, million CNY 公共成本（百万元）")
    for ax in axes[:, 0]:
        ax.set_ylabel("P(met) 达标概率")
    fig.suptitle(f"Cost vs probability of meeting the targets 成本与达标概率 ({len(table)} portfolios, "
                 f"{study.draws or 1} draw(s) × {study.reps} rep(s))", fontsize=11)
    fig.tight_layout()
    save(fig, str(out / "tradeoff.png"), dpi=100)
    # Pareto front with the library's packages
    fig, ax = plt.subplots(figsize=(9, 6))
    src = table["source"].to_numpy()
    for s, c, lab in (("lhs", "0.65", "sampled portfolios 抽样组合"), ("optuna", "C0", "NSGA-II trials 优化")):
        m = src == s
        if m.any():
            ax.scatter(_mcny(cost[m]), table["P_all"].to_numpy()[m], s=10, c=c, label=lab)
    _front_line(ax, cost, table["P_all"].to_numpy(), color="C3", lw=2, label="Pareto front 帕累托前沿")
    if len(packages):
        ax.scatter(_mcny(packages["cost_cny"]), packages["P_all"], marker="D", s=30, c="k",
                   label="library packages 政策包", zorder=3)
        for _, r in packages.iterrows():
            ax.annotate(r["package"], (r["cost_cny"] / 1e6, r["P_all"]), fontsize=7, rotation=60,
                        xytext=(2, 4), textcoords="offset points")
    ax.axhline(study.p, color="C0", lw=0.8, ls=":", label=f"p = {study.p:g}")
    _cost_axis(ax, np.concatenate([cost, packages["cost_cny"].to_numpy() if len(packages) else []]))
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("mean public cost 2025-2027, million CNY 公共成本（百万元）")
    ax.set_ylabel("P(all eight targets met) 八项目标全部达成概率")
    ax.set_title("Least-cost paths to the 2027 targets 实现2027年目标的最低成本路径")
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    save(fig, str(out / "pareto_front.png"), dpi=110)
    # PRIM
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.4]})
    if prim_result.trajectory is None:
        for a in (a1, a2):
            a.axis("off")
        a1.text(0.0, 0.5, "PRIM: no box 无结果\n" + prim_result.note, fontsize=10, wrap=True)
    else:
        tr = prim_result.trajectory
        sc = a1.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="viridis", s=14)
        i = int(prim_result.stats["box_index"])
        a1.scatter([tr["coverage"].iloc[i]], [tr["density"].iloc[i]], s=90, facecolors="none", edgecolors="C3")
        fig.colorbar(sc, ax=a1, label="restricted levers 受限杠杆数")
        a1.set_xlabel("coverage 覆盖率")
        a1.set_ylabel("density 密度")
        a1.set_title(f"PRIM peeling trajectory 剥离轨迹: P(all) ≥ {study.p:g}", fontsize=9)
        box = prim_result.box
        names = []
        for k, (name, r) in enumerate(box.iterrows()):
            lever = name[:-len(START)] if name.endswith(START) else name
            v = PROBLEM.variable(lever)
            lo, hi = (0, 24) if name.endswith(START) else (
                (0.0, 1.0) if v.kind == "boolean" else (v.low, v.high))
            a, b = (r["min"] - lo) / (hi - lo), (r["max"] - lo) / (hi - lo)
            a2.barh(k, b - a, left=a, color="C0", alpha=0.7)
            qp = np.nanmax([r["qp_lower"], r["qp_upper"]])
            lims = (f"{BASE_YEAR + int(r['min']) // 12}-{BASE_YEAR + int(r['max']) // 12}" if name.endswith(START)
                    else f"{r['min']:.3g} - {r['max']:.3g}")
            a2.text(min(b, 0.98), k, f" {lims}, qp={qp:.2g}", va="center", ha="right" if b > 0.6 else "left",
                    fontsize=7)
            zh = "起始时间" if name.endswith(START) else (v.label_zh or "")
            names.append(f"{name}\n{zh}")
        a2.set_yticks(range(len(names)), names, fontsize=7)
        a2.set_ylim(-0.6, len(names) - 0.4)
        a2.set_xlim(0, 1)
        a2.set_xlabel("share of the lever's range 杠杆取值范围比例")
        st = prim_result.stats
        a2.set_title(f"box 盒: coverage {st['coverage']:.2f}, density {st['density']:.2f}, "
                     f"mass {st['mass']:.2f}", fontsize=9)
    fig.tight_layout()
    save(fig, str(out / "prim_boxes.png"), dpi=110)
    # attainment per target of the front's portfolios and the packages
    front = table[table["pareto_all"]].sort_values("cost_cny").head(20)
    rows = [(f"#{int(r['portfolio'])} {r['cost_cny'] / 1e6:.0f} M", r) for _, r in front.iterrows()]
    n_front = len(rows)
    for tid in TARGET_IDS:
        reach = table[table[f"P_{tid}"] >= study.p].sort_values("cost_cny")
        if len(reach):
            r = reach.iloc[0]
            rows.append((f"cheapest {tid} #{int(r['portfolio'])} {r['cost_cny'] / 1e6:.0f} M", r))
    n_cheap = len(rows)
    if len(packages):
        rows += [(f"{r['package']} {r['cost_cny'] / 1e6:.0f} M", r) for _, r in packages.iterrows()]
    cols = [*(f"P_{t}" for t in TARGET_IDS), "P_all"]
    mat = np.array([[float(r[c]) for c in cols] for _, r in rows])
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.3 * len(rows)))
    im = ax.imshow(mat, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for (a, b), v in np.ndenumerate(mat):
        ax.text(b, a, f"{v:.2f}", ha="center", va="center", fontsize=6)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax.set_xticks(range(len(cols)), [*TARGET_IDS, "all 全部"], fontsize=8)
    ax.axhline(n_front - 0.5, color="k", lw=1)
    ax.axhline(n_cheap - 0.5, color="k", lw=1)
    fig.colorbar(im, ax=ax, label="P(met) 达标概率", shrink=0.7)
    ax.set_title("Attainment 达标概率: Pareto front (all) 前沿 | cheapest per target 各目标最低成本 | "
                 "packages 政策包", fontsize=9)
    fig.tight_layout()
    save(fig, str(out / "attainment.png"), dpi=110)
