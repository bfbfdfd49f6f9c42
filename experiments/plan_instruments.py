"""The plan's instruments and the targets as worded, measured: the figures that decide whether the
targets respond to agents and instruments rather than to how they were coded.

    python experiments/plan_instruments.py [--seeds 8] [--scale 0.2]

Over the same seeds (common random numbers), with the parameter source of ``model.simulate``:

- T6 for ``baseline``, ``green_compute``, ``full_plan_003`` and ``green_compute_cheap_green``;
- P(T2) for ``full_plan_003`` with and without the dataset programme;
- T1 of ``capacity_without_demand`` against ``baseline`` (paired difference);
- T5 under ``full_plan_003`` with ``build_months`` at both ends of its prior, and private capacity built.

Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import math
import tomllib
from pathlib import Path

import numpy as np

from model.run import simulate
from model.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def scenario_text(name: str, extra: str = "") -> str:
    return (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8") + "\n" + extra


def runs(text: str, seeds: list[int], scale: float) -> list:
    sc = parse_scenario(text, tomllib.loads(text), "check", "check.toml")
    return [simulate(sc, seed=s, scale=scale) for s in seeds]


def summary(values: list[float]) -> str:
    a = np.asarray(values, float)
    return f"median {np.median(a):.4g} [{a.min():.4g}, {a.max():.4g}]"


def met_share(results: list, tid: str) -> str:
    k = sum(bool(r.targets[tid]["met"]) for r in results)
    return f"{k} of {len(results)}"


def without_programme(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("dataset_commissions_per_industry"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--scale", type=float, default=0.2)
    args = ap.parse_args(argv)
    seeds = list(range(args.seeds))
    go = lambda text: runs(text, seeds, args.scale)  # noqa: E731
    print(f"scale {args.scale:g}, seeds 0-{args.seeds - 1}, parameters: model.simulate's default")
    print("\nT6 green share of new capacity (%)")
    for name in ("baseline", "green_compute", "full_plan_003", "green_compute_cheap_green"):
        res = go(scenario_text(name))
        print(f"  {name:<28} {summary([r.targets['T6']['value'] for r in res])}  met {met_share(res, 'T6')}")
    plan = scenario_text("full_plan_003")
    print("\nT2 high-quality datasets, full_plan_003")
    for label, text in (("with the dataset programme", plan), ("without it", without_programme(plan))):
        res = go(text)
        cover = [r.league.iloc[-1]["dataset_industries_covered"] for r in res]
        print(f"  {label:<28} {summary([r.targets['T2']['value'] for r in res])}  P(T2) {met_share(res, 'T2')}"
              f"  industries covered {summary(cover)}")
    print("\nT1 (%/year): capacity built without demand against the baseline (paired by seed)")
    base, cwd = go(scenario_text("baseline")), go(scenario_text("capacity_without_demand"))
    d = [c.targets["T1"]["value"] - b.targets["T1"]["value"] for b, c in zip(base, cwd, strict=True)]
    se = float(np.std(d, ddof=1) / math.sqrt(len(d)))
    print(f"  baseline {summary([r.targets['T1']['value'] for r in base])}")
    print(f"  capacity_without_demand {summary([r.targets['T1']['value'] for r in cwd])}")
    print(f"  difference mean {np.mean(d):+.3g} ± {se:.2g} (se); max {max(d):+.3g}")
    print("\nT5 (P) under full_plan_003 with build_months at the ends of its prior")
    for months in (6, 24):
        res = go(plan + f"\n[parameters.datacentres]\nbuild_months = {months}\n")
        last = [r.league.iloc[-1] for r in res]
        print(f"  build_months {months:>2}: T5 {summary([r.targets['T5']['value'] for r in res])}  "
              f"met {met_share(res, 'T5')}; unfinanced {summary([x['compute_unfinanced_p_cum'] for x in last])}; "
              f"south {summary([x['compute_south_p'] for x in last])}; "
              f"edge {summary([x['compute_edge_p'] for x in last])}; "
              f"private decided {summary([x['compute_private_p_cum'] for x in last])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
