"""Compare the scenarios of a batch: the chance of meeting each 2027 target, target indicators
with their intervals, the public cost of each package, fan charts and differences from baseline.

Every figure is computed from the result store of ``steppe batch``, whose runs hold the deep
uncertainties at their central values (unless a scenario file sets one): the report says so in one
line (:func:`deep_uncertainty_line`) and records it in ``provenance.json``. Their ranges are explored
by ``steppe report --futures L`` and ``steppe robustness``; compare does not pool over them.

Differences from the baseline are taken replication by replication: replication r of every
scenario shares its random numbers (common random numbers), so the paired difference isolates the
effect of the levers. Tables are CSV (UTF-8 with a byte-order mark so that spreadsheet programs
show the Chinese labels); figures are PNG and SVG with Chinese and English labels.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MultipleLocator, ScalarFormatter

from model.indicators import TARGET_YEAR, TARGETS
from model.outputs import OutputError, move_into_place, os_reason, prepare_output
from model.plotting import plt, save, use_cjk_font
from studies.store import ResultStore, StoreError, StoreState

Q = (0.05, 0.25, 0.5, 0.75, 0.95)
YI = 1e8   # 亿元

# Chinese titles of the scenario library (scenarios/*.toml); other scenarios show their name,
# and the first line of their description when it is short (see :func:`set_titles`).
SCENARIO_TITLES = {
    "baseline": "基准（2024年底政策） baseline",
    "infrastructure_first": "基础设施优先 infrastructure first",
    "talent_first": "人才优先 talent first",
    "capability": "转型能力 capability",
    "finance": "金融支持 finance",
    "green_compute": "绿色算力 green compute",
    "data_elements": "数据要素 data elements",
    "ai_plus": "人工智能+ AI+",
    "capacity_without_demand": "有算力无需求 capacity without demand",
    "full_plan_003": "003号方案全部措施 full plan (seed 003)",
}

UNITS = {"T1": "2024年=100  index, 2024 = 100", "T2": "数据集 datasets", "T3": "产品 products",
         "T4": "案例 cases", "T5": "P (FP16)", "T6": "%", "T7": "试点 pilots", "T8": "环节 links of 8"}
SERIES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "T1": ("data_industry_cny_per_year", lambda d: 100 * d["data_industry_cny_per_year"] / d["base"]),
    "T2": ("datasets", lambda d: d["datasets"]),
    "T3": ("data_products_listed", lambda d: d["data_products_listed"]),
    "T4": ("cases", lambda d: d["cases"]),
    "T5": ("compute_capacity_p", lambda d: d["compute_capacity_p"]),
    "T6": ("green_share_new", lambda d: 100 * d["green_share_new"]),
    "T7": ("pilots_operating", lambda d: d["pilots_operating"]),
    "T8": ("chain_links", lambda d: d["chain_links"]),
}


REPORT_FILES = (
    "summary.txt", "provenance.json", "probabilities.csv", "targets_by_scenario.csv", "costs_by_scenario.csv",
    "costs_by_lever.csv", "difference_from_baseline.csv", "compute_by_scenario.csv",
    *(f"{stem}.{ext}" for stem in (*(f"fan_{t.id}" for t in TARGETS), "public_cost",
                                   "difference_from_baseline") for ext in ("png", "svg")))

_titles: dict[str, str] = {}


def set_titles(manifest: dict) -> None:
    """Titles of this batch's scenarios: the library's for its names, else the first line of
    the description recorded in the manifest when it is short, else the name."""
    _titles.clear()
    for name, text in (manifest.get("scenario_descriptions") or {}).items():
        line = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
        if name not in SCENARIO_TITLES and line and len(line) <= 40:
            _titles[name] = line


@dataclass
class Report:
    folder: Path
    table_text: str
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def title(name: str) -> str:
    zh = SCENARIO_TITLES.get(name) or _titles.get(name)
    return f"{name} — {zh}" if zh else name


def short_title(name: str) -> str:
    zh = SCENARIO_TITLES.get(name)
    return f"{zh.split(' ')[0]}\n{name}" if zh else name


def _quantiles(values: pd.Series, prefix: str) -> dict[str, float]:
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return {f"{prefix}_{_qname(q)}": np.nan for q in Q}
    return {f"{prefix}_{_qname(q)}": float(x) for q, x in zip(Q, np.quantile(v, Q), strict=True)}


def _qname(q: float) -> str:
    return "median" if q == 0.5 else f"q{round(q * 100):02d}"


def run_costs(costs: pd.DataFrame) -> pd.DataFrame:
    """Public cost of each run: the sum of every lever's cost over the run's years, in CNY."""
    return costs.groupby(["scenario", "rep"], sort=False, as_index=False)["cost_cny"].sum()


def target_summary(targets: pd.DataFrame, costs: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """One row per scenario and target: P(met), median and 90% interval, public cost."""
    cost = run_costs(costs).groupby("scenario")["cost_cny"]
    rows = []
    for (scen, tid), g in targets.groupby(["scenario", "target"], sort=False):
        met = g["met"].dropna()
        c = cost.get_group(scen) if scen in cost.groups else pd.Series(dtype=float)
        rows.append({
            "scenario": scen, "title": title(scen), "target": tid,
            "label_zh": g["label_zh"].iloc[0], "label_en": g["label_en"].iloc[0],
            "unit": g["unit"].iloc[0], "target_value": g["target_value"].iloc[0],
            "runs": len(g), "runs_evaluated": len(met),
            "p_met": float(met.astype(bool).mean()) if len(met) else np.nan,
            **_quantiles(g["value"], "value"),
            "public_cost_median_cny": float(c.median()) if len(c) else np.nan,
            "public_cost_median_yi": float(c.median()) / YI if len(c) else np.nan,
        })
    out = pd.DataFrame(rows)
    out["_s"] = out["scenario"].map({s: i for i, s in enumerate(order)})
    return out.sort_values(["_s", "target"], kind="stable").drop(columns="_s").reset_index(drop=True)


def probability_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Scenarios as rows, P(met) of T1-T8 as columns, then runs and public cost (亿元)."""
    wide = summary.pivot(index="scenario", columns="target", values="p_met")
    wide.columns = [f"{t} P(met)" for t in wide.columns]
    first = summary.drop_duplicates("scenario").set_index("scenario")
    wide.insert(0, "title", first["title"])
    wide.insert(1, "runs", first["runs"])
    wide.insert(2, "runs_evaluated", summary.groupby("scenario")["runs_evaluated"].min())
    wide["public_cost_median_yi"] = first["public_cost_median_yi"]
    return wide.loc[list(first.index)].reset_index()


