"""Compare the scenarios of a batch: the chance of meeting each 2027 target, target indicators
with their intervals, the public cost of each package, fan charts and differences from baseline.

Every figure is computed from the result store of ``steppe batch``. Differences from the baseline
are taken replication by replication: replication r of every scenario shares its random numbers
(common random numbers), so the paired difference isolates the effect of the levers. Tables are
CSV (UTF-8 with a byte-order mark so that spreadsheet programs show the Chinese labels); figures
are PNG and SVG with Chinese and English labels.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MultipleLocator

from model.indicators import TARGET_YEAR, TARGETS
from model.plotting import plt, save, use_cjk_font
from studies.store import ResultStore, StoreError

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
              paths: list[Path]) -> None:
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
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{tid} {t.label_zh}\n{t.label_en} — 中位数、50%和90%区间 median, 50% and 90% bands",
                 fontsize=11)
    _save_all(fig, paths)


def difference_chart(diff: pd.DataFrame, baseline: str, paths: list[Path]) -> None:
    """Scenario minus baseline at end-2027 per target: median, 50% and 90% intervals."""
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
        ax.set_title(f"{tid if tid != 'cost' else ''} {zh}\n{en} ({unit})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"与基准情景之差（同一随机数，逐次配对），2027年底\ndifference from {baseline}, paired "
                 "by replication (common random numbers), end-2027", fontsize=11)
    _save_all(fig, paths)


def cost_chart(cost: pd.DataFrame, paths: list[Path]) -> None:
    """Public cost of each package over the run: median with its 90% interval (亿元)."""
    g = cost.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(g) + 1.6), layout="constrained")
    y = np.arange(len(g))
    bars = ax.barh(y, g["cost_yi_median"], color="tab:purple", alpha=0.7)
    ax.bar_label(bars, fmt="%.2f", padding=3, fontsize=7)
    ax.hlines(y, g["cost_yi_q05"], g["cost_yi_q95"], color="k", lw=1.2, label="90%")
    ax.set_yticks(y, [title(s) for s in g["scenario"]], fontsize=8)
    ax.set_xlabel("亿元 100m CNY")
    ax.set_title("各情景公共成本（全期，中位数与90%区间）\npublic cost of each package, whole run "
                 "(median and 90% interval)", fontsize=10)
    _save_all(fig, paths)


# -- the report ------------------------------------------------------------------------------
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
    head = f"{'scenario 情景':<26} " + " ".join(
        f"{h:>{len(fmt.format(0.0))}}" for h, fmt in COMPUTE_COLUMNS.values())
    lines = ["Compute market at end-2027 算力市场 (median over runs)", head]
    for _, r in table.iterrows():
        cells = " ".join(fmt.format(r[c]) for c, (_, fmt) in COMPUTE_COLUMNS.items())
        lines.append(f"{r['scenario'][:28]:<28} {cells}")
    return "\n".join(lines)


def write_report(store_dir: str | Path, out: str | Path | None = None,
                 baseline: str = "baseline") -> Report:
    """Write the comparison tables (CSV) and figures (PNG, SVG) of a batch into ``out``."""
    store = ResultStore.open(store_dir)
    state = store.scan(check_files=True)
    if state.problems:
        raise StoreError(store.problem_text(state))
    manifest = store.manifest()
    set_titles(manifest)
    order = [s["name"] for s in manifest["design"]["scenarios"]]
    targets = store.read("targets")
    if targets.empty:
        raise StoreError(f"{store.root}: no run is stored yet; run `steppe batch` first")
    costs = store.read("costs")
    notes = []
    stored_runs = targets.drop_duplicates(["scenario", "rep"]).shape[0]
    if stored_runs < manifest["runs_total"]:
        notes.append(f"the store holds {stored_runs} of {manifest['runs_total']} runs (the batch "
                     "is not finished); figures use the runs stored")
    present = [s for s in order if s in set(targets["scenario"])]
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
    folder = Path(out) if out else store.root / "report"
    folder.parent.mkdir(parents=True, exist_ok=True)
    summary = target_summary(targets, costs, present)
    wide = probability_table(summary)
    cost, by_lever = cost_summary(costs, present)
    p_met = {(s, t): p for s, t, p in zip(summary["scenario"], summary["target"], summary["p_met"],
                                         strict=True)}
    diff = None
    if baseline in present and len(present) > 1:
        diff = baseline_differences(targets, costs, baseline, present)
    elif baseline not in present:
        notes.append(f"no scenario named {baseline!r} in this batch: the difference from baseline "
                     "is skipped (name one with --baseline)")
    columns = ["scenario", "rep", "date", *sorted({v[0] for v in SERIES.values()} | set(COMPUTE_COLUMNS))]
    league = store.read("league", columns=columns)
    compute = compute_summary(league, present)

    use_cjk_font()
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}.tmp-") as tmp:
        tmp = Path(tmp)
        csv = {"targets_by_scenario.csv": summary, "probabilities.csv": wide,
               "costs_by_scenario.csv": cost, "costs_by_lever.csv": by_lever,
               "compute_by_scenario.csv": compute}
        if diff is not None:
            csv["difference_from_baseline.csv"] = diff
        for name, frame in csv.items():
            frame.to_csv(tmp / name, index=False, encoding="utf-8-sig", float_format="%.6g")
        (tmp / "summary.txt").write_text(format_table(wide) + "\n\n" + format_compute(compute) + "\n",
                                         encoding="utf-8")
        both = ("png", "svg")
        for t in TARGETS:
            fan_chart(fan_data(league, targets, t.id), t.id,
                      {s: p_met.get((s, t.id), np.nan) for s in present}, present,
                      [tmp / f"fan_{t.id}.{ext}" for ext in both])
        cost_chart(cost, [tmp / f"public_cost.{ext}" for ext in both])
        if diff is not None:
            difference_chart(diff, baseline, [tmp / f"difference_from_baseline.{ext}" for ext in both])
        folder.mkdir(exist_ok=True)
        if diff is None:
            for ext in ("csv", "png", "svg"):
                (folder / f"difference_from_baseline.{ext}").unlink(missing_ok=True)
        files = []
        for p in sorted(tmp.iterdir()):
            shutil.move(p, folder / p.name)
            files.append(folder / p.name)
    return Report(folder, format_table(wide) + "\n\n" + format_compute(compute), files, notes)
