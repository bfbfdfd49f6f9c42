"""The comparison of finished packages: targets, differences from the reference, costs, notes.

The statistics are those of ``studies.compare`` (``target_summary``, ``baseline_differences``,
``cost_summary``, ``fan_data``) computed on the app's runs; the reference is the first column
(the baseline unless the user changes it). Packages are called P1..P4 inside the tables and
shown with their display names.

Every table but the futures' is at the deep uncertainties' central values (the runs of
``Job.runs``) and says so (:func:`deep_line`). When the request ran futures across the deep
uncertainties, :class:`Futures` summarises them apart (:func:`futures_table`,
:func:`futures_values_table`): per package and target, in how many futures the target is met in
at least half the runs, and the range of the futures' medians. The futures' runs never enter the
central statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from app.messages import display_title, field_scale, lever_label, lever_with_unit, t, target_label, unit_label
from app.packages import LEVERS, Package
from app.runner import Job
from model.problem import PROBLEM
from studies.batch import SEED_RULE, git_commit, model_source_hash, package_version
from studies.compare import baseline_differences, cost_summary, fan_data, target_summary
from studies.deep import FUTURES_STREAM, Deep, central_values, deep_uncertainties
from studies.points import variable

TARGET_IDS = [tg.id for tg in PROBLEM.targets]
THRESHOLD = {tg.id: tg.threshold for tg in PROBLEM.targets}
UNIT = {tg.id: tg.unit for tg in PROBLEM.targets}


@dataclass
class Futures:
    """The runs in futures across the deep uncertainties, summarised per future (never pooled
    with the central runs)."""

    values: pd.DataFrame          # one row per future (future = 1..L), one column per deep uncertainty
    per_future: pd.DataFrame      # scenario, future, target, runs_evaluated, p_met, value_median
    central: dict[str, float]     # the central value of each deep uncertainty
    ranges: dict[str, tuple[float, float]]

    @property
    def n(self) -> int:
        return len(self.values)

    def of(self, pid: str, tid: str) -> pd.DataFrame:
        d = self.per_future
        return d[(d["scenario"] == pid) & (d["target"] == tid)].sort_values("future")


@dataclass
class Comparison:
    ids: list[str]
    packages: dict[str, Package]
    reps: int
    scale: float
    base_seed: int
    seeds: list[int]
    targets: pd.DataFrame
    costs: pd.DataFrame
    league: pd.DataFrame
    counties: pd.DataFrame
    summary: pd.DataFrame
    diff: pd.DataFrame
    cost_total: pd.DataFrame
    provenance: dict[str, Any]
    job_id: int = 0
    futures: Futures | None = None
    _fans: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.ids[0]

    def title(self, pid: str, lang: str | None = None) -> str:
        """The package's display name; a library scenario's own title in the page's language."""
        p = self.packages[pid]
        return p.title if lang is None else display_title(p.title, p.origin, lang)

    def fan(self, tid: str) -> pd.DataFrame:
        if tid not in self._fans:
            self._fans[tid] = fan_data(self.league, self.targets, tid)
        return self._fans[tid]

    def stat(self, pid: str, tid: str) -> pd.Series:
        s = self.summary
        return s[(s["scenario"] == pid) & (s["target"] == tid)].iloc[0]

    def dstat(self, pid: str, tid: str) -> pd.Series | None:
        d = self.diff
        if d.empty:
            return None
        row = d[(d["scenario"] == pid) & (d["target"] == tid)]
        return None if row.empty else row.iloc[0]

    def cost_by_lever_year(self) -> pd.DataFrame:
        """Median over replications of each lever's cost per year (CNY), per package."""
        c = self.costs.groupby(["scenario", "year", "lever"], sort=False)["cost_cny"].median()
        return c.reset_index()

    def cost_median(self, pid: str) -> float:
        row = self.cost_total[self.cost_total["scenario"] == pid]
        return float(row["cost_cny_median"].iloc[0]) if len(row) else math.nan


def _tag(frame: pd.DataFrame, pid: str) -> pd.DataFrame:
    return frame.assign(scenario=pid, run_id=[f"{pid}/{r}" for r in frame["rep"]])