def cost_summary(costs: pd.DataFrame, order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Total public cost per scenario (median and 90% interval), and the median by lever."""
    per_run = run_costs(costs)
    rows = []
    for scen in order:
        c = per_run.loc[per_run["scenario"] == scen, "cost_cny"]
        if len(c):
            q = _quantiles(c, "cost_cny")
            rows.append({"scenario": scen, "title": title(scen), "runs": len(c), **q,
                         **{k.replace("cny", "yi"): v / YI for k, v in q.items()}})
    by_lever = (costs.groupby(["scenario", "rep", "lever", "lever_zh"], sort=False)["cost_cny"].sum()
                .groupby(["scenario", "lever", "lever_zh"], sort=False).median().div(YI)
                .rename("cost_median_yi").reset_index())
    return pd.DataFrame(rows), by_lever


def baseline_differences(targets: pd.DataFrame, costs: pd.DataFrame, baseline: str,
                         order: list[str]) -> pd.DataFrame:
    """Scenario minus baseline, replication by replication (same seed), for each target value
    at end-2027 and for the public cost: median, 50% and 90% intervals, change in P(met)."""
    cost = run_costs(costs).assign(target="cost", label_zh="公共成本", label_en="public cost",
                                   unit="亿元 100m CNY", met=pd.NA)
    cost["value"] = cost["cost_cny"] / YI
    cols = ["scenario", "rep", "seed", "target", "label_zh", "label_en", "unit", "value", "met",
            "evaluated_at", "evaluated"]
    targets = targets.assign(evaluated=targets["met"].notna())
    runs = (targets.groupby(["scenario", "rep"], sort=False)
            .agg(seed=("seed", "first"), evaluated_at=("evaluated_at", "first"),
                 evaluated=("evaluated", "all")).reset_index())
    both = pd.concat([targets[cols], cost.merge(runs, on=["scenario", "rep"])[cols]])
    base = both[both["scenario"] == baseline]
    rows = []
    for scen in order:
        if scen == baseline:
            continue
        pair = both[both["scenario"] == scen].merge(base, on=["rep", "target"], suffixes=("", "_b"))
        if (pair["seed"] != pair["seed_b"]).any():
            raise StoreError(f"{scen} and {baseline} ran replications with different seeds")
        for tid, g in pair.groupby("target", sort=False):
            # a pair counts only when both runs were evaluated at end-2027, at the same month
            valid = g["evaluated"] & g["evaluated_b"] & (g["evaluated_at"] == g["evaluated_at_b"])
            diff = (g["value"] - g["value_b"]).where(valid)
            met, met_b = g["met"].dropna().astype(bool), g["met_b"].dropna().astype(bool)
            rows.append({"scenario": scen, "title": title(scen), "target": tid,
                         "label_zh": g["label_zh"].iloc[0], "label_en": g["label_en"].iloc[0],
                         "unit": g["unit"].iloc[0], "pairs": int(diff.notna().sum()),
                         **_quantiles(diff, "diff"),
                         "runs_evaluated": int(g["evaluated"].sum()),
                         "runs_evaluated_baseline": int(g["evaluated_b"].sum()),
                         "p_met": float(met.mean()) if len(met) else np.nan,
                         "p_met_baseline": float(met_b.mean()) if len(met_b) else np.nan})
    out = pd.DataFrame(rows)
    if len(out):
        out["p_met_diff"] = out["p_met"] - out["p_met_baseline"]
    return out


# -- figures ---------------------------------------------------------------------------------
def fan_data(league: pd.DataFrame, targets: pd.DataFrame, tid: str) -> pd.DataFrame:
    """Median, 50% and 90% bands across replications, per scenario and month."""
    d = league.copy()
    if tid == "T1":
        t1 = targets[targets["target"] == "T1"]
        base = {(s, r): _t1_base(x) for s, r, x in zip(t1["scenario"], t1["rep"], t1["detail"],
                                                         strict=True)}
        d["base"] = [base[k] for k in zip(d["scenario"], d["rep"], strict=True)]
    d["y"] = SERIES[tid][1](d)
    q = d.groupby(["scenario", "date"], sort=False)["y"].quantile(list(Q)).unstack()
    q.columns = [_qname(c) for c in q.columns]
    return q.reset_index()


def _decimal_year(dates: pd.Series) -> np.ndarray:
    """'YYYY-MM' -> the middle of that month in years (2025.04 for January 2025)."""
    ym = dates.str.split("-", expand=True).astype(int)
    return (ym[0] + (ym[1] - 0.5) / 12).to_numpy()


def _save_all(fig: plt.Figure, paths: list[Path]) -> None:
    """Save in each format; the layout is computed once, on the first save."""
    for path in paths:
        save(fig, str(path), dpi=90)
        fig.set_layout_engine("none")


T1_BASE_KEY = "run_rate_2024_12_cny_per_year"


def _t1_base(detail: str) -> float:
    """The end-2024 data-industry scale T1 grows from (its detail entry for December 2024)."""
    value = json.loads(detail).get(T1_BASE_KEY)
    return np.nan if value is None else float(value)


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 5 if n > 6 else 3 if n > 4 else n)
    return -(-n // cols), cols


def fan_chart(fan: pd.DataFrame, tid: str, p_met: dict[str, float], order: list[str],
              paths: list[Path]) -> plt.Figure:
    """Fan chart of one target indicator: one panel per scenario, against its target line."""
    t = {x.id: x for x in TARGETS}[tid]
    scen = [s for s in order if s in set(fan["scenario"])]
    rows, cols = _grid(len(scen))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows + 0.8), sharex=True,
                             sharey=True, squeeze=False, layout="constrained")
    colours = plt.get_cmap("tab10")
    for i, (ax, s) in enumerate(zip(axes.flat, scen, strict=False)):
        g = fan[fan["scenario"] == s]
        x = _decimal_year(g["date"])
        c = colours(i % 10)
        ax.fill_between(x, g["q05"], g["q95"], color=c, alpha=0.18, lw=0, label="90%")
        ax.fill_between(x, g["q25"], g["q75"], color=c, alpha=0.38, lw=0, label="50%")
        ax.plot(x, g["median"], color=c, lw=2, label="中位数 median")
        if tid == "T1":
            months = np.arange(1, len(x) + 1)
            ax.plot(x, 100 * 1.2 ** (months / 12), "k--", lw=1, label="年均20% 20%/yr")
        else:
            ax.axhline(t.target, color="k", ls="--", lw=1, label="目标 target")
        p = p_met.get(s, np.nan)
        ptxt = "n/a" if np.isnan(p) else f"{100 * p:.0f}%"
        ax.set_title(f"{title(s)}\nP(达成 met) = {ptxt}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MultipleLocator(1))
    for ax in axes.flat[len(scen):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(UNITS[tid], fontsize=8)
    _readable("y", axes.flat[0], fan[fan["scenario"].isin(scen)][["q05", "q95"]].to_numpy(),
              t.target if tid != "T1" else 100.0, percent=UNITS[tid] == "%")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{tid} {t.label_zh}\n{t.label_en} — 中位数、50%和90%区间 median, 50% and 90% bands",
                 fontsize=11)
    _save_all(fig, paths)
    return fig


def _readable(axis: str, ax: plt.Axes, values: np.ndarray, ref: float, percent: bool = False) -> None:
    """Plain tick labels (no offset such as '1e-10+8e1') and limits that show a near-constant
    series (around ``ref``) as a flat line, rather than magnifying rounding noise."""
    which = ax.yaxis if axis == "y" else ax.xaxis
    which.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.ticklabel_format(axis=axis, style="plain")
    setlim = ax.set_ylim if axis == "y" else ax.set_xlim
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if percent:
        setlim(0, 105)
        return
    if not len(v):
        return
    lo, hi = min(float(v.min()), ref), max(float(v.max()), ref)
    if hi - lo <= 1e-6 * max(abs(hi), abs(lo), 1.0):
        pad = max(0.05 * abs(hi), 1.0)
        setlim(lo - pad, hi + pad)


def difference_chart(diff: pd.DataFrame, baseline: str, paths: list[Path],
                     years: str = "whole run") -> plt.Figure:
    """Scenario minus baseline at end-2027 per target (the public cost over ``years``): median,
    50% and 90% intervals."""
    ids = [*[t.id for t in TARGETS], "cost"]
    fig, axes = plt.subplots(3, 3, figsize=(15, 12), layout="constrained")
    labels = {t.id: (t.label_zh, t.label_en) for t in TARGETS} | {"cost": ("公共成本", "public cost")}
    for ax, tid in zip(axes.flat, ids, strict=True):
        g = diff[diff["target"] == tid].iloc[::-1]
        y = np.arange(len(g))
        ax.hlines(y, g["diff_q05"], g["diff_q95"], color="tab:blue", lw=1.2, label="90%")
        ax.hlines(y, g["diff_q25"], g["diff_q75"], color="tab:blue", lw=4, label="50%")
        ax.plot(g["diff_median"], y, "o", color="k", ms=4, label="中位数 median")
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, [short_title(s) for s in g["scenario"]], fontsize=7)
        unit = g["unit"].iloc[0] if len(g) else ""
        zh, en = labels[tid]
        if tid == "cost":
            ax.set_title(f"{zh}（{'全期' if years == 'whole run' else years}）\n{en}, {years} ({unit})",
                         fontsize=8)
        else:
            ax.set_title(f"{tid} {zh}\n{en} ({unit})", fontsize=8)
        _readable("x", ax, g[["diff_q05", "diff_q95"]].to_numpy(), 0.0)
        ax.tick_params(axis="x", labelsize=7)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"与基准情景之差（同一随机数，逐次配对），2027年底\ndifference from {baseline}, paired "
                 "by replication (common random numbers), end-2027", fontsize=11)
    _save_all(fig, paths)
    return fig


def cost_chart(cost: pd.DataFrame, paths: list[Path], years: str = "whole run") -> plt.Figure:
    """Public cost of each package over the run: median with its 90% interval (亿元); each value
    is written beyond its interval's right end, clear of the bar and the whisker."""
    g = cost.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(g) + 1.6), layout="constrained")
    y = np.arange(len(g))
    ax.barh(y, g["cost_yi_median"], color="tab:purple", alpha=0.7, label="中位数 median")
    ax.hlines(y, g["cost_yi_q05"], g["cost_yi_q95"], color="k", lw=1.2, label="90%")
    right = np.fmax(g[["cost_yi_median", "cost_yi_q95"]].max(axis=1).to_numpy(), 0.0)
    span = max(float(np.nanmax(right)) if len(right) else 0.0, 1e-9)
    for yi, x, v in zip(y, right, g["cost_yi_median"], strict=True):
        ax.text(x + 0.02 * span, yi, f"{v:.2f}", va="center", ha="left", fontsize=7)
    left = min(0.0, float(np.nanmin(g["cost_yi_q05"])) if len(g) else 0.0)
    ax.set_xlim(left, span * 1.18)
    ax.set_yticks(y, [title(s) for s in g["scenario"]], fontsize=8)
    ax.set_xlabel("亿元 100m CNY")
    ax.legend(fontsize=7, loc="best")
    zh = "全期" if years == "whole run" else years
    ax.set_title(f"各情景公共成本（{zh}，中位数与90%区间）\npublic cost of each package, {years} "
                 "(median and 90% interval)", fontsize=10)
    _save_all(fig, paths)
    return fig


