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

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from model.indicators import TARGETS
from model.plotting import plt, save, use_cjk_font
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


def summary_figure(result: RunResult, path: Path) -> None:
    """Trajectories of the target indicators against their target lines, plus adoption by
    county at the start and end of the run."""
    use_cjk_font()
    lg = result.league
    dates = pd.to_datetime(lg["date"])
    fig, axes = plt.subplots(3, 4, figsize=(18, 11.5), layout="constrained")
    t = {x.id: x for x in TARGETS}
    base = result.targets["T1"]["detail"]["run_rate_2024_12_cny_per_year"]
    months = np.arange(1, len(lg) + 1)
    panels = [
        ("T1", lg["data_industry_cny_per_year"] / 1e8, base * 1.2 ** (months / 12) / 1e8,
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
        ax.plot(dates, y, color=colour, lw=2, label="模型 model")
        if np.ndim(target):
            ax.plot(dates, target, "k--", lw=1, label="年均20%路径 20%/yr path")
        else:
            ax.axhline(target, color="k", ls="--", lw=1, label="目标 target")
        if tid == "T5":
            ax.plot(dates, lg["compute_south_p"], color="tab:blue", lw=1, label="南部 south")
            ax.plot(dates, lg["compute_edge_p"], color="tab:orange", lw=1, label="边缘 edge")
            ax.axhline(40000, color="tab:blue", ls=":", lw=1)
            ax.axhline(10000, color="tab:orange", ls=":", lw=1)
        word = {True: "达成 met", False: "未达 missed", None: "n/a"}[met]
        ax.set_title(f"{tid} {t[tid].label_zh}\n{t[tid].label_en} — {word}", fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.tick_params(axis="x", rotation=45)
        if tid == "T6":
            ax.set_ylim(0, 105)
        ax.legend(fontsize=7, loc="upper left")
    cty = result.counties
    first, last = cty[cty["date"] == cty["date"].min()], cty[cty["date"] == cty["date"].max()]
    x = np.arange(len(last))
    for ax, col, title in ((axes[2, 0], "herder_platform_share", "牧户平台采用率 herder platform adoption"),
                           (axes[2, 1], "firm_adoption_share", "企业上云及以上占比 firms at cloud level+")):
        ax.bar(x - 0.2, first[col], 0.4, label=first["date"].iloc[0], color="tab:grey")
        ax.bar(x + 0.2, last[col], 0.4, label=last["date"].iloc[0], color="tab:green")
        ax.set_xticks(x, last["name_zh"], rotation=60, fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    ax = axes[2, 2]
    for _, g in cty.groupby("county_id", sort=False):
        ax.plot(pd.to_datetime(g["date"]), g["digital_index"], lw=1, label=g["name_zh"].iloc[0])
    ax.set_title("县域数字指数 county digital index", fontsize=9)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    ax.legend(fontsize=6, ncol=2)
    ax = axes[2, 3]
    cost = result.levers_cost.groupby("lever_zh")["cost_cny"].sum() / 1e8
    cost = cost[cost.abs() > 0].sort_values()
    ax.barh(cost.index, cost.values, color="tab:purple")
    ax.set_title("各政策工具公共成本（亿元，全期）\npublic cost by lever, whole run (100m CNY)",
                 fontsize=9)
    ax.tick_params(labelsize=7)
    fig.suptitle(f"数字草原 Digital Steppe — {result.scenario.name} (seed {result.seed}, "
                 f"scale {result.scale:g})", fontsize=12)
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
