"""Figure and table: Morris screening of every prior parameter (r = 20, scale 0.2, seed 0).

    python experiments/sensitivity_morris.py [OUTDIR] [--budget R]

Writes morris_indices.csv, sobol_recommendation.csv, morris_bars.png (mu* with 95% intervals for
T1-T8, targets met and cost) and morris_heatmap.png (inputs × outcomes). The runs are cached in
results/studies/morris_prior and reused when the design (inputs, budget, seed, scale, model
code) is the same; otherwise the study runs again (2,580 runs at r = 20).
"""

from __future__ import annotations

import argparse

from _common import STUDIES, clear_stale, copy_files, out_dir

from studies.sensitivity import Study, check_outcomes, run_study, select_inputs, summary_text

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--budget", type=int, default=20, help="Morris trajectories r")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    inputs, skipped = select_inputs("prior")
    study = Study("morris", "prior", inputs, check_outcomes(None, False), args.budget, seed=0, scale=0.2,
                  skipped=skipped)
    name = "morris_prior" if args.budget == 20 else f"morris_prior_r{args.budget}"
    clear_stale(STUDIES / name, study.key())
    report = run_study(study, STUDIES / name, workers=args.workers, progress=True)
    out = out_dir("morris", args.out)
    src = STUDIES / name
    copy_files(src, out, ["morris_indices.csv", "sobol_recommendation.csv", "skipped.csv", "warnings.txt"])
    (out / "morris_bars.png").write_bytes((src / "bars.png").read_bytes())
    (out / "morris_heatmap.png").write_bytes((src / "heatmap.png").read_bytes())
    print(summary_text(report, study))
    print(f"files in {out}")