# -- the report ------------------------------------------------------------------------------
def deep_uncertainty_record(store: ResultStore, order: list[str]) -> dict:
    """Which values of the deep uncertainties the batch's runs used: their central (hand-set)
    values, except those a scenario file sets itself (read from the store's copy of the file)."""
    from model.scenario import ScenarioError, load_scenario
    from studies.deep import central_values, deep_uncertainties

    deep, source = deep_uncertainties()
    names = {d.name for d in deep}
    set_by: dict[str, list[str]] = {}
    for scen in order:
        path = store.root / "scenarios" / f"{scen}.toml"
        try:
            sc = load_scenario(path)
        except (OSError, ScenarioError):
            set_by[scen] = ["(scenario file not readable: unknown)"]
            continue
        if own := sorted(names & {n.split("[")[0] for n in sc.parameters_set}):
            set_by[scen] = own
    return {"values": "central", "count": len(deep), "source": source, "central": central_values(deep),
            "set_by_scenario": set_by, "futures": 0,
            "ranges_explored_by": ["steppe report --futures L", "steppe robustness"]}


def deep_uncertainty_line(record: dict) -> str:
    """One line (zh and en): the results are at the deep uncertainties' central values, and where
    their ranges are explored."""
    n = record["count"]
    line = (f"深度不确定参数 deep uncertainties: 以上结果为 {n} 个深度不确定参数取中心值（手设值）时的结果，"
            f"其取值范围由 steppe report --futures L 和 steppe robustness 探索 / these results are at the "
            f"central values of the {n} deep uncertainties; their ranges are explored by steppe report "
            "--futures L and steppe robustness")
    if record["set_by_scenario"]:
        line += " (except: " + "; ".join(f"{s}: {', '.join(v)}" for s, v in record["set_by_scenario"].items()) + \
            " set by the scenario file)"
    return line


