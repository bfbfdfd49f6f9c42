"""Robust paths under deep uncertainty: portfolios × futures, satisficing, regret, vulnerability.

``steppe robustness [--levers ...] [--portfolios N] [--packages NAME ...] [--posterior-draws K]
[--futures L] [--deep NAME ...] [--reps R] [--ceilings M ...] --out DIR``

In EMA Workbench's vocabulary: **policies** (portfolios of levers) × **scenarios** (futures).

1. **Futures.** K parameter sets drawn from the calibrated posterior (the calibrated parameters;
   the defaults when K = 0 or without a posterior) crossed with a Latin hypercube of L points over
   the *deep uncertainties*: parameters no calibration target constrains, for which a range is
   all we can defend. The list is :func:`deep_uncertainties`: ``model.problem.deep_uncertainties()``
   where the problem definition declares it, else the provisional list
   :data:`studies.deep.PROVISIONAL_DEEP_UNCERTAINTIES` (the compute market's hand-set parameters that the
   Sobol study found to drive T1 and T5), each over its prior range. K × L futures in all.
2. **Portfolios.** A Latin hypercube over the chosen levers and their start years (as ``steppe
   paths``) plus named library packages (default ``full_plan_003`` and ``baseline``).
3. **Evaluation.** Every portfolio in every future × R replications through the sweep engine,
   with common random numbers: future f and replication r are identical for every portfolio
   (same parameters, same seed), so differences between portfolios are the levers' doing. Runs go
   to a resumable store; a local pool or Dask.
4. **Robustness** per portfolio: the share of futures (× replications) in which each target, and
   all eight, are met (satisficing; an unevaluated target counts as missed); the regret in targets
   met against the best portfolio of the same future and replication (mean, 90th percentile, max);
   public cost 2025-2027 (mean, 5%, 95%). Ranked by the share meeting all eight, then the mean
   targets met, then the largest regret, then cost. The most robust portfolio within each budget
   ceiling (mean cost) is written as a ready-to-run scenario file.
5. **Vulnerability** (:func:`vulnerability`) for ``full_plan_003`` and the most robust portfolios:
   PRIM (EMA Workbench: coverage, density, quasi-p, reproducibility over half-samples) and a CART
   tree over the futures' parameters, case of interest "target T missed", rendered as sentences
   ("T5 is missed when ... exceeds ... and ...").
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.problem import PROBLEM
from model.scenario import load_scenario
from studies.batch import model_source_hash, package_version
from studies.deep import deep_uncertainties, latin_futures
from studies.paths import REPO_SCENARIOS, PathsStudy, run_cart, run_prim, sample_portfolios
from studies.points import (
    StudyError,
    Timer,
    adopt_store,
    evaluate_scenarios,
    point_scenario,
    scenario_dict,
    scenario_toml,
    short_label,
    store_path,
    variable,
    with_parameters,
)

TARGET_IDS = tuple(t.id for t in PROBLEM.targets)
DEFAULT_PACKAGES = ("full_plan_003", "baseline")
VULNERABLE_TOP = 3          # most robust portfolios examined for vulnerability besides full_plan_003


@dataclass
class RobustnessStudy:
    """What a robustness study computes; ``key()`` identifies it."""

    levers: list[str] = field(default_factory=lambda: [v.name for v in PROBLEM.levers])
    portfolios: int = 200
    packages: list[str] = field(default_factory=lambda: list(DEFAULT_PACKAGES))
    posterior_draws: int = 10
    futures: int = 10             # Latin hypercube points over the deep uncertainties
    deep: list[str] = field(default_factory=list)     # empty: deep_uncertainties()
    reps: int = 1
    seed: int = 0
    scale: float = 0.2
    until: int = 2027
    timing: bool = True
    ceilings_mcny: list[float] = field(default_factory=list)     # empty: cost terciles
    prim_resamples: int = 10

    def key(self) -> dict[str, Any]:
        deep, source = deep_uncertainties(self.deep)
        return {**asdict(self), "deep_ranges": [asdict(d) for d in deep], "deep_source": source,
                "model_sha256": model_source_hash()}

    def check(self) -> None:
        if self.portfolios and self.portfolios < 2:
            raise StudyError(f"--portfolios {self.portfolios}: give 0 (packages only) or at least 2")
        if self.portfolios == 0 and not self.packages:
            raise StudyError("no portfolios: give --portfolios N or --packages NAME ...")
        if self.portfolios:
            PathsStudy(levers=self.levers, portfolios=max(10, self.portfolios), trials=0).check()
        if self.futures < 1:
            raise StudyError("--futures must be at least 1")
        if self.posterior_draws < 0:
            raise StudyError("--posterior-draws must be 0 or more")
        if self.reps < 1:
            raise StudyError("--reps must be at least 1")
        if self.until < 2027:
            raise StudyError("--until must be 2027 or later: the targets are for end-2027")
        for c in self.ceilings_mcny:
            if not (math.isfinite(c) and c > 0):
                raise StudyError(f"--ceilings {c!r}: a budget ceiling is a positive number of million CNY")
        for name in self.packages:
            if not (REPO_SCENARIOS / f"{name}.toml").is_file():
                known = ", ".join(sorted(f.stem for f in REPO_SCENARIOS.glob("*.toml")))
                raise StudyError(f"--packages: no library package {name!r}; known: {known}")
        if len(set(self.packages)) != len(self.packages):
            raise StudyError("--packages: a package is named twice")
        deep_uncertainties(self.deep)


# -- futures and portfolios ------------------------------------------------------------------
def sample_futures(study: RobustnessStudy) -> pd.DataFrame:
    """K posterior draws × L Latin-hypercube points over the deep uncertainties: one row per future
    (``future``, ``draw``, ``lhs``, then the parameters). A deep uncertainty the posterior also
    draws takes the hypercube's value."""
    deep, _ = deep_uncertainties(study.deep)
    draws: list[dict[str, float]] = [{}]
    if study.posterior_draws:
        from studies.sensitivity import load_posterior_frame

        frame = load_posterior_frame()
        w = frame["weight"].to_numpy(float)
        rng = np.random.default_rng([study.seed, 0x9057])
        idx = rng.choice(len(frame), size=study.posterior_draws, replace=True, p=w / w.sum())
        names = [c for c in frame.columns if c != "weight"]
        draws = [{n: float(frame[n].iloc[i]) for n in names if math.isfinite(frame[n].iloc[i])} for i in idx]
    lhs = latin_futures(study.futures, study.seed, deep).drop(columns="lhs").to_dict("records")
    rows = []
    for j, d in enumerate(draws):
        for k, point in enumerate(lhs):
            rows.append({"future": len(rows), "draw": j, "lhs": k, **d, **point})
    return pd.DataFrame(rows)


