"""Tables: the robustness of lever portfolios and of the library's packages under deep uncertainty
(satisficing per target and for all eight, regret, cost), the most robust portfolio within each
budget ceiling as a scenario file, and the futures in which full_plan_003 and the most robust
portfolios fail (PRIM boxes in words, CART).

    python experiments/robustness.py [OUTDIR] [--portfolios N] [--draws K] [--futures L] [--reps R]
                                     [--scale X] [--workers N]

Default: 200 Latin-hypercube portfolios of all levers and their start years, plus full_plan_003
and baseline, in 10 posterior draws × 10 Latin-hypercube points over the deep uncertainties
(100 futures), 1 replication, seed 0, scale 0.2: 20,200 runs (about 28 min at 12 runs/s on 2
idle cores). Cached in results/studies/robustness[_<size>]; resumable after an interruption.
Writes robustness.csv, robust_at_ceilings.csv, vulnerability.txt, vulnerability_boxes.csv,
cart.txt, futures.csv and scenarios/*.toml.
"""

from __future__ import annotations

import argparse
import shutil

import pandas as pd
from _common import STUDIES, clear_stale, copy_files, out_dir

from studies.robustness import RobustnessStudy, run_robustness

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--portfolios", type=int, default=200)
    ap.add_argument("--draws", type=int, default=10, help="posterior draws (0: hand-set parameters)")
    ap.add_argument("--futures", type=int, default=10, help="Latin-hypercube points over the deep uncertainties")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    study = RobustnessStudy(portfolios=args.portfolios, posterior_draws=args.draws, futures=args.futures,
                            reps=args.reps, seed=0, scale=args.scale)
    paper = (args.portfolios, args.draws, args.futures, args.reps, args.scale) == (200, 10, 10, 1, 0.2)
    name = "robustness" if paper else (f"robustness_{args.portfolios}x{args.draws}x{args.futures}"
                                       f"x{args.reps}_s{args.scale:g}")
    folder = STUDIES / name
    clear_stale(folder, study.key())
    if not folder.exists():             # a stored study of the same design is reused as it is
        run_robustness(study, folder, workers=args.workers, progress=True)
    out = out_dir(name, args.out)
    copy_files(folder, out, ["robustness.csv", "robust_at_ceilings.csv", "vulnerability.txt",
                             "vulnerability_boxes.csv", "cart.txt", "futures.csv"])
    if (out / "scenarios").exists():
        shutil.rmtree(out / "scenarios")
    shutil.copytree(folder / "scenarios", out / "scenarios")
    table = pd.read_csv(folder / "robustness.csv")
    show = pd.concat([table.head(8), table[table["source"] == "package"]]).drop_duplicates("portfolio")
    cols = ["name", *(c for c in table.columns if c.startswith("S_")), "targets_met_mean", "regret_max",
            "cost_cny", "cost_p05_cny", "cost_p95_cny"]
    print(show[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print((folder / "vulnerability.txt").read_text(encoding="utf-8"))
    print(f"files in {out}")
