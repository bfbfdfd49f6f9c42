"""Rebuild the shipped posterior (calibration/posterior/) with the default calibration settings.

    python experiments/calibrate_posterior.py [--budget 25m] [--workers N]

Runs `steppe calibrate --out results/calibration` (resumable: run it again after an interruption)
and copies the posterior, its manifest and the report into calibration/posterior/, then exports the
calibrated values the model reads (model/data/calibrated.json). Needed after
every change of the model's source: tests/calibration/test_calibration_posterior.py fails while the shipped
posterior's model hash differs from the model's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from steppe.cli import main  # noqa: E402

SHIP = ("posterior.parquet", "manifest.json")
REPORT = ("report.md", "prior_posterior.png", "predictive.png", "identifiability.csv", "checks.csv",
          "screening.csv", "scale_check.csv")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", default=None)
    ap.add_argument("--workers", default=None)
    ap.add_argument("--out", default=str(ROOT / "results" / "calibration"))
    args = ap.parse_args()
    argv = ["calibrate", "--out", args.out]
    if args.budget:
        argv += ["--budget", args.budget]
    if args.workers:
        argv += ["--workers", args.workers]
    status = main(argv)
    if status:
        sys.exit(status)
    out, dest = Path(args.out), ROOT / "calibration" / "posterior"
    (dest / "report").mkdir(parents=True, exist_ok=True)
    for name in SHIP:
        shutil.copy2(out / name, dest / name)
    for name in REPORT:
        if (out / "report" / name).is_file():
            shutil.copy2(out / "report" / name, dest / "report" / name)
        else:       # not made this time (screening.csv with --parameters): no stale copy stays
            (dest / "report" / name).unlink(missing_ok=True)
    # The model reads the shipped calibrated values from model/data/calibrated.json (it imports
    # nothing from calibration/): export them from the posterior just shipped.
    from calibration.posterior import export_calibrated, load_posterior

    written = export_calibrated(load_posterior(dest))
    print(f"shipped posterior updated in {dest}; calibrated values exported to {written}", file=sys.stderr)