def build(job: Job) -> Comparison:
    """Assemble the comparison of a finished job."""
    req = job.request
    ids = [f"P{i + 1}" for i in range(len(req.packages))]
    tables: dict[str, list[pd.DataFrame]] = {k: [] for k in ("league", "targets", "costs", "counties")}
    for pid, runs in zip(ids, job.runs or [], strict=True):
        for run in runs:
            for k in tables:
                tables[k].append(_tag(run[k], pid))
    frames = {k: pd.concat(v, ignore_index=True) for k, v in tables.items()}
    targets, costs = frames["targets"], frames["costs"]
    summary = target_summary(targets, costs, ids)
    diff = baseline_differences(targets, costs, ids[0], ids) if len(ids) > 1 else pd.DataFrame()
    cost_total, _ = cost_summary(costs, ids)
    commit, dirty = git_commit()
    deep, source = deep_uncertainties()
    futures = _futures(job, ids, deep) if req.futures and job.future_runs else None
    provenance = {"model_version": package_version(), "model_sha256": model_source_hash(),
                  "git_commit": None if commit is None else commit + (" (+edits)" if dirty else ""),
                  "seed_rule": SEED_RULE, "posterior": req.parameters.info,
                  "deep_uncertainties": {
                      "values": "central", "count": len(deep), "source": source,
                      "central": central_values(deep), "futures": req.futures,
                      "futures_rule": ("Latin hypercube over the ranges from stream "
                                       f"[{req.base_seed}, {FUTURES_STREAM:#x}]; future f, replication r shared by "
                                       "every package; summarised apart")
                      if req.futures else None},
                  "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    return Comparison(ids, dict(zip(ids, req.packages, strict=True)), req.reps, req.scale, req.base_seed,
                      req.seeds(), targets, costs, frames["league"], frames["counties"], summary, diff,
                      cost_total, provenance, job.id, futures)


def _futures(job: Job, ids: list[str], deep: list[Deep]) -> Futures:
    """Per package, future and target: runs evaluated, share meeting the target, median value."""
    rows = []
    for pid, per_future in zip(ids, job.future_runs or [], strict=True):
        for f, runs in enumerate(per_future, start=1):
            tg = pd.concat([r["targets"] for r in runs], ignore_index=True)
            for tid, g in tg.groupby("target", sort=False):
                met = g["met"].dropna()
                rows.append({"scenario": pid, "future": f, "target": tid, "runs_evaluated": len(met),
                             "p_met": float(met.astype(bool).mean()) if len(met) else math.nan,
                             "value_median": float(g["value"].median())})
    values = pd.DataFrame(job.request.future_values())
    values.insert(0, "future", np.arange(1, len(values) + 1))
    return Futures(values, pd.DataFrame(rows), central_values(deep), {d.name: (d.low, d.high) for d in deep})


# -- formatting -----------------------------------------------------------------------------------
def num(x: float, unit: str = "") -> str:
    """A number for people: thousands separators, few decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    a = abs(x)
    if a >= 1000:
        s = f"{x:,.0f}"
    elif a >= 10 or x == int(x):
        s = f"{x:,.1f}".rstrip("0").rstrip(".")
    else:
        s = f"{x:,.2f}"
    return s


# Targets counted in whole things: their medians and intervals are shown as whole numbers
COUNT_UNITS = {"datasets", "products", "cases", "pilots", "links of 8"}


def tnum(tid: str, x: float) -> str:
    """A target's value: whole numbers for counts (a quantile of counts may fall between two)."""
    if UNIT.get(tid) in COUNT_UNITS and x is not None and not math.isnan(x):
        return f"{x:,.0f}"
    return num(x)


def signed(x: float) -> str:
    return "–" if x is None or math.isnan(x) else ("+" if x > 0 else "") + num(x)


def pct(p: float) -> str:
    return "–" if p is None or math.isnan(p) else f"{100 * p:.0f}%"


def money(cny: float, lang: str, signed: bool = False) -> str:
    """CNY as 万元 (zh) or million CNY (en), with thousands separators (and a sign if ``signed``)."""
    if cny is None or math.isnan(cny):
        return "–"
    sign = "+" if signed else ""
    return (f"{cny / 1e4:{sign},.0f} {t('cost_unit', lang)}" if lang == "zh"
            else f"{cny / 1e6:{sign},.1f} {t('cost_unit', lang)}")


def money_value(cny: float, lang: str) -> float:
    return cny / 1e4 if lang == "zh" else cny / 1e6


# -- tables (rows of cells, rendered by app.report as HTML and by app.workbook as sheets) ----------
Table = tuple[list[str], list[list[str]]]

# A target counts as "likely met" by a package when at least this share of its runs meet it; the
# conclusion also names targets met in at least half the runs. Reporting thresholds, not model
# constants.
LIKELY = 0.8
HALF = 0.5
MIN_REPS_ADVISED = 30


