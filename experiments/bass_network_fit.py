"""Re-estimate the herders' Bass imitation rate for the model's own social network.

The FACTS Bass q (meta-analysis, about 0.38 a year) is a population-level rate: it multiplies the
share of the whole population that has adopted. On the model's network a household sees only its
ties, and the share of adopting ties among non-adopters lags the population's, so with the same q
the league curve lags the population-level curve (``model.herders.bass_population_curve``).
This script finds, for each network and q on a grid over their priors, the per-tie factor q_tie / q
that docks the Bass kernel on the network (``model.herders.bass_network_curve``) with the
population-level curve of the same p and q, then fits ``model.networks.bass_tie_factor``'s
coefficients (a, c, b) of ``1 + (a + c q) / (mean degree - 1) + b C`` to those factors.

Procedure: populations of the baseline scenario at scale 0.2, seeds 0 and 1 (end-2024 adopters as
the start); for each grid point the ties are drawn again with ``ties_neighbours``, ``ties_kin``
and ``ties_cross_share`` set (seed 7 + s); p = 0.03 (FACTS); horizon 120 months, so that the
population-level curve runs most of its course as the life-cycle curves behind the FACTS
meta-analysis do; the factor minimises the maximum over months of |mean network curve -
population-level curve| (``scipy.optimize.minimize_scalar``, bounded); the coefficients are least
squares over the grid points where the best factor docks within 0.02 (on the sparsest
networks, about two ties a household and no kin ties, no factor docks: the network's curve has
another shape, and those points would only pull the fit away from the rest; they are reported).
Writes ``fit.csv`` (one row per grid point: network statistics, the deviation without correction,
the best factor, the factor of the fitted function and the deviation with it) and
``coefficients.json`` to ``results/experiments/bass_network_fit/`` (or the folder given). About
2 minutes of one core.

    python experiments/bass_network_fit.py [out_dir]
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
from _common import out_dir
from scipy.optimize import minimize_scalar

from model.herders import bass_network_curve, bass_population_curve
from model.model import SteppeModel
from model.networks import mean_clustering, social_ties

SCALE, SEEDS, MONTHS, P, TOL = 0.2, (0, 1), 120, 0.03, 0.02
NETWORKS = [(nb, kin, 0.05) for nb in (2, 4, 10) for kin in (0, 2, 6)] + [(4, 2, 0.0), (4, 2, 0.2)]
QS = (0.2, 0.38, 0.6)


def deviation(nets: list, p: float, q: float, factor: float, months: int = MONTHS) -> float:
    """Max over months of |mean network curve (q_tie = factor q) - population-level curve|."""
    curves = np.array([bass_network_curve(a, d, x, p, q * factor, months, np.random.default_rng(99 + s))
                       for a, d, x, s in nets])
    mean = curves.mean(axis=0)
    return float(np.abs(mean - bass_population_curve(mean[0], p, q, months)).max())


def main(argv: list[str]) -> None:
    out = out_dir("bass_network_fit", argv)
    base = {s: SteppeModel(seed=s, scale=SCALE).herders for s in SEEDS}
    rows = []
    for nb, kin, cross in NETWORKS:
        nets = []
        for s, h in base.items():
            a = social_ties(h.county, nb, kin, cross, np.random.default_rng(7 + s))
            nets.append((a, np.asarray(a.sum(axis=1), np.float32), h.platform, s))
        k = float(np.mean([d.mean() for _, d, _, _ in nets]))
        c = float(np.mean([mean_clustering(a) for a, _, _, _ in nets]))
        for q in QS:
            best = minimize_scalar(lambda f, nets=nets, q=q: deviation(nets, P, q, f), bounds=(1.0, 3.0),
                                   method="bounded", options={"xatol": 0.002})
            rows.append({"ties_neighbours": nb, "ties_kin": kin, "ties_cross_share": cross, "q": q,
                         "mean_degree": k, "clustering": c, "deviation_uncorrected": deviation(nets, P, q, 1.0),
                         "best_factor": best.x, "deviation_best": best.fun, "nets": nets})
            print(nb, kin, cross, q, f"k={k:.2f} C={c:.3f} factor={best.x:.3f} dev={best.fun:.4f}", flush=True)
    frame = pd.DataFrame(rows)
    x = np.column_stack([1 / (frame.mean_degree - 1), frame.q / (frame.mean_degree - 1), frame.clustering])
    fit = (frame.deviation_best <= TOL).to_numpy()
    frame["in_fit"] = fit
    coeffs, *_ = np.linalg.lstsq(x[fit], frame.best_factor[fit] - 1, rcond=None)
    frame["fitted_factor"] = 1 + x @ coeffs
    frame["deviation_fitted"] = [deviation(r.nets, P, r.q, r.fitted_factor) for r in frame.itertuples()]
    frame = frame.drop(columns="nets").round(5)
    frame.to_csv(out / "fit.csv", index=False)
    (out / "coefficients.json").write_text(json.dumps(
        {"a": round(float(coeffs[0]), 4), "c": round(float(coeffs[1]), 4), "b": round(float(coeffs[2]), 4),
         "scale": SCALE, "seeds": list(SEEDS), "months": MONTHS, "p": P}, indent=1) + "\n")
    print(frame.to_string(index=False))
    print("coefficients (a, c, b):", np.round(coeffs, 4))


if __name__ == "__main__":
    main(sys.argv[1:])
