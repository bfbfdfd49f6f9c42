"""The comparison of finished packages: targets, differences from the reference, costs, notes.

The statistics are those of ``studies.compare`` (``target_summary``, ``baseline_differences``,
``cost_summary``, ``fan_data``) computed on the app's runs; the reference is the first column
(the baseline unless the user changes it). Packages are called P1..P4 inside the tables and
shown with their display names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from app.messages import lever_label, t, target_label, unit_label
from app.packages import LEVERS, Package
from app.runner import Job
from model.problem import PROBLEM
from studies.batch import SEED_RULE, git_commit, model_source_hash, package_version
from studies.compare import baseline_differences, cost_summary, fan_data, target_summary

TARGET_IDS = [tg.id for tg in PROBLEM.targets]
THRESHOLD = {tg.id: tg.threshold for tg in PROBLEM.targets}
UNIT = {tg.id: tg.unit for tg in PROBLEM.targets}


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
    _fans: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.ids[0]

    def title(self, pid: str) -> str:
        return self.packages[pid].title

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
    provenance = {"model_version": package_version(), "model_sha256": model_source_hash(),
                  "git_commit": None if commit is None else commit + (" (+edits)" if dirty else ""),
                  "seed_rule": SEED_RULE, "posterior": req.parameters.info,
                  "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    return Comparison(ids, dict(zip(ids, req.packages, strict=True)), req.reps, req.scale, req.base_seed,
                      req.seeds(), targets, costs, frames["league"], frames["counties"], summary, diff,
                      cost_total, provenance, job.id)


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


def signed(x: float) -> str:
    return "–" if x is None or math.isnan(x) else ("+" if x > 0 else "") + num(x)


def pct(p: float) -> str:
    return "–" if p is None or math.isnan(p) else f"{100 * p:.0f}%"


def money(cny: float, lang: str) -> str:
    """CNY as 万元 (zh) or million CNY (en)."""
    if cny is None or math.isnan(cny):
        return "–"
    return f"{cny / 1e4:,.0f} {t('cost_unit', lang)}" if lang == "zh" else f"{cny / 1e6:,.1f} {t('cost_unit', lang)}"


def money_value(cny: float, lang: str) -> float:
    return cny / 1e4 if lang == "zh" else cny / 1e6


# -- tables (rows of cells, rendered by app.report as HTML) ----------------------------------------
Table = tuple[list[str], list[list[str]]]


def targets_table(comp: Comparison, lang: str) -> Table:
    head = [t("target", lang), t("threshold", lang)]
    for pid in comp.ids:
        head += [f"{comp.title(pid)}\n{t('p_met', lang)}", t("median_90", lang), t("to_target", lang),
                 t("progress", lang)]
    rows = []
    for tid in TARGET_IDS:
        unit = unit_label(UNIT[tid], lang)
        row = [f"{tid} {target_label(tid, lang)}", f"{num(THRESHOLD[tid])} {unit}"]
        for pid in comp.ids:
            s = comp.stat(pid, tid)
            med = s["value_median"]
            row += [pct(s["p_met"]), f"{num(med)} ({num(s['value_q05'])}–{num(s['value_q95'])})",
                    signed(med - THRESHOLD[tid]), pct(med / THRESHOLD[tid]) if THRESHOLD[tid] else "–"]
        rows.append(row)
    cost_row = [t("public_cost", lang), ""]
    for pid in comp.ids:
        c = comp.cost_total[comp.cost_total["scenario"] == pid].iloc[0]
        cost_row += ["", f"{money(c['cost_cny_median'], lang)} ({money(c['cost_cny_q05'], lang)}–"
                     f"{money(c['cost_cny_q95'], lang)})", "", ""]
    rows.append(cost_row)
    return head, rows


def diff_table(comp: Comparison, lang: str) -> Table:
    head = [t("target", lang)]
    others = comp.ids[1:]
    for pid in others:
        head += [f"{comp.title(pid)}\n{t('diff_value', lang)}", t("diff_p", lang)]
    rows = []
    for tid in [*TARGET_IDS, "cost"]:
        label = f"{tid} {target_label(tid, lang)}" if tid != "cost" else t("public_cost", lang)
        row = [label]
        for pid in others:
            d = comp.dstat(pid, tid)
            if d is None:
                row += ["–", "–"]
                continue
            if tid == "cost":   # baseline_differences reports the cost in 亿元
                yi = [money(d[c] * 1e8, lang) for c in ("diff_median", "diff_q05", "diff_q95")]
                row += [f"{yi[0]} ({yi[1]}–{yi[2]})", ""]
            else:
                pp = d["p_met_diff"]
                row += [f"{signed(d['diff_median'])} ({signed(d['diff_q05'])}–{signed(d['diff_q95'])})",
                        "–" if math.isnan(pp) else f"{100 * pp:+.0f} pp"]
        rows.append(row)
    return head, rows


def cost_lever_table(comp: Comparison, lang: str) -> Table:
    """Levers with any cost as rows; package × year as columns (万元 or million CNY)."""
    c = comp.cost_by_lever_year()
    years = sorted(c["year"].unique())
    levers = [n for n in LEVERS if c.loc[c["lever"] == n, "cost_cny"].abs().sum() > 0]
    head = [f"{t('lever', lang)} ({t('cost_unit', lang)})"]
    for pid in comp.ids:
        head += [f"{comp.title(pid)}\n{y}" if i == 0 else str(y) for i, y in enumerate(years)]
        head.append(t("total", lang))
    rows = []
    piv = c.pivot_table(index="lever", columns=["scenario", "year"], values="cost_cny", aggfunc="sum")
    for n in [*levers, None]:
        row = [lever_label(n, lang) if n else t("total", lang)]
        for pid in comp.ids:
            vals = []
            for y in years:
                v = piv[(pid, y)].get(n, np.nan) if n else piv[(pid, y)].sum()
                vals.append(0.0 if pd.isna(v) else float(v))
            row += [f"{money_value(v, lang):,.0f}" if lang == "zh" else f"{money_value(v, lang):,.1f}"
                    for v in [*vals, sum(vals)]]
        rows.append(row)
    return head, rows


def cost_per_progress_table(comp: Comparison, lang: str) -> Table:
    head = [t("target", lang)] + [comp.title(pid) for pid in comp.ids[1:]]
    rows = []
    for tid in TARGET_IDS:
        row = [f"{tid} {target_label(tid, lang)}"]
        for pid in comp.ids[1:]:
            d, dc = comp.dstat(pid, tid), comp.dstat(pid, "cost")
            if d is None or dc is None or not d["diff_median"] > 0:
                row.append(t("no_gain", lang))
                continue
            extra = dc["diff_median"] * 1e8 / d["diff_median"]
            row.append(f"{money(extra, lang)} {t('per_unit', lang, unit=unit_label(UNIT[tid], lang))}")
        rows.append(row)
    return head, rows


def lever_settings_table(comp: Comparison, lang: str) -> Table:
    """Every lever that any package sets away from its default: value from 2025-01 and the dated
    change, per package."""
    head = [t("lever", lang), t("default", lang), *[comp.title(pid) for pid in comp.ids]]
    names = sorted({n for p in comp.packages.values() for n in p.differs_from_default()},
                   key=list(LEVERS).index)
    rows = []
    for n in names:
        v = LEVERS[n]
        row = [f"{lever_label(n, lang)} ({unit_label(v.unit, lang)})", _lever_value(v.default)]
        for pid in comp.ids:
            p = comp.packages[pid]
            cell = _lever_value(p.levers[n])
            if n in p.changes:
                date, new = p.changes[n]
                cell += f" → {_lever_value(new)} ({date})"
            row.append(cell)
        rows.append(row)
    return head, rows


def _lever_value(v: Any) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    return num(float(v))


# -- plain-language notes --------------------------------------------------------------------------
def notes(comp: Comparison, lang: str) -> dict[str, list[str]]:
    """For each package but the reference: the levers that differ, each target that moved (median
    paired difference or P(met) changed), the targets that did not, and the public cost."""
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
            lines.append(t("note_levers", lang, name=p.title, levers="; ".join(parts)))
        else:
            lines.append(t("note_same_levers", lang, name=p.title))
        unmoved = []
        for tid in TARGET_IDS:
            d = comp.dstat(pid, tid)
            sb, s = comp.stat(comp.reference, tid), comp.stat(pid, tid)
            moved = d is not None and (abs(d["diff_median"]) > 1e-9 or abs(d["diff_q95"] - d["diff_q05"]) > 1e-9
                                       or (not math.isnan(d["p_met_diff"]) and d["p_met_diff"] != 0))
            if not moved:
                unmoved.append(tid)
                continue
            lines.append(t("note_moved", lang, tid=tid, label=target_label(tid, lang),
                           base=num(sb["value_median"]), value=num(s["value_median"]),
                           diff=signed(d["diff_median"]), lo=signed(d["diff_q05"]), hi=signed(d["diff_q95"]),
                           pb=pct(sb["p_met"]), p=pct(s["p_met"])))
        if unmoved:
            lines.append(t("note_unmoved", lang, tids=", ".join(unmoved)))
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
