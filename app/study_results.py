"""The shipped study results beside the packages: the robustness and paths studies of
``studies/shipped`` (written by ``experiments/ship_studies.py`` from the paper's studies).

What a planner reads there, in either language: the Pareto front of mean public cost against the
share of futures in which a target (or all eight) is met, the most robust portfolio within each
budget ceiling (each loadable as a package: start option ``study:<file>``), the futures in which
``full_plan_003`` and those portfolios miss each target (PRIM boxes in words) and the lever ranges
that make each target likely (the paths study's PRIM boxes). Nothing here runs the model; every
sentence is built from the stored tables, and the page says when the study was run on another
model than the one installed.
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from app.messages import lever_label, scenario_title, t, target_label, unit_label
from app.packages import LEVERS
from app.results import TARGET_IDS, Table, money, money_value, pct
from model.plotting import plt, use_cjk_font
from studies.batch import model_source_hash
from studies.paths import START, pareto_mask
from studies.points import short_label, variable

SHIPPED = Path(__file__).resolve().parent.parent / "studies" / "shipped"
STUDY = "study:"                 # start option of a shipped robust portfolio: "study:<file stem>"
YEARS = {0: 2025, 12: 2026, 24: 2027}   # a lever's start month index (paths and robustness studies)
PARAM_UNIT_ZH = {"months": "个月", "1/year": "/年", "CNY/household/year": "元/户/年"}
LABELLED = ("full_plan_003", "baseline")   # packages named on the front figure
DIMENSIONLESS = {"-", "share", "0-1", "share of gap", "share of income", "per project", "on/off", ""}


@dataclass
class StudyResults:
    """The stored tables of the shipped robustness and paths studies and their manifest."""

    folder: Path
    manifest: dict[str, Any]
    robustness: pd.DataFrame          # per portfolio: S_T1..S_T8, S_all, regret, cost (robustness.csv)
    at_ceilings: pd.DataFrame         # the most robust portfolio within each ceiling
    boxes: pd.DataFrame | None        # vulnerability PRIM boxes over the futures (long form)
    paths: pd.DataFrame | None        # the paths study's portfolios: P_T1..P_all, cost
    paths_boxes: pd.DataFrame | None  # its PRIM box per target over the levers
    paths_packages: pd.DataFrame | None = None   # the library's packages in the paths study

    @property
    def stale(self) -> bool:
        """Run on another model than the installed one (its figures may no longer hold)."""
        return self.manifest.get("model_sha256") != model_source_hash()


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def load(folder: Path | None = None) -> StudyResults | None:
    """The shipped results (or those in ``folder``), or None when there are none."""
    folder = folder or SHIPPED
    manifest = folder / "manifest.json"
    rob = folder / "robustness"
    if not manifest.is_file() or not (rob / "robustness.csv").is_file():
        return None
    return StudyResults(folder=folder, manifest=json.loads(manifest.read_text(encoding="utf-8")),
                        robustness=pd.read_csv(rob / "robustness.csv"),
                        at_ceilings=pd.read_csv(rob / "robust_at_ceilings.csv"),
                        boxes=_csv(rob / "vulnerability_boxes.csv"),
                        paths=_csv(folder / "paths" / "portfolios.csv"),
                        paths_boxes=_csv(folder / "paths" / "prim_per_target.csv"),
                        paths_packages=_csv(folder / "paths" / "packages.csv"))


@cache
def _cached(folder: str, mtime_ns: int) -> StudyResults | None:
    return load(Path(folder))


def shipped(folder: Path | None = None) -> StudyResults | None:
    """:func:`load`, read once per version of the manifest."""
    folder = folder or SHIPPED
    m = folder / "manifest.json"
    return _cached(str(folder), m.stat().st_mtime_ns) if m.is_file() else None


# -- the robust portfolios as packages ------------------------------------------------------------
def portfolio_options(folder: Path | None = None) -> dict[str, Path]:
    """Start options of the shipped robust portfolios (``study:robust_le_<M>mcny``) and their files."""
    folder = folder or SHIPPED
    scen = folder / "robustness" / "scenarios"
    if not scen.is_dir():
        return {}
    files = sorted(scen.glob("robust_le_*mcny.toml"), key=lambda p: (ceiling_of(p.stem) or 0.0, p.stem))
    return {STUDY + p.stem: p for p in files}       # cheapest ceiling first


def ceiling_of(option: str) -> float | None:
    """The budget ceiling (million CNY) a robust portfolio's option names."""
    stem = option[len(STUDY):] if option.startswith(STUDY) else option
    if not (stem.startswith("robust_le_") and stem.endswith("mcny")):
        return None
    try:
        return float(stem[len("robust_le_"):-len("mcny")])
    except ValueError:
        return None