def met_counts(comp: Comparison, pid: str, tid: str) -> tuple[int, int]:
    """(k, n): runs of package ``pid`` that meet target ``tid``, of the runs evaluated."""
    s = comp.stat(pid, tid)
    n = int(s["runs_evaluated"])
    return (round(float(s["p_met"]) * n) if n else 0), n


def k_of_n(k: int, n: int, lang: str) -> str:
    return t("k_of_n", lang, k=k, n=n)


def detectable(d: pd.Series | None) -> bool:
    """A paired difference is detectable when its 90% range of paired differences excludes 0."""
    if d is None or math.isnan(d["diff_q05"]) or math.isnan(d["diff_q95"]):
        return False
    return d["diff_q05"] > 0 or d["diff_q95"] < 0


def _range(lo: str, hi: str, lang: str) -> str:
    return f"{lo} {t('to', lang)} {hi}"


def _money_range(c: pd.Series, lang: str) -> str:
    """A cost total's median and 90% interval."""
    lo, hi = money(c["cost_cny_q05"], lang), money(c["cost_cny_q95"], lang)
    return f"{money(c['cost_cny_median'], lang)} ({_range(lo, hi, lang)})"


def targets_table(comp: Comparison, lang: str) -> Table:
    """One row per target and package (long form, so that 2-4 packages fit a printed page)."""
    head = [t("target", lang), t("threshold", lang), t("package", lang), t("p_met_k", lang), t("median_90", lang),
            t("to_target", lang), t("progress", lang)]
    rows = []
    for tid in TARGET_IDS:
        unit = unit_label(UNIT[tid], lang)
        for i, pid in enumerate(comp.ids):
            s = comp.stat(pid, tid)
            med = s["value_median"]
            k, n = met_counts(comp, pid, tid)
            rows.append([f"{tid} {target_label(tid, lang)}" if i == 0 else "",
                         f"{num(THRESHOLD[tid])} {unit}" if i == 0 else "", comp.title(pid, lang),
                         k_of_n(k, n, lang),
                         f"{tnum(tid, med)} ({_range(tnum(tid, s['value_q05']), tnum(tid, s['value_q95']), lang)})",
                         signed(med - THRESHOLD[tid]), pct(med / THRESHOLD[tid]) if THRESHOLD[tid] else "–"])
    for i, pid in enumerate(comp.ids):
        c = comp.cost_total[comp.cost_total["scenario"] == pid].iloc[0]
        rows.append([t("public_cost", lang) if i == 0 else "", "", comp.title(pid, lang), "",
                     _money_range(c, lang), "", ""])
    return head, rows


def deep_line(comp: Comparison, lang: str) -> str:
    """The one line every view of the results carries: the results are at the deep uncertainties'
    central values, and where their ranges are explored."""
    return t("deep_central", lang, n=comp.provenance["deep_uncertainties"]["count"])


def deep_provenance(comp: Comparison, lang: str) -> str:
    """The deep uncertainties' values the results use, for the provenance list."""
    d = comp.provenance["deep_uncertainties"]
    text = t("deep_provenance_central", lang, n=d["count"])
    if d.get("futures"):
        text += t("deep_provenance_futures", lang, L=d["futures"], seed=comp.base_seed)
    return text


def futures_table(comp: Comparison, lang: str) -> Table:
    """Per target and package, across the futures: in how many the target is met in at least half
    the runs, the range of the futures' medians, the future with the lowest median; beside the
    median at the central values (from the central table, for comparison only)."""
    fu = comp.futures
    assert fu is not None
    head = [t("target", lang), t("threshold", lang), t("package", lang), t("central_median", lang),
            t("futures_met", lang), t("futures_range", lang), t("worst_future", lang)]
    rows = []
    for tid in TARGET_IDS:
        unit = unit_label(UNIT[tid], lang)
        for i, pid in enumerate(comp.ids):
            g = fu.of(pid, tid)
            p = g["p_met"].to_numpy(float)
            med = g["value_median"].to_numpy(float)
            met = "–" if np.isnan(p).all() else t("k_of_l_futures", lang, k=int((p >= HALF).sum()), n=fu.n)
            finite = np.isfinite(med)
            lo, hi = (float(med[finite].min()), float(med[finite].max())) if finite.any() else (math.nan, math.nan)
            rng = "–" if math.isnan(lo) else tnum(tid, lo) if lo == hi else _range(tnum(tid, lo), tnum(tid, hi), lang)
            worst = t("future_n", lang, f=int(g["future"].to_numpy()[np.nanargmin(med)])) if lo < hi else "–"
            rows.append([f"{tid} {target_label(tid, lang)}" if i == 0 else "",
                         f"{num(THRESHOLD[tid])} {unit}" if i == 0 else "", comp.title(pid, lang),
                         tnum(tid, comp.stat(pid, tid)["value_median"]), met, rng, worst])
    return head, rows