def portfolio_table(study: RobustnessStudy) -> tuple[pd.DataFrame, list[Any]]:
    """Portfolios (one row each: ``portfolio``, ``name``, ``source``, lever values) and their
    scenarios (before the futures' parameters are set)."""
    rows, scenarios = [], []
    if study.portfolios:
        ps = PathsStudy(levers=study.levers, portfolios=study.portfolios, seed=study.seed, until=study.until,
                        timing=study.timing, trials=0)
        lhs = sample_portfolios(ps)
        for i, rec in enumerate(lhs.to_dict("records")):
            name = f"portfolio{i}"
            scenarios.append(point_scenario(rec, name, study.until))
            rows.append({"name": name, "source": "lhs", **rec})
    for name in study.packages:
        scenarios.append(load_scenario(REPO_SCENARIOS / f"{name}.toml", until=study.until))
        rows.append({"name": name, "source": "package"})
    table = pd.DataFrame(rows)
    table.insert(0, "portfolio", np.arange(len(table)))
    return table, scenarios


def _future_params(futures: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in futures.columns if c not in ("future", "draw", "lhs")]
    return [{c: v for c, v in rec.items() if not (isinstance(v, float) and math.isnan(v))}
            for rec in futures[cols].to_dict("records")]


def items(scenarios: list[Any], futures: pd.DataFrame) -> list[tuple[int, Any]]:
    """(run id, scenario) for every portfolio in every future, future by future (a worker then
    reuses one set-up across the portfolios of a future); id = portfolio × F + future."""
    params = _future_params(futures)
    n_f = len(params)
    out = []
    for f, d in enumerate(params):
        for p, sc in enumerate(scenarios):
            out.append((p * n_f + f, with_parameters(sc, d) if d else sc))
    return out


