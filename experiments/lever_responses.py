"""Lever responses with common random numbers: for every lever of ``model.problem.PROBLEM`` at a
low and a high setting, run the same seeds and report the paired mean effect (high - low) and its
paired standard error on every outcome of ``model.problem.outcomes_of`` (targets T1-T8, public
cost, and the herder, firm, economy, jobs and talent outcomes).

    python experiments/lever_responses.py                       # all levers, 4 seeds, scale 0.1
    python experiments/lever_responses.py --seeds 8 --scale 0.2 --out results/lever_responses.csv
    python experiments/lever_responses.py --lever credit_quota_cny_per_year=1000:5e8

It ends with the gravity elasticities measured on the simulated talent flows and the realised
herder benefit, printed against FACTS.

Settings: booleans off/on; numbers from the lever's lower bound to ``--span`` of its range (or
as given with ``--lever NAME=LOW:HIGH``). The CSV has one row per lever and outcome: low, high,
mean at low, paired mean effect, paired standard error, effect per unit of the lever, seeds.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.model import SteppeModel
from model.problem import PROBLEM, Variable, outcomes_of
from model.run import simulate
from model.scenario import parse_scenario
from model.talent import gravity_elasticities

# Columns printed in the compact table (all outcomes go to the CSV).
SHOWN = ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "public_cost_cny_cum", "herder_platform_share",
         "herder_benefit_cny_per_adopter", "firm_adoption_share", "gdp_cny_per_year",
         "digital_economy_share_gdp", "jobs_digital_created", "jobs_routine_lost", "talent_adequacy")


def settings_of(v: Variable, span: float) -> tuple[Any, Any]:
    """The low and high setting of a lever."""
    if v.kind == "boolean":
        return False, True
    low, high = float(v.low), float(v.low + span * (v.high - v.low))
    if v.kind == "integer":
        return round(low), max(round(high), round(low) + 1)
    return low, high


def toml_value(x: Any) -> str:
    return ("true" if x else "false") if isinstance(x, bool) else repr(x)


def outcomes(lever: str, value: Any, seed: int, scale: float) -> dict[str, float]:
    text = f"[levers]\n{lever} = {toml_value(value)}\n"
    sc = parse_scenario(text, tomllib.loads(text), f"{lever}", "lever_responses.toml")
    out = outcomes_of(simulate(sc, seed=seed, scale=scale))
    return {k: v for k, v in out.items() if not k.endswith("_met")}


def paired(low: list[dict[str, float]], high: list[dict[str, float]]) -> dict[str, tuple[float, float, float]]:
    """Per outcome: (mean at low, paired mean effect, paired standard error); NaN-safe."""
    res = {}
    for k in low[0]:
        a = np.array([r[k] for r in low], float)
        b = np.array([r[k] for r in high], float)
        d = b - a
        ok = ~np.isnan(d)
        n = int(ok.sum())
        mean = float(d[ok].mean()) if n else math.nan
        se = float(d[ok].std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        res[k] = (float(np.nanmean(a)) if n else math.nan, mean, se)
    return res


def run(levers: list[tuple[str, Any, Any]], seeds: list[int], scale: float) -> pd.DataFrame:
    rows = []
    for name, low, high in levers:
        lo = [outcomes(name, low, s, scale) for s in seeds]
        hi = [outcomes(name, high, s, scale) for s in seeds]
        width = float(high) - float(low)
        for k, (base, mean, se) in paired(lo, hi).items():
            rows.append({"lever": name, "low": low, "high": high, "outcome": k, "mean_low": base,
                         "effect": mean, "se": se,
                         "effect_per_unit": mean / width if width else math.nan,
                         "seeds": len(seeds), "scale": scale})
        print(f"  {name}: done", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def compact(df: pd.DataFrame) -> str:
    """One row per lever, one column per shown outcome: 'effect ±se' (3 significant digits)."""
    def cell(r: pd.Series) -> str:
        if math.isnan(r["effect"]):
            return "nan"
        if r["effect"] == 0 and (math.isnan(r["se"]) or r["se"] == 0):
            return "0"
        return f"{r['effect']:.3g}±{r['se']:.2g}"
    shown = df[df["outcome"].isin(SHOWN)].copy()
    shown["cell"] = shown.apply(cell, axis=1)
    wide = shown.pivot(index="lever", columns="outcome", values="cell")
    wide = wide[[c for c in SHOWN if c in wide.columns]]
    order = list(dict.fromkeys(df["lever"]))
    return wide.loc[order].to_string()


def facts_checks(seeds: list[int], scale: float) -> pd.DataFrame:
    """Measured on baseline runs against FACTS: gravity elasticities fitted on the simulated
    inter-county flows (36 months), and the benefit adopters realise in 2025 (seed 000)."""
    rows = []
    for s in seeds:
        m = SteppeModel(seed=s, scale=scale)
        months = []
        for _ in range(m.config.months):
            m.step()
            months.append(m.talent.last_flows)
        e = gravity_elasticities(months, m.talent.distance_km, m.talent.amenity)
        lg = pd.DataFrame(m.recorder.league)
        first = lg[lg["year"] == lg["year"].min()]
        rows.append({"destination_wage_elasticity": e["destination_wage"],
                     "origin_wage_elasticity": e["origin_wage"],
                     "herder_cost_cut_cny": first["herder_cost_cut_cny_per_adopter"].mean(),
                     "herder_output_gain_cny": first["herder_output_gain_cny_per_adopter"].mean(),
                     "herder_benefit_cny": first["herder_benefit_cny_per_adopter"].mean()})
    df = pd.DataFrame(rows)
    facts = {"destination_wage_elasticity": 1.82, "origin_wage_elasticity": -0.83,
             "herder_cost_cut_cny": 16000.0, "herder_output_gain_cny": 20000.0,
             "herder_benefit_cny": 36000.0}
    return pd.DataFrame({"measured_mean": df.mean(), "se": df.std(ddof=1) / math.sqrt(len(df)),
                         "facts": pd.Series(facts)})


def parse_lever(text: str) -> tuple[str, Any, Any]:
    name, _, rng = text.partition("=")
    v = PROBLEM.variable(name)
    lo_t, _, hi_t = rng.partition(":")
    conv = (lambda s: s.lower() == "true") if v.kind == "boolean" else (
        int if v.kind == "integer" else float)
    return name, conv(lo_t), conv(hi_t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4, help="replications (seeds 0..N-1), shared by low and high")
    ap.add_argument("--scale", type=float, default=0.1, help="population scale")
    ap.add_argument("--span", type=float, default=0.5, help="high setting as a share of the lever's range")
    ap.add_argument("--lever", action="append", default=[],
                    help="NAME or NAME=LOW:HIGH (repeatable); default: every lever")
    ap.add_argument("--out", type=Path, default=Path("results/lever_responses.csv"))
    ap.add_argument("--no-facts", action="store_true", help="skip the measured-against-FACTS table")
    args = ap.parse_args(argv)
    if args.lever:
        levers = [parse_lever(t) if "=" in t else (t, *settings_of(PROBLEM.variable(t), args.span))
                  for t in args.lever]
    else:
        levers = [(v.name, *settings_of(v, args.span)) for v in PROBLEM.levers]
    df = run(levers, list(range(args.seeds)), args.scale)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False)
    pd.set_option("display.width", 400)
    pd.set_option("display.max_columns", 40)
    print(f"paired effect (high - low) ± paired standard error, {args.seeds} seeds, scale {args.scale:g}")
    print(compact(df))
    print(f"\nall outcomes: {args.out}")
    if not args.no_facts:
        print("\nmeasured on the baseline against FACTS (gravity: simulated inter-county flows, "
              "2025-2027; herder benefit: 2025 mean per adopting household)")
        print(facts_checks(list(range(args.seeds)), args.scale).to_string(float_format="{:.4g}".format))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
