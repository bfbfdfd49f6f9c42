"""Global sensitivity analysis of the 2027 outcomes: Morris screening and Sobol indices (SALib).

``steppe sensitivity --method morris|sobol --over prior|levers|posterior|deep [--under SCENARIO] --out DIR``

- **Policy.** Without ``--under`` the levers keep their end-2024 defaults: the indices describe
  the world under 2024 policy, in which several targets are never in play, and every output says
  so. ``--under full_plan_003`` (a library package or a scenario file) holds that scenario's
  levers and dated lever changes while the parameters vary, so the indices speak of a world in
  which the targets are in play.

- **Inputs** come from the problem definition (:data:`model.problem.PROBLEM`): ``prior`` is every
  behavioural parameter that carries a calibration prior, over its prior; ``levers`` is every
  policy lever over its allowed range (on/off levers as 0/1, switched on above 0.5);
  ``posterior`` is every calibrated parameter over the 1%-99% weighted quantiles of the
  posterior (needs ``calibration.posterior``); ``deep`` is the deep uncertainties over their
  ranges (:func:`studies.deep.deep_uncertainties`). Vector parameters (ladders and shares, whose
  elements are tied by order or by summing to one) are left out and listed in ``skipped.csv``:
  varying one element alone would break the constraint or let the check refuse the run.
  Integer inputs are sampled continuously and rounded at run time.
- **Outcomes** (one row per run, averaged over ``--reps`` replications with common random
  numbers): each target indicator T1-T8 at end-2027, its margin ``T*_margin`` = value - target,
  ``targets_met`` (how many of the eight are met), and every other outcome the problem definition
  declares (adoption, talent adequacy, data-industry scale, public cost, ...). ``--yearly``
  adds December values of league indicators for 2025-2027 (``name@YYYY``).
- **Budget**: Morris ``--budget`` is the number of trajectories r (runs = r (k + 1)); Sobol
  ``--budget`` is the base sample N, a power of two (runs = N (k + 2), or N (2k + 2) with second
  order). ``--groups`` groups inputs by submodel (parameters) or lever group.
- **Output** (written to a temporary folder, moved into place when complete): ``design.json``,
  ``samples.csv``, ``runs.parquet``, ``morris_indices.csv`` or ``sobol_indices.csv`` (and
  ``sobol_second_order.csv``), ``warnings.txt``, ``sobol_recommendation.csv`` after Morris,
  ``bars.png`` (indices with 95% intervals) and ``heatmap.png`` (inputs × outcomes).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.problem import GROUP_ZH, PROBLEM, Variable
from studies.batch import model_source_hash, package_version
from studies.points import StudyError, Timer, adopt_store, evaluate, store_path

METHODS = ("morris", "sobol")
OVER = ("prior", "levers", "posterior", "deep")
BASELINE_LABEL = "under 2024 policy (end-2024 lever defaults)"
MORRIS_LEVELS = 4
MIN_MORRIS_R, WARN_MORRIS_R = 2, 10
MIN_SOBOL_N, WARN_SOBOL_N = 16, 512
RESAMPLES = 1000
CONF_LEVEL = 0.95
POSTERIOR_QUANTILES = (0.01, 0.99)
RECOMMEND_SHARE = 0.1       # Morris mu* at least this share of an outcome's largest
RECOMMEND_MAX = 15
NEGLIGIBLE = 0.005      # Sobol indices closer to zero than this are not flagged as negative

FIGURE_OUTCOMES = (*(t.id for t in PROBLEM.targets), "targets_met", "public_cost_cny_cum")


@dataclass(frozen=True)
class Input:
    """One sampled axis: a lever or parameter with the range the study samples it over."""

    name: str
    low: float
    high: float
    kind: str
    group: str
    label_en: str
    label_zh: str


@dataclass
class Study:
    """What a sensitivity study computes; ``key()`` must match for a stored study to be reused."""

    method: str
    over: str
    inputs: list[Input]
    outcomes: list[str]
    budget: int
    reps: int = 1
    seed: int = 0
    scale: float = 0.1
    until: int = 2027
    groups: bool = False
    second_order: bool = False
    yearly: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)
    under: str | None = None       # a scenario (library name or file) whose levers hold; None: 2024 policy

    def key(self) -> dict[str, Any]:
        key = {"method": self.method, "over": self.over, "inputs": [asdict(i) for i in self.inputs],
               "budget": self.budget, "reps": self.reps, "seed": self.seed, "scale": self.scale,
               "until": self.until, "groups": self.groups, "second_order": self.second_order,
               "yearly": self.yearly, "model_sha256": model_source_hash()}
        if self.under is not None:
            from studies.sweep import _digest, scenario_record

            key["under"] = self.policy_label()
            key["under_sha256"] = _digest(scenario_record(self.base_scenario()))
        return key

    def base_scenario(self) -> Any:
        """The scenario whose levers (and dated lever changes) hold while the inputs vary."""
        return under_scenario(self.under, self.until)

    def policy_label(self) -> str:
        """Which policy the indices speak of: 'under full_plan_003' or under 2024 policy."""
        return BASELINE_LABEL if self.under is None else f"under {self.base_scenario().name}"

    @property
    def n_factors(self) -> int:
        return len({i.group for i in self.inputs}) if self.groups else len(self.inputs)

    def runs_per_rep(self) -> int:
        k = self.n_factors
        if self.method == "morris":
            return self.budget * (k + 1)
        return self.budget * (2 * k + 2 if self.second_order else k + 2)

    def salib_problem(self) -> dict[str, Any]:
        problem: dict[str, Any] = {"num_vars": len(self.inputs), "names": [i.name for i in self.inputs],
                                   "bounds": [[i.low, i.high] for i in self.inputs]}
        if self.groups:
            problem["groups"] = [i.group for i in self.inputs]
        return problem


def under_scenario(name: str | None, until: int = 2027) -> Any:
    """A library package by name (``scenarios/NAME.toml``) or a scenario file; None: the baseline."""
    from model.scenario import Scenario, ScenarioError, load_scenario
    from studies.points import REPO_SCENARIOS

    if name is None:
        return Scenario(until=until)
    path = Path(name)
    if not path.suffix and (REPO_SCENARIOS / f"{name}.toml").is_file():
        path = REPO_SCENARIOS / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(f.stem for f in REPO_SCENARIOS.glob("*.toml")))
        raise StudyError(f"--under {name!r}: neither a scenario file nor a library package ({known})")
    try:
        return load_scenario(path, until=until)
    except ScenarioError as exc:
        raise StudyError(str(exc)) from None


# -- inputs and outcomes ---------------------------------------------------------------------
def _input(v: Variable, low: float, high: float) -> Input:
    group = v.group
    zh = v.label_zh or GROUP_ZH.get(group, "") or ""
    return Input(v.name, float(low), float(high), v.kind, group, v.label_en, zh)


def load_posterior_frame() -> pd.DataFrame:
    """The calibrated posterior (issue 9's ``calibration.posterior``): "group.param" columns and
    ``weight``; a :class:`StudyError` when this checkout has none or it does not fit the model."""
    try:
        from calibration.posterior import load_posterior
    except ImportError:
        raise StudyError("the posterior is not available: this checkout has no calibration.posterior "
                         "(issue 9); use --over prior / --prior-draws") from None
    try:
        return load_posterior().frame
    except ValueError as exc:          # PosteriorError: missing file, other model version, bad entry
        raise StudyError(f"the posterior cannot be used: {exc}") from None


def _posterior_ranges() -> dict[str, tuple[float, float]]:
    """Weighted 1%-99% quantiles of each posterior marginal."""
    post = load_posterior_frame()
    w = post["weight"].to_numpy(float)
    w = w / w.sum()
    out = {}
    for col in post.columns:
        if col == "weight":
            continue
        x = post[col].to_numpy(float)
        order = np.argsort(x, kind="stable")
        cdf = np.cumsum(w[order])
        lo, hi = (x[order][min(int(np.searchsorted(cdf, q)), len(x) - 1)] for q in POSTERIOR_QUANTILES)
        out[col] = (float(lo), float(hi))
    return out


def select_inputs(over: str, names: Sequence[str] | None = None) -> tuple[list[Input], list[tuple[str, str]]]:
    """The inputs of ``over`` (restricted to ``names`` if given) and the (name, reason) left out."""
    if over not in OVER:
        raise StudyError(f"--over {over!r} is not allowed; choose one of {', '.join(OVER)}")
    skipped: list[tuple[str, str]] = []
    candidates: dict[str, Input] = {}
    if over == "levers":
        for v in PROBLEM.levers:
            low, high = (0.0, 1.0) if v.kind == "boolean" else (v.low, v.high)
            candidates[v.name] = _input(v, low, high)
    elif over == "deep":
        from studies.deep import deep_uncertainties

        for d in deep_uncertainties()[0]:
            candidates[d.name] = _input(PROBLEM.variable(d.name), d.low, d.high)
    else:
        ranges = _posterior_ranges() if over == "posterior" else None
        for v in PROBLEM.uncertainties:
            if v.kind == "vector":
                skipped.append((v.name, "vector parameter (elements tied by order or sum); not sampled"))
                continue
            if ranges is None:
                low, high = v.prior
            elif v.name in ranges:
                low, high = ranges[v.name]
            else:
                skipped.append((v.name, "not in the posterior"))
                continue
            candidates[v.name] = _input(v, low, high)
    if names:
        chosen = []
        for n in names:
            if n in candidates:
                chosen.append(candidates[n])
                continue
            why = dict(skipped).get(n)
            if why:
                raise StudyError(f"input {n!r} cannot be sampled over {over}: {why}")
            kind = {"levers": "lever", "deep": "deep uncertainty"}.get(over, "parameter with a prior")
            raise StudyError(f"unknown input {n!r}: not a {kind} (see `steppe levers` / `steppe params`; "
                             f"--over {over} samples {len(candidates)} inputs)")
        if len(set(names)) != len(names):
            dup = next(n for n in names if list(names).count(n) > 1)
            raise StudyError(f"input {dup!r} is named twice")
        inputs = chosen
        skipped = [s for s in skipped if s[0] in names]
    else:
        inputs = list(candidates.values())
    for i in inputs:
        if not (math.isfinite(i.low) and math.isfinite(i.high)) or i.high <= i.low:
            raise StudyError(f"input {i.name!r} has an empty range [{i.low:g}, {i.high:g}]; "
                             "it cannot be varied")
    if len(inputs) < 2:
        raise StudyError("a sensitivity study needs at least two inputs")
    return inputs, skipped


def all_outcomes(yearly: bool = False) -> list[str]:
    ids = {t.id for t in PROBLEM.targets}
    names = [t.id for t in PROBLEM.targets] + [f"{t.id}_margin" for t in PROBLEM.targets] + ["targets_met"]
    names += [o.name for o in PROBLEM.outcomes if o.name not in ids]     # every other declared outcome
    if yearly:
        from studies.points import YEARLY_COLUMNS

        names += [f"{c}@{y}" for c in YEARLY_COLUMNS for y in (2025, 2026, 2027)]
    return names


def check_outcomes(names: Sequence[str] | None, yearly: bool) -> list[str]:
    known = all_outcomes(yearly)
    if not names:
        return known
    for n in names:
        if n not in known:
            raise StudyError(f"unknown outcome {n!r}; known outcomes are: {', '.join(known)}")
    return list(dict.fromkeys(names))


def outcome_frame(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per point (mean over replications): the requested outcomes, margins and targets met."""
    df = runs.copy()
    for t in PROBLEM.targets:
        df[f"{t.id}_margin"] = df[t.outcome] - t.threshold
    df["targets_met"] = df[[f"{t.id}_met" for t in PROBLEM.targets]].sum(axis=1, min_count=1)
    return df.groupby("point_id", sort=True)[list(outcomes)].mean()


def label(name: str) -> tuple[str, str]:
    """(English, Chinese) label of an outcome column."""
    base, _, year = name.partition("@")
    suffix = f" {year}" if year else ""
    if base == "targets_met":
        return "Targets met (of 8)" + suffix, "达标目标数（共8项）" + suffix
    if base.endswith("_margin"):
        t = next(t for t in PROBLEM.targets if t.id == base[:-7])
        return f"{t.id} margin (value - {t.threshold:g})", f"{t.id} 差距（值 - 目标）"
    try:
        o = PROBLEM.outcome(base)
        return (f"{o.name} {o.label_en}" if o.name.startswith("T") else o.label_en) + suffix, o.label_zh + suffix
    except KeyError:
        return base + suffix, base + suffix


# -- sampling and analysis -------------------------------------------------------------------
def sample(study: Study) -> np.ndarray:
    """The SALib design (one row per run, columns as ``study.inputs``)."""
    problem = study.salib_problem()
    if study.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=study.budget, num_levels=MORRIS_LEVELS, seed=study.seed)
    from SALib.sample import sobol

    return sobol.sample(problem, study.budget, calc_second_order=study.second_order, scramble=True,
                        seed=study.seed)