def futures_values_table(comp: Comparison, lang: str) -> Table:
    """The deep uncertainties' values in each future (the same for every package), beside their
    range and central value."""
    fu = comp.futures
    assert fu is not None
    head = [t("deep_param", lang), t("deep_range", lang), t("central_value", lang),
            *[t("future_n", lang, f=int(f)) for f in fu.values["future"]]]
    rows = []
    for name in [c for c in fu.values.columns if c != "future"]:
        low, high = fu.ranges[name]
        label = name if lang != "zh" else f"{variable(name).label_zh or name}\n{name}"
        rows.append([label, _range(num(low), num(high), lang), num(fu.central[name]),
                     *[num(float(v)) for v in fu.values[name]]])
    return head, rows


MILESTONE_YEARS = (2025, 2026, 2027)
T1_GROWTH = 0.20   # T1's target: 20% a year on average (the figure's dashed path), index 2024 = 100


def milestones_table(comp: Comparison, lang: str) -> Table:
    """Each target's median at the end of 2025, 2026 and 2027, per package, beside the 2027 target
    (for T1, the index 2024 = 100 against the 20%-a-year path)."""
    head = [t("target", lang), t("package", lang), *[t("end_of_year", lang, year=y) for y in MILESTONE_YEARS],
            t("threshold", lang)]
    rows = []
    for tid in TARGET_IDS:
        fan = comp.fan(tid)
        for i, pid in enumerate(comp.ids):
            g = fan[fan["scenario"] == pid].set_index("date")["median"]
            cells = [tnum(tid, g.get(f"{y}-12", math.nan)) for y in MILESTONE_YEARS]
            if tid == "T1":
                goal = " / ".join(f"{100 * (1 + T1_GROWTH) ** (y - 2024):.0f}" for y in MILESTONE_YEARS)
                target = t("t1_milestones", lang, path=goal)
            else:
                target = f"{num(THRESHOLD[tid])} {unit_label(UNIT[tid], lang)}"
            rows.append([f"{tid} {target_label(tid, lang)}" if i == 0 else "", comp.title(pid, lang), *cells,
                         target if i == 0 else ""])
    return head, rows


def diff_cell(d: pd.Series | None, lang: str, cost: bool = False) -> str:
    """Median paired difference and its 90% range; marked when the range includes 0."""
    if d is None or math.isnan(d["diff_median"]):
        return "–"
    if cost:   # baseline_differences reports the cost in 亿元
        a, lo, hi = (money(d[c] * 1e8, lang, signed=True) for c in ("diff_median", "diff_q05", "diff_q95"))
    else:
        a, lo, hi = signed(d["diff_median"]), signed(d["diff_q05"]), signed(d["diff_q95"])
    cell = f"{a} ({_range(lo, hi, lang)})"
    return cell if detectable(d) else f"{cell}\n{t('no_detectable', lang)}"


def diff_table(comp: Comparison, lang: str) -> Table:
    head = [t("target", lang)]
    others = comp.ids[1:]
    for pid in others:
        head += [f"{comp.title(pid, lang)}\n{t('diff_value', lang)}", t("diff_p", lang)]
    rows = []
    for tid in [*TARGET_IDS, "cost"]:
        label = f"{tid} {target_label(tid, lang)}" if tid != "cost" else t("public_cost", lang)
        row = [label]
        for pid in others:
            d = comp.dstat(pid, tid)
            if tid == "cost":
                row += [diff_cell(d, lang, cost=True), ""]
                continue
            row.append(diff_cell(d, lang))
            if d is None or math.isnan(d["p_met_diff"]):
                row.append("–")
            else:
                k, n = met_counts(comp, pid, tid)
                kb, _nb = met_counts(comp, comp.reference, tid)
                row.append(t("k_to_k", lang, kb=kb, k=k, n=n)
                           + f" ({t('points', lang, v=f'{100 * d['p_met_diff']:+.0f}')})")
        rows.append(row)
    return head, rows