# -- robustness metrics ----------------------------------------------------------------------
def per_run(runs: pd.DataFrame, n_futures: int) -> pd.DataFrame:
    """Runs with ``portfolio``, ``future``, targets met (0/1; unevaluated = missed), ``all_met``
    and ``targets_met``."""
    df = runs.assign(portfolio=runs["point_id"] // n_futures, future=runs["point_id"] % n_futures)
    met = df[[f"{t}_met" for t in TARGET_IDS]].fillna(0.0)
    return df.assign(**{f"met_{t}": met[f"{t}_met"] for t in TARGET_IDS},
                     all_met=(met == 1.0).all(axis=1).astype(float), targets_met=met.sum(axis=1))


def robustness(runs: pd.DataFrame, n_futures: int) -> pd.DataFrame:
    """Per portfolio: satisficing shares ``S_T1`` .. ``S_T8``, ``S_all``; mean targets met; regret
    in targets met against the best portfolio of each (future, replication): mean, 90th
    percentile, max; public cost mean, 5% and 95% (CNY); runs; the share of runs with an
    unevaluated target."""
    df = per_run(runs, n_futures)
    best = df.groupby(["future", "rep"])["targets_met"].transform("max")
    df = df.assign(regret=best - df["targets_met"])
    g = df.groupby("portfolio", sort=True)
    out = g[[f"met_{t}" for t in TARGET_IDS]].mean()
    out.columns = [f"S_{t}" for t in TARGET_IDS]
    out["S_all"] = g["all_met"].mean()
    out["targets_met_mean"] = g["targets_met"].mean()
    out["regret_mean"] = g["regret"].mean()
    out["regret_p90"] = g["regret"].quantile(0.9)
    out["regret_max"] = g["regret"].max()
    out["cost_cny"] = g["public_cost_cny_cum"].mean()
    out["cost_p05_cny"] = g["public_cost_cny_cum"].quantile(0.05)
    out["cost_p95_cny"] = g["public_cost_cny_cum"].quantile(0.95)
    out["unevaluated_share"] = (df[[f"{t}_met" for t in TARGET_IDS]].isna().any(axis=1)
                                .groupby(df["portfolio"]).mean())
    out["runs"] = g.size()
    return out


def rank(table: pd.DataFrame) -> pd.DataFrame:
    """Most robust first: all eight met most often, then most targets met, least worst regret, cheapest."""
    return table.sort_values(["S_all", "targets_met_mean", "regret_max", "cost_cny"],
                             ascending=[False, False, True, True], kind="stable")


def default_ceilings(table: pd.DataFrame) -> list[float]:
    """Budget ceilings (million CNY) at the terciles and the top of the portfolios' mean costs."""
    c = table["cost_cny"].to_numpy(float) / 1e6
    c = c[np.isfinite(c)]
    if not len(c):
        return []
    qs = sorted({float(f"{q:.3g}") for q in np.quantile(c, [1 / 3, 2 / 3, 1.0]) if q > 0})
    return qs


def robust_at_ceilings(table: pd.DataFrame, ceilings: Sequence[float]) -> pd.DataFrame:
    """The most robust portfolio whose mean cost is within each ceiling (million CNY)."""
    rows = []
    ranked = rank(table)
    for c in ceilings:
        within = ranked[ranked["cost_cny"] <= c * 1e6]
        if len(within):
            rows.append({"ceiling_mcny": c, **within.iloc[0].to_dict()})
        else:
            rows.append({"ceiling_mcny": c, "portfolio": -1, "name": "none within this ceiling"})
    return pd.DataFrame(rows)


# -- vulnerability ---------------------------------------------------------------------------
def _fmt(x: float) -> str:
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def box_sentence(target: str, box: pd.DataFrame, x: pd.DataFrame, stats: dict[str, Any]) -> str:
    """A PRIM box as a planner's sentence: 'T5 is missed when build time exceeds 15 months and ...'."""
    parts = []
    for name, r in box.iterrows():
        v = variable(str(name))
        what = short_label(str(name))
        unit = f" {v.unit}" if v.unit and v.unit not in ("-", "share", "0-1") else ""
        lo_data, hi_data = float(x[name].min()), float(x[name].max())
        lo, hi = float(r["min"]), float(r["max"])
        low_cut, high_cut = lo > lo_data, hi < hi_data
        if low_cut and high_cut:
            parts.append(f"{what} lies between {_fmt(lo)} and {_fmt(hi)}{unit}")
        elif low_cut:
            parts.append(f"{what} exceeds {_fmt(lo)}{unit}")
        elif high_cut:
            parts.append(f"{what} is below {_fmt(hi)}{unit}")
    if not parts:
        return f"{target}: no condition stands out"
    return (f"{target} is missed when " + " and ".join(parts)
            + f" (coverage {stats['coverage']:.2f}, density {stats['density']:.2f} of the futures in the box)")


def vulnerability(runs: pd.DataFrame, futures: pd.DataFrame, portfolio: int, name: str, seed: int = 0,
                  resamples: int = 10) -> tuple[pd.DataFrame, list[str], str]:
    """Scenario discovery for one portfolio over the futures: for each target missed in some but
    not all of its runs, a PRIM box (restrictions with quasi-p <= 0.05 kept, reproducibility over
    ``resamples`` half-samples) and a CART tree. Returns the boxes (long table), the sentences and
    the trees' text."""
    n_f = len(futures)
    df = per_run(runs, n_f)
    df = df[df["portfolio"] == portfolio]
    cols = [c for c in futures.columns if c not in ("future", "draw", "lhs")
            and futures[c].nunique() > 1 and futures[c].notna().all()]
    x = futures.set_index("future").loc[df["future"].to_numpy(), cols].reset_index(drop=True).astype(float)
    rows, sentences, trees = [], [], []
    for tid in TARGET_IDS:
        y = (df[f"met_{tid}"].to_numpy() == 0.0)
        missed = int(y.sum())
        head = f"{name}: {tid} missed in {missed} of {len(y)} runs"
        if missed == 0 or missed == len(y) or not cols:
            why = "never missed" if missed == 0 else ("missed in every future" if missed == len(y)
                                                       else "no varying parameter")
            sentences.append(f"{head}: {why}")
            rows.append({"portfolio": portfolio, "name": name, "target": tid, "missed": missed, "runs": len(y),
                         "note": why})
            continue
        res = run_prim(x, y, 0.5, seed, resamples, f"{tid} missed")
        trees.append(f"## {name}: {tid} missed\n" + run_cart(x, y, seed))
        if res.box is None or res.box.empty:
            note = res.note or "no restriction is significant (quasi-p <= 0.05)"
            sentences.append(f"{head}: {note}")
            rows.append({"portfolio": portfolio, "name": name, "target": tid, "missed": missed, "runs": len(y),
                         "note": note})
            continue
        sentences.append(f"{head}. " + box_sentence(tid, res.box, x, res.stats))
        for dim, r in res.box.iterrows():
            rows.append({"portfolio": portfolio, "name": name, "target": tid, "missed": missed, "runs": len(y),
                         "coverage": res.stats["coverage"], "density": res.stats["density"],
                         "parameter": dim, **r.to_dict(), "data_min": float(x[dim].min()),
                         "data_max": float(x[dim].max()), "note": ""})
    return pd.DataFrame(rows), sentences, "\n".join(trees)


# -- the study -------------------------------------------------------------------------------
@dataclass
class RobustnessReport:
    out: Path
    table: pd.DataFrame            # per portfolio, most robust first
    at_ceilings: pd.DataFrame
    sentences: list[str]
    runs: int
    wall_s: float
    deep_source: str


def run_robustness(study: RobustnessStudy, out: str | Path, *, workers: int | None = None,
                   progress: bool = False, dask_address: str | None = None,
                   dask_local: int | None = None) -> RobustnessReport:
    """Sample portfolios and futures, run every pair (resumable, any executor), write ``out``."""
    out = Path(out)
    study.check()
    if out.exists():
        raise StudyError(f"{out}: already exists; choose a new --out (an interrupted study is resumed "
                         "by the same command: its runs wait in a hidden store beside --out)")
    deep, source = deep_uncertainties(study.deep)
    futures = sample_futures(study)
    ports, scenarios = portfolio_table(study)
    store = store_path(out)
    if progress:
        print(f"robustness: {len(ports)} portfolios × {len(futures)} futures × {study.reps} rep(s) = "
              f"{len(ports) * len(futures) * study.reps} runs; deep uncertainties from the {source}: "
              + ", ".join(d.name for d in deep), file=sys.stderr, flush=True)
    with Timer() as t:
        runs = evaluate_scenarios(items(scenarios, futures), reps=study.reps, base_seed=study.seed,
                                  scale=study.scale, workers=workers, out=store / "runs",
                                  dask_address=dask_address, dask_local=dask_local, progress=progress)
    rob = robustness(runs, len(futures))
    table = pd.concat([ports.reset_index(drop=True), rob.reset_index(drop=True)], axis=1)
    ranked = rank(table)
    ceilings = list(study.ceilings_mcny) or default_ceilings(table)
    best = robust_at_ceilings(table, ceilings)
    examine = [int(p) for p in table.loc[table["name"] == "full_plan_003", "portfolio"]]
    examine += [int(p) for p in ranked["portfolio"].head(VULNERABLE_TOP) if int(p) not in examine]
    boxes, sentences, trees = [], [], []
    for p in examine:
        b, s, tr = vulnerability(runs, futures, p, str(table.loc[p, "name"]), study.seed, study.prim_resamples)
        boxes.append(b)
        sentences += s
        trees.append(tr)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "scenarios").mkdir(parents=True)
    try:
        design = {"key": study.key(), "runs_total": len(runs), "wall_s": round(t.seconds, 3),
                  "futures": len(futures), "portfolios": len(ports), "package_version": package_version()}
        (tmp / "design.json").write_text(json.dumps(design, indent=1) + "\n", encoding="utf-8")
        ranked.to_csv(tmp / "robustness.csv", index=False, float_format="%.6g")
        best.to_csv(tmp / "robust_at_ceilings.csv", index=False, float_format="%.6g")
        futures.to_csv(tmp / "futures.csv", index=False, float_format="%.6g")
        runs.to_parquet(tmp / "runs.parquet", index=False)
        pd.concat(boxes, ignore_index=True).to_csv(tmp / "vulnerability_boxes.csv", index=False,
                                                   float_format="%.6g")
        (tmp / "vulnerability.txt").write_text("".join(s + "\n" for s in sentences), encoding="utf-8")
        (tmp / "cart.txt").write_text("\n".join(trees), encoding="utf-8")
        _write_scenarios(tmp / "scenarios", study, best, table, len(futures))
        adopt_store(store, tmp)
        tmp.rename(out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return RobustnessReport(out, ranked, best, sentences, len(runs), t.seconds, source)


def _write_scenarios(folder: Path, study: RobustnessStudy, best: pd.DataFrame, table: pd.DataFrame,
                     n_futures: int) -> None:
    """The most robust portfolio within each ceiling as a ready-to-run scenario file."""
    for _, row in best.iterrows():
        if int(row["portfolio"]) < 0:
            continue
        r = table.loc[int(row["portfolio"])]
        name = f"robust_le_{row['ceiling_mcny']:.0f}mcny"
        why = (f"Most robust portfolio with mean public cost <= {row['ceiling_mcny']:g} million CNY "
               f"(`steppe robustness`, {r['name']}, seed {study.seed}, scale {study.scale:g}, {n_futures} "
               f"futures × {study.reps} rep(s)): all eight targets met in {r['S_all']:.0%} of runs, "
               f"{r['targets_met_mean']:.2f} targets met on average, worst regret {r['regret_max']:.0f} "
               f"target(s), mean cost {r['cost_cny'] / 1e6:.0f} million CNY")
        if r["source"] == "package":
            # the library file as it is (its description cites its sources), the finding in a comment
            text = (REPO_SCENARIOS / f"{r['name']}.toml").read_text(encoding="utf-8")
            text = f"# {why}\n# (library package {r['name']}.toml, unchanged below)\n" + text
        else:
            dims = PathsStudy(levers=study.levers, timing=study.timing).dims()
            point = {k: (r[k].item() if hasattr(r[k], "item") else r[k]) for k in dims}
            text = scenario_toml(scenario_dict(point, study.until), why, name)
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
        load_scenario(folder / f"{name}.toml")       # every written file is a valid scenario


def summary_text(report: RobustnessReport, top: int = 8) -> str:
    """The robustness table of the leaders and of the packages, for the terminal."""
    t = report.table
    show = pd.concat([t.head(top), t[t["source"] == "package"]]).drop_duplicates("portfolio")
    cols = ["name", *(f"S_{x}" for x in TARGET_IDS), "S_all", "targets_met_mean", "regret_mean", "regret_max"]
    frame = show[cols].copy()
    frame["cost_M"] = show["cost_cny"] / 1e6
    frame["cost_p05_M"] = show["cost_p05_cny"] / 1e6
    frame["cost_p95_M"] = show["cost_p95_cny"] / 1e6
    return frame.to_string(index=False, float_format=lambda v: f"{v:.2f}")
