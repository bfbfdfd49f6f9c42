"""Reproduce the baseline summary figure and target table exactly (seed 0, scale 1).

    python experiments/baseline_figure.py [OUTDIR]

Paper authors: every figure is a script like this one, naming its scenario, seed and scale, so
that running it again gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from model.outputs import target_table, write_outputs
from model.run import simulate
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "results" / "experiments" / "baseline"
    result = simulate(load_scenario(ROOT / "scenarios" / "baseline.toml"), seed=0, scale=1.0)
    write_outputs(result, out)
    print(target_table(result.targets))
    print(f"figure: {out / 'summary.png'}")
