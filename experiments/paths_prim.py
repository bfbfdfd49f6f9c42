"""Figure and tables: PRIM box (EMA Workbench) and CART rules for "all eight targets met with
probability >= 0.8", and one PRIM box per target, on the lever space (all levers and their start
years; 500 portfolios × 10 posterior draws, scale 0.2, seed 0).

    python experiments/paths_prim.py [OUTDIR] [--portfolios N --draws K --reps R --trials T]

Writes prim_boxes.png, prim_box.csv (when a box exists), prim.json, prim_per_target.csv, cart.txt.
The study is cached in results/studies/paths and shared with experiments/pareto_front.py.
"""

from __future__ import annotations

from _common import copy_files, out_dir, paths_args, paths_study

if __name__ == "__main__":
    args = paths_args(__doc__.splitlines()[0])
    folder, _ = paths_study(args.portfolios, args.draws, args.reps, args.trials, args.workers)
    out = out_dir("paths_prim", args.out)
    files = copy_files(folder, out, ["prim_boxes.png", "prim_box.csv", "prim_trajectory.csv", "prim.json",
                                     "prim_per_target.csv", "cart.txt"])
    print((folder / "prim.json").read_text(encoding="utf-8"))
    print(f"{len(files)} files in {out}")