def portfolio_title(option: str, lang: str) -> str:
    """'稳健组合（平均成本 ≤ 45 亿元）' / 'Robust portfolio (mean cost ≤ 4,540 M CNY)'."""
    c = ceiling_of(option)
    if c is None:
        return option
    return t("study_robust_title", lang, ceiling=money(c * 1e6, lang))


def ceiling_row(res: StudyResults, option: str) -> pd.Series | None:
    """The row of ``robust_at_ceilings.csv`` whose scenario file the option names (the file name
    rounds the ceiling to whole million CNY, as the study writes it)."""
    stem = option.removeprefix(STUDY)
    for _, r in res.at_ceilings.iterrows():
        if f"robust_le_{float(r['ceiling_mcny']):.0f}mcny" == stem:
            return r
    return None


def portfolio_note(res: StudyResults, option: str, lang: str) -> str:
    """A robust portfolio's notes in ``lang``: which study chose it and how it fared there."""
    c = ceiling_of(option)
    row = ceiling_row(res, option)
    if c is None or row is None or int(row["portfolio"]) < 0:
        return ""
    r = res.robustness.set_index("portfolio").loc[int(row["portfolio"])]
    return t("study_robust_note", lang, ceiling=money(c * 1e6, lang),
             all=_share(r["S_all"], int(r["runs"]), lang), mean=f"{r['targets_met_mean']:.1f}",
             cost=money(r["cost_cny"], lang), date=str(res.manifest.get("created", "?"))[:10])


# -- tables ---------------------------------------------------------------------------------------
def _share(s: float, n: int, lang: str) -> str:
    """A share of futures as 'k of n' (the table's unit: futures × replications)."""
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "–"
    return t("k_of_n", lang, k=round(float(s) * n), n=n)


def name_of(row: pd.Series, lang: str) -> str:
    """A portfolio's display name: a library package's title, else 'portfolio N'."""
    if row.get("source") == "package":
        return scenario_title(str(row["name"]), lang)
    return t("study_portfolio", lang, n=int(row["portfolio"]))


def robust_table(res: StudyResults, lang: str) -> Table:
    """The most robust portfolio within each ceiling, then the library packages studied."""
    head = [t("study_ceiling", lang), t("package", lang), t("study_all_met", lang),
            *(tid for tid in TARGET_IDS), t("study_targets_mean", lang), t("study_regret_max", lang),
            t("study_cost", lang)]
    rows = []
    table = res.robustness.set_index("portfolio", drop=False)
    picked = [(f"≤ {money(float(r['ceiling_mcny']) * 1e6, lang)}", int(r["portfolio"]))
              for _, r in res.at_ceilings.iterrows()]
    picked += [("–", int(p)) for p in table.index[table["source"] == "package"]]
    for ceiling, pid in picked:
        if pid < 0:
            rows.append([ceiling, t("study_none_within", lang), *[""] * (len(head) - 2)])
            continue
        r = table.loc[pid]
        n = int(r["runs"])
        cost = (f"{money(r['cost_cny'], lang)} ({money(r['cost_p05_cny'], lang)} {t('to', lang)} "
                f"{money(r['cost_p95_cny'], lang)})")
        rows.append([ceiling, name_of(r, lang), _share(r["S_all"], n, lang),
                     *(pct(r[f"S_{tid}"]) for tid in TARGET_IDS), f"{r['targets_met_mean']:.1f}",
                     f"{r['regret_max']:.0f}", cost])
    return head, rows


# -- PRIM boxes in words --------------------------------------------------------------------------
def _number(x: float) -> str:
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _value(name: str, x: float, lang: str) -> str:
    """A value with its unit: money levers in 万元 (zh) or million CNY (en)."""
    unit = variable(name).unit
    if unit.startswith("CNY/") and unit != "CNY/kWh" and abs(x) >= 1e5:
        per = unit.split("/", 1)[1]
        return f"{money(x, lang)}/{unit_label(per, lang) if lang == 'en' else {'year': '年'}.get(per, per)}"
    if unit in DIMENSIONLESS or unit.startswith("share"):
        return _number(x)
    if unit == "1/year":                  # a yearly rate of change, as a percentage
        return f"{100 * x:+.1f}%/{'年' if lang == 'zh' else 'year'}"
    u = PARAM_UNIT_ZH.get(unit, unit_label(unit, lang)) if lang == "zh" else unit
    return f"{_number(x)} {u}" if lang == "en" or u[:1].isascii() else f"{_number(x)}{u}"


