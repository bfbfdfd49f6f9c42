"""Reproduce the baseline summary figure and target table exactly (seed 0, scale 1, the shipped
posterior's central parameter set, as `steppe run` uses it).

    python experiments/baseline_figure.py [OUTDIR] [--prior]

Paper authors: every figure is a script like this one, naming its scenario, seed and scale, so
that running it again gives the same bytes (the folder is replaced).
"""

from __future__ import annotations

import sys
from pathlib import Path

from calibration.posterior import central, load_posterior
from calibration.space import apply_unless_set
from model.outputs import target_table, write_outputs
from model.run import simulate
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--prior"]
    out = Path(args[0]) if args else ROOT / "results" / "experiments" / "baseline"
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    if "--prior" not in sys.argv[1:]:
        scenario = apply_unless_set(scenario, central(load_posterior()))
    result = simulate(scenario, seed=0, scale=1.0)
    write_outputs(result, out, force=True)
    print(target_table(result.targets))
    print(f"figure: {out / 'summary.png'}")
