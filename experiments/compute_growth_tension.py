"""Why the calibrated model does not reproduce A_compute_growth's observed 0.5/yr (issue 17).

    python experiments/compute_growth_tension.py [--db results/calibration/work/abc.db]

Reads the ABC history a calibration leaves in its work folder (``steppe calibrate`` or
``experiments/calibrate_posterior.py``) and prints, per generation, the accepted particles whose
compute growth 2025-2026 is at least 0.4/yr and the rack utilisation (A_compute_use) that comes with
them, and the correlation of the two in the last generation. In the model private investors build
when their racks fill, so fast growth comes with high utilisation; the observations (growth about
0.5/yr region-wide, utilisation 0.44 ± 0.2) have both fast growth and idle capacity.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
USE, GROWTH = "A_compute_use", "A_compute_growth"
USE_BAND = (0.44 - 0.2, 0.44 + 0.2)


def table(db: Path) -> tuple[pd.DataFrame, float]:
    import pyabc

    history = pyabc.History(f"sqlite:///{db}", _id=1)
    rows = []
    for t in range(history.max_t + 1):
        _, stats = history.get_weighted_sum_stats(t=t)
        d = pd.DataFrame(stats)
        fast = d[d[GROWTH] >= 0.4]
        rows.append({"generation": t, "particles": len(d), "growth >= 0.4": len(fast),
                     "their utilisation (median)": fast[USE].median() if len(fast) else float("nan"),
                     "their utilisation in 0.24-0.64": fast[USE].between(*USE_BAND).mean() if len(fast) else 0.0,
                     "growth (median)": d[GROWTH].median()})
    corr = float(d[[GROWTH, USE]].corr().iloc[0, 1])
    return pd.DataFrame(rows), corr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(ROOT / "results" / "calibration" / "work" / "abc.db"))
    args = ap.parse_args(argv)
    db = Path(args.db)
    if not db.is_file():
        print(f"error: {db}: no ABC database; run experiments/calibrate_posterior.py first", file=sys.stderr)
        return 2
    frame, corr = table(db)
    print(frame.round(3).to_string(index=False))
    print(f"last generation: correlation of compute growth and utilisation {corr:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