def format_table(wide: pd.DataFrame) -> str:
    """The probability table as plain text for the terminal."""
    tcols = [c for c in wide.columns if c.endswith("P(met)")]
    head = (f"{'scenario 情景':<28} {'runs':>6} {'eval.':>6} "
            + " ".join(f"{c.split()[0]:>5}" for c in tcols) + "  public cost 公共成本 (亿元, median)")
    lines = ["P(meeting the 2027 target) 达成2027年目标的概率, over the evaluated runs (eval.)", head]
    for _, r in wide.iterrows():
        ps = " ".join("  n/a" if np.isnan(r[c]) else f"{100 * r[c]:>4.0f}%" for c in tcols)
        lines.append(f"{r['scenario'][:28]:<28} {r['runs']:>6} {r['runs_evaluated']:>6} {ps}  "
                     f"{r['public_cost_median_yi']:>10.2f}")
    return "\n".join(lines)


COMPUTE_COLUMNS = {   # column: (heading, format)
    "compute_capacity_p": ("capacity P", "{:>10,.0f}"),
    "compute_utilisation": ("util.", "{:>6.2f}"),
    "compute_rent_cny_per_p_month": ("rent CNY/P·mo", "{:>13,.0f}"),
    "compute_return_on_capex": ("return/yr", "{:>9.3f}"),
    "compute_idle_p": ("idle P", "{:>9,.0f}"),
    "compute_cancelled_p_cum": ("cancelled P", "{:>11,.0f}"),
}