def cost_lever_table(comp: Comparison, lang: str) -> Table:
    """One row per lever with any cost and package (long form), the years as columns (万元 or
    million CNY), then each package's total."""
    c = comp.cost_by_lever_year()
    years = sorted(c["year"].unique())
    levers = [n for n in LEVERS if c.loc[c["lever"] == n, "cost_cny"].abs().sum() > 0]
    head = [f"{t('lever', lang)} ({t('cost_unit', lang)})", t("package", lang), *map(str, years), t("total", lang)]
    piv = c.pivot_table(index="lever", columns=["scenario", "year"], values="cost_cny", aggfunc="sum")
    fmt = (lambda v: f"{money_value(v, lang):,.0f}") if lang == "zh" else (lambda v: f"{money_value(v, lang):,.1f}")
    rows = []
    for n in [*levers, None]:
        for i, pid in enumerate(comp.ids):
            vals = []
            for y in years:
                col = (pid, y)
                v = (piv[col].get(n, np.nan) if n else piv[col].sum()) if col in piv.columns else np.nan
                vals.append(0.0 if pd.isna(v) else float(v))
            label = (lever_label(n, lang) if n else t("total", lang)) if i == 0 else ""
            rows.append([label, comp.title(pid, lang), *[fmt(v) for v in [*vals, sum(vals)]]])
    return head, rows


def cost_met_table(comp: Comparison, lang: str) -> Table:
    """Cost against P(met): each package's public cost, its paired extra cost over the reference,
    and the runs meeting each target. No ratio: a gain inside the noise would make it meaningless."""
    head = [t("package", lang), t("cost_total", lang), t("extra_cost", lang), *TARGET_IDS]
    rows = []
    for pid in comp.ids:
        c = comp.cost_total[comp.cost_total["scenario"] == pid].iloc[0]
        extra = "–" if pid == comp.reference else diff_cell(comp.dstat(pid, "cost"), lang, cost=True)
        row = [comp.title(pid, lang), _money_range(c, lang), extra]
        for tid in TARGET_IDS:
            k, n = met_counts(comp, pid, tid)
            row.append(f"{k}/{n}")
        rows.append(row)
    return head, rows


def lever_settings_table(comp: Comparison, lang: str) -> Table:
    """Every lever that any package sets away from its default: value from 2025-01 and the dated
    change, per package."""
    head = [t("lever", lang), t("default", lang), *[comp.title(pid, lang) for pid in comp.ids]]
    names = sorted({n for p in comp.packages.values() for n in p.differs_from_default()},
                   key=list(LEVERS).index)
    rows = []
    for n in names:
        v = LEVERS[n]
        k = field_scale(n)        # in the unit the label names (万元 for money levers)
        row = [lever_with_unit(n, lang), _lever_value(v.default, k)]
        for pid in comp.ids:
            p = comp.packages[pid]
            cell = _lever_value(p.levers[n], k)
            if n in p.changes:
                date, new = p.changes[n]
                cell += f" → {_lever_value(new, k)} ({date})"
            row.append(cell)
        rows.append(row)
    return head, rows


def _lever_value(v: Any, scale: float = 1.0) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    return num(float(v) / scale)


# -- plain-language notes --------------------------------------------------------------------------
def notes(comp: Comparison, lang: str) -> dict[str, list[str]]:
    """For each package but the reference: the levers that differ (from the package's current
    levers, never from a file's old description), each target whose paired difference is
    detectable (90% range excludes 0), the targets without a detectable difference, and the
    public cost."""
    ref = comp.packages[comp.reference]
    out: dict[str, list[str]] = {}
    for pid in comp.ids[1:]:
        p = comp.packages[pid]
        lines = []
        changed = [n for n in LEVERS if p.levers[n] != ref.levers[n] or p.changes.get(n) != ref.changes.get(n)]
        if changed:
            parts = []
            for n in changed:
                a, b = _describe_lever(ref, n), _describe_lever(p, n)
                parts.append(f"{lever_label(n, lang)} {a} → {b}")
            lines.append(t("note_levers", lang, name=comp.title(pid, lang), levers="; ".join(parts)))
        else:
            lines.append(t("note_same_levers", lang, name=p.title))
        undetected = []
        for tid in TARGET_IDS:
            d = comp.dstat(pid, tid)
            if not detectable(d):
                undetected.append(tid)
                continue
            k, n = met_counts(comp, pid, tid)
            kb, nb = met_counts(comp, comp.reference, tid)
            lines.append(t("note_moved", lang, tid=tid, label=target_label(tid, lang),
                           diff=signed(d["diff_median"]), lo=signed(d["diff_q05"]), hi=signed(d["diff_q95"]),
                           pb=k_of_n(kb, nb, lang), p=k_of_n(k, n, lang)))
        if undetected:
            lines.append(t("note_unmoved", lang, tids=", ".join(undetected)))
        c = comp.cost_by_lever_year()
        per = c.groupby(["scenario", "lever"])["cost_cny"].sum()
        deltas = {n: per.get((pid, n), 0.0) - per.get((comp.reference, n), 0.0) for n in LEVERS}
        top = max(deltas, key=lambda n: deltas[n])
        cost, base = money(comp.cost_median(pid), lang), money(comp.cost_median(comp.reference), lang)
        if deltas[top] > 0:
            lines.append(t("note_cost", lang, cost=cost, base=base,
                           lever=f"{lever_label(top, lang)} (+{money(deltas[top], lang)})"))
        else:
            lines.append(t("note_cost_same", lang, cost=cost, base=base))
        out[pid] = lines
    return out


