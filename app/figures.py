"""Figures of a comparison in one language, with the bundled CJK font (``model.plotting``).

Each function returns a matplotlib figure; :func:`png` turns it into PNG bytes for the page and
the HTML report, and the PDF report draws the same figures.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from app.drawing import png
from app.messages import counties, county_name, lever_label, t, target_label, unit_label
from app.results import TARGET_IDS, THRESHOLD, UNIT, Comparison, money_value
from model.plotting import plt, use_cjk_font

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _decimal_year(dates: pd.Series) -> np.ndarray:
    ym = dates.str.split("-", expand=True).astype(int)
    return (ym[0] + (ym[1] - 0.5) / 12).to_numpy()


def _wrap(text: str, width: int) -> str:
    """A long label on up to three lines (never cut in the middle of what it says)."""
    import textwrap

    lines = textwrap.wrap(text, width)
    return "\n".join(lines[:2] + ([" ".join(lines[2:])] if len(lines) > 2 else []))


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def trajectories(comp: Comparison, lang: str) -> Figure:
    """The eight target indicators over time: each package's median and 90% band, the target."""
    use_cjk_font()
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.2), layout="constrained")
    for ax, tid in zip(axes.flat, TARGET_IDS, strict=True):
        fan = comp.fan(tid)
        for i, pid in enumerate(comp.ids):
            g = fan[fan["scenario"] == pid]
            x = _decimal_year(g["date"])
            c = COLOURS[i % len(COLOURS)]
            ax.fill_between(x, g["q05"], g["q95"], color=c, alpha=0.15, lw=0)
            ax.plot(x, g["median"], color=c, lw=2, label=_short(comp.title(pid, lang)))
        if tid == "T1":
            months = np.arange(1, len(x) + 1)
            ax.plot(x, 100 * 1.2 ** (months / 12), "k--", lw=1, label=t("t1_path", lang))
            ax.set_ylabel("2024 = 100", fontsize=8)
        else:
            ax.axhline(THRESHOLD[tid], color="k", ls="--", lw=1, label=t("target_line", lang))
            ax.set_ylabel(unit_label(UNIT[tid], lang), fontsize=8)
        ax.set_title(_wrap(f"{tid} {target_label(tid, lang)}", 44 if lang == "en" else 22), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
        ax.xaxis.set_major_locator(MultipleLocator(1))
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{t('figure_paths', lang)} — {t('paths_caption', lang)}", fontsize=11)
    return fig


def progress(comp: Comparison, lang: str) -> Figure:
    """Median end-2027 value as a percentage of each target, with the 90% interval: how close each
    package comes even when none meets a target."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(10, 5.6), layout="constrained")
    n = len(comp.ids)
    y0 = np.arange(len(TARGET_IDS))[::-1]
    height = 0.8 / n
    for i, pid in enumerate(comp.ids):
        rows = [comp.stat(pid, tid) for tid in TARGET_IDS]
        med = np.array([100 * r["value_median"] / THRESHOLD[r["target"]] for r in rows])
        lo = np.array([100 * r["value_q05"] / THRESHOLD[r["target"]] for r in rows])
        hi = np.array([100 * r["value_q95"] / THRESHOLD[r["target"]] for r in rows])
        y = y0 + 0.4 - height * (i + 0.5)
        ax.barh(y, np.minimum(med, 300), height * 0.9, color=COLOURS[i % 4], alpha=0.75,
                label=comp.title(pid, lang))
        ax.hlines(y, np.minimum(lo, 300), np.minimum(hi, 300), color="k", lw=1)
    ax.axvline(100, color="k", ls="--", lw=1)
    ax.set_yticks(y0, [_wrap(f"{tid} {target_label(tid, lang)}", 30 if lang == "en" else 16) for tid in TARGET_IDS],
                  fontsize=8)
    ax.set_xlabel(t("percent_of_target", lang) + " (≤300%)")
    ax.set_title(t("figure_progress", lang), fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def costs(comp: Comparison, lang: str) -> Figure:
    """Public cost per year, stacked by lever, one group of bars per package. Every lever with a
    cost in any package has its own colour and its full name in the legend (no "other" bucket)."""
    import textwrap

    use_cjk_font()
    c = comp.cost_by_lever_year()
    years = sorted(c["year"].unique())
    totals = c.groupby("lever")["cost_cny"].apply(lambda s: s.abs().sum()).sort_values(ascending=False)
    levers = [n for n in totals.index if totals[n] > 0]
    fig, ax = plt.subplots(figsize=(max(10, 2.4 * len(comp.ids) + 6), 6.0), layout="constrained")
    cmap = plt.get_cmap("tab20")
    colours = {n: cmap(k % 20) for k, n in enumerate(levers)}
    hatches = {n: ("//" if k >= 20 else None) for k, n in enumerate(levers)}
    xticks, xlabels, top = [], [], 0.0
    for i, pid in enumerate(comp.ids):
        for j, year in enumerate(years):
            x = i * (len(years) + 1) + j
            g = c[(c["scenario"] == pid) & (c["year"] == year)].set_index("lever")["cost_cny"]
            bottom = 0.0
            for n in levers:
                v = money_value(float(g.get(n, 0.0)), lang)
                ax.bar(x, v, bottom=bottom, color=colours[n], hatch=hatches[n], width=0.8,
                       label=textwrap.fill(lever_label(n, lang), 34 if lang == "en" else 20) if i == j == 0 else None)
                bottom += v
            top = max(top, bottom)
            xticks.append(x)
            xlabels.append(str(year))
        mid = i * (len(years) + 1) + (len(years) - 1) / 2
        ax.annotate(textwrap.fill(comp.title(pid, lang), 22 if lang == "en" else 12), (mid, 0),
                    xycoords=("data", "axes fraction"), xytext=(0, -22), textcoords="offset points",
                    ha="center", va="top", fontsize=8.5)
    ax.set_xticks(xticks, xlabels, fontsize=8)
    ax.set_ylim(0, top * 1.08 if top > 0 else 1)   # headroom: the tallest bar is never clipped
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_ylabel(t("cost_unit", lang))
    ax.set_title(t("figure_costs", lang), fontsize=11)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), ncols=1 if len(levers) <= 16 else 2)
    return fig


# Where each seat's name goes (offset in points, alignment): the four southern seats lie within
# about one degree of each other, so a name centred above every dot overlaps its neighbours.
LABEL_PLACES = {
    "xilinhot": ((9, -3), "left"), "abag": ((0, 11), "center"), "sonid_left": ((0, 11), "center"),
    "erenhot": ((-6, 11), "left"), "sonid_right": ((0, 11), "center"), "xianghuang": ((0, -13), "center"),
    "zhengxiangbai": ((2, 11), "right"), "zhenglan": ((-2, 11), "left"), "taibus": ((9, -5), "left"),
    "duolun": ((9, -3), "left"), "east_ujimqin": ((0, 11), "center"), "west_ujimqin": ((9, -3), "left"),
    "wulagai": ((2, -14), "right"),
}
# English map labels short enough for the map (the tables keep the full names)
MAP_NAMES_EN = {"zhengxiangbai": "Zhengxiangbai", "xianghuang": "Xianghuang", "wulagai": "Wulagai",
                "east_ujimqin": "E. Ujimqin", "west_ujimqin": "W. Ujimqin"}


def label_seats(ax: Any, seats: pd.DataFrame, lang: str) -> None:
    """The county names beside their seats, placed so that none overlaps another."""
    for cid, row in seats.iterrows():
        offset, ha = LABEL_PLACES.get(str(cid), ((0, 11), "center"))
        name = MAP_NAMES_EN.get(str(cid)) if lang == "en" else None
        ax.annotate(name or county_name(str(cid), lang), (row["seat_lon"], row["seat_lat"]), fontsize=6,
                    xytext=offset, textcoords="offset points", ha=ha, va="center")


def map_frame(ax: Any) -> None:
    ax.set_xlim(111.3, 120.0)
    ax.set_ylim(41.5, 46.5)
    ax.set_aspect(1 / math.cos(math.radians(44)))


def county_map(comp: Comparison, lang: str) -> Figure:
    """Herder and firm adoption and the digital index at end-2027, at the 13 county seats."""
    use_cjk_font()
    seats = pd.DataFrame(counties()).astype({"seat_lat": float, "seat_lon": float}).set_index("county_id")
    med = comp.counties.groupby(["scenario", "county_id"])[
        ["herder_platform_share", "firm_adoption_share", "digital_index"]].median()
    metrics = (("herder_platform_share", "herder_adoption"), ("firm_adoption_share", "firm_adoption"),
               ("digital_index", "digital_index"))
    n = len(comp.ids)
    fig, axes = plt.subplots(3, n, figsize=(3.4 * n + 1, 9.6), squeeze=False, layout="constrained")
    for r, (col, key) in enumerate(metrics):
        lo, hi = float(med[col].min()), float(med[col].max())
        if math.isclose(lo, hi):
            hi = lo + 1e-6
        for c, pid in enumerate(comp.ids):
            ax = axes[r, c]
            v = med.loc[pid][col].reindex(seats.index)
            sc = ax.scatter(seats["seat_lon"], seats["seat_lat"], c=v, cmap="viridis", vmin=lo, vmax=hi,
                            s=160, edgecolors="k", linewidths=0.5)
            if c == 0:                      # names once per row
                label_seats(ax, seats, lang)
            map_frame(ax)
            ax.tick_params(labelsize=6)
            if r == 0:
                ax.set_title(_short(comp.title(pid, lang), 22), fontsize=9)
            if c == 0:
                ax.set_ylabel(t(key, lang), fontsize=9)
        fig.colorbar(sc, ax=axes[r, :].tolist(), shrink=0.8)
    fig.suptitle(t("figure_counties", lang), fontsize=11)
    return fig


FIGURES = {"trajectories": trajectories, "progress": progress, "costs": costs, "counties": county_map}


def render(name: str, comp: Comparison, lang: str) -> bytes:
    """One figure as PNG (a task for the worker processes)."""
    return png(FIGURES[name](comp, lang))


def all_png(comp: Comparison, lang: str) -> dict[str, bytes]:
    return {name: render(name, comp, lang) for name in FIGURES}
