"""Figure and table: Sobol first- and total-order indices of the inputs the Morris screen
recommends (at most 15; N = 512, scale 0.2, seed 0), under 2024 policy.

    python experiments/sensitivity_sobol.py [OUTDIR] [--budget N] [--morris DIR]

Reads the Morris screen's sobol_recommendation.csv (run experiments/sensitivity_morris.py
first), writes sobol_indices.csv, sobol_bars.png and sobol_heatmap.png. Runs cached in
results/studies/sobol_prior (N (k + 2) runs: 8,704 for 15 inputs at N = 512, about 15 minutes on 2
cores; each index keeps its 95% interval).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from _common import STUDIES, clear_stale, copy_files, out_dir

from studies.sensitivity import Study, check_outcomes, run_study, select_inputs, summary_text

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--budget", type=int, default=512, help="Sobol base sample N (power of two)")
    ap.add_argument("--morris", default=str(STUDIES / "morris_prior"), help="Morris study folder")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    rec = Path(args.morris) / "sobol_recommendation.csv"
    if not rec.is_file():
        raise SystemExit(f"error: {rec} not found; run experiments/sensitivity_morris.py first")
    names = pd.read_csv(rec)["input"].tolist()
    inputs, skipped = select_inputs("prior", names)
    study = Study("sobol", "prior", inputs, check_outcomes(None, False), args.budget, seed=0, scale=0.2,
                  skipped=skipped)
    name = "sobol_prior" if args.budget == 512 else f"sobol_prior_n{args.budget}"
    clear_stale(STUDIES / name, study.key())
    report = run_study(study, STUDIES / name, workers=args.workers, progress=True)
    out = out_dir("sobol", args.out)
    src = STUDIES / name
    copy_files(src, out, ["sobol_indices.csv", "warnings.txt"])
    (out / "sobol_bars.png").write_bytes((src / "bars.png").read_bytes())
    (out / "sobol_heatmap.png").write_bytes((src / "heatmap.png").read_bytes())
    print(summary_text(report, study))
    print(f"files in {out}")
