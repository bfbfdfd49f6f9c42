"""Table: Sobol indices of the 2027 outcomes over the deep uncertainties under full_plan_003 from a
Gaussian-process emulator (>= 10^5 evaluations), with the emulator's validation on held-out
simulations beside them.

    python experiments/emulator_sobol.py [OUTDIR] [--train N] [--rounds R] [--batch B] [--validate V]
                                         [--scale X] [--workers N]

Default: 128 training runs + 4 adaptive rounds of 32 + 64 held-out runs (320 simulations), seed 0,
scale 0.2, under full_plan_003; Sobol with N (k + 2) >= 100,000 emulator evaluations. Cached in
results/studies/emulator_deep_plan; writes sobol_emulator.csv, validation.csv, validation.txt.
"""

from __future__ import annotations

import argparse

from _common import STUDIES, clear_stale, copy_files, out_dir

from studies.emulator import EmulatorStudy, run_emulator, summary_text
from studies.sensitivity import select_inputs

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--train", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--validate", type=int, default=64)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    inputs, _ = select_inputs("deep")
    study = EmulatorStudy(inputs, under="full_plan_003", train=args.train, rounds=args.rounds, batch=args.batch,
                          validate=args.validate, sobol_n=100_000, seed=0, scale=args.scale)
    paper = (args.train, args.rounds, args.batch, args.validate, args.scale) == (128, 4, 32, 64, 0.2)
    name = "emulator_deep_plan" + ("" if paper else f"_{args.train}_{args.rounds}x{args.batch}_v{args.validate}")
    folder = STUDIES / name
    clear_stale(folder, study.key())
    if not folder.exists():
        print(summary_text(run_emulator(study, folder, workers=args.workers, progress=True)))
    out = out_dir(name, args.out)
    copy_files(folder, out, ["sobol_emulator.csv", "validation.csv", "validation.txt"])
    print((folder / "validation.txt").read_text(encoding="utf-8"))
    print(f"files in {out}")
