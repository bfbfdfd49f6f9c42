"""Writing a run's outputs: CSV tables, targets.json, the lever costs and summary.png.

:func:`prepare_output` checks the output folder and makes a hidden staging folder next to it
before the simulation starts (a read-only or missing place fails at once, not after the run);
:func:`write_outputs` writes every file there and renames the folder into place at the end, so
a failure (a full disk) leaves nothing half-written. An existing folder is replaced only when
asked (``force``), and only if it holds nothing but a run's output files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from model.indicators import TARGETS
from model.plotting import new_figure, save, use_cjk_font
from model.run import RunResult

OUTPUT_FILES = ("league.csv", "counties.csv", "targets.json", "levers_cost.csv", "summary.png")


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.1f}" if abs(v) < 1e6 else f"{v:,.0f}"


def target_table(targets: dict[str, dict[str, Any]]) -> str:
    """The 2027 targets as a plain-text table (value, target, met or missed, gap)."""
    lines = [f"{'':3} {'value':>12} {'target':>10} {'status':<11} {'gap':>12}  {'unit':<15} "
             "2027 target 2027年目标"]
    for tid, t in targets.items():
        status = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        lines.append(f"{tid:3} {_fmt(t['value']):>12} {_fmt(t['target']):>10} {status:<11} "
                     f"{_fmt(t['gap']):>12}  {t['unit']:<15} {t['label_en']} / {t['label_zh']}")
    return "\n".join(lines)


# Short English names of the levers for the cost panel (the identifiers less their units).
_UNIT_SUFFIXES = ("_cny_per_year", "_cny_per_kwh", "_p_per_year", "_per_year", "_rate")
_COUNTY_WORDS = (" City", " Banner", " County", " Management Area", " Area")


def _lever_en(name: str) -> str:
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ")


def _county_en() -> dict[str, str]:
    """County id -> short English name (without City/Banner), from model/data/counties.csv."""
    from importlib import resources

    table = pd.read_csv(resources.files("model") / "data" / "counties.csv", usecols=["county_id", "name_en"])
    out = {}
    for cid, name in zip(table["county_id"], table["name_en"], strict=True):
        for word in _COUNTY_WORDS:
            name = name.replace(word, "")
        out[cid] = name
    return out


def _month_axis(ax: Any, months: int, labels: bool = True) -> None:
    """Months since 2025-01 on x, a tick every January and July (fixed ticks: no date locator)."""
    ticks = np.arange(0, months + 1, 6)
    ax.set_xticks(ticks, [f"{2025 + t // 12}-{t % 12 + 1:02d}" for t in ticks] if labels else [])
    ax.set_xlim(-0.5, months - 0.5)
    ax.tick_params(axis="x", labelsize=7, rotation=0)


def _title(ax: Any, head: str, en: str, tail: str = "") -> None:
    """A two-language title: Chinese on the first line, English wrapped to the panel below."""
    import textwrap

    lines = [head, *textwrap.wrap(en + (f" — {tail}" if tail else ""), 46)]
    ax.set_title("\n".join(lines), fontsize=8.5, loc="left")


def summary_figure(result: RunResult, path: Path) -> None:
    """Trajectories of the target indicators against their target lines, county adoption at the
    start and end of the run, the county digital index and the public cost by lever; every label
    in Chinese and English. Drawn on a fixed grid (no constrained layout, no date locators) so
    that it costs one draw."""
    use_cjk_font()
    lg = result.league
    n = len(lg)
    x = np.arange(n)
    fig = new_figure(figsize=(18, 13))
    grid = fig.add_gridspec(3, 4, left=0.045, right=0.99, top=0.885, bottom=0.14, wspace=0.2,
                            hspace=0.5)
    axes = np.array([[fig.add_subplot(grid[i, j]) for j in range(4)] for i in range(3)])
    t = {x.id: x for x in TARGETS}
    base = result.targets["T1"]["detail"]["run_rate_2024_12_cny_per_year"]
    panels = [
        ("T1", lg["data_industry_cny_per_year"] / 1e8, base * 1.2 ** ((x + 1) / 12) / 1e8,
         "亿元/年 100m CNY/yr"),
        ("T2", lg["datasets"], t["T2"].target, "数据集 datasets"),
        ("T3", lg["data_products_listed"], t["T3"].target, "产品 products"),
        ("T4", lg["cases"], t["T4"].target, "案例 cases"),
        ("T5", lg["compute_capacity_p"], t["T5"].target, "P (FP16)"),
        ("T6", 100 * lg["green_share_new"], t["T6"].target, "%"),
        ("T7", lg["pilots_operating"], t["T7"].target, "试点 pilots"),
        ("T8", lg["chain_links"], t["T8"].target, "环节 links"),
    ]
    for ax, (tid, y, target, unit) in zip(axes.flat, panels, strict=False):
        met = result.targets[tid]["met"]
        colour = {True: "tab:green", False: "tab:red", None: "tab:grey"}[met]
        ax.plot(x, y, color=colour, lw=2, label="模型 model")
        if np.ndim(target):
            ax.plot(x, target, "k--", lw=1, label="年均20%路径 20%/yr path")
        else:
            ax.axhline(target, color="k", ls="--", lw=1, label="目标 target")
        if tid == "T5":
            ax.plot(x, lg["compute_south_p"], color="tab:blue", lw=1, label="南部 south")
            ax.plot(x, lg["compute_edge_p"], color="tab:orange", lw=1, label="边缘 edge")
            ax.axhline(40000, color="tab:blue", ls=":", lw=1)
            ax.axhline(10000, color="tab:orange", ls=":", lw=1)
        if tid == "T6":
            ax.set_ylim(0, 105)
            if y.isna().all():
                ax.text(0.5, 0.5, "未新建数据中心 nothing new built", transform=ax.transAxes,
                        ha="center", fontsize=8, color="tab:grey")
        word = {True: "达成 met", False: "未达 missed", None: "n/a"}[met]
        _title(ax, f"{tid} {t[tid].label_zh}", t[tid].label_en, word)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(5, integer=tid in ("T2", "T3", "T4", "T7", "T8")))
        _month_axis(ax, n)
        if tid in ("T1", "T5"):      # the other panels share the legend at the top
            ax.legend(fontsize=7, loc="upper left")
    cty = result.counties
    first, last = cty[cty["date"] == cty["date"].min()], cty[cty["date"] == cty["date"].max()]
    en = _county_en()
    names = [f"{zh} {en.get(cid, cid)}" for zh, cid in zip(last["name_zh"], last["county_id"], strict=True)]
    xc = np.arange(len(last))
    bars = ((axes[2, 0], "herder_platform_share", "牧户平台采用率", "Herder households on the platform"),
            (axes[2, 1], "firm_adoption_share", "企业上云及以上占比", "Firms at cloud level or above"))
    for ax, col, zh, eng in bars:
        ax.bar(xc - 0.2, first[col], 0.4, label=first["date"].iloc[0], color="tab:grey")
        ax.bar(xc + 0.2, last[col], 0.4, label=last["date"].iloc[0], color="tab:green")
        ax.set_xticks(xc, names, rotation=90, fontsize=6.5)
        ax.tick_params(axis="y", labelsize=7)
        _title(ax, zh, f"{eng}, by county (share)")
        ax.legend(fontsize=7)
    ax = axes[2, 2]
    for cid, g in cty.groupby("county_id", sort=False):
        ax.plot(np.arange(len(g)), g["digital_index"], lw=1, label=f"{g['name_zh'].iloc[0]} {en.get(cid, cid)}")
    _title(ax, "县域数字指数", "County digital index (mean of coverage, platform, firms, sharing, talent)")
    _month_axis(ax, n)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=5.5, ncol=2, loc="upper left")
    ax = axes[2, 3]
    cost = result.levers_cost.groupby("lever")["cost_cny"].sum() / 1e8
    cost = cost[cost.abs() > 0].sort_values()
    zh_of = dict(zip(result.levers_cost["lever"], result.levers_cost["lever_zh"], strict=False))
    pos = np.arange(len(cost))
    ax.barh(pos, cost.to_numpy(), color="tab:purple", height=0.45)
    for p, (lever, value) in zip(pos, cost.items(), strict=True):
        ax.text(0, p + 0.3, f"{zh_of.get(lever, '')} {_lever_en(lever)}: {value:,.2f}", fontsize=6.5,
                va="bottom", ha="left")
    ax.set_yticks([])
    ax.set_ylim(-0.6, max(len(cost), 1))
    ax.margins(x=0.05)
    ax.tick_params(labelsize=7)
    _title(ax, "各政策工具公共成本（亿元，全期）", "Public cost by lever, whole run (100m CNY)")
    fig.suptitle(f"数字草原 Digital Steppe — {result.scenario.name} (seed {result.seed}, "
                 f"scale {result.scale:g})", fontsize=13, y=0.985)
    fig.legend(handles=[Line2D([], [], color="tab:green", lw=2), Line2D([], [], color="tab:red", lw=2),
                        Line2D([], [], color="tab:grey", lw=2), Line2D([], [], color="k", ls="--", lw=1)],
               labels=["模型：达成 model: met", "模型：未达 model: missed", "模型：未评估 model: n/a",
                       "目标 target"], loc="upper center", ncol=4, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.955))
    save(fig, str(path), dpi=90)


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return obj


class OutputError(Exception):
    """An output folder that cannot be used; ``exit_status`` 2 when the user must choose another
    (it exists), 1 when the system refuses (read-only, full disk, not a folder)."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def os_reason(exc: OSError) -> str:
    """A short reason for a failed file operation: 'the disk is full', 'read-only file system'."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    return (exc.strerror or str(exc)).lower()


def check_output_folder(out: Path, force: bool, owned: tuple[str, ...], what: str) -> None:
    """Refuse ``out`` when it is a file, or an existing folder without ``force``, or (even with
    ``force``) a folder holding files other than ``owned`` (what a previous ``what`` wrote)."""
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give a new folder as --out (a link is "
                          "neither followed nor replaced)", 1)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; give a new folder as --out", 1)
    if out.is_dir():
        try:
            names = sorted(p.name for p in out.iterdir())
        except OSError as exc:
            raise OutputError(f"{out}: cannot read this folder ({os_reason(exc)})", 1) from None
        if not force:
            raise OutputError(f"{out}: exists; add --force to replace it, or give another --out "
                              "(nothing was written)", 2)
        foreign = [n for n in names if n not in owned]
        if foreign:
            raise OutputError(f"{out}: holds files that are not {what} ({', '.join(foreign[:3])}); not "
                              "replaced even with --force: give another --out", 2)


def prepare_output(out: Path, force: bool = False, owned: tuple[str, ...] = OUTPUT_FILES,
                   what: str = "a run's outputs") -> Path:
    """Check ``out`` (see :func:`check_output_folder`) and make the hidden staging folder next to
    it; call it before long work so that a place that cannot be written fails at once."""
    out = Path(out)
    check_output_folder(out, force, owned, what)
    parent = Path(os.path.abspath(out)).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{Path(os.path.abspath(out)).name}.tmp-"))
    except OSError as exc:
        raise OutputError(f"cannot write into {parent} ({os_reason(exc)}); nothing was written. "
                          "Give an --out on a writable disk", 1) from None
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        os.chmod(staging, 0o777 & ~umask)    # mkdtemp makes it private; results are not
    return staging


def move_into_place(staging: Path, out: Path, force: bool) -> None:
    """Rename the finished ``staging`` folder to ``out``; an existing ``out`` (only with ``force``)
    is renamed aside first and removed once the new folder is in place."""
    old = None
    if out.exists():
        if not force:
            raise OutputError(f"{out}: appeared while running; add --force to replace it, or give "
                              "another --out (nothing was written)", 2)
        old = staging.with_name(staging.name.replace(".tmp-", ".old-"))
        os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(result: RunResult, out: Path, *, force: bool = False,
                  staging: Path | None = None) -> list[Path]:
    """Write every output file into ``out``, all or nothing: into ``staging`` (made by
    :func:`prepare_output` if not given), then renamed into place."""
    out = Path(out)
    staging = Path(staging) if staging is not None else prepare_output(out, force)
    try:
        result.league.to_csv(staging / "league.csv", index=False, float_format="%.6g")
        result.counties.to_csv(staging / "counties.csv", index=False, float_format="%.6g")
        (staging / "targets.json").write_text(
            json.dumps(_json_safe(result.targets), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
        result.levers_cost.to_csv(staging / "levers_cost.csv", index=False, float_format="%.2f")
        summary_figure(result, staging / "summary.png")
        move_into_place(staging, out, force)
    except OSError as exc:
        raise OutputError(f"cannot write {out} ({os_reason(exc)}); nothing was written"
                          + (f" and {out} is unchanged" if out.exists() else ""), 1) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in OUTPUT_FILES]