def label(name: str, lang: str) -> str:
    """A lever's or parameter's name for a sentence (en: its first clause and its code name)."""
    if name in LEVERS:
        return lever_label(name, lang)
    v = variable(name)
    if lang == "zh" and v.label_zh:
        return v.label_zh
    return short_label(name)


def restriction(name: str, lo: float, hi: float, data_lo: float, data_hi: float, lang: str) -> str | None:
    """One PRIM restriction as a clause, or None when it restricts nothing."""
    low_cut, high_cut = lo > data_lo + 1e-12, hi < data_hi - 1e-12
    if name.endswith(START):              # a lever's start: month index 0, 12 or 24
        lever = name[: -len(START)]
        first = min((y for m, y in YEARS.items() if m >= lo - 1e-9), default=2027)
        last = max((y for m, y in YEARS.items() if m <= hi + 1e-9), default=2025)
        if low_cut and not high_cut:
            return t("study_starts_from", lang, what=lever_label(lever, lang), year=first)
        if high_cut and not low_cut:
            return t("study_starts_by", lang, what=lever_label(lever, lang), year=last)
        return t("study_starts_between", lang, what=lever_label(lever, lang), a=first, b=last) if low_cut else None
    if name in LEVERS and LEVERS[name].kind == "boolean":
        if low_cut:
            return t("study_is_on", lang, what=label(name, lang))
        return t("study_is_off", lang, what=label(name, lang)) if high_cut else None
    what = label(name, lang)
    if low_cut and high_cut:
        return t("study_between", lang, what=what, a=_value(name, lo, lang), b=_value(name, hi, lang))
    if low_cut:
        return t("study_above", lang, what=what, a=_value(name, lo, lang))
    if high_cut:
        return t("study_below", lang, what=what, b=_value(name, hi, lang))
    return None


def _box_clauses(rows: pd.DataFrame, name_col: str, lang: str) -> list[str]:
    out = []
    for _, r in rows.iterrows():
        if not isinstance(r.get(name_col), str):
            continue
        c = restriction(r[name_col], float(r["min"]), float(r["max"]), float(r["data_min"]),
                        float(r["data_max"]), lang)
        if c:
            out.append(c)
    return out


def vulnerability_lines(res: StudyResults, lang: str) -> dict[str, list[str]]:
    """Per portfolio studied, one sentence per target: in how many futures it is missed, and
    when (the PRIM box over the deep uncertainties and calibrated parameters, in words)."""
    out: dict[str, list[str]] = {}
    if res.boxes is None or res.boxes.empty:
        return out
    names = res.robustness.set_index("portfolio")
    for (pid, tid), g in res.boxes.groupby(["portfolio", "target"], sort=False):
        row = names.loc[int(pid)] if int(pid) in names.index else pd.Series({"portfolio": pid, "source": "lhs"})
        row = row.copy()
        row["portfolio"] = int(pid)
        who = name_of(row, lang)
        first = g.iloc[0]
        head = t("study_missed_in", lang, target=f"{tid} {target_label(tid, lang)}", k=int(first["missed"]),
                 n=int(first["runs"]))
        note = first.get("note")
        if isinstance(note, str) and note:
            key = {"never missed": "study_never_missed", "missed in every future": "study_always_missed"}.get(
                note, "study_no_box")
            sentence = f"{head}；{t(key, lang)}" if lang == "zh" else f"{head}: {t(key, lang)}"
        else:
            clauses = _box_clauses(g, "parameter", lang)
            joined = t("study_and", lang).join(clauses) if clauses else t("study_no_box", lang)
            sentence = t("study_missed_when", lang, head=head, when=joined, coverage=float(first["coverage"]),
                         density=float(first["density"]))
        out.setdefault(who, []).append(sentence)
    return out


def lever_box_lines(res: StudyResults, lang: str) -> list[str]:
    """The paths study's PRIM box per target: the lever ranges under which a portfolio meets it
    with probability at least the study's threshold (with the parameters at the posterior draws
    and the deep uncertainties central)."""
    if res.paths_boxes is None:
        return []
    p = float(res.manifest.get("paths", {}).get("p", 0.8))
    out = []
    for tid, g in res.paths_boxes.groupby("target", sort=False):
        first = g.iloc[0]
        target = f"{tid} {target_label(tid, lang)}"
        note = first.get("note")
        if isinstance(note, str) and note:
            key = "study_no_case" if "no portfolio" in note else (
                "study_every_case" if "every portfolio" in note else "study_no_lever_box")
            out.append(t(key, lang, target=target, p=pct(p)))
            continue
        clauses = _box_clauses(g, "lever", lang)
        out.append(t("study_likely_when", lang, target=target, p=pct(p),
                     when=t("study_and", lang).join(clauses) if clauses else t("study_no_box", lang),
                     coverage=float(first["coverage"]), density=float(first["density"])))
    return out