def _factor_names(study: Study) -> list[str]:
    return list(dict.fromkeys(i.group for i in study.inputs)) if study.groups else [i.name for i in study.inputs]


def analyse(study: Study, x: np.ndarray, y: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Indices per outcome × input (long table), second-order table (Sobol, on request), warnings."""
    problem = study.salib_problem()
    rows, second, notes = [], [], []
    for outcome in y.columns:
        v = y[outcome].to_numpy(float)
        if not np.all(np.isfinite(v)):
            notes.append(f"{outcome}: {int((~np.isfinite(v)).sum())} run(s) gave no value; indices not computed")
            continue
        if np.ptp(v) == 0:
            notes.append(f"{outcome}: the same value ({v[0]:g}) in every run; it does not respond to "
                         "these inputs over these ranges")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if study.method == "morris":
                from SALib.analyze import morris

                res = morris.analyze(problem, x, v, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                     num_levels=MORRIS_LEVELS, seed=study.seed)
                for j, name in enumerate(res["names"]):
                    rows.append({"outcome": outcome, "input": name, "mu": res["mu"][j],
                                 "mu_star": res["mu_star"][j], "sigma": res["sigma"][j],
                                 "mu_star_conf": res["mu_star_conf"][j]})
            else:
                from SALib.analyze import sobol

                # SALib's sobol.analyze ignores a seed of 0 (``if seed:``) and then draws its
                # bootstrap from numpy's global state: pass a seed that is never 0.
                boot_seed = int(np.random.SeedSequence([study.seed, 0x50B0]).generate_state(1)[0]) | 1
                res = sobol.analyze(problem, v, calc_second_order=study.second_order,
                                    num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=boot_seed)
                names = _factor_names(study)
                for j, name in enumerate(names):
                    rows.append({"outcome": outcome, "input": name, "S1": res["S1"][j],
                                 "S1_conf": res["S1_conf"][j], "ST": res["ST"][j],
                                 "ST_conf": res["ST_conf"][j]})
                    for idx in ("S1", "ST"):
                        if res[idx][j] + res[f"{idx}_conf"][j] < 0 and res[idx][j] < -NEGLIGIBLE:
                            notes.append(f"{outcome} / {name}: {idx} = {res[idx][j]:.3f} is negative "
                                         f"beyond its interval (±{res[f'{idx}_conf'][j]:.3f}); the "
                                         "design is too small for this outcome")
                if study.second_order:
                    for a in range(len(names)):
                        for b in range(a + 1, len(names)):
                            second.append({"outcome": outcome, "input_1": names[a], "input_2": names[b],
                                           "S2": res["S2"][a, b], "S2_conf": res["S2_conf"][a, b]})
    table = pd.DataFrame(rows)
    if study.method == "sobol" and len(table):
        wide = (table["ST_conf"] > table["ST"].abs()) & (table["ST"] > 0.01)
        if wide.any():
            notes.append(f"{int(wide.sum())} of {len(table)} total-order indices have a 95% interval "
                         "wider than the index itself; raise --budget for firmer estimates")
    return table, (pd.DataFrame(second) if second else None), notes


def design_warnings(study: Study) -> list[str]:
    k = study.n_factors
    notes = []
    if study.method == "morris" and study.budget < WARN_MORRIS_R:
        notes.append(f"Morris with r = {study.budget} trajectories for {k} inputs: screening "
                     f"rankings are unstable below r = {WARN_MORRIS_R}")
    if study.method == "sobol":
        if study.budget < WARN_SOBOL_N:
            notes.append(f"Sobol with N = {study.budget} for {k} inputs: indices and their intervals "
                         f"are rough below N = {WARN_SOBOL_N}")
        if k > 20:
            notes.append(f"Sobol over {k} inputs: screen with Morris first and keep the ones it "
                         "recommends (sobol_recommendation.csv)")
    return notes


def recommend_sobol(morris_table: pd.DataFrame, outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """Inputs whose Morris mu* reaches ``RECOMMEND_SHARE`` of the largest for some outcome, ranked
    by that share (at most ``RECOMMEND_MAX``): a subset worth a Sobol study."""
    t = morris_table if outcomes is None else morris_table[morris_table["outcome"].isin(outcomes)]
    if t.empty:
        return pd.DataFrame(columns=["input", "score", "outcome"])
    top = t.groupby("outcome")["mu_star"].transform("max")
    t = t.assign(score=np.where(top > 0, t["mu_star"] / top, 0.0))
    best = t.sort_values(["score", "outcome"], ascending=[False, True]).drop_duplicates("input")
    best = best[best["score"] >= RECOMMEND_SHARE].head(RECOMMEND_MAX)
    return best[["input", "score", "outcome"]].reset_index(drop=True)


# -- figures ---------------------------------------------------------------------------------
def _input_label(study: Study, name: str) -> str:
    if study.groups:
        return f"{name} {GROUP_ZH.get(name, '')}".strip()
    i = next(i for i in study.inputs if i.name == name)
    zh = i.label_zh if i.label_zh and i.label_zh != GROUP_ZH.get(i.group) else ""
    return f"{name} {zh}".strip()


def figures(study: Study, table: pd.DataFrame, out: Path, top: int = 12) -> list[Path]:
    """Bars with 95% intervals for the target outcomes, and a heatmap of inputs × outcomes."""
    import matplotlib.pyplot as plt

    from model.plotting import save, use_cjk_font

    use_cjk_font()
    written = []
    if table.empty:
        return written
    morris = study.method == "morris"
    value, conf = ("mu_star", "mu_star_conf") if morris else ("ST", "ST_conf")
    present = list(dict.fromkeys(table["outcome"]))
    shown = [o for o in FIGURE_OUTCOMES if o in present] or present[:10]
    if shown:
        ncol = 2
        nrow = math.ceil(len(shown) / ncol)
        # wide enough for the inputs' bilingual names on the left of each column
        fig, axes = plt.subplots(nrow, ncol, figsize=(18, 3.3 * nrow), squeeze=False)
        for ax, outcome in zip(axes.flat, shown, strict=False):
            t = table[table["outcome"] == outcome].sort_values(value, ascending=False).head(top)[::-1]
            ypos = np.arange(len(t))
            if morris:
                ax.barh(ypos, t[value], xerr=t[conf], color="#4C72B0", ecolor="0.3", capsize=2)
                ax.set_xlabel("μ* (mean |elementary effect| 基本效应绝对值均值)")
            else:
                ax.barh(ypos + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], color="#4C72B0",
                        ecolor="0.3", capsize=2, label="total ST 总效应")
                ax.barh(ypos - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], color="#DD8452",
                        ecolor="0.3", capsize=2, label="first S1 一阶")
                ax.set_xlabel("Sobol index 指数 (95% CI)")
                ax.legend(fontsize=7, loc="lower right")
            ax.set_yticks(ypos, [_input_label(study, n) for n in t["input"]], fontsize=7)
            en, zh = label(outcome)
            ax.set_title(f"{zh}\n{en}", fontsize=9)
        for ax in list(axes.flat)[len(shown):]:
            ax.axis("off")
        kind = "Morris screening 筛选" if morris else "Sobol indices 指数"
        fig.suptitle(f"{kind} {study.policy_label()}: over {study.over}, {len(study.inputs)} inputs 输入, "
                     f"budget {study.budget}, {study.reps} rep(s)", fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 0.98))
        save(fig, str(out / "bars.png"), dpi=110)
        written.append(out / "bars.png")
    # heatmap, each outcome's indices scaled by its largest (Morris) or as they are (Sobol ST)
    wide = table.pivot(index="input", columns="outcome", values=value)
    cols = [c for c in all_outcomes(True) if c in wide.columns and not c.endswith("_margin")]
    wide = wide[cols]
    if morris:
        wide = wide / wide.max().replace(0, np.nan)
    rank = wide.max(axis=1).sort_values(ascending=False)
    wide = wide.loc[rank.index[:30]]
    fig, ax = plt.subplots(figsize=(3.5 + 0.45 * len(cols), 2.2 + 0.28 * len(wide)))
    im = ax.imshow(wide.to_numpy(float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_yticks(range(len(wide)), [_input_label(study, n) for n in wide.index], fontsize=7)
    ax.set_xticks(range(len(cols)), [f"{c}\n{label(c)[1][:10]}" for c in cols], fontsize=6, rotation=90)
    cb = fig.colorbar(im, ax=ax, shrink=0.6)
    cb.set_label("μ* / max μ* 按结果归一" if morris else "ST 总效应指数")
    ax.set_title(("Morris" if morris else "Sobol") + " inputs × outcomes 输入 × 结果", fontsize=10)
    fig.tight_layout()
    save(fig, str(out / "heatmap.png"), dpi=110)
    written.append(out / "heatmap.png")
    return written


# -- the study -------------------------------------------------------------------------------
def _check_existing(out: Path, study: Study) -> pd.DataFrame | None:
    """Stored runs of the same design at ``out``, or None when ``out`` does not exist."""
    if not out.exists():
        return None
    design = out / "design.json"
    if not out.is_dir() or not design.is_file():
        raise StudyError(f"{out}: exists and is not a sensitivity study (no design.json); "
                         "choose a new --out")
    try:
        stored = json.loads(design.read_text(encoding="utf-8"))["key"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
        raise StudyError(f"{design}: not a readable study design; choose a new --out") from None
    mine = json.loads(json.dumps(study.key()))
    for k in mine:
        if stored.get(k) != mine[k]:
            shown = k if k != "inputs" else "inputs (names or ranges)"
            raise StudyError(f"{out}: holds a study of another design ({shown} differs: stored "
                             f"{str(stored.get(k))[:80]!s}, asked {str(mine[k])[:80]!s}); choose a new --out")
    runs_file = out / "runs.parquet"
    if not runs_file.is_file():
        raise StudyError(f"{out}: the study has no runs.parquet; remove the folder or choose a new --out")
    return pd.read_parquet(runs_file)


@dataclass
class Report:
    out: Path
    table: pd.DataFrame
    notes: list[str]
    runs: int
    wall_s: float
    recommendation: pd.DataFrame | None = None


def check_budget(study: Study) -> None:
    """Refuse a method, budget or replication count the design cannot work with."""
    if study.method not in METHODS:
        raise StudyError(f"--method {study.method!r} is not allowed; choose morris or sobol")
    minimum = MIN_MORRIS_R if study.method == "morris" else MIN_SOBOL_N
    what = "trajectories r" if study.method == "morris" else "base sample N"
    if study.budget < minimum:
        raise StudyError(f"--budget {study.budget} is too small for {study.method}: the {what} must be "
                         f"at least {minimum}")
    if study.method == "sobol" and study.budget & (study.budget - 1):
        lo = 1 << (study.budget.bit_length() - 1)
        raise StudyError(f"--budget {study.budget}: Sobol's base sample must be a power of two "
                         f"(e.g. {lo} or {lo * 2})")
    if study.reps < 1:
        raise StudyError("--reps must be at least 1")


def run_study(study: Study, out: str | Path, *, workers: int | None = None,
              progress: bool = False, dask_address: str | None = None,
              dask_local: int | None = None) -> Report:
    """Sample, run (or reuse the stored runs of the same design), analyse, write ``out``.

    The runs go through the sweep engine (a local pool, or Dask with ``dask_address`` /
    ``dask_local``) into a resumable store (:func:`studies.points.store_path`): an interrupted
    study is finished by the same call, bit for bit what an uninterrupted one gives."""
    out = Path(out)
    check_budget(study)
    stored = _check_existing(out, study)
    notes = design_warnings(study)
    x = sample(study)
    points = pd.DataFrame(x, columns=[i.name for i in study.inputs])
    points.insert(0, "point_id", np.arange(len(points)))
    if study.under is not None and study.over == "levers":
        raise StudyError("--under with --over levers: the scenario's dated lever changes would override the "
                         "sampled levers; vary parameters (--over prior, posterior or deep) under a scenario")
    with Timer() as t:
        if stored is None and study.under is not None:
            from studies.points import evaluate_scenarios, typed, with_parameters

            base = study.base_scenario()
            items = [(int(r["point_id"]), with_parameters(base, typed(r))) for r in points.to_dict("records")]
            runs = evaluate_scenarios(items, reps=study.reps, base_seed=study.seed, scale=study.scale,
                                      workers=workers, yearly=study.yearly, progress=progress,
                                      out=store_path(out), dask_address=dask_address, dask_local=dask_local)
        elif stored is None:
            runs = evaluate(points, reps=study.reps, base_seed=study.seed, scale=study.scale,
                            until=study.until, workers=workers, yearly=study.yearly, progress=progress,
                            out=store_path(out), dask_address=dask_address, dask_local=dask_local)
        else:
            runs = stored
    y = outcome_frame(runs, study.outcomes)
    table, second, more = analyse(study, x, y)
    notes += more
    rec = recommend_sobol(table) if study.method == "morris" and not table.empty and not study.groups else None
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        design = {"key": study.key(), "policy": study.policy_label(), "outcomes": study.outcomes,
                  "runs_per_rep": study.runs_per_rep(),
                  "runs_total": len(runs), "wall_s": round(t.seconds, 3) if stored is None else None,
                  "package_version": package_version(),
                  "skipped": [{"name": n, "reason": r} for n, r in study.skipped]}
        (tmp / "design.json").write_text(json.dumps(design, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        points.to_csv(tmp / "samples.csv", index=False)
        runs.to_parquet(tmp / "runs.parquet", index=False)
        name = "morris_indices.csv" if study.method == "morris" else "sobol_indices.csv"
        table.to_csv(tmp / name, index=False, float_format="%.6g")
        if second is not None:
            second.to_csv(tmp / "sobol_second_order.csv", index=False, float_format="%.6g")
        pd.DataFrame(study.skipped, columns=["name", "reason"]).to_csv(tmp / "skipped.csv", index=False)
        if rec is not None:
            rec.to_csv(tmp / "sobol_recommendation.csv", index=False, float_format="%.4g")
        (tmp / "warnings.txt").write_text("".join(n + "\n" for n in notes), encoding="utf-8")
        figures(study, table, tmp)
        if out.exists():
            adopt_store(out / "store", tmp)
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            adopt_store(store_path(out), tmp)
            tmp.rename(out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return Report(out, table, notes, len(runs), t.seconds, rec)


def summary_text(report: Report, study: Study, top: int = 5) -> str:
    """The top inputs per target outcome, for the terminal."""
    t = report.table
    if t.empty:
        return "no indices computed"
    value = "mu_star" if study.method == "morris" else "ST"
    lines = [f"{study.method} indices {study.policy_label()}"]
    for outcome in [o for o in FIGURE_OUTCOMES if o in set(t["outcome"])]:
        s = t[t["outcome"] == outcome].sort_values(value, ascending=False).head(top)
        if study.method == "morris":
            parts = [f"{r.input} {r.mu_star:.3g}±{r.mu_star_conf:.2g}" for r in s.itertuples()]
        else:
            parts = [f"{r.input} ST {r.ST:.2f}±{r.ST_conf:.2f}" for r in s.itertuples()]
        lines.append(f"{outcome:<20} " + "; ".join(parts))
    lines.append(deep_uncertainty_line(study))
    return "\n".join(lines)


def deep_uncertainty_line(study: Study) -> str:
    """Where the deep uncertainties were in this study: inputs varied over their ranges (named),
    or held at their central values; never averaged over without saying so."""
    from studies.deep import deep_uncertainties

    deep = [d.name for d in deep_uncertainties()[0]]
    varied = [i.name for i in study.inputs if i.name in deep]
    if varied:
        held = len(deep) - len(varied)
        return (f"deep uncertainties: {len(varied)} varied over their ranges as inputs ({', '.join(varied)})"
                + (f"; the other {held} at their central values" if held else ""))
    return (f"deep uncertainties: all {len(deep)} at their central values; their ranges: "
            "--over deep, steppe robustness")
