"""Tables and figures: Morris and Sobol indices of the 2027 outcomes over the deep uncertainties,
under full_plan_003 (where T1 and T5 are in play) and, labelled as such, under 2024 policy.

    python experiments/sensitivity_plan.py [OUTDIR] [--r R] [--budget N] [--scale X] [--workers N]

Default: Morris r = 20 and Sobol N = 512 over the deep uncertainties (studies.deep:
the problem's list, or the provisional one until it declares it), seed 0, scale 0.2, under
full_plan_003 and under the baseline: 2 × (20 (k + 1) + 512 (k + 2)) runs (18,048 for the 15 deep uncertainties;
N = 512 keeps the study under half an hour on 2 cores, and the CSV gives each index's 95% interval).
Cached in results/studies/<method>_deep_<policy>; resumable. Writes <method>_<policy>_indices.csv
and <method>_<policy>_bars.png; every file name and figure title names its policy.
"""

from __future__ import annotations

import argparse

from _common import STUDIES, clear_stale, out_dir

from studies.sensitivity import Study, check_outcomes, run_study, select_inputs, summary_text

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="*")
    ap.add_argument("--r", type=int, default=20, help="Morris trajectories")
    ap.add_argument("--budget", type=int, default=512, help="Sobol base sample N (power of two)")
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    inputs, skipped = select_inputs("deep")
    out = out_dir("sensitivity_plan", args.out)
    for under, label in (("full_plan_003", "full_plan_003"), (None, "policy2024")):
        for method, budget in (("morris", args.r), ("sobol", args.budget)):
            study = Study(method, "deep", inputs, check_outcomes(None, False), budget, seed=0, scale=args.scale,
                          skipped=skipped, under=under)
            paper = (args.r, args.budget, args.scale) == (20, 512, 0.2)
            name = f"{method}_deep_{label}" + ("" if paper else f"_b{budget}_s{args.scale:g}")
            clear_stale(STUDIES / name, study.key())
            report = run_study(study, STUDIES / name, workers=args.workers, progress=True)
            src = STUDIES / name
            (out / f"{method}_{label}_indices.csv").write_bytes((src / f"{method}_indices.csv").read_bytes())
            (out / f"{method}_{label}_bars.png").write_bytes((src / "bars.png").read_bytes())
            print(summary_text(report, study))
    print(f"files in {out}")
