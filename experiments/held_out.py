"""Held-out targets whose drivers stay calibrated: does the posterior predict what it was not fitted to?

    python experiments/held_out.py [--hold-out S1_government_holds O2_firms_spread] [--budget 6000]
                                   [--population 200] [--scale 0.2] [--workers N] [--out results/held_out]

The shipped calibration's parameters (``calibration/posterior/manifest.json``) are calibrated again
with ``steppe calibrate --parameters … --hold-out …``: the held-out targets are left out of the fit,
while every parameter that drives them (by the shipped Morris screening,
``calibration/posterior/report/screening.csv``) stays calibrated, constrained by the other fitted
targets. For each held-out target the script prints how often it holds (share of predictive runs)
under (a) the hand-set point, (b) every parameter drawn from its prior, (c) the calibrated
parameters drawn from their priors with the rest hand-set, (d) the posterior; and its calibrated
drivers with the fitted targets that also constrain them. A held-out target whose drivers no other
target constrains would test nothing: the script refuses it. Writes ``held_out.csv`` into ``--out``
beside the calibration (resumable: run the same command again after an interruption).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calibration.posterior import SHIPPED  # noqa: E402
from steppe.cli import main  # noqa: E402

DRIVER_MIN = 1.0     # Morris mu* in tolerances: a parameter "drives" a target at or above this


def drivers(screening: pd.DataFrame, calibrated: list[str], target: str, fitted: list[str]) -> dict[str, list[str]]:
    """The calibrated parameters that drive ``target`` and, for each, the fitted targets it also drives."""
    out = {}
    for name in calibrated:
        if name in screening.index and screening.loc[name, target] >= DRIVER_MIN:
            out[name] = [t for t in fitted if t != target and screening.loc[name, t] >= DRIVER_MIN]
    return out


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hold-out", nargs="+", default=["S1_government_holds", "O2_firms_spread"])
    ap.add_argument("--budget", default="6000")
    ap.add_argument("--population", default="200")
    ap.add_argument("--scale", default="0.2")
    ap.add_argument("--workers", default=None)
    ap.add_argument("--out", default=str(ROOT / "results" / "held_out"))
    args = ap.parse_args(argv)
    manifest = json.loads((SHIPPED / "manifest.json").read_text())
    calibrated, fitted = list(manifest["parameters"]), list(manifest["targets_used"])
    screening = pd.read_csv(SHIPPED / "report" / "screening.csv", index_col=0)
    fit_rest = [t for t in fitted if t not in args.hold_out]
    for target in args.hold_out:
        found = drivers(screening, calibrated, target, fit_rest)
        if not found or not any(found.values()):
            print(f"error: --hold-out {target}: no calibrated driver of it is constrained by another fitted "
                  "target, so holding it out tests nothing", file=sys.stderr)
            return 2
        for name, others in found.items():
            print(f"{target}: driver {name} (mu* {screening.loc[name, target]:.1f} tolerances) stays "
                  f"calibrated, also constrained by {', '.join(others) or 'no other target'}", file=sys.stderr)
    cmd = ["calibrate", "--out", args.out, "--parameters", ",".join(calibrated), "--budget", args.budget,
           "--population", args.population, "--scale", args.scale]
    for target in args.hold_out:
        cmd += ["--hold-out", target]
    if args.workers:
        cmd += ["--workers", args.workers]
    status = main(cmd)
    if status:
        return status
    checks = pd.read_csv(Path(args.out) / "report" / "checks.csv")
    held = checks[checks["held_out"].astype(bool)].set_index("target")
    table = pd.DataFrame({
        "hand-set point": held["handset_holds_share"], "all from priors": held["prior_holds_share"],
        "calibrated from priors": held["calibrated_prior_holds_share"],
        "posterior": held["posterior_holds_share"], "posterior 90% interval covers the band": held["covered"]})
    table.to_csv(Path(args.out) / "held_out.csv")
    print(table.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(run())