def compute_summary(league: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Median over runs of the compute market at each run's last month up to end-2027: shows
    over-building as idle capacity, a low rent and low returns (seed 002 line 14)."""
    lg = league[league["date"] <= f"{TARGET_YEAR}-12"]
    last = lg[lg["date"] == lg.groupby(["scenario", "rep"])["date"].transform("max")]
    med = last.groupby("scenario")[list(COMPUTE_COLUMNS)].median()
    return med.reindex([s for s in order if s in med.index]).reset_index()


def format_compute(table: pd.DataFrame) -> str:
    """The compute-market table as plain text for the terminal."""
    head = f"{'scenario 情景':<26} " + " ".join(
        f"{h:>{len(fmt.format(0.0))}}" for h, fmt in COMPUTE_COLUMNS.values())
    lines = ["Compute market at end-2027 算力市场 (median over runs)", head]
    for _, r in table.iterrows():
        cells = " ".join(fmt.format(r[c]) for c, (_, fmt) in COMPUTE_COLUMNS.items())
        lines.append(f"{r['scenario'][:28]:<28} {cells}")
    return "\n".join(lines)


def _run_counts(runs: pd.DataFrame, order: list[str], reps: int) -> str:
    n = runs.groupby("scenario").size()
    return ", ".join(f"{s} {int(n.get(s, 0))} of {reps}" for s in order)


def snapshot(store: ResultStore) -> tuple[StoreState, pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                            pd.DataFrame]:
    """The store's state and its runs, targets, costs and league rows (the columns the report
    uses), all over the same runs: those of the parts committed when the scan ran (a committed
    part never changes; parts a batch commits meanwhile are left for the next compare)."""
    state = store.scan(check_files=True)
    if [p for p in state.problems if not any(p.startswith(f"{x}:") for x in state.stray)]:
        raise StoreError(store.problem_text(state), 1)
    parts = sorted(state.committed)
    runs = store.read("runs", parts=parts)
    ids = set(runs["run_id"]) if len(runs) else set()
    columns = ["run_id", "scenario", "rep", "date",
               *sorted({v[0] for v in SERIES.values()} | set(COMPUTE_COLUMNS))]
    tables = [store.read(t, columns=c, parts=parts)
              for t, c in (("targets", None), ("costs", None), ("league", columns))]
    return (state, runs, *(t[t["run_id"].isin(ids)] if len(t) else t for t in tables))


def _outside_the_store(store: ResultStore, folder: Path) -> None:
    """A report inside a table folder (or another part of the store's own) would be read as part
    of the store: refuse it. ``DIR/report`` (the default) and other new folders of DIR are fine."""
    from studies.store import SET_ASIDE, TABLES

    try:
        inside = Path(os.path.abspath(folder)).relative_to(Path(os.path.abspath(store.root)))
    except ValueError:
        return
    first = inside.parts[0] if inside.parts else ""
    if first in {*TABLES, SET_ASIDE, "scenarios", "manifest.json", ".lock", ""}:
        where = f"its {first}/ folder" if first else "the store's own folder"
        raise OutputError(f"--out {folder}: inside the result store {store.root} ({where}); a report there would "
                          f"mix with the stored runs: give a folder outside it, or leave out --out for "
                          f"{store.root / 'report'}", 2)


def write_report(store_dir: str | Path, out: str | Path | None = None,
                 baseline: str | None = None, force: bool = False) -> Report:
    """Write the comparison tables (CSV) and figures (PNG, SVG) of a batch into ``out``.

    Reads one snapshot of the store: the parts committed when it starts (a batch may be
    writing), every table over the same runs. ``baseline`` None takes the scenario named
    'baseline' if there is one; a name not in the batch is an error. Costs are compared over
    the years every scenario runs."""
    store = ResultStore.open(store_dir)
    manifest = store.manifest()
    order = [s["name"] for s in manifest["design"]["scenarios"]]
    if baseline is not None and baseline not in order:
        raise StoreError(f"--baseline {baseline!r}: no such scenario in {store.root}; its "
                         f"scenarios are: {', '.join(order)}")
    folder = Path(out) if out is not None else store.root / "report"
    _outside_the_store(store, folder)
    staging = prepare_output(folder, force, REPORT_FILES, "a report's files")
    try:
        return _write_report(store, manifest, order, folder, staging, baseline, force)
    except OSError as exc:
        raise OutputError(f"cannot write the report in {folder} ({os_reason(exc)}); nothing was "
                          "written", 1) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_report(store: ResultStore, manifest: dict, order: list[str], folder: Path, staging: Path,
                  baseline: str | None, force: bool) -> Report:
    state, runs, targets, costs, league = snapshot(store)
    set_titles(manifest)
    if runs.empty:
        raise StoreError(f"{store.root}: no run is stored yet; run `steppe batch` first")
    notes = []
    if state.stray:
        notes.append(f"{len(state.stray)} stray file(s) in the store's table folders were not read ("
                     f"{', '.join(str(p) for p in state.stray[:3])}); move them out of the store, or run "
                     f"`steppe store-check {store.root} --set-aside`")
    reps, total = manifest["design"]["reps"], manifest["runs_total"]
    if len(runs) < total:
        why = []
        if state.uncommitted:
            why.append(f"{len(state.uncommitted)} part(s) hold data but no run index (a batch is "
                       f"writing now, or was interrupted: `steppe store-check {store.root}`)")
        if manifest.get("completed"):
            why.append(f"its batch completed on {manifest['completed']}, so runs were removed "
                       "since: check it with `steppe store-check`, then repeat the batch command "
                       "to recompute them")
        else:
            why.append("repeat the batch command to finish it")
        notes.append(f"the store is incomplete: {len(runs)} of {total} runs stored "
                     f"({_run_counts(runs, order, reps)}); figures and tables use these runs only; "
                     + "; ".join(why))
    present = [s for s in order if s in set(runs["scenario"])]
    if baseline is None:
        baseline = "baseline" if "baseline" in order else None
        if baseline is None:
            notes.append("no scenario named 'baseline' in this batch: the difference from baseline "
                         "is skipped (name one with --baseline)")
    if baseline is not None and baseline not in present:
        notes.append(f"the baseline {baseline!r} has no run stored yet: the difference from "
                     "baseline is skipped")
    if baseline in present:
        present.remove(baseline)
        present.insert(0, baseline)
    if targets["met"].isna().all():
        notes.append("the runs end before 2027: targets are not evaluated (P(met) is n/a)")
    unevaluated = targets[targets["met"].isna()].drop_duplicates(["scenario", "rep"])
    for scen, g in unevaluated.groupby("scenario", sort=False):
        n = targets[targets["scenario"] == scen].drop_duplicates(["scenario", "rep"]).shape[0]
        notes.append(f"{scen}: {len(g)} of {n} runs end before 2027 (last month "
                     f"{g['evaluated_at'].iloc[0]}), so their targets are not evaluated: P(met) "
                     "counts the evaluated runs only (runs_evaluated), and their differences "
                     "from the baseline are n/a")
    untils = {s["name"]: s["until"] for s in manifest["design"]["scenarios"] if s["name"] in present}
    years = "whole run"
    if len(set(untils.values())) > 1:
        end = min(untils.values())
        costs = costs[costs["year"] <= end]
        years = f"2025–{end}"
        notes.append("the scenarios run to different years (" + ", ".join(
            f"{s} {u}" for s, u in untils.items()) + f"): public costs are compared over "
            f"2025–{end} for every scenario (the years all of them run)")
    summary = target_summary(targets, costs, present)
    wide = probability_table(summary)
    cost, by_lever = cost_summary(costs, present)
    p_met = {(s, t): p for s, t, p in zip(summary["scenario"], summary["target"], summary["p_met"],
                                         strict=True)}
    diff = None
    if baseline in present and len(present) > 1:
        diff = baseline_differences(targets, costs, baseline, present)

    use_cjk_font()
    compute = compute_summary(league, present)
    deep = deep_uncertainty_record(store, present)
    table = format_table(wide) + "\n\n" + format_compute(compute) + "\n\n" + deep_uncertainty_line(deep)
    provenance = {"batch": store.root.name, "parameters": manifest["design"].get("parameters"),
                  "seed_rule": manifest["design"].get("seed_rule"),
                  "model_sha256": manifest["design"].get("model_sha256"), "deep_uncertainties": deep}
    (staging / "provenance.json").write_text(json.dumps(provenance, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    csv = {"targets_by_scenario.csv": summary, "probabilities.csv": wide,
           "costs_by_scenario.csv": cost, "costs_by_lever.csv": by_lever,
           "compute_by_scenario.csv": compute}
    if diff is not None:
        csv["difference_from_baseline.csv"] = diff
    for name, frame in csv.items():
        frame.to_csv(staging / name, index=False, encoding="utf-8-sig", float_format="%.6g")
    (staging / "summary.txt").write_text(table + "\n" + "".join(f"\nnote: {n}" for n in notes) + "\n",
                                         encoding="utf-8")
    both = ("png", "svg")
    for t in TARGETS:
        fan_chart(fan_data(league, targets, t.id), t.id,
                  {s: p_met.get((s, t.id), np.nan) for s in present}, present,
                  [staging / f"fan_{t.id}.{ext}" for ext in both])
    cost_chart(cost, [staging / f"public_cost.{ext}" for ext in both], years)
    if diff is not None:
        difference_chart(diff, baseline, [staging / f"difference_from_baseline.{ext}" for ext in both],
                         years)
    names = sorted(p.name for p in staging.iterdir())
    move_into_place(staging, folder, force)
    return Report(folder, table, [folder / n for n in names], notes)
