"""Lever responses with common random numbers: for every lever of ``model.problem.PROBLEM`` at a
low and a high setting, run the same seeds and report the paired mean effect (high - low) and its
paired standard error on every outcome of ``model.problem.outcomes_of`` (targets T1-T8, public
cost, and the herder, firm, economy, jobs and talent outcomes).

    python experiments/lever_responses.py                       # all levers, 4 seeds, scale 0.2
    python experiments/lever_responses.py --seeds 8 --scale 0.2 --out results/lr
    python experiments/lever_responses.py --lever credit_quota_cny_per_year=1000:5e8 --prior

The behavioural parameters are the shipped posterior's central set (``--prior``: the hand-set
values). Writes ``lever_responses.csv``, ``lever_responses.png`` (effect of each lever on each
2027 target, as a share of the target's threshold) and ``facts_checks.csv`` to
``results/experiments/lever_responses/`` (or ``--out``); the same arguments give the same bytes.

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

from calibration.space import apply_unless_set
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


PARAMETERS: dict[str, float] = {}    # the calibrated values applied to every run (set in main)


def outcomes(lever: str, value: Any, seed: int, scale: float) -> dict[str, float]:
    text = f"[levers]\n{lever} = {toml_value(value)}\n"
    sc = parse_scenario(text, tomllib.loads(text), f"{lever}", "lever_responses.toml")
    if PARAMETERS:
        sc = apply_unless_set(sc, PARAMETERS)
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


def per_100m_cny(df: pd.DataFrame) -> pd.DataFrame:
    """Effect on each target per 100 M CNY of extra public cost (2025-2027), for every lever whose
    high setting costs more than its low one: (paired effect ± se) / (paired cost effect / 1e8).
    Levers without a public cost (or that save money) are left out: there is nothing to divide by."""
    cost = df[df["outcome"] == "public_cost_cny_cum"].set_index("lever")["effect"]
    rows = []
    for lever, extra in cost.items():
        if not extra > 0:
            continue
        per = 1e8 / extra
        row = {"lever": lever, "extra_public_cost_cny": extra}
        for t in PROBLEM.targets:
            r = df[(df["lever"] == lever) & (df["outcome"] == t.id)].iloc[0]
            row[f"{t.id}_per_100m_cny"] = r["effect"] * per
            row[f"{t.id}_se"] = r["se"] * per
        rows.append(row)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame, path: Path) -> None:
    """Heatmap: paired effect of each lever (low -> high) on each 2027 target, as a share of the
    target's threshold; cells whose effect is within two standard errors of zero are blank."""
    from model.plotting import new_figure, save, use_cjk_font

    use_cjk_font()
    targets = list(PROBLEM.targets)
    levers = list(dict.fromkeys(df["lever"]))
    cell = df.set_index(["lever", "outcome"])
    z = np.full((len(levers), len(targets)), np.nan)
    for i, lever in enumerate(levers):
        for j, t in enumerate(targets):
            if (lever, t.id) in cell.index:
                e, se = cell.loc[(lever, t.id), ["effect", "se"]]
                if abs(e) > 2 * (se if np.isfinite(se) else 0.0) and e != 0:
                    z[i, j] = e / t.threshold
    fig = new_figure(figsize=(9.5, 0.32 * len(levers) + 2.2))
    ax = fig.add_subplot()
    lim = max(0.05, float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 0.05)
    im = ax.imshow(np.clip(z, -lim, lim), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(len(levers)):
        for j in range(len(targets)):
            if np.isfinite(z[i, j]):
                ax.text(j, i, f"{z[i, j]:+.0%}", ha="center", va="center", fontsize=6)
    names = {v.name: v for v in PROBLEM.levers}
    ax.set_yticks(range(len(levers)), [f"{names[n].label_zh} ({n})" for n in levers], fontsize=6)
    ax.set_xticks(range(len(targets)), [f"{t.id} {t.label_zh[:12]}" for t in targets], fontsize=6,
                  rotation=35, ha="left", rotation_mode="anchor")
    ax.xaxis.tick_top()
    fig.colorbar(im, ax=ax, shrink=0.6, label="效应 / 目标值  effect / target threshold")
    seeds, scale = int(df["seeds"].iloc[0]), float(df["scale"].iloc[0])
    ax.set_xlabel(f"各政策杠杆由低到高对2027年目标的效应（占目标值比例；空白：不超过两倍标准误）\n"
                  f"Effect of each lever, low to high, on the 2027 targets (share of the threshold; blank: "
                  f"within 2 SE of zero); {seeds} paired seeds, scale {scale:g}", fontsize=7)
    fig.tight_layout()
    save(fig, str(path), dpi=130)


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
    ap.add_argument("--scale", type=float, default=0.2, help="population scale (default 0.2, as calibrated)")
    ap.add_argument("--span", type=float, default=0.5, help="high setting as a share of the lever's range")
    ap.add_argument("--lever", action="append", default=[],
                    help="NAME or NAME=LOW:HIGH (repeatable); default: every lever")
    ap.add_argument("--out", type=Path, default=Path("results/experiments/lever_responses"),
                    help="output folder")
    ap.add_argument("--no-facts", action="store_true", help="skip the measured-against-FACTS table")
    ap.add_argument("--prior", action="store_true", help="hand-set parameter values, not the posterior")
    args = ap.parse_args(argv)
    if not args.prior:
        from calibration.posterior import central, load_posterior

        PARAMETERS.update(central(load_posterior()))
    if args.lever:
        levers = [parse_lever(t) if "=" in t else (t, *settings_of(PROBLEM.variable(t), args.span))
                  for t in args.lever]
    else:
        levers = [(v.name, *settings_of(v, args.span)) for v in PROBLEM.levers]
    df = run(levers, list(range(args.seeds)), args.scale)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "lever_responses.csv", index=False)
    plot(df, args.out / "lever_responses.png")
    pd.set_option("display.width", 400)
    pd.set_option("display.max_columns", 40)
    print(f"paired effect (high - low) ± paired standard error, {args.seeds} seeds, scale {args.scale:g}")
    print(compact(df))
    costs = per_100m_cny(df)
    costs.to_csv(args.out / "lever_effect_per_100m_cny.csv", index=False)
    print("\neffect per 100 M CNY of extra public cost 2025-2027 (± paired standard error):")
    cols = [t.id for t in PROBLEM.targets]
    shown = costs[["lever", "extra_public_cost_cny"]].copy()
    for c in cols:
        shown[c] = [f"{m:.3g}±{e:.2g}" for m, e in zip(costs[f"{c}_per_100m_cny"], costs[f"{c}_se"], strict=True)]
    print(shown.to_string(index=False))
    print(f"\nall outcomes and the figure: {args.out}")
    if not args.no_facts:
        print("\nmeasured on the baseline against FACTS (gravity: simulated inter-county flows, "
              "2025-2027; herder benefit: 2025 mean per adopting household; hand-set parameters)")
        facts = facts_checks(list(range(args.seeds)), args.scale)
        facts.to_csv(args.out / "facts_checks.csv")
        print(facts.to_string(float_format="{:.4g}".format))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
