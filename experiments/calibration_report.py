"""Figures and tables of the calibration (issue 9), drawn from the shipped posterior.

    python experiments/calibration_report.py [OUTDIR] [--posterior DIR]

Reads ``calibration/posterior/`` (posterior.parquet, manifest.json and the predictive checks and
identifiability table its calibration wrote to ``report/``) and writes, to
``results/experiments/calibration_report/`` (or OUTDIR):

- ``prior_posterior.png``: prior and weighted posterior marginals of the calibrated parameters;
- ``predictive.png``: 90% prior and posterior predictive intervals of every target against its
  observed value or band;
- ``checks.csv`` and ``identifiability.csv``: the tables behind them;
- ``summary.md``: coverage, identifiability verdicts, effective sample size, runs and wall time.

No simulation runs here: rebuilding the posterior itself is ``experiments/calibrate_posterior.py``
(about 25 minutes). The same posterior gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
from _common import ROOT, out_dir

from calibration.calibrate import plot_marginals, plot_predictive
from calibration.posterior import load_posterior
from calibration.space import scalar_space
from calibration.targets import load_targets


def summary(manifest: dict, checks: pd.DataFrame, ident: pd.DataFrame) -> str:
    c, abc = manifest["coverage"], manifest["abc"]
    verdicts = ident["verdict"].value_counts()
    lines = [
        "# Calibration: summary",
        "",
        f"- Method: {manifest['method']}; scale {manifest['settings']['scale']}, seed {manifest['seed']}.",
        f"- Runs: {manifest['runs']['this_session']} in {manifest['wall_s'] / 60:.1f} min "
        f"({manifest['runs_per_s']} runs/s); ABC {abc['generations']} generations, epsilon "
        + " → ".join(f"{e:.3g}" for e in abc["epsilons"]) + f" ({abc['stopped_by']}).",
        f"- Posterior: {manifest['posterior_rows']} particles, effective sample size {manifest['posterior_ess']}.",
        f"- Posterior predictive coverage: {c.get('fitted', c['targets'])} of {c.get('of_fitted', c['of'])} "
        f"fitted targets; {c['targets']} of {c['of']} with the checks.",
        f"- Identifiability of the {len(ident)} calibrated parameters: "
        + ", ".join(f"{n} {v}" for v, n in verdicts.items()) + ".",
        "",
        "| target | role | observed | prior holds | posterior holds | covered |",
        "|---|---|---|---|---|---|",
    ]
    for r in checks.itertuples():
        lines.append(f"| {r.target} | {r.role} | {r.observed} | {r.prior_holds_share:.2f} | "
                     f"{r.posterior_holds_share:.2f} | {'yes' if r.covered else 'no'} |")
    lines += ["", "| parameter | prior | posterior 5-95% | width ratio | verdict |", "|---|---|---|---|---|"]
    for r in ident.itertuples():
        lines.append(f"| {r.parameter} | [{r.prior_low:.4g}, {r.prior_high:.4g}] | "
                     f"{r.posterior_q05:.4g} – {r.posterior_q95:.4g} | {r.width_ratio:.2f} | {r.verdict} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="*", help="output folder (default results/experiments/calibration_report)")
    ap.add_argument("--posterior", type=Path, default=None,
                    help="posterior folder (default: the shipped one, used even when stale, as runs use it)")
    args = ap.parse_args(argv)
    out = out_dir("calibration_report", args.out)
    post = load_posterior(args.posterior).frame
    args.posterior = args.posterior or ROOT / "calibration" / "posterior"
    manifest = json.loads((args.posterior / "manifest.json").read_text(encoding="utf-8"))
    report = args.posterior / "report"
    checks = pd.read_csv(report / "checks.csv")
    ident = pd.read_csv(report / "identifiability.csv")
    space = scalar_space().subset(manifest["parameters"])
    plot_marginals(space, post, out / "prior_posterior.png")
    plot_predictive(checks, load_targets().measured, out / "predictive.png")
    for name in ("checks.csv", "identifiability.csv"):
        shutil.copyfile(report / name, out / name)
    (out / "summary.md").write_text(summary(manifest, checks, ident), encoding="utf-8")
    print((out / "summary.md").read_text(encoding="utf-8"))
    print(f"5 files in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