def intro(res: StudyResults, lang: str) -> list[str]:
    """What the studies were: sizes, scale, date, and a warning when run on another model."""
    m = res.manifest
    r, p = m.get("robustness", {}), m.get("paths", {})
    lines = [t("study_intro_robust", lang, portfolios=r.get("portfolios", "?"), futures=r.get("futures", "?"),
               draws=r.get("posterior_draws", "?"), deep=r.get("deep_count", "?"), scale=r.get("scale", "?"),
               runs=f"{r.get('runs_total', 0):,}", date=m.get("created", "?")[:10])]
    if p:
        lines.append(t("study_intro_paths", lang, portfolios=p.get("portfolios", "?"), draws=p.get("draws", "?"),
                       runs=f"{p.get('runs_total', 0):,}", scale=p.get("scale", "?")))
    if res.stale:
        lines.append(t("study_stale", lang))
    return lines


# -- the Pareto front ------------------------------------------------------------------------------
def front_figure(res: StudyResults, target: str, lang: str) -> Figure:
    """Mean public cost against how often ``target`` is met ('mean': the targets met on average;
    'all': all eight; or T1..T8) in the robustness study's futures: every portfolio, the least-cost
    front, the library packages and the robust picks by ceiling. Beside it, the same from the paths
    study over posterior draws (deep uncertainties central)."""
    use_cjk_font()
    if target == "mean":
        rcol, pcol, scale, top = "targets_met_mean", "targets_met_mean", 1.0, 8.0
    else:
        rcol = "S_all" if target == "all" else f"S_{target}"
        pcol = "P_all" if target == "all" else f"P_{target}"
        scale, top = 100.0, 100.0
    what = (t("study_all_eight", lang) if target == "all" else "" if target == "mean"
            else f"{target} {target_label(target, lang)}")
    panels = [("robustness", res.robustness, rcol)]
    if res.paths is not None:
        paths = res.paths.assign(source="lhs")
        if res.paths_packages is not None:
            paths = pd.concat([paths, res.paths_packages.rename(columns={"package": "name"}).assign(source="package")],
                              ignore_index=True)
        panels.append(("paths", paths, pcol))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.4), layout="constrained", squeeze=False)
    for ax, (kind, df, c) in zip(axes[0], panels, strict=True):
        df = df[np.isfinite(df["cost_cny"]) & np.isfinite(df[c])]
        x = money_value(df["cost_cny"].to_numpy(float), lang)
        y = scale * df[c].to_numpy(float)
        pkg = (df["source"] == "package").to_numpy() if "source" in df else np.zeros(len(df), bool)
        ax.scatter(x[~pkg], y[~pkg], s=10, color="#9aa7b8", alpha=0.7, label=t("study_portfolios", lang))
        mask = pareto_mask(x, y / top)
        order = np.argsort(x[mask])
        ax.step(x[mask][order], y[mask][order], where="post", color="#d62728", lw=1.8,
                label=t("study_front", lang))
        ax.scatter(x[pkg], y[pkg], marker="D", s=36, color="#1f77b4", zorder=3, label=t("study_packages", lang))
        for xi, yi, name in zip(x[pkg], y[pkg], df.loc[pkg, "name"], strict=True):
            if name in LABELLED:          # the others are in the tables; eleven labels would overlap
                ax.annotate(scenario_title(str(name), lang), (xi, yi), xytext=(4, 5), textcoords="offset points",
                            fontsize=8, color="#1f77b4")
        if kind == "robustness":
            picks = res.robustness.set_index("portfolio").reindex(
                [int(p) for p in res.at_ceilings["portfolio"] if int(p) >= 0])
            ax.scatter(money_value(picks["cost_cny"].to_numpy(float), lang), scale * picks[rcol], marker="*", s=140,
                       color="#2ca02c", zorder=4, label=t("study_robust_picks", lang))
            key = "study_mean_futures" if target == "mean" else "study_share_futures"
            ax.set_title(t("study_panel_robust", lang), fontsize=10)
        else:
            key = "study_mean_draws" if target == "mean" else "study_p_draws"
            ax.set_title(t("study_panel_paths", lang), fontsize=10)
        ax.set_ylabel(textwrap.fill(t(key, lang, what=what), 48 if lang == "en" else 24), fontsize=9)
        ax.set_xlabel(t("study_cost_axis", lang), fontsize=9)
        ax.set_ylim(-0.03 * top, 1.03 * top)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return fig


__all__ = ["SHIPPED", "STUDY", "StudyResults", "front_figure", "intro", "lever_box_lines", "load",
           "portfolio_options", "portfolio_title", "robust_table", "shipped", "vulnerability_lines"]