def _describe_lever(p: Package, n: str) -> str:
    s = _lever_value(p.levers[n])
    if n in p.changes:
        date, new = p.changes[n]
        s += f"→{_lever_value(new)}@{date}"
    return s


# -- the report's opening ---------------------------------------------------------------------------
def conclusion(comp: Comparison, lang: str) -> list[str]:
    """Five plain sentences: the package meeting most targets, what each package meets with what
    probability, the targets none meets, the cost, and what is uncertain."""
    likely = {pid: [tid for tid in TARGET_IDS if comp.stat(pid, tid)["p_met"] >= LIKELY] for pid in comp.ids}
    best_n = max(len(v) for v in likely.values())
    best = [pid for pid in comp.ids if len(likely[pid]) == best_n]

    def kn(pid: str, tid: str) -> str:
        return f"{tid} {k_of_n(*met_counts(comp, pid, tid), lang)}"

    if best_n == 0:
        line1 = t("concl_none_likely", lang, share=pct(LIKELY))
    else:
        line1 = t("concl_best", lang, names=t("and", lang).join(comp.title(p, lang) for p in best), m=best_n,
                  total=len(TARGET_IDS), share=pct(LIKELY), tids=", ".join(likely[best[0]]))
    per = []
    for pid in comp.ids:
        half = [tid for tid in TARGET_IDS if comp.stat(pid, tid)["p_met"] >= HALF]
        met = ", ".join(kn(pid, tid) for tid in half) if half else t("none", lang)
        per.append(f"{comp.title(pid, lang)}: {met}")
    line2 = t("concl_each", lang, share=pct(HALF), list="; ".join(per))
    missed = [tid for tid in TARGET_IDS if all(comp.stat(pid, tid)["p_met"] < HALF for pid in comp.ids)]
    if missed:
        parts = []
        for tid in missed:
            top = max(comp.ids, key=lambda p, tid=tid: comp.stat(p, tid)["p_met"])
            k, n = met_counts(comp, top, tid)
            # the best package in brackets, when any run of any package meets the target at all
            parts.append(f"{tid} ({comp.title(top, lang)} {k_of_n(k, n, lang)})" if k else tid)
        line3 = t("concl_missed", lang, share=pct(HALF), list=", ".join(parts))
    else:
        line3 = t("concl_all_reached", lang, share=pct(HALF))
    costs = []
    for pid in comp.ids:
        s = f"{comp.title(pid, lang)} {money(comp.cost_median(pid), lang)}"
        if pid != comp.reference and (d := comp.dstat(pid, "cost")) is not None:
            s += f" ({t('vs_reference', lang)} {diff_cell(d, lang, cost=True).replace(chr(10), ', ')})"
        costs.append(s)
    line4 = t("concl_cost", lang, list="; ".join(costs))
    flat = []
    for pid in comp.ids[1:]:
        tids = [tid for tid in TARGET_IDS if not detectable(comp.dstat(pid, tid))]
        if tids:
            flat.append(f"{comp.title(pid, lang)}: {', '.join(tids)}")
    line5 = t("concl_uncertain", lang, reps=comp.reps, scale=comp.scale,
              undetected="; ".join(flat) or t("none", lang))
    if comp.reps < MIN_REPS_ADVISED:
        line5 += " " + t("few_reps", lang, reps=comp.reps, min=MIN_REPS_ADVISED)
    return [line1, line2, line3, line4, line5]
