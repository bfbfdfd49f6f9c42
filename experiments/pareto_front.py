"""Figures and tables: least-cost portfolios. Pareto front of mean public cost against P(all eight
targets met) with the library's packages placed on it, trade-off curves per target, attainment
probabilities, and the front's portfolios as scenario files (500 portfolios × 10 posterior draws +
64 NSGA-II trials, scale 0.2, seed 0).

    python experiments/pareto_front.py [OUTDIR] [--portfolios N --draws K --reps R --trials T]

Writes pareto_front.png, tradeoff.png, attainment.png, pareto_front.csv, pareto_per_target.csv,
packages.csv, portfolios.csv and scenarios/*.toml. Shares results/studies/paths with
experiments/paths_prim.py.
"""

from __future__ import annotations

import shutil

from _common import copy_files, out_dir, paths_args, paths_study

if __name__ == "__main__":
    args = paths_args(__doc__.splitlines()[0])
    folder, _ = paths_study(args.portfolios, args.draws, args.reps, args.trials, args.workers)
    out = out_dir("pareto_front", args.out)
    files = copy_files(folder, out, ["pareto_front.png", "tradeoff.png", "attainment.png", "pareto_front.csv",
                                     "pareto_per_target.csv", "packages.csv", "portfolios.csv", "notes.txt"])
    if (out / "scenarios").exists():
        shutil.rmtree(out / "scenarios")
    shutil.copytree(folder / "scenarios", out / "scenarios")
    print((folder / "notes.txt").read_text(encoding="utf-8"))
    print(f"{len(files)} files and scenarios/ in {out}")
