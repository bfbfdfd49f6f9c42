"""Figures and tables: the library's policy packages compared (fan charts of T1-T8, target
probabilities, public cost, differences from the baseline): every scenarios/*.toml × 20
replications with common random numbers, full scale, seed 0; replication r of every package uses
parameter set r of 20 drawn from the shipped posterior (``--prior``: the hand-set values), so the
probabilities include parameter uncertainty as well as chance.

    python experiments/package_fans.py [OUTDIR] [--reps R] [--scale S] [--prior]

Runs `steppe batch` into results/studies/packages (resumed, or reused when complete) and writes
the `steppe compare` report (fan_T*.png/svg, probabilities.csv, costs, summary.txt) to OUTDIR.
"""

from __future__ import annotations

import argparse
import shutil

from _common import ROOT, STUDIES, out_dir

from studies.batch import Design, run_batch
from studies.compare import write_report

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--prior", action="store_true", help="hand-set parameter values, not posterior draws")
    args = ap.parse_args()
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    design = Design.from_files(files, args.reps, base_seed=0, scale=args.scale,
                               posterior_draws=0 if args.prior else args.reps)
    paper = (args.reps, args.scale, args.prior) == (20, 1.0, False)
    name = "packages" if paper else f"packages_r{args.reps}_s{args.scale:g}{'_prior' if args.prior else ''}"
    store = STUDIES / name
    print(run_batch(design, store, workers=args.workers, progress=False).text())
    out = out_dir("package_fans", args.out)
    report = write_report(store, out / ".report")
    for f in report.files:
        shutil.move(f, out / f.name)
    shutil.rmtree(out / ".report")
    print(report.table_text)
    print(f"{len(report.files)} files in {out}")
